//! Timers: never early, in deadline order, cancellable, and cheap in bulk.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spool::time::{interval, sleep, sleep_until, timeout};

#[test]
fn sleeps_never_finish_early() {
    spool::block_on(async {
        let handles: Vec<_> = (0..50u64)
            .map(|i| {
                // Durations that are not whole milliseconds, to catch rounding down.
                let d = Duration::from_micros(300 + i * 1_370);
                spool::spawn(async move {
                    let start = Instant::now();
                    sleep(d).await;
                    (start.elapsed(), d)
                })
            })
            .collect();
        for h in handles {
            let (elapsed, asked) = h.await.unwrap();
            assert!(
                elapsed >= asked,
                "woke after {elapsed:?}, asked for {asked:?}"
            );
        }
    });
}

#[test]
fn timers_fire_in_deadline_order() {
    let order = Rc::new(RefCell::new(Vec::new()));
    spool::block_on({
        let order = order.clone();
        async move {
            let start = Instant::now();
            let handles: Vec<_> = [50u64, 10, 40, 20, 30]
                .into_iter()
                .map(|ms| {
                    let order = order.clone();
                    spool::spawn(async move {
                        sleep_until(start + Duration::from_millis(ms)).await;
                        order.borrow_mut().push(ms);
                    })
                })
                .collect();
            spool::join_all(handles).await;
        }
    });
    assert_eq!(*order.borrow(), [10, 20, 30, 40, 50]);
}

#[test]
fn timeout_returns_elapsed_and_cancels_the_future() {
    struct Flag(Rc<RefCell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            *self.0.borrow_mut() = true;
        }
    }
    let dropped = Rc::new(RefCell::new(false));
    spool::block_on({
        let dropped = dropped.clone();
        async move {
            let start = Instant::now();
            let slow = async move {
                let _flag = Flag(dropped);
                sleep(Duration::from_secs(3600)).await;
            };
            let result = timeout(Duration::from_millis(30), slow).await;
            assert_eq!(result.unwrap_err().to_string(), "deadline has elapsed");
            let waited = start.elapsed();
            assert!(waited >= Duration::from_millis(30));
            assert!(waited < Duration::from_secs(5), "{waited:?}");
        }
    });
    assert!(*dropped.borrow(), "the timed-out future must be dropped");
}

#[test]
fn interval_ticks_at_its_period_and_skips_missed_ticks() {
    spool::block_on(async {
        let start = Instant::now();
        let mut ticks = interval(Duration::from_millis(20));
        let first = ticks.tick().await;
        assert!(
            first - start < Duration::from_millis(20),
            "first tick is immediate"
        );
        ticks.tick().await;
        assert!(start.elapsed() >= Duration::from_millis(20));
        // Fall behind by several periods: the next tick comes at once, and
        // the one after a full period later (no burst of missed ticks).
        std::thread::sleep(Duration::from_millis(100));
        ticks.tick().await;
        let caught_up = Instant::now();
        ticks.tick().await;
        assert!(caught_up.elapsed() >= Duration::from_millis(15));
    });
}

#[test]
fn a_million_live_timers() {
    // Each sleep registers its timer on first poll; all million are live at
    // once. With an O(n) insert this would take hours; with the ordered map
    // it is a few seconds even in a debug build.
    let start = Instant::now();
    spool::block_on(async {
        let base = Instant::now() + Duration::from_secs(600);
        let mut sleeps: Vec<_> = (0..1_000_000u32)
            .map(|i| sleep_until(base + Duration::from_nanos(u64::from(i))))
            .collect();
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        for s in &mut sleeps {
            assert!(std::pin::Pin::new(s).poll_pending(&mut cx));
        }
        let mut last = sleeps.pop().unwrap();
        drop(sleeps); // removes 999,999 timers
        last.reset(Instant::now() + Duration::from_millis(10));
        last.await;
    });
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

/// Polls once and says whether the future is still pending.
trait PollPending {
    fn poll_pending(self, cx: &mut std::task::Context<'_>) -> bool;
}
impl<F: std::future::Future + Unpin> PollPending for std::pin::Pin<&mut F> {
    fn poll_pending(self, cx: &mut std::task::Context<'_>) -> bool {
        std::future::Future::poll(self, cx).is_pending()
    }
}

/// Regression (issue 7.5): the second deadline overflowed `Instant` and
/// panicked on the first tick.
#[test]
fn an_interval_of_duration_max_ticks_once_then_waits_like_sleep_max() {
    spool::block_on(async {
        let mut ticks = spool::time::interval(Duration::MAX);
        ticks.tick().await;
        let second = spool::time::timeout(Duration::from_millis(30), ticks.tick()).await;
        assert!(second.is_err(), "a second tick came after {:?}", second);
    });
}
