//! `hello`: the smallest spool program, `asyncio.run(greet("World"))`.
//!
//! The tutorial's first example defines a coroutine that sleeps, then hands
//! it to `asyncio.run`. Two things carry over to Rust unchanged:
//!
//! - Calling an `async fn` runs none of its body. It returns a future, a
//!   paused computation. (Python warns "coroutine was never awaited"; Rust's
//!   compiler warns "futures do nothing unless you `.await` or poll them".)
//! - [`spool::block_on`] is `asyncio.run`: it starts an event loop on this
//!   thread, drives the future to the end and returns its output.
//!
//! The second half measures the loop's timer *lateness*: how long after its
//! deadline a `sleep` actually finishes. A timer must never fire early, and on
//! an idle loop it should be late by about a millisecond at most: the loop
//! sleeps in `epoll_wait`, whose timeout has millisecond resolution. Look at
//! the min / median / max line. The program exits non-zero if a sleep ends
//! early or the median lateness is absurd.
//!
//! Run it with `cargo run -p spool --example hello`.

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

// ANCHOR: greet
async fn greet(name: &str) -> String {
    sleep(Duration::from_millis(500)).await; // asyncio.sleep(1), halved
    format!("Hello, {name}")
}

fn main() {
    let greeting = greet("World");
    say!("greet() called; nothing has run yet, we only hold a future");

    let result = spool::block_on(greeting);
    say!("{result}");
    // ANCHOR_END: greet

    let lateness = spool::block_on(measure_lateness());
    let [min, median, max] = [0, lateness.len() / 2, lateness.len() - 1].map(|i| lateness[i]);
    say!(
        "timer lateness over {} sleeps: min {:.3} ms, median {:.3} ms, max {:.3} ms",
        lateness.len(),
        ms(min),
        ms(median),
        ms(max),
    );

    // Generous on purpose: a busy CI machine may deschedule us for a while,
    // but a median of 20 ms would mean the loop's timers are broken.
    assert!(
        median < Duration::from_millis(20),
        "median timer lateness {median:?} is far above the expected ~1 ms"
    );
}

/// Sleeps for 20 different durations, from 0.5 ms to 33 ms, and returns how
/// late each one woke up, sorted.
async fn measure_lateness() -> Vec<Duration> {
    let mut lateness = Vec::new();
    for i in 0..20 {
        let asked = Duration::from_micros(500 + 1_700 * i);
        let before = Instant::now();
        sleep(asked).await;
        let slept = before.elapsed();
        assert!(
            slept >= asked,
            "woke after {slept:?}, before the {asked:?} deadline"
        );
        lateness.push(slept - asked);
    }
    lateness.sort();
    lateness
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
