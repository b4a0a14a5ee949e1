//! Whether the bytes already in a `.part` file may be kept: the resume
//! decision, as a pure function.
//!
//! This is the decision that can lose or corrupt data. Keep bytes that
//! belong to another version of the file and the result is glued together
//! from two versions; throw away bytes that were good and a large download
//! starts over. So it lives here, apart from the I/O, as a function of what
//! we hold (the validator saved with the bytes, and how many bytes there
//! are) and what the server answered (its status and `Content-Range`), and
//! it is tested as a table.
//!
//! The rules, in words:
//!
//! - We ask for a range only with a validator and at least one byte; the
//!   request carries the validator in `If-Range`, so a server whose file
//!   changed answers `200` with the whole new file.
//! - `206` is accepted only for a range we asked for, starting exactly at
//!   our length. Anything else (another start, no `Content-Range`, a `206`
//!   we never asked for) is not trusted: the part is emptied and the attempt
//!   fails, to be retried from byte 0. Treating an unasked-for `206` as a
//!   whole body would save a piece of the file as if it were all of it.
//! - Any other `2xx` is a whole body: the part is emptied and written anew.
//! - `416` to our range means there is nothing after our bytes. If the
//!   server's length (`Content-Range: bytes */LEN`) is exactly ours, the
//!   part is the whole file; otherwise it is emptied and the attempt fails.
//! - Every other status is not a success, and the retry policy decides.
//!
//! With `--continue`, a file already under its final name (and no `.part`
//! beside it) may be the finished download of an earlier run. We hold no
//! validator for it, and it is the user's file now, so it is only ever
//! read: [`judge_finished`] says whether the answer to `Range: bytes=LEN-`
//! (no `If-Range`) shows it is whole. Only a `416` whose `bytes */LEN` is
//! exactly the file's length does; anything else (more bytes, fewer, a
//! `200` from a server that ignores ranges) means it is not this file, and
//! the download goes to a new name as it would without `--continue`. wget
//! and aria2c append to such a file instead; without a validator nothing
//! says its bytes are a prefix of the server's, and appending would put a
//! partial file under a final name, so we do not.

use crate::error::ErrorKind;

/// What a download holds when it sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held<'a> {
    /// The validator of the response the part's bytes came from, if known.
    pub validator: Option<&'a str>,
    /// Bytes in the part file.
    pub part_len: u64,
}

/// A range request: `Range: bytes=FROM-` with `If-Range: VALIDATOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeRequest<'a> {
    /// The first byte asked for: the part's length.
    pub from: u64,
    /// The value for `If-Range`.
    pub validator: &'a str,
}

/// What to do with the part file once the response head has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Append the body: it continues the part at byte `from`.
    Append {
        /// Where the body starts; always the part's length.
        from: u64,
    },
    /// Empty the part and write the body from byte 0.
    Restart,
    /// The part already holds the whole file: finish it, there is no body.
    Complete,
    /// Empty the part, forget its validator, and fail this attempt with
    /// `kind` and `reason`; the next attempt starts from byte 0.
    Discard {
        /// The kind to report if no attempt follows.
        kind: ErrorKind,
        /// Why, for people.
        reason: &'static str,
    },
    /// The status is not a success: fail the attempt as that status.
    NotSuccess,
}

impl<'a> Held<'a> {
    /// The range to ask for, if the part can be resumed at all.
    pub fn range_request(&self) -> Option<RangeRequest<'a>> {
        let validator = self.validator?;
        (self.part_len > 0).then_some(RangeRequest {
            from: self.part_len,
            validator,
        })
    }
}

// ANCHOR: decide
/// Decides what the response (its `status` and `Content-Range` header)
/// means for what we `held` when we sent the request.
pub fn decide(held: &Held<'_>, status: u16, content_range: Option<&str>) -> Decision {
    let asked = held.range_request().map(|range| range.from);
    match (status, asked) {
        (206, Some(from)) if content_range.and_then(range_start) == Some(from) => {
            Decision::Append { from }
        }
        (206, _) => Decision::Discard {
            kind: ErrorKind::Protocol,
            reason: "server sent a different range than asked; starting over",
        },
        (416, Some(from)) if content_range.and_then(complete_length) == Some(from) => {
            Decision::Complete
        }
        (416, Some(_)) => Decision::Discard {
            kind: ErrorKind::HttpStatus,
            reason: "server cannot resume this file (416); starting over",
        },
        (200..=299, _) => Decision::Restart,
        _ => Decision::NotSuccess,
    }
}
// ANCHOR_END: decide

/// What the answer to `Range: bytes=LEN-` says about a file of `LEN` bytes
/// already under its final name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishedFile {
    /// The server has exactly `LEN` bytes: the file is whole. Nothing is
    /// fetched or written.
    Whole,
    /// The server has another length, or would not say: the file is not
    /// (known to be) this download's. It is left alone and the URL is
    /// downloaded to a new name.
    NotThisFile,
    /// The status is not a success: fail the attempt as that status.
    NotSuccess,
}

// ANCHOR: judge_finished
/// Judges a file of `len` bytes under its final name by the answer to
/// `Range: bytes=LEN-`: its `status` and `Content-Range` header.
pub fn judge_finished(len: u64, status: u16, content_range: Option<&str>) -> FinishedFile {
    match status {
        416 if content_range.and_then(complete_length) == Some(len) => FinishedFile::Whole,
        200..=299 | 416 => FinishedFile::NotThisFile,
        _ => FinishedFile::NotSuccess,
    }
}
// ANCHOR_END: judge_finished

/// `bytes START-END/TOTAL` → START.
fn range_start(content_range: &str) -> Option<u64> {
    let range = content_range.trim().strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

/// `bytes */TOTAL` (sent with 416) → TOTAL.
fn complete_length(content_range: &str) -> Option<u64> {
    content_range
        .trim()
        .strip_prefix("bytes */")?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Option<&str> = Some("\"v1\"");

    /// One row: validator, part length, status, `Content-Range`, decision.
    type Row = (
        Option<&'static str>,
        u64,
        u16,
        Option<&'static str>,
        Decision,
    );

    fn discard(kind: ErrorKind) -> Decision {
        let reason = match kind {
            ErrorKind::Protocol => "server sent a different range than asked; starting over",
            _ => "server cannot resume this file (416); starting over",
        };
        Decision::Discard { kind, reason }
    }

    #[test]
    fn a_range_is_asked_for_only_with_a_validator_and_bytes() {
        let held = |validator, part_len| Held {
            validator,
            part_len,
        };
        assert_eq!(held(None, 0).range_request(), None);
        assert_eq!(held(None, 500).range_request(), None);
        assert_eq!(held(V, 0).range_request(), None);
        assert_eq!(
            held(V, 500).range_request(),
            Some(RangeRequest {
                from: 500,
                validator: "\"v1\""
            })
        );
    }

    #[test]
    fn a_finished_file_is_whole_only_on_a_416_naming_its_length() {
        use FinishedFile::{NotSuccess, NotThisFile, Whole};
        let table: &[(u64, u16, Option<&str>, FinishedFile)] = &[
            (1000, 416, Some("bytes */1000"), Whole),
            (0, 416, Some("bytes */0"), Whole),
            (1000, 416, Some(" bytes */1000 "), Whole),
            // The server's file is longer or shorter, or it will not say.
            (1000, 206, Some("bytes 1000-1499/1500"), NotThisFile),
            (1000, 416, Some("bytes */999"), NotThisFile),
            (1000, 416, Some("bytes */1001"), NotThisFile),
            (1000, 416, None, NotThisFile),
            (1000, 416, Some("bytes 0-999/1000"), NotThisFile),
            // Ranges ignored: a whole body says nothing about our bytes.
            (1000, 200, None, NotThisFile),
            (1000, 204, None, NotThisFile),
            // Not a success: the retry policy decides.
            (1000, 404, None, NotSuccess),
            (1000, 503, None, NotSuccess),
            (1000, 304, None, NotSuccess),
        ];
        for &(len, status, content_range, expected) in table {
            assert_eq!(
                judge_finished(len, status, content_range),
                expected,
                "{len} bytes, {status}, {content_range:?}"
            );
        }
    }

    #[test]
    fn the_decision_table() {
        use Decision::{Append, Complete, NotSuccess, Restart};
        use ErrorKind::{HttpStatus, Protocol};
        let table: &[Row] = &[
            // Nothing held: a plain request.
            (None, 0, 200, None, Restart),
            (None, 0, 204, None, Restart),
            (None, 0, 404, None, NotSuccess),
            (None, 0, 503, None, NotSuccess),
            (None, 0, 416, Some("bytes */1000"), NotSuccess),
            // A 206 nobody asked for is not the whole file.
            (None, 0, 206, Some("bytes 0-99/1000"), discard(Protocol)),
            // Bytes without a validator are not resumed: a plain request.
            (None, 500, 200, None, Restart),
            (
                None,
                500,
                206,
                Some("bytes 500-999/1000"),
                discard(Protocol),
            ),
            // A validator without bytes: nothing to resume.
            (V, 0, 200, None, Restart),
            // Resuming: the range we asked for.
            (
                V,
                500,
                206,
                Some("bytes 500-999/1000"),
                Append { from: 500 },
            ),
            (V, 500, 206, Some(" bytes 500-999/* "), Append { from: 500 }),
            // Resuming: another range, or none named.
            (V, 500, 206, Some("bytes 0-999/1000"), discard(Protocol)),
            (V, 500, 206, Some("bytes 501-999/1000"), discard(Protocol)),
            (V, 500, 206, None, discard(Protocol)),
            (V, 500, 206, Some("items 500-999/1000"), discard(Protocol)),
            // Resuming: the file changed, so the whole new one came.
            (V, 500, 200, None, Restart),
            // Resuming: nothing after our bytes.
            (V, 1000, 416, Some("bytes */1000"), Complete),
            (V, 1200, 416, Some("bytes */1000"), discard(HttpStatus)),
            (V, 500, 416, Some("bytes */1000"), discard(HttpStatus)),
            (V, 1000, 416, None, discard(HttpStatus)),
            // Resuming: the server failed.
            (V, 500, 404, None, NotSuccess),
            (V, 500, 503, None, NotSuccess),
            (V, 500, 304, None, NotSuccess),
        ];
        for &(validator, part_len, status, content_range, expected) in table {
            let held = Held {
                validator,
                part_len,
            };
            assert_eq!(
                decide(&held, status, content_range),
                expected,
                "{validator:?}, {part_len} bytes, {status}, {content_range:?}"
            );
        }
    }
}
