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

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use spool::io::{AsyncRead, AsyncWriteExt};

use crate::client::deadline::Deadlines;
use crate::client::pool::{PoolKey, Slot};
use crate::client::transport::Transport;
use crate::error::{Error, ErrorKind, Result};
use crate::proto::{HeadLimits, ParsedHead, ResponseHead, parse_response_head};

/// How much one socket read asks for. Large enough that a fast download
/// costs few wake-ups, small enough to keep an idle pool cheap.
const READ_SIZE: usize = 64 * 1024;

/// An open connection to one `(scheme, host, port)`.
pub(crate) struct Connection {
    transport: Transport,
    buf: Vec<u8>,
    start: usize,
    end: usize,
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
    /// Whether the end of stream, once reached, was one the peer vouched
    /// for. False when TLS ended with a bare TCP close and no
    /// `close_notify`, which an attacker on the path can forge.
    eof_confirmed: bool,
}

impl Connection {
    pub(crate) fn new(transport: Transport, slot: Slot) -> Connection {
        Connection {
            transport,
            buf: vec![0; READ_SIZE],
            start: 0,
            end: 0,
            slot,
            reused: false,
            started: false,
            eof_confirmed: true,
        }
    }

    pub(crate) fn key(&self) -> &PoolKey {
        self.slot.key()
    }

    pub(crate) fn slot(&self) -> &Slot {
        &self.slot
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
    /// in `request.rs` covers a server that closes in the instant after the
    /// check.
    pub(crate) fn probe_alive(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        let mut byte = [0u8; 1];
        matches!(
            Pin::new(&mut self.transport).poll_read(&mut cx, &mut byte),
            Poll::Pending
        )
    }
    // ANCHOR_END: probe

    /// Sends a request head and body.
    pub(crate) async fn send(
        &mut self,
        head: &[u8],
        body: &[u8],
        deadlines: &Deadlines,
    ) -> Result<()> {
        self.started = false;
        let write = async {
            self.transport.write_all(head).await?;
            if !body.is_empty() {
                self.transport.write_all(body).await?;
            }
            self.transport.flush().await
        };
        match deadlines.write(write).await? {
            Ok(()) => Ok(()),
            Err(e) => Err(io_error(
                e,
                format!("sending the request to {}", self.slot.key()),
            )),
        }
    }

    // ANCHOR: read_head
    /// Reads until a whole response head is buffered, and parses it. The
    /// bytes after the head stay in the buffer for the body.
    pub(crate) async fn read_head(
        &mut self,
        limits: &HeadLimits,
        deadlines: &Deadlines,
    ) -> Result<ResponseHead> {
        loop {
            if self.end > self.start {
                let parsed = parse_response_head(&self.buf[self.start..self.end], limits)?;
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
    // ANCHOR_END: read_head

    /// Whether the end of stream that [`fill`](Connection::fill) reported
    /// was confirmed by the peer (see `eof_confirmed`).
    pub(crate) fn eof_confirmed(&self) -> bool {
        self.eof_confirmed
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
        if self.start > 0 && self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_SIZE / 2 {
            self.buf.resize(self.end + READ_SIZE, 0);
        }
        let read = spool::io::AsyncReadExt::read(&mut self.transport, &mut self.buf[self.end..]);
        match deadlines.read(read).await? {
            Ok(n) => {
                self.end += n;
                Ok(n)
            }
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
