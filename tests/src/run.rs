//! Running an async test on a fresh spool loop, with a deadline.

use std::future::Future;
use std::time::Duration;

/// Runs `test` on a fresh spool loop, failing it if it takes over 20 s
/// (a hang in the code under test must fail the test, not stall the
/// suite).
pub fn run<F: Future<Output = ()>>(test: F) {
    spool::block_on(async {
        spool::time::timeout(Duration::from_secs(20), test)
            .await
            .expect("test timed out: the code under test hung");
    });
}
