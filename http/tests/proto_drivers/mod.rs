//! The loops the I/O layer runs over the sans-IO protocol core, with each
//! read a given piece: [`read_body`] feeds a body decoder as the client's
//! driver does, [`read_response`] parses a response head read by read and
//! then decodes its body. Both check the core's contracts at every step
//! and return everything a driver would learn, so that a test can compare
//! a message read whole with the same message read in pieces.
//!
//! [`cut_at`] makes the reads: a message cut where a socket might have
//! cut it.
//!
//! One copy serves two checkers: the property tests (`properties.rs`, as
//! `mod proto_drivers`) and the fuzz targets (`fuzz/src/lib.rs` includes
//! this file by path, since the fuzz crate lives outside the workspace).

use spool_http::proto::{
    BodyDecoder, Decoded, ErrorKind, Framing, HeadLimits, ParsedHead, body_framing,
    connection_reusable, parse_response_head,
};

/// `bytes` cut at the offsets `at` (each at most `bytes.len()`, in any
/// order; a repeated offset gives an empty read).
pub fn cut_at(bytes: &[u8], mut at: Vec<usize>) -> Vec<&[u8]> {
    at.sort_unstable();
    let mut pieces = Vec::with_capacity(at.len() + 1);
    let mut start = 0;
    for cut in at {
        pieces.push(&bytes[start..cut]);
        start = cut;
    }
    pieces.push(&bytes[start..]);
    pieces
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
