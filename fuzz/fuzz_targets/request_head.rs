//! The server's reading of a request head, and its framing and keep-alive
//! decisions.
//!
//! Input: one byte choosing the head limits, then the request bytes.
//!
//! Asserts: no panic; an accepted head is at most the input and the limit,
//! has a target that is a path (or `*` for `OPTIONS`) and, for HTTP/1.1,
//! exactly one `Host`; rejections carry 400, 431 or 501 (501 from framing
//! only); and every prefix gives a verdict consistent with the whole:
//! `Partial` before the end of an accepted head, and `Partial` or the same
//! status for a refused one (a prefix as long as the size limit may say 431).

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_http::proto::{
    HeadLimits, ParsedRequest, Version, expects_continue, parse_request_head, request_framing,
    request_keep_alive,
};

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
    let whole = parse_request_head(bytes, &limits);
    match &whole {
        Ok(ParsedRequest::Complete(head)) => {
            assert!(head.head_len <= bytes.len() && head.head_len <= limits.max_head_size);
            assert!(
                head.target.starts_with('/') || (head.target == "*" && head.method == "OPTIONS"),
                "target {:?}",
                head.target
            );
            if head.version == Version::Http11 {
                assert_eq!(head.headers.get_all("host").count(), 1);
            }
            if let Err(rejection) = request_framing(head) {
                assert!(matches!(rejection.status, 400 | 501), "{rejection:?}");
            }
            let _ = (request_keep_alive(head), expects_continue(head));
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
        Err(rejection) => assert!(matches!(rejection.status, 400 | 431), "{rejection:?}"),
    }

    // Prefixes, at a few points spread over the input.
    for i in 1..8 {
        let cut = bytes.len() * i / 8;
        let prefix = parse_request_head(&bytes[..cut], &limits);
        match (&whole, prefix) {
            (_, Ok(ParsedRequest::Partial)) => {}
            (_, Err(rejection)) if rejection.status == 431 && cut >= limits.max_head_size => {}
            (Ok(ParsedRequest::Complete(head)), Ok(ParsedRequest::Complete(early))) => {
                assert!(cut >= head.head_len);
                assert_eq!(early.head_len, head.head_len);
            }
            (Err(refused), Err(early)) => assert_eq!(early.status, refused.status),
            (whole, prefix) => panic!("prefix of {cut} bytes: {prefix:?}, whole: {whole:?}"),
        }
    }
});
