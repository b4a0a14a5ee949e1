//! One client connection: read a request, call the handler, write the
//! response, and again while the connection is kept alive.
//!
//! Everything here is sequential on purpose. An HTTP/1.1 connection
//! carries one exchange at a time, and even pipelined requests must be
//! answered in order, so a plain loop of awaits is exactly the protocol,
//! with no state machine to get wrong. The protocol decisions themselves
//! (where a head ends, how a body is framed, whether the connection may
//! be reused) are the pure functions of [`proto`](crate::proto); this
//! module only moves bytes between them and the socket.
//!
//! Two buffers live as long as the connection and are reused by every
//! request on it, which keeps memory flat under load:
//!
//! - `input` holds bytes read but not yet consumed. After a request it may
//!   already hold the next one (a pipelining client), which the next turn
//!   of the loop parses without reading.
//! - `output` holds the response head, small bodies and chunk framing,
//!   so that a small response leaves in one write.
//!
//! The connection is generic over its byte stream, so a TLS session can
//! be served exactly like a TCP socket: wrap the accepted stream and pass
//! it to [`run`].

use super::response::{BodyKind, ChunkStream};
use super::shutdown::Signal;
use super::{Config, Handler, Request, Response};
use crate::proto::{
    BodyDecoder, Decoded, Framing, LAST_CHUNK, ParsedRequest, Rejection, RequestHead, Version,
    encode_chunk, encode_response_head, expects_continue, parse_request_head, request_framing,
    request_keep_alive, response_framing,
};
use spool::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use spool::stream::StreamExt;
use spool::time::timeout;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::SystemTime;

/// How much each read asks the socket for.
const READ_CHUNK: usize = 8 * 1024;

/// Bodies up to this size are copied behind the head and sent with it in
/// one write; larger ones are written from where they are.
const SMALL_BODY: usize = 16 * 1024;

/// A buffer that grew past this (a huge head, a huge chunk) is released
/// after the request instead of being kept for the connection's lifetime.
const MAX_KEPT_BUFFER: usize = 128 * 1024;

struct Connection<'a, IO> {
    io: IO,
    config: &'a Config,
    shutdown: &'a Signal,
    /// Read but not yet consumed: the rest of the current request, or the
    /// start of the next one.
    input: Vec<u8>,
    /// The response head, and whatever is written together with it.
    output: Vec<u8>,
}

/// What waiting for the next request head can end in.
enum NextHead {
    Request(RequestHead),
    /// Refuse with this status, then close.
    Reject(Rejection),
    /// The client left, went quiet while idle, or the server is shutting
    /// down while the connection was idle: close without a word.
    Closed,
}

/// Why a request body could not be read.
enum BodyError {
    Reject(Rejection),
    Closed,
}

// ANCHOR: connection_loop
/// Serves requests on `io` until either side ends the connection.
pub(crate) async fn run<IO, H>(
    io: IO,
    peer: SocketAddr,
    handler: &H,
    config: &Config,
    shutdown: &Signal,
) where
    IO: AsyncRead + AsyncWrite + Unpin,
    H: Handler,
{
    let mut conn = Connection {
        io,
        config,
        shutdown,
        input: Vec::with_capacity(READ_CHUNK),
        output: Vec::with_capacity(READ_CHUNK),
    };
    loop {
        let head = match conn.next_head().await {
            NextHead::Request(head) => head,
            NextHead::Reject(rejection) => {
                conn.reject(rejection).await;
                break;
            }
            NextHead::Closed => break,
        };
        let body = match conn.read_body(&head).await {
            Ok(body) => body,
            Err(BodyError::Reject(rejection)) => {
                conn.reject(rejection).await;
                break;
            }
            Err(BodyError::Closed) => break,
        };

        let client_keeps_alive = request_keep_alive(&head);
        let version = head.version;
        let is_head = head.method == "HEAD";
        let request = Request {
            method: head.method,
            target: head.target,
            version,
            headers: head.headers,
            body,
            peer,
        };
        let response = handler.call(request).await;

        // ANCHOR: keep_alive
        // The client's wish comes first; then a shutdown in progress turns
        // every connection into its last response, and a handler may end
        // the connection with `Connection: close` of its own. `send` has
        // the last word: a body delimited by closing, or one that failed
        // half-way, leaves nothing to reuse.
        let keep_alive =
            client_keeps_alive && !conn.shutdown.is_fired() && !asks_to_close(&response);
        match conn.send(response, version, is_head, keep_alive).await {
            Ok(true) => conn.release_big_buffers(),
            Ok(false) | Err(_) => break,
        }
        // ANCHOR_END: keep_alive
    }
    conn.close().await;
}
// ANCHOR_END: connection_loop

fn asks_to_close(response: &Response) -> bool {
    response
        .headers()
        .get_all("connection")
        .flat_map(|value| value.split(|&b| b == b','))
        .any(|option| option.trim_ascii().eq_ignore_ascii_case(b"close"))
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Connection<'_, IO> {
    /// Waits for the next complete request head, within the header timeout.
    ///
    /// The timeout runs from the moment the connection starts waiting,
    /// so it is both the slowloris guard (a client trickling a head byte by
    /// byte) and the keep-alive idle limit. A client that sent nothing gets
    /// the connection closed silently, one that sent part of a head a 408.
    async fn next_head(&mut self) -> NextHead {
        let limit = self.config.header_timeout;
        match timeout(limit, self.read_head()).await {
            Ok(next) => next,
            Err(_) if self.input.is_empty() => NextHead::Closed,
            Err(_) => NextHead::Reject(Rejection {
                status: 408,
                message: format!("the request head did not arrive within {limit:?}"),
            }),
        }
    }

    async fn read_head(&mut self) -> NextHead {
        loop {
            if !self.input.is_empty() {
                match parse_request_head(&self.input, &self.config.limits) {
                    Ok(ParsedRequest::Complete(head)) => {
                        self.input.drain(..head.head_len);
                        return NextHead::Request(head);
                    }
                    Ok(ParsedRequest::Partial) => {}
                    Err(rejection) => return NextHead::Reject(rejection),
                }
            }
            // With nothing buffered the connection is idle: no request is
            // under way, so this is the one moment a shutdown may close it
            // without cutting anybody off.
            let read = if self.input.is_empty() {
                let shutdown = self.shutdown;
                spool::select! {
                    read = read_more(&mut self.io, &mut self.input) => read,
                    () = shutdown.fired() => return NextHead::Closed,
                }
            } else {
                read_more(&mut self.io, &mut self.input).await
            };
            match read {
                Ok(0) | Err(_) => return NextHead::Closed,
                Ok(_) => {}
            }
        }
    }

    /// Reads the whole request body, refusing one larger than
    /// `max_body_size` before reading it where the length is announced, and
    /// one that takes longer than `body_timeout` to arrive.
    async fn read_body(&mut self, head: &RequestHead) -> Result<Vec<u8>, BodyError> {
        let framing = request_framing(head).map_err(BodyError::Reject)?;
        if framing == Framing::Empty {
            return Ok(Vec::new());
        }
        let max = self.config.max_body_size;
        if let Framing::Length(len) = framing
            && len > max as u64
        {
            return Err(body_too_large(max));
        }
        if expects_continue(head) {
            self.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .map_err(|_| BodyError::Closed)?;
        }

        let limit = self.config.body_timeout;
        match timeout(limit, self.receive_body(framing)).await {
            Ok(received) => received,
            Err(_) => Err(BodyError::Reject(Rejection {
                status: 408,
                message: format!(
                    "the request body did not arrive within {limit:?} \
                     (limit set by ServerBuilder::body_timeout)"
                ),
            })),
        }
    }

    /// Decodes body bytes as they arrive, each read within `io_timeout`.
    async fn receive_body(&mut self, framing: Framing) -> Result<Vec<u8>, BodyError> {
        let max = self.config.max_body_size;
        let mut body = match framing {
            Framing::Length(len) => Vec::with_capacity(len as usize),
            _ => Vec::new(),
        };
        let mut decoder = BodyDecoder::new(framing);
        loop {
            match decoder.decode(&self.input) {
                Ok(Decoded::Data(range)) => {
                    if body.len() + range.len() > max {
                        return Err(body_too_large(max));
                    }
                    body.extend_from_slice(&self.input[range.clone()]);
                    self.input.drain(..range.end);
                }
                Ok(Decoded::NeedMore) => {
                    self.input.clear();
                    let limit = self.config.io_timeout;
                    match timeout(limit, read_more(&mut self.io, &mut self.input)).await {
                        Ok(Ok(1..)) => {}
                        Ok(_) => return Err(BodyError::Closed),
                        Err(_) => {
                            return Err(BodyError::Reject(Rejection {
                                status: 408,
                                message: format!("the request body stalled for {limit:?}"),
                            }));
                        }
                    }
                }
                Ok(Decoded::Done(n)) => {
                    self.input.drain(..n);
                    return Ok(body);
                }
                Err(err) => {
                    return Err(BodyError::Reject(Rejection {
                        status: 400,
                        message: format!("malformed request body: {err}"),
                    }));
                }
            }
        }
    }

    /// Writes `response`; returns whether the connection may carry another
    /// request afterwards.
    async fn send(
        &mut self,
        mut response: Response,
        version: Version,
        is_head: bool,
        mut keep_alive: bool,
    ) -> io::Result<bool> {
        // At most two rounds: if the handler's head cannot be encoded (a
        // newline in a header value), it is replaced by a 500, which can.
        let framing = loop {
            let framing = response_framing(version, response.status, response.body.len());
            keep_alive &= framing != Framing::UntilClose;
            let headers = &mut response.headers;
            // Say what happens next in the terms of the client's version,
            // overriding whatever the handler said.
            match (version, keep_alive) {
                (Version::Http11, false) => headers.insert("Connection", "close"),
                (Version::Http10, true) => headers.insert("Connection", "keep-alive"),
                (Version::Http10, false) => {
                    headers.remove("Connection");
                }
                (Version::Http11, true) => {}
            }
            if !headers.contains("date") {
                headers.append("Date", httpdate::fmt_http_date(SystemTime::now()));
            }
            self.output.clear();
            match encode_response_head(response.status, headers, framing, &mut self.output) {
                Ok(()) => break framing,
                Err(invalid) => {
                    response = Response::text(500, format!("handler error: {invalid}\n"));
                    keep_alive = false;
                }
            }
        };

        if is_head || framing == Framing::Empty {
            self.write_output().await?;
            return Ok(keep_alive);
        }
        match response.body.kind {
            BodyKind::Empty => self.write_output().await?,
            BodyKind::Bytes(bytes) if bytes.len() <= SMALL_BODY => {
                self.output.extend_from_slice(&bytes);
                self.write_output().await?;
            }
            BodyKind::Bytes(bytes) => {
                self.write_output().await?;
                self.write_all(&bytes).await?;
            }
            BodyKind::Stream { mut chunks, .. } => {
                self.write_output().await?;
                keep_alive &= self.send_stream(&mut chunks, framing).await?;
            }
        }
        Ok(keep_alive)
    }

    /// Sends a streamed body; returns whether it went out complete and
    /// correctly framed.
    async fn send_stream(
        &mut self,
        chunks: &mut ChunkStream,
        framing: Framing,
    ) -> io::Result<bool> {
        let mut sent: u64 = 0;
        while let Some(chunk) = chunks.next().await {
            let Ok(chunk) = chunk else {
                // The body cannot be finished. Closing without the final
                // chunk (or short of the length) tells the client so.
                return Ok(false);
            };
            match framing {
                Framing::Chunked => {
                    self.output.clear();
                    encode_chunk(&chunk, &mut self.output);
                    self.write_output().await?;
                }
                Framing::Length(len) => {
                    // Never send more than announced: what follows the
                    // length would be read as the next response.
                    let room = (len - sent).min(chunk.len() as u64) as usize;
                    self.write_all(&chunk[..room]).await?;
                    if room < chunk.len() {
                        return Ok(false);
                    }
                }
                Framing::UntilClose | Framing::Empty => self.write_all(&chunk).await?,
            }
            sent += chunk.len() as u64;
        }
        match framing {
            Framing::Chunked => {
                self.write_all(LAST_CHUNK).await?;
                Ok(true)
            }
            Framing::Length(len) => Ok(sent == len),
            Framing::UntilClose | Framing::Empty => Ok(false),
        }
    }

    /// Answers a request the server refuses, and gives up the connection.
    async fn reject(&mut self, rejection: Rejection) {
        let response = Response::text(rejection.status, format!("{}\n", rejection.message));
        let _ = self.send(response, Version::Http11, false, false).await;
    }

    async fn write_output(&mut self) -> io::Result<()> {
        timeout(self.config.io_timeout, self.io.write_all(&self.output)).await?
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        timeout(self.config.io_timeout, self.io.write_all(bytes)).await?
    }

    fn release_big_buffers(&mut self) {
        if self.input.capacity() > MAX_KEPT_BUFFER && self.input.len() <= READ_CHUNK {
            self.input.shrink_to(READ_CHUNK);
        }
        if self.output.capacity() > MAX_KEPT_BUFFER {
            self.output = Vec::with_capacity(READ_CHUNK);
        }
    }

    /// Ends the connection: flushes and sends FIN (for TLS, close_notify),
    /// then drops the stream.
    ///
    /// If the client is still sending (a refused upload, a pipelined
    /// request after `Connection: close`), the kernel answers those unread
    /// bytes with RST, and over a slow network an RST can destroy a
    /// response still waiting in our send buffer. Production servers
    /// therefore keep reading and discarding for a moment before they
    /// close ("lingering close"). This server does not: its clients are
    /// tests, benchmarks and demos on 127.0.0.1, where the response has
    /// long left by then.
    async fn close(mut self) {
        let _ = timeout(self.config.io_timeout, self.io.shutdown()).await;
    }
}

fn body_too_large(max: usize) -> BodyError {
    BodyError::Reject(Rejection {
        status: 413,
        message: format!(
            "request body larger than {max} bytes (limit set by ServerBuilder::max_body_size)"
        ),
    })
}

/// Reads once from `io`, appending to `input`.
///
/// The buffer is grown and trimmed back inside a single poll, so it is
/// never left padded with zeros when the future is dropped mid-read (as
/// it is when an idle read loses a `select!` to the shutdown signal).
async fn read_more<IO: AsyncRead + Unpin>(io: &mut IO, input: &mut Vec<u8>) -> io::Result<usize> {
    poll_fn(|cx| {
        let filled = input.len();
        input.resize(filled + READ_CHUNK, 0);
        let result = Pin::new(&mut *io).poll_read(cx, &mut input[filled..]);
        let n = match result {
            std::task::Poll::Ready(Ok(n)) => n,
            _ => 0,
        };
        input.truncate(filled + n);
        result
    })
    .await
}
