//! Coordination between tasks: [`Semaphore`], [`Queue`] and [`oneshot`].
//!
//! | asyncio                            | spool                               |
//! |------------------------------------|-------------------------------------|
//! | `asyncio.Semaphore(n)`             | [`Semaphore::new`]                  |
//! | `async with sem:`                  | `let _permit = sem.acquire().await?`|
//! | `asyncio.Queue(maxsize)`           | [`Queue::new`]                      |
//! | `await q.put(x)` / `await q.get()` | [`Queue::put`] / [`Queue::get`]     |
//! | `q.task_done()` / `await q.join()` | [`Queue::task_done`] / [`Queue::join`] |
//! | `q.shutdown()`                     | [`Queue::close`]                    |
//! | a `Future` resolved by someone else| [`oneshot::channel`]                |
//!
//! # Why these are `Send + Sync`
//!
//! spool runs every task on one thread, so a `RefCell` would do for state
//! only tasks touch. We use [`std::sync::Mutex`] anyway, like tokio:
//! wakers are `Send + Sync` and may fire from any thread, a
//! [`spawn_blocking`](crate::spawn_blocking) worker needs a [`oneshot`] it
//! can send from, and a semaphore or queue in a `static` or behind an `Arc`
//! should not care which thread it is used from. On one thread the lock is
//! never contended, so it costs an uncontended atomic operation or two.
//!
//! # Fair lines, and promises that survive cancellation
//!
//! [`Semaphore`] and [`Queue`] park waiting futures in the same kind of
//! first-in, first-out line (`waiters.rs`). When a resource frees up, it is
//! promised to the waiter at the front *before* that waiter runs, so no
//! latecomer can snatch it, and a waiter dropped while holding a promise
//! passes it to the next in line. Every wake happens after the lock is
//! released.

mod queue;
mod semaphore;
mod waiters;

pub mod oneshot;

pub use queue::{Closed, Get, Join, Put, Queue, TaskDoneError, TryGetError, TryPutError};
pub use semaphore::{
    Acquire, AcquireError, AllReturned, OwnedSemaphorePermit, Semaphore, SemaphorePermit,
    TryAcquireError,
};

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks one of this module's mutexes, ignoring poisoning.
///
/// A lock is poisoned when a thread panics while holding it. The only foreign
/// code our critical sections run is a waker's `clone` or `drop`, and the
/// state is consistent whenever they run; so a panic there leaves nothing
/// half-done, and spreading it to every other task would only do harm.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
