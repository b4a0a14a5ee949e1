//! A tiny HTTP proxy for tests, on blocking std sockets and threads, so
//! that it shares nothing with the client under test: plain forwarding of
//! absolute-form requests (with keep-alive) and `CONNECT` tunnels, and a
//! record of what it saw.
//!
//! It understands just enough HTTP for the tests: request heads, and
//! responses framed by `Content-Length` (the only framing the test origins
//! use). Anything else ends the connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// One request the proxy received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Which client connection it came on, counting from 0.
    pub connection: usize,
    /// The request line, as sent: `GET http://host/path HTTP/1.1` or
    /// `CONNECT host:port HTTP/1.1`.
    pub request_line: String,
    /// The `Proxy-Authorization` value, if any.
    pub proxy_authorization: Option<String>,
}

/// A running proxy; it lives until the test process ends. Host names
/// ending in `.test` are connected to on 127.0.0.1, so that a test can
/// name an origin the client itself could never resolve.
pub struct TestProxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestProxy {
    /// A proxy that forwards everything.
    pub fn start() -> TestProxy {
        TestProxy::start_with(None)
    }

    /// A proxy that answers 407 unless `Proxy-Authorization` is exactly
    /// `credentials` (when given).
    pub fn start_with(credentials: Option<&str>) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let credentials = credentials.map(str::to_owned);
        thread::spawn({
            let seen = seen.clone();
            move || {
                for (connection, client) in listener.incoming().enumerate() {
                    let Ok(client) = client else { continue };
                    let seen = seen.clone();
                    let credentials = credentials.clone();
                    thread::spawn(move || {
                        serve(client, connection, &seen, credentials.as_deref());
                    });
                }
            }
        });
        TestProxy { addr, seen }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in order of arrival.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A request head: its line and its fields, names lower-cased.
struct Head {
    line: String,
    fields: Vec<(String, String)>,
}

impl Head {
    fn read(reader: &mut impl BufRead) -> Option<Head> {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            reader.read_line(&mut field).ok()?;
            let field = field.trim_end();
            if field.is_empty() {
                break;
            }
            let (name, value) = field.split_once(':')?;
            fields.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        Some(Head {
            line: line.trim_end().to_owned(),
            fields,
        })
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Connects to `authority`, with `.test` names meaning 127.0.0.1.
fn connect(authority: &str) -> std::io::Result<TcpStream> {
    match authority.rsplit_once(':') {
        Some((host, port)) if host.ends_with(".test") => {
            TcpStream::connect(format!("127.0.0.1:{port}"))
        }
        _ => TcpStream::connect(authority),
    }
}

fn serve(client: TcpStream, connection: usize, seen: &Mutex<Vec<Seen>>, credentials: Option<&str>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut client = client;
    // The origin connection a forwarding proxy keeps for this client.
    let mut origin: Option<(String, BufReader<TcpStream>)> = None;
    while let Some(head) = Head::read(&mut reader) {
        let authorization = head.field("proxy-authorization").map(str::to_owned);
        seen.lock().unwrap().push(Seen {
            connection,
            request_line: head.line.clone(),
            proxy_authorization: authorization.clone(),
        });
        if credentials.is_some() && authorization.as_deref() != credentials {
            let _ = client.write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
            );
            return;
        }
        let mut parts = head.line.split(' ');
        let (method, target) = (parts.next().unwrap(), parts.next().unwrap_or(""));
        if method == "CONNECT" {
            return tunnel(client, reader, target);
        }
        let Some(rest) = target.strip_prefix("http://") else {
            let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if origin.as_ref().is_none_or(|(a, _)| a != authority) {
            let Ok(stream) = connect(authority) else {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                return;
            };
            origin = Some((authority.to_owned(), BufReader::new(stream)));
        }
        let (_, upstream) = origin.as_mut().unwrap();
        let mut forwarded = format!("{method} {path} HTTP/1.1\r\n");
        for (name, value) in &head.fields {
            if name != "proxy-authorization" {
                forwarded.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        forwarded.push_str("\r\n");
        let length = content_length(&head.fields);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err()
            || upstream.get_mut().write_all(forwarded.as_bytes()).is_err()
            || upstream.get_mut().write_all(&body).is_err()
            || !relay_response(upstream, &mut client, method == "HEAD")
        {
            return;
        }
    }
}

/// Copies one `Content-Length`-framed response from `upstream` to `client`.
fn relay_response(
    upstream: &mut BufReader<TcpStream>,
    client: &mut TcpStream,
    head_only: bool,
) -> bool {
    let Some(head) = Head::read(upstream) else {
        return false;
    };
    let mut out = format!("{}\r\n", head.line);
    for (name, value) in &head.fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let length = if head_only {
        0
    } else {
        content_length(&head.fields)
    };
    let mut body = vec![0; length];
    upstream.read_exact(&mut body).is_ok()
        && client.write_all(out.as_bytes()).is_ok()
        && client.write_all(&body).is_ok()
}

fn content_length(fields: &[(String, String)]) -> usize {
    fields
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().unwrap())
}

/// Answers `CONNECT authority` and copies bytes both ways until either side
/// closes.
fn tunnel(mut client: TcpStream, reader: BufReader<TcpStream>, authority: &str) {
    let Ok(origin) = connect(authority) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .unwrap();
    // Bytes the client sent after the CONNECT head are in the reader's
    // buffer; reading through the reader keeps them.
    let mut from_client = reader;
    let mut to_origin = origin.try_clone().unwrap();
    let upstream = thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_origin);
        let _ = to_origin.shutdown(Shutdown::Write);
    });
    let mut from_origin = origin;
    let _ = std::io::copy(&mut from_origin, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = upstream.join();
}
