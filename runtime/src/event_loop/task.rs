//! Tasks, their ids, and the wakers that put them back in the run queue.
//!
//! A task is a boxed future that the loop polls until it finishes. The loop
//! never polls a task "just in case": a task runs only after something calls
//! its [`Waker`](std::task::Waker), and waking does exactly one thing — it
//! appends the task's id to the run queue, once.
//!
//! The futures themselves stay on the loop's thread (see `task_table.rs`),
//! but wakers must be `Send + Sync`: a thread-pool job finishing, a std
//! thread sending on a channel, or a timer may all wake a task. So a waker
//! carries no future at all, only the task's id and a handle to the queue.
//! This is also why `spool` needs no `unsafe`: std's [`Wake`] trait turns an
//! `Arc<TaskWaker>` into a `Waker` soundly.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Wake;

use super::trace::Tracer;

/// Names a spawned task in the task table: its slot, and the slot's
/// generation when the task was stored, so a wake meant for a finished task
/// can never run a newer task that reused its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// What the run queue holds: something to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runnable {
    /// The future `block_on` was given, which lives on its stack rather
    /// than in the task table.
    Main,
    /// A task started with `spawn`.
    Task(TaskId),
}

// ANCHOR: shared
/// The part of the loop that any thread may touch: the queue that wakes
/// from other threads go to, and the doorbell that interrupts the loop
/// while it sleeps in `mio::Poll::poll`. Wakes from the loop's own thread,
/// nearly all of them, go to `LOCAL_READY` instead and take no lock.
pub(crate) struct Shared {
    remote_ready: Mutex<VecDeque<Runnable>>,
    doorbell: mio::Waker,
    /// `Some` when `SPOOL_TRACE` is set; here because wakes, from any
    /// thread, are traced too.
    pub(crate) trace: Option<Arc<Tracer>>,
}

thread_local! {
    /// The `Shared` of the loop this thread is running, if any. Comparing
    /// addresses is enough: while the mark is set the loop keeps its
    /// `Shared` alive, so no other `Shared` can live at that address.
    static RUNNING_LOOP: Cell<*const Shared> = const { Cell::new(ptr::null()) };
    /// The run queue for wakes made on the loop's own thread. Only this
    /// thread ever touches it, so it needs no lock.
    static LOCAL_READY: RefCell<VecDeque<Runnable>> = const { RefCell::new(VecDeque::new()) };
}

impl Shared {
    pub(crate) fn new(doorbell: mio::Waker, trace: Option<Arc<Tracer>>) -> Shared {
        Shared {
            remote_ready: Mutex::new(VecDeque::new()),
            doorbell,
            trace,
        }
    }

    /// Marks this thread as the one running `self`'s loop, until the
    /// returned guard is dropped. The guard also empties the local queue,
    /// so ids left in it can never reach the next loop on this thread.
    pub(crate) fn mark_running(self: &Arc<Shared>) -> impl Drop + use<> {
        struct Unmark;
        impl Drop for Unmark {
            fn drop(&mut self) {
                RUNNING_LOOP.set(ptr::null());
                LOCAL_READY.with_borrow_mut(VecDeque::clear);
            }
        }
        RUNNING_LOOP.set(Arc::as_ptr(self));
        Unmark
    }

    /// Appends `runnable` to the run queue. A wake from the loop's own
    /// thread goes to the local queue: no lock, and no doorbell, since the
    /// loop is busy running the task that woke and so cannot be asleep.
    /// A wake from any other thread goes to the locked queue and rings the
    /// doorbell, because the loop may be asleep in `poll`.
    fn schedule(&self, runnable: Runnable) {
        if ptr::eq(RUNNING_LOOP.get(), self) {
            LOCAL_READY.with_borrow_mut(|local| local.push_back(runnable));
        } else {
            self.lock_remote().push_back(runnable);
            // If ringing fails the loop still wakes at its next timer or
            // I/O event; there is nobody to report the error to.
            let _ = self.doorbell.wake();
        }
    }

    /// Queues a task (or the main future) whose waker was just made by
    /// [`TaskWaker::new`], which starts out queued: this is what its first
    /// wake would do, without the wake's atomic swap of the flag.
    pub(crate) fn queue_new(&self, runnable: Runnable) {
        self.schedule(runnable);
        if let Some(trace) = &self.trace {
            trace.wake(runnable, false);
        }
    }

    /// Moves every queued entry into `batch` (which must be empty), so the
    /// loop runs a batch without borrowing either queue, and wakes that
    /// arrive meanwhile wait for the next batch. Called on the loop's thread.
    pub(crate) fn take_ready(&self, batch: &mut VecDeque<Runnable>) {
        LOCAL_READY.with_borrow_mut(|local| std::mem::swap(local, batch));
        batch.append(&mut self.lock_remote());
    }

    /// True if a task is queued. Called on the loop's thread.
    pub(crate) fn has_ready(&self) -> bool {
        !LOCAL_READY.with_borrow(VecDeque::is_empty) || !self.lock_remote().is_empty()
    }

    fn lock_remote(&self) -> std::sync::MutexGuard<'_, VecDeque<Runnable>> {
        // A panic while holding this lock cannot leave the queue half
        // updated (push_back and append are the only operations), so a
        // poisoned lock is still a good one.
        self.remote_ready
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
// ANCHOR_END: shared

// ANCHOR: task_waker
/// What a task's [`std::task::Waker`] points to.
pub(crate) struct TaskWaker {
    runnable: Runnable,
    /// Set when the id is in the run queue, cleared just before the task is
    /// polled. However many wakes arrive in between, the task is queued once,
    /// and a wake during its own poll queues it again, as it should.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl TaskWaker {
    /// A waker for a task about to be put in the run queue with
    /// [`Shared::queue_new`]: it starts out queued, which spares the spawn
    /// the atomic swap of a wake, and a wake before the first poll finds
    /// the task queued already.
    pub(crate) fn new(runnable: Runnable, shared: Arc<Shared>) -> Arc<TaskWaker> {
        Arc::new(TaskWaker {
            runnable,
            queued: AtomicBool::new(true),
            shared,
        })
    }

    /// Readies the waker of a finished task for the task that takes its
    /// slot, saving an allocation per spawn; like a
    /// [`new`](TaskWaker::new) one, it comes back queued. Gives
    /// `None` when a clone is still held somewhere (a timer or a wait list
    /// that outlived the task): that clone must keep waking nobody, so the
    /// new task gets a new waker.
    pub(crate) fn recycle(mut waker: Arc<TaskWaker>, runnable: Runnable) -> Option<Arc<TaskWaker>> {
        let unique = Arc::get_mut(&mut waker)?;
        unique.runnable = runnable;
        *unique.queued.get_mut() = true;
        Some(waker)
    }

    /// Called by the loop right before polling: wakes from now on count.
    pub(crate) fn clear_queued(&self) {
        self.queued.store(false, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let already_queued = self.queued.swap(true, Ordering::AcqRel);
        if let Some(trace) = &self.shared.trace {
            trace.wake(self.runnable, already_queued);
        }
        if !already_queued {
            self.shared.schedule(self.runnable);
        }
    }
}
// ANCHOR_END: task_waker
