//! The server's reading of a request head, and the decisions its exchange
//! makes from it: framing, the body limit, `100 Continue` and keep-alive.
//!
//! Input: one byte choosing the head limits (and the body limit), then the
//! request bytes.
//!
//! Asserts: no panic; an accepted head is at most the input and the limit,
//! has a target that is a path (or `*` for `OPTIONS`), for HTTP/1.1 exactly
//! one `Host`, and a `Host` (if any) made only of the bytes a
//! `host[:port]` may hold; refusals of the head are what the server
//! answers with 400, 414 or 431, refusals by the exchange with 400, 413 or
//! 501; and every prefix gives a verdict consistent with the whole:
//! `Partial` before the end of an accepted head, and `Partial` or the same
//! status for a refused one (a prefix as long as the size limit may be
//! refused as too large).

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_http::proto::{
    ErrorKind, HeadLimits, ParsedRequest, ServerExchange, Version, parse_request_head,
    request_framing,
};

/// The status the server answers a refused head with (as
/// `http/src/server/connection.rs` maps it).
fn status(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::TargetTooLong => 414,
        ErrorKind::HeadTooLarge | ErrorKind::TooManyHeaders => 431,
        ErrorKind::BodyTooLarge => 413,
        ErrorKind::UnsupportedCoding => 501,
        _ => 400,
    }
}

/// The bytes of `host[:port]`: a reg-name (unreserved, sub-delims and
/// `%` escapes), or an IPv6 literal in brackets, then digits after a colon.
fn is_host_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&byte)
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let limits = if choice & 1 == 0 {
        HeadLimits::default()
    } else {
        HeadLimits {
            max_head_size: 32 + usize::from(choice >> 1) * 8,
            max_headers: usize::from(choice >> 4),
        }
    };
    let max_body_size = usize::from(choice >> 2) * 4;
    let whole = parse_request_head(bytes, &limits);
    match &whole {
        Ok(ParsedRequest::Complete(head)) => {
            assert!(head.head_len <= bytes.len() && head.head_len <= limits.max_head_size);
            assert!(
                head.target.starts_with('/') || (head.target == "*" && head.method == "OPTIONS"),
                "target {:?}",
                head.target
            );
            let hosts: Vec<&[u8]> = head.headers.get_all("host").collect();
            if head.version == Version::Http11 {
                assert_eq!(hosts.len(), 1);
            }
            assert!(hosts.len() <= 1, "{hosts:?}");
            for host in hosts {
                assert!(host.iter().all(|&b| is_host_byte(b)), "Host {host:?}");
            }
            if let Err(err) = request_framing(head) {
                assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::Malformed | ErrorKind::UnsupportedCoding
                    ),
                    "{err:?}"
                );
            }
            match ServerExchange::new(head, max_body_size) {
                Ok(exchange) => {
                    if exchange.interim_response().is_some() {
                        assert_eq!(head.version, Version::Http11);
                    }
                    let _ = exchange.keep_alive();
                }
                Err(err) => assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::Malformed
                            | ErrorKind::UnsupportedCoding
                            | ErrorKind::BodyTooLarge
                    ),
                    "{err:?}"
                ),
            }
            // The head is self-delimiting: on its own it parses the same.
            let Ok(ParsedRequest::Complete(again)) =
                parse_request_head(&bytes[..head.head_len], &limits)
            else {
                panic!("the head alone does not parse");
            };
            assert_eq!(
                (again.head_len, &again.method, &again.target),
                (head.head_len, &head.method, &head.target)
            );
        }
        Ok(ParsedRequest::Partial) => assert!(bytes.len() < limits.max_head_size),
        Err(err) => assert!(
            matches!(
                err.kind(),
                ErrorKind::Malformed
                    | ErrorKind::TargetTooLong
                    | ErrorKind::HeadTooLarge
                    | ErrorKind::TooManyHeaders
            ),
            "{err:?}"
        ),
    }

    // Prefixes, at a few points spread over the input.
    for i in 1..8 {
        let cut = bytes.len() * i / 8;
        let prefix = parse_request_head(&bytes[..cut], &limits);
        match (&whole, prefix) {
            (_, Ok(ParsedRequest::Partial)) => {}
            (_, Err(err))
                if matches!(
                    err.kind(),
                    ErrorKind::HeadTooLarge | ErrorKind::TargetTooLong
                ) && cut >= limits.max_head_size => {}
            (Ok(ParsedRequest::Complete(head)), Ok(ParsedRequest::Complete(early))) => {
                assert!(cut >= head.head_len);
                assert_eq!(early.head_len, head.head_len);
            }
            (Err(refused), Err(early)) => {
                assert_eq!(
                    status(early.kind()),
                    status(refused.kind()),
                    "{early:?}, {refused:?}"
                )
            }
            (whole, prefix) => panic!("prefix of {cut} bytes: {prefix:?}, whole: {whole:?}"),
        }
    }
});
