//! One client connection: read a request, call the handler, write the
//! response, and again while the connection is kept alive.
//!
//! Everything here is sequential on purpose. An HTTP/1.1 connection
//! carries one exchange at a time, and even pipelined requests must be
//! answered in order, so a plain loop of awaits is exactly the protocol,
//! with no state machine to get wrong. The protocol decisions themselves
//! (where a head ends, how a body is framed, what the response head says,
//! whether the connection may be reused) belong to the request's
//! [`ServerExchange`]; this module only moves bytes between it and the
//! socket, and turns a protocol error into the status that refuses it.
//!
//! Two buffers live as long as the connection and are reused by every
//! request on it, which keeps memory flat under load:
//!
//! - `input` holds bytes read but not yet consumed. After a request it may
//!   already hold the next one (a pipelining client), which the next turn
//!   of the loop parses without reading.
//! - `output` holds the response head, chunk framing and the small pieces
//!   of a streamed body.
//!
//! A body in memory and the large pieces of a stream are not copied: each
//! write hands the socket a list of buffers (`writev`), stretches of
//! `output` between pieces that stay where the handler keeps them, so a
//! response leaves in one write. A streamed body is sent in batches of the
//! pieces its stream has ready, so a fast stream goes out in a few large
//! writes rather than one write per piece: every write to a socket costs a
//! system call, and on a fast link it may wake the reader for a little
//! data. hyper queues its body buffers and writes them with `writev` too.
//!
//! The connection is generic over its byte stream, so a TLS session can
//! be served exactly like a TCP socket: wrap the accepted stream and pass
//! it to [`run`].

use super::response::{BodyKind, Chunk, ChunkStream};
use super::shutdown::{Fired, Signal};
use super::{Config, Handler, Request, Response};
use crate::proto::{
    self, BodyEncoder, Decoded, ParsedRequest, RequestHead, ServerExchange, parse_request_head,
};
use spool::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use spool::time::{Elapsed, Sleep, sleep_until, timeout};
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime};

/// How much each read asks the socket for.
const READ_CHUNK: usize = 8 * 1024;

/// Pieces of a streamed body up to this size are copied behind their
/// framing, so that a batch of small pieces leaves in a few buffers;
/// larger ones are written from where they are.
const SMALL_PIECE: usize = 16 * 1024;

/// A streamed body's pieces are gathered into one write while the stream
/// has them ready, up to this many bytes (a write that size still fits in
/// a loopback socket's send buffer once it has grown: Linux lets it grow
/// to 4 MiB). Measured with a fast stream of 64 KiB pieces, batches of
/// 1 MiB beat 512 KiB and 128 KiB ones (benches/README.md)...
const MAX_BATCH: usize = 1024 * 1024;

/// ...and up to this many pieces, which keeps the buffer list of one
/// write (three entries a piece at most) far below the kernel's limit of
/// 1024.
const MAX_BATCH_PIECES: usize = 64;

/// A buffer that grew past this (a huge head, a huge chunk) is released
/// after the request instead of being kept for the connection's lifetime.
const MAX_KEPT_BUFFER: usize = 128 * 1024;

struct Connection<'a, IO> {
    io: IO,
    config: &'a Config,
    /// The server's shutdown signal, awaited whenever the connection is
    /// idle: one waiter for the connection's whole life.
    shutdown: Fired<'a>,
    /// Read but not yet consumed: the rest of the current request, or the
    /// start of the next one.
    input: Vec<u8>,
    /// Where each read lands before its bytes are appended to `input`:
    /// zeroed once per connection. Reading into `input`'s spare room
    /// instead would mean zeroing `READ_CHUNK` bytes before every read
    /// (safe Rust cannot read into uninitialised memory), which cost more
    /// than the copy out of here for requests of a few hundred bytes.
    scratch: Box<[u8]>,
    /// The response head, and whatever is written together with it.
    output: Vec<u8>,
}

/// A request the server refuses: the status code to answer with, and a
/// sentence for the response body. The connection closes after it,
/// because after a framing error nobody can tell where the next request
/// would start.
struct Rejection {
    status: u16,
    message: String,
}

// ANCHOR: rejection
/// The server's view of a protocol failure: the status that tells the
/// client what was wrong, and for a limit the [`ServerBuilder`] knob that
/// sets it, which `proto` cannot know.
///
/// [`ServerBuilder`]: super::ServerBuilder
impl From<proto::Error> for Rejection {
    fn from(err: proto::Error) -> Rejection {
        use proto::ErrorKind as P;
        let (status, hint) = match err.kind() {
            P::TargetTooLong => (414, " (limit set by ServerBuilder::max_head_size)"),
            P::HeadTooLarge => (431, " (limit set by ServerBuilder::max_head_size)"),
            P::TooManyHeaders => (431, " (limit set by ServerBuilder::max_headers)"),
            P::BodyTooLarge => (413, " (limit set by ServerBuilder::max_body_size)"),
            P::UnsupportedCoding => (501, ""),
            P::Malformed
            | P::BodyIncomplete
            | P::BodyEndUnconfirmed
            | P::InvalidMessage
            | P::UnsupportedScheme => (400, ""),
        };
        Rejection {
            status,
            message: format!("{}{hint}", err.message()),
        }
    }
}
// ANCHOR_END: rejection

/// The answer to a request whose head or body did not arrive in time.
/// Only the driver has a clock, so only it can refuse for this.
fn timed_out(message: String) -> Rejection {
    Rejection {
        status: 408,
        message,
    }
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
        shutdown: shutdown.fired(),
        input: Vec::with_capacity(READ_CHUNK),
        scratch: vec![0; READ_CHUNK].into_boxed_slice(),
        output: Vec::with_capacity(READ_CHUNK),
    };
    // The keep-alive timer, one for the connection's life: each wait for a
    // head pushes its deadline back, which leaves the timer queue alone
    // (see `Sleep::reset`).
    let mut idle = sleep_until(Instant::now());
    loop {
        let head = match conn.next_head(&mut idle).await {
            NextHead::Request(head) => head,
            NextHead::Reject(rejection) => {
                conn.reject(rejection).await;
                break;
            }
            NextHead::Closed => break,
        };
        let mut exchange = match ServerExchange::new(&head, config.max_body_size) {
            Ok(exchange) => exchange,
            Err(err) => {
                conn.reject(err.into()).await;
                break;
            }
        };
        let body = match conn.read_body(&mut exchange).await {
            Ok(body) => body,
            Err(BodyError::Reject(rejection)) => {
                conn.reject(rejection).await;
                break;
            }
            Err(BodyError::Closed) => break,
        };

        let request = Request {
            method: head.method,
            target: head.target,
            version: head.version,
            headers: head.headers,
            body,
            peer,
        };
        let response = handler.call(request).await;

        // A shutdown in progress turns every connection into its last
        // response; whether it may carry another is the exchange's call.
        let closing = conn.shutdown.is_fired();
        match conn.send(&mut exchange, response, closing).await {
            Ok(true) => conn.release_big_buffers(),
            Ok(false) | Err(_) => break,
        }
    }
    conn.close().await;
}
// ANCHOR_END: connection_loop

impl<IO: AsyncRead + AsyncWrite + Unpin> Connection<'_, IO> {
    /// Waits for the next complete request head, within the header timeout.
    ///
    /// The timeout runs from the moment the connection starts waiting,
    /// so it is both the slowloris guard (a client trickling a head byte by
    /// byte) and the keep-alive idle limit. A client that sent nothing gets
    /// the connection closed silently, one that sent part of a head a 408.
    ///
    /// `idle` is the connection's timer for these waits. Its deadline is
    /// set only if the head is not already here (a pipelined request or one
    /// that arrived with the last response's acknowledgment needs no timer).
    async fn next_head(&mut self, idle: &mut Sleep) -> NextHead {
        let limit = self.config.header_timeout;
        let waited = {
            let mut read = pin!(self.read_head());
            let mut deadline = None;
            poll_fn(|cx| {
                if let Poll::Ready(next) = read.as_mut().poll(cx) {
                    return Poll::Ready(Some(next));
                }
                // A limit too large to add to the clock means no limit.
                let Some(at) = *deadline.get_or_insert_with(|| Instant::now().checked_add(limit))
                else {
                    return Poll::Pending;
                };
                idle.reset(at);
                Pin::new(&mut *idle).poll(cx).map(|()| None)
            })
            .await
        };
        match waited {
            Some(next) => next,
            None if self.input.is_empty() => NextHead::Closed,
            None => NextHead::Reject(timed_out(format!(
                "the request head did not arrive within {limit:?}"
            ))),
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
                    Err(err) => return NextHead::Reject(err.into()),
                }
            }
            // With nothing buffered the connection is idle: no request is
            // under way, so this is the one moment a shutdown may close it
            // without cutting anybody off.
            let read = if self.input.is_empty() {
                spool::select! {
                    read = read_more(&mut self.io, &mut self.scratch, &mut self.input) => read,
                    () = &mut self.shutdown => return NextHead::Closed,
                }
            } else {
                read_more(&mut self.io, &mut self.scratch, &mut self.input).await
            };
            match read {
                Ok(0) | Err(_) => return NextHead::Closed,
                Ok(_) => {}
            }
        }
    }

    /// Reads the whole request body, which must arrive within
    /// `body_timeout`. The exchange refuses one that is too large, before
    /// reading it where the length is announced.
    async fn read_body(&mut self, exchange: &mut ServerExchange) -> Result<Vec<u8>, BodyError> {
        if let Some(interim) = exchange.interim_response() {
            self.write_all(interim)
                .await
                .map_err(|_| BodyError::Closed)?;
        }
        // Most requests have none: the timed read below is a large future
        // to build and move for nothing.
        if exchange.is_body_done() {
            return Ok(Vec::new());
        }
        let limit = self.config.body_timeout;
        match within(limit, self.receive_body(exchange)).await {
            Ok(received) => received,
            Err(_) => Err(BodyError::Reject(timed_out(format!(
                "the request body did not arrive within {limit:?} \
                 (limit set by ServerBuilder::body_timeout)"
            )))),
        }
    }

    /// Decodes body bytes as they arrive, each read within `io_timeout`.
    async fn receive_body(&mut self, exchange: &mut ServerExchange) -> Result<Vec<u8>, BodyError> {
        let mut body = Vec::new();
        loop {
            match exchange.decode(&self.input) {
                Ok(Decoded::Data(range)) => {
                    body.extend_from_slice(&self.input[range.clone()]);
                    self.input.drain(..range.end);
                }
                Ok(Decoded::NeedMore) => {
                    self.input.clear();
                    let limit = self.config.io_timeout;
                    match within(
                        limit,
                        read_more(&mut self.io, &mut self.scratch, &mut self.input),
                    )
                    .await
                    {
                        Ok(Ok(1..)) => {}
                        Ok(_) => return Err(BodyError::Closed),
                        Err(_) => {
                            return Err(BodyError::Reject(timed_out(format!(
                                "the request body stalled for {limit:?}"
                            ))));
                        }
                    }
                }
                Ok(Decoded::Done(n)) => {
                    self.input.drain(..n);
                    return Ok(body);
                }
                Err(err) => return Err(BodyError::Reject(err.into())),
            }
        }
    }

    /// Writes `response`; returns whether the connection may carry another
    /// request afterwards.
    async fn send(
        &mut self,
        exchange: &mut ServerExchange,
        mut response: Response,
        closing: bool,
    ) -> io::Result<bool> {
        // At most two rounds: if the handler's head cannot be encoded (a
        // newline in a header value), it is replaced by a 500, which can,
        // and the exchange will not keep the connection.
        let mut encoder = loop {
            self.output.clear();
            let len = response.body.len();
            let (status, headers) = (response.status, &mut response.headers);
            let now = SystemTime::now();
            match exchange.respond(status, headers, len, closing, now, &mut self.output) {
                Ok(encoder) => break encoder,
                Err(invalid) => {
                    response = Response::text(500, format!("handler error: {invalid}\n"))
                }
            }
        };

        if encoder.is_done() {
            self.write_output().await?;
            return Ok(exchange.finish_body(&mut encoder, &mut self.output));
        }
        match response.body.kind {
            BodyKind::Empty => self.write_output().await?,
            BodyKind::Bytes(bytes) => self.send_whole(&mut encoder, &bytes).await?,
            BodyKind::Stream { mut chunks, .. } => {
                // The head goes out now: the first piece may be a while.
                self.write_output().await?;
                let mut batch = Vec::new();
                loop {
                    let gathered = gather(&mut chunks, &mut batch).await;
                    let pieces = batch.iter().map(|chunk| (**chunk).as_ref());
                    self.send_pieces(&mut encoder, pieces).await?;
                    batch.clear();
                    match gathered {
                        Gathered::More if !encoder.is_overrun() => {}
                        Gathered::End if !encoder.is_overrun() => break,
                        // A stream that fails cannot be finished: closing
                        // short of its framing's end tells the client so.
                        _ => return Ok(false),
                    }
                }
            }
        }
        let reusable = exchange.finish_body(&mut encoder, &mut self.output);
        self.write_output().await?;
        Ok(reusable)
    }

    /// Sends a body held in memory behind the head in `output`, in one
    /// vectored write, from where the handler keeps it. Copying it behind
    /// the head instead would write a kilobyte body into this connection's
    /// buffer on every request, and with many connections open that buffer
    /// has left the cache since its last use (hyper queues the body too).
    async fn send_whole(&mut self, encoder: &mut BodyEncoder, body: &[u8]) -> io::Result<()> {
        let (data, after) = encoder.encode(body, &mut self.output);
        let mut bufs = [&self.output[..], data, after].map(IoSlice::new);
        write_within(&mut self.io, &mut bufs, self.config.io_timeout).await?;
        self.output.clear();
        Ok(())
    }

    /// Sends pieces of body, framed by `encoder`, after whatever is in
    /// `output` (the head of the response, for a body in memory), all in
    /// one vectored write. Framing and small pieces are copied into
    /// `output`; a large piece is sent from where it is, between the
    /// stretches of `output` that go before and after it.
    async fn send_pieces<'p>(
        &mut self,
        encoder: &mut BodyEncoder,
        pieces: impl IntoIterator<Item = &'p [u8]>,
    ) -> io::Result<()> {
        // Each large piece: where `output` stood when it was framed, its
        // data, and the framing that follows the data.
        let mut large = Vec::new();
        for piece in pieces {
            let (data, after) = encoder.encode(piece, &mut self.output);
            if data.len() <= SMALL_PIECE {
                self.output.extend_from_slice(data);
                self.output.extend_from_slice(after);
            } else {
                large.push((self.output.len(), data, after));
            }
        }
        if large.is_empty() {
            return self.write_output().await;
        }
        let mut bufs = Vec::with_capacity(3 * large.len() + 1);
        let mut start = 0;
        for &(end, data, after) in &large {
            bufs.extend([&self.output[start..end], data, after].map(IoSlice::new));
            start = end;
        }
        bufs.push(IoSlice::new(&self.output[start..]));
        write_within(&mut self.io, &mut bufs, self.config.io_timeout).await?;
        self.output.clear();
        Ok(())
    }

    /// Answers a request the server refuses, and gives up the connection.
    async fn reject(&mut self, rejection: Rejection) {
        let response = Response::text(rejection.status, format!("{}\n", rejection.message));
        let _ = self
            .send(&mut ServerExchange::refusal(), response, true)
            .await;
    }

    /// Writes out and empties `output`.
    async fn write_output(&mut self) -> io::Result<()> {
        let mut bufs = [IoSlice::new(&self.output)];
        write_within(&mut self.io, &mut bufs, self.config.io_timeout).await?;
        self.output.clear();
        Ok(())
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut bufs = [IoSlice::new(bytes)];
        write_within(&mut self.io, &mut bufs, self.config.io_timeout).await
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

/// What [`gather`] found in a streamed body.
enum Gathered {
    /// The stream may have more pieces.
    More,
    /// The stream has ended.
    End,
    /// The stream failed.
    Failed,
}

/// Waits for the next piece of `chunks`, then takes the pieces that are
/// ready after it without waiting, up to [`MAX_BATCH`] bytes or
/// [`MAX_BATCH_PIECES`] pieces, and appends them all to `batch`.
async fn gather(chunks: &mut ChunkStream, batch: &mut Vec<Chunk>) -> Gathered {
    poll_fn(|cx| {
        let mut bytes = 0;
        while bytes < MAX_BATCH && batch.len() < MAX_BATCH_PIECES {
            match chunks.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    bytes += (*chunk).as_ref().len();
                    batch.push(chunk);
                }
                Poll::Ready(Some(Err(_))) => return Poll::Ready(Gathered::Failed),
                Poll::Ready(None) => return Poll::Ready(Gathered::End),
                Poll::Pending if batch.is_empty() => return Poll::Pending,
                Poll::Pending => break,
            }
        }
        Poll::Ready(Gathered::More)
    })
    .await
}

/// Runs `work`, giving up if it takes longer than `limit`.
///
/// The clock starts only if the first attempt cannot finish. Nearly every
/// write fits in the socket's send buffer, nearly every request has no
/// body, and a pipelined request is already in the buffer; for those,
/// reading the clock and building the timeout around `work` would be most
/// of the step's cost. (Once polled, `work` stays where it is, pinned
/// here, rather than being moved into the timeout.)
async fn within<F: Future>(limit: Duration, work: F) -> Result<F::Output, Elapsed> {
    let mut work = pin!(work);
    match poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => timeout(limit, work).await,
    }
}

/// Writes all of `bufs`, in order, giving up if that takes longer than
/// `limit`. Empty buffers are skipped; if all are empty nothing is written.
async fn write_within<IO: AsyncWrite + Unpin>(
    io: &mut IO,
    bufs: &mut [IoSlice<'_>],
    limit: Duration,
) -> io::Result<()> {
    within(limit, write_all_vectored(io, bufs)).await?
}

/// Writes all of `bufs` with as few vectored writes as the stream takes.
async fn write_all_vectored<IO: AsyncWrite + Unpin>(
    io: &mut IO,
    mut bufs: &mut [IoSlice<'_>],
) -> io::Result<()> {
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match poll_fn(|cx| Pin::new(&mut *io).poll_write_vectored(cx, bufs)).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => IoSlice::advance_slices(&mut bufs, n),
        }
    }
    Ok(())
}

/// Reads once from `io` into `scratch`, and appends what came to `input`.
///
/// `input` changes only once the read has completed, so it is never left
/// half-filled when the future is dropped mid-read (as it is when an idle
/// read loses a `select!` to the shutdown signal).
async fn read_more<IO: AsyncRead + Unpin>(
    io: &mut IO,
    scratch: &mut [u8],
    input: &mut Vec<u8>,
) -> io::Result<usize> {
    let n = poll_fn(|cx| Pin::new(&mut *io).poll_read(cx, scratch)).await?;
    input.extend_from_slice(&scratch[..n]);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::HeadLimits;
    use crate::server::Body;
    use std::task::Context;

    /// A connection's whole life on a stream that holds one request and
    /// records every write: each write's bytes, in order, and where in
    /// memory each of its buffers was.
    #[derive(Default)]
    struct Recorder {
        request: &'static [u8],
        writes: Vec<Vec<u8>>,
        /// Per write, each buffer's address and length.
        buffers: Vec<Vec<(usize, usize)>>,
    }

    impl AsyncRead for Recorder {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let n = self.request.len().min(buf.len());
            buf[..n].copy_from_slice(&self.request[..n]);
            self.request = &self.request[n..];
            Poll::Ready(Ok(n))
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_vectored(cx, &[IoSlice::new(buf)])
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let write: Vec<u8> = bufs.iter().flat_map(|buf| buf.iter().copied()).collect();
            let n = write.len();
            self.writes.push(write);
            let buffers = bufs.iter().map(|buf| (buf.as_ptr() as usize, buf.len()));
            self.buffers.push(buffers.collect());
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Serves one `GET` with `respond` and returns the connection's writes.
    fn serve(respond: fn() -> Response) -> Vec<Vec<u8>> {
        serve_recorded(respond).writes
    }

    /// Serves one `GET` with `respond` and returns what the stream saw.
    fn serve_recorded(respond: fn() -> Response) -> Recorder {
        let mut io = Recorder {
            request: b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            ..Recorder::default()
        };
        let peer = SocketAddr::from(([127, 0, 0, 1], 1));
        let handler = |_: Request| async move { respond() };
        let (config, signal) = (Config::default(), Signal::default());
        spool::block_on(run(&mut io, peer, &handler, &config, &signal));
        io
    }

    /// `count` pieces of `len` bytes; piece `i` is all byte `i`, so a
    /// piece out of order or repeated shows in the body.
    fn pieces(count: u8, len: usize) -> impl Iterator<Item = io::Result<Vec<u8>>> {
        (0..count).map(move |i| Ok(vec![i; len]))
    }

    /// The body after the head of `response`.
    fn body(response: &[u8]) -> &[u8] {
        let end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        &response[end + 4..]
    }

    #[test]
    fn a_ready_stream_goes_out_in_a_few_large_writes_intact() {
        // 64 pieces of 64 KiB, all ready at once: 4 MiB.
        let writes = serve(|| {
            let stream = spool::stream::iter(pieces(64, 64 * 1024));
            Response::new(200).body(Body::sized_stream(4 << 20, stream))
        });
        let response = writes.concat();
        assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
        let expected: Vec<u8> = pieces(64, 64 * 1024).flat_map(Result::unwrap).collect();
        assert!(body(&response) == expected, "the body arrived changed");
        // The head, then one write per `MAX_BATCH` of body: not one a piece.
        assert_eq!(writes.len(), 1 + (4 << 20) / MAX_BATCH);
    }

    #[test]
    fn a_chunked_stream_of_large_and_small_pieces_is_framed_in_order() {
        let writes = serve(|| {
            let sizes = [20_000, 10, 70_000, 0, 3, 16 * 1024, 16 * 1024 + 1];
            let chunks = sizes
                .into_iter()
                .zip(1u8..)
                .map(|(len, i)| Ok(vec![i; len]));
            Response::new(200).body(Body::stream(spool::stream::iter(chunks)))
        });
        let mut expected = Vec::new();
        for (len, i) in [20_000, 10, 70_000, 3, 16 * 1024, 16 * 1024 + 1]
            .into_iter()
            .zip([1u8, 2, 3, 5, 6, 7])
        {
            expected.extend_from_slice(format!("{len:x}\r\n").as_bytes());
            expected.resize(expected.len() + len, i);
            expected.extend_from_slice(b"\r\n");
        }
        expected.extend_from_slice(b"0\r\n\r\n");
        let response = writes.concat();
        assert!(
            body(&response) == expected,
            "the chunked body arrived changed"
        );
        // Head, all seven pieces in one write, then the last chunk.
        assert_eq!(writes.len(), 3);
    }

    #[test]
    fn a_large_body_in_memory_leaves_with_its_head_in_one_write() {
        let writes = serve(|| Response::bytes(200, vec![7; 100_000]));
        assert_eq!(writes.len(), 1);
        assert!(writes[0].starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(body(&writes[0]) == [7; 100_000]);
    }

    #[test]
    fn a_small_body_in_memory_leaves_with_its_head_in_one_write_from_where_it_is() {
        static SMALL: [u8; 1024] = [7; 1024];
        let io = serve_recorded(|| Response::bytes(200, &SMALL[..]));
        assert_eq!(io.writes.len(), 1);
        assert!(io.writes[0].starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(body(&io.writes[0]) == SMALL);
        // Not copied behind the head: the write hands over the bytes the
        // handler gave, where they are.
        let handed = (SMALL.as_ptr() as usize, SMALL.len());
        assert!(io.buffers[0].contains(&handed), "{:?}", io.buffers[0]);
    }

    fn refusal(buf: &[u8], limits: &HeadLimits) -> Rejection {
        parse_request_head(buf, limits).unwrap_err().into()
    }

    #[test]
    fn protocol_errors_become_statuses_that_name_the_knob() {
        let limits = HeadLimits {
            max_head_size: 64,
            max_headers: 2,
        };
        let mut long = b"GET /".to_vec();
        long.resize(64, b'a');
        let too_long = refusal(&long, &limits);
        assert_eq!(too_long.status, 414);
        assert_eq!(
            too_long.message,
            "request target longer than 64 bytes (limit set by ServerBuilder::max_head_size)"
        );
        let many = refusal(
            b"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n",
            &limits,
        );
        assert_eq!(many.status, 431);
        assert!(
            many.message
                .ends_with("(limit set by ServerBuilder::max_headers)")
        );
        assert_eq!(refusal(b"GET /a b HTTP/1.1\r\n\r\n", &limits).status, 400);

        let head = b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n";
        let Ok(ParsedRequest::Complete(head)) = parse_request_head(head, &limits) else {
            panic!("expected a complete head");
        };
        let big = Rejection::from(ServerExchange::new(&head, 8).unwrap_err());
        assert_eq!(big.status, 413);
        assert_eq!(
            big.message,
            "request body larger than 8 bytes (limit set by ServerBuilder::max_body_size)"
        );
    }
}
