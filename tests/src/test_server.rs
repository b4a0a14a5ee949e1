//! The project's own `spool_http` server on a thread of its own, for tests
//! that need a correct HTTP server on the other end.
//!
//! Running it on another thread matters: the code under test (a client
//! test's [`run`](crate::run), the downloader's
//! [`run`](spool_dl::Downloader::run)) starts a spool loop of its own, and
//! loops do not nest.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use spool_http::server::{Handler, Server, ServerBuilder, ShutdownHandle};

use crate::raw_client::RawClient;

/// How long dropping a [`TestServer`] waits for it to drain: a handler a
/// test left hanging must not hang the suite too.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// A `spool_http` server on its own thread and loop, shut down on drop.
///
/// # Examples
///
/// ```
/// use spool_http::server::{Request, Response};
/// use spool_tests::TestServer;
///
/// let server = TestServer::start(|_: Request| async { Response::text(200, "hi") });
/// assert!(server.url("/a").starts_with("http://127.0.0.1:"));
/// ```
pub struct TestServer {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    /// Says when `serve` has returned.
    finished: mpsc::Receiver<()>,
}

impl TestServer {
    /// Serves `handler` on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound: a test cannot go on without it.
    pub fn start<H: Handler + Send + 'static>(handler: H) -> TestServer {
        TestServer::start_with(|builder| builder, handler)
    }

    /// Like [`start`](TestServer::start), with the server's settings
    /// changed by `configure` first.
    pub fn start_with<H>(
        configure: impl FnOnce(ServerBuilder) -> ServerBuilder + Send + 'static,
        handler: H,
    ) -> TestServer
    where
        H: Handler + Send + 'static,
    {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        thread::spawn(move || {
            spool::block_on(async move {
                let server = configure(Server::builder())
                    .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                    .expect("binding the test server");
                let _ = ready_tx.send((server.local_addr(), server.shutdown_handle()));
                server.serve(handler).await;
            });
            let _ = done_tx.send(());
        });
        let (addr, shutdown) = ready_rx.recv().expect("the test server thread started");
        TestServer {
            addr,
            shutdown,
            finished: done_rx,
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A raw blocking client connected to it.
    pub fn connect(&self) -> RawClient {
        RawClient::open(self.addr)
    }

    /// A handle that shuts it down, for tests of shutting down.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Waits up to `limit` for `serve` to return; true if it did.
    pub fn wait_finished(&self, limit: Duration) -> bool {
        self.finished.recv_timeout(limit).is_ok()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.shutdown();
        let _ = self.finished.recv_timeout(DRAIN_LIMIT);
    }
}
