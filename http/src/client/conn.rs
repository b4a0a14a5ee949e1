//! One HTTP/1.1 connection: a transport, its read buffer and its pool slot.
//!
//! A [`Connection`] knows how to send a request and read a response head;
//! the body is read by [`Response`](super::Response), which takes the
//! connection along and reads straight out of the same buffer. There is one
//! buffer per connection for its whole life. Body bytes are handed to the
//! caller as slices of it, never copied into a second buffer or collected
//! unless the caller asks for that.
//!
//! The buffer holds `buf[start..end]`: bytes received and not yet consumed.
//! Between exchanges it is empty. Bytes left over after a response ends
//! would be the server answering a request we never sent; such a connection
//! is closed, not pooled (see [`Response`](super::Response)).

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use spool::io::{AsyncRead, AsyncWrite};

use crate::client::deadline::Deadlines;
use crate::client::slot::{PoolKey, Slot};
use crate::client::transport::Transport;
use crate::error::{Error, ErrorKind, Result};
use crate::proto::{ClientExchange, HeadLimits, ParsedHead, ResponseHead, parse_response_head};

/// The most one socket read asks for. A fast download costs a read and a
/// write (to disk, say) per buffer, so a larger buffer means fewer system
/// calls and wake-ups. The size was chosen by measuring downloads from a
/// local server (benches/README.md, "The data path"); curl asks for
/// 100 KiB.
const READ_SIZE: usize = 256 * 1024;

/// What a new connection's reads ask for. Each read that fills what it
/// asked for doubles the next one's size, up to [`READ_SIZE`]: a
/// connection that only ever carries small responses keeps a small buffer
/// (less memory per pooled connection, less to zero when it opens), and a
/// download reaches full size after five reads. hyper's read buffer
/// adapts the same way.
const FIRST_READ_SIZE: usize = 16 * 1024;

/// An open connection to one `(scheme, host, port)`.
pub(crate) struct Connection {
    transport: Transport,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// What the next read asks for (see [`FIRST_READ_SIZE`]).
    read_size: usize,
    /// Its place in the pool's count of open connections, given back when
    /// the connection is dropped, wherever that happens.
    slot: Slot,
    /// Whether an earlier response came over this connection. Only a reused
    /// connection can be stale, and only then is a failure retried.
    reused: bool,
    /// Whether any byte of the current response has arrived. A failure
    /// before the first byte means the server never saw or never answered
    /// the request; after it, the request may have had effects.
    started: bool,
    /// Whether this response's arrival has been acknowledged out of turn
    /// (see [`poll_fill`](Connection::poll_fill)); once per response is
    /// enough.
    acknowledged: bool,
    /// Whether the end of stream, once reached, was one the peer vouched
    /// for. False when TLS ended with a bare TCP close and no
    /// `close_notify`, which an attacker on the path can forge.
    eof_confirmed: bool,
}

impl Connection {
    pub(crate) fn new(transport: Transport, slot: Slot) -> Connection {
        Connection {
            transport,
            buf: vec![0; FIRST_READ_SIZE],
            start: 0,
            end: 0,
            read_size: FIRST_READ_SIZE,
            slot,
            reused: false,
            started: false,
            acknowledged: false,
            eof_confirmed: true,
        }
    }

    pub(crate) fn key(&self) -> &PoolKey {
        self.slot.key()
    }

    pub(crate) fn is_reused(&self) -> bool {
        self.reused
    }

    pub(crate) fn response_started(&self) -> bool {
        self.started
    }

    /// Closes the socket but keeps the place in the pool, for a
    /// replacement connection to the same origin.
    pub(crate) fn into_slot(self) -> Slot {
        self.slot
    }

    /// Marks the connection as having carried a response, when it goes back
    /// to the pool.
    pub(crate) fn mark_reused(&mut self) {
        self.reused = true;
    }

    // ANCHOR: probe
    /// Checks, without waiting, whether an idle connection is still usable.
    ///
    /// A server closes idle keep-alive connections on its own schedule, and
    /// the FIN (or a stray byte) is already in our socket when that has
    /// happened. One non-blocking read tells: nothing to read means alive;
    /// end of stream, an error or unsolicited bytes mean dead. This catches
    /// most stale connections before a request is spent on them; the retry
    /// in `Client::exchange` (`client/mod.rs`) covers a server that closes
    /// in the instant after the check.
    pub(crate) fn probe_alive(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        let mut byte = [0u8; 1];
        matches!(
            Pin::new(&mut self.transport).poll_read(&mut cx, &mut byte),
            Poll::Pending
        )
    }
    // ANCHOR_END: probe

    // ANCHOR: send
    /// Sends a request and reads the head of its response, recording in
    /// `exchange` whether the request went out whole.
    ///
    /// The response may begin before the request has gone out: a server
    /// can answer `413` to an upload it will not take, or a `401` or a
    /// redirect, as soon as it has read the head, and then stop reading or
    /// close the connection. A client that only writes would wait for a
    /// write that never ends, or see it fail with a reset, and lose the
    /// answer. So while the request goes out, whatever the server sends is
    /// read too, and sending stops when the exchange says the bytes are an
    /// answer ([`ClientExchange::is_answer`]). A failed write is reported
    /// only if no response can be read after it. curl and hyper deliver
    /// early responses the same way.
    pub(crate) async fn round_trip(
        &mut self,
        exchange: &mut ClientExchange,
        head: &[u8],
        body: &[u8],
        limits: &HeadLimits,
        deadlines: &Deadlines,
    ) -> Result<ResponseHead> {
        self.started = false;
        self.acknowledged = false;
        exchange.record_sent(false);
        let mut written = 0;
        let mut listening = true;
        let sending =
            poll_fn(|cx| self.poll_send(cx, [head, body], &mut written, &mut listening, limits));
        match deadlines.write(sending).await? {
            Sending::Sent => {
                exchange.record_sent(true);
                self.read_head(limits, deadlines).await
            }
            Sending::Answered => self.read_head(limits, deadlines).await,
            Sending::Failed(e) => match self.read_head(limits, deadlines).await {
                Err(_) if !self.started => Err(io_error(
                    e,
                    format!("sending the request to {}", self.slot.key()),
                )),
                result => result,
            },
        }
    }
    // ANCHOR_END: send

    /// Writes `parts` from offset `written` on, and while the socket takes
    /// no more, reads whatever response has begun to arrive.
    fn poll_send(
        &mut self,
        cx: &mut Context<'_>,
        parts: [&[u8]; 2],
        written: &mut usize,
        listening: &mut bool,
        limits: &HeadLimits,
    ) -> Poll<Sending> {
        let total = parts[0].len() + parts[1].len();
        loop {
            while *written < total {
                let rest = match parts[0].get(*written..) {
                    Some(head) if !head.is_empty() => head,
                    _ => &parts[1][*written - parts[0].len()..],
                };
                match Pin::new(&mut self.transport).poll_write(cx, rest) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Sending::Failed(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => *written += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Sending::Failed(e)),
                    Poll::Pending => break,
                }
            }
            if *written == total {
                match Pin::new(&mut self.transport).poll_flush(cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Sending::Sent),
                    Poll::Ready(Err(e)) => return Poll::Ready(Sending::Failed(e)),
                    Poll::Pending => {}
                }
            }
            // The socket takes no more for now: listen while we wait. An
            // end of stream or a read error stops the listening only; the
            // writes will find out soon enough whether the peer is gone.
            if !*listening {
                return Poll::Pending;
            }
            match self.poll_fill(cx) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => {
                    *listening = false;
                    return Poll::Pending;
                }
                Poll::Ready(Ok(_)) => {
                    self.started = true;
                    if ClientExchange::is_answer(self.buffered(), limits) {
                        return Poll::Ready(Sending::Answered);
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Reads until a whole response head is buffered, and parses it. The
    /// bytes after the head stay in the buffer for the body.
    pub(crate) async fn read_head(
        &mut self,
        limits: &HeadLimits,
        deadlines: &Deadlines,
    ) -> Result<ResponseHead> {
        loop {
            if self.end > self.start {
                let parsed = parse_response_head(self.buffered(), limits)?;
                if let ParsedHead::Complete(head) = parsed {
                    self.start += head.head_len;
                    return Ok(head);
                }
            }
            if self.fill(deadlines).await? == 0 {
                return Err(if self.started {
                    Error::new(
                        ErrorKind::Protocol,
                        format!(
                            "{} closed the connection in the middle of the response head, after {} bytes",
                            self.key(),
                            self.end - self.start
                        ),
                    )
                } else {
                    Error::new(
                        ErrorKind::Io,
                        format!(
                            "{} closed the connection before sending a response",
                            self.key()
                        ),
                    )
                });
            }
            self.started = true;
        }
    }

    /// Whether the end of stream that [`fill`](Connection::fill) reported
    /// was confirmed by the peer (see `eof_confirmed`).
    pub(crate) fn eof_confirmed(&self) -> bool {
        self.eof_confirmed
    }

    /// One read into the free end of the buffer, compacting or growing it
    /// first as needed.
    ///
    /// The first time a response that has begun must wait for more, its
    /// bytes so far are acknowledged at once. A server that writes a head
    /// and then its body in two sends, with Nagle's algorithm on (Python's
    /// `http.server`, for one), holds the body back until the head is
    /// acknowledged, and on a reused connection Linux delays that
    /// acknowledgment by 40 ms or more, expecting to send it along with our
    /// next request, which cannot come before the body. One `setsockopt`
    /// per such response ends the stall; a response that arrives in one
    /// read never pays it. curl waits out the stall; wget2 escapes it by
    /// opening a new connection per file, which starts out acknowledging
    /// at once.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.start > 0 && self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < self.read_size / 2 {
            self.buf.resize(self.end + self.read_size, 0);
        }
        let free = self.buf.len() - self.end;
        // ANCHOR: acknowledge
        let read = Pin::new(&mut self.transport).poll_read(cx, &mut self.buf[self.end..]);
        if read.is_pending() && self.started && !self.acknowledged {
            self.acknowledged = true;
            self.transport.acknowledge_now();
        }
        // ANCHOR_END: acknowledge
        let n = std::task::ready!(read)?;
        if n == free {
            self.read_size = (self.read_size * 2).min(READ_SIZE);
        }
        self.end += n;
        Poll::Ready(Ok(n))
    }

    /// The received bytes not consumed yet.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks the first `n` buffered bytes consumed.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// The buffer itself, for handing out body data the caller found with
    /// [`buffered`](Connection::buffered) and an offset.
    pub(crate) fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// Where `buffered()` starts in `buf()`.
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// Reads more bytes after the buffered ones, within the time limits.
    /// Returns how many arrived; 0 is end of stream, confirmed or not (see
    /// [`eof_confirmed`](Connection::eof_confirmed)).
    ///
    /// The buffer only grows when a response head is larger than one read,
    /// and `parse_response_head` caps that at `max_head_size`, so a
    /// connection's memory stays bounded whatever the server sends.
    pub(crate) async fn fill(&mut self, deadlines: &Deadlines) -> Result<usize> {
        match deadlines.read(poll_fn(|cx| self.poll_fill(cx))).await? {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                self.eof_confirmed = false;
                Ok(0)
            }
            Err(e) => Err(io_error(
                e,
                format!("reading the response from {}", self.slot.key()),
            )),
        }
    }
}

/// How sending a request ended.
enum Sending {
    /// All of it went out.
    Sent,
    /// A response head (or bytes that cannot be one) arrived first.
    Answered,
    /// A write failed; a response may still be waiting to be read.
    Failed(io::Error),
}

/// Turns a socket error into ours: TLS failures are [`ErrorKind::Tls`],
/// everything else [`ErrorKind::Io`], with `doing` saying when it happened.
fn io_error(e: io::Error, doing: String) -> Error {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .map(ToString::to_string);
    match tls {
        Some(reason) => Error::new(ErrorKind::Tls, format!("TLS error while {doing}: {reason}")),
        None => Error::new(ErrorKind::Io, format!("{doing} failed")).with_source(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::slot::Counts;
    use std::io::Write;
    use std::rc::{Rc, Weak};

    struct Uncounted;

    impl Counts for Uncounted {
        fn release(self: Rc<Self>, _: &PoolKey) {}
    }

    /// Reads everything a server sends in `len` bytes, then closes; returns
    /// the read size the connection reached and its buffer's length.
    async fn read_all_of(len: usize) -> (usize, usize) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(&vec![b'x'; len]).unwrap();
        });
        let tcp = spool::net::TcpStream::connect(addr).await.unwrap();
        let key = PoolKey::from_url(&url::Url::parse(&format!("http://{addr}/")).unwrap());
        let counts: Weak<dyn Counts> = Weak::<Uncounted>::new();
        let mut conn = Connection::new(Transport::Plain(tcp), Slot::new(counts, key.unwrap()));
        let mut received = 0;
        loop {
            match poll_fn(|cx| conn.poll_fill(cx)).await.unwrap() {
                0 => break,
                n => {
                    received += n;
                    conn.consume(n);
                }
            }
        }
        server.join().unwrap();
        assert_eq!(received, len);
        (conn.read_size, conn.buf.len())
    }

    /// Small responses keep a connection's buffer small; a large body
    /// makes the reads grow to full size.
    #[test]
    fn reads_grow_only_while_they_come_back_full() {
        spool::block_on(async {
            assert_eq!(read_all_of(1024).await, (FIRST_READ_SIZE, FIRST_READ_SIZE));
            let (read_size, buf_len) = read_all_of(16 << 20).await;
            assert_eq!(read_size, READ_SIZE);
            assert!(buf_len <= 2 * READ_SIZE, "{buf_len}");
        });
    }
}
