//! The resume decision (`resume::decide`): what a response's status and
//! `Content-Range` mean for the bytes already in a `.part` file.
//!
//! Input: a flags byte (bit 0: a validator is held; bit 1: the response
//! has a `Content-Range`; bit 2: the status is picked from a short list of
//! the interesting ones; bit 3: the part length is one byte, so that it
//! meets the numbers in `Content-Range` often), two status bytes, eight
//! (or one) part-length bytes, then the `Content-Range` value (lossy
//! UTF-8).
//!
//! Asserts the rules in `resume`'s module docs: a range is asked for
//! exactly when a validator and at least one byte are held, from the
//! part's length; `Append` only for a `206` to that request whose
//! `Content-Range` starts at the part's length, and from there; a `206`
//! is never taken as a whole body (`Restart`), and when not appended is a
//! protocol `Discard`; `Complete` only for a `416` to our request whose
//! `bytes */LEN` is the part's length; `Restart` only for another `2xx`;
//! `NotSuccess` only outside `2xx`; and the validator's text never changes
//! the decision, only whether there is one.
//!
//! The same status, length and `Content-Range` also go to
//! `resume::judge_finished`, for a finished file of that length: `Whole`
//! only for a `416` whose `bytes */LEN` is the length, `NotSuccess`
//! exactly outside `2xx` and `416`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_dl::error::ErrorKind;
use spool_dl::resume::{Decision, FinishedFile, Held, decide, judge_finished};

const STATUSES: [u16; 8] = [200, 204, 206, 206, 416, 416, 304, 404];

/// The first number of `bytes FIRST-LAST/LEN`, read independently of
/// `resume`'s own parser.
fn first_byte(content_range: &str) -> Option<u64> {
    let rest = content_range.trim().strip_prefix("bytes ")?;
    let digits = rest.split('-').next()?.trim();
    digits.parse().ok()
}

fuzz_target!(|data: &[u8]| {
    let [flags, s0, s1, rest @ ..] = data else {
        return;
    };
    let status = if flags & 4 != 0 {
        STATUSES[usize::from(s0 % 8)]
    } else {
        u16::from_le_bytes([*s0, *s1])
    };
    let (part_len, rest) = match (flags & 8 != 0, rest) {
        (true, [len, rest @ ..]) => (u64::from(*len), rest),
        (false, [a, b, c, d, e, f, g, h, rest @ ..]) => {
            (u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]), rest)
        }
        _ => return,
    };
    let text = String::from_utf8_lossy(rest);
    let content_range = (flags & 2 != 0).then_some(text.as_ref());
    let held = Held {
        validator: (flags & 1 != 0).then_some("\"v1\""),
        part_len,
    };

    let asked = held.range_request();
    assert_eq!(
        asked.map(|range| (range.from, range.validator)),
        (held.validator.is_some() && part_len > 0).then_some((part_len, "\"v1\""))
    );

    let decision = decide(&held, status, content_range);
    match decision {
        Decision::Append { from } => {
            assert!(asked.is_some(), "Append without a validator and bytes");
            assert_eq!(from, part_len);
            assert_eq!(status, 206);
            assert_eq!(content_range.and_then(first_byte), Some(from));
        }
        Decision::Complete => {
            assert!(asked.is_some(), "Complete without a range asked for");
            assert_eq!(status, 416);
            let total = content_range
                .and_then(|range| range.trim().strip_prefix("bytes */"))
                .and_then(|total| total.trim().parse::<u64>().ok());
            assert_eq!(total, Some(part_len));
        }
        Decision::Restart => {
            assert!((200..=299).contains(&status) && status != 206, "{status}");
        }
        Decision::Discard { kind, reason } => {
            assert!(!reason.is_empty());
            match status {
                206 => assert_eq!(kind, ErrorKind::Protocol),
                416 => {
                    assert!(asked.is_some(), "416 to a plain request discarded");
                    assert_eq!(kind, ErrorKind::HttpStatus);
                }
                other => panic!("Discard for status {other}"),
            }
        }
        Decision::NotSuccess => {
            assert!(!(200..=299).contains(&status), "{status}");
            assert!(status != 416 || asked.is_none(), "416 to our range");
        }
    }
    if status == 206 && asked.is_some() && content_range.and_then(first_byte) == Some(part_len) {
        assert_eq!(decision, Decision::Append { from: part_len });
    }

    // Only whether a validator is held counts, never its text.
    let other = Held {
        validator: held.validator.map(|_| "W/\"other\""),
        part_len,
    };
    assert_eq!(decide(&other, status, content_range), decision);

    let total = content_range
        .and_then(|range| range.trim().strip_prefix("bytes */"))
        .and_then(|total| total.trim().parse::<u64>().ok());
    match judge_finished(part_len, status, content_range) {
        FinishedFile::Whole => {
            assert_eq!(status, 416);
            assert_eq!(total, Some(part_len));
        }
        FinishedFile::NotThisFile => {
            assert!((200..=299).contains(&status) || status == 416, "{status}");
            assert!(status != 416 || total != Some(part_len));
        }
        FinishedFile::NotSuccess => {
            assert!(!(200..=299).contains(&status) && status != 416, "{status}");
        }
    }
});
