//! [`JoinHandle`]: the caller's end of a spawned task (asyncio's `Task`).
//!
//! A task and its handle share one small record, a [`JoinCell`], behind an
//! `Arc`: the task writes its result there and wakes whoever is awaiting the
//! handle; the handle reads it. A mutex rather than a `RefCell` because
//! [`spawn_blocking`](crate::spawn_blocking) completes the same record from a
//! pool thread. The loop holds the same `Arc`, type-erased as
//! `Arc<dyn Completion>`, so a task costs one allocation here, not two.
//!
//! Dropping a handle *detaches* the task: it keeps running and its result is
//! thrown away, as with tokio. (asyncio differs: an unreferenced task may be
//! garbage-collected mid-flight, which is why its docs tell you to keep a
//! reference.) Use [`JoinHandle::abort`] to stop a task.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Awaits the result of a task started with [`spawn`](crate::spawn) or
/// [`spawn_blocking`](crate::spawn_blocking).
///
/// Awaiting gives `Ok(value)` when the task returned, or a [`JoinError`] when
/// it panicked or was aborted.
///
/// # Examples
///
/// ```
/// let n = spool::block_on(async {
///     let handle = spool::spawn(async { 6 * 7 });
///     handle.await.unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
pub struct JoinHandle<T> {
    cell: Arc<JoinCell<T>>,
}

/// What a task, its handle and the loop share. Every way a task ends —
/// returned, panicked, aborted — goes through [`JoinCell::complete`], which
/// wakes the waiter.
pub(crate) struct JoinCell<T> {
    state: Mutex<JoinState<T>>,
    /// Set by [`JoinHandle::abort`]. The loop reads it before every poll of
    /// the task, so it lives beside the mutex: an atomic load, not a lock.
    aborted: AtomicBool,
}

struct JoinState<T> {
    result: Option<Result<T, JoinError>>,
    /// Set once the result has been written (it stays set after the handle
    /// takes the result out, so a second poll can say so).
    finished: bool,
    /// The task awaiting this handle, if any.
    waiter: Option<Waker>,
    /// The task itself, so `abort` can make the loop look at it. `None` for
    /// `spawn_blocking` jobs, which no waker can interrupt.
    task: Option<Waker>,
}

/// Why a task did not produce its value.
///
/// A panic keeps its payload, whatever its type: take it back with
/// [`into_panic`](JoinError::into_panic) (and re-raise it with
/// [`std::panic::resume_unwind`] if you like), as with tokio's `JoinError`.
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic {
        /// The payload as a message, if it is one (`panic!("..")` payloads
        /// are `&str` or `String`), read once so Display needs no lock.
        message: Option<String>,
        /// In a mutex only to make `JoinError` `Sync` (a payload is just
        /// `Send`), which `io::Error` requires of what it wraps.
        payload: Mutex<Box<dyn Any + Send>>,
    },
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    /// Wraps the payload caught by `catch_unwind`.
    pub(crate) fn panic(payload: Box<dyn Any + Send>) -> JoinError {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            Some((*s).to_string())
        } else {
            payload.downcast_ref::<String>().cloned()
        };
        JoinError {
            repr: Repr::Panic {
                message,
                payload: Mutex::new(payload),
            },
        }
    }

    /// True if the task was stopped by [`JoinHandle::abort`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic { .. })
    }

    /// The panic message, if the task panicked with a string payload (as
    /// `panic!("..")` does).
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic { message, .. } => message.as_deref(),
            Repr::Cancelled => None,
        }
    }

    /// The panic payload, whatever its type.
    ///
    /// # Panics
    ///
    /// If the task did not panic (it was cancelled); use
    /// [`try_into_panic`](JoinError::try_into_panic) to find out first.
    ///
    /// # Examples
    ///
    /// ```
    /// spool::block_on(async {
    ///     let error = spool::spawn(async { std::panic::panic_any(42u32) })
    ///         .await
    ///         .unwrap_err();
    ///     let payload = error.into_panic();
    ///     assert_eq!(payload.downcast_ref::<u32>(), Some(&42));
    ///     // std::panic::resume_unwind(payload) would re-raise it here.
    /// });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task; check is_panic first")
    }

    /// The panic payload if the task panicked, or the error back if it was
    /// cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, JoinError> {
        match self.repr {
            Repr::Panic { payload, .. } => {
                Ok(payload.into_inner().unwrap_or_else(PoisonError::into_inner))
            }
            Repr::Cancelled => Err(self),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic {
                message: Some(message),
                ..
            } => write!(f, "task panicked: {message}"),
            Repr::Panic { message: None, .. } => {
                f.write_str("task panicked (with a payload that is not a string)")
            }
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinError({self})")
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e)
    }
}

/// The task's side of the shared state, as the loop sees it: type-erased,
/// because the task table holds tasks of every output type.
pub(crate) trait Completion {
    fn is_aborted(&self) -> bool;
    fn fail(&self, error: JoinError);
}

impl<T> JoinHandle<T> {
    /// Makes a handle and the cell the task will report through.
    /// `task` is the task's waker (`None` for blocking jobs).
    pub(crate) fn new(task: Option<Waker>) -> (JoinHandle<T>, Arc<JoinCell<T>>) {
        let cell = Arc::new(JoinCell {
            state: Mutex::new(JoinState {
                result: None,
                finished: false,
                waiter: None,
                task,
            }),
            aborted: AtomicBool::new(false),
        });
        (JoinHandle { cell: cell.clone() }, cell)
    }

    // ANCHOR: abort
    /// Cancels the task, like asyncio's `task.cancel()`.
    ///
    /// The loop drops the task's future the next time it gets to it, which
    /// runs its destructors (so a held permit or socket is released); the
    /// handle then yields a cancelled [`JoinError`]. A task that already
    /// finished keeps its result. A [`spawn_blocking`](crate::spawn_blocking)
    /// job can only be cancelled before a thread picks it up — a running
    /// closure cannot be interrupted.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// spool::block_on(async {
    ///     let handle = spool::spawn(spool::time::sleep(Duration::from_secs(60)));
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        let state = self.cell.lock();
        if state.finished {
            return;
        }
        // Relaxed: the flag guards no other data, and the wake below
        // reaches the loop either on this thread or through the mutex of
        // its queue for other threads' wakes.
        self.cell.aborted.store(true, Ordering::Relaxed);
        if let Some(task) = &state.task {
            task.wake_by_ref();
        }
    }
    // ANCHOR_END: abort

    /// True once the task has finished, one way or another.
    pub fn is_finished(&self) -> bool {
        self.cell.lock().finished
    }
}

// ANCHOR: join_handle_poll
impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.cell.lock();
        if let Some(result) = state.result.take() {
            return Poll::Ready(result);
        }
        assert!(
            !state.finished,
            "JoinHandle polled after it returned its result"
        );
        match &mut state.waiter {
            Some(waiter) if waiter.will_wake(cx.waker()) => {}
            waiter => *waiter = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
// ANCHOR_END: join_handle_poll

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinCell<T> {
    pub(crate) fn complete(&self, result: Result<T, JoinError>) {
        let waiter = {
            let mut state = self.lock();
            if state.finished {
                return;
            }
            state.finished = true;
            state.result = Some(result);
            state.task = None;
            state.waiter.take()
        };
        // Wake outside the lock: the waiter may be polled on another thread
        // and want the lock straight away.
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    fn lock(&self) -> MutexGuard<'_, JoinState<T>> {
        // A panic cannot happen while this lock is held (only field updates
        // run under it), but a poisoned lock would still hold consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Completion for JoinCell<T> {
    fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::Relaxed)
    }

    fn fail(&self, error: JoinError) {
        self.complete(Err(error));
    }
}
