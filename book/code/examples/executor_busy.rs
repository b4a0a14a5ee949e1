//! `executor_busy`: step 1 of growing an executor. The simplest `block_on`
//! that works: poll, and if the future is not ready, poll again. At once.
//!
//! There is no waker to speak of: `Context` needs one, so we hand out
//! `Waker::noop()`, and when the [`Delay`]'s alarm thread calls it, nothing
//! happens. The loop never waits for that call anyway; it spins, polling a
//! future that says `Pending` millions of times until the deadline passes.
//!
//! The program runs two 50 ms delays one after the other, prints how many
//! polls that took, and exits non-zero unless it spun (more than a thousand
//! polls; on an idle machine it is millions).
//!
//! Run it with `cargo run -p spool-book --example executor_busy`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use spool_book::Delay;

// ANCHOR: block_on
/// Polls `future` until it is ready, as fast as the CPU allows. Returns the
/// output and how many polls it took.
fn block_on<F: Future>(future: F) -> (F::Output, u64) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
    }
}
// ANCHOR_END: block_on

fn main() {
    // ANCHOR: main
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
        "3 polls did the work; the other {} only burned CPU",
        polls - 3
    );
    // ANCHOR_END: main
    assert!(elapsed >= Duration::from_millis(100));
    assert!(
        polls > 1_000,
        "expected the loop to spin, got {polls} polls"
    );
}
