//! `wait_for`: give up on slow work (`asyncio.wait_for`).
//!
//! [`spool::time::timeout`] wraps a future and a duration. If the future
//! finishes first you get `Ok(output)`; if the clock wins you get
//! `Err(Elapsed)` and the future is *dropped*. In Rust, dropping a future is
//! how you cancel it: it stops at whatever `.await` it was parked on, and its
//! destructors run. asyncio cancels by throwing `CancelledError` into the
//! coroutine; here there is nothing to throw and nothing to catch.
//!
//! The tutorial waits 3 s for a 10 s operation. Here the timeout is 0.3 s.
//! What to look for: the "dropped" line from the slow operation appears at
//! 0.3 s, *before* the caller prints the timeout; and the fast operation
//! finishes normally. The program checks that the slow one was cancelled
//! exactly once and exits non-zero otherwise.
//!
//! Run it with `cargo run -p spool --example wait_for`.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use spool::time::{sleep, timeout};

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

static CANCELLED: AtomicUsize = AtomicUsize::new(0);

// ANCHOR: guard
/// Lives inside an operation and reports, when dropped, whether the
/// operation got to the end.
struct Progress {
    name: &'static str,
    finished: bool,
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.finished {
            CANCELLED.fetch_add(1, Ordering::SeqCst);
            say!("  {} dropped mid-sleep: cancelled", self.name);
        }
    }
}

async fn operation(name: &'static str, takes: Duration) -> &'static str {
    let mut progress = Progress {
        name,
        finished: false,
    };
    say!("  {name} started, needs {:.1}s", takes.as_secs_f64());
    sleep(takes).await;
    progress.finished = true;
    say!("  {name} finished");
    "done"
}
// ANCHOR_END: guard

fn main() {
    let limit = Duration::from_millis(300);
    spool::block_on(async {
        // ANCHOR: wait_for
        say!("slow operation, timeout {:.1}s:", limit.as_secs_f64());
        match timeout(limit, operation("slow_operation", Duration::from_secs(10))).await {
            Ok(result) => say!("  result: {result}"),
            Err(elapsed) => say!(
                "  timed out ({elapsed}); gave up after {:.1}s",
                limit.as_secs_f64()
            ),
        }
        // ANCHOR_END: wait_for
        assert_eq!(
            CANCELLED.load(Ordering::SeqCst),
            1,
            "the slow operation was not dropped"
        );

        say!("fast operation, same timeout:");
        let t0 = Instant::now();
        let fast = timeout(
            limit,
            operation("fast_operation", Duration::from_millis(100)),
        )
        .await;
        say!("  result: {fast:?}");
        assert_eq!(fast, Ok("done"));
        assert!(
            t0.elapsed() < limit,
            "the fast operation waited for the timeout"
        );
    });
    assert_eq!(
        CANCELLED.load(Ordering::SeqCst),
        1,
        "the fast operation was cancelled"
    );
}
