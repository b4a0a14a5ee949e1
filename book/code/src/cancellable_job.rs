//! Exercise solution ("Blocking work", exercise 2): a blocking job that
//! stops when its handle is dropped.
//!
//! `abort` cannot stop a closure that a pool thread is running: there is no
//! `.await` where it could be dropped. The job has to agree to stop. Here it
//! gets a `Cancel` token to check between steps, and the handle's `Drop`
//! (or `cancel`) sets the flag. It is the same contract as a `threading.Event`
//! in Python, or a `CancellationToken` in tokio-util.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use spool::{JoinError, JoinHandle};

// ANCHOR: cancellable_job
/// What a job checks to learn that nobody wants its result any more.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Whether the job should stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The handle of a [`spawn_cancellable`] job. Dropping it cancels the job.
pub struct CancellableJob<T> {
    cancel: Cancel,
    handle: JoinHandle<T>,
}

/// Runs `job` on spool's blocking pool with a token it should check
/// between steps.
pub fn spawn_cancellable<T, F>(job: F) -> CancellableJob<T>
where
    F: FnOnce(&Cancel) -> T + Send + 'static,
    T: Send + 'static,
{
    let cancel = Cancel::default();
    let token = cancel.clone();
    let handle = spool::spawn_blocking(move || job(&token));
    CancellableJob { cancel, handle }
}

impl<T> CancellableJob<T> {
    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.0.store(true, Ordering::Relaxed);
        // And if no thread has started it yet, it never starts.
        self.handle.abort();
    }
}

impl<T> Future for CancellableJob<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx)
    }
}

impl<T> Drop for CancellableJob<T> {
    fn drop(&mut self) {
        self.cancel();
    }
}
// ANCHOR_END: cancellable_job

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::thread;
    use std::time::Duration;

    use spool::time::{sleep, timeout};

    #[test]
    fn dropping_the_handle_stops_the_job() {
        let steps = Arc::new(AtomicU64::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        spool::block_on({
            let (steps, stopped) = (steps.clone(), stopped.clone());
            async move {
                let job = spawn_cancellable(move |cancel| {
                    while !cancel.is_cancelled() {
                        steps.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(Duration::from_millis(1));
                    }
                    stopped.store(true, Ordering::SeqCst);
                });
                // The caller gives up; the timeout drops the handle.
                assert!(timeout(Duration::from_millis(30), job).await.is_err());
                sleep(Duration::from_millis(100)).await;
            }
        });
        assert!(stopped.load(Ordering::SeqCst), "the job is still running");
        let after = steps.load(Ordering::SeqCst);
        thread::sleep(Duration::from_millis(30));
        assert_eq!(steps.load(Ordering::SeqCst), after);
    }

    #[test]
    fn an_awaited_job_returns_its_result() {
        let out = spool::block_on(spawn_cancellable(|cancel| {
            assert!(!cancel.is_cancelled());
            6 * 7
        }));
        assert_eq!(out.unwrap(), 42);
    }
}
