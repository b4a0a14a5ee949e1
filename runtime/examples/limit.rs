//! `limit`: at most three at a time (`asyncio.Semaphore(3)`).
//!
//! The tutorial starts ten requests at once but lets only three run
//! concurrently, to respect an API's rate limit. `async with sem:` becomes
//! `let _permit = sem.acquire().await?`: the permit is a value, and dropping
//! it at the end of the scope gives it back, however the scope is left
//! (return, `?`, panic or cancellation).
//!
//! What to look for: jobs 0, 1 and 2 start at once; every later job starts at
//! the very moment an earlier one finishes, and the in-flight count never
//! passes 3. The chart at the end draws each job's lifetime, 10 ms per
//! character. The program checks that the peak was exactly 3 and exits
//! non-zero otherwise.
//!
//! Run it with `cargo run -p spool --example limit`.

use std::cell::Cell;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use spool::sync::Semaphore;
use spool::time::sleep;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

const LIMIT: usize = 3;

/// How many jobs are running right now, and the most there ever were.
#[derive(Default)]
struct Gauge {
    now: Cell<usize>,
    peak: Cell<usize>,
}

impl Gauge {
    fn enter(&self) -> usize {
        self.now.set(self.now.get() + 1);
        self.peak.set(self.peak.get().max(self.now.get()));
        self.now.get()
    }

    fn leave(&self) {
        self.now.set(self.now.get() - 1);
    }
}

// ANCHOR: fetch_with_limit
/// A pretend request that may only run while it holds a permit. Returns when
/// it started and ended.
async fn fetch_with_limit(sem: &Semaphore, gauge: &Gauge, job: u64) -> (Duration, Duration) {
    let _permit = sem.acquire().await.expect("the semaphore is never closed");
    let started = START.elapsed();
    say!("  job {job} starts   ({} in flight)", gauge.enter());
    let work = Duration::from_millis(60 + job * 7 % 5 * 20); // 60 to 140 ms
    sleep(work).await;
    gauge.leave();
    say!("  job {job} done");
    (started, START.elapsed())
}
// ANCHOR_END: fetch_with_limit

fn main() {
    let (gauge, spans) = spool::block_on(async {
        // ANCHOR: gather
        let sem = Semaphore::new(LIMIT);
        let gauge = Gauge::default();
        let jobs = (0..10).map(|job| fetch_with_limit(&sem, &gauge, job));
        let spans = spool::join_all(jobs).await;
        // ANCHOR_END: gather
        (gauge, spans)
    });

    println!("\n  timeline, one █ = 10 ms:");
    for (job, (started, ended)) in spans.iter().enumerate() {
        let [from, to] = [started, ended].map(|t| (t.as_secs_f64() * 100.0).round() as usize);
        println!("  job {job} |{}{}", " ".repeat(from), "█".repeat(to - from));
    }
    println!();
    say!(
        "{} jobs done, at most {} at a time",
        spans.len(),
        gauge.peak.get()
    );
    assert_eq!(
        gauge.peak.get(),
        LIMIT,
        "the semaphore let the wrong number of jobs run together"
    );
}
