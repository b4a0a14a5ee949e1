//! The pieces of URI syntax (RFC 3986) a server has to check itself:
//! whether a `Host` value or the authority of an absolute-form target is a
//! well-formed `host[:port]`, and whether the percent escapes in a path
//! are well formed.
//!
//! The client never needs these: it builds its URIs with the `url` crate,
//! which only produces valid ones. A server receives them from whoever
//! connects, and RFC 9112 §3.2 makes a `Host` that is not a valid authority
//! a reason to refuse the request (it is what a request-smuggling or
//! cache-poisoning attempt looks like).

use std::net::Ipv6Addr;

/// Whether `value` is an authority as HTTP carries it: `host` or
/// `host:port` (RFC 9110 §7.2 and §4.2), without the user information
/// (`user@`) that RFC 3986 would allow and RFC 9110 §4.2.4 forbids.
///
/// The host is either an IPv6 address in brackets or a registered name
/// (which covers IPv4 addresses) made of unreserved characters,
/// sub-delimiters and percent escapes. It may be empty, as in the `Host`
/// of a request for a URI without one (RFC 9110 §7.2); an absolute-form
/// target must also pass [`has_host`]. The port is digits, possibly none.
pub(crate) fn is_authority(value: &[u8]) -> bool {
    let (host, port) = split_port(value);
    let host_ok = match host {
        [b'[', literal @ .., b']'] => {
            std::str::from_utf8(literal).is_ok_and(|literal| literal.parse::<Ipv6Addr>().is_ok())
        }
        name => name.iter().all(|&b| is_reg_name_byte(b)) && escapes_are_well_formed(name),
    };
    host_ok && port.iter().all(u8::is_ascii_digit)
}

/// Whether an authority (already checked with [`is_authority`]) names a
/// host at all. An `http` or `https` URI with an empty host is invalid
/// (RFC 9110 §4.2.1).
pub(crate) fn has_host(authority: &[u8]) -> bool {
    !split_port(authority).0.is_empty()
}

/// Whether every `%` in `text` starts an escape of two hex digits (RFC
/// 3986 §2.1). Decoders pass a stray `%` through as it is, which hides a
/// URI built wrongly.
pub(crate) fn escapes_are_well_formed(text: &[u8]) -> bool {
    text.iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == b'%')
        .all(|(i, _)| {
            text.get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        })
}

/// Splits `host:port` at the colon that starts the port: the last one,
/// unless it is inside an IPv6 literal's brackets.
fn split_port(authority: &[u8]) -> (&[u8], &[u8]) {
    let after_literal = authority
        .iter()
        .rposition(|&b| b == b']')
        .map_or(0, |close| close + 1);
    match authority[after_literal..].iter().rposition(|&b| b == b':') {
        Some(colon) => (
            &authority[..after_literal + colon],
            &authority[after_literal + colon + 1..],
        ),
        None => (authority, &[]),
    }
}

/// `unreserved / pct-encoded / sub-delims` of RFC 3986 §3.2.2, the `%`
/// standing for a whole escape.
fn is_reg_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities() {
        for good in [
            &b"example.com"[..],
            b"example.com:8080",
            b"EXAMPLE.com:",
            b"127.0.0.1:80",
            b"[::1]",
            b"[::1]:443",
            b"[2001:db8::1]:8080",
            b"xn--bcher-kva.example",
            b"a%2Db",
            b"",
        ] {
            assert!(is_authority(good), "{}", good.escape_ascii());
        }
        for bad in [
            &b"a b/c@d"[..],
            b"user@example.com",
            b"user:pw@example.com",
            b"example.com/path",
            b"example.com?q",
            b"example.com:http",
            b"example.com:80:80",
            b"[::1",
            b"::1",
            b"[::1]x",
            b"[example.com]",
            b"a%2",
            b"a%zz",
            b"caf\xc3\xa9",
            b"tab\there",
        ] {
            assert!(!is_authority(bad), "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn a_url_authority_needs_a_host() {
        assert!(has_host(b"h"));
        assert!(has_host(b"[::1]:80"));
        assert!(!has_host(b""));
        assert!(!has_host(b":80"));
    }

    #[test]
    fn percent_escapes() {
        assert!(escapes_are_well_formed(b"/a%20b%2F"));
        assert!(escapes_are_well_formed(b"/plain"));
        assert!(!escapes_are_well_formed(b"/a%2"));
        assert!(!escapes_are_well_formed(b"/a%zz"));
        assert!(!escapes_are_well_formed(b"%"));
    }
}
