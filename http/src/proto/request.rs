//! A request head: encoding it (the client) and parsing it (the server).
//!
//! Encoding is mostly refusing to write a head that means something other
//! than what the caller asked for: a header value holding `\r\n` would end
//! the field early and let the rest of the value pose as new headers or a
//! second request (header injection, request smuggling). So every method,
//! name and value is checked before a byte is written, and the encoder, not
//! the caller, owns the fields that frame the message (`Host`,
//! `Content-Length`). It appends to a caller-owned `Vec<u8>` so the driver
//! can put the head and a small body into one buffer and send them with one
//! write. Unlike hyper, which encodes from an `http::Request` whose header
//! types reject bad bytes at construction, our [`Headers`] accept anything
//! and the check happens here, once, where the error can name the field.
//!
//! Parsing is the mirror of [`parse_response_head`](super::parse_response_head),
//! stricter where RFC 9112 asks servers to be: exactly one valid `Host`
//! in HTTP/1.1, a target in origin or absolute form. Failures are
//! [`Error`]s whose kind tells the server which status to answer with.

use crate::headers::Headers;
use crate::proto::error::{Error, ErrorKind, Result, malformed};
use crate::proto::fields::{
    TOKEN_RULE, check_field, is_framing_field, is_token, write_content_length, write_field,
};
use crate::proto::head::{HeadLimits, Version, headers_from, with_header_slots};
use crate::proto::uri::{has_host, is_authority};
use std::borrow::Cow;
use std::mem::MaybeUninit;
use url::Url;

/// A parsed request line and header section.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The method, such as `GET`, exactly as sent (methods are
    /// case-sensitive). The methods of RFC 9110 and `PATCH` are borrowed,
    /// not allocated.
    pub method: Cow<'static, str>,
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

// ANCHOR: encode_request_head
/// Appends the head of a `method` request for `url` to `out`.
///
/// Writes the request line with the origin-form target (path and query,
/// never the fragment or credentials), then `Host` (with the port only when
/// it is not the scheme's default) unless `headers` already has one, then
/// `headers` in order, then `Content-Length: body_len` when a body length
/// is given. Pass `Some(0)` for an empty `POST` or `PUT` body: servers may
/// answer 411 Length Required to a body-carrying method without a length.
///
/// HTTP/1.1 connections are persistent by default, so no `Connection`
/// header is added.
///
/// On error nothing is appended.
///
/// # Errors
///
/// - [`ErrorKind::UnsupportedScheme`] if the scheme is not `http` or `https`.
/// - [`ErrorKind::InvalidMessage`] if the method or a header name is not an
///   HTTP token, a header value contains CR, LF, NUL or another control
///   byte, or `headers` sets `Content-Length` or `Transfer-Encoding`.
///
/// # Examples
///
/// ```
/// use spool_http::Headers;
/// use spool_http::proto::encode_request_head;
///
/// let url = url::Url::parse("http://example.com:8080/search?q=rust#top").unwrap();
/// let mut headers = Headers::new();
/// headers.insert("Accept", "*/*");
/// let mut out = Vec::new();
/// encode_request_head("GET", &url, &headers, None, &mut out).unwrap();
/// assert_eq!(
///     out,
///     b"GET /search?q=rust HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n\r\n"
/// );
/// ```
pub fn encode_request_head(
    method: &str,
    url: &Url,
    headers: &Headers,
    body_len: Option<u64>,
    out: &mut Vec<u8>,
) -> Result<()> {
    encode_head(method, url, headers, body_len, Target::Origin, out)
}
// ANCHOR_END: encode_request_head

/// Which form of request target to write (RFC 9112 §3.2).
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// `/path?query`, to the origin itself.
    Origin,
    /// `http://host/path?query`, to a proxy, with its credentials if any.
    Absolute {
        proxy_authorization: Option<&'a str>,
    },
}

/// Appends the head of a request with `target`'s form: what
/// [`encode_request_head`] and [`ClientExchange::via_proxy`](super::ClientExchange::via_proxy) write.
pub(crate) fn encode_head(
    method: &str,
    url: &Url,
    headers: &Headers,
    body_len: Option<u64>,
    target: Target<'_>,
    out: &mut Vec<u8>,
) -> Result<()> {
    check_url(url)?;
    check_method(method)?;
    for (name, value) in headers.iter() {
        check_field(name, value, "request")?;
        if is_framing_field(name) {
            return Err(Error::new(
                ErrorKind::InvalidMessage,
                format!("header {name} is set by the client from the request body; remove it"),
            ));
        }
    }
    if let Target::Absolute {
        proxy_authorization: Some(credentials),
    } = target
    {
        check_field("Proxy-Authorization", credentials.as_bytes(), "request")?;
    }

    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    if let Target::Absolute { .. } = target {
        // Scheme and authority, without the credentials: those are for
        // the origin's own authentication, never for the proxy's eyes.
        out.extend_from_slice(url.scheme().as_bytes());
        out.extend_from_slice(b"://");
        out.extend_from_slice(host_value(url).as_bytes());
    }
    out.extend_from_slice(url.path().as_bytes());
    if let Some(query) = url.query() {
        out.push(b'?');
        out.extend_from_slice(query.as_bytes());
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");

    if !headers.contains("host") {
        write_field(out, "Host", host_value(url).as_bytes());
    }
    if let Target::Absolute {
        proxy_authorization: Some(credentials),
    } = target
    {
        write_field(out, "Proxy-Authorization", credentials.as_bytes());
    }
    for (name, value) in headers.iter() {
        write_field(out, name, value);
    }
    if let Some(len) = body_len {
        write_content_length(out, len);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// `host[:port]`, where `Url::port` is already `None` for the scheme's
/// default port, so `http://h:80/` and `http://h/` both give `h`. The URL
/// parser refuses an `http` or `https` URL without a host, so after
/// [`check_url`] the host is never missing.
fn host_value(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn check_url(url: &Url) -> Result<()> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(Error::new(
            ErrorKind::UnsupportedScheme,
            format!("unsupported URL scheme {other:?} in {url}; only http and https are supported"),
        )),
    }
}

fn check_method(method: &str) -> Result<()> {
    if is_token(method) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidMessage,
            format!("invalid request method {method:?}: a method must be {TOKEN_RULE}"),
        ))
    }
}

/// Parses the request head at the start of `buf`.
///
/// Empty lines before the request line are skipped, as RFC 9112 §2.2 asks
/// of servers (some clients send a stray CRLF after a body).
///
/// # Errors
///
/// An [`Error`] of kind
/// - [`ErrorKind::TargetTooLong`] if the request line alone does not fit in `limits.max_head_size`
///   (the target is what is too long: method and version are short);
/// - [`ErrorKind::HeadTooLarge`] if the head is larger than
///   `limits.max_head_size`, [`ErrorKind::TooManyHeaders`] if it has more
///   than `limits.max_headers` fields. Both limits are reported as soon as
///   the buffer reaches them, not when the head ends;
/// - [`ErrorKind::Malformed`] for anything else: a malformed request line (a version other
///   than HTTP/1.0 or HTTP/1.1 included), a malformed header line, a
///   target that is neither a path nor an `http` or `https` URL with a
///   host, more than one `Host`, a `Host` that is not a valid
///   `host[:port]`, or an HTTP/1.1 request without a `Host` (RFC 9112 §3.2
///   makes each of these a 400 Bad Request).
///
/// # Examples
///
/// ```
/// use spool_http::proto::{parse_request_head, HeadLimits, ParsedRequest, Version};
///
/// let buf = b"GET /search?q=spool HTTP/1.1\r\nHost: example.com\r\n\r\nnext";
/// let Ok(ParsedRequest::Complete(head)) = parse_request_head(buf, &HeadLimits::default()) else { panic!() };
/// assert_eq!((&*head.method, head.target.as_str()), ("GET", "/search?q=spool"));
/// assert_eq!(head.version, Version::Http11);
/// assert_eq!(&buf[head.head_len..], b"next");
/// ```
pub fn parse_request_head(buf: &[u8], limits: &HeadLimits) -> Result<ParsedRequest> {
    with_header_slots(limits.max_headers, |slots| parse_within(buf, limits, slots))
}

/// [`parse_request_head`] with `slots` for httparse's header fields.
fn parse_within<'b>(
    buf: &'b [u8],
    limits: &HeadLimits,
    slots: &mut [MaybeUninit<httparse::Header<'b>>],
) -> Result<ParsedRequest> {
    let mut request = httparse::Request::new(&mut []);
    let len = match request.parse_with_uninit_headers(buf, slots) {
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
    let method = method_name(request.method.unwrap_or_default());
    let version = Version::from_minor(request.version);
    let (target, authority) = split_target(&method, request.path.unwrap_or_default())?;
    let mut headers = headers_from(request.headers);
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

/// `method` as a `&'static str` when it is a standard one, else a copy.
fn method_name(method: &str) -> Cow<'static, str> {
    Cow::Borrowed(match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        other => return Cow::Owned(other.to_owned()),
    })
}

/// Splits the target into its origin form (`/path?query`) and, for an
/// absolute-form target, the authority it names: an origin-form target
/// (or `OPTIONS *`) is kept as it is, an absolute-form one loses its
/// scheme and authority.
fn split_target<'t>(method: &str, target: &'t str) -> Result<(String, Option<&'t str>)> {
    if target.starts_with('/') || (target == "*" && method == "OPTIONS") {
        return Ok((target.to_owned(), None));
    }
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return Err(malformed(format!(
            "request target {target:?} is neither a path nor an absolute URL"
        )));
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if !is_authority(authority.as_bytes()) || !has_host(authority.as_bytes()) {
        return Err(malformed(format!(
            "request target {target:?} does not name a valid host[:port]"
        )));
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
fn check_host(version: Version, headers: &Headers) -> Result<()> {
    let mut hosts = headers.get_all("host");
    match (hosts.next(), hosts.next()) {
        (None, _) if version == Version::Http11 => {
            Err(malformed("an HTTP/1.1 request must have a Host header"))
        }
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(malformed(
            "a request must have no more than one Host header",
        )),
        (Some(host), None) if !is_authority(host) => Err(malformed(format!(
            "Host \"{}\" is not a valid host[:port]",
            host.escape_ascii()
        ))),
        (Some(_), None) => Ok(()),
    }
}

/// The error for a head that reached `limits.max_head_size`: the target is
/// too long if the request line had not ended by then, else the head is.
fn head_too_large(buf: &[u8], limits: &HeadLimits) -> Error {
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
        Error::new(
            ErrorKind::TargetTooLong,
            format!("request target longer than {limit} bytes"),
        )
    } else {
        Error::new(
            ErrorKind::HeadTooLarge,
            format!("request head exceeded {limit} bytes"),
        )
    }
}

fn parse_error(err: httparse::Error, limits: &HeadLimits) -> Error {
    match err {
        httparse::Error::TooManyHeaders => Error::new(
            ErrorKind::TooManyHeaders,
            format!("request has more than {} header fields", limits.max_headers),
        ),
        httparse::Error::Version => {
            malformed("malformed request line (this server speaks HTTP/1.0 and HTTP/1.1)")
        }
        httparse::Error::HeaderName | httparse::Error::Token => {
            malformed("malformed request line or header name")
        }
        httparse::Error::HeaderValue => malformed("a header value contains a control character"),
        httparse::Error::NewLine | httparse::Error::Status => {
            malformed("malformed line ending in the request head")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::head::head_size_limit;

    fn encode(method: &str, url: &str, headers: &Headers, body_len: Option<u64>) -> Result<String> {
        let url = Url::parse(url).unwrap();
        let mut out = Vec::new();
        encode_request_head(method, &url, headers, body_len, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn encode_ok(url: &str) -> String {
        encode("GET", url, &Headers::new(), None).unwrap()
    }

    #[test]
    fn host_omits_the_default_port() {
        assert_eq!(
            encode_ok("http://example.com/"),
            "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
        assert_eq!(
            encode_ok("http://example.com:80/"),
            "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
        assert_eq!(
            encode_ok("https://example.com:443/"),
            "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
    }

    #[test]
    fn host_keeps_a_non_default_port() {
        assert_eq!(
            encode_ok("http://example.com:8080/"),
            "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"
        );
        assert_eq!(
            encode_ok("https://example.com:80/"),
            "GET / HTTP/1.1\r\nHost: example.com:80\r\n\r\n"
        );
        assert_eq!(
            encode_ok("http://[::1]:3000/"),
            "GET / HTTP/1.1\r\nHost: [::1]:3000\r\n\r\n"
        );
    }

    #[test]
    fn target_is_path_and_query_without_fragment_or_credentials() {
        assert_eq!(
            encode_ok("http://user:pw@example.com/a%20b/c?x=1&y=%2F#frag"),
            "GET /a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
        assert_eq!(
            encode_ok("http://example.com"),
            "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
        assert_eq!(
            encode_ok("http://example.com/?"),
            "GET /? HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
    }

    #[test]
    fn user_headers_follow_host_in_order_and_body_length_comes_last() {
        let mut h = Headers::new();
        h.append("Accept", "*/*");
        h.append("X-Two", "b");
        h.append("x-two", "c");
        assert_eq!(
            encode("POST", "http://h/upload", &h, Some(5)).unwrap(),
            "POST /upload HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Two: b\r\nx-two: c\r\nContent-Length: 5\r\n\r\n"
        );
        assert_eq!(
            encode("POST", "http://h/", &Headers::new(), Some(0)).unwrap(),
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn a_user_host_header_replaces_ours() {
        let mut h = Headers::new();
        h.insert("host", "virtual.example");
        assert_eq!(
            encode("GET", "http://127.0.0.1:8080/", &h, None).unwrap(),
            "GET / HTTP/1.1\r\nhost: virtual.example\r\n\r\n"
        );
    }

    #[test]
    fn header_injection_is_rejected_and_nothing_is_written() {
        for bad in [
            &b"a\r\nX-Evil: 1"[..], // a field of the attacker's
            b"a\nb",                // LF alone
            b"a\rb",                // CR alone
            b"a\0b",                // NUL
            b"a\x7fb",              // DEL
            b"a\x01b",              // any other control byte
        ] {
            let mut h = Headers::new();
            h.insert("X-Value", bad);
            let url = Url::parse("http://h/").unwrap();
            let mut out = b"previous".to_vec();
            let err = encode_request_head("GET", &url, &h, None, &mut out).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidMessage, "{bad:?}");
            assert!(err.to_string().contains("X-Value"), "{err}");
            assert_eq!(out, b"previous");
        }
        let mut h = Headers::new();
        h.insert("X-Value", "a\r\nX-Evil: 1");
        let err = encode("GET", "http://h/", &h, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "value of header X-Value contains CR (0x0d), which would let it inject headers into the request"
        );
    }

    #[test]
    fn tabs_and_non_ascii_bytes_are_allowed_in_values() {
        let mut h = Headers::new();
        h.insert("X-Value", &b"a\tb caf\xc3\xa9"[..]);
        let url = Url::parse("http://h/").unwrap();
        let mut out = Vec::new();
        encode_request_head("GET", &url, &h, None, &mut out).unwrap();
        assert_eq!(
            out,
            b"GET / HTTP/1.1\r\nHost: h\r\nX-Value: a\tb caf\xc3\xa9\r\n\r\n"
        );
    }

    #[test]
    fn bad_header_names_are_rejected() {
        for bad in ["", "X Value", "X-Evil\r\nHost", "X:Y", "X\0", "Ünïcode"] {
            let mut h = Headers::new();
            h.insert(bad, "v");
            let err = encode("GET", "http://h/", &h, None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidMessage, "{bad:?}");
        }
    }

    #[test]
    fn bad_methods_are_rejected() {
        for bad in ["", "GET /evil HTTP/1.1\r\n", "G ET", "GET\n"] {
            let err = encode(bad, "http://h/", &Headers::new(), None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidMessage, "{bad:?}");
        }
    }

    #[test]
    fn framing_headers_belong_to_the_encoder() {
        for name in ["Content-Length", "transfer-encoding"] {
            let mut h = Headers::new();
            h.insert(name, "5");
            let err = encode("POST", "http://h/", &h, Some(5)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidMessage);
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn only_http_and_https_are_encoded() {
        let err = encode("GET", "ftp://example.com/file", &Headers::new(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedScheme);
        assert!(err.to_string().contains("\"ftp\""), "{err}");
    }

    fn parse(buf: &[u8]) -> Result<ParsedRequest> {
        parse_request_head(buf, &HeadLimits::default())
    }

    fn complete(buf: &[u8]) -> RequestHead {
        match parse(buf) {
            Ok(ParsedRequest::Complete(head)) => head,
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    fn kind_of(buf: &[u8]) -> ErrorKind {
        match parse(buf) {
            Err(err) => err.kind(),
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
        assert_eq!(kind_of(b"GET / HTTP/1.1\r\n\r\n"), ErrorKind::Malformed);
        assert_eq!(
            kind_of(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            ErrorKind::Malformed
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
        assert_eq!(
            kind_of(b"GET * HTTP/1.1\r\nHost: h\r\n\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind_of(b"GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n"),
            ErrorKind::Malformed
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
            assert_eq!(kind_of(bad), ErrorKind::Malformed, "{}", bad.escape_ascii());
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
        assert_eq!(
            kind_of(b"GET / HTTP/1.1\r\nHost: a b/c@d\r\n\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind_of(b"GET / HTTP/1.0\r\nHost: a@b\r\n\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind_of(b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"),
            ErrorKind::Malformed
        );
    }

    #[test]
    fn an_overlong_request_line_is_too_long_a_target_before_it_ends() {
        let limits = HeadLimits {
            max_head_size: 64,
            max_headers: 100,
        };
        let kind = |buf: &[u8]| parse_request_head(buf, &limits).unwrap_err().kind();
        let mut buf = b"\r\nGET /".to_vec();
        buf.resize(64, b'a');
        assert_eq!(kind(&buf), ErrorKind::TargetTooLong);
        buf.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(kind(&buf), ErrorKind::TargetTooLong);
        // A request line that ends inside the limit leaves the headers to blame.
        let mut buf = b"GET /".to_vec();
        buf.resize(40, b'a');
        buf.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n");
        assert_eq!(kind(&buf), ErrorKind::HeadTooLarge);
    }

    #[test]
    fn garbage_and_other_versions_are_malformed() {
        assert_eq!(
            kind_of(b"\x16\x03\x01\x02\x00\x01\x00"),
            ErrorKind::Malformed
        );
        assert_eq!(kind_of(b"GET /a b HTTP/1.1\r\n\r\n"), ErrorKind::Malformed);
        assert_eq!(kind_of(b"GET / HTTP/2.0\r\n\r\n"), ErrorKind::Malformed);
        assert_eq!(
            kind_of(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind_of(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind_of(b"GET / HTTP/1.1\r\nA: \x01\r\n\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(kind_of(b"GET\x00 / HTTP/1.1\r\n\r\n"), ErrorKind::Malformed);
    }

    #[test]
    fn oversize_heads_are_refused_before_they_end() {
        let limits = head_size_limit(64);
        let mut buf = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
        buf.resize(64, b'a');
        assert_eq!(
            parse_request_head(&buf, &limits).unwrap_err().kind(),
            ErrorKind::HeadTooLarge
        );
        buf.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            parse_request_head(&buf, &limits).unwrap_err().kind(),
            ErrorKind::HeadTooLarge
        );
        let limits = HeadLimits {
            max_head_size: 1024,
            max_headers: 2,
        };
        let buf = b"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
        assert_eq!(
            parse_request_head(buf, &limits).unwrap_err().kind(),
            ErrorKind::TooManyHeaders
        );
    }
}
