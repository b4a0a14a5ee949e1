//! Exercise solution ("async with", exercise 2): a guard that closes its
//! resource gracefully even when the owner is cancelled.
//!
//! `Drop` cannot await, so the chapter's session loses its unflushed rows
//! when a timeout drops it. `CloseOnDrop` guards a value that knows how to
//! close itself asynchronously. The normal way out is `close().await`, as
//! before. If the guard is dropped instead, its `Drop` hands the close to a
//! new task, which finishes it after the owner is gone: the nearest safe
//! Rust gets to an async destructor.
//!
//! One limit: a close spawned while `block_on` is dropping its leftover
//! tasks never runs, because the loop is shutting down.

use std::future::Future;

// ANCHOR: close_on_drop
/// A value whose graceful close has to wait for I/O.
pub trait AsyncClose: Sized {
    /// Closes the value. The future owns everything it needs (`'static`),
    /// so it can run in a task of its own.
    fn close(self) -> impl Future<Output = ()> + 'static;
}

/// Owns a `T` and closes it gracefully on the way out, awaited or not.
pub struct CloseOnDrop<T: AsyncClose> {
    /// `None` once the value has been handed to `close`.
    value: Option<T>,
}

impl<T: AsyncClose> CloseOnDrop<T> {
    /// Guards `value`.
    pub fn new(value: T) -> Self {
        CloseOnDrop { value: Some(value) }
    }

    /// The guarded value.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("present until closed")
    }

    /// Closes the value now and waits for the close to finish.
    pub async fn close(mut self) {
        let value = self.value.take().expect("closed only once");
        value.close().await;
    }
}

impl<T: AsyncClose> Drop for CloseOnDrop<T> {
    /// Dropped without `close`: finish the close in a task of its own.
    ///
    /// Like `spool::spawn`, this panics outside `spool::block_on`.
    fn drop(&mut self) {
        if let Some(value) = self.value.take() {
            spool::spawn(value.close());
        }
    }
}
// ANCHOR_END: close_on_drop

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use spool::time::{sleep, timeout};

    type Log = Rc<RefCell<Vec<String>>>;

    /// A session with unflushed rows; closing flushes them, which takes time.
    struct Session {
        rows: Vec<u32>,
        log: Log,
    }

    impl AsyncClose for Session {
        async fn close(self) {
            sleep(Duration::from_millis(10)).await;
            let flushed = format!("flushed {} rows", self.rows.len());
            self.log.borrow_mut().push(flushed);
        }
    }

    fn session(log: &Log) -> CloseOnDrop<Session> {
        CloseOnDrop::new(Session {
            rows: Vec::new(),
            log: log.clone(),
        })
    }

    #[test]
    fn an_explicit_close_runs_once() {
        let log = Log::default();
        spool::block_on(async {
            let mut guard = session(&log);
            guard.get_mut().rows.push(1);
            guard.close().await;
            sleep(Duration::from_millis(30)).await;
        });
        assert_eq!(*log.borrow(), ["flushed 1 rows"]);
    }

    #[test]
    fn a_cancelled_owner_still_gets_a_graceful_close() {
        let log = Log::default();
        spool::block_on(async {
            let owner = async {
                let mut guard = session(&log);
                guard.get_mut().rows.extend([1, 2, 3]);
                sleep(Duration::from_secs(10)).await; // cancelled here
                guard.close().await;
            };
            assert!(timeout(Duration::from_millis(20), owner).await.is_err());
            sleep(Duration::from_millis(50)).await;
        });
        assert_eq!(*log.borrow(), ["flushed 3 rows"]);
    }
}
