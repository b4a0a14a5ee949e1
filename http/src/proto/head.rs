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

/// Checks that a parser calls every proper prefix of a whole head
/// partial: a head split anywhere across reads must wait for the rest.
#[cfg(test)]
pub(crate) fn assert_prefixes_partial(head: &[u8], is_partial: impl Fn(&[u8]) -> bool) {
    for end in 0..head.len() {
        assert!(is_partial(&head[..end]), "prefix {end}");
    }
}
