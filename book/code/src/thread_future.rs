//! Exercise solution ("Growing an executor", exercise 2): `run_on_thread`,
//! a miniature `spawn_blocking`.
//!
//! The closure runs on a new OS thread. Its result and the waker of whoever
//! awaits it meet in one `Mutex`: the thread stores the result and takes the
//! waker; the future takes the result or leaves its waker. Because both
//! sides look at the same lock, a result that arrives between "nothing yet"
//! and "here is my waker" cannot be missed. Spool's real pool reuses its
//! threads and caps their number; see the Blocking work chapter.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

// ANCHOR: run_on_thread
/// Where the thread and the future meet.
struct Shared<T> {
    result: Option<T>,
    waker: Option<Waker>,
}

/// The output of `f`, computed on a thread of its own.
pub struct OnThread<T> {
    shared: Arc<Mutex<Shared<T>>>,
}

/// Starts `f` on a new thread now; await the returned future for its result.
pub fn run_on_thread<T, F>(f: F) -> OnThread<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let shared = Arc::new(Mutex::new(Shared {
        result: None,
        waker: None,
    }));
    let theirs = shared.clone();
    thread::spawn(move || {
        let result = f();
        let waker = {
            let mut shared = theirs.lock().unwrap();
            shared.result = Some(result);
            shared.waker.take()
        };
        // Woken outside the lock: the woken task may poll at once.
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    OnThread { shared }
}

impl<T> Future for OnThread<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut shared = self.shared.lock().unwrap();
        match shared.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                shared.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
// ANCHOR_END: run_on_thread

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn returns_the_closures_result_on_spool() {
        let out = spool::block_on(run_on_thread(|| 6 * 7));
        assert_eq!(out, 42);
    }

    #[test]
    fn the_loop_keeps_running_while_the_thread_works() {
        let ticks = spool::block_on(async {
            let work = spool::spawn(run_on_thread(|| thread::sleep(Duration::from_millis(200))));
            let mut ticks = 0;
            while !work.is_finished() {
                spool::time::sleep(Duration::from_millis(10)).await;
                ticks += 1;
            }
            ticks
        });
        // Ten-millisecond ticks over 200 ms of work: a blocked loop would
        // manage one.
        assert!(ticks >= 5, "only {ticks} ticks while the thread worked");
    }

    #[test]
    fn works_on_the_dedup_executor() {
        let mut executor = crate::dedup_executor::Executor::default();
        executor.spawn(async {
            assert_eq!(run_on_thread(|| "done").await, "done");
        });
        // One poll if the thread was already done, two if it had to wake us.
        assert!(executor.run() <= 2);
    }
}
