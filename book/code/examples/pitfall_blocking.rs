//! `pitfall_blocking`: two ways to stop the loop, and their cures.
//!
//! One thread runs every task, so a task that does not return to the loop
//! stops all of them. A heartbeat task ticks every 10 ms and records the
//! longest gap between two ticks: that gap is how long the loop was stuck.
//!
//! 1. A blocking call: `std::thread::sleep` (or a blocking socket, or a
//!    synchronous HTTP client) in a task. Cure: the async version,
//!    `spool::time::sleep(..).await`.
//! 2. CPU-bound work: 300 ms of hashing in a task. There is no async version
//!    of arithmetic. Cure: move it off the loop with `spool::spawn_blocking`.
//!
//! The program exits non-zero unless each trap stalls the heartbeat for the
//! whole 300 ms and each cure keeps its gaps short.
//!
//! Run it with `cargo run -p spool-book --example pitfall_blocking`.

use std::cell::Cell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::rc::Rc;
use std::time::{Duration, Instant};

use spool::time::sleep;

const WORK: Duration = Duration::from_millis(300);

// ANCHOR: heartbeat
/// Ticks every 10 ms until `stop` is set; returns the longest gap.
async fn heartbeat(stop: Rc<Cell<bool>>) -> Duration {
    let mut last = Instant::now();
    let mut worst = Duration::ZERO;
    while !stop.get() {
        sleep(Duration::from_millis(10)).await;
        worst = worst.max(last.elapsed());
        last = Instant::now();
    }
    worst
}

/// Runs `work` beside a heartbeat; returns the heartbeat's longest gap.
async fn longest_stall(work: impl Future<Output = ()>) -> Duration {
    let stop = Rc::new(Cell::new(false));
    let beat = spool::spawn(heartbeat(stop.clone()));
    sleep(Duration::from_millis(30)).await; // let it settle into its rhythm
    work.await;
    stop.set(true);
    beat.await.unwrap()
}
// ANCHOR_END: heartbeat

/// Hashes for `time` of wall-clock time: stands in for real CPU-bound work
/// (resizing an image, parsing a large file).
fn crunch(time: Duration) -> u64 {
    let started = Instant::now();
    let mut hasher = DefaultHasher::new();
    while started.elapsed() < time {
        for i in 0..10_000u64 {
            i.hash(&mut hasher);
        }
    }
    hasher.finish()
}

fn report(what: &str, stall: Duration) {
    println!(
        "  {what:<48} heartbeat's longest gap: {:>4} ms",
        stall.as_millis()
    );
}

fn main() {
    let stalls = spool::block_on(async {
        println!("1. a blocking call in a task");
        // ANCHOR: blocking
        let trap = longest_stall(async {
            std::thread::sleep(WORK); // blocks the thread, and with it the loop
        })
        .await;
        report("trap: std::thread::sleep(300 ms)", trap);
        let cure = longest_stall(async {
            sleep(WORK).await; // waits in the loop: others run meanwhile
        })
        .await;
        report("cure: spool::time::sleep(300 ms).await", cure);
        // ANCHOR_END: blocking

        println!("2. CPU-bound work in a task");
        // ANCHOR: cpu
        let trap_cpu = longest_stall(async {
            crunch(WORK);
        })
        .await;
        report("trap: 300 ms of hashing, inline", trap_cpu);
        let cure_cpu = longest_stall(async {
            spool::spawn_blocking(|| crunch(WORK)).await.unwrap();
        })
        .await;
        report("cure: the same hashing in spawn_blocking", cure_cpu);
        // ANCHOR_END: cpu
        [trap, cure, trap_cpu, cure_cpu]
    });
    let [trap, cure, trap_cpu, cure_cpu] = stalls;
    assert!(trap >= WORK, "the blocking sleep should stall the loop");
    assert!(trap_cpu >= WORK, "inline hashing should stall the loop");
    // Generous: the ticks are 10 ms apart; a busy machine adds some.
    assert!(cure < WORK / 2, "async sleep stalled the loop for {cure:?}");
    assert!(
        cure_cpu < WORK / 2,
        "spawn_blocking stalled the loop for {cure_cpu:?}"
    );
}
