//! How a body is framed, on either side: where it ends, and whether the
//! connection outlives it.
//!
//! HTTP/1.1 has no end-of-message marker. The receiver learns where a body
//! stops from the request method, the status code and two headers, by the
//! ordered rules of RFC 9112 §6.3. Getting this wrong is not a cosmetic bug:
//! a reader that takes too little leaves the rest of the body on the
//! connection, where it is taken for the next message, and one that takes
//! too much swallows the start of the next one. So the rules live here,
//! alone, in RFC order, and anything ambiguous is either an error or
//! resolved towards closing the connection.
//!
//! The three decisions are not symmetric, and each has its own function:
//!
//! - [`body_framing`]: a response as the client reads it. Lenient where
//!   the RFC asks clients to be (no length means "until close").
//! - [`request_framing`]: a request as the server reads it. Strict: a
//!   request without a length has no body, and a coding the server cannot
//!   decode is refused.
//! - [`response_framing`]: a response as the server writes it, from the
//!   status, the body's length if known, and what the client understands.

use crate::proto::error::{Error, ErrorKind, Result, malformed};
use crate::proto::fields::{BadLength, content_length, list_items, persists};
use crate::proto::head::Version;
use crate::proto::request::RequestHead;
use crate::proto::response::ResponseHead;

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// There is no body, whatever the headers say.
    Empty,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// The body comes in `Transfer-Encoding: chunked` chunks.
    Chunked,
    /// The body is everything until the sender closes the connection.
    UntilClose,
}

// ANCHOR: body_framing
/// Decides how the body of a response to a `method` request is delimited.
///
/// In order (RFC 9112 §6.3):
///
/// 1. A response to `HEAD`, and any `1xx`, `204` or `304` response, has no
///    body.
/// 2. If `Transfer-Encoding` is present it overrides `Content-Length`: the
///    body is chunked if `chunked` is the final coding, and runs until the
///    connection closes otherwise. In an HTTP/1.0 response
///    `Transfer-Encoding` cannot be trusted at all (the RFC calls the
///    framing faulty), so the body runs until close.
/// 3. Otherwise a valid `Content-Length` gives the length. Repeats and
///    comma-separated lists are accepted only when every value is the same.
/// 4. Otherwise the body runs until the connection closes.
///
/// Transfer codings other than `chunked` are not decoded: this client does
/// not send `TE`, so servers must not use them.
///
/// # Errors
///
/// [`ErrorKind::Malformed`] if `Content-Length` is not a decimal number or
/// its values disagree. Guessing would risk reading part of one response as
/// another, so the response is refused.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{body_framing, parse_response_head, Framing, HeadLimits, ParsedHead};
///
/// let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
/// let Ok(ParsedHead::Complete(head)) = parse_response_head(buf, &HeadLimits::default()) else { panic!() };
/// assert_eq!(body_framing("GET", &head).unwrap(), Framing::Length(5));
/// assert_eq!(body_framing("HEAD", &head).unwrap(), Framing::Empty);
/// ```
pub fn body_framing(method: &str, head: &ResponseHead) -> Result<Framing> {
    if method == "HEAD"
        || (100..200).contains(&head.status)
        || head.status == 204
        || head.status == 304
    {
        return Ok(Framing::Empty);
    }

    if head.headers.contains("transfer-encoding") {
        if head.version == Version::Http10 {
            return Ok(Framing::UntilClose);
        }
        let final_coding = list_items(&head.headers, "transfer-encoding")
            .filter(|item| !item.is_empty())
            .last();
        return Ok(match final_coding {
            Some(coding) if coding.eq_ignore_ascii_case(b"chunked") => Framing::Chunked,
            _ => Framing::UntilClose,
        });
    }

    let invalid = |item: &[u8], why: &str| {
        malformed(format!(
            "invalid Content-Length \"{}\": {why}",
            item.escape_ascii()
        ))
    };
    let length = content_length(&head.headers).map_err(|bad| match bad {
        BadLength::NotANumber(item) => invalid(item, "not a decimal number"),
        BadLength::TooLarge(item) => invalid(item, "too large"),
        BadLength::Conflicting(previous, value) => malformed(format!(
            "response has conflicting Content-Length values {previous} and {value}"
        )),
    })?;
    Ok(match length {
        Some(length) => Framing::Length(length),
        None => Framing::UntilClose,
    })
}
// ANCHOR_END: body_framing

// ANCHOR: connection_reusable
/// Whether the connection may carry another request once this response's
/// body has been read to the end.
///
/// HTTP/1.1 connections persist unless the server sends `Connection:
/// close`; HTTP/1.0 connections persist only if it sends `Connection:
/// keep-alive`. Never reusable: a body that ends at close, a `101`
/// (the connection now speaks another protocol), and a response with both
/// `Transfer-Encoding` and `Content-Length`, which RFC 9112 §6.3 treats as a
/// possible smuggling attempt, and a `204` or `304` that announces a body
/// anyway (a `Content-Length` other than 0, or `Transfer-Encoding`).
///
/// That last rule is ours, not the RFC's. Those responses have no body
/// whatever the headers say (see [`body_framing`]), but a server that wrote
/// the header may also write the body it announced, and on a reused
/// connection those bytes would be read as the next response. RFC 9110
/// §8.6 forbids `Content-Length` on a `204`; on a `304` it is allowed, and
/// the price of the rule there is one new connection.
///
/// The exchange adds the conditions that depend on the request and on how
/// the body was read (see [`ClientExchange`](super::ClientExchange)): its
/// request said `Connection: close`, did not go out whole, or the body was
/// not read to the end or was followed by bytes nobody asked for.
pub fn connection_reusable(head: &ResponseHead, framing: Framing) -> bool {
    framing != Framing::UntilClose
        && head.status != 101
        && !announces_a_forbidden_body(head)
        && persists(head.version, &head.headers)
}

/// Whether a `204` or `304` response carries framing headers for a body it
/// cannot have.
fn announces_a_forbidden_body(head: &ResponseHead) -> bool {
    matches!(head.status, 204 | 304)
        && (head.headers.contains("transfer-encoding")
            || !matches!(content_length(&head.headers), Ok(None | Some(0))))
}
// ANCHOR_END: connection_reusable

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
/// [`ErrorKind::UnsupportedCoding`] for a transfer coding other than
/// `chunked` (this server decodes no compression), and
/// [`ErrorKind::Malformed`] when `chunked` is not the final coding, when an
/// HTTP/1.0 request uses `Transfer-Encoding` at all, or when
/// `Content-Length` is malformed or its values disagree.
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
pub fn request_framing(head: &RequestHead) -> Result<Framing> {
    if head.headers.contains("transfer-encoding") {
        if head.version == Version::Http10 {
            return Err(malformed(
                "Transfer-Encoding is not allowed in an HTTP/1.0 request",
            ));
        }
        let codings: Vec<&[u8]> = list_items(&head.headers, "transfer-encoding")
            .filter(|item| !item.is_empty())
            .collect();
        return match codings.as_slice() {
            [only] if only.eq_ignore_ascii_case(b"chunked") => Ok(Framing::Chunked),
            [.., last] if last.eq_ignore_ascii_case(b"chunked") => Err(Error::new(
                ErrorKind::UnsupportedCoding,
                "only the chunked transfer coding is supported",
            )),
            _ => Err(malformed(
                "Transfer-Encoding must end with chunked, or the body length is unknown",
            )),
        };
    }

    let length = content_length(&head.headers).map_err(|bad| match bad {
        BadLength::NotANumber(item) | BadLength::TooLarge(item) => malformed(format!(
            "invalid Content-Length \"{}\"",
            item.escape_ascii()
        )),
        BadLength::Conflicting(..) => malformed("conflicting Content-Length values"),
    })?;
    Ok(match length {
        Some(0) | None => Framing::Empty,
        Some(length) => Framing::Length(length),
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::Headers;
    use crate::proto::{HeadLimits, ParsedRequest, parse_request_head};

    fn head(version: Version, status: u16, fields: &[(&str, &str)]) -> ResponseHead {
        let mut headers = Headers::new();
        for (name, value) in fields {
            headers.append(*name, *value);
        }
        ResponseHead {
            version,
            status,
            reason: String::new(),
            headers,
            head_len: 0,
        }
    }

    fn framing(fields: &[(&str, &str)]) -> Result<Framing> {
        body_framing("GET", &head(Version::Http11, 200, fields))
    }

    fn protocol_error(fields: &[(&str, &str)]) -> String {
        let err = framing(fields).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        err.to_string()
    }

    #[test]
    fn head_requests_and_bodyless_statuses_have_no_body() {
        let fields = [("Content-Length", "10"), ("Transfer-Encoding", "chunked")];
        let ok = head(Version::Http11, 200, &fields);
        assert_eq!(body_framing("HEAD", &ok).unwrap(), Framing::Empty);
        for status in [100, 101, 199, 204, 304] {
            let h = head(Version::Http11, status, &fields);
            assert_eq!(body_framing("GET", &h).unwrap(), Framing::Empty, "{status}");
        }
        // A HEAD response may carry a Content-Length it would not honour anyway.
        let bogus = head(Version::Http11, 200, &[("Content-Length", "nope")]);
        assert_eq!(body_framing("HEAD", &bogus).unwrap(), Framing::Empty);
        // Other statuses, 205 and 404 included, follow the headers.
        for status in [200, 205, 404, 500] {
            let h = head(Version::Http11, status, &[("Content-Length", "3")]);
            assert_eq!(
                body_framing("GET", &h).unwrap(),
                Framing::Length(3),
                "{status}"
            );
        }
    }

    /// The framing of a response with these `Transfer-Encoding` fields.
    fn transfer_encoding(values: &[&str]) -> Framing {
        let fields: Vec<(&str, &str)> = values.iter().map(|v| ("Transfer-Encoding", *v)).collect();
        framing(&fields).unwrap()
    }

    #[test]
    fn chunked_as_final_coding_is_chunked() {
        for values in [
            &["chunked"][..],
            &["CHUNKED"],
            &["gzip, chunked"],
            &["gzip", "chunked"],
            &["chunked ,"],
        ] {
            assert_eq!(transfer_encoding(values), Framing::Chunked, "{values:?}");
        }
    }

    #[test]
    fn transfer_encoding_without_final_chunked_reads_until_close() {
        for values in [
            &["gzip"][..],
            &["chunked, gzip"],
            &["chunked", "gzip"],
            &[""],
        ] {
            assert_eq!(transfer_encoding(values), Framing::UntilClose, "{values:?}");
        }
    }

    #[test]
    fn transfer_encoding_overrides_content_length() {
        let fields = [("Content-Length", "5"), ("Transfer-Encoding", "chunked")];
        assert_eq!(framing(&fields).unwrap(), Framing::Chunked);
        // Even an invalid Content-Length is ignored when Transfer-Encoding rules.
        assert_eq!(
            framing(&[("Content-Length", "x"), ("Transfer-Encoding", "chunked")]).unwrap(),
            Framing::Chunked
        );
    }

    #[test]
    fn transfer_encoding_in_http10_reads_until_close() {
        let h = head(
            Version::Http10,
            200,
            &[("Transfer-Encoding", "chunked"), ("Content-Length", "5")],
        );
        assert_eq!(body_framing("GET", &h).unwrap(), Framing::UntilClose);
    }

    #[test]
    fn content_length_gives_the_length() {
        assert_eq!(
            framing(&[("Content-Length", "0")]).unwrap(),
            Framing::Length(0)
        );
        assert_eq!(
            framing(&[("Content-Length", " 42 ")]).unwrap(),
            Framing::Length(42)
        );
        assert_eq!(
            framing(&[("Content-Length", "18446744073709551615")]).unwrap(),
            Framing::Length(u64::MAX)
        );
    }

    #[test]
    fn identical_content_lengths_are_accepted() {
        assert_eq!(
            framing(&[("Content-Length", "7"), ("content-length", "7")]).unwrap(),
            Framing::Length(7)
        );
        assert_eq!(
            framing(&[("Content-Length", "7, 7,7")]).unwrap(),
            Framing::Length(7)
        );
        assert_eq!(
            framing(&[("Content-Length", "7"), ("Content-Length", "007")]).unwrap(),
            Framing::Length(7)
        );
    }

    #[test]
    fn conflicting_content_lengths_are_a_protocol_error() {
        assert_eq!(
            protocol_error(&[("Content-Length", "5"), ("Content-Length", "6")]),
            "response has conflicting Content-Length values 5 and 6"
        );
        assert_eq!(
            protocol_error(&[("Content-Length", "5, 6")]),
            "response has conflicting Content-Length values 5 and 6"
        );
        protocol_error(&[("Content-Length", "5, 5"), ("Content-Length", "5, 9")]);
    }

    #[test]
    fn malformed_content_lengths_are_a_protocol_error() {
        assert_eq!(
            protocol_error(&[("Content-Length", "abc")]),
            "invalid Content-Length \"abc\": not a decimal number"
        );
        for bad in ["", "-1", "+5", "5.0", "0x10", "5 5", "5,", ",5", "1e3"] {
            protocol_error(&[("Content-Length", bad)]);
        }
        assert_eq!(
            protocol_error(&[("Content-Length", "18446744073709551616")]),
            "invalid Content-Length \"18446744073709551616\": too large"
        );
    }

    #[test]
    fn no_length_information_reads_until_close() {
        assert_eq!(framing(&[]).unwrap(), Framing::UntilClose);
        let h10 = head(Version::Http10, 200, &[]);
        assert_eq!(body_framing("GET", &h10).unwrap(), Framing::UntilClose);
    }

    /// Whether a `status` response with `fields`, of this `version` and
    /// framing, leaves a reusable connection.
    fn reusable(version: Version, status: u16, fields: &[(&str, &str)], framing: Framing) -> bool {
        connection_reusable(&head(version, status, fields), framing)
    }

    #[test]
    fn http11_is_reusable_unless_close_and_http10_only_with_keep_alive() {
        use Version::{Http10, Http11};
        type Fields = &'static [(&'static str, &'static str)];
        let cases: [(Version, Fields, bool); 9] = [
            (Http11, &[], true),
            (Http11, &[("Connection", "keep-alive")], true),
            (Http11, &[("Connection", "close")], false),
            (Http11, &[("connection", "Upgrade, CLOSE")], false),
            (
                Http11,
                &[("Connection", "keep-alive"), ("Connection", "close")],
                false,
            ),
            (Http10, &[], false),
            (Http10, &[("Connection", "Keep-Alive")], true),
            (Http10, &[("Connection", "foo, keep-alive")], true),
            (Http10, &[("Connection", "keep-alive, close")], false),
        ];
        for (version, fields, expected) in cases {
            assert_eq!(
                reusable(version, 200, fields, Framing::Length(1)),
                expected,
                "{version:?} {fields:?}"
            );
        }
        assert!(reusable(Http11, 204, &[], Framing::Empty));
        let zero = [("Content-Length", "0")];
        assert!(reusable(Http11, 304, &zero, Framing::Empty));
        let chunked = [("Transfer-Encoding", "chunked")];
        assert!(reusable(Http11, 200, &chunked, Framing::Chunked));
    }

    #[test]
    fn until_close_bodies_switched_protocols_and_smuggling_shapes_are_never_reusable() {
        let keep = [("Connection", "keep-alive")];
        assert!(!connection_reusable(
            &head(Version::Http11, 200, &keep),
            Framing::UntilClose
        ));
        assert!(!connection_reusable(
            &head(Version::Http10, 200, &keep),
            Framing::UntilClose
        ));
        assert!(!connection_reusable(
            &head(Version::Http11, 101, &[]),
            Framing::Empty
        ));
        let both = head(
            Version::Http11,
            200,
            &[("Transfer-Encoding", "chunked"), ("Content-Length", "5")],
        );
        assert!(!connection_reusable(&both, Framing::Chunked));
    }

    #[test]
    fn bodyless_statuses_that_announce_a_body_are_not_reusable() {
        for status in [204, 304] {
            for fields in [
                [("Content-Length", "5")],
                [("Content-Length", "x")],
                [("Transfer-Encoding", "chunked")],
            ] {
                let h = head(Version::Http11, status, &fields);
                assert!(
                    !connection_reusable(&h, Framing::Empty),
                    "{status} {fields:?}"
                );
            }
        }
        // A 200 to HEAD announces the length of the body it would have had.
        let h = head(Version::Http11, 200, &[("Content-Length", "5")]);
        assert!(connection_reusable(&h, Framing::Empty));
    }

    fn request(buf: &[u8]) -> RequestHead {
        match parse_request_head(buf, &HeadLimits::default()) {
            Ok(ParsedRequest::Complete(head)) => head,
            other => panic!("expected a complete head, got {other:?}"),
        }
    }

    fn request_body(fields: &str) -> Result<Framing> {
        request_framing(&request(
            format!("POST / HTTP/1.1\r\nHost: h\r\n{fields}\r\n").as_bytes(),
        ))
    }

    #[test]
    fn request_framing_follows_the_rfc() {
        assert_eq!(request_body(""), Ok(Framing::Empty));
        assert_eq!(request_body("Content-Length: 0\r\n"), Ok(Framing::Empty));
        assert_eq!(
            request_body("Content-Length: 12\r\n"),
            Ok(Framing::Length(12))
        );
        assert_eq!(
            request_body("Content-Length: 5\r\nContent-Length: 5\r\n"),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            request_body("Transfer-Encoding: chunked\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            request_body("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
            Ok(Framing::Chunked)
        );
        let kind = |fields| request_body(fields).unwrap_err().kind();
        assert_eq!(
            kind("Content-Length: 5\r\nContent-Length: 6\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(kind("Content-Length: -1\r\n"), ErrorKind::Malformed);
        assert_eq!(
            kind("Content-Length: 99999999999999999999\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind("Transfer-Encoding: gzip, chunked\r\n"),
            ErrorKind::UnsupportedCoding
        );
        assert_eq!(
            kind("Transfer-Encoding: chunked, gzip\r\n"),
            ErrorKind::Malformed
        );
        assert_eq!(kind("Transfer-Encoding: gzip\r\n"), ErrorKind::Malformed);
        let h10 = request(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(
            request_framing(&h10).unwrap_err().kind(),
            ErrorKind::Malformed
        );
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
}
