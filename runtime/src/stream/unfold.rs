//! A stream built from a state and an async step function: "given where I
//! am, fetch the next item and tell me where to go next".
//!
//! It suits pagination, where each request needs the cursor from the
//! previous reply. It is the state-machine way to write an async generator:
//! everything the generator needs to remember is in the state value, in plain
//! sight. [`generate`](super::generate) is the coroutine way, where the
//! remembering is done by local variables across `yield` points.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::Stream;

/// Builds a stream by calling `step` over and over. Each call takes the
/// current state and returns a future that resolves to either
/// `Some((item, next_state))` to yield `item` and continue, or `None` to end
/// the stream.
///
/// `step` is not called before the first item is requested, and never again
/// after it returns `None`.
///
/// # Examples
///
/// A paginated API where each reply says which page comes next:
///
/// ```
/// use spool::stream::{self, StreamExt};
///
/// struct Reply { items: Vec<String>, next_page: Option<u32> }
///
/// async fn fetch(page: u32) -> Reply {
///     // Stand-in for an HTTP request.
///     let next_page = if page < 3 { Some(page + 1) } else { None };
///     Reply { items: vec![format!("item from page {page}")], next_page }
/// }
///
/// spool::block_on(async {
///     let pages = stream::unfold(Some(1), |page| async move {
///         let reply = fetch(page?).await;
///         Some((reply.items, reply.next_page))
///     });
///     let all: Vec<Vec<String>> = pages.collect().await;
///     assert_eq!(all.len(), 3);
/// });
/// ```
pub fn unfold<St, F, Fut, T>(init: St, step: F) -> Unfold<St, F, Fut>
where
    F: FnMut(St) -> Fut,
    Fut: Future<Output = Option<(T, St)>>,
{
    Unfold {
        state: Some(init),
        step,
        running: Box::pin(None),
    }
}

/// The stream returned by [`unfold`].
#[must_use = "streams do nothing unless polled"]
pub struct Unfold<St, F, Fut> {
    /// Present between items. It is moved into `step` when the next item is
    /// requested, and comes back with that item.
    state: Option<St>,
    step: F,
    /// The step in flight, if any. The future returned by `step` may be
    /// `!Unpin`, so it must live somewhere pinned. We allocate this one pinned
    /// slot up front and reuse it for every step, with `Pin::set` and
    /// `Option::as_pin_mut`, both safe. futures-util pins the future inline
    /// instead, with `unsafe` projection.
    running: Pin<Box<Option<Fut>>>,
}

impl<St: fmt::Debug, F, Fut> fmt::Debug for Unfold<St, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unfold")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Only `running` is ever pinned, and it is already behind a `Box`.
impl<St, F, Fut> Unpin for Unfold<St, F, Fut> {}

// ANCHOR: unfold_poll_next
impl<St, F, Fut, T> Stream for Unfold<St, F, Fut>
where
    F: FnMut(St) -> Fut,
    Fut: Future<Output = Option<(T, St)>>,
{
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if let Some(state) = this.state.take() {
            this.running.set(Some((this.step)(state)));
        }
        // No state and no step in flight: a previous step returned `None`.
        let Some(step) = this.running.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        let outcome = ready!(step.poll(cx));
        this.running.set(None);
        match outcome {
            Some((item, next_state)) => {
                this.state = Some(next_state);
                Poll::Ready(Some(item))
            }
            None => Poll::Ready(None),
        }
    }
}
// ANCHOR_END: unfold_poll_next

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::stream::StreamExt;
    use crate::test_support::{Probe, block_on, ready_after};

    /// A fake API: page `n` holds two items and points to page `n + 1`, up to `last`.
    async fn fetch_page(n: u32, last: u32) -> (Vec<String>, Option<u32>) {
        let items = ready_after(1, vec![format!("{n}a"), format!("{n}b")]).await;
        (items, (n < last).then_some(n + 1))
    }

    #[test]
    fn follows_the_cursor_through_every_page() {
        let pages = unfold(Some(1), |cursor| async move {
            let (items, next) = fetch_page(cursor?, 3).await;
            Some((items, next))
        });
        let all: Vec<Vec<String>> = block_on(pages.collect());
        assert_eq!(all, [["1a", "1b"], ["2a", "2b"], ["3a", "3b"]]);
    }

    #[test]
    fn keeps_returning_none_and_never_steps_again() {
        let steps = Cell::new(0);
        let mut s = unfold(0, |n| {
            steps.set(steps.get() + 1);
            async move { (n < 2).then_some((n, n + 1)) }
        });
        assert_eq!(block_on(s.next()), Some(0));
        assert_eq!(block_on(s.next()), Some(1));
        assert_eq!(block_on(s.next()), None);
        assert_eq!(block_on(s.next()), None);
        assert_eq!(steps.get(), 3);
    }

    #[test]
    fn is_lazy_and_resumes_the_same_step_after_pending() {
        let steps = Cell::new(0);
        let mut s = unfold((), |()| {
            steps.set(steps.get() + 1);
            ready_after(2, Some(("item", ())))
        });
        assert_eq!(steps.get(), 0);
        let mut next = Probe::new(s.next());
        assert!(next.poll().is_pending());
        assert!(next.poll().is_pending());
        assert_eq!(next.poll(), Poll::Ready(Some("item")));
        assert_eq!(next.wakes(), 2);
        assert_eq!(steps.get(), 1);
    }
}
