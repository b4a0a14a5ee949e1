//! Exercise solution ("The downloader", exercise 2): the whole retry
//! schedule of one download, computed without waiting for it.
//!
//! `spool_dl::backoff` is pure: the randomness comes from a `Jitter` the
//! caller seeds, so the waits a download would make after a run of failures
//! can be listed and checked in microseconds, the way the downloader's own
//! loop in `fetch.rs` would take them.

use std::time::Duration;

use spool_dl::backoff::{Failure, Jitter, RetryPolicy};

// ANCHOR: retry_schedule
/// The waits a download makes when its attempts fail with `failures`, in
/// order: one wait per retry, none after the attempt that gives up.
pub fn retry_schedule(policy: &RetryPolicy, seed: u64, failures: &[Failure]) -> Vec<Duration> {
    let mut jitter = Jitter::from_seed(seed);
    let mut waits = Vec::new();
    for (attempts_made, &failure) in (1..).zip(failures) {
        if !policy.should_retry(attempts_made, failure) {
            break;
        }
        waits.push(policy.delay(attempts_made, &mut jitter, None));
    }
    waits
}
// ANCHOR_END: retry_schedule

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn waits_double_within_equal_jitter_and_stop_at_the_cap() {
        let policy = RetryPolicy {
            retries: 6,
            first_delay: SECOND,
            cap: 10 * SECOND,
        };
        for seed in 0..50 {
            let waits = retry_schedule(&policy, seed, &[Failure::Reset; 10]);
            assert_eq!(waits.len(), 6, "six retries, then give up");
            for (retry, wait) in (1..).zip(&waits) {
                let base = policy.base_delay(retry);
                assert!(
                    *wait >= base / 2 && *wait <= base,
                    "retry {retry}: {wait:?}"
                );
                assert!(*wait <= policy.cap);
            }
            // 1, 2, 4, 8, then the cap of 10 for the last two.
            assert_eq!(policy.base_delay(5), 10 * SECOND);
        }
    }

    #[test]
    fn a_fatal_failure_ends_the_schedule() {
        let policy = RetryPolicy::new(5, SECOND);
        let failures = [Failure::Timeout, Failure::Status(503), Failure::Status(404)];
        assert_eq!(retry_schedule(&policy, 1, &failures).len(), 2);
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let policy = RetryPolicy::new(4, SECOND);
        let failures = [Failure::Connect; 5];
        assert_eq!(
            retry_schedule(&policy, 9, &failures),
            retry_schedule(&policy, 9, &failures)
        );
    }
}
