//! `--limit-rate`: one bandwidth budget for the whole batch.
//!
//! The limit applies to the batch, not to each download, as in aria2c's
//! `--max-overall-download-limit`: `-j 8 --limit-rate 1M` moves 1 MiB/s
//! in total, not 8. Every download draws from one [`RateLimiter`] after
//! each chunk it writes, and waits if the batch is ahead of its budget.
//! Not reading meanwhile is what slows the sender: TCP's flow control
//! fills the socket buffers and the server stops sending.
//!
//! # The bucket
//!
//! The limiter is a token bucket written the way GCRA writes one: instead
//! of a token count refilled by a timer, it keeps one instant, the
//! *theoretical arrival time* (`tat`), at which the batch will have paid
//! for every byte taken so far. Taking `n` bytes moves `tat` forward by
//! `n / rate` and the caller sleeps until `tat - BURST` (at once if that
//! is in the past). A caller may run into debt, so a chunk larger than the
//! bucket still passes, and pays for itself in the sleep that follows.
//! An idle batch lets `tat` fall behind `now`; it is brought up to `now`
//! before the next bytes are added, so a pause saves up at most [`BURST`]
//! of traffic. The result: over any interval of length
//! `t`, at most `rate × (t + BURST)` bytes plus one chunk go by.
//!
//! There is no refill timer and no polling: a download that must wait
//! sleeps once, on the runtime's timer queue, until the exact instant its
//! bytes are paid for. An idle or throttled batch uses no CPU.
//!
//! # Units
//!
//! `RATE` is bytes per second: a whole or decimal number with an optional
//! suffix `K`, `M` or `G` (either case) for 1024, 1024² and 1024³, as in
//! curl, wget and aria2c. `--limit-rate 500K` is 512,000 bytes per second.

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How much unused budget the batch may save up while idle: after a pause,
/// at most this much traffic passes at full speed.
pub const BURST: Duration = Duration::from_millis(50);

/// A rate in bytes per second, at least 1.
///
/// # Examples
///
/// ```
/// use spool_dl::rate_limit::Rate;
///
/// assert_eq!("500K".parse::<Rate>()?.bytes_per_sec(), 512_000);
/// assert_eq!("1.5m".parse::<Rate>()?.bytes_per_sec(), 1_572_864);
/// assert_eq!("4096".parse::<Rate>()?.bytes_per_sec(), 4096);
/// # Ok::<(), spool_dl::rate_limit::RateError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(u64);

impl Rate {
    /// A rate of `bytes` per second; `None` for zero.
    pub fn new(bytes: u64) -> Option<Rate> {
        (bytes > 0).then_some(Rate(bytes))
    }

    /// Bytes per second.
    pub fn bytes_per_sec(self) -> u64 {
        self.0
    }

    /// How long `bytes` take at this rate, rounded down to the nanosecond.
    pub fn time_for(self, bytes: u64) -> Duration {
        let nanos = u128::from(bytes) * 1_000_000_000 / u128::from(self.0);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// How many bytes pass at this rate in `time`, rounded down.
    fn bytes_in(self, time: Duration) -> u64 {
        let bytes = time.as_nanos() * u128::from(self.0) / 1_000_000_000;
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(text: &str) -> Result<Rate, RateError> {
        let bad = || RateError::Malformed(text.to_owned());
        let text = text.trim();
        let (number, unit) = match text.char_indices().last() {
            Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], c),
            _ => (text, 'b'),
        };
        let multiplier: u64 = match unit.to_ascii_lowercase() {
            'b' => 1,
            'k' => 1 << 10,
            'm' => 1 << 20,
            'g' => 1 << 30,
            _ => return Err(bad()),
        };
        // Only digits and one dot: `f64`'s parser would also take `inf`,
        // `nan`, `-1` and `1e9`, none of which a user means here.
        let digits_and_dot = !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && number.bytes().filter(|&b| b == b'.').count() <= 1
            && number != ".";
        if !digits_and_dot {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let bytes = value * multiplier as f64;
        if bytes >= u64::MAX as f64 {
            return Err(RateError::TooLarge(text.to_owned()));
        }
        Rate::new(bytes as u64).ok_or(RateError::Zero)
    }
}

impl fmt::Display for Rate {
    /// The rate in the largest unit that shows it exactly: `500K`, `2M`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (suffix, size) in [("G", 1u64 << 30), ("M", 1 << 20), ("K", 1 << 10)] {
            if self.0 % size == 0 {
                return write!(f, "{}{suffix}", self.0 / size);
            }
        }
        write!(f, "{}", self.0)
    }
}

/// Why a `--limit-rate` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateError {
    /// Not a number with an optional `K`, `M` or `G`.
    Malformed(String),
    /// Zero (or less than one byte per second).
    Zero,
    /// More bytes per second than a `u64` holds.
    TooLarge(String),
}

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateError::Malformed(text) => write!(
                f,
                "expected bytes per second like 500K, 2M or 65536 (K = 1024), got {text:?}"
            ),
            RateError::Zero => {
                f.write_str("must be at least 1 byte per second (for no limit, set no rate at all)")
            }
            RateError::TooLarge(text) => write!(f, "{text} is too large a rate"),
        }
    }
}

impl std::error::Error for RateError {}

/// The batch's bandwidth budget: see the [module documentation](self).
///
/// Shared by the downloads of one batch through an `Rc`: the runtime runs
/// them all on one thread, so a `Cell` is all the state needs.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Rate,
    /// The instant at which every byte taken so far is paid for.
    tat: Cell<Instant>,
}

impl RateLimiter {
    /// A limiter whose budget starts full (one [`BURST`] of traffic).
    pub fn new(rate: Rate) -> RateLimiter {
        RateLimiter::starting_at(rate, Instant::now())
    }

    fn starting_at(rate: Rate, now: Instant) -> RateLimiter {
        RateLimiter {
            rate,
            tat: Cell::new(now),
        }
    }

    /// The rate this limiter holds the batch to.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    // ANCHOR: reserve
    /// Accounts for `bytes` taken at `now` and returns the instant the
    /// taker must wait for, or `None` if it may go on at once.
    pub fn reserve(&self, bytes: u64, now: Instant) -> Option<Instant> {
        let tat = self.tat.get().max(now) + self.rate.time_for(bytes);
        self.tat.set(tat);
        let resume = tat.checked_sub(BURST).unwrap_or(tat);
        (resume > now).then_some(resume)
    }
    // ANCHOR_END: reserve

    /// Takes `bytes` from the budget, sleeping until they are paid for.
    pub async fn take(&self, bytes: u64) {
        if let Some(resume) = self.reserve(bytes, Instant::now()) {
            spool::time::sleep_until(resume).await;
        }
    }

    /// How many bytes the budget allows at `now` without waiting.
    pub fn available(&self, now: Instant) -> u64 {
        let ahead = self.tat.get().saturating_duration_since(now);
        self.rate.bytes_in(BURST.saturating_sub(ahead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> u64 {
        text.parse::<Rate>()
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .bytes_per_sec()
    }

    #[test]
    fn units_are_powers_of_1024_in_either_case() {
        assert_eq!(rate("1"), 1);
        assert_eq!(rate("65536"), 65536);
        assert_eq!(rate("500K"), 500 * 1024);
        assert_eq!(rate("500k"), 500 * 1024);
        assert_eq!(rate("2M"), 2 * 1024 * 1024);
        assert_eq!(rate("2m"), 2 * 1024 * 1024);
        assert_eq!(rate("1G"), 1 << 30);
        assert_eq!(rate("0.5K"), 512);
        assert_eq!(rate("1.5M"), 1_572_864);
        assert_eq!(rate(" 10K "), 10_240);
        assert_eq!(rate("100b"), 100);
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        for bad in [
            "", "K", "-1", "-5K", "1e6", "inf", "nan", "1.2.3", ".", "5X", "5KB", "five", "1 K",
            "0x10",
        ] {
            assert_eq!(
                bad.parse::<Rate>(),
                Err(RateError::Malformed(bad.trim().to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!("0".parse::<Rate>(), Err(RateError::Zero));
        assert_eq!("0K".parse::<Rate>(), Err(RateError::Zero));
        assert_eq!("0.1".parse::<Rate>(), Err(RateError::Zero));
        assert!(matches!(
            "99999999999999G".parse::<Rate>(),
            Err(RateError::TooLarge(_))
        ));
        assert!(
            RateError::Zero
                .to_string()
                .contains("for no limit, set no rate")
        );
    }

    #[test]
    fn rates_display_in_their_largest_exact_unit() {
        for (text, shown) in [
            ("500K", "500K"),
            ("2048K", "2M"),
            ("1000", "1000"),
            ("3G", "3G"),
        ] {
            assert_eq!(text.parse::<Rate>().unwrap().to_string(), shown);
        }
    }

    #[test]
    fn time_for_bytes() {
        let r = Rate::new(1000).unwrap();
        assert_eq!(r.time_for(1000), Duration::from_secs(1));
        assert_eq!(r.time_for(1), Duration::from_millis(1));
        assert_eq!(r.time_for(0), Duration::ZERO);
        assert_eq!(
            Rate::new(3).unwrap().time_for(1),
            Duration::from_nanos(333_333_333)
        );
        assert_eq!(
            Rate::new(1).unwrap().time_for(u64::MAX),
            Duration::from_nanos(u64::MAX)
        );
    }

    #[test]
    fn a_fresh_limiter_lets_one_burst_through_then_makes_callers_wait() {
        let t0 = Instant::now();
        let limiter = RateLimiter::starting_at(Rate::new(1000).unwrap(), t0);
        assert_eq!(limiter.available(t0), 50);
        assert_eq!(limiter.reserve(50, t0), None);
        assert_eq!(limiter.available(t0), 0);
        // 100 more bytes are paid for at t0 + 150 ms; one burst early is fine.
        assert_eq!(
            limiter.reserve(100, t0),
            Some(t0 + Duration::from_millis(100))
        );
    }

    #[test]
    fn a_chunk_larger_than_the_bucket_passes_and_pays_afterwards() {
        let t0 = Instant::now();
        let limiter = RateLimiter::starting_at(Rate::new(1000).unwrap(), t0);
        assert_eq!(
            limiter.reserve(5000, t0),
            Some(t0 + Duration::from_millis(4950))
        );
    }

    #[test]
    fn idle_time_saves_up_no_more_than_one_burst() {
        let t0 = Instant::now();
        let limiter = RateLimiter::starting_at(Rate::new(1000).unwrap(), t0);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(limiter.available(later), 50);
        assert_eq!(limiter.reserve(50, later), None);
        assert_eq!(
            limiter.reserve(10, later),
            Some(later + Duration::from_millis(10))
        );
    }

    #[test]
    fn callers_that_keep_pace_never_wait() {
        let t0 = Instant::now();
        let limiter = RateLimiter::starting_at(Rate::new(1000).unwrap(), t0);
        for ms in 1..=1000 {
            assert_eq!(limiter.reserve(1, t0 + Duration::from_millis(ms)), None);
        }
    }

    #[test]
    fn over_any_stretch_at_most_rate_times_time_plus_burst_goes_by() {
        // Two downloads alternate 700-byte chunks at 10,000 B/s; each goes
        // on when told. However long the run, bytes out by time t stay
        // within rate × t + one burst + one chunk, and never fall more than
        // one chunk behind rate × t.
        let rate = 10_000;
        let t0 = Instant::now();
        let limiter = RateLimiter::starting_at(Rate::new(rate).unwrap(), t0);
        let mut clocks = [t0, t0];
        let mut taken = 0u64;
        for step in 0..2000 {
            let who = step % 2;
            let now = clocks[who].max(clocks[1 - who]);
            taken += 700;
            if let Some(resume) = limiter.reserve(700, now) {
                clocks[who] = resume;
            } else {
                clocks[who] = now;
            }
            let elapsed = clocks[who] - t0;
            let allowed = Rate::new(rate).unwrap().bytes_in(elapsed + BURST) + 700;
            assert!(taken <= allowed, "step {step}: {taken} > {allowed}");
            let floor = Rate::new(rate).unwrap().bytes_in(elapsed);
            assert!(
                taken + 700 >= floor,
                "step {step}: {taken} far below {floor}"
            );
        }
        // 1.4 MB at 10 kB/s: 140 s of simulated time, less one burst.
        let total = clocks[0].max(clocks[1]) - t0;
        assert!(
            (Duration::from_millis(139_900)..=Duration::from_millis(140_000)).contains(&total),
            "{total:?}"
        );
    }

    #[test]
    fn take_sleeps_on_the_timer_and_shares_one_budget_between_tasks() {
        // 640 KiB at 1 MiB/s through two tasks: at least 0.625 s less one
        // burst, whatever the machine's load; the upper bound is generous.
        let started = Instant::now();
        let cpu_before = thread_cpu_time();
        spool::block_on(async {
            let limiter = std::rc::Rc::new(RateLimiter::new("1M".parse().unwrap()));
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let limiter = limiter.clone();
                    spool::spawn(async move {
                        for _ in 0..10 {
                            limiter.take(32 * 1024).await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(575), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        // Waiting is sleeping: the loop's thread used far less CPU than
        // wall-clock time (a polling wait would use all of it).
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu_time()) {
            let cpu = after - before;
            assert!(cpu < elapsed / 4, "{cpu:?} of CPU in {elapsed:?}");
        }
    }

    /// CPU time of the calling thread (user + system), where Linux tells.
    fn thread_cpu_time() -> Option<Duration> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        // Fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        // Clock ticks are 1/100 s on every Linux configuration in use.
        Some(Duration::from_millis((utime + stime) * 10))
    }
}
