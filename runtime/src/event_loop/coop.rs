//! Cooperative budgeting: how an always-ready task is made to take turns.
//!
//! The interval rule in `executor.rs` checks sockets and timers every 61
//! task polls, and runs each ready task once per batch. But a task only
//! gives the thread back when it returns `Pending`, and a task draining a
//! queue that is never empty, or reading a socket that always has bytes, may
//! never see `Pending` at all — `get().await` is ready every time.
//! Such a task would hold the thread forever, and timers and sockets would
//! starve.
//!
//! So each poll of a task gets a budget of [`BUDGET`] operations. Every
//! queue `get`/`put`, semaphore `acquire` and socket read or write spends
//! one unit; when the budget is gone the operation returns `Pending` as if
//! it had to wait (after waking its own task, so nothing is lost), the task
//! yields, and the loop goes round. This is tokio's "coop" scheme, with
//! tokio's number, 128. Outside a task (a future polled by hand) the budget
//! is unlimited.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may complete in one poll before it must yield.
pub(crate) const BUDGET: u32 = 128;

thread_local! {
    /// `None` while no task is being polled: no limit applies.
    static REMAINING: Cell<Option<u32>> = const { Cell::new(None) };
}

// ANCHOR: budget
/// Runs one poll of a task with a fresh budget.
pub(crate) fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            REMAINING.set(self.0);
        }
    }
    let _restore = Restore(REMAINING.replace(Some(BUDGET)));
    poll()
}

/// Spends one unit of the current task's budget, or, if it is spent,
/// schedules the task again and returns `Pending`.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match REMAINING.get() {
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            REMAINING.set(Some(n - 1));
            Poll::Ready(())
        }
        None => Poll::Ready(()),
    }
}
// ANCHOR_END: budget
