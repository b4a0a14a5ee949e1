//! A response head: parsing it (the client) and encoding it (the server).
//!
//! The client reads from the socket into a buffer and, after each read,
//! hands the whole buffer to [`parse_response_head`]. Either the head is not
//! all there yet ([`ParsedHead::Partial`]: read more and call again) or it
//! is, and the parsed [`ResponseHead`] says how many bytes it took; what
//! follows in the buffer is the start of the body. httparse does the
//! tokenising; this module adds limits, so a server cannot make us buffer
//! without bound, early refusal of bytes that are plainly not HTTP, so
//! talking plain HTTP to a TLS port fails at once instead of after 64 KiB,
//! and skipping interim `1xx` responses.
//!
//! Parsing restarts from the first byte on every call rather than keeping
//! a cursor. httparse is fast and heads are small, the limit bounds the
//! rescanning, and it keeps this a pure function. A driver that reads in
//! large chunks (as it should anyway) calls it only a handful of times.
//!
//! The server writes its answer with [`encode_response_head`], which takes
//! the framing field (`Content-Length` or `Transfer-Encoding`) from the
//! [`Framing`] and never from the handler's headers: a handler that set its
//! own `Content-Length` could otherwise announce a length its body does not
//! have, and the next response on the connection would be read as the rest
//! of this one. As for requests, every value is checked for bytes that would
//! end the field early, so a handler that copies a query parameter into a
//! header cannot inject fields of its own.

use crate::headers::Headers;
use crate::proto::date::write_http_date;
use crate::proto::error::{Error, ErrorKind, Result, malformed};
use crate::proto::fields::{
    check_field, content_length, is_framing_field, write_content_length, write_field,
};
use crate::proto::framing::Framing;
use crate::proto::head::{HeadLimits, Version, headers_from, with_header_slots};
use std::mem::MaybeUninit;
use std::time::SystemTime;

/// A parsed status line and header section.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The version from the status line.
    pub version: Version,
    /// The status code, 100 to 599.
    pub status: u16,
    /// The reason phrase, such as `OK`; empty when the server sent none or
    /// sent one with non-UTF-8 bytes (it carries no meaning in HTTP/1.1).
    pub reason: String,
    /// The header fields, in order.
    pub headers: Headers,
    /// How many bytes of the buffer the head took, counting any interim
    /// `1xx` responses that were skipped before it. The body starts here.
    pub head_len: usize,
}

impl ResponseHead {
    /// The body length the response announces in `Content-Length`, by the
    /// same rule [`body_framing`](super::body_framing) applies: `None` when
    /// there is none, when it is malformed, or when `Transfer-Encoding`
    /// overrides it. For a response to `HEAD`, the length the body would
    /// have had.
    pub fn content_length(&self) -> Option<u64> {
        if self.headers.contains("transfer-encoding") {
            return None;
        }
        content_length(&self.headers).ok().flatten()
    }

    /// The media type from `Content-Type`, lowercased, without parameters:
    /// `text/html` for `Text/HTML; charset=utf-8`.
    pub fn media_type(&self) -> Option<String> {
        let value = self.headers.get("content-type")?;
        let media = value.split(';').next()?.trim();
        (!media.is_empty()).then(|| media.to_ascii_lowercase())
    }
}

/// The outcome of [`parse_response_head`].
#[derive(Debug)]
pub enum ParsedHead {
    /// The head is not complete: read more bytes, append them, call again.
    Partial,
    /// The head is complete.
    Complete(ResponseHead),
}

// ANCHOR: parse_response_head
/// Parses the response head at the start of `buf`.
///
/// Interim responses (`100 Continue`, `103 Early Hints`, any `1xx` but
/// `101`) are skipped here, because this client never acts on them: the
/// returned head is the final one and its `head_len` covers the skipped
/// ones too. `101 Switching Protocols` is returned, since after it the
/// connection no longer speaks HTTP.
///
/// # Errors
///
/// [`ErrorKind::Malformed`] if the bytes are not an HTTP/1.0 or HTTP/1.1
/// response (reported as soon as the first bytes show it, not after the
/// size limit), if the status line or a header is malformed, if the status
/// code is outside 100–599 (RFC 9110 §15 defines no class above 5xx, so
/// such a code is refused rather than guessed to mean a server error;
/// hyper's `StatusCode` accepts up to 999); [`ErrorKind::HeadTooLarge`]
/// or [`ErrorKind::TooManyHeaders`] if the head is larger than `limits`
/// allow.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{parse_response_head, HeadLimits, ParsedHead};
///
/// let limits = HeadLimits::default();
/// let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
/// assert!(matches!(parse_response_head(&buf[..20], &limits), Ok(ParsedHead::Partial)));
/// let Ok(ParsedHead::Complete(head)) = parse_response_head(buf, &limits) else { panic!() };
/// assert_eq!(head.status, 200);
/// assert_eq!(head.headers.get("content-length"), Some("5"));
/// assert_eq!(&buf[head.head_len..], b"hello");
/// ```
pub fn parse_response_head(buf: &[u8], limits: &HeadLimits) -> Result<ParsedHead> {
    with_header_slots(limits.max_headers, |slots| parse_within(buf, limits, slots))
}

/// [`parse_response_head`] with `slots` for httparse's header fields.
fn parse_within<'b>(
    buf: &'b [u8],
    limits: &HeadLimits,
    slots: &mut [MaybeUninit<httparse::Header<'b>>],
) -> Result<ParsedHead> {
    let parser = httparse::ParserConfig::default();
    let mut start = 0;
    loop {
        let mut response = httparse::Response::new(&mut []);
        // Only the first `max_head_size` bytes can hold the head, so only
        // they are parsed: which limit a head breaks (its size, or its
        // number of fields) then never depends on how the reads split it.
        let window = &buf[start.min(limits.max_head_size)..buf.len().min(limits.max_head_size)];
        let len = match parser.parse_response_with_uninit_headers(&mut response, window, slots) {
            Ok(httparse::Status::Complete(len)) => len,
            // Everything in the buffer belongs to the unfinished head, so
            // once the buffer reaches the limit the head cannot fit.
            Ok(httparse::Status::Partial) if buf.len() >= limits.max_head_size => {
                return Err(head_too_large(limits));
            }
            Ok(httparse::Status::Partial) => return Ok(ParsedHead::Partial),
            Err(err) => return Err(parse_error(err, window, limits)),
        };
        let end = start + len;
        if end > limits.max_head_size {
            return Err(head_too_large(limits));
        }

        // `code` and `version` are always set once parsing is complete;
        // the fallbacks only keep this free of unwraps.
        let status = response.code.unwrap_or(0);
        if !(100..600).contains(&status) {
            return Err(malformed(format!(
                "invalid response status code {status:03}: status codes run from 100 to 599"
            )));
        }
        if (100..200).contains(&status) && status != 101 {
            start = end;
            continue;
        }

        return Ok(ParsedHead::Complete(ResponseHead {
            version: Version::from_minor(response.version),
            status,
            reason: response.reason.unwrap_or_default().to_owned(),
            headers: headers_from(response.headers),
            head_len: end,
        }));
    }
}
// ANCHOR_END: parse_response_head

fn head_too_large(limits: &HeadLimits) -> Error {
    Error::new(
        ErrorKind::HeadTooLarge,
        format!("response head exceeded {} bytes", limits.max_head_size),
    )
}

fn parse_error(err: httparse::Error, head: &[u8], limits: &HeadLimits) -> Error {
    let message = match err {
        httparse::Error::Version => {
            let hint = match head.first() {
                // 0x15 and 0x16 open a TLS alert and a TLS handshake record.
                Some(0x15 | 0x16) => "; it looks like TLS, so the URL may need https",
                _ => "",
            };
            format!(
                "not an HTTP/1.x response: it starts with \"{}\"{hint}",
                escape(first_line(head))
            )
        }
        httparse::Error::Status => format!("invalid status line \"{}\"", escape(first_line(head))),
        httparse::Error::TooManyHeaders => {
            return Error::new(
                ErrorKind::TooManyHeaders,
                format!(
                    "response has more than {} header fields",
                    limits.max_headers
                ),
            );
        }
        httparse::Error::HeaderName | httparse::Error::Token => {
            "response has a malformed header line (invalid byte in a header name)".to_owned()
        }
        httparse::Error::HeaderValue => {
            "response has a header value with an invalid byte (a control character)".to_owned()
        }
        httparse::Error::NewLine => "response head has a malformed line ending".to_owned(),
    };
    malformed(message)
}

/// Up to 32 bytes of the first line, enough to recognise what the server
/// sent without flooding the message with a binary blob.
fn first_line(buf: &[u8]) -> &[u8] {
    let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    &line[..line.len().min(32)]
}

fn escape(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

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
/// [`ErrorKind::InvalidMessage`] if `status` is not a three-digit code, a name is not
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
) -> Result<()> {
    write_response_head(status, headers, framing, None, out)
}

/// What [`encode_response_head`] writes, with a `Date` field for `date`
/// after `headers` when it is given: the server's exchange adds one this
/// way rather than into the handler's headers, which would cost two
/// allocations a response.
pub(crate) fn write_response_head(
    status: u16,
    headers: &Headers,
    framing: Framing,
    date: Option<SystemTime>,
    out: &mut Vec<u8>,
) -> Result<()> {
    if !(100..=999).contains(&status) {
        return Err(Error::new(
            ErrorKind::InvalidMessage,
            format!("status code {status} is not a three-digit number from 100 to 999"),
        ));
    }
    for (name, value) in headers.iter() {
        check_field(name, value, "response")?;
    }

    // Byte by byte rather than with `write!`: the formatting machinery
    // costs more than the rest of a small response's head.
    let digits = [status / 100, status / 10 % 10, status % 10].map(|d| b'0' + d as u8);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(&digits);
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers.iter() {
        if !is_framing_field(name) {
            write_field(out, name, value);
        }
    }
    if let Some(now) = date {
        out.extend_from_slice(b"Date: ");
        write_http_date(now, out);
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::Length(len) => write_content_length(out, len),
        Framing::Chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        Framing::Empty | Framing::UntilClose => {}
    }
    out.extend_from_slice(b"\r\n");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::head::head_size_limit;

    fn complete(buf: &[u8]) -> ResponseHead {
        match parse_response_head(buf, &HeadLimits::default()) {
            Ok(ParsedHead::Complete(head)) => head,
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    fn is_partial(buf: &[u8]) -> bool {
        let parsed = parse_response_head(buf, &HeadLimits::default());
        matches!(parsed, Ok(ParsedHead::Partial))
    }

    /// Found by the `response_head` fuzz target: a field line that both
    /// breaks the field count and runs past the size limit was refused as
    /// "too many headers" when read whole but "too large" when a read ended
    /// past the limit. Every prefix must now agree with the whole.
    #[test]
    fn the_limit_a_head_breaks_does_not_depend_on_the_reads() {
        let limits = HeadLimits {
            max_head_size: 80,
            max_headers: 0,
        };
        let mut buf = b"HTTP/1.1 200 O:\r\nCt%Length: ".to_vec();
        buf.extend([0xff; 90]);
        buf.extend(b"\r\n\r\n");
        let whole = parse_response_head(&buf, &limits)
            .map(|_| ())
            .unwrap_err()
            .kind();
        assert_eq!(whole, ErrorKind::HeadTooLarge);
        for end in 0..buf.len() {
            match parse_response_head(&buf[..end], &limits) {
                Ok(ParsedHead::Partial) => {}
                Err(err) => assert_eq!(err.kind(), whole, "after {end} bytes: {err}"),
                Ok(other) => panic!("after {end} bytes: {other:?}"),
            }
        }
        // A field too many that ends inside the limit is still named so.
        let small = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
        let err = parse_response_head(small, &limits).map(|_| ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooManyHeaders);
    }

    fn protocol_error(buf: &[u8], limits: &HeadLimits) -> String {
        match parse_response_head(buf, limits) {
            Err(err) => {
                // Each of these is a protocol failure to the client.
                let client = crate::Error::from(err.clone());
                assert_eq!(client.kind(), crate::ErrorKind::Protocol, "{err}");
                err.to_string()
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn parses_status_line_and_headers() {
        let buf = b"HTTP/1.0 404 Not Found\r\nServer: x\r\nVary: a\r\nvary: b\r\n\r\nbody";
        let head = complete(buf);
        assert_eq!(head.version, Version::Http10);
        assert_eq!(head.status, 404);
        assert_eq!(head.reason, "Not Found");
        assert_eq!(head.headers.get("server"), Some("x"));
        assert_eq!(head.headers.get_all("VARY").count(), 2);
        assert_eq!(head.head_len, buf.len() - 4);
    }

    #[test]
    fn missing_reason_and_non_utf8_reason_give_empty_reason() {
        assert_eq!(complete(b"HTTP/1.1 200\r\n\r\n").reason, "");
        assert_eq!(complete(b"HTTP/1.1 200 \xe9t\xe9\r\n\r\n").reason, "");
    }

    #[test]
    fn non_utf8_header_values_are_kept_raw() {
        let head = complete(b"HTTP/1.1 200 OK\r\nX-Name: caf\xe9\r\n\r\n");
        assert_eq!(head.headers.get("x-name"), None);
        assert_eq!(head.headers.get_bytes("x-name"), Some(&b"caf\xe9"[..]));
    }

    #[test]
    fn interim_responses_are_skipped_but_101_is_returned() {
        let buf = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nA: 1\r\n\r\nrest";
        let head = complete(buf);
        assert_eq!(head.status, 201);
        assert!(!head.headers.contains("link"));
        assert_eq!(&buf[head.head_len..], b"rest");

        // The interim head is complete but the final one is not yet here.
        assert!(is_partial(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2"));

        let head = complete(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n");
        assert_eq!(head.status, 101);
    }

    #[test]
    fn head_larger_than_the_limit_is_refused_complete_or_not() {
        let limits = head_size_limit(64);
        let mut buf = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
        buf.resize(64, b'a');
        let msg = protocol_error(&buf, &limits);
        assert_eq!(msg, "response head exceeded 64 bytes");

        buf.extend_from_slice(b"\r\n\r\n");
        assert_eq!(protocol_error(&buf, &limits), msg);

        // A head of exactly the limit is fine, body bytes after it do not count.
        let mut exact = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
        exact.resize(60, b'a');
        exact.extend_from_slice(b"\r\n\r\n");
        exact.extend_from_slice(&[b'b'; 100]);
        let ParsedHead::Complete(head) = parse_response_head(&exact, &limits).unwrap() else {
            panic!("expected a complete head");
        };
        assert_eq!(head.head_len, 64);
    }

    #[test]
    fn default_head_limit_is_64_kib() {
        let mut buf = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
        buf.resize(64 * 1024 - 1, b'a');
        assert!(is_partial(&buf));
        buf.push(b'a');
        assert!(protocol_error(&buf, &HeadLimits::default()).contains("65536 bytes"));
    }

    #[test]
    fn skipped_interim_heads_count_towards_the_limit() {
        let limits = head_size_limit(100);
        let buf = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(5);
        assert!(protocol_error(&buf, &limits).contains("exceeded 100 bytes"));
    }

    #[test]
    fn too_many_headers() {
        let limits = HeadLimits {
            max_head_size: 64 * 1024,
            max_headers: 3,
        };
        let ok = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert!(matches!(
            parse_response_head(ok, &limits),
            Ok(ParsedHead::Complete(_))
        ));
        let msg = protocol_error(
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
            &limits,
        );
        assert_eq!(msg, "response has more than 3 header fields");
        // Refused once the extra field is complete, without waiting for the end.
        protocol_error(
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n",
            &limits,
        );
    }

    #[test]
    fn garbage_is_refused_from_the_first_bytes() {
        let limits = HeadLimits::default();
        assert_eq!(
            protocol_error(b"<html>", &limits),
            "not an HTTP/1.x response: it starts with \"<html>\""
        );
        for garbage in [&b"X"[..], b"HTTX", b"HTTP/2 200\r\n\r\n"] {
            let msg = protocol_error(garbage, &limits);
            assert!(msg.starts_with("not an HTTP/1.x response"), "{msg}");
        }
        assert!(protocol_error(b"SSH-2.0-OpenSSH_9.6\r\n", &limits).contains("SSH-2.0"));
        let tls_alert = b"\x15\x03\x03\x00\x02\x02\x46";
        assert_eq!(
            protocol_error(tls_alert, &limits),
            "not an HTTP/1.x response: it starts with \"\\x15\\x03\\x03\\x00\\x02\\x02F\"; it looks like TLS, so the URL may need https"
        );
        // A correct prefix is still only partial.
        assert!(is_partial(b"HTTP/1."));
    }

    #[test]
    fn malformed_status_lines_and_headers() {
        // 599 is the last status code there is; 600 is one too many.
        assert_eq!(complete(b"HTTP/1.1 599 Odd\r\n\r\n").status, 599);
        let limits = HeadLimits::default();
        assert_eq!(
            protocol_error(b"HTTP/1.1 600 Odd\r\n\r\n", &limits),
            "invalid response status code 600: status codes run from 100 to 599"
        );
        assert_eq!(
            protocol_error(b"HTTP/1.1 2x0 OK\r\n\r\n", &limits),
            "invalid status line \"HTTP/1.1 2x0 OK\""
        );
        for (input, named) in [
            (&b"HTTP/1.1 099 Odd\r\n\r\n"[..], "099"),
            (b"HTTP/1.1 999 Odd\r\n\r\n", "999"),
            (b"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", "header name"),
            (b"HTTP/1.1 200 OK\r\nA: x\0y\r\n\r\n", "header value"),
            (b"\rX", "line ending"),
        ] {
            let msg = protocol_error(input, &limits);
            assert!(msg.contains(named), "{msg}");
        }
    }

    fn encode(status: u16, fields: &[(&str, &[u8])], framing: Framing) -> Result<String> {
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
}
