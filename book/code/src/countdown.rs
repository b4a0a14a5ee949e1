//! Exercise solution ("Future, Poll and Context", exercise 1): a future
//! that is `Pending` a given number of times before it is ready.
//!
//! The point of the exercise is the rule every hand-written future keeps:
//! before returning `Pending`, make sure somebody will call the waker. Here
//! nobody else will, so the future wakes itself.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

// ANCHOR: countdown
/// Ready on poll number `n + 1`.
pub struct Countdown {
    remaining: u32,
}

impl Countdown {
    /// A future that answers `Pending` `n` times first.
    pub fn new(n: u32) -> Countdown {
        Countdown { remaining: n }
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
// ANCHOR_END: countdown

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    /// A waker that only counts how often it was called.
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn pending_n_times_and_wakes_before_each() {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut countdown = Countdown::new(3);
        for expected_wakes in 1..=3 {
            assert!(Pin::new(&mut countdown).poll(&mut cx).is_pending());
            assert_eq!(counter.0.load(Ordering::Relaxed), expected_wakes);
        }
        assert!(Pin::new(&mut countdown).poll(&mut cx).is_ready());
        assert_eq!(counter.0.load(Ordering::Relaxed), 3, "no wake when ready");
    }

    #[test]
    fn finishes_on_spool_without_hanging() {
        // If the future forgot its wake, spool would sleep forever here.
        spool::block_on(Countdown::new(5));
    }
}
