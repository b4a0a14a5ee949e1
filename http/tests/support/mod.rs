//! A raw, scripted HTTP server for the client's tests.
//!
//! It is deliberately not an HTTP server: each accepted connection plays a
//! script of exact steps (read one request, write these bytes, pause,
//! trickle, reset, close), so a test can produce any byte sequence and any
//! timing a real server might, including the broken ones. It runs on plain
//! std threads, independent of the spool loop under test, and counts the
//! connections it accepts and how many were open at once.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod pki;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One step of a connection's script.
#[derive(Clone, Debug)]
pub enum Step {
    /// Read one request (head, then a `Content-Length` body) and record it.
    /// Ends the script quietly if the client closes instead.
    Read,
    /// Read one request head only, leaving any body unread, and record it
    /// with an empty body: a server that answers before the upload ends.
    ReadHead,
    /// Write these exact bytes.
    Write(Vec<u8>),
    /// Do nothing for a while.
    Sleep(Duration),
    /// Write the bytes one at a time, pausing between them.
    Trickle(Vec<u8>, Duration),
    /// Close with a TCP reset instead of a FIN.
    Reset,
    /// Close normally (also what happens at the end of every script).
    Close,
    /// Keep answering: read a request, wait `delay`, write `response`,
    /// until the client closes the connection.
    Serve { response: Vec<u8>, delay: Duration },
    /// Wait until the client closes the connection.
    Hold,
    /// Send TLS `close_notify` (nothing on plain TCP).
    CloseNotify,
}

/// `Step::Write` of a string.
pub fn write(s: &str) -> Step {
    Step::Write(s.as_bytes().to_vec())
}

/// A keep-alive response with a `Content-Length` body.
pub fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Request line and header lines, as text.
    pub head: String,
    pub body: Vec<u8>,
    /// Which accepted connection (0, 1, ...) it came on.
    pub connection: usize,
}

impl Recorded {
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

#[derive(Default)]
struct Stats {
    accepted: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    server_names: Mutex<Vec<Option<String>>>,
}

type Script = Arc<dyn Fn(usize) -> Vec<Step> + Send + Sync>;
/// Turns an accepted socket into the stream a script plays on, with the
/// TLS server name the client asked for; `None` ends the connection.
type Wrap = Arc<dyn Fn(TcpStream) -> Option<(Box<dyn Stream>, Option<String>)> + Send + Sync>;

/// Something a script can read and write: a TCP socket, or TLS over one.
pub trait Stream: Read + Write + Send {
    fn tcp(&self) -> &TcpStream;

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

/// A running scripted server on 127.0.0.1.
pub struct Server {
    pub addr: SocketAddr,
    stats: Arc<Stats>,
}

impl Server {
    /// Starts a server whose `n`-th accepted connection plays `script(n)`.
    pub fn start(script: impl Fn(usize) -> Vec<Step> + Send + Sync + 'static) -> Server {
        Server::start_with(
            Arc::new(script),
            Arc::new(|tcp| Some((Box::new(tcp) as Box<dyn Stream>, None))),
        )
    }

    /// Every connection plays the same script.
    pub fn each(steps: Vec<Step>) -> Server {
        Server::start(move |_| steps.clone())
    }

    /// Like [`start`](Server::start), over TLS with `config`. A failed
    /// handshake just ends the connection.
    pub fn start_tls(
        config: Arc<rustls::ServerConfig>,
        script: impl Fn(usize) -> Vec<Step> + Send + Sync + 'static,
    ) -> Server {
        Server::start_with(
            Arc::new(script),
            Arc::new(move |tcp: TcpStream| {
                let mut conn = rustls::ServerConnection::new(config.clone()).ok()?;
                let mut tcp = tcp;
                while conn.is_handshaking() {
                    conn.complete_io(&mut tcp).ok()?;
                }
                let sni = conn.server_name().map(str::to_owned);
                Some((
                    Box::new(rustls::StreamOwned::new(conn, tcp)) as Box<dyn Stream>,
                    sni,
                ))
            }),
        )
    }

    fn start_with(script: Script, wrap: Wrap) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a test listener");
        let addr = listener.local_addr().expect("listener address");
        let stats = Arc::new(Stats::default());
        let shared = stats.clone();
        thread::spawn(move || {
            for (n, tcp) in listener.incoming().enumerate() {
                let Ok(tcp) = tcp else { continue };
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
                shared.max_open.fetch_max(open, Ordering::SeqCst);
                let (stats, script, wrap) = (shared.clone(), script.clone(), wrap.clone());
                thread::spawn(move || {
                    if let Some((stream, sni)) = wrap(tcp) {
                        stats.server_names.lock().unwrap().push(sni);
                        play(stream, &script(n), n, &stats);
                    }
                    stats.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Server { addr, stats }
    }

    /// `http://127.0.0.1:PORT{path}`.
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
        self.stats.server_names.lock().unwrap().clone()
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.stats.requests.lock().unwrap().clone()
    }
}

fn play(mut stream: Box<dyn Stream>, steps: &[Step], connection: usize, stats: &Stats) {
    let mut pending = Vec::new();
    for step in steps {
        let result = match step {
            Step::Read => match read_request(&mut *stream, &mut pending) {
                Ok(Some((head, body))) => {
                    stats.requests.lock().unwrap().push(Recorded {
                        head,
                        body,
                        connection,
                    });
                    Ok(())
                }
                Ok(None) => return,
                Err(e) => Err(e),
            },
            Step::ReadHead => match read_head(&mut *stream, &mut pending) {
                Ok(Some(head)) => {
                    stats.requests.lock().unwrap().push(Recorded {
                        head,
                        body: Vec::new(),
                        connection,
                    });
                    Ok(())
                }
                Ok(None) => return,
                Err(e) => Err(e),
            },
            Step::Write(bytes) => stream.write_all(bytes).and_then(|()| stream.flush()),
            Step::Sleep(pause) => {
                thread::sleep(*pause);
                Ok(())
            }
            Step::Trickle(bytes, every) => bytes.iter().try_for_each(|byte| {
                stream.write_all(&[*byte])?;
                stream.flush()?;
                thread::sleep(*every);
                Ok(())
            }),
            Step::Reset => {
                let _ = socket2::SockRef::from(stream.tcp()).set_linger(Some(Duration::ZERO));
                return;
            }
            Step::Close => return,
            Step::CloseNotify => stream.close_notify(),
            Step::Serve { response, delay } => loop {
                match read_request(&mut *stream, &mut pending) {
                    Ok(Some((head, body))) => {
                        stats.requests.lock().unwrap().push(Recorded {
                            head,
                            body,
                            connection,
                        });
                    }
                    _ => return,
                }
                thread::sleep(*delay);
                if stream
                    .write_all(response)
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
            },
            Step::Hold => {
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink), Ok(1..)) {}
                return;
            }
        };
        if result.is_err() {
            return;
        }
    }
}

/// Reads one request head, without the `\r\n\r\n` that ends it; `None`
/// if the client closed first.
fn read_head(stream: &mut dyn Stream, pending: &mut Vec<u8>) -> io::Result<Option<String>> {
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk)? {
            0 => return Ok(None),
            n => pending.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    pending.drain(..head_end + 4);
    Ok(Some(head))
}

/// Reads one request; `None` if the client closed first.
fn read_request(
    stream: &mut dyn Stream,
    pending: &mut Vec<u8>,
) -> io::Result<Option<(String, Vec<u8>)>> {
    let Some(head) = read_head(stream, pending)? else {
        return Ok(None);
    };
    let length: usize = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    while pending.len() < length {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk)? {
            0 => return Ok(None),
            n => pending.extend_from_slice(&chunk[..n]),
        }
    }
    let body = pending.drain(..length).collect();
    Ok(Some((head, body)))
}

/// Runs `test` on a fresh spool loop, failing it if it takes over 20 s
/// (a hang in the client must fail the test, not stall the suite).
pub fn run<F: std::future::Future<Output = ()>>(test: F) {
    spool::block_on(async {
        spool::time::timeout(Duration::from_secs(20), test)
            .await
            .expect("test timed out: the client hung");
    });
}
