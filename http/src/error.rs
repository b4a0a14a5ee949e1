//! The crate's one error type.
//!
//! Every failure of the client, from a malformed URL to a server that hangs
//! up halfway through a body, comes back as an [`Error`]. The protocol core
//! fails with a [`proto::Error`] of its own, which becomes an [`Error`] at
//! the client's boundary (the `From` impl below). Callers branch on
//! [`Error::kind`], which is a small enum of *what went wrong* ("the server
//! broke the protocol", "the body was cut short"), and show people the
//! message, which says *what exactly* happened and, where there is one, which
//! knob to turn. The underlying cause (an `io::Error`, a TLS alert) stays
//! reachable through [`std::error::Error::source`] instead of being pasted
//! into the message, so error-chain printers do not show it twice.
//!
//! One type with a kind, rather than one error type per layer, keeps the
//! client's signatures short: a download loop can `?` its way through
//! connecting, sending and reading and still tell a timeout from a protocol
//! failure at the end. It is the same shape as `std::io::Error`.

use crate::proto;
use std::fmt;

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from the HTTP client.
///
/// # Examples
///
/// ```
/// use spool_http::{Error, ErrorKind};
///
/// let err = Error::new(ErrorKind::BodyIncomplete, "connection closed after 1200 of 5000 body bytes");
/// assert_eq!(err.kind(), ErrorKind::BodyIncomplete);
/// assert_eq!(err.to_string(), "connection closed after 1200 of 5000 body bytes");
/// ```
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Kept out of `message` so that `{}` stays one readable sentence and
    /// chain printers (`anyhow`, `{:#}` here) can still walk to the cause.
    source: Option<Source>,
}

// ANCHOR: kinds
/// What kind of failure an [`Error`] is, for callers that branch on it.
///
/// New kinds may be added, so matches need a `_` arm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The URL could not be parsed or has no host.
    InvalidUrl,
    /// The URL's scheme is not `http` or `https`.
    UnsupportedScheme,
    /// The request itself is malformed: a header name or value that would
    /// break the request framing, a bad method, or framing headers the
    /// client sets itself.
    InvalidRequest,
    /// The host name could not be resolved.
    Dns,
    /// No connection could be established.
    Connect,
    /// A time limit ran out; which one is in the [`TimeoutKind`].
    Timeout(TimeoutKind),
    /// The TLS handshake or session failed.
    Tls,
    /// The server's bytes are not valid HTTP/1.x: not HTTP at all, a bad
    /// status line or header, a status code outside 100–599, a malformed
    /// chunk, conflicting lengths, or a head larger than the configured
    /// limit.
    Protocol,
    /// The connection ended before the body did.
    BodyIncomplete,
    /// A body that runs until the connection closes ended with a close
    /// nobody vouched for: TLS without `close_notify`, only a bare TCP
    /// close, which anyone on the path can forge (RFC 9112 §9.8). Every
    /// byte received was delivered, but the body may have been cut short.
    /// Browsers accept such bodies; a caller reading with
    /// [`Response::chunk`](crate::Response::chunk) may do the same by
    /// treating this kind as the end.
    BodyEndUnconfirmed,
    /// Redirects went on longer than the configured limit.
    TooManyRedirects,
    /// The body is larger than the configured limit.
    BodyTooLarge,
    /// The HTTP proxy failed us: it refused the connection, its name did
    /// not resolve, it asked for credentials (407), or it answered the
    /// `CONNECT` for an `https` URL with anything but 2xx.
    Proxy,
    /// An I/O error that none of the kinds above describes better.
    Io,
}
// ANCHOR_END: kinds

/// Which time limit ran out, for [`ErrorKind::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// Establishing the connection (DNS, TCP and TLS) took too long.
    Connect,
    /// The server went quiet for too long between two reads.
    Read,
    /// The whole request, from first byte to last, took too long.
    Total,
}

impl Error {
    /// Creates an error of `kind` with a message meant for a person.
    ///
    /// Write the message as a full statement of what happened, with the
    /// numbers that matter ("connection closed after 1200 of 5000 body
    /// bytes"), not as a category ("incomplete body"): the kind is already
    /// the category.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the lower-level error that caused this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    /// use spool_http::{Error, ErrorKind};
    ///
    /// let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    /// let err = Error::new(ErrorKind::Io, "reading the response from example.com:80").with_source(io);
    /// assert!(err.source().is_some());
    /// ```
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Error {
        self.source = Some(source.into());
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the source chain.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether a time limit ran out, whichever one it was.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout(_))
    }
}

impl fmt::Display for Error {
    /// `{}` prints the message alone; `{:#}` appends the chain of sources,
    /// for logs where there is no chain-walking printer.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if f.alternate() {
            let mut next = std::error::Error::source(self);
            while let Some(cause) = next {
                write!(f, ": {cause}")?;
                next = cause.source();
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

// ANCHOR: from_proto
/// The client's view of a protocol failure. The response's bytes breaking
/// the protocol is [`ErrorKind::Protocol`] whatever the detail, and a limit
/// that ran out names the [`ClientBuilder`](crate::ClientBuilder) knob
/// that sets it, which `proto` cannot know.
impl From<proto::Error> for Error {
    fn from(err: proto::Error) -> Error {
        use proto::ErrorKind as P;
        let (kind, hint) = match err.kind() {
            P::HeadTooLarge => (
                ErrorKind::Protocol,
                " (limit set by ClientBuilder::max_head_size)",
            ),
            P::TooManyHeaders => (
                ErrorKind::Protocol,
                " (limit set by ClientBuilder::max_headers)",
            ),
            P::BodyTooLarge => (ErrorKind::BodyTooLarge, ""),
            P::BodyIncomplete => (ErrorKind::BodyIncomplete, ""),
            P::BodyEndUnconfirmed => (ErrorKind::BodyEndUnconfirmed, ""),
            P::InvalidMessage => (ErrorKind::InvalidRequest, ""),
            P::UnsupportedScheme => (ErrorKind::UnsupportedScheme, ""),
            P::Malformed | P::TargetTooLong | P::UnsupportedCoding => (ErrorKind::Protocol, ""),
        };
        Error::new(kind, format!("{}{hint}", err.message()))
    }
}
// ANCHOR_END: from_proto

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_is_the_message_and_alternate_adds_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let err = Error::new(ErrorKind::Io, "reading the response").with_source(io);
        assert_eq!(err.to_string(), "reading the response");
        assert_eq!(format!("{err:#}"), "reading the response: reset by peer");
        assert_eq!(err.source().unwrap().to_string(), "reset by peer");
    }

    #[test]
    fn timeout_kind_is_matchable() {
        let err = Error::new(ErrorKind::Timeout(TimeoutKind::Read), "no bytes for 30s");
        assert!(err.is_timeout());
        assert!(matches!(err.kind(), ErrorKind::Timeout(TimeoutKind::Read)));
        assert!(!Error::new(ErrorKind::Protocol, "x").is_timeout());
    }

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn protocol_errors_name_the_client_knob_for_a_limit() {
        use crate::proto::{HeadLimits, parse_response_head};
        let limits = HeadLimits {
            max_head_size: 1024,
            max_headers: 1,
        };
        let buf = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
        let err = Error::from(parse_response_head(buf, &limits).unwrap_err());
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert_eq!(
            err.to_string(),
            "response has more than 1 header fields (limit set by ClientBuilder::max_headers)"
        );
    }
}
