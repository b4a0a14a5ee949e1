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

use crate::proto::fields::letters_digits_and;
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
    // Most text has no `%` at all, which one `memchr` finds out.
    !text.contains(&b'%')
        || text
            .iter()
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
    // Only a literal at the start has colons of its own. A `]` anywhere
    // else makes the authority invalid whichever colon the port follows,
    // so only then is the whole value searched for the closing bracket.
    let after_literal = match authority.first() {
        Some(b'[') => authority
            .iter()
            .rposition(|&b| b == b']')
            .map_or(0, |close| close + 1),
        _ => 0,
    };
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
    REG_NAME_BYTES[usize::from(byte)]
}

/// [`is_reg_name_byte`] as a table: every request's `Host` is checked.
const REG_NAME_BYTES: [bool; 256] = letters_digits_and(b"-._~%!$&'()*+,;=");

#[cfg(test)]
mod tests {
    use super::*;

    /// Which bytes are an authority (RFC 3986 §3.2), as a decision table.
    #[test]
    fn authorities() {
        let table: &[(&[u8], bool)] = &[
            // A name, with a port, or with an empty one (RFC 3986 allows it).
            (b"example.com", true),
            (b"example.com:8080", true),
            (b"EXAMPLE.com:", true),
            // Addresses, IPv6 in brackets.
            (b"127.0.0.1:80", true),
            (b"[::1]", true),
            (b"[::1]:443", true),
            (b"[2001:db8::1]:8080", true),
            // Punycode, a well-formed escape, and the empty reg-name.
            (b"xn--bcher-kva.example", true),
            (b"a%2Db", true),
            (b"", true),
            // Userinfo, a path or a query: more than an authority.
            (b"a b/c@d", false),
            (b"user@example.com", false),
            (b"user:pw@example.com", false),
            (b"example.com/path", false),
            (b"example.com?q", false),
            // A port that is not one number.
            (b"example.com:http", false),
            (b"example.com:80:80", false),
            // Brackets missing, unclosed, followed by junk, or around a name.
            (b"[::1", false),
            (b"::1", false),
            (b"[::1]x", false),
            (b"[example.com]", false),
            (b"a]:80", false),
            (b"x[::1]:80", false),
            (b"a:[b]", false),
            (b"[::1]:8]0", false),
            // Broken escapes, and bytes a reg-name cannot hold.
            (b"a%2", false),
            (b"a%zz", false),
            (b"caf\xc3\xa9", false),
            (b"tab\there", false),
        ];
        for &(input, expected) in table {
            assert_eq!(is_authority(input), expected, "{}", input.escape_ascii());
        }
    }

    #[test]
    fn a_url_authority_needs_a_host() {
        let hosts = [&b"h"[..], b"[::1]:80", b"", b":80"].map(has_host);
        assert_eq!(hosts, [true, true, false, false]);
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
