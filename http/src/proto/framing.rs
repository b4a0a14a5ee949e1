//! Where a response body ends, and whether the connection outlives it.
//!
//! HTTP/1.1 has no end-of-message marker. A client learns where the body
//! stops from the request method, the status code and two headers, by the
//! ordered rules of RFC 9112 §6.3. Getting this wrong is not a cosmetic bug:
//! a client that reads too little leaves the rest of the body on the
//! connection, where it is taken for the next response, and a client that
//! reads too much swallows the start of the next one. So the rules live
//! here, alone, in RFC order, and anything ambiguous is either an error or
//! resolved towards closing the connection.

use crate::error::{Error, ErrorKind, Result};
use crate::proto::fields::{BadLength, content_length, list_items, persists};
use crate::proto::head::{ResponseHead, Version};

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// There is no body, whatever the headers say.
    Empty,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// The body comes in `Transfer-Encoding: chunked` chunks.
    Chunked,
    /// The body is everything until the server closes the connection.
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
/// [`ErrorKind::Protocol`] if `Content-Length` is not a decimal number or
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
        Error::new(
            ErrorKind::Protocol,
            format!("invalid Content-Length \"{}\": {why}", item.escape_ascii()),
        )
    };
    let length = content_length(&head.headers).map_err(|bad| match bad {
        BadLength::NotANumber(item) => invalid(item, "not a decimal number"),
        BadLength::TooLarge(item) => invalid(item, "too large"),
        BadLength::Conflicting(previous, value) => Error::new(
            ErrorKind::Protocol,
            format!("response has conflicting Content-Length values {previous} and {value}"),
        ),
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
/// The driver has conditions of its own on top: it must not reuse the
/// connection if its request said `Connection: close`, if the request did
/// not go out whole (the response came early, during the upload), if the
/// body was not read to the end, or if bytes arrived after the end of the
/// body (this client does not pipeline, so such bytes mean the server got
/// the framing wrong).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::Headers;

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
        assert_eq!(err.kind(), ErrorKind::Protocol);
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

    #[test]
    fn chunked_as_final_coding_is_chunked() {
        assert_eq!(
            framing(&[("Transfer-Encoding", "chunked")]).unwrap(),
            Framing::Chunked
        );
        assert_eq!(
            framing(&[("Transfer-Encoding", "CHUNKED")]).unwrap(),
            Framing::Chunked
        );
        assert_eq!(
            framing(&[("Transfer-Encoding", "gzip, chunked")]).unwrap(),
            Framing::Chunked
        );
        assert_eq!(
            framing(&[
                ("Transfer-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked")
            ])
            .unwrap(),
            Framing::Chunked
        );
        assert_eq!(
            framing(&[("Transfer-Encoding", "chunked ,")]).unwrap(),
            Framing::Chunked
        );
    }

    #[test]
    fn transfer_encoding_without_final_chunked_reads_until_close() {
        assert_eq!(
            framing(&[("Transfer-Encoding", "gzip")]).unwrap(),
            Framing::UntilClose
        );
        assert_eq!(
            framing(&[("Transfer-Encoding", "chunked, gzip")]).unwrap(),
            Framing::UntilClose
        );
        assert_eq!(
            framing(&[
                ("Transfer-Encoding", "chunked"),
                ("Transfer-Encoding", "gzip")
            ])
            .unwrap(),
            Framing::UntilClose
        );
        assert_eq!(
            framing(&[("Transfer-Encoding", "")]).unwrap(),
            Framing::UntilClose
        );
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

    #[test]
    fn http11_is_reusable_unless_connection_close() {
        let len = Framing::Length(1);
        assert!(connection_reusable(&head(Version::Http11, 200, &[]), len));
        assert!(connection_reusable(
            &head(Version::Http11, 200, &[("Connection", "keep-alive")]),
            len
        ));
        assert!(!connection_reusable(
            &head(Version::Http11, 200, &[("Connection", "close")]),
            len
        ));
        assert!(!connection_reusable(
            &head(Version::Http11, 200, &[("connection", "Upgrade, CLOSE")]),
            len
        ));
        assert!(!connection_reusable(
            &head(
                Version::Http11,
                200,
                &[("Connection", "keep-alive"), ("Connection", "close")]
            ),
            len
        ));
        assert!(connection_reusable(
            &head(Version::Http11, 204, &[]),
            Framing::Empty
        ));
        assert!(connection_reusable(
            &head(Version::Http11, 304, &[("Content-Length", "0")]),
            Framing::Empty
        ));
        assert!(connection_reusable(
            &head(Version::Http11, 200, &[("Transfer-Encoding", "chunked")]),
            Framing::Chunked
        ));
    }

    #[test]
    fn http10_is_reusable_only_with_keep_alive() {
        let len = Framing::Length(1);
        assert!(!connection_reusable(&head(Version::Http10, 200, &[]), len));
        assert!(connection_reusable(
            &head(Version::Http10, 200, &[("Connection", "Keep-Alive")]),
            len
        ));
        assert!(connection_reusable(
            &head(Version::Http10, 200, &[("Connection", "foo, keep-alive")]),
            len
        ));
        assert!(!connection_reusable(
            &head(Version::Http10, 200, &[("Connection", "keep-alive, close")]),
            len
        ));
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
}
