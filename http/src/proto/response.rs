//! Encoding a response: the head, and the chunked coding for bodies of
//! unknown length.
//!
//! The server decides three things about every response, in this order,
//! and each is a pure function here:
//!
//! 1. [`response_framing`]: how the body is delimited on the wire, from
//!    the request's method and version, the status, and whether the body's
//!    length is known in advance.
//! 2. [`encode_response_head`]: the status line and header fields, with the
//!    framing field (`Content-Length` or `Transfer-Encoding`) written by the
//!    encoder and never taken from the handler. A handler that sets its own
//!    `Content-Length` could otherwise announce a length its body does not
//!    have, and the next response on the connection would be read as the
//!    rest of this one.
//! 3. [`encode_chunk`] and [`LAST_CHUNK`] for a chunked body.
//!
//! As in [`encode_request_head`](super::encode_request_head), every header
//! value is checked for bytes that would end the field early (CR, LF and
//! other control bytes): a handler that copies a query parameter into a
//! header must not be able to inject fields of its own.

use crate::headers::Headers;
use crate::proto::framing::Framing;
use crate::proto::head::Version;
use std::fmt;
use std::io::Write;

// ANCHOR: response_framing
/// Decides how a response body is delimited.
///
/// - `1xx`, `204` and `304` responses never have a body:
///   [`Framing::Empty`], and no framing field is sent.
/// - A body of known length is sent with `Content-Length`, also in answer
///   to `HEAD`, where the length describes the body a `GET` would get.
/// - A body of unknown length is chunked for HTTP/1.1 clients. HTTP/1.0
///   clients do not understand chunking, so for them the body ends when
///   the server closes the connection ([`Framing::UntilClose`]).
///
/// # Examples
///
/// ```
/// use spool_http::proto::{response_framing, Framing, Version};
///
/// assert_eq!(response_framing(Version::Http11, 200, Some(5)), Framing::Length(5));
/// assert_eq!(response_framing(Version::Http11, 200, None), Framing::Chunked);
/// assert_eq!(response_framing(Version::Http10, 200, None), Framing::UntilClose);
/// assert_eq!(response_framing(Version::Http11, 304, Some(5)), Framing::Empty);
/// ```
pub fn response_framing(request_version: Version, status: u16, body_len: Option<u64>) -> Framing {
    match (status, body_len) {
        (100..=199 | 204 | 304, _) => Framing::Empty,
        (_, Some(len)) => Framing::Length(len),
        (_, None) if request_version == Version::Http11 => Framing::Chunked,
        (_, None) => Framing::UntilClose,
    }
}
// ANCHOR_END: response_framing

/// A response head that cannot be encoded: a status outside 100..=999, or
/// a header field that would break the framing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidResponse(String);

impl fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidResponse {}

// ANCHOR: encode_response_head
/// Appends a response head to `out`: `HTTP/1.1 STATUS REASON`, the fields
/// of `headers` in order, then the framing field for `framing`, then the
/// empty line.
///
/// The status line always says HTTP/1.1, also to HTTP/1.0 clients: a
/// server announces the highest version it speaks (RFC 9110 §6.2), and the
/// framing already accounts for what the client understands.
/// `Content-Length` and `Transfer-Encoding` fields in `headers` are skipped,
/// because `framing` is the only truth about the body. Nothing is appended
/// on error.
///
/// # Errors
///
/// [`InvalidResponse`] if `status` is not a three-digit code, a name is not
/// an HTTP token, or a value holds a control byte other than tab.
///
/// # Examples
///
/// ```
/// use spool_http::Headers;
/// use spool_http::proto::{encode_response_head, Framing};
///
/// let mut headers = Headers::new();
/// headers.append("Content-Type", "text/plain");
/// let mut out = Vec::new();
/// encode_response_head(200, &headers, Framing::Length(5), &mut out).unwrap();
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
/// ```
pub fn encode_response_head(
    status: u16,
    headers: &Headers,
    framing: Framing,
    out: &mut Vec<u8>,
) -> Result<(), InvalidResponse> {
    if !(100..=999).contains(&status) {
        return Err(InvalidResponse(format!(
            "status code {status} is not a three-digit number from 100 to 999"
        )));
    }
    for (name, value) in headers.iter() {
        check_field(name, value)?;
    }

    // Writing into a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (name, value) in headers.iter() {
        if name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
        {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::Length(len) => {
            let _ = write!(out, "Content-Length: {len}\r\n");
        }
        Framing::Chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        Framing::Empty | Framing::UntilClose => {}
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}
// ANCHOR_END: encode_response_head

fn check_field(name: &str, value: &[u8]) -> Result<(), InvalidResponse> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(InvalidResponse(format!(
            "invalid header name {name:?}: a name must be a non-empty HTTP token"
        )));
    }
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(InvalidResponse(format!(
            "value of header {name} contains a control byte, which could inject header fields"
        )));
    }
    Ok(())
}

/// The reason phrase for common status codes, empty for the rest (the
/// phrase carries no meaning; clients must ignore it).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

// ANCHOR: encode_chunk
/// Appends `data` to `out` as one chunk of a chunked body: its size in
/// hex, CRLF, the data, CRLF.
///
/// Empty `data` appends nothing, because a chunk of size zero is the
/// [`LAST_CHUNK`] and would end the body early.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{encode_chunk, LAST_CHUNK};
///
/// let mut out = Vec::new();
/// encode_chunk(b"hello, world", &mut out);
/// encode_chunk(b"", &mut out);
/// out.extend_from_slice(LAST_CHUNK);
/// assert_eq!(out, b"c\r\nhello, world\r\n0\r\n\r\n");
/// ```
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let _ = write!(out, "{:x}\r\n", data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The end of a chunked body: a chunk of size zero and an empty trailer
/// section.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";
// ANCHOR_END: encode_chunk

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(
        status: u16,
        fields: &[(&str, &[u8])],
        framing: Framing,
    ) -> Result<String, InvalidResponse> {
        let mut headers = Headers::new();
        for (name, value) in fields {
            headers.append(*name, *value);
        }
        let mut out = b"prefix|".to_vec();
        let result = encode_response_head(status, &headers, framing, &mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        match result {
            Ok(()) => Ok(text.strip_prefix("prefix|").unwrap().to_owned()),
            Err(err) => {
                assert_eq!(text, "prefix|", "nothing is appended on error");
                Err(err)
            }
        }
    }

    #[test]
    fn framing_fields_come_from_the_framing_only() {
        let fields: &[(&str, &[u8])] = &[
            ("content-length", b"999"),
            ("X-A", b"1"),
            ("Transfer-Encoding", b"gzip"),
        ];
        assert_eq!(
            encode(200, fields, Framing::Chunked).unwrap(),
            "HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        assert_eq!(
            encode(204, fields, Framing::Empty).unwrap(),
            "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"
        );
        assert_eq!(
            encode(200, &[], Framing::UntilClose).unwrap(),
            "HTTP/1.1 200 OK\r\n\r\n"
        );
    }

    #[test]
    fn unknown_statuses_get_an_empty_reason() {
        assert_eq!(
            encode(599, &[], Framing::Length(0)).unwrap(),
            "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn injection_and_bad_statuses_are_refused() {
        assert!(encode(200, &[("X", b"a\r\nSet-Cookie: evil")], Framing::Empty).is_err());
        assert!(encode(200, &[("X", b"a\nb")], Framing::Empty).is_err());
        assert!(encode(200, &[("X", b"nul\0")], Framing::Empty).is_err());
        assert!(encode(200, &[("Bad Name", b"v")], Framing::Empty).is_err());
        assert!(encode(200, &[("", b"v")], Framing::Empty).is_err());
        assert!(encode(99, &[], Framing::Empty).is_err());
        assert!(encode(1000, &[], Framing::Empty).is_err());
        // Tabs and non-ASCII bytes are legal in values.
        assert!(encode(200, &[("X", b"a\tb \xe9")], Framing::Empty).is_ok());
    }

    #[test]
    fn framing_by_status_length_and_version() {
        use Version::*;
        for status in [100, 204, 304] {
            assert_eq!(response_framing(Http11, status, Some(3)), Framing::Empty);
            assert_eq!(response_framing(Http10, status, None), Framing::Empty);
        }
        assert_eq!(response_framing(Http10, 200, Some(0)), Framing::Length(0));
        assert_eq!(response_framing(Http11, 404, None), Framing::Chunked);
        assert_eq!(response_framing(Http10, 500, None), Framing::UntilClose);
    }

    #[test]
    fn chunks_are_sized_in_lowercase_hex() {
        let mut out = Vec::new();
        encode_chunk(&[b'x'; 255], &mut out);
        assert!(out.starts_with(b"ff\r\nxxx"));
        assert!(out.ends_with(b"x\r\n"));
        assert_eq!(out.len(), 4 + 255 + 2);
    }
}
