//! What the fuzz targets share: how a fuzz input is cut into reads, the
//! loops that feed reads to the protocol core the way the I/O layer does,
//! and the checks every file name must pass.
//!
//! A target that compares "fed whole" with "fed in pieces" takes its cut
//! points from the front of the input (see [`take_reads`]), so libFuzzer
//! mutates where reads split as freely as what they hold.

use spool_http::proto::{
    BodyDecoder, Decoded, ErrorKind, Framing, HeadLimits, ParsedHead, body_framing,
    connection_reusable, parse_response_head,
};
use std::path::{Component, Path};

/// Splits a fuzz input into cut points and the bytes to cut: the first
/// byte gives the number of cuts (0 to 7), then two bytes per cut, little
/// endian, taken modulo the length of what remains. Returns the bytes and
/// their pieces, in order; repeated cuts give empty reads.
pub fn take_reads(data: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let Some((&count, rest)) = data.split_first() else {
        return (data, vec![data]);
    };
    let count = usize::from(count % 8);
    let (cuts, bytes) = rest.split_at((count * 2).min(rest.len()));
    let mut at: Vec<usize> = cuts
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (bytes.len() + 1))
        .collect();
    at.sort_unstable();
    let mut pieces = Vec::with_capacity(at.len() + 1);
    let mut start = 0;
    for cut in at {
        pieces.push(&bytes[start..cut]);
        start = cut;
    }
    pieces.push(&bytes[start..]);
    (bytes, pieces)
}

/// How reading a body ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The decoder reported the end; these bytes came after the body.
    Done { after: Vec<u8> },
    /// The input ran out first, and `finish_eof` ruled on the close.
    Eof(Result<(), (ErrorKind, String)>),
    /// The decoder refused the bytes.
    Refused(ErrorKind, String),
}

/// Everything a driver learns from reading one body.
#[derive(Debug, PartialEq, Eq)]
pub struct BodyRead {
    pub body: Vec<u8>,
    pub end: End,
}

/// Feeds `reads` to a decoder for `framing` as the client's driver does,
/// asserting the `Decoded` contract at every step.
pub fn read_body(framing: Framing, reads: &[&[u8]]) -> BodyRead {
    let mut decoder = BodyDecoder::new(framing);
    let mut body = Vec::new();
    // Decode what is already buffered before the first read: a body of
    // length zero must end without waiting for bytes.
    let reads: Vec<&[u8]> = std::iter::once(&[][..])
        .chain(reads.iter().copied())
        .collect();
    for (i, read) in reads.iter().enumerate() {
        let mut pos = 0;
        loop {
            let rest = &read[pos..];
            match decoder.decode(rest) {
                Ok(Decoded::Data(range)) => {
                    assert!(!range.is_empty(), "empty Data range");
                    assert!(range.end <= rest.len(), "Data range past the input");
                    body.extend_from_slice(&rest[range.clone()]);
                    pos += range.end;
                }
                Ok(Decoded::NeedMore) => break,
                Ok(Decoded::Done(n)) => {
                    assert!(n <= rest.len(), "Done({n}) past the input");
                    assert!(decoder.is_done());
                    assert_eq!(decoder.decode(b"more").unwrap(), Decoded::Done(0));
                    let mut after = rest[n..].to_vec();
                    reads[i + 1..]
                        .iter()
                        .for_each(|later| after.extend_from_slice(later));
                    return BodyRead {
                        body,
                        end: End::Done { after },
                    };
                }
                Err(err) => {
                    return BodyRead {
                        body,
                        end: End::Refused(err.kind(), err.message().to_owned()),
                    };
                }
            }
        }
    }
    let verdict = decoder
        .finish_eof()
        .map_err(|err| (err.kind(), err.message().to_owned()));
    if verdict.is_ok() {
        assert!(decoder.is_done());
    }
    BodyRead {
        body,
        end: End::Eof(verdict),
    }
}

/// Everything a client learns from reading one response.
#[derive(Debug, PartialEq, Eq)]
pub enum ResponseRead {
    /// The connection closed before the head was complete.
    HeadCut,
    /// The head was refused. Only the kind counts: the message quotes the
    /// bytes seen so far, which depend on how they were split.
    BadHead(ErrorKind),
    /// The head was read and its framing decided (or refused).
    Read {
        status: u16,
        head_len: usize,
        framing: Result<Framing, (ErrorKind, String)>,
        reusable: Option<bool>,
        body: Option<BodyRead>,
    },
}

/// Reads the response to a `method` request from `reads`: parse the head
/// after each read, then decide the framing and decode the body from what
/// follows the head.
pub fn read_response(method: &str, limits: &HeadLimits, reads: &[&[u8]]) -> ResponseRead {
    let mut buf = Vec::new();
    for (i, read) in reads.iter().enumerate() {
        buf.extend_from_slice(read);
        let head = match parse_response_head(&buf, limits) {
            Ok(ParsedHead::Partial) => continue,
            Ok(ParsedHead::Complete(head)) => head,
            Err(err) => return ResponseRead::BadHead(err.kind()),
        };
        assert!(head.head_len <= buf.len() && head.head_len <= limits.max_head_size);
        assert!((100..=599).contains(&head.status), "status {}", head.status);
        let framing = body_framing(method, &head).map_err(|e| (e.kind(), e.message().to_owned()));
        let reusable = framing
            .as_ref()
            .ok()
            .map(|&f| connection_reusable(&head, f));
        let body = framing.as_ref().ok().map(|&framing| {
            let mut rest: Vec<&[u8]> = vec![&buf[head.head_len..]];
            rest.extend_from_slice(&reads[i + 1..]);
            read_body(framing, &rest)
        });
        return ResponseRead::Read {
            status: head.status,
            head_len: head.head_len,
            framing,
            reusable,
            body,
        };
    }
    ResponseRead::HeadCut
}

/// Panics unless `name` keeps the promises of `spool_dl::naming` that hold
/// for every name it hands out: one ordinary path component, never empty,
/// `.` or `..`, no leading dot, no separator, NUL, control or
/// text-reordering character, and inside the output directory once joined
/// to it. (Length is the caller's check: `sanitize` keeps to `MAX_NAME`,
/// and the allocator may add `.N` to that.)
pub fn assert_safe_name(name: &str) {
    assert!(!name.is_empty(), "empty name");
    assert!(name != "." && name != "..", "{name:?}");
    assert!(!name.starts_with('.'), "dot name {name:?}");
    for c in name.chars() {
        let reorders = matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        );
        assert!(
            !matches!(c, '/' | '\\' | '\0') && !c.is_control() && !reorders,
            "{c:?} in {name:?}"
        );
    }
    let mut components = Path::new(name).components();
    assert!(
        matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        ),
        "not one component: {name:?}"
    );
    let dir = Path::new("/downloads");
    assert_eq!(dir.join(name).parent(), Some(dir), "{name:?} escapes");
}
