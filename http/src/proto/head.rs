//! What the heads of requests and responses share: the version, the
//! limits a parser enforces, and turning httparse's fields into ours.

use crate::headers::Headers;
use std::fmt;
use std::mem::MaybeUninit;

/// The HTTP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0: connections close after each exchange unless the message
    /// says `Connection: keep-alive`.
    Http10,
    /// HTTP/1.1: connections stay open unless either side says
    /// `Connection: close`.
    Http11,
}

impl Version {
    /// The version httparse reports as a minor number.
    pub(crate) fn from_minor(minor: Option<u8>) -> Version {
        match minor {
            Some(0) => Version::Http10,
            _ => Version::Http11,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// Limits on a message head, so a peer cannot make us buffer forever.
///
/// The same limits guard the client's reading of responses and the
/// server's reading of requests; each side sets its own values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadLimits {
    /// Most bytes the head may take (for a response, interim responses
    /// included). Default 64 KiB, which real peers stay far below.
    pub max_head_size: usize,
    /// Most header fields the head may hold. Default 100.
    pub max_headers: usize,
}

impl Default for HeadLimits {
    fn default() -> HeadLimits {
        HeadLimits {
            max_head_size: 64 * 1024,
            max_headers: 100,
        }
    }
}

/// How many of httparse's header slots [`with_header_slots`] keeps on the
/// stack: the default `max_headers`, so only a raised limit allocates.
const STACK_SLOTS: usize = 100;

/// Runs `parse` with room for `max_headers` of httparse's header slots,
/// left uninitialised for httparse to fill, on the stack unless the limit
/// was raised past [`STACK_SLOTS`]. A head is parsed again after every
/// read until it is complete, and allocating and clearing 3 KiB of slots
/// each time cost more than parsing a small head. hyper keeps its slots
/// on the stack too.
pub(crate) fn with_header_slots<'b, R>(
    max_headers: usize,
    parse: impl FnOnce(&mut [MaybeUninit<httparse::Header<'b>>]) -> R,
) -> R {
    if max_headers <= STACK_SLOTS {
        let mut slots = [MaybeUninit::uninit(); STACK_SLOTS];
        parse(&mut slots[..max_headers])
    } else {
        parse(&mut vec![MaybeUninit::uninit(); max_headers])
    }
}

/// httparse's parsed fields as our [`Headers`], in order.
pub(crate) fn headers_from(fields: &[httparse::Header<'_>]) -> Headers {
    let mut headers = Headers::new();
    for field in fields {
        headers.append_received(field.name, field.value);
    }
    headers
}

/// Limits with only the head size changed, for the tests of that limit.
#[cfg(test)]
pub(crate) fn head_size_limit(max_head_size: usize) -> HeadLimits {
    HeadLimits {
        max_head_size,
        ..HeadLimits::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::request::{ParsedRequest, parse_request_head};
    use crate::proto::response::{ParsedHead, parse_response_head};

    /// The field limit holds exactly, below the slots kept on the stack
    /// and above them (where the slots are allocated), for either parser:
    /// `max_headers` fields are accepted and one more is refused.
    #[test]
    fn the_field_limit_holds_on_either_side_of_the_stack_slots() {
        for max_headers in [1, STACK_SLOTS - 1, STACK_SLOTS, STACK_SLOTS + 1, 300] {
            let limits = HeadLimits {
                max_headers,
                ..HeadLimits::default()
            };
            for fields in [max_headers, max_headers + 1] {
                let lines: String = (0..fields).map(|i| format!("F{i}: v\r\n")).collect();
                let request = format!("GET / HTTP/1.1\r\nHost: h\r\n{lines}\r\n");
                let response = format!("HTTP/1.1 200 OK\r\n{lines}\r\n");
                // The request also carries `Host`.
                let request_fits = fields < max_headers;
                match parse_request_head(request.as_bytes(), &limits) {
                    Ok(ParsedRequest::Complete(head)) if request_fits => {
                        assert_eq!(head.headers.len(), fields + 1)
                    }
                    Err(err) if !request_fits => {
                        assert_eq!(err.kind(), crate::proto::ErrorKind::TooManyHeaders)
                    }
                    other => panic!("request, {fields} of {max_headers}: {other:?}"),
                }
                match parse_response_head(response.as_bytes(), &limits) {
                    Ok(ParsedHead::Complete(head)) if fields <= max_headers => {
                        assert_eq!(head.headers.len(), fields)
                    }
                    Err(err) if fields > max_headers => {
                        assert_eq!(err.kind(), crate::proto::ErrorKind::TooManyHeaders)
                    }
                    other => panic!("response, {fields} of {max_headers}: {other:?}"),
                }
            }
        }
    }

    /// Where a parser says a head ends in `buf`, `None` while it is partial.
    type HeadLen<'a> = &'a dyn Fn(&[u8]) -> Option<usize>;

    /// A head split anywhere across reads must wait for the rest: every
    /// proper prefix of a whole request or response head is partial, and
    /// the whole is complete, ending where the head ends.
    #[test]
    fn every_proper_prefix_of_a_head_is_partial() {
        let limits = HeadLimits::default();
        let request_head_len = |buf: &[u8]| match parse_request_head(buf, &limits).unwrap() {
            ParsedRequest::Partial => None,
            ParsedRequest::Complete(head) => Some(head.head_len),
        };
        let response_head_len = |buf: &[u8]| match parse_response_head(buf, &limits).unwrap() {
            ParsedHead::Partial => None,
            ParsedHead::Complete(head) => Some(head.head_len),
        };
        let cases: [(&[u8], HeadLen); 2] = [
            (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", &request_head_len),
            (b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n", &response_head_len),
        ];
        for (head, head_len) in cases {
            for end in 0..head.len() {
                assert_eq!(
                    head_len(&head[..end]),
                    None,
                    "{} cut at {end}",
                    head.escape_ascii()
                );
            }
            assert_eq!(head_len(head), Some(head.len()), "{}", head.escape_ascii());
        }
    }
}
