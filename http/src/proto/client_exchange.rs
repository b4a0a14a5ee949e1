//! The client's side of one exchange: a request out, a response in.
//!
//! This is ureq-proto's `Call` idea without its full typestate: one small
//! object per exchange that owns every protocol decision the client's
//! connection driver would otherwise make, so the driver only moves bytes.
//! [`ClientExchange`] encodes the request head (and decides that an empty
//! `POST` still says `Content-Length: 0`), says when bytes arriving during
//! the upload are an early answer that ends the sending, remembers whether
//! the request went out whole, and says whether a failed request may be
//! sent again. Given the response head, it becomes a [`ResponseBody`],
//! which frames the body, rules on a closed connection, and decides
//! whether the connection may be pooled afterwards.
//!
//! ```text
//!      new(method, url, headers, body) ──▶ request head bytes
//!                    │
//!                    ▼
//!            ┌─ sending ──────────────────────────┐
//!            │ write head + body                  │
//!            │ read meanwhile: is_answer(buf)? ───┼── yes ─▶ stop sending
//!            └────────────────────────────────────┘          (not sent whole)
//!                    │ all written: record_sent(true)             │
//!                    ▼                                            ▼
//!        read until parse_response_head ─────────────▶ read_head(&head)
//!                                                                 │
//!                                                                 ▼
//!                                   ResponseBody: decode(buf) … Done / finish_eof()
//!                                                                 │
//!                                            reusable(leftover)? ─┴─▶ pool or close
//! ```
//!
//! A failure while sending or before any response byte came back is the
//! driver's to see; whether the request may then be retried on a fresh
//! connection is [`ClientExchange::may_retry`].

use crate::headers::Headers;
use crate::proto::decoder::{BodyDecoder, Decoded};
use crate::proto::error::Result;
use crate::proto::fields::says_close;
use crate::proto::framing::{body_framing, connection_reusable};
use crate::proto::head::HeadLimits;
use crate::proto::request::{Target, encode_head, encode_request_head};
use crate::proto::response::{ParsedHead, ResponseHead, parse_response_head};
use url::Url;

/// One request, from the client's side, until its response head arrives.
///
/// # Examples
///
/// ```
/// use spool_http::Headers;
/// use spool_http::proto::*;
///
/// let url = url::Url::parse("http://example.com/items").unwrap();
/// let mut out = Vec::new();
/// let mut exchange = ClientExchange::new("POST", &url, &Headers::new(), None, &mut out)?;
/// assert_eq!(out, b"POST /items HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n");
/// exchange.record_sent(true);
///
/// let buf = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
/// let ParsedHead::Complete(head) = parse_response_head(buf, &HeadLimits::default())? else { panic!() };
/// let body = exchange.read_head(&head)?;
/// assert!(body.is_done() && body.reusable(&[]));
/// # Ok::<(), spool_http::proto::Error>(())
/// ```
#[derive(Debug)]
pub struct ClientExchange {
    method: String,
    /// The request said `Connection: close`, which binds us too.
    close_requested: bool,
    /// Whether the request went out whole. Not so after an early response:
    /// the server and we then disagree on where the request ended, and the
    /// connection must not carry another.
    sent: bool,
}

impl ClientExchange {
    // ANCHOR: client_exchange_new
    /// Starts an exchange: appends the request head to `out`.
    ///
    /// `body_len` is the length of the body the driver will send after the
    /// head, if there is one. A `POST`, `PUT` or `PATCH` without a body
    /// still announces `Content-Length: 0`: servers may answer 411 Length
    /// Required to a method that normally carries a body when no length is
    /// given.
    ///
    /// # Errors
    ///
    /// Those of [`encode_request_head`]; nothing is appended.
    pub fn new(
        method: &str,
        url: &Url,
        headers: &Headers,
        body_len: Option<u64>,
        out: &mut Vec<u8>,
    ) -> Result<ClientExchange> {
        encode_request_head(method, url, headers, body_len_of(method, body_len), out)?;
        Ok(ClientExchange::started(method, headers))
    }
    // ANCHOR_END: client_exchange_new

    /// Starts an exchange with an HTTP proxy that forwards the request: as
    /// [`new`](ClientExchange::new), but with the target in absolute form
    /// (`GET http://example.com/path HTTP/1.1`, RFC 9112 §3.2.2), which
    /// tells the proxy where to forward it, and with `Proxy-Authorization`
    /// after `Host` when `proxy_authorization` is given. `Host` still names
    /// the origin. Only for `http` URLs: an `https` request goes through a
    /// [`Tunnel`](super::Tunnel) and then [`new`](ClientExchange::new), as
    /// if the proxy were not there, the proxy seeing only ciphertext.
    ///
    /// # Errors
    ///
    /// Those of [`encode_request_head`], and
    /// [`ErrorKind::InvalidMessage`](super::ErrorKind::InvalidMessage) if
    /// `proxy_authorization` holds a control byte; nothing is appended.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_http::Headers;
    /// use spool_http::proto::ClientExchange;
    ///
    /// let url = url::Url::parse("http://example.com/a?b#frag").unwrap();
    /// let mut out = Vec::new();
    /// ClientExchange::via_proxy("GET", &url, &Headers::new(), Some("Basic dTpw"), None, &mut out)?;
    /// assert_eq!(
    ///     out,
    ///     b"GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: Basic dTpw\r\n\r\n"
    /// );
    /// # Ok::<(), spool_http::proto::Error>(())
    /// ```
    pub fn via_proxy(
        method: &str,
        url: &Url,
        headers: &Headers,
        proxy_authorization: Option<&str>,
        body_len: Option<u64>,
        out: &mut Vec<u8>,
    ) -> Result<ClientExchange> {
        let target = Target::Absolute {
            proxy_authorization,
        };
        encode_head(
            method,
            url,
            headers,
            body_len_of(method, body_len),
            target,
            out,
        )?;
        Ok(ClientExchange::started(method, headers))
    }

    fn started(method: &str, headers: &Headers) -> ClientExchange {
        ClientExchange {
            method: method.to_owned(),
            close_requested: says_close(headers),
            sent: false,
        }
    }

    /// Whether the bytes that arrived while the request was still going
    /// out answer it, so the sending stops: a whole response head, or bytes
    /// that cannot become one (which the head parser then reports).
    ///
    /// The server may answer before it has read the request: `413` to an
    /// upload it will not take, a `401` or a redirect as soon as it has
    /// read the head. Whatever the status, a server that answers early is
    /// done with the request (one that still wanted the rest, such as a
    /// streaming echo, would be unusual), so the rest is not sent
    /// (RFC 9112 §9.5).
    pub fn is_answer(buf: &[u8], limits: &HeadLimits) -> bool {
        !matches!(parse_response_head(buf, limits), Ok(ParsedHead::Partial))
    }

    /// Records whether the request went out whole; each attempt to send
    /// it records again.
    pub fn record_sent(&mut self, whole: bool) {
        self.sent = whole;
    }

    /// Whether the request means the same sent twice as once (RFC 9110
    /// §9.2.2), so that a reused connection found stale before any answer
    /// arrived may be replaced and the request sent again. A `POST` may not.
    pub fn may_retry(&self) -> bool {
        matches!(
            self.method.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
        )
    }

    /// Moves on to the response's body, given its head.
    ///
    /// # Errors
    ///
    /// Those of [`body_framing`].
    pub fn read_head(self, head: &ResponseHead) -> Result<ResponseBody> {
        let framing = body_framing(&self.method, head)?;
        Ok(ResponseBody {
            decoder: BodyDecoder::new(framing),
            reusable: connection_reusable(head, framing) && !self.close_requested && self.sent,
        })
    }
}

/// The length to announce: a `POST`, `PUT` or `PATCH` without a body
/// still says `Content-Length: 0`.
fn body_len_of(method: &str, body_len: Option<u64>) -> Option<u64> {
    match body_len {
        None if matches!(method, "POST" | "PUT" | "PATCH") => Some(0),
        len => len,
    }
}

/// The body of a response, from the client's side: where it ends, and
/// whether its connection may carry another request.
#[derive(Debug)]
pub struct ResponseBody {
    decoder: BodyDecoder,
    /// Whether the connection may be pooled once the body has ended, as
    /// far as the heads and the sending tell.
    reusable: bool,
}

impl ResponseBody {
    /// Decodes body from `input`, as [`BodyDecoder::decode`] does.
    ///
    /// # Errors
    ///
    /// Those of [`BodyDecoder::decode`].
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded> {
        self.decoder.decode(input)
    }

    // ANCHOR: finish_eof
    /// Tells the body the connection closed; `confirmed` says whether the
    /// transport vouched for the close (TLS `close_notify`, or plain TCP).
    ///
    /// The close ends a body that runs until close only if it is
    /// confirmed ([`BodyDecoder::finish_unconfirmed_eof`]); any other body
    /// it cuts short. Either way the connection is gone.
    ///
    /// # Errors
    ///
    /// Those of [`BodyDecoder::finish_eof`] and
    /// [`BodyDecoder::finish_unconfirmed_eof`].
    pub fn finish_eof(&mut self, confirmed: bool) -> Result<()> {
        self.reusable = false;
        if confirmed {
            self.decoder.finish_eof()
        } else {
            self.decoder.finish_unconfirmed_eof()
        }
    }
    // ANCHOR_END: finish_eof

    /// Whether the whole body has been decoded. A body that is empty
    /// (`HEAD`, `204`, `304`, length 0) is done from the start.
    pub fn is_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// Whether the connection may go back to the pool, given the bytes
    /// that followed the body: only if the body was read to its end and
    /// nothing followed it. This client does not pipeline, so bytes after
    /// the body answer no request of ours: the server got its framing
    /// wrong.
    pub fn reusable(&self, leftover: &[u8]) -> bool {
        self.reusable && self.decoder.is_done() && leftover.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ErrorKind;

    fn start(
        method: &str,
        headers: &[(&str, &str)],
        body: Option<u64>,
    ) -> (ClientExchange, String) {
        let url = Url::parse("http://h/").unwrap();
        let mut fields = Headers::new();
        for (name, value) in headers {
            fields.append(*name, *value);
        }
        let mut out = Vec::new();
        let exchange = ClientExchange::new(method, &url, &fields, body, &mut out).unwrap();
        (exchange, String::from_utf8(out).unwrap())
    }

    fn head(buf: &[u8]) -> ResponseHead {
        match parse_response_head(buf, &HeadLimits::default()) {
            Ok(ParsedHead::Complete(head)) => head,
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";

    #[test]
    fn methods_that_carry_a_body_always_announce_its_length() {
        for method in ["POST", "PUT", "PATCH"] {
            let (_, out) = start(method, &[], None);
            assert!(out.ends_with("Content-Length: 0\r\n\r\n"), "{out}");
        }
        for method in ["GET", "DELETE", "HEAD"] {
            let (_, out) = start(method, &[], None);
            assert!(!out.contains("Content-Length"), "{out}");
        }
        let (_, out) = start("GET", &[], Some(3));
        assert!(out.ends_with("Content-Length: 3\r\n\r\n"), "{out}");
    }

    #[test]
    fn reuse_needs_a_whole_request_a_whole_body_and_nothing_after_it() {
        let (mut exchange, _) = start("GET", &[], None);
        exchange.record_sent(true);
        let mut body = exchange.read_head(&head(OK)).unwrap();
        assert_eq!(body.decode(b"ok").unwrap(), Decoded::Data(0..2));
        assert!(body.reusable(&[]));
        assert!(!body.reusable(b"HTTP/1.1"));

        // An early response: the request never went out whole.
        let (exchange, _) = start("PUT", &[], Some(10));
        let mut body = exchange.read_head(&head(OK)).unwrap();
        assert_eq!(body.decode(b"ok").unwrap(), Decoded::Data(0..2));
        assert!(!body.reusable(&[]));

        // Our own Connection: close binds us.
        let (mut exchange, _) = start("GET", &[("Connection", "x, Close")], None);
        exchange.record_sent(true);
        let mut body = exchange.read_head(&head(OK)).unwrap();
        assert_eq!(body.decode(b"ok").unwrap(), Decoded::Data(0..2));
        assert!(!body.reusable(&[]));

        // Half a body.
        let (mut exchange, _) = start("GET", &[], None);
        exchange.record_sent(true);
        let mut body = exchange.read_head(&head(OK)).unwrap();
        assert_eq!(body.decode(b"o").unwrap(), Decoded::Data(0..1));
        assert!(!body.reusable(&[]));
    }

    #[test]
    fn a_close_ends_an_until_close_body_only_when_confirmed() {
        let until_close = head(b"HTTP/1.1 200 OK\r\n\r\n");
        let (exchange, _) = start("GET", &[], None);
        let mut body = exchange.read_head(&until_close).unwrap();
        body.finish_eof(true).unwrap();
        assert!(body.is_done() && !body.reusable(&[]));
        let (exchange, _) = start("GET", &[], None);
        let mut body = exchange.read_head(&until_close).unwrap();
        let err = body.finish_eof(false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyEndUnconfirmed);
    }

    #[test]
    fn early_answers_and_retries() {
        let limits = HeadLimits::default();
        assert!(!ClientExchange::is_answer(b"HTTP/1.1 413 Con", &limits));
        assert!(ClientExchange::is_answer(
            b"HTTP/1.1 413 Too Big\r\n\r\n",
            &limits
        ));
        assert!(ClientExchange::is_answer(b"<html>", &limits));
        assert!(start("GET", &[], None).0.may_retry());
        assert!(start("PUT", &[], None).0.may_retry());
        assert!(!start("POST", &[], None).0.may_retry());
    }
}
