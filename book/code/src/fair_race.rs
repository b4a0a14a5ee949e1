//! Exercise solution ("Running things together", exercise 2): a race that
//! is fair instead of biased.
//!
//! `race` and `select!` poll their first future first, so when both are
//! ready the first always wins, and a future that is always ready starves
//! the other. `Fair` remembers whom it polled first last time and starts
//! with the other one next time: over many rounds each side wins half the
//! ties. `tokio::select!` gets the same effect by starting at a random
//! branch; a rotation is just as fair and keeps runs reproducible.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

// ANCHOR: fair
/// The output of whichever future won.
#[derive(Debug, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future won.
    Left(A),
    /// The second future won.
    Right(B),
}

/// Races pairs of futures, taking turns at who is polled first.
#[derive(Debug, Default)]
pub struct Fair {
    right_first: bool,
}

impl Fair {
    /// A fresh rotation; the first poll starts with the left future.
    pub fn new() -> Fair {
        Fair::default()
    }

    /// Waits for the first of `a` and `b` and drops the other. Each poll
    /// starts with the future the previous poll tried second.
    pub async fn race<A: Future, B: Future>(&mut self, a: A, b: B) -> Either<A::Output, B::Output> {
        let mut a = pin!(a);
        let mut b = pin!(b);
        poll_fn(|cx| {
            let right_first = self.right_first;
            self.right_first = !right_first;
            if right_first && let Poll::Ready(out) = b.as_mut().poll(cx) {
                return Poll::Ready(Either::Right(out));
            }
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                return Poll::Ready(Either::Left(out));
            }
            if !right_first && let Poll::Ready(out) = b.as_mut().poll(cx) {
                return Poll::Ready(Either::Right(out));
            }
            Poll::Pending
        })
        .await
    }
}
// ANCHOR_END: fair

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use spool::sync::Queue;

    #[test]
    fn ties_are_shared_out_evenly() {
        let (left, right) = spool::block_on(async {
            let mut fair = Fair::new();
            let (mut left, mut right) = (0, 0);
            for _ in 0..100 {
                match fair.race(async { 'l' }, async { 'r' }).await {
                    Either::Left(_) => left += 1,
                    Either::Right(_) => right += 1,
                }
            }
            (left, right)
        });
        // `spool::race` would give 100 to 0.
        assert_eq!((left, right), (50, 50));
    }

    #[test]
    fn a_busy_source_does_not_starve_the_other() {
        let served = spool::block_on(async {
            let busy = Queue::new(0);
            let quiet = Queue::new(0);
            for n in 0..1000 {
                busy.try_put(n).unwrap();
            }
            quiet.try_put("shutdown").unwrap();
            let mut fair = Fair::new();
            let mut served = 0;
            loop {
                match fair.race(busy.get(), quiet.get()).await {
                    Either::Left(_) => served += 1,
                    Either::Right(_) => return served,
                }
            }
        });
        assert!(served < 2, "the shutdown waited behind {served} items");
    }

    #[test]
    fn the_faster_one_wins() {
        let winner = spool::block_on(async {
            let slow = spool::time::sleep(Duration::from_millis(50));
            Fair::new().race(slow, async { "now" }).await
        });
        assert_eq!(winner, Either::Right("now"));
    }
}
