//! The server's side of one exchange: a request in, a response out.
//!
//! A [`ServerExchange`] is made from a parsed request head and owns every
//! decision the server's connection driver would otherwise make about the
//! protocol: how the request body is framed and whether it is too large,
//! whether to send `100 Continue`, how the response is framed and which
//! `Connection` field announces what happens next, and whether the
//! connection may carry another request. The driver reads and writes; it
//! asks the exchange what the bytes mean and what to send.
//!
//! ```text
//!              new(head) ──Err──▶ refuse (400/413/501), close
//!                 │
//!                 ▼
//!   ┌──▶ interim_response() ── Some ──▶ send "100 Continue"
//!   │             │
//!   │             ▼
//!   │      decode(input) ◀──────┐   (request body)
//!   │             │ Data ───────┘
//!   │             ▼ Done
//!   │     respond(status, headers) ──▶ head bytes + BodyEncoder
//!   │             │
//!   │             ▼
//!   │    encode(piece)… finish_body() ──▶ reusable?
//!   │             │ yes                      │ no
//!   └─────────────┘                          ▼
//!                                          close
//! ```

use crate::headers::Headers;
use crate::proto::decoder::{BodyDecoder, Decoded};
use crate::proto::encoder::BodyEncoder;
use crate::proto::error::{Error, ErrorKind, Result};
use crate::proto::fields::{persists, says_close};
use crate::proto::framing::{Framing, request_framing, response_framing};
use crate::proto::head::Version;
use crate::proto::request::RequestHead;
use crate::proto::response::write_response_head;
use std::time::SystemTime;

/// What the server sends before reading the body of a request that asked
/// for it with `Expect: 100-continue`.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// One request and its response, from the server's side.
///
/// # Examples
///
/// ```
/// use spool_http::Headers;
/// use spool_http::proto::*;
///
/// let buf = b"HEAD /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
/// let Ok(ParsedRequest::Complete(head)) = parse_request_head(buf, &HeadLimits::default()) else { panic!() };
/// let mut exchange = ServerExchange::new(&head, 1024)?;
/// assert_eq!(exchange.decode(&[])?, Decoded::Done(0));
///
/// let mut out = Vec::new();
/// let mut headers = Headers::new();
/// headers.append("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
/// let encoder = exchange.respond(200, &mut headers, Some(5), false, std::time::SystemTime::now(), &mut out)?;
/// assert_eq!(
///     out,
///     b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n"
/// );
/// assert!(encoder.is_done()); // the answer to HEAD has no body
/// # Ok::<(), spool_http::proto::Error>(())
/// ```
#[derive(Debug)]
pub struct ServerExchange {
    version: Version,
    /// A response to `HEAD` announces its body but never sends it.
    is_head: bool,
    /// Whether the connection may carry another request after this one:
    /// the client's wish at first, narrowed by the response.
    keep_alive: bool,
    /// Whether the client waits for `100 Continue` before sending its body.
    expects_continue: bool,
    decoder: BodyDecoder,
    /// The most body bytes this server takes, and how many have come.
    max_body_size: usize,
    received: usize,
}

impl ServerExchange {
    /// Starts the exchange for a request with this head, whose body may be
    /// at most `max_body_size` bytes.
    ///
    /// # Errors
    ///
    /// The errors of [`request_framing`], and [`ErrorKind::BodyTooLarge`]
    /// when the request announces a longer body: it is refused before a
    /// byte of it is read.
    pub fn new(head: &RequestHead, max_body_size: usize) -> Result<ServerExchange> {
        let framing = request_framing(head)?;
        if let Framing::Length(len) = framing
            && len > max_body_size as u64
        {
            return Err(body_too_large(max_body_size));
        }
        Ok(ServerExchange {
            version: head.version,
            is_head: head.method == "HEAD",
            keep_alive: persists(head.version, &head.headers),
            expects_continue: framing != Framing::Empty && expects_continue(head),
            decoder: BodyDecoder::new(framing),
            max_body_size,
            received: 0,
        })
    }

    /// For a request that could not be parsed: its answer is the last
    /// thing on the connection.
    pub fn refusal() -> ServerExchange {
        ServerExchange {
            version: Version::Http11,
            is_head: false,
            keep_alive: false,
            expects_continue: false,
            decoder: BodyDecoder::new(Framing::Empty),
            max_body_size: 0,
            received: 0,
        }
    }

    /// The interim response to send before reading the body, if the
    /// client asked for one with `Expect: 100-continue`.
    pub fn interim_response(&self) -> Option<&'static [u8]> {
        self.expects_continue.then_some(CONTINUE)
    }

    /// Whether the request's body has been read to its end; from the
    /// start for a request without one, as most are.
    pub fn is_body_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// Decodes request body from `input`, as [`BodyDecoder::decode`] does.
    ///
    /// # Errors
    ///
    /// Those of [`BodyDecoder::decode`], saying it is the request body that
    /// is malformed, and [`ErrorKind::BodyTooLarge`]
    /// once the body grows past `max_body_size` (a chunked body announces
    /// no length, so this is where its size is checked).
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded> {
        let decoded = self
            .decoder
            .decode(input)
            .map_err(|err| Error::new(err.kind(), format!("malformed request body: {err}")))?;
        if let Decoded::Data(range) = &decoded {
            self.received += range.len();
            if self.received > self.max_body_size {
                return Err(body_too_large(self.max_body_size));
            }
        }
        Ok(decoded)
    }

    // ANCHOR: respond
    /// Encodes the head of the response into `out` and returns the encoder
    /// for its body.
    ///
    /// `body_len` is the body's length if known. `closing` says the server
    /// wants this to be the connection's last response (it is shutting
    /// down); a handler that set `Connection: close` says the same. The
    /// response is framed by [`response_framing`], its `Connection` field
    /// is set to say what happens next in the terms of the client's
    /// version, whatever the handler put there, and a `Date` for `now` is
    /// written into the head, not into `headers`, unless the handler set
    /// one (RFC 9110 §6.6.1). The answer to
    /// `HEAD` announces its body's length, and its encoder sends nothing.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidMessage`] from [`encode_response_head`](super::encode_response_head); nothing
    /// is appended, and the connection will not be kept alive, so the
    /// driver can answer with a response of its own (a 500) and close.
    pub fn respond(
        &mut self,
        status: u16,
        headers: &mut Headers,
        body_len: Option<u64>,
        closing: bool,
        now: SystemTime,
        out: &mut Vec<u8>,
    ) -> Result<BodyEncoder> {
        let framing = response_framing(self.version, status, body_len);
        self.keep_alive &= !closing && !says_close(headers) && framing != Framing::UntilClose;
        match (self.version, self.keep_alive) {
            (Version::Http11, false) => headers.insert("Connection", "close"),
            (Version::Http10, true) => headers.insert("Connection", "keep-alive"),
            (Version::Http10, false) => {
                headers.remove("Connection");
            }
            (Version::Http11, true) => {}
        }
        let date = (!headers.contains("date")).then_some(now);
        if let Err(err) = write_response_head(status, headers, framing, date, out) {
            self.keep_alive = false;
            return Err(err);
        }
        Ok(BodyEncoder::new(if self.is_head {
            Framing::Empty
        } else {
            framing
        }))
    }
    // ANCHOR_END: respond

    /// Ends the response body (see [`BodyEncoder::finish`]) and returns
    /// whether the connection may carry another request.
    pub fn finish_body(&mut self, encoder: &mut BodyEncoder, out: &mut Vec<u8>) -> bool {
        self.keep_alive &= encoder.finish(out);
        self.keep_alive
    }

    /// Whether the connection may carry another request, as far as is
    /// known now.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }
}

/// Whether the client sent `Expect: 100-continue` and is waiting for a
/// `100 Continue` before it sends the body.
fn expects_continue(head: &RequestHead) -> bool {
    head.version == Version::Http11
        && head
            .headers
            .get_bytes("expect")
            .is_some_and(|value| value.trim_ascii().eq_ignore_ascii_case(b"100-continue"))
}

fn body_too_large(max: usize) -> Error {
    Error::new(
        ErrorKind::BodyTooLarge,
        format!("request body larger than {max} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{HeadLimits, ParsedRequest, parse_request_head};

    fn exchange(buf: &[u8]) -> Result<ServerExchange> {
        match parse_request_head(buf, &HeadLimits::default()) {
            Ok(ParsedRequest::Complete(head)) => ServerExchange::new(&head, 10),
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    /// The response head for `status` with `fields` and a body of
    /// `body_len`, and whether the connection stays open after it.
    fn respond(request: &[u8], status: u16, fields: &[(&str, &str)]) -> (String, bool) {
        let mut exchange = exchange(request).unwrap();
        let mut headers = Headers::new();
        headers.append("Date", "x");
        for (name, value) in fields {
            headers.append(*name, *value);
        }
        let mut out = Vec::new();
        let mut encoder = exchange
            .respond(
                status,
                &mut headers,
                Some(0),
                false,
                SystemTime::now(),
                &mut out,
            )
            .unwrap();
        let keep = exchange.finish_body(&mut encoder, &mut out);
        (String::from_utf8(out).unwrap(), keep)
    }

    /// Without a `Date` from the handler, the exchange writes one for
    /// `now` into the head, and leaves the handler's fields as they were.
    #[test]
    fn a_date_is_written_for_now_when_the_handler_set_none() {
        let mut exchange = exchange(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        let mut headers = Headers::new();
        headers.append("Server", "spool");
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        let mut out = Vec::new();
        exchange
            .respond(200, &mut headers, Some(0), false, now, &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nServer: spool\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
             Content-Length: 0\r\n\r\n"
        );
        assert_eq!(headers.len(), 1);
    }

    #[test]
    fn keep_alive_by_version_and_connection_header() {
        let keep = |buf: &[u8]| exchange(buf).unwrap().keep_alive();
        assert!(keep(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assert!(!keep(
            b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n"
        ));
        assert!(!keep(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(keep(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        assert!(!keep(
            b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"
        ));
    }

    #[test]
    fn a_request_without_a_body_has_it_done_from_the_start() {
        assert!(
            exchange(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                .unwrap()
                .is_body_done()
        );
        let put = b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n";
        let mut put = exchange(put).unwrap();
        assert!(!put.is_body_done());
        assert_eq!(put.decode(b"ok").unwrap(), Decoded::Data(0..2));
        assert!(put.is_body_done());
    }

    #[test]
    fn expect_continue_only_in_http11_and_only_for_a_body() {
        let interim = |buf: &[u8]| exchange(buf).unwrap().interim_response();
        assert_eq!(
            interim(
                b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\n"
            ),
            Some(CONTINUE)
        );
        assert_eq!(
            interim(b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"),
            None
        );
        assert_eq!(
            interim(b"PUT / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n"),
            None
        );
        assert_eq!(
            interim(b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n"),
            None
        );
    }

    #[test]
    fn bodies_past_the_limit_are_refused() {
        let err = exchange(b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
        assert_eq!(err.to_string(), "request body larger than 10 bytes");
        let mut chunked =
            exchange(b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert_eq!(
            chunked.decode(b"a\r\n0123456789\r\n").unwrap(),
            Decoded::Data(3..13)
        );
        let err = chunked.decode(b"\r\n1\r\nx\r\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
    }

    #[test]
    fn the_connection_field_speaks_the_clients_version() {
        let h11 = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        let h10_keep = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        let (head, keep) = respond(h11, 200, &[("Connection", "keep-alive")]);
        assert!(keep && head.contains("Connection: keep-alive\r\n"));
        let (head, keep) = respond(h11, 200, &[("Connection", "close")]);
        assert!(!keep && head.contains("Connection: close\r\n"));
        let (head, keep) = respond(h10_keep, 200, &[]);
        assert!(keep && head.contains("Connection: keep-alive\r\n"));
        let (head, keep) = respond(b"GET / HTTP/1.0\r\n\r\n", 200, &[("Connection", "x")]);
        assert!(!keep && !head.contains("Connection"));
    }

    #[test]
    fn an_unencodable_response_ends_the_connection() {
        let mut exchange = exchange(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        let mut headers = Headers::new();
        headers.append("X", "a\r\nb");
        let mut out = Vec::new();
        let err = exchange
            .respond(200, &mut headers, None, false, SystemTime::now(), &mut out)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidMessage);
        assert!(out.is_empty() && !exchange.keep_alive());
    }
}
