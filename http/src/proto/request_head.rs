//! The server's side of a request: parsing its head and deciding how its
//! body is framed and whether the connection outlives it.
//!
//! This is the mirror of [`parse_response_head`](super::parse_response_head)
//! and [`body_framing`](super::body_framing), with one difference in how
//! failure is reported. A client that receives garbage has an error to
//! return to its caller; a server that receives garbage has a *response* to
//! send: 400 for a malformed head, 414 for a target that is too long, 431
//! for a head that is too large, 501 for a transfer coding it does not
//! implement. So these functions fail with a [`Rejection`], which carries
//! the status code to answer with and a sentence for the response body.
//! The connection driver sends it and closes the connection, because after
//! a framing error it can no longer tell where the next request would
//! start.
//!
//! Request framing is stricter than response framing (RFC 9112 §6.3): a
//! request without `Content-Length` or `Transfer-Encoding` has no body
//! (never "until close", since the client has to keep the connection open to
//! read the answer), and a `Transfer-Encoding` the server cannot decode is
//! refused rather than guessed at.

use crate::headers::Headers;
use crate::proto::fields::{BadLength, content_length, list_items, persists};
use crate::proto::framing::Framing;
use crate::proto::head::{HeadLimits, Version};
use crate::proto::uri::{has_host, is_authority};
use std::fmt;

/// A parsed request line and header section.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The method, such as `GET`, exactly as sent (methods are
    /// case-sensitive).
    pub method: String,
    /// The request target in origin form: the path, then `?` and the query
    /// if there is one. An absolute-form target (`http://host/path`, which
    /// clients send to proxies) is reduced to its path and query here, so
    /// handlers see one form only; its authority becomes the `Host`.
    /// `OPTIONS *` keeps its `*`.
    pub target: String,
    /// The version from the request line.
    pub version: Version,
    /// The header fields, in order. `Host`, if present, is a valid
    /// `host[:port]`, and is the host the request is for: after an
    /// absolute-form target it holds that target's authority, whatever
    /// the client sent (RFC 9112 §3.2.2).
    pub headers: Headers,
    /// How many bytes of the buffer the head took; the body starts here.
    pub head_len: usize,
}

/// The outcome of [`parse_request_head`] when the bytes are acceptable.
#[derive(Debug)]
pub enum ParsedRequest {
    /// The head is not complete: read more bytes, append them, call again.
    Partial,
    /// The head is complete.
    Complete(RequestHead),
}

/// A request the server refuses, with the status code to answer it with.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{parse_request_head, HeadLimits};
///
/// let rejection = parse_request_head(b"GET /a b HTTP/1.1\r\n\r\n", &HeadLimits::default()).unwrap_err();
/// assert_eq!(rejection.status, 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 400, 408, 413, 414, 431 or 501.
    pub status: u16,
    /// What was wrong, as a sentence fit for the response body.
    pub message: String,
}

impl Rejection {
    fn new(status: u16, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for Rejection {}

// ANCHOR: parse_request_head
/// Parses the request head at the start of `buf`.
///
/// Empty lines before the request line are skipped, as RFC 9112 §2.2 asks
/// of servers (some clients send a stray CRLF after a body).
///
/// # Errors
///
/// A [`Rejection`] with
/// - 414 if the request line alone does not fit in `limits.max_head_size`
///   (the target is what is too long: method and version are short);
/// - 431 if the head is larger than `limits.max_head_size` or has more
///   than `limits.max_headers` fields. Both limits are reported as soon as
///   the buffer reaches them, not when the head ends;
/// - 400 for anything else: a malformed request line (a version other
///   than HTTP/1.0 or HTTP/1.1 included), a malformed header line, a
///   target that is neither a path nor an `http` or `https` URL with a
///   host, more than one `Host`, a `Host` that is not a valid
///   `host[:port]`, or an HTTP/1.1 request without a `Host` (RFC 9112 §3.2
///   makes each of these a 400).
///
/// # Examples
///
/// ```
/// use spool_http::proto::{parse_request_head, HeadLimits, ParsedRequest, Version};
///
/// let buf = b"GET /search?q=spool HTTP/1.1\r\nHost: example.com\r\n\r\nnext";
/// let Ok(ParsedRequest::Complete(head)) = parse_request_head(buf, &HeadLimits::default()) else { panic!() };
/// assert_eq!((head.method.as_str(), head.target.as_str()), ("GET", "/search?q=spool"));
/// assert_eq!(head.version, Version::Http11);
/// assert_eq!(&buf[head.head_len..], b"next");
/// ```
pub fn parse_request_head(buf: &[u8], limits: &HeadLimits) -> Result<ParsedRequest, Rejection> {
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut request = httparse::Request::new(&mut slots);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() >= limits.max_head_size => {
            return Err(head_too_large(buf, limits));
        }
        Ok(httparse::Status::Partial) => return Ok(ParsedRequest::Partial),
        Err(err) => return Err(parse_error(err, limits)),
    };
    if len > limits.max_head_size {
        return Err(head_too_large(buf, limits));
    }

    // A complete parse always sets method, path and version; the fallbacks
    // only keep this free of unwraps.
    let method = request.method.unwrap_or_default().to_owned();
    let version = match request.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    let (target, authority) = split_target(&method, request.path.unwrap_or_default())?;
    let mut headers = Headers::new();
    for field in request.headers.iter() {
        headers.append(field.name, field.value);
    }
    check_host(version, &headers)?;
    if let Some(authority) = authority {
        headers.insert("Host", authority);
    }
    Ok(ParsedRequest::Complete(RequestHead {
        method,
        target,
        version,
        headers,
        head_len: len,
    }))
}
// ANCHOR_END: parse_request_head

/// Splits the target into its origin form (`/path?query`) and, for an
/// absolute-form target, the authority it names: an origin-form target
/// (or `OPTIONS *`) is kept as it is, an absolute-form one loses its
/// scheme and authority.
fn split_target<'t>(method: &str, target: &'t str) -> Result<(String, Option<&'t str>), Rejection> {
    if target.starts_with('/') || (target == "*" && method == "OPTIONS") {
        return Ok((target.to_owned(), None));
    }
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return Err(Rejection::new(
            400,
            format!("request target {target:?} is neither a path nor an absolute URL"),
        ));
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if !is_authority(authority.as_bytes()) || !has_host(authority.as_bytes()) {
        return Err(Rejection::new(
            400,
            format!("request target {target:?} does not name a valid host[:port]"),
        ));
    }
    let origin = match path {
        "" => "/".to_owned(),
        query if query.starts_with('?') => format!("/{query}"),
        path => path.to_owned(),
    };
    Ok((origin, Some(authority)))
}

/// Checks the `Host` fields (RFC 9112 §3.2): at most one, a valid
/// `host[:port]`, and present in HTTP/1.1.
fn check_host(version: Version, headers: &Headers) -> Result<(), Rejection> {
    let mut hosts = headers.get_all("host");
    match (hosts.next(), hosts.next()) {
        (None, _) if version == Version::Http11 => Err(Rejection::new(
            400,
            "an HTTP/1.1 request must have a Host header",
        )),
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(Rejection::new(
            400,
            "a request must have no more than one Host header",
        )),
        (Some(host), None) if !is_authority(host) => Err(Rejection::new(
            400,
            format!(
                "Host \"{}\" is not a valid host[:port]",
                host.escape_ascii()
            ),
        )),
        (Some(_), None) => Ok(()),
    }
}

/// The refusal for a head that reached `limits.max_head_size`: 414 if the
/// request line had not ended by then, since only its target can be that
/// long, else 431.
fn head_too_large(buf: &[u8], limits: &HeadLimits) -> Rejection {
    let limit = limits.max_head_size;
    let line_start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    let line_end = buf[line_start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |end| line_start + end);
    if line_end >= limit {
        Rejection::new(
            414,
            format!(
                "request target longer than {limit} bytes (limit set by ServerBuilder::max_head_size)"
            ),
        )
    } else {
        Rejection::new(
            431,
            format!(
                "request head exceeded {limit} bytes (limit set by ServerBuilder::max_head_size)"
            ),
        )
    }
}

fn parse_error(err: httparse::Error, limits: &HeadLimits) -> Rejection {
    match err {
        httparse::Error::TooManyHeaders => Rejection::new(
            431,
            format!("request has more than {} header fields", limits.max_headers),
        ),
        httparse::Error::Version => Rejection::new(
            400,
            "malformed request line (this server speaks HTTP/1.0 and HTTP/1.1)",
        ),
        httparse::Error::HeaderName | httparse::Error::Token => {
            Rejection::new(400, "malformed request line or header name")
        }
        httparse::Error::HeaderValue => {
            Rejection::new(400, "a header value contains a control character")
        }
        httparse::Error::NewLine | httparse::Error::Status => {
            Rejection::new(400, "malformed line ending in the request head")
        }
    }
}

// ANCHOR: request_framing
/// Decides how the body of a request is delimited (RFC 9112 §6.3).
///
/// - `Transfer-Encoding: chunked` (and only that coding) gives
///   [`Framing::Chunked`], overriding any `Content-Length`.
/// - Otherwise a valid `Content-Length` gives [`Framing::Length`]; repeats
///   must agree.
/// - Otherwise there is no body: [`Framing::Empty`].
///
/// # Errors
///
/// A [`Rejection`] with 501 for a transfer coding other than `chunked`
/// (this server decodes no compression), and 400 when `chunked` is not the
/// final coding, when an HTTP/1.0 request uses `Transfer-Encoding` at all,
/// or when `Content-Length` is malformed or its values disagree.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{parse_request_head, request_framing, Framing, HeadLimits, ParsedRequest};
///
/// let buf = b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
/// let Ok(ParsedRequest::Complete(head)) = parse_request_head(buf, &HeadLimits::default()) else { panic!() };
/// assert_eq!(request_framing(&head), Ok(Framing::Length(3)));
/// ```
pub fn request_framing(head: &RequestHead) -> Result<Framing, Rejection> {
    if head.headers.contains("transfer-encoding") {
        if head.version == Version::Http10 {
            return Err(Rejection::new(
                400,
                "Transfer-Encoding is not allowed in an HTTP/1.0 request",
            ));
        }
        let codings: Vec<&[u8]> = list_items(&head.headers, "transfer-encoding")
            .filter(|item| !item.is_empty())
            .collect();
        return match codings.as_slice() {
            [only] if only.eq_ignore_ascii_case(b"chunked") => Ok(Framing::Chunked),
            [.., last] if last.eq_ignore_ascii_case(b"chunked") => Err(Rejection::new(
                501,
                "only the chunked transfer coding is supported",
            )),
            _ => Err(Rejection::new(
                400,
                "Transfer-Encoding must end with chunked, or the body length is unknown",
            )),
        };
    }

    let length = content_length(&head.headers).map_err(|bad| match bad {
        BadLength::NotANumber(item) | BadLength::TooLarge(item) => Rejection::new(
            400,
            format!("invalid Content-Length \"{}\"", item.escape_ascii()),
        ),
        BadLength::Conflicting(..) => Rejection::new(400, "conflicting Content-Length values"),
    })?;
    Ok(match length {
        Some(0) | None => Framing::Empty,
        Some(length) => Framing::Length(length),
    })
}
// ANCHOR_END: request_framing

// ANCHOR: request_keep_alive
/// Whether the client allows the connection to carry another request
/// after this one's response.
///
/// HTTP/1.1 connections persist unless the client sends `Connection:
/// close`; HTTP/1.0 connections only if it sends `Connection: keep-alive`.
/// A request with both `Transfer-Encoding` and `Content-Length` is answered
/// and then the connection is closed: RFC 9112 §6.1 asks for that because
/// intermediaries may have framed it differently (request smuggling).
///
/// The server adds conditions of its own (shutting down, a response whose
/// end is marked by closing); see the connection driver.
pub fn request_keep_alive(head: &RequestHead) -> bool {
    persists(head.version, &head.headers)
}
// ANCHOR_END: request_keep_alive

/// Whether the client sent `Expect: 100-continue` and is waiting for a
/// `100 Continue` before it sends the body.
pub fn expects_continue(head: &RequestHead) -> bool {
    head.version == Version::Http11
        && head
            .headers
            .get_bytes("expect")
            .is_some_and(|value| value.trim_ascii().eq_ignore_ascii_case(b"100-continue"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(buf: &[u8]) -> Result<ParsedRequest, Rejection> {
        parse_request_head(buf, &HeadLimits::default())
    }

    fn complete(buf: &[u8]) -> RequestHead {
        match parse(buf) {
            Ok(ParsedRequest::Complete(head)) => head,
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    fn status_of(buf: &[u8]) -> u16 {
        match parse(buf) {
            Err(rejection) => rejection.status,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn parses_request_line_and_headers() {
        let buf = b"POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody";
        let head = complete(buf);
        assert_eq!(head.method, "POST");
        assert_eq!(head.target, "/a/b?x=1");
        assert_eq!(head.version, Version::Http11);
        assert_eq!(head.headers.get_all("X-A").count(), 2);
        assert_eq!(&buf[head.head_len..], b"body");
    }

    #[test]
    fn every_proper_prefix_is_partial() {
        let buf = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        for end in 0..buf.len() {
            assert!(
                matches!(parse(&buf[..end]), Ok(ParsedRequest::Partial)),
                "prefix {end}"
            );
        }
        assert_eq!(complete(buf).head_len, buf.len());
    }

    #[test]
    fn leading_empty_lines_are_skipped() {
        let head = complete(b"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(head.target, "/");
    }

    #[test]
    fn http10_needs_no_host() {
        let head = complete(b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(head.version, Version::Http10);
    }

    #[test]
    fn http11_needs_exactly_one_host() {
        assert_eq!(status_of(b"GET / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            400
        );
    }

    #[test]
    fn absolute_form_is_reduced_to_origin_form() {
        let t = |target: &str| {
            complete(format!("GET {target} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes()).target
        };
        assert_eq!(t("http://example.com/a?b"), "/a?b");
        assert_eq!(t("HTTPS://example.com:8443"), "/");
        assert_eq!(t("http://example.com?q"), "/?q");
        assert_eq!(
            complete(b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").target,
            "*"
        );
        assert_eq!(status_of(b"GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(
            status_of(b"GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n"),
            400
        );
    }

    #[test]
    fn an_absolute_form_authority_becomes_the_host() {
        let head = complete(b"GET http://example.com:8080/a HTTP/1.1\r\nHost: other\r\n\r\n");
        assert_eq!(head.headers.get("host"), Some("example.com:8080"));
        assert_eq!(head.headers.get_all("host").count(), 1);
        let head = complete(b"GET https://[::1]?q HTTP/1.0\r\n\r\n");
        assert_eq!(head.headers.get("host"), Some("[::1]"));
        assert_eq!(head.target, "/?q");
        for bad in [
            &b"GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n"[..],
            b"GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET http://:80/a HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET http://h:x/a HTTP/1.1\r\nHost: h\r\n\r\n",
        ] {
            assert_eq!(status_of(bad), 400, "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn host_must_be_one_valid_authority() {
        assert_eq!(
            complete(b"GET / HTTP/1.1\r\nHost: example.com:80\r\n\r\n")
                .headers
                .get("host"),
            Some("example.com:80")
        );
        assert_eq!(status_of(b"GET / HTTP/1.1\r\nHost: a b/c@d\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET / HTTP/1.0\r\nHost: a@b\r\n\r\n"), 400);
        assert_eq!(
            status_of(b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"),
            400
        );
    }

    #[test]
    fn an_overlong_request_line_is_414_before_it_ends() {
        let limits = HeadLimits {
            max_head_size: 64,
            max_headers: 100,
        };
        let status = |buf: &[u8]| parse_request_head(buf, &limits).unwrap_err().status;
        let mut buf = b"\r\nGET /".to_vec();
        buf.resize(64, b'a');
        assert_eq!(status(&buf), 414);
        buf.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(status(&buf), 414);
        // A request line that ends inside the limit leaves the headers to blame.
        let mut buf = b"GET /".to_vec();
        buf.resize(40, b'a');
        buf.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n");
        assert_eq!(status(&buf), 431);
    }

    #[test]
    fn garbage_and_other_versions_are_400() {
        assert_eq!(status_of(b"\x16\x03\x01\x02\x00\x01\x00"), 400);
        assert_eq!(status_of(b"GET /a b HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET / HTTP/2.0\r\n\r\n"), 400);
        assert_eq!(status_of(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET / HTTP/1.1\r\nA: \x01\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET\x00 / HTTP/1.1\r\n\r\n"), 400);
    }

    #[test]
    fn oversize_heads_are_431_before_they_end() {
        let limits = HeadLimits {
            max_head_size: 64,
            max_headers: 100,
        };
        let mut buf = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
        buf.resize(64, b'a');
        assert_eq!(parse_request_head(&buf, &limits).unwrap_err().status, 431);
        buf.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse_request_head(&buf, &limits).unwrap_err().status, 431);
        let limits = HeadLimits {
            max_head_size: 1024,
            max_headers: 2,
        };
        let buf = b"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
        assert_eq!(parse_request_head(buf, &limits).unwrap_err().status, 431);
    }

    fn framing(fields: &str) -> Result<Framing, Rejection> {
        request_framing(&complete(
            format!("POST / HTTP/1.1\r\nHost: h\r\n{fields}\r\n").as_bytes(),
        ))
    }

    #[test]
    fn request_framing_follows_the_rfc() {
        assert_eq!(framing(""), Ok(Framing::Empty));
        assert_eq!(framing("Content-Length: 0\r\n"), Ok(Framing::Empty));
        assert_eq!(framing("Content-Length: 12\r\n"), Ok(Framing::Length(12)));
        assert_eq!(
            framing("Content-Length: 5\r\nContent-Length: 5\r\n"),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing("Transfer-Encoding: chunked\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
            Ok(Framing::Chunked)
        );
        let status = |fields| framing(fields).unwrap_err().status;
        assert_eq!(status("Content-Length: 5\r\nContent-Length: 6\r\n"), 400);
        assert_eq!(status("Content-Length: -1\r\n"), 400);
        assert_eq!(status("Content-Length: 99999999999999999999\r\n"), 400);
        assert_eq!(status("Transfer-Encoding: gzip, chunked\r\n"), 501);
        assert_eq!(status("Transfer-Encoding: chunked, gzip\r\n"), 400);
        assert_eq!(status("Transfer-Encoding: gzip\r\n"), 400);
        let h10 = complete(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(request_framing(&h10).unwrap_err().status, 400);
    }

    #[test]
    fn keep_alive_by_version_and_connection_header() {
        let keep = |buf: &[u8]| request_keep_alive(&complete(buf));
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
    fn expect_continue_only_in_http11() {
        let expects = |buf: &[u8]| expects_continue(&complete(buf));
        assert!(expects(
            b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n"
        ));
        assert!(!expects(b"PUT / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assert!(!expects(b"PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"));
    }
}
