//! `executor_nap`: step 2 of growing an executor. Stop the spinning by
//! sleeping between polls, and see why that is no cure.
//!
//! The waker is still `Waker::noop()`, so when the [`Delay`] is ready and
//! calls it, the call goes nowhere. The executor cannot know *when* to poll
//! again, only guess. This one naps 200 ms between polls: three polls
//! instead of millions, but two 50 ms delays take 400 ms. A shorter nap
//! means more wasted polls, a longer one more lateness; no nap length is
//! right, because the information the executor needs (the wake) is being
//! thrown away.
//!
//! The program exits non-zero unless it polled exactly three times and took
//! at least the 400 ms of naps.
//!
//! Run it with `cargo run -p spool-book --example executor_nap`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use spool_book::Delay;

/// How long to sleep after a `Pending`. A guess; every value is wrong.
const NAP: Duration = Duration::from_millis(200);

// ANCHOR: block_on
fn block_on<F: Future>(future: F) -> (F::Output, u64) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
        thread::sleep(NAP); // the wake, if one comes, goes nowhere
    }
}
// ANCHOR_END: block_on

fn main() {
    let started = Instant::now();
    let ((), polls) = block_on(async {
        Delay::new(Duration::from_millis(50)).await;
        Delay::new(Duration::from_millis(50)).await;
    });
    let elapsed = started.elapsed();
    println!(
        "two 50 ms delays: done after {} ms and {polls} polls",
        elapsed.as_millis()
    );
    println!(
        "few polls, but {} ms late: the executor napped through both wakes",
        elapsed.as_millis().saturating_sub(100)
    );
    assert_eq!(polls, 3, "one poll to start, one after each delay");
    assert!(elapsed >= 2 * NAP);
}
