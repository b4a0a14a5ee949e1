//! Exercise solution ("Tasks and wakers", exercise 2): a handle that aborts
//! its task when dropped.
//!
//! Spool follows tokio: dropping a `JoinHandle` detaches the task. When a
//! task only exists to serve its caller (a prefetch, a heartbeat for one
//! connection), the opposite default is the safe one, and a wrapper with a
//! `Drop` gives it. tokio-util calls the same thing `AbortOnDropHandle`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use spool::{JoinError, JoinHandle};

// ANCHOR: abort_on_drop
/// A [`JoinHandle`] that aborts its task when dropped.
pub struct AbortOnDrop<T>(JoinHandle<T>);

/// Spawns `task` on the current loop; it lives only as long as the handle.
pub fn spawn_scoped<F>(task: F) -> AbortOnDrop<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    AbortOnDrop(spool::spawn(task))
}

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        // Aborting a task that has finished does nothing.
        self.0.abort();
    }
}
// ANCHOR_END: abort_on_drop

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use spool::time::sleep;

    #[test]
    fn awaiting_gives_the_output() {
        let out = spool::block_on(async { spawn_scoped(async { 7 }).await });
        assert_eq!(out.unwrap(), 7);
    }

    #[test]
    fn dropping_the_handle_stops_the_task() {
        let ran_to_the_end = Rc::new(Cell::new(false));
        spool::block_on({
            let ran_to_the_end = ran_to_the_end.clone();
            async move {
                let handle = spawn_scoped(async move {
                    sleep(Duration::from_millis(30)).await;
                    ran_to_the_end.set(true);
                });
                spool::yield_now().await; // the task starts and sleeps
                drop(handle);
                sleep(Duration::from_millis(80)).await;
            }
        });
        assert!(!ran_to_the_end.get(), "the task outlived its handle");
    }
}
