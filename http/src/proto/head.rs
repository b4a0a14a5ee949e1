//! What the heads of requests and responses share: the version, the
//! limits a parser enforces, and turning httparse's fields into ours.

use crate::headers::Headers;
use std::fmt;

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

/// httparse's parsed fields as our [`Headers`], in order.
pub(crate) fn headers_from(fields: &[httparse::Header<'_>]) -> Headers {
    let mut headers = Headers::new();
    for field in fields {
        headers.append(field.name, field.value);
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
