//! A raw blocking HTTP client for the server's tests: it writes exact
//! bytes, the malformed ones included, and reads responses back with the
//! crate's own sans-IO response parser, so a test sees the server's answer
//! byte for byte.

use spool_http::Headers;
use spool_http::proto::{
    BodyDecoder, Decoded, HeadLimits, ParsedHead, body_framing, parse_response_head,
};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A response as it came off the wire.
#[derive(Debug)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The header fields.
    pub headers: Headers,
    /// The body, framing removed.
    pub body: Vec<u8>,
    /// The exact bytes of this response, head and framed body.
    pub raw: Vec<u8>,
}

impl RawResponse {
    /// The raw bytes as text, with the `Date` line (which changes every
    /// second) taken out, for byte-exact comparisons.
    pub fn wire(&self) -> String {
        without_date(&self.raw)
    }
}

/// `raw` as text without its `Date` header line.
pub fn without_date(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::new();
    let mut rest = text.as_ref();
    while let Some(line_end) = rest.find("\r\n") {
        let line = &rest[..line_end + 2];
        if !line.starts_with("Date: ") {
            out.push_str(line);
        }
        rest = &rest[line_end + 2..];
        if line == "\r\n" {
            break;
        }
    }
    out.push_str(rest);
    out
}

/// A blocking client connection that keeps what it read past a response.
pub struct RawClient {
    /// The socket, for tests that shut down one direction or set options.
    pub stream: TcpStream,
    /// Bytes read past the last response.
    buf: Vec<u8>,
}

impl RawClient {
    /// Connects to `addr`.
    ///
    /// # Panics
    ///
    /// If the connection is refused.
    pub fn open(addr: SocketAddr) -> RawClient {
        RawClient::try_open(addr).expect("connect")
    }

    /// Connects, or `None` if the connection is refused.
    pub fn try_open(addr: SocketAddr) -> Option<RawClient> {
        let stream = TcpStream::connect(addr).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Some(RawClient {
            stream,
            buf: Vec::new(),
        })
    }

    /// Writes `bytes`.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.write_all(bytes.as_ref()).expect("write");
    }

    /// Reads more bytes into the buffer; false at end of stream.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => false,
            Err(e) => panic!("read failed: {e}"),
        }
    }

    /// Reads one response to a request with this `method`.
    pub fn response(&mut self, method: &str) -> RawResponse {
        self.try_response(method)
            .expect("connection closed before a complete response")
    }

    /// Like [`response`](RawClient::response), but `None` if the connection
    /// closes first.
    pub fn try_response(&mut self, method: &str) -> Option<RawResponse> {
        let head = loop {
            if !self.buf.is_empty() {
                match parse_response_head(&self.buf, &HeadLimits::default()) {
                    Ok(ParsedHead::Complete(head)) => break head,
                    Ok(ParsedHead::Partial) => {}
                    Err(e) => panic!(
                        "bad response head: {e}: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ),
                }
            }
            if !self.fill() {
                return None;
            }
        };
        let framing = body_framing(method, &head).expect("framing");
        let mut decoder = BodyDecoder::new(framing);
        let mut pos = head.head_len;
        let mut body = Vec::new();
        loop {
            match decoder.decode(&self.buf[pos..]).expect("body framing") {
                Decoded::Data(range) => {
                    body.extend_from_slice(&self.buf[pos..][range.clone()]);
                    pos += range.end;
                }
                Decoded::NeedMore => {
                    pos = self.buf.len();
                    if !self.fill() {
                        decoder.finish_eof().ok()?;
                        break;
                    }
                }
                Decoded::Done(n) => {
                    pos += n;
                    break;
                }
            }
        }
        let raw: Vec<u8> = self.buf.drain(..pos).collect();
        Some(RawResponse {
            status: head.status,
            headers: head.headers,
            body,
            raw,
        })
    }

    /// Exactly `n` bytes, for what the response parser would skip (it
    /// passes over interim `1xx` responses).
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill(), "connection closed before {n} bytes");
        }
        self.buf.drain(..n).collect()
    }

    /// Everything until the server closes the connection.
    pub fn read_to_close(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }

    /// Whether the server closes the connection (without sending anything
    /// more) within `limit`.
    pub fn closes_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            let mut chunk = [0u8; 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return self.buf.is_empty(),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return false;
                }
                Err(_) => return self.buf.is_empty(),
            }
        }
    }

    /// Whether nothing at all arrives within `wait` (and the connection
    /// stays open).
    pub fn silent_for(&mut self, wait: Duration) -> bool {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut chunk = [0u8; 1024];
        let silent = match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                false
            }
            Err(e) => matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        };
        self.stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        silent
    }
}

/// A `GET` request for `path` with the given extra header lines.
pub fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n")
}
