//! Exercise solution ("Timers", exercise 1): a timeout with several
//! deadlines that says which one ran out.
//!
//! A download has more than one clock: a budget for this step, a budget for
//! the whole job, perhaps a user's "give up at 18:00". `timeout` answers
//! only "too late"; `with_deadlines` names the deadline. The sleeps are
//! created when the function is called, like `timeout`'s, and sorted by
//! deadline, so when several are due by the time the future is polled the
//! one that ran out *first* is reported, whatever order they were listed in.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use spool::time::{Sleep, sleep};

// ANCHOR: with_deadlines
/// The deadline that ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// The name it was given.
    pub name: &'static str,
    /// How long it allowed.
    pub after: Duration,
}

/// Runs `future` until it finishes or the first of `deadlines` (each a name
/// and a duration from now) runs out. The future's result wins a tie.
pub fn with_deadlines<F: Future>(
    deadlines: &[(&'static str, Duration)],
    future: F,
) -> impl Future<Output = Result<F::Output, Expired>> + use<F> {
    let mut clocks: Vec<(Expired, Sleep)> = deadlines
        .iter()
        .map(|&(name, after)| (Expired { name, after }, sleep(after)))
        .collect();
    clocks.sort_by_key(|(_, clock)| clock.deadline());
    async move {
        let mut future = pin!(future);
        poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            for (expired, clock) in &mut clocks {
                if Pin::new(clock).poll(cx).is_ready() {
                    return Poll::Ready(Err(*expired));
                }
            }
            Poll::Pending
        })
        .await
    }
}
// ANCHOR_END: with_deadlines

impl fmt::Display for Expired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} deadline ({:?}) ran out", self.name, self.after)
    }
}

impl std::error::Error for Expired {}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn names_the_deadline_that_ran_out() {
        spool::block_on(async {
            let slow = sleep(Duration::from_secs(10));
            let step_first = with_deadlines(&[("step", 30 * MS), ("total", 100 * MS)], slow).await;
            assert_eq!(step_first.unwrap_err().name, "step");

            let slow = sleep(Duration::from_secs(10));
            let total_first = with_deadlines(&[("step", 200 * MS), ("total", 50 * MS)], slow).await;
            assert_eq!(
                total_first.unwrap_err().to_string(),
                "the total deadline (50ms) ran out"
            );
        });
    }

    #[test]
    fn the_earliest_wins_when_both_are_due_at_the_first_poll() {
        let late = with_deadlines(
            &[("total", 40 * MS), ("step", 10 * MS)],
            sleep(Duration::from_secs(10)),
        );
        // Both deadlines pass before the first poll.
        std::thread::sleep(60 * MS);
        let expired = spool::block_on(late).unwrap_err();
        assert_eq!(expired.name, "step");
    }

    #[test]
    fn work_that_finishes_in_time_is_returned() {
        let out = spool::block_on(with_deadlines(&[("total", 100 * MS)], async { 5 }));
        assert_eq!(out, Ok(5));
    }
}
