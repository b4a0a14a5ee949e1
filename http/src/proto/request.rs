//! Encoding a request head.
//!
//! A request head is a request line, header lines and an empty line. The
//! only hard part is refusing to write one that means something other than
//! what the caller asked for: a header value holding `\r\n` would end the
//! field early and let the rest of the value pose as new headers or a
//! second request (header injection, request smuggling). So every method,
//! name and value is checked before a byte is written, and the encoder, not
//! the caller, owns the fields that frame the message (`Host`,
//! `Content-Length`).
//!
//! The encoder appends to a caller-owned `Vec<u8>` so the driver can put the
//! head and a small body into one buffer and send them with one write.
//! Unlike hyper, which encodes from an `http::Request` whose header types
//! reject bad bytes at construction, our [`Headers`] accept anything and
//! the check happens here, once, where the error can name the field.

use crate::error::{Error, ErrorKind, Result};
use crate::headers::Headers;
use url::Url;

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
/// - [`ErrorKind::InvalidRequest`] if the method or a header name is not an
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
    check_url(url)?;
    check_method(method)?;
    for (name, value) in headers.iter() {
        check_field(name, value)?;
    }

    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(url.path().as_bytes());
    if let Some(query) = url.query() {
        out.push(b'?');
        out.extend_from_slice(query.as_bytes());
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");

    if !headers.contains("host") {
        write_field(out, "Host", host_value(url).as_bytes());
    }
    for (name, value) in headers.iter() {
        write_field(out, name, value);
    }
    if let Some(len) = body_len {
        write_field(out, "Content-Length", len.to_string().as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}
// ANCHOR_END: encode_request_head

fn write_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
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
            ErrorKind::InvalidRequest,
            format!(
                "invalid request method {method:?}: a method must be a non-empty HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
            ),
        ))
    }
}

// ANCHOR: check_field
fn check_field(name: &str, value: &[u8]) -> Result<()> {
    if !is_token(name) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "invalid header name {name:?}: a name must be a non-empty HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
            ),
        ));
    }
    if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding")
    {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("header {name} is set by the client from the request body; remove it"),
        ));
    }
    // Field values may hold any visible byte, space and tab (RFC 9110
    // §5.5). Every other control byte is refused, not only CR and LF: NUL
    // truncates values in C servers, and a lone CR is read as a line end by
    // some of them.
    if let Some(&byte) = value
        .iter()
        .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        let what = match byte {
            b'\r' => "CR",
            b'\n' => "LF",
            0 => "NUL",
            _ => "a control byte",
        };
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "value of header {name} contains {what} (0x{byte:02x}), which would let it inject headers into the request"
            ),
        ));
    }
    Ok(())
}
// ANCHOR_END: check_field

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            &b"a\r\nX-Evil: 1"[..],
            b"a\nb",
            b"a\rb",
            b"a\0b",
            b"a\x7fb",
            b"a\x01b",
        ] {
            let mut h = Headers::new();
            h.insert("X-Value", bad);
            let url = Url::parse("http://h/").unwrap();
            let mut out = b"previous".to_vec();
            let err = encode_request_head("GET", &url, &h, None, &mut out).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad:?}");
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
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad:?}");
        }
    }

    #[test]
    fn bad_methods_are_rejected() {
        for bad in ["", "GET /evil HTTP/1.1\r\n", "G ET", "GET\n"] {
            let err = encode(bad, "http://h/", &Headers::new(), None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad:?}");
        }
    }

    #[test]
    fn framing_headers_belong_to_the_encoder() {
        for name in ["Content-Length", "transfer-encoding"] {
            let mut h = Headers::new();
            h.insert(name, "5");
            let err = encode("POST", "http://h/", &h, Some(5)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest);
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn only_http_and_https_are_encoded() {
        let err = encode("GET", "ftp://example.com/file", &Headers::new(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedScheme);
        assert!(err.to_string().contains("\"ftp\""), "{err}");
    }
}
