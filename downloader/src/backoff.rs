//! When to try a download again, and how long to wait first.
//!
//! The tutorial's `AsyncDownloader` retries a failed download after
//! `retry_delay * 2 ** attempt` seconds. That rule is kept, with three
//! refinements that real downloaders need:
//!
//! - **Not every failure is worth retrying.** A refused connection or a 503
//!   may clear up in a second; a 404 or a bad certificate will not. The
//!   driver sorts each failed attempt into a [`Failure`] and asks
//!   [`RetryPolicy::should_retry`]. Keeping the classes in one small enum means
//!   the decision lives here, in one table, instead of being scattered over
//!   the error handling of the HTTP client.
//! - **Jitter.** When five downloads from one server fail together (the server
//!   restarted), doubling alone makes all five come back at the same instant,
//!   again and again. Each delay is therefore randomised: we use *equal
//!   jitter*, a wait between half and all of the doubled delay. The random
//!   half spreads the retries out; the fixed half keeps a backoff that really
//!   backs off (with *full* jitter, `0..=delay`, an unlucky draw retries at
//!   once).
//! - **A cap.** Doubling grows fast: the tenth retry of a 1 s delay would wait
//!   eight and a half minutes. No single wait exceeds [`RetryPolicy::cap`],
//!   [`DEFAULT_CAP`] unless changed.
//!
//! A server may also say when to come back, with a `Retry-After` header
//! (usually on 429 and 503). [`parse_retry_after`] reads both of its forms,
//! and [`RetryPolicy::delay`] waits at least that long, still within the cap.
//!
//! Everything here is pure: the random numbers come from a [`Jitter`] the
//! caller owns, and the clock for `Retry-After` dates is a parameter. Seeded,
//! the whole schedule is reproducible, which is what the tests rely on.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::{Duration, SystemTime};

/// The longest single wait between two attempts unless the policy says otherwise.
///
/// Thirty seconds is long enough to ride out a server restart and short
/// enough that a user watching the progress display does not think the
/// program hung.
pub const DEFAULT_CAP: Duration = Duration::from_secs(30);

// ANCHOR: failure
/// Why one attempt failed, in the coarse classes that decide about retrying.
///
/// The driver maps its own errors onto these; anything that does not fit
/// one of the transient classes is [`Failure::Fatal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server could not be reached: name lookup failed, the connection
    /// was refused, or the network was unreachable.
    Connect,
    /// A connect, read or whole-attempt timeout expired.
    Timeout,
    /// The connection was reset or closed before a complete response arrived.
    Reset,
    /// The body ended before the length the server announced.
    Truncated,
    /// The server answered with this HTTP status code, which is not a success.
    Status(u16),
    /// The body's digest is not the one given for it. Retried from the
    /// first byte: a mirror may have served a bad copy this once.
    Checksum,
    /// Something retrying cannot fix: a malformed URL, a certificate the
    /// trust roots reject, a full disk, a redirect loop.
    Fatal,
}

impl Failure {
    /// Whether another attempt could plausibly succeed.
    ///
    /// Transport trouble is retryable. Of the HTTP statuses only those that
    /// describe a passing condition are: 408 Request Timeout, 429 Too Many
    /// Requests, 500 Internal Server Error, 502 Bad Gateway, 503 Service
    /// Unavailable and 504 Gateway Timeout. Every other status, 404 and 403
    /// in particular, would only be answered the same way again.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_dl::backoff::Failure;
    ///
    /// assert!(Failure::Status(503).is_retryable());
    /// assert!(!Failure::Status(404).is_retryable());
    /// assert!(Failure::Timeout.is_retryable());
    /// ```
    pub fn is_retryable(self) -> bool {
        match self {
            Failure::Connect
            | Failure::Timeout
            | Failure::Reset
            | Failure::Truncated
            | Failure::Checksum => true,
            Failure::Status(code) => matches!(code, 408 | 429 | 500 | 502 | 503 | 504),
            Failure::Fatal => false,
        }
    }
}
// ANCHOR_END: failure

/// How many times to try a download and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts allowed after the first one (`--retries`); zero disables retrying.
    pub retries: u32,
    /// The wait before the first retry (`--retry-delay`); each later wait doubles it.
    pub first_delay: Duration,
    /// The longest wait allowed, whatever doubling or the server asks for.
    pub cap: Duration,
}

impl RetryPolicy {
    /// A policy with the given retry count and first delay, capped at [`DEFAULT_CAP`].
    pub fn new(retries: u32, first_delay: Duration) -> RetryPolicy {
        RetryPolicy {
            retries,
            first_delay,
            cap: DEFAULT_CAP,
        }
    }

    /// The most attempts one download may make: the first plus the retries.
    pub fn max_attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }

    /// Whether to try again after `attempts_made` attempts, the last of which
    /// failed with `failure`.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_dl::backoff::{Failure, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// let policy = RetryPolicy::new(2, Duration::from_secs(1));
    /// assert!(policy.should_retry(1, Failure::Reset));
    /// assert!(policy.should_retry(2, Failure::Reset));
    /// assert!(!policy.should_retry(3, Failure::Reset)); // 1 + 2 retries used up
    /// assert!(!policy.should_retry(1, Failure::Status(404)));
    /// ```
    pub fn should_retry(&self, attempts_made: u32, failure: Failure) -> bool {
        failure.is_retryable() && attempts_made < self.max_attempts()
    }

    // ANCHOR: delay
    /// The un-jittered wait before retry number `retry` (1 for the first
    /// retry): `first_delay * 2^(retry - 1)`, at most the cap.
    pub fn base_delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry number `retry` (1 for the first retry).
    ///
    /// The doubled delay is jittered to between half and all of itself. If
    /// the server sent `Retry-After`, the wait is at least that long: the
    /// server knows when it expects to recover, while our own delay still
    /// keeps clients that were all told "0" from stampeding back together.
    /// Either way the result never exceeds the cap: a server asking for an
    /// hour gets asked again after [`RetryPolicy::cap`].
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_dl::backoff::{Jitter, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// let policy = RetryPolicy::new(5, Duration::from_secs(1));
    /// let mut jitter = Jitter::from_seed(7);
    /// let wait = policy.delay(3, &mut jitter, None);
    /// assert!(wait >= Duration::from_secs(2) && wait <= Duration::from_secs(4));
    ///
    /// let told = policy.delay(1, &mut jitter, Some(Duration::from_secs(10)));
    /// assert_eq!(told, Duration::from_secs(10));
    /// ```
    pub fn delay(
        &self,
        retry: u32,
        jitter: &mut Jitter,
        retry_after: Option<Duration>,
    ) -> Duration {
        let base = self.base_delay(retry);
        let half = base / 2;
        let ours = half + jitter.up_to(base - half);
        match retry_after {
            Some(asked) => ours.max(asked).min(self.cap),
            None => ours,
        }
    }
    // ANCHOR_END: delay
}

/// A small, seedable source of random numbers for jitter.
///
/// Jitter needs numbers that are spread out, not numbers that are hard to
/// guess, so the xorshift64* generator suffices: three shifts and a multiply
/// per number, no dependency, and a fixed seed gives a fixed sequence in
/// tests. Each download task can own one; nothing is shared or locked.
#[derive(Debug, Clone)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    /// A generator whose sequence is fixed by `seed`; for tests.
    ///
    /// Xorshift never leaves the all-zero state, so the seed is first mixed
    /// (with the SplitMix64 finaliser), which maps every input, zero
    /// included, to a usable state.
    pub fn from_seed(seed: u64) -> Jitter {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Jitter {
            state: if z == 0 { 1 } else { z },
        }
    }

    /// A generator seeded differently on every call.
    ///
    /// The seed hashes the current time with std's [`RandomState`], whose keys
    /// are random per process, so two processes started in the same
    /// nanosecond still jitter differently.
    pub fn from_entropy() -> Jitter {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        Jitter::from_seed(hasher.finish())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A random duration from zero to `max`, both included, to the nanosecond.
    pub fn up_to(&mut self, max: Duration) -> Duration {
        // Durations this long never come out of a capped policy; saturating
        // keeps the arithmetic total anyway.
        let span = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        // Multiply-high maps 64 random bits onto 0..=span without the bias
        // of `% (span + 1)` and without overflowing when span is u64::MAX.
        let pick = (u128::from(self.next_u64()) * (u128::from(span) + 1)) >> 64;
        Duration::from_nanos(pick as u64)
    }
}

/// Reads a `Retry-After` header value as a wait from `now`.
///
/// The header has two forms (RFC 9110, section 10.2.3): a number of seconds,
/// `Retry-After: 120`, or an HTTP date, `Retry-After: Fri, 31 Dec 1999
/// 23:59:59 GMT`. A date in the past means "now" and gives zero. Anything
/// else, including fractions and negative numbers, which the grammar does not
/// allow, gives `None`: a garbled header is ignored rather than trusted.
///
/// A number too large for a `u64` is read as the longest possible wait; the
/// policy's cap bounds it anyway.
///
/// # Examples
///
/// ```
/// use spool_dl::backoff::parse_retry_after;
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(
///     parse_retry_after("Sun, 09 Sep 2001 01:48:20 GMT", now),
///     Some(Duration::from_secs(100)),
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn transport_failures_are_retryable() {
        for failure in [
            Failure::Connect,
            Failure::Timeout,
            Failure::Reset,
            Failure::Truncated,
        ] {
            assert!(failure.is_retryable(), "{failure:?}");
        }
        assert!(!Failure::Fatal.is_retryable());
    }

    #[test]
    fn only_transient_statuses_are_retryable() {
        let retryable: Vec<u16> = (100..600)
            .filter(|&code| Failure::Status(code).is_retryable())
            .collect();
        assert_eq!(retryable, [408, 429, 500, 502, 503, 504]);
    }

    #[test]
    fn retries_stop_after_the_budget() {
        let policy = RetryPolicy::new(2, secs(1));
        assert_eq!(policy.max_attempts(), 3);
        assert!(policy.should_retry(1, Failure::Timeout));
        assert!(policy.should_retry(2, Failure::Timeout));
        assert!(!policy.should_retry(3, Failure::Timeout));
    }

    #[test]
    fn zero_retries_means_one_attempt() {
        let policy = RetryPolicy::new(0, secs(1));
        assert_eq!(policy.max_attempts(), 1);
        assert!(!policy.should_retry(1, Failure::Connect));
    }

    #[test]
    fn a_permanent_failure_is_not_retried_even_with_budget_left() {
        let policy = RetryPolicy::new(10, secs(1));
        assert!(!policy.should_retry(1, Failure::Status(404)));
        assert!(!policy.should_retry(1, Failure::Fatal));
    }

    #[test]
    fn max_attempts_saturates() {
        assert_eq!(RetryPolicy::new(u32::MAX, secs(1)).max_attempts(), u32::MAX);
    }

    #[test]
    fn base_delay_doubles_from_the_first_delay() {
        let policy = RetryPolicy::new(10, Duration::from_millis(500));
        let delays: Vec<Duration> = (1..=4).map(|n| policy.base_delay(n)).collect();
        assert_eq!(
            delays,
            [500, 1000, 2000, 4000].map(Duration::from_millis).to_vec()
        );
    }

    #[test]
    fn base_delay_is_capped_and_never_overflows() {
        let policy = RetryPolicy::new(u32::MAX, secs(1));
        assert_eq!(policy.base_delay(6), secs(30));
        assert_eq!(policy.base_delay(1000), secs(30));
        assert_eq!(policy.base_delay(u32::MAX), secs(30));
        let huge = RetryPolicy {
            first_delay: Duration::MAX,
            ..policy
        };
        assert_eq!(huge.base_delay(3), secs(30));
    }

    #[test]
    fn retry_zero_is_treated_like_the_first_retry() {
        let policy = RetryPolicy::new(3, secs(2));
        assert_eq!(policy.base_delay(0), policy.base_delay(1));
    }

    #[test]
    fn jittered_delay_lies_between_half_and_all_of_the_base() {
        let policy = RetryPolicy::new(10, secs(1));
        let mut jitter = Jitter::from_seed(42);
        for retry in 1..=8 {
            let base = policy.base_delay(retry);
            for _ in 0..200 {
                let wait = policy.delay(retry, &mut jitter, None);
                assert!(wait >= base / 2 && wait <= base, "{wait:?} vs {base:?}");
            }
        }
    }

    #[test]
    fn jitter_actually_spreads_the_delays() {
        let policy = RetryPolicy::new(3, secs(4));
        let mut jitter = Jitter::from_seed(1);
        let waits: Vec<Duration> = (0..100)
            .map(|_| policy.delay(1, &mut jitter, None))
            .collect();
        let low = waits.iter().filter(|w| **w < secs(3)).count();
        let high = waits.iter().filter(|w| **w >= secs(3)).count();
        assert!(low > 20 && high > 20, "low {low}, high {high}");
    }

    #[test]
    fn a_zero_first_delay_retries_immediately() {
        let policy = RetryPolicy::new(3, Duration::ZERO);
        let mut jitter = Jitter::from_seed(3);
        assert_eq!(policy.delay(2, &mut jitter, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_raises_the_wait_but_respects_the_cap() {
        let policy = RetryPolicy::new(5, secs(1));
        let mut jitter = Jitter::from_seed(9);
        assert_eq!(policy.delay(1, &mut jitter, Some(secs(12))), secs(12));
        assert_eq!(policy.delay(1, &mut jitter, Some(secs(3600))), secs(30));
    }

    #[test]
    fn a_short_retry_after_does_not_undercut_our_backoff() {
        let policy = RetryPolicy::new(5, secs(8));
        let mut jitter = Jitter::from_seed(11);
        let wait = policy.delay(1, &mut jitter, Some(Duration::ZERO));
        assert!(wait >= secs(4), "{wait:?}");
    }

    #[test]
    fn a_custom_cap_applies_to_everything() {
        let policy = RetryPolicy {
            cap: secs(5),
            ..RetryPolicy::new(5, secs(4))
        };
        let mut jitter = Jitter::from_seed(5);
        for retry in 1..=5 {
            assert!(policy.delay(retry, &mut jitter, None) <= secs(5));
        }
        assert_eq!(policy.delay(1, &mut jitter, Some(secs(60))), secs(5));
    }

    #[test]
    fn same_seed_same_schedule() {
        let policy = RetryPolicy::new(5, secs(1));
        let schedule = |seed| {
            let mut jitter = Jitter::from_seed(seed);
            (1..=5)
                .map(|n| policy.delay(n, &mut jitter, None))
                .collect::<Vec<_>>()
        };
        assert_eq!(schedule(123), schedule(123));
        assert_ne!(schedule(123), schedule(124));
    }

    #[test]
    fn seed_zero_still_produces_numbers() {
        let mut jitter = Jitter::from_seed(0);
        let first = jitter.next_u64();
        let second = jitter.next_u64();
        assert_ne!(first, 0);
        assert_ne!(first, second);
    }

    #[test]
    fn entropy_seeds_differ() {
        let a = Jitter::from_entropy().next_u64();
        let b = Jitter::from_entropy().next_u64();
        assert_ne!(a, b);
    }

    #[test]
    fn up_to_includes_its_bounds_and_handles_extremes() {
        let mut jitter = Jitter::from_seed(2);
        assert_eq!(jitter.up_to(Duration::ZERO), Duration::ZERO);
        let tiny = Duration::from_nanos(1);
        let draws: Vec<Duration> = (0..200).map(|_| jitter.up_to(tiny)).collect();
        assert!(draws.contains(&Duration::ZERO) && draws.contains(&tiny));
        assert!(jitter.up_to(Duration::MAX) <= Duration::from_nanos(u64::MAX));
    }

    #[test]
    fn retry_after_seconds() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 42 ", now), Some(secs(42)));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(secs(u64::MAX))
        );
    }

    #[test]
    fn retry_after_rejects_what_the_grammar_does_not_allow() {
        let now = SystemTime::UNIX_EPOCH;
        for bad in [
            "",
            "  ",
            "-5",
            "1.5",
            "+3",
            "3s",
            "tomorrow",
            "Fri, 99 Foo 2024",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_http_dates() {
        // 2015-10-21 07:28:00 UTC
        let now = SystemTime::UNIX_EPOCH + secs(1_445_412_480);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(secs(30))
        );
        // The two obsolete date forms HTTP still requires recipients to accept.
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:05 2015", now),
            Some(secs(5))
        );
    }

    #[test]
    fn retry_after_date_in_the_past_means_now() {
        let now = SystemTime::UNIX_EPOCH + secs(1_445_412_480);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }
}
