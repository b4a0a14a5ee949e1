//! The server soak: `spool_http`'s server under a load of well-behaved
//! keep-alive clients while attackers hold connections open (idle ones,
//! slowloris heads, trickled bodies) or churn them, so that tests can
//! check the server's limits keep everybody else served and its memory
//! bounded.
//!
//! Clients are plain std threads and sockets in the same process as the
//! server, so the memory and descriptors sampled from `/proc/self` are the
//! server's plus the clients' fixed share (their sockets, their stacks).
//! Nothing the clients keep grows with the run's length: latencies go into
//! a fixed histogram and successes into one counter per second.

use std::fmt;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use spool_http::server::{Request, Response};

use crate::{TestServer, open_fds, status_kib};

/// How long a normal client waits for an answer before counting an error:
/// long enough to sit in the listen backlog while attackers hold every
/// slot until the server's timeouts cut them.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// The shape of one soak.
#[derive(Clone, Debug)]
pub struct ServerSoakConfig {
    /// How long the load runs.
    pub duration: Duration,
    /// Samples taken before this are warm-up; the memory bound is set
    /// from the first sample after it.
    pub warm_up: Duration,
    /// Threads doing keep-alive `GET`s in a loop.
    pub normal_clients: usize,
    /// After this many requests a normal client asks the server to close
    /// and opens a new connection, so it must win a slot back from the
    /// attackers; `None` keeps one connection for the whole run.
    pub requests_per_connection: Option<u64>,
    /// Threads holding connections that send nothing.
    pub idle: usize,
    /// Threads trickling a request head a byte at a time.
    pub slowloris: usize,
    /// Threads trickling a `POST` body a byte at a time.
    pub slow_bodies: usize,
    /// Threads opening connections and closing them at once.
    pub churners: usize,
    /// How often the slow attackers send a byte.
    pub trickle_every: Duration,
    /// The server's `max_connections`.
    pub max_connections: usize,
    /// The server's `header_timeout`.
    pub header_timeout: Duration,
    /// The server's `io_timeout`.
    pub io_timeout: Duration,
    /// The server's `body_timeout`.
    pub body_timeout: Duration,
    /// The longest stretch the normal clients may go without one
    /// successful request.
    pub starvation_window: Duration,
    /// The largest share of normal requests that may fail.
    pub max_error_rate: f64,
}

impl ServerSoakConfig {
    /// The full soak: `seconds` long, the server's default timeouts cut
    /// down to a few seconds so attackers are cut many times a minute.
    pub fn full(seconds: u64) -> ServerSoakConfig {
        ServerSoakConfig {
            duration: Duration::from_secs(seconds),
            warm_up: Duration::from_secs(10.min(seconds / 4)),
            normal_clients: 8,
            requests_per_connection: None,
            idle: 16,
            slowloris: 16,
            slow_bodies: 16,
            churners: 2,
            trickle_every: Duration::from_millis(500),
            max_connections: 64,
            header_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(3),
            body_timeout: Duration::from_secs(5),
            starvation_window: Duration::from_secs(10),
            max_error_rate: 0.01,
        }
    }

    /// The short soak run with the tests: small limits, so the attackers
    /// fill the slots and the timeouts are what frees them.
    pub fn short() -> ServerSoakConfig {
        ServerSoakConfig {
            duration: Duration::from_secs(10),
            warm_up: Duration::from_secs(2),
            normal_clients: 4,
            requests_per_connection: Some(50),
            idle: 6,
            slowloris: 6,
            slow_bodies: 6,
            churners: 2,
            trickle_every: Duration::from_millis(200),
            max_connections: 16,
            header_timeout: Duration::from_secs(1),
            io_timeout: Duration::from_secs(1),
            body_timeout: Duration::from_secs(2),
            starvation_window: Duration::from_secs(5),
            max_error_rate: 0.05,
        }
    }
}

/// What one soak measured.
#[derive(Debug)]
pub struct ServerSoakFigures {
    /// The configuration it ran with.
    pub config: ServerSoakConfig,
    /// Normal requests answered `200` with the whole body.
    pub served: u64,
    /// Normal requests that failed (refused, cut, timed out, wrong answer).
    pub errors: u64,
    /// Median latency of served requests.
    pub p50: Duration,
    /// 99th-percentile latency of served requests.
    pub p99: Duration,
    /// Successful requests in each second of the run.
    pub per_second: Vec<u64>,
    /// Attacker connections opened.
    pub attacks_opened: u64,
    /// Attacker connections the server answered with a `408`.
    pub attacks_408: u64,
    /// Attacker connections the server closed without an answer.
    pub attacks_closed: u64,
    /// Attacker connections still open when the run ended.
    pub attacks_open_at_end: u64,
    /// RSS (KiB) of the first sample after warm-up.
    pub rss_after_warm_up: u64,
    /// Smallest RSS sampled (KiB).
    pub rss_min: u64,
    /// Largest RSS sampled (KiB).
    pub rss_max: u64,
    /// `VmHWM` at the end (KiB).
    pub rss_peak: u64,
    /// Most descriptors open at a sample.
    pub fds_max: usize,
}

impl ServerSoakFigures {
    /// The memory bound: twice the RSS after warm-up, plus 16 MiB.
    pub fn rss_bound(&self) -> u64 {
        2 * self.rss_after_warm_up + 16 * 1024
    }

    /// The longest run of whole seconds with no successful request.
    pub fn longest_gap(&self) -> Duration {
        let mut longest = 0;
        let mut current = 0;
        for &count in &self.per_second {
            current = if count == 0 { current + 1 } else { 0 };
            longest = longest.max(current);
        }
        Duration::from_secs(longest)
    }

    /// Every bound the soak broke, in words; empty when it passed.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let gap = self.longest_gap();
        if gap >= self.config.starvation_window {
            problems.push(format!(
                "normal clients starved: {} s without a successful request (bound {} s)",
                gap.as_secs(),
                self.config.starvation_window.as_secs()
            ));
        }
        let total = self.served + self.errors;
        if total == 0 {
            problems.push("no normal request finished at all".to_string());
        } else if self.errors as f64 / total as f64 > self.config.max_error_rate {
            problems.push(format!(
                "error rate {:.2}% over the bound of {:.2}%",
                100.0 * self.errors as f64 / total as f64,
                100.0 * self.config.max_error_rate
            ));
        }
        if self.rss_max > self.rss_bound() {
            problems.push(format!(
                "RSS grew to {} KiB, over the bound of {} KiB (2 × {} KiB after warm-up + 16 MiB)",
                self.rss_max,
                self.rss_bound(),
                self.rss_after_warm_up
            ));
        }
        if self.attacks_408 + self.attacks_closed == 0 {
            problems.push("the server cut no attacker: the timeouts never fired".to_string());
        }
        problems
    }
}

impl fmt::Display for ServerSoakFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "server soak: {} s, max {} connections, header/io/body timeouts {:?}/{:?}/{:?}",
            c.duration.as_secs(),
            c.max_connections,
            c.header_timeout,
            c.io_timeout,
            c.body_timeout
        )?;
        writeln!(
            f,
            "clients: {} normal keep-alive; attackers: {} idle, {} slowloris, {} slow bodies, {} churning",
            c.normal_clients, c.idle, c.slowloris, c.slow_bodies, c.churners
        )?;
        let rate = self.served as f64 / c.duration.as_secs_f64();
        writeln!(
            f,
            "served: {} requests ({rate:.0}/s), errors: {}, latency p50 {:?}, p99 {:?}",
            self.served, self.errors, self.p50, self.p99
        )?;
        let quietest = self.per_second.iter().min().copied().unwrap_or(0);
        writeln!(
            f,
            "slowest second: {quietest} requests; longest stretch without one: {} s",
            self.longest_gap().as_secs()
        )?;
        writeln!(
            f,
            "attacker connections: {} opened, cut by the server: {} with a 408, {} closed; {} open at the end",
            self.attacks_opened, self.attacks_408, self.attacks_closed, self.attacks_open_at_end
        )?;
        writeln!(
            f,
            "RSS: {:.1} MiB after warm-up, {:.1} to {:.1} MiB over the run (bound {:.1} MiB), VmHWM {:.1} MiB",
            mib(self.rss_after_warm_up),
            mib(self.rss_min),
            mib(self.rss_max),
            mib(self.rss_bound()),
            mib(self.rss_peak)
        )?;
        writeln!(f, "max open fds: {}", self.fds_max)?;
        let problems = self.problems();
        if problems.is_empty() {
            writeln!(f, "problems: none")
        } else {
            writeln!(f, "problems:")?;
            for problem in problems {
                writeln!(f, "  {problem}")?;
            }
            Ok(())
        }
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Runs one soak and returns what it measured.
pub fn run(config: &ServerSoakConfig) -> ServerSoakFigures {
    let server = {
        let c = config.clone();
        TestServer::start_with(
            move |builder| {
                builder
                    .max_connections(c.max_connections)
                    .header_timeout(c.header_timeout)
                    .io_timeout(c.io_timeout)
                    .body_timeout(c.body_timeout)
            },
            |_: Request| async { Response::text(200, "served\n") },
        )
    };
    let addr = server.addr();
    let start = Instant::now();
    let deadline = start + config.duration;
    let seconds = config.duration.as_secs() as usize + 1;
    let shared = Arc::new(Shared::new(seconds));

    let mut threads = Vec::new();
    for _ in 0..config.normal_clients {
        let shared = Arc::clone(&shared);
        let per_connection = config.requests_per_connection;
        threads.push(thread::spawn(move || {
            normal_client(addr, start, deadline, per_connection, &shared)
        }));
    }
    let kinds = [
        (config.idle, Attack::Idle),
        (config.slowloris, Attack::SlowHead),
        (config.slow_bodies, Attack::SlowBody),
        (config.churners, Attack::Churn),
    ];
    for (count, attack) in kinds {
        for _ in 0..count {
            let shared = Arc::clone(&shared);
            let every = config.trickle_every;
            threads.push(thread::spawn(move || {
                attacker(attack, addr, deadline, every, &shared)
            }));
        }
    }

    let samples = sample_until(deadline, start + config.warm_up);
    for thread in threads {
        thread.join().expect("a soak client thread panicked");
    }
    drop(server);

    let histogram = shared.merged_histogram();
    ServerSoakFigures {
        config: config.clone(),
        served: shared.served.load(Ordering::Relaxed),
        errors: shared.errors.load(Ordering::Relaxed),
        p50: histogram.quantile(0.50),
        p99: histogram.quantile(0.99),
        per_second: shared
            .per_second
            .iter()
            .take(config.duration.as_secs() as usize)
            .map(|count| count.load(Ordering::Relaxed))
            .collect(),
        attacks_opened: shared.attacks_opened.load(Ordering::Relaxed),
        attacks_408: shared.attacks_408.load(Ordering::Relaxed),
        attacks_closed: shared.attacks_closed.load(Ordering::Relaxed),
        attacks_open_at_end: shared.attacks_open_at_end.load(Ordering::Relaxed),
        rss_after_warm_up: samples.rss_after_warm_up,
        rss_min: samples.rss_min,
        rss_max: samples.rss_max,
        rss_peak: status_kib("VmHWM").unwrap_or(0),
        fds_max: samples.fds_max,
    }
}

/// Counters the client threads share.
struct Shared {
    served: AtomicU64,
    errors: AtomicU64,
    /// Successes by second since the start, to find stretches of none.
    per_second: Vec<AtomicU64>,
    /// One histogram per normal client would do as well; one shared one
    /// of atomics keeps the merge trivial.
    latency: Vec<AtomicU64>,
    attacks_opened: AtomicU64,
    attacks_408: AtomicU64,
    attacks_closed: AtomicU64,
    attacks_open_at_end: AtomicU64,
}

impl Shared {
    fn new(seconds: usize) -> Shared {
        Shared {
            served: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            per_second: (0..seconds).map(|_| AtomicU64::new(0)).collect(),
            latency: (0..Histogram::BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            attacks_opened: AtomicU64::new(0),
            attacks_408: AtomicU64::new(0),
            attacks_closed: AtomicU64::new(0),
            attacks_open_at_end: AtomicU64::new(0),
        }
    }

    fn record_success(&self, start: Instant, took: Duration) {
        self.served.fetch_add(1, Ordering::Relaxed);
        let second = start.elapsed().as_secs() as usize;
        if let Some(count) = self.per_second.get(second) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.latency[Histogram::bucket(took)].fetch_add(1, Ordering::Relaxed);
    }

    fn merged_histogram(&self) -> Histogram {
        Histogram {
            counts: self
                .latency
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
        }
    }
}

/// Latencies in fixed buckets: 10 µs wide below 10 ms, 1 ms wide up to
/// 10 s, and one bucket for anything longer.
struct Histogram {
    counts: Vec<u64>,
}

impl Histogram {
    const FINE: u64 = 1_000;
    const BUCKETS: usize = 1_000 + 9_990 + 1;

    fn bucket(took: Duration) -> usize {
        let micros = took.as_micros() as u64;
        if micros < 10 * Self::FINE {
            (micros / 10) as usize
        } else {
            (1_000 + (micros / 1_000 - 10)).min(Self::BUCKETS as u64 - 1) as usize
        }
    }

    /// The lower edge of bucket `index`.
    fn lower_edge(index: usize) -> Duration {
        if index < 1_000 {
            Duration::from_micros(index as u64 * 10)
        } else {
            Duration::from_millis(index as u64 - 1_000 + 10)
        }
    }

    fn quantile(&self, q: f64) -> Duration {
        let total: u64 = self.counts.iter().sum();
        if total == 0 {
            return Duration::ZERO;
        }
        let rank = ((total as f64 * q).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Self::lower_edge(index);
            }
        }
        Self::lower_edge(self.counts.len() - 1)
    }
}

/// A client that does what browsers and bench tools do: `GET`s on one
/// kept-alive connection, a new one when the server closes it.
fn normal_client(
    addr: SocketAddr,
    start: Instant,
    deadline: Instant,
    per_connection: Option<u64>,
    shared: &Shared,
) {
    let mut connection: Option<BufReader<TcpStream>> = None;
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let close = per_connection.is_some_and(|every| n % every == 0);
        let began = Instant::now();
        let outcome = match connection.take() {
            Some(reader) => match get(reader, n, close) {
                // A kept-alive connection the server closed before
                // reading the request is not an error: retry on a new one.
                Err(Failure::ClosedBeforeAnswer) => fresh_get(addr, n, close),
                other => other,
            },
            None => fresh_get(addr, n, close),
        };
        match outcome {
            Ok(reader) => {
                shared.record_success(start, began.elapsed());
                connection = reader;
            }
            Err(_) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Why a normal request failed: only a close before any answer on a
/// kept-alive connection is retried.
#[derive(Debug)]
enum Failure {
    ClosedBeforeAnswer,
    Other,
}

fn fresh_get(
    addr: SocketAddr,
    n: u64,
    close: bool,
) -> Result<Option<BufReader<TcpStream>>, Failure> {
    let stream = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT).map_err(|_| Failure::Other)?;
    stream
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .map_err(|_| Failure::Other)?;
    stream
        .set_write_timeout(Some(CLIENT_TIMEOUT))
        .map_err(|_| Failure::Other)?;
    let _ = stream.set_nodelay(true);
    get(BufReader::new(stream), n, close)
}

/// One `GET` and its whole answer, asking the server to close after it if
/// `close`; the reader back if the connection can carry another.
fn get(
    mut reader: BufReader<TcpStream>,
    n: u64,
    close: bool,
) -> Result<Option<BufReader<TcpStream>>, Failure> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let request = format!("GET /{n} HTTP/1.1\r\nHost: 127.0.0.1\r\n{connection}\r\n");
    reader
        .get_mut()
        .write_all(request.as_bytes())
        .map_err(|_| Failure::ClosedBeforeAnswer)?;
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => return Err(Failure::ClosedBeforeAnswer),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {
            return Err(Failure::ClosedBeforeAnswer);
        }
        Err(_) => return Err(Failure::Other),
        Ok(_) => {}
    }
    if !line.starts_with("HTTP/1.1 200 ") {
        return Err(Failure::Other);
    }
    let mut length = None;
    let mut close = close;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(|_| Failure::Other)? == 0 {
            return Err(Failure::Other);
        }
        let field = line.trim_end();
        if field.is_empty() {
            break;
        }
        let Some((name, value)) = field.split_once(':') else {
            return Err(Failure::Other);
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("connection") && value.trim() == "close" {
            close = true;
        }
    }
    let mut body = vec![0; length.ok_or(Failure::Other)?];
    reader.read_exact(&mut body).map_err(|_| Failure::Other)?;
    if body != b"served\n" {
        return Err(Failure::Other);
    }
    Ok((!close).then_some(reader))
}

#[derive(Clone, Copy, Debug)]
enum Attack {
    /// Connects and sends nothing.
    Idle,
    /// Sends a request head a byte at a time, never finishing it.
    SlowHead,
    /// Sends a whole head for a large `POST`, then its body a byte at a
    /// time.
    SlowBody,
    /// Connects and closes at once, half the time after part of a head.
    Churn,
}

/// One attacker: opens a connection, holds it the way `attack` says until
/// the server cuts it, and opens another, until the deadline.
fn attacker(attack: Attack, addr: SocketAddr, deadline: Instant, every: Duration, shared: &Shared) {
    let mut churned = 0u64;
    while Instant::now() < deadline {
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT) else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        shared.attacks_opened.fetch_add(1, Ordering::Relaxed);
        if let Attack::Churn = attack {
            churned += 1;
            if churned % 2 == 0 {
                let _ = stream.write_all(b"GET / HTTP/1.1\r\nHo");
            }
            drop(stream);
            thread::sleep(Duration::from_millis(5));
            continue;
        }
        let opening: &[u8] = match attack {
            Attack::SlowHead => b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            Attack::SlowBody => {
                b"POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
            }
            _ => b"",
        };
        let trickle: &[u8] = match attack {
            Attack::SlowHead => b"X-Slow: a\r\n",
            _ => b"a",
        };
        if stream.write_all(opening).is_err() {
            shared.attacks_closed.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let _ = stream.set_read_timeout(Some(every));
        let mut step = 0;
        let mut answer = [0u8; 64];
        let cut = loop {
            if Instant::now() >= deadline {
                break None;
            }
            match stream.read(&mut answer) {
                Ok(0) => break Some(false),
                Ok(_) => break Some(answer.starts_with(b"HTTP/1.1 408")),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => break Some(false),
            }
            if !matches!(attack, Attack::Idle) {
                let byte = &trickle[step % trickle.len()..][..1];
                step += 1;
                if stream.write_all(byte).is_err() {
                    break Some(false);
                }
            }
        };
        match cut {
            Some(true) => shared.attacks_408.fetch_add(1, Ordering::Relaxed),
            Some(false) => shared.attacks_closed.fetch_add(1, Ordering::Relaxed),
            None => shared.attacks_open_at_end.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// What the sampler saw of this process.
struct Samples {
    rss_after_warm_up: u64,
    rss_min: u64,
    rss_max: u64,
    fds_max: usize,
}

/// Samples RSS and descriptors once a second until `deadline`.
fn sample_until(deadline: Instant, warmed_up: Instant) -> Samples {
    let mut samples = Samples {
        rss_after_warm_up: 0,
        rss_min: u64::MAX,
        rss_max: 0,
        fds_max: 0,
    };
    loop {
        let rss = status_kib("VmRSS").unwrap_or(0);
        let now = Instant::now();
        if now >= warmed_up && samples.rss_after_warm_up == 0 {
            samples.rss_after_warm_up = rss;
        }
        samples.rss_min = samples.rss_min.min(rss);
        samples.rss_max = samples.rss_max.max(rss);
        samples.fds_max = samples.fds_max.max(open_fds().unwrap_or(0));
        if now >= deadline {
            return samples;
        }
        thread::sleep(Duration::from_secs(1).min(deadline - now));
    }
}
