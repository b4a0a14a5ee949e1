//! [`Response`] and its [`Body`]: what a handler hands back.
//!
//! A response is a status, header fields and a body, built with a few
//! chained calls. The body is one of three shapes, because each goes out
//! on the wire differently:
//!
//! - empty;
//! - bytes already in memory, sent with `Content-Length`: owned, or a
//!   `&'static` slice, which is sent without a copy (hyper's
//!   `Bytes::from_static`);
//! - a [`Stream`] of byte chunks, for bodies too large to hold or produced
//!   over time. If the length is known up front
//!   ([`Body::sized_stream`]) it is sent with `Content-Length`, otherwise
//!   chunked.
//!
//! A chunk is anything that can be read as bytes (`AsRef<[u8]>`): an owned
//! `Vec<u8>` read from a file, or a slice of a buffer the program keeps
//! (`&'static [u8]`, `Rc<[u8]>`), which is sent as it is instead of being
//! copied into a fresh `Vec` for every piece. hyper fixes the chunk type to
//! `bytes::Bytes` for the same purpose; a trait bound keeps this crate free
//! of that dependency.
//!
//! The handler never writes framing fields itself; the connection derives
//! them from the body (see [`response_framing`](crate::proto::response_framing)).

use crate::headers::Headers;
use spool::stream::{Stream, StreamExt};
use std::borrow::Cow;
use std::fmt;
use std::io;
use std::pin::Pin;

/// One chunk of a streamed [`Body`], whatever type the handler's stream
/// yields.
pub(crate) type Chunk = Box<dyn AsRef<[u8]>>;

/// The stream inside a streaming [`Body`].
pub(crate) type ChunkStream = Pin<Box<dyn Stream<Item = io::Result<Chunk>>>>;

/// Hides the handler's stream and chunk types behind [`ChunkStream`].
fn chunk_stream<B: AsRef<[u8]> + 'static>(
    chunks: impl Stream<Item = io::Result<B>> + 'static,
) -> ChunkStream {
    Box::pin(Box::pin(chunks).map(|chunk| chunk.map(|bytes| Box::new(bytes) as Chunk)))
}

/// An HTTP response for the server to send.
///
/// # Examples
///
/// ```
/// use spool_http::server::{Body, Response};
///
/// let response = Response::new(201)
///     .header("Location", "/items/7")
///     .body(Body::from("created\n"));
/// assert_eq!(response.status(), 201);
/// assert_eq!(response.headers().get("location"), Some("/items/7"));
/// assert_eq!(response.body_len(), Some(8));
/// ```
#[derive(Debug)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Headers,
    pub(crate) body: Body,
}

impl Response {
    /// A response with this status, no header fields and an empty body.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Headers::new(),
            body: Body::empty(),
        }
    }

    /// A `text/plain; charset=utf-8` response.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_http::server::Response;
    ///
    /// let response = Response::text(200, "hello\n");
    /// assert_eq!(response.headers().get("content-type"), Some("text/plain; charset=utf-8"));
    /// ```
    pub fn text(status: u16, text: impl Into<String>) -> Response {
        Response::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(Body::from(text.into()))
    }

    /// A response carrying `bytes`, with no `Content-Type`; add one with
    /// [`header`](Response::header). Owned bytes (`Vec<u8>`, `String`) are
    /// moved in; `&'static` ones are sent from where they are, uncopied.
    pub fn bytes(status: u16, bytes: impl Into<Body>) -> Response {
        Response::new(status).body(bytes.into())
    }

    /// `404 Not Found` with a short text body.
    pub fn not_found() -> Response {
        Response::text(404, "Not Found\n")
    }

    /// Adds a header field after any existing ones (so `Set-Cookie` can
    /// repeat).
    ///
    /// `Content-Length` and `Transfer-Encoding` set here are ignored: the
    /// server writes them from the body. `Connection: close` is honoured,
    /// closing the connection after this response. A name or value that
    /// would break the response head (a CR or LF in the value, say) makes
    /// the server send a 500 instead.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Response {
        self.headers.append(name, value);
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: Body) -> Response {
        self.body = body;
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The header fields set so far.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, for changes [`header`](Response::header) cannot
    /// make (replacing or removing a field).
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body's length, if it is known before it is sent.
    pub fn body_len(&self) -> Option<u64> {
        self.body.len()
    }
}

/// The body of a [`Response`].
///
/// # Examples
///
/// A streamed body built with [`spool::stream::iter`]; the server sends it
/// chunked because its length is not given:
///
/// ```
/// use spool::stream;
/// use spool_http::server::Body;
///
/// let body = Body::stream(stream::iter([Ok(b"part 1, ".to_vec()), Ok(b"part 2".to_vec())]));
/// assert_eq!(body.len(), None);
/// ```
pub struct Body {
    pub(crate) kind: BodyKind,
}

pub(crate) enum BodyKind {
    Empty,
    Bytes(Cow<'static, [u8]>),
    Stream {
        /// `Some` when the length is promised up front; the connection
        /// checks the stream keeps the promise.
        len: Option<u64>,
        chunks: ChunkStream,
    },
}

impl Body {
    /// No body; sent as `Content-Length: 0`.
    pub fn empty() -> Body {
        Body {
            kind: BodyKind::Empty,
        }
    }

    /// A body produced piece by piece, sent chunked (to HTTP/1.0 clients:
    /// delimited by closing the connection).
    ///
    /// An `Err` from the stream aborts the response: the connection is
    /// closed without the final chunk, so the client can tell the body is
    /// incomplete.
    pub fn stream<B: AsRef<[u8]> + 'static>(
        chunks: impl Stream<Item = io::Result<B>> + 'static,
    ) -> Body {
        Body {
            kind: BodyKind::Stream {
                len: None,
                chunks: chunk_stream(chunks),
            },
        }
    }

    /// A streamed body of exactly `len` bytes, sent with `Content-Length`.
    ///
    /// If the stream ends early or yields more than `len` bytes, the
    /// connection is closed at that point: the client sees a truncated
    /// body rather than a wrong one.
    ///
    /// # Examples
    ///
    /// A mebibyte sent as slices of one static buffer, with no copy per
    /// piece:
    ///
    /// ```
    /// use spool::stream;
    /// use spool_http::server::Body;
    ///
    /// static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    /// let pieces = (0..16).map(|_| Ok(&ZEROS[..]));
    /// let body = Body::sized_stream(1 << 20, stream::iter(pieces));
    /// assert_eq!(body.len(), Some(1 << 20));
    /// ```
    pub fn sized_stream<B: AsRef<[u8]> + 'static>(
        len: u64,
        chunks: impl Stream<Item = io::Result<B>> + 'static,
    ) -> Body {
        Body {
            kind: BodyKind::Stream {
                len: Some(len),
                chunks: chunk_stream(chunks),
            },
        }
    }

    /// The length, if it is known before the body is sent.
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            BodyKind::Empty => Some(0),
            BodyKind::Bytes(bytes) => Some(bytes.len() as u64),
            BodyKind::Stream { len, .. } => *len,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body {
            kind: BodyKind::Bytes(Cow::Owned(bytes)),
        }
    }
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        Body::from(text.into_bytes())
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Body {
        Body::from(text.as_bytes())
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Body {
        Body {
            kind: BodyKind::Bytes(Cow::Borrowed(bytes)),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Empty => f.write_str("Body::Empty"),
            BodyKind::Bytes(bytes) => write!(f, "Body::Bytes({} bytes)", bytes.len()),
            BodyKind::Stream { len: Some(len), .. } => write!(f, "Body::Stream({len} bytes)"),
            BodyKind::Stream { len: None, .. } => f.write_str("Body::Stream(chunked)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body is never copied on its way into a response: `&'static`
    /// bytes are borrowed where they are, owned ones are moved in.
    #[test]
    fn static_bytes_are_borrowed_and_owned_bytes_moved() {
        static BODY: [u8; 4] = *b"body";
        let BodyKind::Bytes(bytes) = Response::bytes(200, &BODY[..]).body.kind else {
            panic!("not a body in memory");
        };
        assert!(matches!(bytes, Cow::Borrowed(b) if b.as_ptr() == BODY.as_ptr()));

        let owned = b"body".to_vec();
        let at = owned.as_ptr();
        let BodyKind::Bytes(bytes) = Response::bytes(200, owned).body.kind else {
            panic!("not a body in memory");
        };
        assert!(matches!(bytes, Cow::Owned(v) if v.as_ptr() == at));
    }
}
