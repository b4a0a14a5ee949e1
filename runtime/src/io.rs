//! Byte streams: the [`AsyncRead`] and [`AsyncWrite`] traits.
//!
//! They are the async mirror of `std::io::Read` and `Write`: instead of
//! blocking, `poll_read` returns `Pending` and arranges a wake-up. Anything
//! that moves bytes — a TCP socket here, a TLS session in `spool-http` —
//! implements them, so code above (an HTTP parser, `read_exact`) works on
//! either. The convenient `async fn`s live on the extension traits
//! [`AsyncReadExt`] and [`AsyncWriteExt`], implemented for every reader and
//! writer; tokio splits its traits the same way.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes without blocking.
pub trait AsyncRead {
    /// Reads into `buf`, returning how many bytes were read; `Ok(0)` means
    /// end of stream (or an empty `buf`). On `Pending` the task is woken
    /// when reading may make progress.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;
}

/// Writes bytes without blocking.
pub trait AsyncWrite {
    /// Writes some of `buf`, returning how many bytes were taken.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// Writes some of `bufs`, in order, as if they were one buffer
    /// (`writev`), returning how many bytes were taken. One call can hand
    /// the operating system several buffers that live apart.
    ///
    /// The default writes the first non-empty buffer, as std's
    /// `Write::write_vectored` does; sockets override it.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let buf = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    /// Pushes out anything buffered.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes, then signals the end of the stream (TCP: sends FIN).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// Implements both traits for a pointer to a reader or writer (`&mut T`,
/// `Box<T>`) by passing each call through to what it points at, as std
/// does for `Read` and `Write`.
macro_rules! forward_through_pointer {
    ($($pointer:ty),*) => {$(
        impl<T: AsyncRead + Unpin + ?Sized> AsyncRead for $pointer {
            fn poll_read(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut **self).poll_read(cx, buf)
            }
        }

        impl<T: AsyncWrite + Unpin + ?Sized> AsyncWrite for $pointer {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut **self).poll_write(cx, buf)
            }
            fn poll_write_vectored(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut **self).poll_write_vectored(cx, bufs)
            }
            fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut **self).poll_flush(cx)
            }
            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut **self).poll_shutdown(cx)
            }
        }
    )*};
}

forward_through_pointer!(&mut T, Box<T>);

// ANCHOR: read_ext
/// `async fn` helpers for every [`AsyncRead`].
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
///         let (mut peer, _) = listener.accept().await.unwrap();
///         peer.write_all(b"hello").await.unwrap();
///     });
///     let mut stream = TcpStream::connect(addr).await.unwrap();
///     let mut buf = [0; 5];
///     stream.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
/// });
/// ```
pub trait AsyncReadExt: AsyncRead + Unpin {
    /// Reads some bytes into `buf`; `Ok(0)` at end of stream.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| Pin::new(&mut *self).poll_read(cx, buf))
    }

    /// Fills `buf` completely, or fails with `UnexpectedEof` if the stream
    /// ends first.
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        async move {
            let mut filled = 0;
            while filled < buf.len() {
                match self.read(&mut buf[filled..]).await? {
                    0 => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("stream ended after {filled} of {} bytes", buf.len()),
                        ));
                    }
                    n => filled += n,
                }
            }
            Ok(())
        }
    }

    /// Reads until end of stream, appending to `out`; returns the count.
    fn read_to_end<'a>(
        &'a mut self,
        out: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        async move {
            let start = out.len();
            let mut chunk = [0u8; 8192];
            loop {
                match self.read(&mut chunk).await? {
                    0 => return Ok(out.len() - start),
                    n => out.extend_from_slice(&chunk[..n]),
                }
            }
        }
    }
}
// ANCHOR_END: read_ext

impl<R: AsyncRead + Unpin + ?Sized> AsyncReadExt for R {}

/// `async fn` helpers for every [`AsyncWrite`].
pub trait AsyncWriteExt: AsyncWrite + Unpin {
    /// Writes some of `buf`, returning how many bytes were taken.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| Pin::new(&mut *self).poll_write(cx, buf))
    }

    /// Writes all of `buf`; fails with `WriteZero` if the stream stops
    /// accepting bytes.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        async move {
            let mut written = 0;
            while written < buf.len() {
                match self.write(&buf[written..]).await? {
                    0 => return Err(io::ErrorKind::WriteZero.into()),
                    n => written += n,
                }
            }
            Ok(())
        }
    }

    /// Pushes out anything buffered.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        poll_fn(move |cx| Pin::new(&mut *self).poll_flush(cx))
    }

    /// Flushes and ends the stream.
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        poll_fn(move |cx| Pin::new(&mut *self).poll_shutdown(cx))
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWriteExt for W {}
