//! [`Response`]: a response head, and its body read on demand.
//!
//! [`RequestBuilder::send`](super::RequestBuilder::send) returns as soon as
//! the head is in, like aiohttp and reqwest; the body stays on the socket
//! until it is asked for. [`Response::chunk`] is the primitive: each call
//! reads at most one buffer's worth and returns a slice of the
//! connection's own buffer, so a download of any size runs in constant
//! memory. [`Response::bytes`] and [`Response::text`] collect the whole body
//! and therefore insist on a cap.
//!
//! The connection goes back to the pool only once the body has been read
//! to its end and nothing followed it. A response dropped half-way closes
//! its connection: draining an unknown amount of body just to save a
//! handshake could cost far more than the handshake, and the server may
//! never finish sending it. (hyper makes the same choice; ureq 2 drained
//! on drop.)

use std::fmt;
use std::ops::Range;

use url::Url;

use crate::client::conn::Connection;
use crate::client::deadline::Deadlines;
use crate::client::pool::WeakPool;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::Headers;
use crate::proto::{Decoded, ResponseBody, ResponseHead, Version};

/// How much of a redirect's body is read so its connection can be reused;
/// a longer one closes the connection instead.
const DISCARD_LIMIT: usize = 64 * 1024;

/// A response whose head has been read; the body follows on demand.
///
/// # Examples
///
/// ```no_run
/// # spool::block_on(async {
/// let client = spool_http::Client::new();
/// let response = client.get("http://example.com/").send().await?;
/// println!("{} {:?}", response.status(), response.content_type());
/// let page = response.text(1 << 20).await?;
/// # Ok::<(), spool_http::Error>(())
/// # }).unwrap();
/// ```
pub struct Response {
    status: u16,
    version: Version,
    reason: String,
    headers: Headers,
    url: Url,
    content_type: Option<String>,
    content_length: Option<u64>,
    /// The connection while the body is being read; `None` once the body
    /// ended (and the connection went back to the pool or was closed).
    conn: Option<Connection>,
    /// Where the body ends, and whether the connection may be pooled then.
    body: ResponseBody,
    /// Where the connection goes back to once the body has ended.
    pool: WeakPool,
    deadlines: Deadlines,
}

impl Response {
    pub(crate) fn new(
        head: ResponseHead,
        url: Url,
        conn: Connection,
        body: ResponseBody,
        pool: WeakPool,
        deadlines: Deadlines,
    ) -> Response {
        let mut response = Response {
            content_type: head.media_type(),
            content_length: head.content_length(),
            status: head.status,
            version: head.version,
            reason: head.reason,
            headers: head.headers,
            url,
            conn: Some(conn),
            body,
            pool,
            deadlines,
        };
        // A response without a body (HEAD, 204, 304, length 0) is already
        // complete: give the connection back now rather than when the
        // caller gets round to reading nothing.
        if response.body.is_done() {
            response.finish();
        }
        response
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The HTTP version of the response.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The reason phrase (`OK`, `Not Found`), which carries no meaning in
    /// HTTP/1.1 and may be empty.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The URL this response came from: the last one, after redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The media type from `Content-Type`, lowercased, without parameters:
    /// `text/html` for `Text/HTML; charset=utf-8`.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The body length the server announced in `Content-Length`, if it did
    /// and it is not overridden by `Transfer-Encoding`. For a response to
    /// `HEAD`, the length the body would have had.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    // ANCHOR: chunk
    /// Reads the next piece of the body; `None` at its end.
    ///
    /// The piece is a slice of the connection's read buffer, valid until
    /// the next call, so reading a body of any size takes constant memory.
    /// Each read waits at most the read timeout, and never past the total
    /// timeout. After `None` the connection has been returned to the pool.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BodyIncomplete`] if the connection closes before the
    /// body's end, [`ErrorKind::BodyEndUnconfirmed`] if a body that runs
    /// until close ends with a TLS connection closed without
    /// `close_notify`, [`ErrorKind::Protocol`] for malformed chunked framing,
    /// [`ErrorKind::Timeout`] and [`ErrorKind::Io`] from the reads. After
    /// an error the connection is closed and further calls return `None`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # spool::block_on(async {
    /// let client = spool_http::Client::new();
    /// let mut response = client.get("http://example.com/big.iso").send().await?;
    /// let mut total = 0;
    /// while let Some(piece) = response.chunk().await? {
    ///     total += piece.len(); // write it to a file, hash it, ...
    /// }
    /// println!("{total} bytes");
    /// # Ok::<(), spool_http::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn chunk(&mut self) -> Result<Option<&[u8]>> {
        match self.next_range().await {
            Ok(Some(range)) => Ok(self.conn.as_ref().map(|conn| &conn.buf()[range])),
            Ok(None) => Ok(None),
            Err(error) => {
                self.conn = None;
                Err(error)
            }
        }
    }

    /// Where the next piece of body is in the connection's buffer.
    async fn next_range(&mut self) -> Result<Option<Range<usize>>> {
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Ok(None);
            };
            match self.body.decode(conn.buffered())? {
                Decoded::Data(range) => {
                    let start = conn.start();
                    conn.consume(range.end);
                    return Ok(Some(start + range.start..start + range.end));
                }
                Decoded::NeedMore => {
                    conn.consume(conn.buffered().len());
                    if conn.fill(&self.deadlines).await? == 0 {
                        self.body.finish_eof(conn.eof_confirmed())?;
                        self.finish();
                        return Ok(None);
                    }
                }
                Decoded::Done(n) => {
                    conn.consume(n);
                    self.finish();
                    return Ok(None);
                }
            }
        }
    }
    // ANCHOR_END: chunk

    /// Ends the body: the connection goes back to the pool if it may, and
    /// is closed otherwise.
    fn finish(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.body.reusable(conn.buffered()) {
            self.pool.checkin(conn);
        }
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BodyTooLarge`] as soon as the body is known to exceed
    /// `limit` (from `Content-Length` before reading, or while reading),
    /// and the errors of [`chunk`](Response::chunk).
    pub async fn bytes(mut self, limit: usize) -> Result<Vec<u8>> {
        let too_large = || {
            Error::new(
                ErrorKind::BodyTooLarge,
                format!("response body is larger than the limit of {limit} bytes"),
            )
        };
        let announced = self.content_length().unwrap_or(0);
        if announced > limit as u64 && self.conn.is_some() {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(announced.min(limit as u64) as usize);
        while let Some(piece) = self.chunk().await? {
            if body.len() + piece.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(piece);
        }
        Ok(body)
    }

    /// Reads the whole body as text, refusing more than `limit` bytes.
    ///
    /// The body is decoded as UTF-8, with invalid sequences replaced by
    /// U+FFFD; the `charset` parameter is not consulted.
    ///
    /// # Errors
    ///
    /// As for [`bytes`](Response::bytes).
    pub async fn text(self, limit: usize) -> Result<String> {
        let bytes = self.bytes(limit).await?;
        Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The body as a stream of owned pieces, for code written against
    /// [`spool::stream::Stream`]. Each piece is copied out of the read
    /// buffer; [`chunk`](Response::chunk) avoids that copy. The stream ends
    /// after the first error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use spool::stream::StreamExt;
    ///
    /// # spool::block_on(async {
    /// let client = spool_http::Client::new();
    /// let response = client.get("http://example.com/").send().await?;
    /// let mut body = std::pin::pin!(response.into_stream());
    /// while let Some(piece) = body.next().await {
    ///     println!("{} bytes", piece?.len());
    /// }
    /// # Ok::<(), spool_http::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn into_stream(self) -> impl spool::stream::Stream<Item = Result<Vec<u8>>> {
        spool::stream::unfold(Some(self), |response| async move {
            let mut response = response?;
            let piece = match response.chunk().await {
                Ok(Some(piece)) => piece.to_vec(),
                Ok(None) => return None,
                Err(error) => return Some((Err(error), None)),
            };
            Some((Ok(piece), Some(response)))
        })
    }

    /// Reads and drops a short body so the connection can be reused; a long
    /// or broken one just closes the connection.
    pub(crate) async fn discard(mut self) {
        let mut read = 0;
        while read <= DISCARD_LIMIT {
            match self.chunk().await {
                Ok(Some(piece)) => read += piece.len(),
                Ok(None) | Err(_) => return,
            }
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("url", &self.url.as_str())
            .field("status", &self.status)
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}
