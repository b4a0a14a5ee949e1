//! Why a download failed: a kind a program can act on, and a message for
//! people.
//!
//! Every failure keeps its kind from where it happens to the report, where
//! it becomes the JSON field `"error_kind"`. A script deciding what to try
//! again should read the kind, not parse the message: messages are written
//! for people and may change, the kinds below are the contract.

use std::fmt;

use serde::{Serialize, Serializer};

/// Why one download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadError {
    kind: ErrorKind,
    message: String,
}

impl DownloadError {
    /// A failure of `kind`, with a message saying what happened, with the
    /// numbers that matter ("no data from the server for 15.0 s").
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> DownloadError {
        DownloadError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What happened, for a person.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DownloadError {}

// ANCHOR: kinds
/// The kinds of failure. In JSON each is the string [`as_str`] returns.
///
/// [`as_str`]: ErrorKind::as_str
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `"invalid_url"`: the input is not an `http` or `https` URL (or not
    /// text at all). Retrying cannot help.
    InvalidUrl,
    /// `"connect"`: the host name did not resolve, or no connection could
    /// be made.
    Connect,
    /// `"timeout"`: a time limit ran out; the [`Limit`] says which.
    Timeout(Limit),
    /// `"tls"`: the TLS handshake failed or the certificate was refused.
    Tls,
    /// `"protocol"`: the server's answer is not valid HTTP, or not what was
    /// asked for (a resumed request answered with another range).
    Protocol,
    /// `"connection"`: the connection was reset or closed before the whole
    /// body arrived.
    Connection,
    /// `"http_status"`: the server answered with a status that is not a
    /// success; the report's `http_status` holds it.
    HttpStatus,
    /// `"proxy"`: the HTTP proxy refused the connection, wanted
    /// credentials (407), or would not open a tunnel to the host.
    Proxy,
    /// `"redirect"`: more redirects than the client follows.
    Redirect,
    /// `"checksum"`: the body's digest is not the one given for it; the
    /// message holds both, expected and actual. Nothing was saved.
    Checksum,
    /// `"io"`: the local file system: a file could not be created, written
    /// or given its final name, or a file in its place was not ours.
    Io,
    /// `"not_attempted"`: the batch stopped before reaching this URL.
    NotAttempted,
}
// ANCHOR_END: kinds

/// Which time limit ran out, for [`ErrorKind::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The whole attempt took too long ([`Timeouts::attempt`](crate::Timeouts::attempt)).
    Attempt,
    /// Connecting took too long ([`Timeouts::connect`](crate::Timeouts::connect)).
    Connect,
    /// The server went quiet for too long ([`Timeouts::read`](crate::Timeouts::read)).
    Read,
}

impl ErrorKind {
    /// The kind's name in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidUrl => "invalid_url",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout(_) => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Connection => "connection",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::Proxy => "proxy",
            ErrorKind::Redirect => "redirect",
            ErrorKind::Checksum => "checksum",
            ErrorKind::Io => "io",
            ErrorKind::NotAttempted => "not_attempted",
        }
    }
}

impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
