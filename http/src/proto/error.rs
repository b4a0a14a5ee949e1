//! The protocol's one error type.
//!
//! Both sides of the protocol fail in the same few ways: the peer's bytes
//! are not HTTP, a head or body is larger than a limit allows, the
//! connection closed before the body's end, or a message we were asked to
//! send cannot be written without changing its meaning. [`Error`] names
//! which, with a sentence saying exactly what happened.
//!
//! What a failure *means* differs by side, and that mapping is the
//! drivers' business, not the protocol's: the client turns an [`Error`]
//! into its own [`crate::Error`] (a malformed response is
//! [`crate::ErrorKind::Protocol`]), the server into a status code to
//! answer with (a head too large is 431). Each driver also adds the name of
//! the knob that sets a limit, which `proto` cannot know.

use std::fmt;

/// A message that breaks the protocol, or one that cannot be sent.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{parse_request_head, ErrorKind, HeadLimits};
///
/// let err = parse_request_head(b"GET /a b HTTP/1.1\r\n\r\n", &HeadLimits::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Malformed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// What kind of failure an [`Error`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The peer's bytes are not valid HTTP/1.x: a malformed head, framing
    /// fields that contradict each other, broken chunked framing.
    Malformed,
    /// The request line alone reached
    /// [`HeadLimits::max_head_size`](super::HeadLimits::max_head_size):
    /// only a target can be that long.
    TargetTooLong,
    /// A head larger than [`HeadLimits::max_head_size`](super::HeadLimits::max_head_size).
    HeadTooLarge,
    /// A head with more fields than [`HeadLimits::max_headers`](super::HeadLimits::max_headers).
    TooManyHeaders,
    /// A transfer coding other than `chunked`, which nothing here decodes.
    UnsupportedCoding,
    /// A body larger than the receiver is willing to take.
    BodyTooLarge,
    /// The connection closed before the body's end.
    BodyIncomplete,
    /// A body that runs until the connection closes ended with a close
    /// nobody vouched for (TLS without `close_notify`).
    BodyEndUnconfirmed,
    /// A message we were asked to send cannot be encoded: a method or
    /// header name that is not a token, a value with a control byte, a
    /// framing field the encoder owns, a status outside 100–999.
    InvalidMessage,
    /// A URL whose scheme is not `http` or `https`.
    UnsupportedScheme,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What happened, as a sentence without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The result of a protocol function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`ErrorKind::Malformed`] error.
pub(crate) fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Malformed, message)
}
