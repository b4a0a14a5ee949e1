//! `blocking`: why a blocking call inside a task freezes everything, and the
//! cure (`loop.run_in_executor`).
//!
//! The tutorial's first pitfall: never call `time.sleep()` in a coroutine.
//! The loop has one thread; a task that blocks it (with
//! `std::thread::sleep`, a big `std::fs` read, or a long computation) stops
//! every other task until it returns. [`spool::spawn_blocking`] runs the call
//! on a pool thread instead, and the task awaits its handle like any other
//! future.
//!
//! A ticker task ticks every 10 ms while another task does 200 ms of blocking
//! work, twice. First the work runs in the task itself: the ticker is frozen
//! for the whole 200 ms and gets no tick in. Then the same work goes through
//! `spawn_blocking`: the ticker keeps its rhythm, about 20 ticks. What to
//! look for: the tick counts and the longest gap between ticks. The program
//! checks that the frozen run ticked at most once and the offloaded run at
//! least ten times, and exits non-zero otherwise.
//!
//! Run it with `cargo run -p spool --example blocking`.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::LazyLock;
use std::thread;
use std::time::{Duration, Instant};

use spool::time::interval;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

const WORK: Duration = Duration::from_millis(200);
const TICK: Duration = Duration::from_millis(10);

/// Runs `work` as a task next to a ticker task. Returns how many times the
/// ticker ticked while the work was going on, and the longest stretch
/// without a tick.
async fn ticks_during<F: Future + 'static>(work: F) -> (usize, Duration) {
    let ticks = Rc::new(RefCell::new(vec![Instant::now()]));
    let ticker = spool::spawn({
        let ticks = ticks.clone();
        async move {
            let mut clock = interval(TICK);
            clock.tick().await; // the first tick is immediate
            loop {
                clock.tick().await;
                ticks.borrow_mut().push(Instant::now());
            }
        }
    });
    spool::yield_now().await; // let the ticker start
    spool::spawn(work).await.expect("the work does not panic");
    ticker.abort();

    let mut marks = ticks.take();
    marks.push(Instant::now());
    let longest_gap = marks
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    (marks.len() - 2, longest_gap)
}

fn report((ticks, longest_gap): (usize, Duration)) -> usize {
    say!(
        "  ticker: {ticks} ticks in {:.1}s (expected ~{}), longest gap {:.3}s",
        WORK.as_secs_f64(),
        WORK.as_millis() / TICK.as_millis(),
        longest_gap.as_secs_f64(),
    );
    ticks
}

fn main() {
    let (frozen, offloaded) = spool::block_on(async {
        say!("blocking work inside a task:");
        // ANCHOR: stall
        let frozen = ticks_during(async {
            thread::sleep(WORK); // holds the loop's only thread
        })
        .await;
        // ANCHOR_END: stall
        let frozen = report(frozen);

        say!("the same work through spawn_blocking:");
        // ANCHOR: offload
        let offloaded = ticks_during(async {
            let job = spool::spawn_blocking(|| thread::sleep(WORK));
            job.await.expect("sleeping does not panic");
        })
        .await;
        // ANCHOR_END: offload
        let offloaded = report(offloaded);

        (frozen, offloaded)
    });

    assert!(
        frozen <= 1,
        "the ticker ticked {frozen} times while the loop was blocked"
    );
    assert!(
        offloaded >= 10,
        "the ticker ticked only {offloaded} times beside spawn_blocking"
    );
    say!("{frozen} ticks vs {offloaded}: keep blocking calls off the loop");
}
