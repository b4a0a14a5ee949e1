//! The body decoder fed at random split points.
//!
//! Input: the cut points (see `spool_fuzz::take_reads`), then one framing
//! byte (mostly chunked; otherwise a `Content-Length` from the next two
//! bytes), then the body bytes.
//!
//! Asserts: no panic; the `Decoded` contract (ranges non-empty and inside
//! the input, `Done` stays done); and the same body bytes, the same end
//! (bytes after the body, or the same `finish_eof` verdict) or the same
//! error, message included, whether the bytes come whole or in pieces.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_fuzz::{read_body, take_reads};
use spool_http::proto::Framing;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, data)) = data.split_first() else {
        return;
    };
    let (framing, data) = match (choice % 4, data) {
        (3, [a, b, rest @ ..]) => (
            Framing::Length(u64::from(u16::from_le_bytes([*a, *b]))),
            rest,
        ),
        _ => (Framing::Chunked, data),
    };
    let (bytes, pieces) = take_reads(data);
    let whole = read_body(framing, &[bytes]);
    let split = read_body(framing, &pieces);
    assert_eq!(split, whole, "split {pieces:?}");
});
