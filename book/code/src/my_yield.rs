//! Exercise solution ("The event loop", exercise 1): `yield_now` written
//! from scratch.
//!
//! The future is `Pending` exactly once, and before it says so it wakes its
//! own task. The wake puts the task at the back of the run queue, so the
//! loop polls it again in its next batch, after every task that was already
//! waiting: asyncio's `await asyncio.sleep(0)`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

// ANCHOR: yield_now
/// Lets every other ready task run once before this one continues.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Without this wake nobody would ever poll the task again.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
// ANCHOR_END: yield_now

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    #[test]
    fn two_tasks_take_turns() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let worker = |name: &'static str| {
            let log = log.clone();
            async move {
                for step in 0..3 {
                    log.borrow_mut().push(format!("{name}{step}"));
                    yield_now().await;
                }
            }
        };
        spool::block_on(async {
            let (a, b) = (spool::spawn(worker("a")), spool::spawn(worker("b")));
            // A yield that forgets to wake its task fails here instead of hanging.
            let both = spool::join_all([a, b]);
            let finished = spool::time::timeout(Duration::from_secs(5), both).await;
            assert!(finished.is_ok(), "a task was never woken again");
        });
        assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
    }
}
