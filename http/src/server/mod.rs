//! A tiny HTTP/1.1 server, for examples, tests, benchmarks and the
//! downloader's offline demo.
//!
//! One task accepts connections and spawns one task per connection; each
//! connection task reads a request, awaits the handler, writes the
//! response, and loops while the connection is kept alive. That is the
//! whole design. It is how asyncio's `start_server` callbacks work too,
//! and it is enough to keep `wrk` busy on one core.
//!
//! What it does take care of, because a server on a real socket must:
//!
//! - **Limits.** A client must deliver a whole request head within
//!   [`header_timeout`](ServerBuilder::header_timeout) (which also closes
//!   idle keep-alive connections) and a whole body within
//!   [`body_timeout`](ServerBuilder::body_timeout), heads are capped at
//!   [`max_head_size`](ServerBuilder::max_head_size) (431 beyond, or 414
//!   if the request line alone is that long), bodies at
//!   [`max_body_size`](ServerBuilder::max_body_size) (413 beyond), and at
//!   most [`max_connections`](ServerBuilder::max_connections) are served at
//!   once. Malformed requests, a `Host` that is not a valid `host[:port]`
//!   included, get a 400 and the connection is closed; nothing a client
//!   sends can make the server panic.
//! - **Keep-alive and pipelining**, by HTTP/1.1 rules.
//! - **Graceful shutdown** through a [`ShutdownHandle`].
//! - **HTTPS**, optionally, with a rustls configuration
//!   ([`ServerBuilder::tls`]).
//! - **Static files** with [`ServeDir`]: `HEAD`, single byte ranges, and
//!   validators (`ETag`, `Last-Modified`, `If-Range`), which is what a
//!   resuming downloader needs.
//!
//! Compared with hyper's server, which is a protocol state machine polled
//! by hand and layered under tower services, this is a plain `async` loop
//! per connection with the protocol factored into the pure functions of
//! [`proto`](crate::proto): less general (no HTTP/2, no upgrades, no
//! streaming request bodies) but readable top to bottom.
//!
//! # Examples
//!
//! ```
//! use spool::io::{AsyncReadExt, AsyncWriteExt};
//! use spool::net::TcpStream;
//! use spool_http::server::{Request, Response, Server};
//!
//! spool::block_on(async {
//!     let server = Server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
//!     let addr = server.local_addr();
//!     let shutdown = server.shutdown_handle();
//!     let serving = spool::spawn(server.serve(|request: Request| async move {
//!         Response::text(200, format!("hello from {}\n", request.path()))
//!     }));
//!
//!     let mut stream = TcpStream::connect(addr).await.unwrap();
//!     stream.write_all(b"GET /spool HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
//!     let mut response = Vec::new();
//!     stream.read_to_end(&mut response).await.unwrap();
//!     assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
//!     assert!(response.ends_with(b"\r\n\r\nhello from /spool\n"));
//!
//!     shutdown.shutdown();
//!     serving.await.unwrap();
//! });
//! ```

mod connection;
mod files;
mod handler;
mod range;
mod request;
mod response;
mod shutdown;

pub use files::ServeDir;
pub use handler::Handler;
pub use request::Request;
pub use response::{Body, Response};
pub use shutdown::ShutdownHandle;

use crate::proto::HeadLimits;
use crate::tls::TlsStream;
use shutdown::Signal;
use spool::net::TcpListener;
use spool::sync::Semaphore;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// The limits every connection is served under.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    header_timeout: Duration,
    io_timeout: Duration,
    body_timeout: Duration,
    limits: HeadLimits,
    max_body_size: usize,
    max_connections: usize,
    /// Present when the server speaks HTTPS.
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            header_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            limits: HeadLimits::default(),
            max_body_size: 1024 * 1024,
            max_connections: 1024,
            tls: None,
        }
    }
}

/// Sets a server's limits, then binds it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool_http::server::Server;
///
/// spool::block_on(async {
///     let server = Server::builder()
///         .header_timeout(Duration::from_secs(5))
///         .max_connections(64)
///         .bind("127.0.0.1:0".parse().unwrap())
///         .unwrap();
///     assert_ne!(server.local_addr().port(), 0);
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServerBuilder {
    config: Config,
}

impl ServerBuilder {
    /// How long a client has to send a complete request head, counted
    /// from when the server starts waiting for it: from the accept, or
    /// from the end of the previous response on a kept-alive connection.
    /// Default 10 s.
    ///
    /// This is the defence against slowloris clients, which open many
    /// connections and trickle header bytes to hold them, and the idle
    /// limit for kept-alive connections. A client that sent part of a head
    /// gets a 408; an idle one is closed without a response.
    pub fn header_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.config.header_timeout = timeout;
        self
    }

    /// The longest the server waits for the client to take or give bytes
    /// once a request is under way: between reads of a request body, and
    /// for each write of the response. Default 30 s.
    pub fn io_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.config.io_timeout = timeout;
        self
    }

    /// How long a client has to send a whole request body, counted from
    /// the end of its head. Default 60 s; a client that runs out of time
    /// gets a 408 and the connection is closed.
    ///
    /// [`io_timeout`](Self::io_timeout) bounds each pause in a body; this
    /// bounds the whole of it. Without it, a client sending one byte just
    /// inside every `io_timeout` would hold its connection for as long as
    /// it liked, and [`max_connections`](Self::max_connections) such
    /// clients would lock everybody else out. At the defaults a client must
    /// upload at about 17 KiB/s to send the largest body allowed
    /// ([`max_body_size`](Self::max_body_size), 1 MiB); raise the two
    /// together. hyper leaves this deadline to the application; this server
    /// reads whole bodies before calling the handler, so it must set one.
    pub fn body_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.config.body_timeout = timeout;
        self
    }

    /// How many connections are served at once (at least 1). Default 1024.
    ///
    /// When the limit is reached the server stops calling `accept`, so
    /// further clients wait in the operating system's listen backlog
    /// (their TCP handshake completes, but nothing reads their request)
    /// until a connection closes. They are neither refused nor answered
    /// with an error, and they are served in arrival order.
    pub fn max_connections(mut self, max: usize) -> ServerBuilder {
        self.config.max_connections = max.max(1);
        self
    }

    /// The largest request head accepted, request line and header fields
    /// together. Default 64 KiB; larger heads get a 431, or a 414 (URI Too
    /// Long) if the request line alone does not fit.
    pub fn max_head_size(mut self, bytes: usize) -> ServerBuilder {
        self.config.limits.max_head_size = bytes;
        self
    }

    /// The most header fields a request may have. Default 100; more get a
    /// 431.
    pub fn max_headers(mut self, count: usize) -> ServerBuilder {
        self.config.limits.max_headers = count;
        self
    }

    /// The largest request body accepted, `Content-Length` or chunked.
    /// Default 1 MiB; larger bodies get a 413 (before being read, when the
    /// length is announced).
    pub fn max_body_size(mut self, bytes: usize) -> ServerBuilder {
        self.config.max_body_size = bytes;
        self
    }

    /// Serves HTTPS with this rustls configuration (certificate chain and
    /// key). Each connection's handshake runs in the connection's own task,
    /// under the [`header_timeout`](Self::header_timeout), so a client that
    /// stalls mid-handshake holds up nobody and is dropped in time.
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> ServerBuilder {
        self.config.tls = Some(config);
        self
    }

    /// Binds a listener on `addr` (port 0 picks a free one).
    ///
    /// Must be called inside [`spool::block_on`]: the listener is
    /// registered with the running loop.
    pub fn bind(self, addr: SocketAddr) -> io::Result<Server> {
        self.listener(TcpListener::bind(addr)?)
    }

    /// Serves on a listener bound elsewhere, for example a
    /// `std::net::TcpListener` bound before the loop started and adopted
    /// with [`TcpListener::from_std`].
    pub fn listener(self, listener: TcpListener) -> io::Result<Server> {
        Ok(Server {
            local_addr: listener.local_addr()?,
            listener,
            config: self.config,
            signal: Arc::new(Signal::default()),
        })
    }
}

/// A bound HTTP/1.1 server, ready to [`serve`](Server::serve).
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    config: Config,
    signal: Arc<Signal>,
}

impl Server {
    /// Binds a server with the default limits; see [`ServerBuilder`].
    pub fn bind(addr: SocketAddr) -> io::Result<Server> {
        ServerBuilder::default().bind(addr)
    }

    /// Starts configuring a server.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that stops the server gracefully; see [`ShutdownHandle`].
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            signal: self.signal.clone(),
        }
    }

    // ANCHOR: accept_loop
    /// Serves connections with `handler` until shut down through a
    /// [`ShutdownHandle`]; resolves once every connection has ended.
    ///
    /// Each connection is a task of its own on the current loop. Failed
    /// accepts do not stop the server: a connection reset before it was
    /// accepted is skipped, and running out of file descriptors pauses
    /// accepting for 100 ms instead of spinning.
    pub async fn serve<H: Handler + 'static>(self, handler: H) {
        let Server {
            listener,
            config,
            signal,
            ..
        } = self;
        let handler = Rc::new(handler);
        let config = Rc::new(config);
        // One permit per connection being served. Taking the permit
        // *before* accepting is what makes excess clients wait in the
        // kernel's backlog rather than in our memory.
        let slots = Arc::new(Semaphore::new(config.max_connections));
        loop {
            // The signal comes first in each select!, so it wins a tie:
            // once shutdown is asked for, no new connection is taken on.
            let permit = spool::select! {
                () = signal.fired() => break,
                permit = slots.clone().acquire_owned() => permit,
            };
            let Ok(permit) = permit else { break };
            let accepted = spool::select! {
                () = signal.fired() => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_per_connection(&e) => continue,
                Err(_) => {
                    spool::select! {
                        () = signal.fired() => break,
                        () = spool::time::sleep(Duration::from_millis(100)) => continue,
                    }
                }
            };
            // Responses are written head first, body second; without
            // NODELAY, Nagle's algorithm would hold the second write back
            // until the client acknowledges the first.
            let _ = stream.set_nodelay(true);
            let (handler, config, signal) = (handler.clone(), config.clone(), signal.clone());
            // `connection::run` takes any AsyncRead + AsyncWrite stream, so
            // HTTPS is the same loop over a TLS stream, after a handshake
            // done inside the task so that a slow one holds up nobody.
            spool::spawn(async move {
                match &config.tls {
                    None => connection::run(stream, peer, &*handler, &config, &signal).await,
                    Some(tls) => {
                        if let Some(stream) = handshake(stream, tls, &config).await {
                            connection::run(stream, peer, &*handler, &config, &signal).await;
                        }
                    }
                }
                drop(permit);
            });
        }
        // ANCHOR_END: accept_loop

        // ANCHOR: drain
        // Closing the listener refuses new clients at once. Then wait for
        // the connections still running: each holds a permit until it
        // ends, so once every permit is home, they are all gone. Idle ones
        // close as soon as they see the signal; busy ones after their
        // current response.
        drop(listener);
        slots.all_returned().await;
        // ANCHOR_END: drain
    }
}

/// Runs the server side of a TLS handshake within the header timeout.
/// A failed or stalled handshake just ends the connection: there is no one
/// to report it to but the client, which already knows.
async fn handshake(
    tcp: spool::net::TcpStream,
    tls: &Arc<rustls::ServerConfig>,
    config: &Config,
) -> Option<TlsStream<rustls::ServerConnection>> {
    let session = rustls::ServerConnection::new(tls.clone()).ok()?;
    let mut stream = TlsStream::new(tcp, session);
    match spool::time::timeout(config.header_timeout, stream.handshake()).await {
        Ok(Ok(())) => Some(stream),
        _ => None,
    }
}

/// Accept errors that concern one connection only, which was reset or
/// aborted by the client before we got to it.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("config", &self.config)
            .finish()
    }
}
