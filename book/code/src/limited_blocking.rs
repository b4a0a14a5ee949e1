//! Exercise solution ("Blocking work", exercise 1): a cap on how many
//! blocking jobs of one kind run at once.
//!
//! The pool runs up to 64 jobs side by side, which is too many for a single
//! disk or a database that allows four connections. A semaphore in front of
//! `spawn_blocking` caps one kind of job without touching the pool. The
//! subtle part is where the permit lives: it moves *into* the closure, so
//! it is released on the pool thread when the job ends. Kept in the
//! awaiting task instead, it would go back as soon as that task was
//! cancelled, while the job, which cannot be interrupted, still ran.

use std::sync::Arc;

use spool::JoinError;
use spool::sync::Semaphore;

// ANCHOR: limited_blocking
/// Runs closures on spool's blocking pool, at most `limit` at a time.
#[derive(Clone)]
pub struct BlockingLimit {
    slots: Arc<Semaphore>,
}

impl BlockingLimit {
    /// At most `limit` jobs of this kind at once.
    pub fn new(limit: usize) -> BlockingLimit {
        BlockingLimit {
            slots: Arc::new(Semaphore::new(limit)),
        }
    }

    /// Waits for a slot, then runs `job` on the pool and awaits its result.
    pub async fn run<T, F>(&self, job: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        spool::spawn_blocking(move || {
            let _slot = slot; // released when the job ends, wherever we are
            job()
        })
        .await
    }

    /// Slots free right now.
    pub fn available(&self) -> usize {
        self.slots.available_permits()
    }
}
// ANCHOR_END: limited_blocking

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    use spool::time::{sleep, timeout};

    #[test]
    fn never_more_than_the_limit_at_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let limit = BlockingLimit::new(2);
        let results = spool::block_on(spool::join_all((0..6).map(|n| {
            let (running, most, limit) = (running.clone(), most.clone(), limit.clone());
            async move {
                limit
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                        n
                    })
                    .await
                    .unwrap()
            }
        })));
        assert_eq!(results, [0, 1, 2, 3, 4, 5]);
        assert!(most.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn a_cancelled_caller_leaves_the_slot_with_the_running_job() {
        spool::block_on(async {
            let limit = BlockingLimit::new(1);
            let job = limit.run(|| thread::sleep(Duration::from_millis(400)));
            assert!(timeout(Duration::from_millis(20), job).await.is_err());
            assert_eq!(
                limit.available(),
                0,
                "the job still runs, so its slot is taken"
            );
            sleep(Duration::from_millis(700)).await;
            assert_eq!(limit.available(), 1);
        });
    }
}
