//! [`Request`]: what a handler receives.
//!
//! The body has been read in full before the handler is called, up to
//! [`ServerBuilder::max_body_size`](super::ServerBuilder::max_body_size).
//! That keeps handlers plain `async fn(Request) -> Response`, at the cost
//! of not streaming uploads; this server exists to answer small requests
//! with possibly large responses, so the trade is the right way round.

use crate::headers::Headers;
use crate::proto::Version;
use std::borrow::Cow;
use std::net::SocketAddr;

/// A request received by the server.
///
/// # Examples
///
/// A handler that echoes what it was asked:
///
/// ```
/// use spool_http::server::{Request, Response};
///
/// async fn echo(request: Request) -> Response {
///     let text = format!(
///         "{} {} query={:?} from {}\n",
///         request.method(),
///         request.path(),
///         request.query(),
///         request.peer_addr()
///     );
///     Response::text(200, text)
/// }
/// ```
#[derive(Debug)]
pub struct Request {
    pub(crate) method: Cow<'static, str>,
    pub(crate) target: String,
    pub(crate) version: Version,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
    pub(crate) peer: SocketAddr,
}

impl Request {
    /// The method, such as `GET`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target: path and query, still percent-encoded. A
    /// target sent in absolute form (`http://host/path?query`) arrives here
    /// as its path and query, its authority being the [`host`](Self::host).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The host the request is for, `host` or `host:port`: the authority of
    /// an absolute-form target, else the `Host` header, which then says the
    /// same (RFC 9112 §3.2.2). `None` only for an HTTP/1.0 request without
    /// `Host`. Always a well-formed authority: a request with a malformed
    /// `Host` is answered with a 400 before it reaches a handler.
    pub fn host(&self) -> Option<&str> {
        self.headers.get("host")
    }

    /// The path part of the target, before any `?`, still percent-encoded.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query part of the target, after the first `?`, if there is one.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    /// The HTTP version the client spoke.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header fields, in the order received.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body, empty if the request had none.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body out of the request.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The address of the client.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }
}
