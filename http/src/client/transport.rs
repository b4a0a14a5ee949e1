//! The byte stream under a connection: plain TCP or TLS over TCP.
//!
//! An enum rather than a `Box<dyn AsyncRead + AsyncWrite>`: there are
//! exactly two cases, matching on them costs nothing, and the pool can ask
//! which one it holds. Everything above this file reads and writes a
//! [`Transport`] without caring which it is.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use rustls::ClientConnection;
use spool::io::{AsyncRead, AsyncWrite};
use spool::net::TcpStream;

use crate::tls::TlsStream;

/// A connected socket, with or without TLS.
pub(crate) enum Transport {
    Plain(TcpStream),
    /// Boxed because a rustls session is a few kilobytes, and a plain
    /// connection should not pay for it.
    Tls(Box<TlsStream<ClientConnection>>),
}

impl Transport {
    /// Sends the acknowledgment for what has arrived now, rather than when
    /// the kernel's delayed-ACK timer says (`TCP_QUICKACK`; see
    /// `Connection::poll_fill` for when that matters). Best effort: an
    /// error here changes only timing, so it is ignored. Linux only;
    /// elsewhere this does nothing.
    pub(crate) fn acknowledge_now(&self) {
        #[cfg(target_os = "linux")]
        {
            let tcp = match self {
                Transport::Plain(tcp) => tcp,
                Transport::Tls(tls) => tls.tcp(),
            };
            let _ = socket2::SockRef::from(tcp).set_tcp_quickack(true);
        }
    }
}

impl AsyncRead for Transport {
    /// A TLS peer that closes TCP without `close_notify` reads as an
    /// `UnexpectedEof` error, as rustls reports it, not as an end of
    /// stream: the connection (`conn.rs`) tells the body decoder the close
    /// was unconfirmed, and the decoder decides whether that matters.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_shutdown(cx),
        }
    }
}
