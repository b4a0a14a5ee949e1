//! Exercise solution ("Semaphore", exercise 1): a rate limiter on a
//! `Semaphore`.
//!
//! A limit on *concurrency* ("at most 3 at once") gives a permit back when
//! the work ends. A limit on *rate* ("at most 3 per 100 ms") gives it back a
//! fixed time after it was taken, however long the work took. So the
//! limiter takes a permit, `forget`s it (the work does not hold it), and
//! spawns a small task that adds one permit back after the period. Waiters
//! keep the semaphore's fair first-come, first-served order.

use std::rc::Rc;
use std::time::Duration;

use spool::sync::Semaphore;
use spool::time::sleep;

// ANCHOR: rate_limiter
/// Lets at most `per_period` calls through in any window of `period`.
pub struct RateLimiter {
    tokens: Rc<Semaphore>,
    period: Duration,
}

impl RateLimiter {
    /// A limiter with all `per_period` tokens available.
    pub fn new(per_period: usize, period: Duration) -> RateLimiter {
        RateLimiter {
            tokens: Rc::new(Semaphore::new(per_period)),
            period,
        }
    }

    /// Waits for a token. It comes back by itself one period from now.
    ///
    /// # Panics
    ///
    /// Outside `spool::block_on`, like `spool::spawn`.
    pub async fn acquire(&self) {
        let token = self.tokens.acquire().await.expect("never closed");
        // Dropping the permit would give it back now; the refill task gives
        // it back one period later instead.
        std::mem::forget(token);
        let tokens = self.tokens.clone();
        let period = self.period;
        spool::spawn(async move {
            sleep(period).await;
            tokens.add_permits(1);
        });
    }
}
// ANCHOR_END: rate_limiter

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn three_per_period_then_wait() {
        let times = spool::block_on(async {
            let limiter = RateLimiter::new(3, Duration::from_millis(100));
            let start = Instant::now();
            let mut times = Vec::new();
            for _ in 0..7 {
                limiter.acquire().await;
                times.push(start.elapsed());
            }
            times
        });
        let ms = Duration::from_millis;
        assert!(times[2] < ms(90), "the first three pass at once: {times:?}");
        assert!(times[3] >= ms(100), "the fourth waits a period: {times:?}");
        assert!(times[6] >= ms(200), "the seventh waits two: {times:?}");
        assert!(times[6] < ms(600), "{times:?}");
    }
}
