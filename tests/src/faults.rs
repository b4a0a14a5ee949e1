//! A local HTTP server that misbehaves on purpose: at random, but
//! reproducibly, so a fault soak can say exactly what it survived.
//!
//! The [`Catalog`] fixes what every URL *should* deliver: the bytes of
//! `/files/ID.bin` are drawn from a generator seeded with the run's seed and
//! the ID, so the test knows each file's SHA-256 without keeping the files.
//! The [`FaultServer`] serves the catalog over HTTP/1.1 with keep-alive,
//! strong `ETag`s and byte ranges (`Range: bytes=N-` with `If-Range`, `206`
//! with `Content-Range`, `416` past the end), so `spool-dl --continue` can
//! resume, and on a share of the requests it injects one [`Fault`]: a reset
//! or a cut in the middle of the body, a stall before the head or inside
//! the body, a `503` with `Retry-After`, a slow trickle, a kept-alive
//! connection closed after its response, a redirect to another path that
//! serves the same bytes, or a `Range` ignored.
//!
//! Which fault a request gets depends only on the seed, the URL's ID and how
//! many requests for that ID came before, never on which thread or
//! connection it arrived on; every injected fault is counted by kind and
//! logged ([`FaultServer::log`]).
//!
//! The server is plain std: a thread per connection writing bytes by hand,
//! like [`RawServer`](crate::RawServer), because a correct server (ours
//! included) cannot be made to cut a body short or reset mid-stream.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// What the URLs of a soak are and what each must deliver.
///
/// Most URLs are `/files/ID.bin`; one in a hundred is `/gone/ID.bin`, which
/// always answers `404`, so every run also has downloads that must fail
/// with a reason. Sizes ([`size`](Catalog::size)) are mostly small, some
/// middling, and one in a hundred large: with the soak's 2.5 MiB maximum
/// those are 1–2.5 MiB, the sizes for which the downloader saves a resume
/// validator even when the length is known.
#[derive(Debug, Clone, Copy)]
pub struct Catalog {
    /// Seeds every size, every byte and every fault.
    pub seed: u64,
    /// IDs run from 0 to `count - 1`.
    pub count: usize,
    /// The largest body, in bytes.
    pub max_size: usize,
}

/// Salts that keep the generator streams for different purposes apart.
const SIZE_SALT: u64 = 1;
const BYTES_SALT: u64 = 2;
const GONE_SALT: u64 = 3;
const FAULT_SALT: u64 = 4;

impl Catalog {
    /// The path of `id`, relative to the server.
    pub fn path(&self, id: usize) -> String {
        if self.is_gone(id) {
            format!("/gone/{id}.bin")
        } else {
            format!("/files/{id}.bin")
        }
    }

    /// The file name the downloader should give `id`.
    pub fn file_name(id: usize) -> String {
        format!("{id}.bin")
    }

    /// The ID a file name (`ID.bin`) belongs to.
    pub fn id_of(file_name: &str) -> Option<usize> {
        file_name.strip_suffix(".bin")?.parse().ok()
    }

    /// Whether `id` is a URL that always answers `404`.
    pub fn is_gone(&self, id: usize) -> bool {
        mix(&[self.seed, GONE_SALT, id as u64]) % 100 == 0
    }

    /// The length of `id`'s body: 85% up to `max_size / 80`, 14% up to
    /// `max_size / 5`, 1% from `2 * max_size / 5` to `max_size`.
    pub fn size(&self, id: usize) -> usize {
        let mut rng = fastrand::Rng::with_seed(mix(&[self.seed, SIZE_SALT, id as u64]));
        let max = self.max_size.max(2);
        match rng.u32(0..1000) {
            0..10 => rng.usize((max * 2 / 5).max(1)..=max),
            10..150 => rng.usize(1..=(max / 5).max(1)),
            _ => rng.usize(1..=(max / 80).max(1)),
        }
    }

    /// The bytes `id` must deliver.
    pub fn body(&self, id: usize) -> Vec<u8> {
        let mut rng = fastrand::Rng::with_seed(mix(&[self.seed, BYTES_SALT, id as u64]));
        let mut body = vec![0; self.size(id)];
        rng.fill(&mut body);
        body
    }

    /// The SHA-256 of [`body`](Catalog::body).
    pub fn sha256(&self, id: usize) -> [u8; 32] {
        Sha256::digest(self.body(id)).into()
    }

    /// The strong validator of `id`'s body.
    pub fn etag(&self, id: usize) -> String {
        format!("\"{:x}-{id}\"", self.seed)
    }

    /// The ID a request path asks for, whichever route it came by.
    fn route(&self, path: &str) -> Option<(Route, usize)> {
        let (route, name) = if let Some(name) = path.strip_prefix("/files/") {
            (Route::Files, name)
        } else if let Some(name) = path.strip_prefix("/moved/") {
            (Route::Moved, name)
        } else {
            (Route::Gone, path.strip_prefix("/gone/")?)
        };
        let id = Catalog::id_of(name).filter(|&id| id < self.count)?;
        Some((route, id))
    }
}

/// How a request reached an ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// The catalog's own path.
    Files,
    /// The target of an injected redirect: same bytes, other path.
    Moved,
    /// A path that answers 404.
    Gone,
}

/// Mixes numbers into one well-spread seed (SplitMix64's finaliser, folded).
fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x9E37_79B9_7F4A_7C15, |acc, &part| {
        let mut z = (acc ^ part).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// One kind of misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Part of the body, then a TCP reset.
    Reset,
    /// The full length announced, part of the body sent, then an orderly
    /// close: a truncation only the framing reveals.
    Truncate,
    /// The request read, then silence until the client gives up.
    StallHead,
    /// The head and part of the body, then silence.
    StallBody,
    /// `503 Service Unavailable` with `Retry-After: 0` or `1`.
    Unavailable,
    /// The whole, correct response, in small pieces with pauses between.
    Trickle,
    /// The whole, correct response, then the kept-alive connection closed
    /// without warning: the client's next request on it finds it dead.
    CloseAfter,
    /// `307` to `/moved/ID.bin`, which serves the same bytes.
    Redirect,
    /// A `Range` request answered with the whole body and `200`.
    IgnoreRange,
}

impl Fault {
    /// Every kind, in the order figures are printed.
    pub const ALL: [Fault; 9] = [
        Fault::Reset,
        Fault::Truncate,
        Fault::StallHead,
        Fault::StallBody,
        Fault::Unavailable,
        Fault::Trickle,
        Fault::CloseAfter,
        Fault::Redirect,
        Fault::IgnoreRange,
    ];

    /// A short name for figures and logs.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Reset => "reset mid-body",
            Fault::Truncate => "truncated body",
            Fault::StallHead => "stalled head",
            Fault::StallBody => "stalled body",
            Fault::Unavailable => "503 + Retry-After",
            Fault::Trickle => "slow trickle",
            Fault::CloseAfter => "keep-alive closed",
            Fault::Redirect => "redirect",
            Fault::IgnoreRange => "range ignored",
        }
    }

    /// How often this kind is picked, relative to the others.
    fn weight(self) -> u32 {
        match self {
            Fault::Reset | Fault::Truncate | Fault::Trickle | Fault::Redirect => 3,
            Fault::StallHead | Fault::StallBody => 2,
            Fault::Unavailable | Fault::CloseAfter => 4,
            // Only range requests can get it, and they are few: weighted up
            // so it happens at all.
            Fault::IgnoreRange => 20,
        }
    }

    fn index(self) -> usize {
        Fault::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a [`FaultServer`] misbehaves.
#[derive(Debug, Clone, Copy)]
pub struct FaultPlan {
    /// The share of requests (0.0 to 1.0) that get a fault.
    pub rate: f64,
    /// The longest a stall lasts if the client does not give up first;
    /// longer than the client's read timeout, so the client gives up.
    pub stall: Duration,
    /// The pause between pieces of a trickle; shorter than the client's
    /// read timeout, so the trickle completes.
    pub trickle_pause: Duration,
    /// The share of bodies sent chunked. With no length up front, the
    /// downloader keeps a resume validator (`.meta`) even for a small file,
    /// so a kill can leave it something to resume.
    pub chunked: f64,
}

impl FaultPlan {
    /// No faults at all: a well-behaved server for the limits tests.
    pub fn none() -> FaultPlan {
        FaultPlan {
            rate: 0.0,
            stall: Duration::ZERO,
            trickle_pause: Duration::ZERO,
            chunked: 0.2,
        }
    }
}

/// One injected fault, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultEvent {
    /// The URL's ID.
    pub id: usize,
    /// How many requests for this ID came before this one.
    pub nth: u32,
    /// What was done.
    pub fault: Fault,
}

/// What a [`FaultServer`] has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerCounts {
    /// Requests read.
    pub requests: u64,
    /// Connections accepted.
    pub connections: u64,
    /// `206 Partial Content` answers: resumed downloads.
    pub partial: u64,
    /// `416 Range Not Satisfiable` answers: a `.part` already whole.
    pub not_satisfiable: u64,
    /// Faults injected, indexed like [`Fault::ALL`].
    pub faults: [u64; Fault::ALL.len()],
}

impl ServerCounts {
    /// Faults injected, all kinds together.
    pub fn total_faults(&self) -> u64 {
        self.faults.iter().sum()
    }

    /// Faults of `kind` injected.
    pub fn of(&self, kind: Fault) -> u64 {
        self.faults[kind.index()]
    }
}

/// The state every connection thread shares.
struct Shared {
    catalog: Catalog,
    plan: FaultPlan,
    stop: AtomicBool,
    requests: AtomicU64,
    connections: AtomicU64,
    partial: AtomicU64,
    not_satisfiable: AtomicU64,
    faults: [AtomicU64; Fault::ALL.len()],
    /// Requests seen per ID: the `nth` that picks a request's fault.
    seen: Mutex<HashMap<usize, u32>>,
    log: Mutex<Vec<FaultEvent>>,
    /// `(id, start)` of every `Range: bytes=START-` request, in order.
    ranges: Mutex<Vec<(usize, u64)>>,
}

/// The fault-injecting server, on 127.0.0.1; stopped on drop.
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<thread::JoinHandle<()>>,
}

impl FaultServer {
    /// Serves `catalog` on a free port, misbehaving as `plan` says.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound.
    pub fn start(catalog: Catalog, plan: FaultPlan) -> FaultServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding a fault server");
        let addr = listener.local_addr().expect("a bound listener's address");
        let shared = Arc::new(Shared {
            catalog,
            plan,
            stop: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            partial: AtomicU64::new(0),
            not_satisfiable: AtomicU64::new(0),
            faults: Default::default(),
            seen: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            ranges: Mutex::new(Vec::new()),
        });
        let thread = thread::spawn({
            let shared = shared.clone();
            move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = shared.clone();
                    thread::spawn(move || serve_connection(&shared, stream));
                }
            }
        });
        FaultServer {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// The full URL of `id`.
    pub fn url(&self, id: usize) -> String {
        format!("http://{}{}", self.addr, self.shared.catalog.path(id))
    }

    /// What the server is serving.
    pub fn catalog(&self) -> Catalog {
        self.shared.catalog
    }

    /// Requests read so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Requests, connections and faults so far.
    pub fn counts(&self) -> ServerCounts {
        let mut faults = [0; Fault::ALL.len()];
        for (count, atomic) in faults.iter_mut().zip(&self.shared.faults) {
            *count = atomic.load(Ordering::SeqCst);
        }
        ServerCounts {
            requests: self.requests(),
            connections: self.shared.connections.load(Ordering::SeqCst),
            partial: self.shared.partial.load(Ordering::SeqCst),
            not_satisfiable: self.shared.not_satisfiable.load(Ordering::SeqCst),
            faults,
        }
    }

    /// The `(id, start)` of every range request (`Range: bytes=START-`)
    /// after the first `skip`, in arrival order.
    pub fn range_requests(&self, skip: usize) -> Vec<(usize, u64)> {
        lock(&self.shared.ranges)
            .get(skip..)
            .unwrap_or_default()
            .to_vec()
    }

    /// How many range requests have arrived.
    pub fn range_request_count(&self) -> usize {
        lock(&self.shared.ranges).len()
    }

    /// Every fault injected so far, in the order they were decided.
    pub fn log(&self) -> Vec<FaultEvent> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // The accept loop is blocked in `accept`; one connection wakes it.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// How often a waiting connection thread looks at the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// The parts of a request the server acts on.
struct RequestHead {
    path: String,
    range_start: Option<u64>,
    if_range: Option<String>,
}

/// Whether the connection can carry another request.
enum After {
    KeepAlive,
    Close,
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(POLL));
    // A client that stops reading without closing must not pin the thread.
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_nodelay(true);
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader);
    let mut stream = stream;
    loop {
        let Some(head) = read_head(shared, &mut reader) else {
            return;
        };
        shared.requests.fetch_add(1, Ordering::SeqCst);
        match respond(shared, &mut stream, &head) {
            Ok(After::KeepAlive) => {}
            Ok(After::Close) | Err(_) => return,
        }
    }
}

/// Reads one request head, waiting out idle keep-alive time; `None` when
/// the client closed, sent garbage, or the server is stopping.
fn read_head(shared: &Shared, reader: &mut BufReader<TcpStream>) -> Option<RequestHead> {
    let mut lines = Vec::new();
    let mut line = String::new();
    loop {
        match reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(_) if line.ends_with('\n') => {
                let done = line.trim_end().to_string();
                line.clear();
                if done.is_empty() {
                    break;
                }
                lines.push(done);
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {
                if shared.stop.load(Ordering::SeqCst) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    let mut request_line = lines.first()?.split(' ');
    let _method = request_line.next()?;
    let path = request_line.next()?.to_string();
    let header = |name: &str| {
        lines[1..].iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let range_start = header("range").and_then(|range| {
        let start = range.strip_prefix("bytes=")?.strip_suffix('-')?;
        start.parse().ok()
    });
    Some(RequestHead {
        path,
        range_start,
        if_range: header("if-range"),
    })
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Decides the answer and the fault for one request, and sends it.
fn respond(shared: &Shared, stream: &mut TcpStream, head: &RequestHead) -> io::Result<After> {
    let catalog = &shared.catalog;
    let Some((route, id)) = catalog.route(&head.path) else {
        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(After::KeepAlive);
    };
    if route == Route::Gone || catalog.is_gone(id) {
        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(After::KeepAlive);
    }
    if let Some(start) = head.range_start {
        lock(&shared.ranges).push((id, start));
    }
    let nth = {
        let mut seen = lock(&shared.seen);
        let count = seen.entry(id).or_insert(0);
        *count += 1;
        *count - 1
    };
    let mut rng = fastrand::Rng::with_seed(mix(&[catalog.seed, FAULT_SALT, id as u64, nth.into()]));
    let fault = pick_fault(
        &mut rng,
        shared.plan.rate,
        route,
        head.range_start.is_some(),
    );
    if let Some(fault) = fault {
        shared.faults[fault.index()].fetch_add(1, Ordering::SeqCst);
        lock(&shared.log).push(FaultEvent { id, nth, fault });
    }

    match fault {
        Some(Fault::StallHead) => {
            stall(shared, stream, shared.plan.stall);
            return Ok(After::Close);
        }
        Some(Fault::Unavailable) => {
            let retry_after = rng.u8(0..=1);
            write!(
                stream,
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {retry_after}\r\nContent-Length: 0\r\n\r\n"
            )?;
            return Ok(After::KeepAlive);
        }
        Some(Fault::Redirect) => {
            write!(
                stream,
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /moved/{}\r\nContent-Length: 0\r\n\r\n",
                Catalog::file_name(id)
            )?;
            return Ok(After::KeepAlive);
        }
        _ => {}
    }

    let body = catalog.body(id);
    let etag = catalog.etag(id);
    let len = body.len() as u64;
    let honour_range =
        fault != Some(Fault::IgnoreRange) && head.if_range.as_ref().is_none_or(|tag| *tag == etag);
    let (status, extra, start) = match head.range_start {
        Some(start) if honour_range && start >= len => {
            shared.not_satisfiable.fetch_add(1, Ordering::SeqCst);
            write!(
                stream,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\n\r\n"
            )?;
            return Ok(After::KeepAlive);
        }
        Some(start) if honour_range => {
            shared.partial.fetch_add(1, Ordering::SeqCst);
            (
                "206 Partial Content",
                format!("Content-Range: bytes {start}-{}/{len}\r\n", len - 1),
                start,
            )
        }
        _ => ("200 OK", String::new(), 0),
    };
    let content = &body[start as usize..];
    let chunked = rng.f64() < shared.plan.chunked;
    let framing = if chunked {
        "Transfer-Encoding: chunked\r\n".to_string()
    } else {
        format!("Content-Length: {}\r\n", content.len())
    };
    let head_bytes = format!(
        "HTTP/1.1 {status}\r\nETag: {etag}\r\nAccept-Ranges: bytes\r\n{extra}{framing}\r\n"
    );
    let wire = if chunked {
        encode_chunked(content, &mut rng)
    } else {
        content.to_vec()
    };
    // Where a body is cut: always before its end (and before the last
    // chunk's terminator), so the cut is a real one.
    let terminator = if chunked { 5 } else { 0 };
    let cut = rng.usize(0..(wire.len() - terminator).max(1));

    stream.write_all(head_bytes.as_bytes())?;
    match fault {
        Some(Fault::Reset) => {
            stream.write_all(&wire[..cut])?;
            reset(stream);
            Ok(After::Close)
        }
        Some(Fault::Truncate) => {
            stream.write_all(&wire[..cut])?;
            stream.shutdown(Shutdown::Write)?;
            Ok(After::Close)
        }
        Some(Fault::StallBody) => {
            stream.write_all(&wire[..cut])?;
            stall(shared, stream, shared.plan.stall);
            Ok(After::Close)
        }
        Some(Fault::Trickle) => {
            let pieces = 8;
            let step = wire.len().div_ceil(pieces).max(1);
            for piece in wire.chunks(step) {
                stream.write_all(piece)?;
                stream.flush()?;
                thread::sleep(shared.plan.trickle_pause);
            }
            Ok(After::KeepAlive)
        }
        Some(Fault::CloseAfter) => {
            stream.write_all(&wire)?;
            stream.flush()?;
            // Long enough for the client to put the connection back in its
            // pool, so the close finds it idle there.
            thread::sleep(Duration::from_millis(5));
            let _ = stream.shutdown(Shutdown::Both);
            Ok(After::Close)
        }
        _ => {
            stream.write_all(&wire)?;
            Ok(After::KeepAlive)
        }
    }
}

/// `None` for a clean answer; otherwise a kind that fits the request.
fn pick_fault(rng: &mut fastrand::Rng, rate: f64, route: Route, range: bool) -> Option<Fault> {
    if rng.f64() >= rate {
        return None;
    }
    let fits = |fault: &&Fault| match fault {
        Fault::Redirect => route == Route::Files,
        Fault::IgnoreRange => range,
        _ => true,
    };
    let candidates: Vec<Fault> = Fault::ALL.iter().filter(fits).copied().collect();
    let total: u32 = candidates.iter().map(|f| f.weight()).sum();
    let mut roll = rng.u32(0..total);
    for fault in candidates {
        if roll < fault.weight() {
            return Some(fault);
        }
        roll -= fault.weight();
    }
    None
}

/// The chunked encoding of `content`, in chunks of random sizes.
fn encode_chunked(content: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut wire = Vec::with_capacity(content.len() + 64);
    let mut rest = content;
    while !rest.is_empty() {
        let size = rng.usize(1..=rest.len().min(64 * 1024));
        let (chunk, tail) = rest.split_at(size);
        wire.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
        rest = tail;
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    wire
}

/// Says nothing until the client closes, the server stops, or `at_most`.
fn stall(shared: &Shared, stream: &mut TcpStream, at_most: Duration) {
    let until = Instant::now() + at_most;
    let mut sink = [0u8; 1024];
    while Instant::now() < until && !shared.stop.load(Ordering::SeqCst) {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

/// Makes the coming close a TCP reset (RST) instead of an orderly FIN.
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}
