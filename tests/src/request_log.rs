//! What a [`TestServer`](crate::TestServer) handler saw: a thread-safe log
//! of requests, so tests can assert on the server's side of the
//! conversation (paths, ranges, connections, timing), not just on the
//! client's.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use spool_http::server::Request;

/// One request as a [`TestServer`](crate::TestServer) handler saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    /// The request target's path.
    pub path: String,
    /// The `Range` header, if sent.
    pub range: Option<String>,
    /// The `If-Range` header, if sent.
    pub if_range: Option<String>,
    /// The client's address: one per connection, so distinct values count
    /// connections.
    pub peer: SocketAddr,
    /// When the handler was called.
    pub at: Instant,
}

/// A shared, thread-safe list of the requests a handler received.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<Logged>>>);

impl RequestLog {
    /// An empty log.
    pub fn new() -> RequestLog {
        RequestLog::default()
    }

    /// Appends `request`.
    pub fn record(&self, request: &Request) {
        let logged = Logged {
            path: request.path().to_string(),
            range: request.headers().get("range").map(str::to_string),
            if_range: request.headers().get("if-range").map(str::to_string),
            peer: request.peer_addr(),
            at: Instant::now(),
        };
        self.lock().push(logged);
    }

    /// Everything recorded so far.
    pub fn all(&self) -> Vec<Logged> {
        self.lock().clone()
    }

    /// The requests for `path`, in arrival order.
    pub fn for_path(&self, path: &str) -> Vec<Logged> {
        self.all().into_iter().filter(|l| l.path == path).collect()
    }

    /// How many different connections the requests came on.
    pub fn connections(&self) -> usize {
        let mut peers: Vec<SocketAddr> = self.all().iter().map(|l| l.peer).collect();
        peers.sort();
        peers.dedup();
        peers.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Logged>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
