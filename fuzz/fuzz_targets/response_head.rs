//! The client's reading of a response: head parser, framing decision,
//! reuse decision and body decoder, fed whole and fed in the pieces the
//! input names.
//!
//! Input: the cut points (see `spool_fuzz::take_reads`), then one byte
//! choosing the request method and the head limits, then the response.
//!
//! Asserts: no panic; head lengths in range and statuses 100–599; the `Decoded`
//! contract; and one verdict however the bytes are split (the same head
//! refusal kind, or the same status, head length, framing, reuse and body).

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_fuzz::{read_response, take_reads};
use spool_http::proto::HeadLimits;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, data)) = data.split_first() else {
        return;
    };
    let method = ["GET", "HEAD", "POST", "PUT"][usize::from(choice & 3)];
    let limits = if choice & 4 == 0 {
        HeadLimits::default()
    } else {
        // Small limits, so that inputs of fuzzing size reach them.
        HeadLimits {
            max_head_size: 64 + usize::from(choice >> 3) * 16,
            max_headers: usize::from(choice >> 5),
        }
    };
    let (bytes, pieces) = take_reads(data);
    let whole = read_response(method, &limits, &[bytes]);
    let split = read_response(method, &limits, &pieces);
    assert_eq!(split, whole, "split {pieces:?}");
});
