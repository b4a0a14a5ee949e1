//! Exercise solution ("Pitfalls", exercise 1): a watchdog that notices when
//! the loop was blocked.
//!
//! asyncio's debug mode logs "Executing <Task ...> took 0.300 seconds" when a
//! callback hogs the loop. Spool has no debug mode, but the symptom is easy
//! to measure from inside: a task that sleeps for a short period and checks
//! how late it woke. A timer can only be late if the thread was busy
//! elsewhere (or the machine was), so lateness well above the period is a
//! stall.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spool::JoinHandle;
use spool::time::sleep;

// ANCHOR: watchdog
/// A background task that records every time the loop answered its timer
/// more than `threshold` late. Stops when dropped.
pub struct Watchdog {
    stalls: Rc<RefCell<Vec<Duration>>>,
    task: JoinHandle<()>,
}

/// Starts a watchdog on the current spool loop: it wakes every `period`.
///
/// # Panics
///
/// Outside `spool::block_on`, like `spool::spawn`.
pub fn watch(period: Duration, threshold: Duration) -> Watchdog {
    let stalls = Rc::new(RefCell::new(Vec::new()));
    let task = spool::spawn({
        let stalls = stalls.clone();
        async move {
            loop {
                let asked = Instant::now() + period;
                sleep(period).await;
                let late = asked.elapsed();
                if late > threshold {
                    stalls.borrow_mut().push(late);
                }
            }
        }
    });
    Watchdog { stalls, task }
}

impl Watchdog {
    /// How late each stalled wake-up was, in order.
    pub fn stalls(&self) -> Vec<Duration> {
        self.stalls.borrow().clone()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.task.abort();
    }
}
// ANCHOR_END: watchdog

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Duration = Duration::from_millis(10);
    const THRESHOLD: Duration = Duration::from_millis(50);

    #[test]
    fn reports_a_blocking_call() {
        let stalls = spool::block_on(async {
            let dog = watch(PERIOD, THRESHOLD);
            sleep(Duration::from_millis(30)).await;
            std::thread::sleep(Duration::from_millis(200)); // the mistake
            sleep(Duration::from_millis(30)).await;
            dog.stalls()
        });
        // The wake-up that was due during the blocking call came ~190 ms late.
        assert!(
            stalls
                .iter()
                .any(|&late| late >= Duration::from_millis(150)),
            "stalls: {stalls:?}"
        );
    }

    #[test]
    fn stays_quiet_when_tasks_only_await() {
        let stalls = spool::block_on(async {
            let dog = watch(PERIOD, THRESHOLD);
            sleep(Duration::from_millis(200)).await;
            dog.stalls()
        });
        // Generous: a busy machine may delay a timer, but not by a blocking
        // call's 200 ms.
        assert!(
            stalls.iter().all(|&late| late < Duration::from_millis(150)),
            "stalls: {stalls:?}"
        );
    }
}
