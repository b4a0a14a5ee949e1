//! Timers are tied to the loop that registered them (issue 7.4): a `Sleep`
//! or `Interval` polled in one `block_on` still works in the next, and its
//! stale key cannot touch another loop's timers.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use spool::time::{interval, sleep_until, timeout};

/// Far longer than any timer here: a timer that hangs is cut off by this,
/// and the test sees how long it took.
const PATIENCE: Duration = Duration::from_secs(5);

/// Runs `future` in a new loop and says whether it finished well before
/// `PATIENCE` ran out. (When the patience timer fires, `timeout` polls the
/// future once more and a past-due sleep finishes then, so the elapsed time
/// is what tells a hang from a wake.)
fn finishes_in_a_new_loop(future: impl Future) -> bool {
    let start = Instant::now();
    let finished = spool::block_on(timeout(PATIENCE, future)).is_ok();
    finished && start.elapsed() < PATIENCE / 2
}

fn poll_once(future: &mut (impl Future + Unpin)) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(future).poll(&mut cx).is_ready()
}

#[test]
fn an_interval_first_polled_in_one_loop_ticks_in_the_next() {
    let mut ticks = interval(Duration::from_millis(20));
    spool::block_on(async {
        ticks.tick().await; // the first tick is immediate
        // Registers the second tick's timer with this loop, then leaves.
        assert!(!poll_once(&mut Box::pin(ticks.tick())));
    });
    assert!(
        finishes_in_a_new_loop(ticks.tick()),
        "the tick registered in a finished loop hung"
    );
}

#[test]
fn a_sleep_first_polled_in_one_loop_finishes_in_the_next() {
    let mut nap = sleep_until(Instant::now() + Duration::from_millis(20));
    spool::block_on(async { assert!(!poll_once(&mut nap)) });
    assert!(
        finishes_in_a_new_loop(nap),
        "the sleep registered in a finished loop hung"
    );
}

#[test]
fn dropping_a_stale_sleep_leaves_the_new_loops_timers_alone() {
    let deadline = Instant::now() + Duration::from_millis(50);
    // The first timer of its loop, with the same deadline as the one below.
    let mut stale = sleep_until(deadline);
    spool::block_on(async { assert!(!poll_once(&mut stale)) });
    let woke = finishes_in_a_new_loop(async move {
        let mut fresh = sleep_until(deadline);
        assert!(!poll_once(&mut fresh)); // the first timer of this loop
        drop(stale);
        fresh.await
    });
    assert!(woke, "dropping the stale sleep removed the fresh one");
}
