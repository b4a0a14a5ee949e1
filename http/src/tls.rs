//! TLS over a spool [`TcpStream`]: rustls driven by readiness.
//!
//! rustls does no I/O of its own. It is a state machine with two byte
//! queues: ciphertext comes in through `read_tls` and goes out through
//! `write_tls`, plaintext comes out of `reader()` and goes in through
//! `writer()`. [`TlsStream`] is the pump between those queues and a
//! non-blocking socket, written as `poll_read` / `poll_write` so that it is
//! itself an [`AsyncRead`] + [`AsyncWrite`] and the HTTP code above cannot
//! tell it from a plain socket.
//!
//! The pump hands rustls a small adapter that turns the socket's `Pending`
//! into `io::ErrorKind::WouldBlock`, which is the language rustls speaks.
//! When the socket says `Pending` the task's waker is already stored, so
//! returning `Pending` up the stack is enough to be woken again.
//!
//! Three traps shape the read loop:
//!
//! - **Buffered plaintext.** A single socket read may carry several TLS
//!   records. After decrypting, the plaintext sits in rustls' buffer and the
//!   socket may have nothing more to say. So the loop always drains
//!   `reader()` *before* touching the socket; waiting on the socket first
//!   would hang with the answer already in memory. It is also why
//!   `wants_read()` is false while plaintext is buffered: rustls refuses more
//!   ciphertext until the plaintext is taken.
//! - **WouldBlock versus EOF.** `reader()` answers `WouldBlock` when it
//!   simply has nothing yet, `Ok(0)` after the peer's `close_notify`, and
//!   `UnexpectedEof` when TCP ended without one. Only the first means "read
//!   the socket".
//! - **Pending writes.** rustls may have records to send at any time (an
//!   alert, a key update, the tail of the handshake). They are flushed
//!   before each socket read so the peer is never left waiting for bytes we
//!   hold while we wait for bytes it holds.
//!
//! `TlsStream` is generic over the connection side (`C` derefs to rustls'
//! `ConnectionCommon`), so the same pump serves a `ClientConnection` here and
//! a `ServerConnection` in the server. tokio-rustls has the same design;
//! ureq instead uses rustls' blocking `StreamOwned`, which a single-threaded
//! event loop cannot afford.

use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use rustls::{ConnectionCommon, SideData};
use spool::io::{AsyncRead, AsyncWrite};
use spool::net::TcpStream;

/// A TLS session over a TCP connection.
///
/// Create it with [`TlsStream::new`] and complete the handshake with
/// [`TlsStream::handshake`] before reading or writing; reads and writes
/// would otherwise drive the handshake implicitly but could not report its
/// errors as clearly.
///
/// Reading returns `Ok(0)` after the peer's `close_notify` and an
/// `UnexpectedEof` error when TCP ended without one. Whether the latter is
/// harmless is the application's call: for HTTP it is harmless exactly when
/// the body's framing says the message was already complete.
pub struct TlsStream<C> {
    tcp: TcpStream,
    conn: C,
    /// rustls does not say whether `close_notify` was queued already, and
    /// a second one would be a protocol error on the peer's side.
    close_sent: bool,
}

/// `std::io::Read + Write` over the async socket, for rustls' `read_tls` and
/// `write_tls`: `Pending` becomes `WouldBlock`.
struct SyncAdapter<'a, 'b> {
    tcp: &'a mut TcpStream,
    cx: &'a mut Context<'b>,
}

impl Read for SyncAdapter<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.tcp).poll_read(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for SyncAdapter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.tcp).poll_write(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<C, D> TlsStream<C>
where
    C: DerefMut<Target = ConnectionCommon<D>> + Unpin,
    D: SideData,
{
    /// Wraps a connected socket and a fresh rustls connection.
    pub fn new(tcp: TcpStream, conn: C) -> TlsStream<C> {
        TlsStream {
            tcp,
            conn,
            close_sent: false,
        }
    }

    /// The rustls connection, for inspecting the negotiated session.
    pub fn session(&self) -> &C {
        &self.conn
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    // ANCHOR: handshake
    /// Runs the handshake to completion.
    ///
    /// # Errors
    ///
    /// An `io::Error` of kind `InvalidData` wrapping the [`rustls::Error`]
    /// when the peer is refused (for a client: an unknown issuer, a
    /// certificate for another name, an expired one), `UnexpectedEof` if the
    /// peer hangs up mid-handshake, and socket errors as they come.
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| {
            while self.conn.is_handshaking() {
                // Send what we have before waiting for the reply to it.
                if let Poll::Ready(Err(e)) = self.poll_flush_tls(cx) {
                    return Poll::Ready(Err(e));
                }
                if self.conn.wants_write() {
                    return Poll::Pending;
                }
                match self.poll_read_tls(cx) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the peer closed the connection during the TLS handshake",
                        )));
                    }
                    Poll::Ready(Ok(_)) => {}
                    other => return other.map_ok(|_| ()),
                }
            }
            // The last flight (the client's Finished) may still be queued.
            self.poll_flush_tls(cx)
        })
        .await
    }
    // ANCHOR_END: handshake

    /// Reads ciphertext from the socket and decrypts it. `Ok(0)` is TCP EOF.
    ///
    /// A record rustls rejects turns into an `InvalidData` error carrying
    /// the rustls error; rustls has then queued an alert for the peer, which
    /// we try to send on the way out.
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut adapter = SyncAdapter {
            tcp: &mut self.tcp,
            cx,
        };
        let n = match self.conn.read_tls(&mut adapter) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if let Err(error) = self.conn.process_new_packets() {
            let _ = self.poll_flush_tls(cx);
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
        }
        Poll::Ready(Ok(n))
    }

    /// Writes queued ciphertext until rustls has none left or the socket
    /// is full (`Pending`).
    fn poll_flush_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            let mut adapter = SyncAdapter {
                tcp: &mut self.tcp,
                cx,
            };
            match self.conn.write_tls(&mut adapter) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }
}

// ANCHOR: tls_read
impl<C, D> AsyncRead for TlsStream<C>
where
    C: DerefMut<Target = ConnectionCommon<D>> + Unpin,
    D: SideData,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            // Records we owe the peer go first. A full socket is no reason
            // not to read: the write waker is stored and the peer may be
            // waiting for us to read before it reads in turn.
            if let Poll::Ready(Err(e)) = this.poll_flush_tls(cx) {
                return Poll::Ready(Err(e));
            }
            // Plaintext already decrypted is served before the socket is
            // asked for more: it may hold the whole rest of the message.
            match this.conn.reader().read(buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
            // Nothing buffered: decrypt more. EOF is recorded inside rustls,
            // and the next `reader()` call reports it as clean or not.
            match this.poll_read_tls(cx) {
                Poll::Ready(Ok(_)) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
// ANCHOR_END: tls_read

// ANCHOR: tls_write
impl<C, D> AsyncWrite for TlsStream<C>
where
    C: DerefMut<Target = ConnectionCommon<D>> + Unpin,
    D: SideData,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    /// Hands rustls all of `bufs` at once, so a response's head and body
    /// can share one record and one write to the socket.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            // rustls takes plaintext only up to its buffer limit, so a slow
            // peer pushes back through here instead of growing memory.
            let taken = this.conn.writer().write_vectored(bufs)?;
            let flushed = this.poll_flush_tls(cx)?;
            if taken > 0 || bufs.iter().all(|buf| buf.is_empty()) {
                return Poll::Ready(Ok(taken));
            }
            if flushed.is_pending() {
                return Poll::Pending;
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.writer().flush()?;
        this.poll_flush_tls(cx)
    }

    /// Sends `close_notify`, flushes it and shuts down the TCP write half,
    /// so the peer can tell our end of data from a cut connection.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.close_sent {
            this.conn.send_close_notify();
            this.close_sent = true;
        }
        std::task::ready!(this.poll_flush_tls(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}
// ANCHOR_END: tls_write
