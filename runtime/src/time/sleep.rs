//! [`sleep`]: a future that finishes at a deadline (`asyncio.sleep`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::event_loop;
use crate::time::timers::TimerKey;

/// Waits until `duration` has passed.
///
/// The deadline is fixed when `sleep` is called, not when the future is
/// first polled. `sleep(Duration::ZERO)` finishes at once without yielding;
/// to let other tasks run, use [`yield_now`](crate::yield_now) (asyncio's
/// `sleep(0)`).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// spool::block_on(async {
///     let start = Instant::now();
///     spool::time::sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(Instant::now(), duration))
}

/// `start + duration`, or about 30 years from `start` when that cannot be
/// represented: what `sleep(Duration::MAX)` means in practice.
pub(crate) fn deadline_after(start: Instant, duration: Duration) -> Instant {
    const FAR_FUTURE: Duration = Duration::from_secs(86400 * 365 * 30);
    start
        .checked_add(duration)
        .unwrap_or_else(|| start + FAR_FUTURE)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        key: None,
    }
}

// ANCHOR: sleep
/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It registers its deadline with the loop's timer queue on the first poll
/// that finds it not yet due, and removes it when dropped — a cancelled
/// sleep leaves no timer behind. `Sleep` is `Unpin`: it holds only a
/// deadline and a key, so it can be polled through `&mut` and reset.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    key: Option<TimerKey>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The clock is the only authority: a timer fires only after its
        // deadline has passed, however the loop came to poll us.
        if Instant::now() >= self.deadline {
            self.cancel();
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        event_loop::with_timers(|timers| {
            // A key from a loop that has since ended (this sleep was polled
            // in an earlier `block_on`) is unknown here: register again.
            if !self.key.is_some_and(|key| timers.update(key, cx.waker())) {
                self.key = Some(timers.insert(deadline, cx.waker().clone()));
            }
        });
        Poll::Pending
    }
}
// ANCHOR_END: sleep

impl Sleep {
    /// When this sleep finishes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    // ANCHOR: reset
    /// Moves the deadline, keeping the future (used by [`Interval`](super::Interval)
    /// and by the HTTP server's keep-alive timeout).
    ///
    /// Moving it later leaves a registered timer where it is: when that
    /// timer fires, at the old deadline, the task is woken, `poll` finds the
    /// new deadline not yet due and registers for it. A deadline pushed back
    /// on every request, which almost never expires, then costs the timer
    /// queue one insert per old deadline instead of an insert and a remove
    /// per push. Moving it earlier takes the timer out at once, since it
    /// would fire too late. (tokio's `Sleep::reset` moves a later deadline
    /// without touching its wheel too, and its driver re-files the entry
    /// when it comes due without waking the task; ours costs that task one
    /// extra poll per old deadline.)
    pub fn reset(&mut self, deadline: Instant) {
        if deadline < self.deadline {
            self.cancel();
        }
        self.deadline = deadline;
    }
    // ANCHOR_END: reset

    fn cancel(&mut self) {
        if let Some(key) = self.key.take() {
            event_loop::try_with_timers(|timers| timers.remove(key));
        }
    }
}

// ANCHOR: sleep_drop
impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}
// ANCHOR_END: sleep_drop

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_loop::timer_count;

    /// Polls `sleep` once, which files its timer, and checks it is pending.
    fn register(sleep: &mut Sleep) {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(Pin::new(sleep).poll(&mut cx).is_pending());
    }

    #[test]
    fn dropping_a_pending_sleep_removes_its_timer() {
        crate::block_on(async {
            let mut long = sleep(Duration::from_secs(3600));
            register(&mut long);
            assert_eq!(timer_count(), 1);
            drop(long);
            assert_eq!(timer_count(), 0);
        });
    }

    #[test]
    fn a_later_reset_keeps_the_timer_and_waits_for_the_new_deadline() {
        crate::block_on(async {
            let start = Instant::now();
            let mut sleep = sleep(Duration::from_millis(20));
            register(&mut sleep);
            sleep.reset(start + Duration::from_millis(60));
            assert_eq!(timer_count(), 1, "the timer was taken out");
            sleep.await;
            assert!(start.elapsed() >= Duration::from_millis(60));
        });
    }

    #[test]
    fn an_earlier_reset_takes_the_timer_out_and_fires_on_time() {
        crate::block_on(async {
            let start = Instant::now();
            let mut sleep = sleep(Duration::from_secs(3600));
            register(&mut sleep);
            sleep.reset(start + Duration::from_millis(20));
            assert_eq!(timer_count(), 0, "the hour-long timer is still there");
            sleep.await;
            let waited = start.elapsed();
            assert!(waited >= Duration::from_millis(20), "{waited:?}");
            assert!(waited < Duration::from_secs(60), "{waited:?}");
        });
    }

    #[test]
    fn timeout_that_wins_leaves_no_timer() {
        crate::block_on(async {
            let out = crate::time::timeout(Duration::from_secs(3600), async {
                crate::yield_now().await;
                5
            })
            .await;
            assert_eq!(out, Ok(5));
            assert_eq!(timer_count(), 0);
        });
    }

    #[test]
    fn a_new_waker_replaces_the_stale_one() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::task::{Wake, Waker};
        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        crate::block_on(async {
            let first = Arc::new(Count(AtomicUsize::new(0)));
            let second = Arc::new(Count(AtomicUsize::new(0)));
            let mut nap = sleep(Duration::from_millis(20));
            let w1 = Waker::from(first.clone());
            let w2 = Waker::from(second.clone());
            assert!(
                Pin::new(&mut nap)
                    .poll(&mut Context::from_waker(&w1))
                    .is_pending()
            );
            assert!(
                Pin::new(&mut nap)
                    .poll(&mut Context::from_waker(&w2))
                    .is_pending()
            );
            sleep(Duration::from_millis(40)).await;
            assert_eq!(first.0.load(Ordering::SeqCst), 0, "stale waker was woken");
            assert_eq!(
                second.0.load(Ordering::SeqCst),
                1,
                "current waker was not woken"
            );
        });
    }
}
