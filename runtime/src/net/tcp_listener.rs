//! [`TcpListener`]: accepts connections (asyncio's `start_server`).

use std::io;
use std::net::SocketAddr;

use super::io_source::IoSource;
use crate::event_loop::reactor::Direction;
use crate::net::TcpStream;

/// A socket that accepts TCP connections.
///
/// # Examples
///
/// An accept loop that serves each client in its own task:
///
/// ```no_run
/// use spool::io::{AsyncReadExt, AsyncWriteExt};
/// use spool::net::TcpListener;
///
/// spool::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:7000".parse().unwrap())?;
///     loop {
///         let (mut client, _) = listener.accept().await?;
///         spool::spawn(async move {
///             let mut buf = [0; 1024];
///             while let Ok(n @ 1..) = client.read(&mut buf).await {
///                 if client.write_all(&buf[..n]).await.is_err() {
///                     break;
///                 }
///             }
///         });
///     }
///     # #[allow(unreachable_code)]
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (port 0 picks a free port) and starts listening.
    ///
    /// Must be called inside [`block_on`](crate::block_on): the socket is
    /// registered with the running loop.
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: IoSource::new(mio::net::TcpListener::bind(addr)?)?,
        })
    }

    /// Adopts a listener bound with the standard library (for example one
    /// bound before the loop started). It is switched to non-blocking mode.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoSource::new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    // ANCHOR: accept
    /// Waits for the next connection.
    ///
    /// Edge-triggered readiness reports "new connections arrived", not how
    /// many. Each call tries `accept` before it waits, so a backlog of
    /// several connections is drained one call at a time without needing
    /// another edge.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) =
            std::future::poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |l| l.accept())).await?;
        Ok((TcpStream::from_mio(stream)?, addr))
    }
    // ANCHOR_END: accept
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.io.get_ref().fmt(f)
    }
}
