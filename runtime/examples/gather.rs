//! `gather`: wait for many things at once (`asyncio.gather`, `Promise.all`).
//!
//! asyncio has one `gather`; spool has three tools, and this example uses each:
//!
//! 1. [`spool::join!`] for a fixed handful of futures with different output
//!    types. It gives back a tuple.
//! 2. [`spool::join_all`] over [`JoinHandle`](spool::JoinHandle)s, the
//!    all-settled style: `gather(..., return_exceptions=True)`, or
//!    `Promise.allSettled`. Every task runs to its end and you get each
//!    outcome: a value, an error the task returned, or a panic the loop caught.
//! 3. [`spool::try_join_all`] for fail-fast: the first `Err` ends the wait
//!    and the futures still running are dropped, which cancels them.
//!
//! What to look for: in part 1 the total is the slowest fetch, not the sum.
//! In part 2 the `/api/crash` task panics (the "panic at" line is
//! expected) and the other four tasks are unaffected. In part 3 the
//! error arrives after 0.1 s and `/api/slow` never prints "done". The program
//! checks all three and exits non-zero if any is wrong.
//!
//! Run it with `cargo run -p spool --example gather`.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use spool::time::sleep;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

/// A pretend HTTP GET: answers after `ms` milliseconds. `/api/error` fails
/// (the tutorial's `ValueError`) and `/api/crash` panics, a bug rather than
/// an expected failure.
async fn fetch(url: &str, ms: u64) -> Result<String, String> {
    sleep(Duration::from_millis(ms)).await;
    match url {
        "/api/error" => Err(format!("request failed: {url}")),
        "/api/crash" => panic!("bug while fetching {url}"),
        _ => {
            say!("    {url} done");
            Ok(format!("<body of {url}>"))
        }
    }
}

async fn count_users() -> usize {
    sleep(Duration::from_millis(100)).await;
    3
}

fn main() {
    // The default hook would print a full backtrace when RUST_BACKTRACE is
    // set; one stamped line keeps the timeline readable.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let place = info.location().map(ToString::to_string).unwrap_or_default();
        say!("  panic at {place}: {message}");
    }));

    spool::block_on(async {
        say!("1. join!: three different things at once");
        let t0 = Instant::now();
        // ANCHOR: join
        let (users, posts, tags) = spool::join!(
            count_users(),
            fetch("/api/posts", 150),
            fetch("/api/tags", 50),
        );
        // ANCHOR_END: join
        say!("  {users} users, posts {posts:?}, tags {tags:?}");
        let took = t0.elapsed();
        say!(
            "  took {:.3}s: the slowest fetch, not the sum of all three",
            took.as_secs_f64()
        );
        assert!(
            took < Duration::from_millis(280),
            "join! ran its futures one by one"
        );

        println!();
        say!("2. join_all over task handles: every outcome, like return_exceptions=True");
        let urls = [
            "/api/users",
            "/api/posts",
            "/api/error",
            "/api/crash",
            "/api/tags",
        ];
        // ANCHOR: all_settled
        let tasks = urls.map(|url| spool::spawn(fetch(url, 100)));
        let outcomes = spool::join_all(tasks).await;

        let mut tally = [0; 3];
        for (url, outcome) in urls.iter().zip(outcomes) {
            match outcome {
                Ok(Ok(body)) => {
                    tally[0] += 1;
                    say!("  {url:<11} ok:      {body}");
                }
                Ok(Err(error)) => {
                    tally[1] += 1;
                    say!("  {url:<11} failed:  {error}");
                }
                Err(join_error) => {
                    tally[2] += 1;
                    say!("  {url:<11} crashed: {join_error}");
                }
            }
        }
        // ANCHOR_END: all_settled
        assert_eq!(tally, [3, 1, 1], "expected 3 ok, 1 failed, 1 crashed");

        println!();
        say!("3. try_join_all: stop at the first error");
        let t0 = Instant::now();
        // ANCHOR: fail_fast
        let result = spool::try_join_all([
            fetch("/api/users", 50),
            fetch("/api/error", 100),
            fetch("/api/slow", 2000),
        ])
        .await;
        // ANCHOR_END: fail_fast
        let took = t0.elapsed();
        say!(
            "  {result:?} after {:.3}s; /api/slow was cancelled",
            took.as_secs_f64()
        );
        assert_eq!(result, Err("request failed: /api/error".to_string()));
        assert!(
            took < Duration::from_millis(1000),
            "try_join_all waited for /api/slow"
        );
    });
}
