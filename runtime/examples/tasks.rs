//! `tasks`: three downloads, one after another and then all at once
//! (`asyncio.create_task` and `gather`).
//!
//! The tutorial's `download(file_id, duration)` sleeps for 2 seconds to stand
//! in for a network transfer. Awaited one by one, three of them take 6 s;
//! started as tasks, they overlap and take 2 s. Here everything is ten times
//! faster (one tutorial second is 100 ms), so expect 0.6 s against 0.2 s.
//!
//! What to look for in the output: in the sequential run each download starts
//! only when the previous one has finished; in the concurrent run all three
//! start at the same instant and finish together. The program checks both
//! wall times and exits non-zero if the concurrent run was not concurrent.
//!
//! Run it with `cargo run -p spool --example tasks`, and with
//! `SPOOL_TRACE=1` in front to watch the loop: every spawn, poll, wake and
//! timer, and each `epoll_wait`, on stderr.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use spool::JoinError;
use spool::time::sleep;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

/// One tutorial second.
const SECOND: Duration = Duration::from_millis(100);

// ANCHOR: download
async fn download(file_id: &str, duration: Duration) -> String {
    say!("  [{file_id}] downloading...");
    sleep(duration).await; // the network, simulated
    say!("  [{file_id}] done");
    format!("file_{file_id}.data")
}
// ANCHOR_END: download

fn main() -> Result<(), JoinError> {
    say!("three downloads of 2 tutorial seconds each (1 tutorial second = 100 ms)");

    let (sequential, concurrent) = spool::block_on(async {
        // ANCHOR: sequential
        say!("one after another:");
        let t0 = Instant::now();
        let a = download("A", 2 * SECOND).await;
        let b = download("B", 2 * SECOND).await;
        let c = download("C", 2 * SECOND).await;
        let sequential = t0.elapsed();
        say!("  got {:?}", [a, b, c]);
        // ANCHOR_END: sequential

        // ANCHOR: concurrent
        say!("all at once:");
        let t0 = Instant::now();
        let tasks = ["D", "E", "F"].map(|id| spool::spawn_named(id, download(id, 2 * SECOND)));
        // Every task is already running, so awaiting them in turn costs
        // no extra time: by the time D is done, E and F are done too.
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await?);
        }
        let concurrent = t0.elapsed();
        say!("  got {results:?}");
        // ANCHOR_END: concurrent

        Ok::<_, JoinError>((sequential, concurrent))
    })?;

    println!();
    bar("one after another", sequential, sequential);
    bar("all at once", concurrent, sequential);
    println!(
        "  {:.1}x faster: the tutorial's 6 s vs 2 s, at one tenth of the scale",
        sequential.as_secs_f64() / concurrent.as_secs_f64(),
    );

    assert!(
        sequential >= 6 * SECOND,
        "sequential run took only {sequential:?}"
    );
    assert!(
        concurrent >= 2 * SECOND,
        "concurrent run took only {concurrent:?}"
    );
    assert!(
        concurrent < 4 * SECOND,
        "concurrent run took {concurrent:?}: the downloads did not overlap"
    );
    Ok(())
}

/// Prints `time` as a bar, scaled so that `longest` is 40 blocks wide.
fn bar(label: &str, time: Duration, longest: Duration) {
    let width = (40.0 * time.as_secs_f64() / longest.as_secs_f64()).round() as usize;
    println!(
        "  {label:<17} {:<40} {:.3}s",
        "█".repeat(width),
        time.as_secs_f64()
    );
}
