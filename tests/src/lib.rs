//! Servers and helpers for the downloader's end-to-end tests.
//!
//! The tests drive `spool-dl` the way a user would, against servers they
//! start on 127.0.0.1, and check what lands on disk. Two kinds of server
//! are needed, and they are deliberately built differently:
//!
//! - [`TestServer`] is the project's own `spool_http::server`, running on a
//!   thread of its own with its own spool loop. It speaks correct HTTP, so
//!   tests use it for everything that is about the *downloader's* choices:
//!   names, retries, statuses, resuming (with `ServeDir`), concurrency.
//!   Running it on another thread matters: the downloader's
//!   [`run`](spool_dl::Downloader::run) starts a loop of its own, and loops
//!   do not nest.
//! - [`RawServer`] is not an HTTP server at all. Every accepted connection
//!   runs a script written on plain std threads and sockets, so a test can
//!   send a short body, reset the connection, stall, or answer with bytes
//!   that are not HTTP — the misbehaviour a correct server would never
//!   produce.
//!
//! Both count what they see (connections, requests, requests in flight) so
//! tests can assert on the server's side of the conversation, not just on
//! the downloader's report.

#![warn(missing_docs)]

pub mod command;
pub mod faults;
pub mod json_report;
pub mod soak;
pub mod verify;

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use spool_dl::DownloaderBuilder;
use spool_dl::Timeouts;
use spool_dl::backoff::RetryPolicy;
use spool_http::server::{Handler, Request, Server, ShutdownHandle};

/// A `spool_http` server on its own thread and loop, stopped on drop.
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
    thread: Option<thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves `handler` on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound: a test cannot go on without it.
    pub fn start<H: Handler + Send + 'static>(handler: H) -> TestServer {
        let (tx, rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            spool::block_on(async move {
                let server = Server::builder()
                    .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                    .expect("binding the test server");
                let _ = tx.send((server.local_addr(), server.shutdown_handle()));
                server.serve(handler).await;
            });
        });
        let (addr, shutdown) = rx.recv().expect("the test server thread started");
        TestServer {
            addr,
            shutdown,
            thread: Some(thread),
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
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One request as a [`TestServer`] handler saw it.
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

/// Counts requests being handled at once and remembers the most.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

/// One request being handled; dropping it ends it.
#[derive(Debug)]
pub struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl InFlight {
    /// A counter at zero.
    pub fn new() -> InFlight {
        InFlight::default()
    }

    /// Counts a request in until the guard is dropped.
    pub fn enter(&self) -> InFlightGuard {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        InFlightGuard(self.now.clone())
    }

    /// The most requests that were ever in flight together.
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// The bytes a test server sends for `path`: distinct per path and long
/// enough to span several reads, so a mix-up or a truncation shows.
pub fn body_for(path: &str, len: usize) -> Vec<u8> {
    let seed = path
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) ^ seed).to_le_bytes()[1])
        .collect()
}

/// A server whose every connection plays a script, for misbehaviour no
/// HTTP server would produce.
///
/// Each accepted connection runs the script on a thread of its own, given
/// a [`Conn`]. The server stops accepting when dropped; scripts that wait
/// ([`Conn::stall`]) give up then too.
pub struct RawServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

/// One accepted connection of a [`RawServer`].
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// 0 for the first connection accepted, 1 for the next, and so on.
    pub index: usize,
    stop: Arc<AtomicBool>,
}

impl RawServer {
    /// Listens on a free port of 127.0.0.1 and runs `script` for every
    /// connection.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound.
    pub fn start<F>(script: F) -> RawServer
    where
        F: Fn(Conn) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding a raw server");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(script);
        let thread = thread::spawn({
            let (accepted, stop) = (accepted.clone(), stop.clone());
            move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let index = accepted.fetch_add(1, Ordering::SeqCst);
                    let (script, stop) = (script.clone(), stop.clone());
                    thread::spawn(move || {
                        script(Conn {
                            stream,
                            index,
                            stop,
                        })
                    });
                }
            }
        });
        RawServer {
            addr,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // The accept loop is blocked in `accept`; one last connection
        // wakes it to see the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Conn {
    /// Reads one request head; `None` if the client closed first.
    pub fn read_request(&mut self) -> Option<String> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match self.stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return None,
            }
        }
        Some(String::from_utf8_lossy(&head).into_owned())
    }

    /// Writes `bytes`, ignoring a client that has gone away.
    pub fn write(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
        let _ = self.stream.flush();
    }

    /// Says nothing until the client closes the connection, the server is
    /// dropped, or `at_most` has passed.
    pub fn stall(&mut self, at_most: Duration) {
        let until = Instant::now() + at_most;
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(10)));
        let mut sink = [0u8; 1024];
        while Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
            match self.stream.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// Closes with a TCP reset (RST) instead of an orderly FIN.
    pub fn reset(self) {
        let _ = socket2::SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
        drop(self.stream);
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory whose name includes `label`.
    ///
    /// # Panics
    ///
    /// If it cannot be created.
    pub fn new(label: &str) -> TempDir {
        TempDir::new_in(&std::env::temp_dir(), label)
    }

    /// Like [`new`](TempDir::new), but in memory (`/dev/shm`) where there
    /// is one: for tests that create thousands of files to measure the
    /// downloader, not the disk.
    pub fn in_memory(label: &str) -> TempDir {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            TempDir::new_in(shm, label)
        } else {
            TempDir::new(label)
        }
    }

    fn new_in(base: &Path, label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = base.join(format!("spool-tests-{}-{label}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("creating a temp dir");
        TempDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `path` joined with `name`.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The names of the entries of `dir`, sorted; empty if it cannot be read.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A downloader writing to `dir`, with test-sized limits: retries after
/// 10 ms instead of 1 s, and read and connect limits of 2 s so a hang
/// fails the test quickly rather than stalling the suite.
pub fn quick(dir: &Path) -> DownloaderBuilder {
    spool_dl::Downloader::builder()
        .output_dir(dir)
        .retry(RetryPolicy::new(2, Duration::from_millis(10)))
        .timeouts(Timeouts {
            attempt: Duration::from_secs(10),
            connect: Duration::from_secs(2),
            read: Duration::from_secs(2),
        })
}

/// Open file descriptors of this process (entries of `/proc/self/fd`).
pub fn open_fds() -> Option<usize> {
    Some(fs::read_dir("/proc/self/fd").ok()?.count())
}

/// A `kB` field of `/proc/self/status`, such as `VmRSS` or `VmHWM`.
pub fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}
