//! Async generators: write a stream as one `async` block that `yield`s.
//!
//! Python has async generators built into the language:
//!
//! ```python
//! async def fetch_pages():
//!     for n in range(1, 4):
//!         data = await fetch(n)
//!         yield data
//! ```
//!
//! Stable Rust has no `yield` in async code yet (`async gen` blocks are still
//! experimental), but we can build the same thing from parts we already have.
//! The generator's body is an ordinary future, and it gets a [`Yielder`]. To
//! yield, the body hands its item to the yielder and then waits for exactly
//! one poll:
//!
//! 1. The consumer asks for an item. [`Generate::poll_next`] polls the body.
//! 2. The body runs until `y.yield_(item).await`. That future puts `item` in a
//!    one-item slot shared with the stream, and returns `Pending`.
//! 3. The `Pending` bubbles out of the body. `poll_next` finds the slot full
//!    and returns `Ready(Some(item))`.
//! 4. When the consumer asks again, `poll_next` polls the body. The yield
//!    future is polled a second time, returns `Ready(())`, and the body carries
//!    on to its next `yield` or to its end.
//!
//! The slot is an `Rc<RefCell<Option<T>>>`: single-threaded and safe. A borrow
//! never outlives the statement that takes it, so it cannot panic. The body is
//! kept in a `Pin<Box<..>>`, so it can hold borrows across `.await` like any
//! async block. The `async-stream` crate offers real `yield` syntax through a
//! macro, and passes items through a thread-local slot instead.
//!
//! The yield future does not wake anyone after it fills the slot. Nobody needs
//! waking: the consumer gets the item in the same `poll_next` call, and step 4
//! re-polls the body when the next item is wanted. This relies on the body
//! re-polling its yield future whenever the body itself is polled. Plain
//! `.await`, `join!` and `select!` all do that.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Stream;

/// Builds a stream from an async block that yields items through the
/// [`Yielder`] it receives. This is Python's `async def` with `yield`.
///
/// The body does not start until the first item is requested. It runs only
/// while the consumer is waiting for an item, and it stops at each `yield_`
/// until the consumer asks for the next one. The stream ends when the body
/// returns. Dropping the stream drops the body, wherever it is paused, which
/// cancels it.
///
/// Yield only from the body itself, or from futures it awaits or joins. A
/// `Yielder` moved into a [`spawn`](crate::spawn)ed task cannot make progress,
/// because nothing in that task collects its items.
///
/// # Examples
///
/// The tutorial's paginated fetch, written as a generator:
///
/// ```
/// use std::time::Duration;
/// use spool::stream::{self, Stream, StreamExt};
///
/// async fn fetch(page: u32) -> String {
///     spool::time::sleep(Duration::from_millis(10)).await;
///     format!("data of page {page}")
/// }
///
/// // async def fetch_pages():
/// //     for page in range(1, 4):
/// //         yield await fetch(page)
/// fn fetch_pages() -> impl Stream<Item = String> + Unpin {
///     stream::generate(|y| async move {
///         for page in 1..=3 {
///             let data = fetch(page).await;
///             y.yield_(data).await;
///         }
///     })
/// }
///
/// spool::block_on(async {
///     // async for data in fetch_pages():
///     let mut pages = fetch_pages();
///     while let Some(data) = pages.next().await {
///         println!("{data}");
///     }
/// });
/// ```
pub fn generate<T, F, Fut>(body: F) -> Generate<T, Fut>
where
    F: FnOnce(Yielder<T>) -> Fut,
    Fut: Future<Output = ()>,
{
    let slot = Rc::new(RefCell::new(None));
    let yielder = Yielder { slot: slot.clone() };
    Generate {
        slot,
        body: Some(Box::pin(body(yielder))),
    }
}

/// The handle a [`generate`] body uses to yield items.
pub struct Yielder<T> {
    slot: Rc<RefCell<Option<T>>>,
}

impl<T> fmt::Debug for Yielder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielder").finish_non_exhaustive()
    }
}

impl<T> Yielder<T> {
    /// Yields `item` to the consumer. This is Python's `yield item`.
    ///
    /// Await the result. The body resumes when the consumer asks for the item
    /// after this one. (The trailing underscore is there because `yield` is a
    /// reserved word in Rust.)
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::stream::{self, StreamExt};
    ///
    /// let countdown = stream::generate(|y| async move {
    ///     for n in (1..=3).rev() {
    ///         y.yield_(n).await;
    ///     }
    /// });
    /// assert_eq!(spool::block_on(countdown.collect::<Vec<_>>()), [3, 2, 1]);
    /// ```
    pub fn yield_(&self, item: T) -> Yield<'_, T> {
        Yield {
            slot: &self.slot,
            item: Some(item),
        }
    }
}

/// The future returned by [`Yielder::yield_`].
#[must_use = "nothing is yielded unless you `.await` it"]
pub struct Yield<'a, T> {
    slot: &'a RefCell<Option<T>>,
    /// `Some` until the item has been placed in the slot.
    item: Option<T>,
}

impl<T> fmt::Debug for Yield<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yield")
            .field("yielded", &self.item.is_none())
            .finish_non_exhaustive()
    }
}

/// The item is moved, never pinned.
impl<T> Unpin for Yield<'_, T> {}

// ANCHOR: yield_poll
impl<T> Future for Yield<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.item.is_none() {
            // Our item was handed over on an earlier poll, and this poll means
            // the consumer wants the next one: carry on.
            return Poll::Ready(());
        }
        let mut slot = this.slot.borrow_mut();
        // If the slot is full, another `yield_` in the same body (say, inside
        // a `join!`) got there first during this poll. We keep our item and
        // try again on the next poll, which comes when the consumer has taken
        // that one.
        if slot.is_none() {
            *slot = this.item.take();
        }
        Poll::Pending
    }
}
// ANCHOR_END: yield_poll

/// The stream returned by [`generate`].
#[must_use = "streams do nothing unless polled"]
pub struct Generate<T, Fut> {
    /// Where the body leaves each yielded item for `poll_next` to pick up.
    slot: Rc<RefCell<Option<T>>>,
    /// The generator body. `None` once it has returned, so its state,
    /// including the `Yielder`, is freed as soon as the stream ends.
    body: Option<Pin<Box<Fut>>>,
}

impl<T, Fut> fmt::Debug for Generate<T, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generate")
            .field("finished", &self.body.is_none())
            .finish_non_exhaustive()
    }
}

// ANCHOR: generate_poll_next
impl<T, Fut: Future<Output = ()>> Stream for Generate<T, Fut> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        let finished = body.as_mut().poll(cx).is_ready();
        if finished {
            this.body = None;
        }
        // The body paused for one of two reasons: it yielded (the slot is
        // full), or it is waiting on real I/O or a timer (the slot is empty).
        // In the second case, whatever it awaits has registered `cx`'s waker.
        match this.slot.borrow_mut().take() {
            Some(item) => Poll::Ready(Some(item)),
            None if finished => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}
// ANCHOR_END: generate_poll_next

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::stream::StreamExt;
    use crate::test_support::{DropCounter, Probe, block_on, ready_after};

    #[test]
    fn yields_in_order_then_ends_for_good() {
        let mut s = generate(|y| async move {
            y.yield_("one").await;
            y.yield_("two").await;
            y.yield_("three").await;
        });
        assert_eq!(block_on(s.next()), Some("one"));
        assert_eq!(block_on(s.next()), Some("two"));
        assert_eq!(block_on(s.next()), Some("three"));
        assert_eq!(block_on(s.next()), None);
        assert_eq!(block_on(s.next()), None);
    }

    #[test]
    fn paginated_fetch_reads_like_an_async_generator() {
        async fn fetch(page: u32) -> String {
            ready_after(2, format!("data of page {page}")).await
        }
        let fetch_pages = || {
            generate(|y| async move {
                for page in 1..=3 {
                    let data = fetch(page).await;
                    y.yield_(data).await;
                }
            })
        };
        let all: Vec<String> = block_on(fetch_pages().collect());
        assert_eq!(all, ["data of page 1", "data of page 2", "data of page 3"]);
    }

    #[test]
    fn body_is_lazy_and_pauses_at_each_yield() {
        let progress = Cell::new(0);
        let progress = &progress;
        let mut s = generate(|y| async move {
            progress.set(1);
            y.yield_('a').await;
            progress.set(2);
            y.yield_('b').await;
            progress.set(3);
        });
        assert_eq!(progress.get(), 0, "nothing runs before the first request");
        assert_eq!(block_on(s.next()), Some('a'));
        assert_eq!(progress.get(), 1, "the body stops at the yield");
        assert_eq!(block_on(s.next()), Some('b'));
        assert_eq!(progress.get(), 2);
        assert_eq!(block_on(s.next()), None);
        assert_eq!(progress.get(), 3);
    }

    #[test]
    fn pending_body_is_pending_and_registers_the_waker() {
        let mut s = generate(|y| async move {
            ready_after(1, ()).await;
            y.yield_(5).await;
        });
        let mut next = Probe::new(s.next());
        assert!(next.poll().is_pending());
        assert_eq!(next.wakes(), 1);
        assert_eq!(next.poll(), Poll::Ready(Some(5)));
    }

    #[test]
    fn concurrent_yields_lose_nothing() {
        let s = generate(|y| async move {
            crate::join!(y.yield_(1), y.yield_(2), y.yield_(3));
            y.yield_(4).await;
        });
        // `join!` polls in argument order, so the items come out in that order too.
        let all: Vec<i32> = block_on(s.collect());
        assert_eq!(all, [1, 2, 3, 4]);
    }

    #[test]
    fn yield_inside_select_hands_over_the_item() {
        let s = generate(|y| async move {
            let winner = crate::select! {
                () = y.yield_("from select") => "yield",
                () = ready_after(5, ()) => "timer",
            };
            y.yield_(winner).await;
        });
        assert_eq!(block_on(s.collect::<Vec<_>>()), ["from select", "yield"]);
    }

    #[test]
    fn dropping_the_stream_cancels_the_paused_body() {
        let drops = DropCounter::default();
        let guard = drops.guard();
        let reached_end = RefCell::new(false);
        let reached_end = &reached_end;
        let mut s = generate(|y| async move {
            let _guard = guard;
            y.yield_(1).await;
            y.yield_(2).await;
            *reached_end.borrow_mut() = true;
        });
        assert_eq!(block_on(s.next()), Some(1));
        assert_eq!(drops.count(), 0);
        drop(s);
        assert_eq!(drops.count(), 1);
        assert!(!*reached_end.borrow());
    }

    #[test]
    fn finished_body_is_freed_at_once() {
        let drops = DropCounter::default();
        let guard = drops.guard();
        let mut s = generate(|y| async move {
            let _guard = guard;
            y.yield_(()).await;
        });
        assert_eq!(block_on(s.next()), Some(()));
        assert_eq!(block_on(s.next()), None);
        assert_eq!(
            drops.count(),
            1,
            "the body is dropped as soon as it returns"
        );
    }

    #[test]
    fn empty_body_ends_immediately() {
        let mut s = generate(|_y: Yielder<u8>| async {});
        assert_eq!(Probe::new(s.next()).poll(), Poll::Ready(None));
    }
}
