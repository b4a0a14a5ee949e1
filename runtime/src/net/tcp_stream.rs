//! [`TcpStream`]: a connected TCP socket.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::io_source::IoSource;
use crate::event_loop::reactor::Direction;
use crate::io::{AsyncRead, AsyncWrite};

/// A TCP connection (asyncio's `open_connection` pair in one object).
///
/// Reads and writes come from [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt). A peer that resets the
/// connection shows up as an `io::Error` (`ConnectionReset`, `BrokenPipe`)
/// from the next read or write.
///
/// A stream belongs to the loop it was created on and is not `Send`.
pub struct TcpStream {
    io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    // ANCHOR: connect
    /// Opens a connection to `addr` without blocking the loop.
    ///
    /// There is no built-in time limit beyond the operating system's (which
    /// can be minutes); wrap the call in [`timeout`](crate::time::timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use spool::net::{TcpListener, TcpStream};
    ///
    /// spool::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let connect = TcpStream::connect(addr);
    ///     let stream = spool::time::timeout(Duration::from_secs(5), connect).await;
    ///     assert!(stream.unwrap().is_ok());
    /// });
    /// ```
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        // The non-blocking connect returns at once with the handshake
        // under way; the socket turns writable when it is done. So the
        // first poll waits for that edge instead of asking the socket
        // (a system call that would only say "not yet"); epoll reports
        // the edge even if the handshake finished before registration.
        // The edge means the handshake is over, so the only question left
        // is whether it failed (refused, unreachable).
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        stream.io.wait_before_trying(Direction::Write);
        std::future::poll_fn(|cx| {
            stream.io.poll_io(cx, Direction::Write, |socket| {
                match socket.take_error()? {
                    Some(error) => Err(error),
                    None => Ok(()),
                }
            })
        })
        .await?;
        Ok(stream)
    }
    // ANCHOR_END: connect

    pub(crate) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream)?,
        })
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Turns Nagle's algorithm off (`true`) so small writes leave at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }
}

/// The socket's descriptor, for options std has no method for: a caller
/// can set them with a crate such as `socket2` (`SockRef::from(&stream)`)
/// without `unsafe` and without the runtime depending on it.
#[cfg(unix)]
impl std::os::fd::AsFd for TcpStream {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_shutdown(cx)
    }
}

/// Reading and writing through a shared reference, as std allows for
/// `&std::net::TcpStream`: one task can read while another part of it (or a
/// `join!` branch) writes. The reactor keeps a separate waker for each
/// direction, so the two never steal each other's wake-ups.
///
/// # Examples
///
/// ```
/// use spool::io::{AsyncReadExt, AsyncWriteExt};
/// use spool::net::{TcpListener, TcpStream};
///
/// spool::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let addr = listener.local_addr().unwrap();
///     spool::spawn(async move {
///         let (peer, _) = listener.accept().await.unwrap();
///         let mut buf = [0; 4];
///         (&peer).read_exact(&mut buf).await.unwrap();
///         (&peer).write_all(&buf).await.unwrap();
///     });
///     let stream = TcpStream::connect(addr).await.unwrap();
///     let (mut reader, mut writer) = (&stream, &stream);
///     let mut echoed = [0; 4];
///     let (sent, got) = spool::join!(writer.write_all(b"ping"), reader.read_exact(&mut echoed));
///     sent.unwrap();
///     got.unwrap();
///     assert_eq!(&echoed, b"ping");
/// });
/// ```
// ANCHOR: poll_read
impl AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.io
            .poll_transfer(cx, Direction::Read, len, |mut socket| socket.read(buf))
    }
}
// ANCHOR_END: poll_read

impl AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_transfer(cx, Direction::Write, buf.len(), |mut socket| {
                socket.write(buf)
            })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.io
            .poll_transfer(cx, Direction::Write, len, |mut socket| {
                socket.write_vectored(bufs)
            })
    }

    /// TCP sockets have no user-space buffer to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.io.get_ref().shutdown(Shutdown::Write) {
            // The peer already closed: nothing left to signal.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.io.get_ref().fmt(f)
    }
}
