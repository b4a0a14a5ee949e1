//! A scripted server that is not an HTTP server, for the misbehaviour a
//! correct one never produces.
//!
//! Every accepted connection runs a script on a plain std thread of its
//! own, given a [`Conn`]: read a request, write exact bytes, stall, reset,
//! say nothing at all. Being independent of the spool loop under test, it
//! can produce any byte sequence and any timing a real server might,
//! including the broken ones. A script is either a closure over the
//! connection or a list of [`Step`](crate::Step)s; the server counts the
//! connections it accepts, how many were open at once, and every request
//! it read.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::script::{self, Step};

/// A server whose every connection plays a script, stopped on drop.
///
/// # Examples
///
/// ```
/// use spool_tests::RawServer;
///
/// let server = RawServer::start(|mut c| {
///     if c.read_request().is_some() {
///         c.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
///     }
/// });
/// assert!(server.url("/a").starts_with("http://127.0.0.1:"));
/// ```
pub struct RawServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    /// Set on drop: the accept loop ends, and [`Conn::stall`] gives up.
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

/// What a [`RawServer`] saw, shared with its connections' threads.
#[derive(Default)]
struct Stats {
    accepted: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    server_names: Mutex<Vec<Option<String>>>,
}

type Script = Arc<dyn Fn(Conn) + Send + Sync>;

/// Turns an accepted socket into the stream a script plays on, with the
/// TLS server name the client asked for; `None` ends the connection.
type Wrap = Arc<dyn Fn(TcpStream) -> Option<(Box<dyn Stream>, Option<String>)> + Send + Sync>;

impl RawServer {
    /// Listens on a free port of 127.0.0.1 and runs `script` for every
    /// connection.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound: a test cannot go on without it.
    pub fn start<F>(script: F) -> RawServer
    where
        F: Fn(Conn) + Send + Sync + 'static,
    {
        RawServer::start_with(
            Arc::new(script),
            Arc::new(|tcp| Some((Box::new(tcp) as Box<dyn Stream>, None))),
        )
    }

    /// Like [`start`](RawServer::start), over TLS with `config`. A failed
    /// handshake just ends the connection.
    pub fn start_tls<F>(config: Arc<rustls::ServerConfig>, script: F) -> RawServer
    where
        F: Fn(Conn) + Send + Sync + 'static,
    {
        RawServer::start_with(
            Arc::new(script),
            Arc::new(move |mut tcp: TcpStream| {
                let mut conn = rustls::ServerConnection::new(config.clone()).ok()?;
                while conn.is_handshaking() {
                    conn.complete_io(&mut tcp).ok()?;
                }
                let sni = conn.server_name().map(str::to_owned);
                let stream = rustls::StreamOwned::new(conn, tcp);
                Some((Box::new(stream) as Box<dyn Stream>, sni))
            }),
        )
    }

    /// The `n`-th accepted connection (from 0) plays the steps `steps(n)`.
    pub fn script(steps: impl Fn(usize) -> Vec<Step> + Send + Sync + 'static) -> RawServer {
        RawServer::start(move |conn| {
            let steps = steps(conn.index);
            script::play(conn, &steps);
        })
    }

    /// Every connection plays the same steps.
    pub fn each(steps: Vec<Step>) -> RawServer {
        RawServer::script(move |_| steps.clone())
    }

    /// Like [`script`](RawServer::script), over TLS with `config`.
    pub fn script_tls(
        config: Arc<rustls::ServerConfig>,
        steps: impl Fn(usize) -> Vec<Step> + Send + Sync + 'static,
    ) -> RawServer {
        RawServer::start_tls(config, move |conn| {
            let steps = steps(conn.index);
            script::play(conn, &steps);
        })
    }

    fn start_with(script: Script, wrap: Wrap) -> RawServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding a raw server");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let (stats, stop) = (stats.clone(), stop.clone());
            move || {
                for tcp in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(tcp) = tcp else { continue };
                    let index = stats.accepted.fetch_add(1, Ordering::SeqCst);
                    let open = stats.open.fetch_add(1, Ordering::SeqCst) + 1;
                    stats.max_open.fetch_max(open, Ordering::SeqCst);
                    let (stats, stop) = (stats.clone(), stop.clone());
                    let (script, wrap) = (script.clone(), wrap.clone());
                    thread::spawn(move || {
                        if let Some((stream, sni)) = wrap(tcp) {
                            lock(&stats.server_names).push(sni);
                            script(Conn {
                                stream,
                                index,
                                pending: Vec::new(),
                                stop,
                                stats: stats.clone(),
                            });
                        }
                        stats.open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            }
        });
        RawServer {
            addr,
            stats,
            stop,
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

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.stats.accepted.load(Ordering::SeqCst)
    }

    /// The most connections that were open at the same time.
    pub fn max_open(&self) -> usize {
        self.stats.max_open.load(Ordering::SeqCst)
    }

    /// The TLS server name (SNI) of each connection whose handshake
    /// succeeded; `None` on plain TCP or when the client sent none.
    pub fn server_names(&self) -> Vec<Option<String>> {
        lock(&self.stats.server_names).clone()
    }

    /// The requests read so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.stats.requests).clone()
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

/// A request as a [`RawServer`] read it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Request line and header lines, as text, without the blank line.
    pub head: String,
    /// The `Content-Length` body; empty when only the head was read.
    pub body: Vec<u8>,
    /// Which accepted connection (0, 1, ...) it came on.
    pub connection: usize,
}

impl Recorded {
    /// The request line (`GET /a HTTP/1.1`).
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Something a script reads and writes: a TCP socket, or TLS over one.
pub trait Stream: Read + Write + Send {
    /// The socket underneath.
    fn tcp(&self) -> &TcpStream;

    /// Sends TLS `close_notify`; nothing on plain TCP.
    fn close_notify(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Stream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Stream for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn close_notify(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        self.flush()
    }
}

/// One accepted connection of a [`RawServer`].
pub struct Conn {
    /// The socket, or TLS over it.
    pub stream: Box<dyn Stream>,
    /// 0 for the first connection accepted, 1 for the next, and so on.
    pub index: usize,
    /// Bytes read past the last request, the start of the next one.
    pending: Vec<u8>,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
}

impl Conn {
    /// Reads one request (head, then a `Content-Length` body), records it
    /// and returns its head; `None` if the client closed first.
    pub fn read_request(&mut self) -> Option<String> {
        let head = self.read_until_head()?;
        let length: usize = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0);
        while self.pending.len() < length {
            self.fill()?;
        }
        let body = self.pending.drain(..length).collect();
        self.record(head.clone(), body);
        Some(head)
    }

    /// Reads and records one request head, leaving any body unread: a
    /// server that answers before the upload ends. `None` if the client
    /// closed first.
    pub fn read_head(&mut self) -> Option<String> {
        let head = self.read_until_head()?;
        self.record(head.clone(), Vec::new());
        Some(head)
    }

    fn read_until_head(&mut self) -> Option<String> {
        let end = loop {
            if let Some(at) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.pending[..end]).into_owned();
        self.pending.drain(..end + 4);
        Some(head)
    }

    /// Reads more into `pending`; `None` at end of stream or on an error.
    fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.pending.extend_from_slice(&chunk[..n]);
                Some(())
            }
        }
    }

    fn record(&self, head: String, body: Vec<u8>) {
        lock(&self.stats.requests).push(Recorded {
            head,
            body,
            connection: self.index,
        });
    }

    /// Writes `bytes`, ignoring a client that has gone away.
    pub fn write(&mut self, bytes: &[u8]) {
        let _ = self.try_write(bytes);
    }

    /// Writes and flushes `bytes`.
    pub fn try_write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Says nothing until the client closes the connection, the server is
    /// dropped, or `at_most` has passed.
    pub fn stall(&mut self, at_most: Duration) {
        let until = Instant::now() + at_most;
        let _ = self
            .stream
            .tcp()
            .set_read_timeout(Some(Duration::from_millis(10)));
        let mut sink = [0u8; 1024];
        while Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
            match self.stream.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
    }

    /// Reads and discards until the client closes the connection.
    pub fn hold(&mut self) {
        let mut sink = [0u8; 1024];
        while matches!(self.stream.read(&mut sink), Ok(1..)) {}
    }

    /// Sends TLS `close_notify` (nothing on plain TCP).
    pub fn close_notify(&mut self) -> io::Result<()> {
        self.stream.close_notify()
    }

    /// Closes with a TCP reset (RST) instead of an orderly FIN.
    pub fn reset(self) {
        let _ = socket2::SockRef::from(self.stream.tcp()).set_linger(Some(Duration::ZERO));
    }
}

/// Locks `mutex`, even if a script thread panicked holding it: the list is
/// still worth reading to explain the failure.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
