//! How many heap allocations parsing a head costs.
//!
//! This file is its own test binary so that the counting global allocator
//! sees only this test. It holds a single test on purpose: the allocator
//! counts every thread, and a second test running beside it would add its
//! own allocations to the count.

use std::alloc::System;

use spool_http::proto::{HeadLimits, ParsedRequest, parse_request_head};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The request head curl sends.
const CURL: &[u8] = b"GET /files/report.pdf HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";

/// A standard method and the usual spellings of common field names are
/// borrowed, not copied: what is left is the target, the list of fields
/// and each field's value. Copying the method and every name too, as the
/// server did before, is nine allocations for this head, not five.
#[test]
fn a_common_head_allocates_its_target_its_field_list_and_its_values_only() {
    let limits = HeadLimits::default();
    let region = Region::new(GLOBAL);
    let parsed = parse_request_head(CURL, &limits).expect("a valid head");
    let allocations = region.change().allocations;
    let ParsedRequest::Complete(head) = parsed else {
        panic!("the head is complete")
    };
    assert_eq!((&*head.method, head.headers.len()), ("GET", 3));
    let expected = 1 + 1 + head.headers.len();
    assert_eq!(
        allocations,
        expected,
        "{allocations} allocations to parse {:?}, expected {expected}",
        String::from_utf8_lossy(CURL)
    );
}
