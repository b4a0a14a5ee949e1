//! [`interval`]: a clock that ticks every period.

use std::time::{Duration, Instant};

use crate::time::{Sleep, deadline_after, sleep_until};

/// Ticks every `period`, the first tick at once.
///
/// If the loop falls behind (a tick is collected late), missed ticks are not
/// replayed in a burst: the schedule continues one period after the late
/// tick, so a stalled consumer never sees a flood. That is tokio's
/// `MissedTickBehavior::Delay`; tokio's default, `Burst`, fires the missed
/// ticks back to back to catch up.
///
/// A period too long to add to the clock (`Duration::MAX`) ticks once and
/// then, like `sleep(Duration::MAX)`, practically never again.
///
/// # Panics
///
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// spool::block_on(async {
///     let start = Instant::now();
///     let mut ticks = spool::time::interval(Duration::from_millis(10));
///     for _ in 0..3 {
///         ticks.tick().await;
///     }
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    Interval {
        period,
        sleep: sleep_until(Instant::now()),
    }
}

/// The stream of ticks returned by [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    sleep: Sleep,
}

impl Interval {
    // ANCHOR: tick
    /// Waits for the next tick and returns when it was scheduled.
    pub async fn tick(&mut self) -> Instant {
        (&mut self.sleep).await;
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        let mut next = deadline_after(scheduled, self.period);
        if next <= now {
            next = deadline_after(now, self.period);
        }
        self.sleep.reset(next);
        scheduled
    }
    // ANCHOR_END: tick

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}
