//! [`yield_now`]: step aside for one turn of the loop (asyncio's `sleep(0)`).

use std::future::poll_fn;
use std::task::Poll;

// ANCHOR: yield_now
/// Lets every other ready task run before this task continues. A task
/// looping on `yield_now` also lets the loop check sockets and timers, which
/// it does every 61 polls.
///
/// It works by waking itself and returning `Pending` once: the wake puts the
/// task at the back of the run queue, behind everyone already waiting.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// spool::block_on(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let other = spool::spawn({
///         let log = log.clone();
///         async move { log.borrow_mut().push("other") }
///     });
///     log.borrow_mut().push("main before");
///     spool::yield_now().await;
///     log.borrow_mut().push("main after");
///     other.await.unwrap();
///     assert_eq!(*log.borrow(), ["main before", "other", "main after"]);
/// });
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
// ANCHOR_END: yield_now
