//! The methods you call on a stream: `next`, `map`, `filter`, `take`,
//! `collect`, `for_each`.
//!
//! The adapters `map`, `filter` and `take` are small structs, each wrapping the
//! stream before it, just like `Iterator` adapters. They poll the inner stream
//! through a plain `&mut`, which needs it to be `Unpin`. That is the price of
//! avoiding `unsafe` pin projection. Every stream this module builds is
//! `Unpin`, and a hand-written `!Unpin` stream can be wrapped with
//! `Box::pin(stream)` or `std::pin::pin!(stream)` first. futures-util lifts the
//! requirement with `pin-project`, which generates the `unsafe` for it.
//!
//! The consumers `collect` and `for_each` are `async` blocks. The compiler
//! pins their locals, so they accept any stream, `Unpin` or not.
//!
//! `filter`'s predicate and `for_each`'s body differ on purpose. A filter
//! should be a quick synchronous test, as in `Iterator::filter` and
//! tokio-stream. The loop body of `async for` is where the awaiting happens,
//! so `for_each` takes a closure that returns a future.

use std::fmt;
use std::future::Future;
use std::iter;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};

use super::Stream;

/// Methods for every [`Stream`], imported with `use spool::stream::StreamExt`.
pub trait StreamExt: Stream {
    /// Waits for the next item. Resolves to `None` once the stream has
    /// finished. This is one step of `async for`.
    ///
    /// Dropping the returned future before it finishes loses nothing, because
    /// no item is taken until it resolves. So `next()` is safe to use in a
    /// [`select!`](crate::select).
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::stream::{self, StreamExt};
    ///
    /// spool::block_on(async {
    ///     let mut s = stream::iter([1, 2]);
    ///     assert_eq!(s.next().await, Some(1));
    ///     assert_eq!(s.next().await, Some(2));
    ///     assert_eq!(s.next().await, None);
    /// });
    /// ```
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin,
    {
        Next { stream: self }
    }

    /// Transforms each item with `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::stream::{self, StreamExt};
    ///
    /// let doubled = spool::block_on(stream::iter(1..=3).map(|n| n * 2).collect::<Vec<_>>());
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    fn map<T, F>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> T,
    {
        Map { stream: self, f }
    }

    /// Keeps only the items for which `predicate` returns `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::stream::{self, StreamExt};
    ///
    /// let odd = spool::block_on(stream::iter(1..=6).filter(|n| n % 2 == 1).collect::<Vec<_>>());
    /// assert_eq!(odd, [1, 3, 5]);
    /// ```
    fn filter<P>(self, predicate: P) -> Filter<Self, P>
    where
        Self: Sized,
        P: FnMut(&Self::Item) -> bool,
    {
        Filter {
            stream: self,
            predicate,
        }
    }

    /// Yields at most `n` items, then finishes *without polling the inner
    /// stream again*. Taking 2 pages from a paginated download fetches 2 pages,
    /// not 3.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::stream::{self, StreamExt};
    ///
    /// let first = spool::block_on(stream::iter(1..).take(3).collect::<Vec<_>>());
    /// assert_eq!(first, [1, 2, 3]);
    /// ```
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized,
    {
        Take {
            stream: self,
            remaining: n,
        }
    }

    /// Drains the stream into a collection: a `Vec`, a `String`, a `HashMap`,
    /// anything that is `Default + Extend`.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::stream::{self, StreamExt};
    ///
    /// spool::block_on(async {
    ///     let words: Vec<_> = stream::iter(["async", "for"]).collect().await;
    ///     let line = stream::iter(["async", " ", "for"]).collect::<String>().await;
    ///     assert_eq!(words.concat(), "asyncfor");
    ///     assert_eq!(line, "async for");
    /// });
    /// ```
    fn collect<C>(self) -> impl Future<Output = C>
    where
        Self: Sized,
        C: Default + Extend<Self::Item>,
    {
        async move {
            let mut stream = pin!(self);
            let mut collection = C::default();
            while let Some(item) = stream.next().await {
                collection.extend(iter::once(item));
            }
            collection
        }
    }

    /// Runs the async `body` for every item, one item at a time. The next
    /// item is not requested until `body`'s future has finished, just as in
    /// `async for item in stream: await body(item)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use spool::stream::{self, StreamExt};
    ///
    /// spool::block_on(async {
    ///     stream::iter(["a.txt", "b.txt"])
    ///         .for_each(|name| async move {
    ///             spool::time::sleep(Duration::from_millis(5)).await;
    ///             println!("saved {name}");
    ///         })
    ///         .await;
    /// });
    /// ```
    fn for_each<F, Fut>(self, mut body: F) -> impl Future<Output = ()>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future<Output = ()>,
    {
        async move {
            let mut stream = pin!(self);
            while let Some(item) = stream.next().await {
                body(item).await;
            }
        }
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}

/// The future returned by [`StreamExt::next`].
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Next<'a, S: ?Sized> {
    stream: &'a mut S,
}

impl<S: ?Sized> fmt::Debug for Next<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

impl<S: Stream + Unpin + ?Sized> Future for Next<'_, S> {
    type Output = Option<S::Item>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().stream).poll_next(cx)
    }
}

/// The stream returned by [`StreamExt::map`].
#[must_use = "streams do nothing unless polled"]
pub struct Map<S, F> {
    stream: S,
    f: F,
}

impl<S: fmt::Debug, F> fmt::Debug for Map<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

/// The closure is called through `&mut`, never pinned, so `Map` may move
/// whenever the inner stream may. The same holds for [`Filter`]'s predicate.
impl<S: Unpin, F> Unpin for Map<S, F> {}

impl<S, F, T> Stream for Map<S, F>
where
    S: Stream + Unpin,
    F: FnMut(S::Item) -> T,
{
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let item = ready!(Pin::new(&mut this.stream).poll_next(cx));
        Poll::Ready(item.map(&mut this.f))
    }
}

/// The stream returned by [`StreamExt::filter`].
#[must_use = "streams do nothing unless polled"]
pub struct Filter<S, P> {
    stream: S,
    predicate: P,
}

impl<S: fmt::Debug, P> fmt::Debug for Filter<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl<S: Unpin, P> Unpin for Filter<S, P> {}

// ANCHOR: filter
impl<S, P> Stream for Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        // Rejected items that are already available are skipped in this one
        // call. We only return `Pending` when the inner stream does, so the
        // waker it registered is the one that brings us back.
        loop {
            match ready!(Pin::new(&mut this.stream).poll_next(cx)) {
                Some(item) if (this.predicate)(&item) => return Poll::Ready(Some(item)),
                Some(_) => continue,
                None => return Poll::Ready(None),
            }
        }
    }
}
// ANCHOR_END: filter

/// The stream returned by [`StreamExt::take`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Take<S> {
    stream: S,
    remaining: usize,
}

// ANCHOR: take
impl<S: Stream + Unpin> Stream for Take<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            // Polling again could start work we would throw away, such as
            // fetching one more page.
            return Poll::Ready(None);
        }
        let item = ready!(Pin::new(&mut this.stream).poll_next(cx));
        match item {
            Some(_) => this.remaining -= 1,
            None => this.remaining = 0,
        }
        Poll::Ready(item)
    }
}
// ANCHOR_END: take

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::marker::PhantomPinned;

    use super::*;
    use crate::stream::{generate, iter};
    use crate::test_support::{Probe, ReadyAfter, block_on, ready_after};

    /// Says `Pending` `pending_polls` times before each item, to exercise the
    /// adapters' `Pending` paths.
    struct Slow<I: Iterator> {
        items: I,
        pending_polls: usize,
        waiting: Option<ReadyAfter<I::Item>>,
    }

    fn slow<I: IntoIterator>(items: I, pending_polls: usize) -> Slow<I::IntoIter> {
        Slow {
            items: items.into_iter(),
            pending_polls,
            waiting: None,
        }
    }

    impl<I: Iterator + Unpin> Stream for Slow<I> {
        type Item = I::Item;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
            let this = self.get_mut();
            let waiting = match &mut this.waiting {
                Some(waiting) => waiting,
                None => match this.items.next() {
                    Some(item) => this.waiting.insert(ready_after(this.pending_polls, item)),
                    None => return Poll::Ready(None),
                },
            };
            let item = ready!(Pin::new(waiting).poll(cx));
            this.waiting = None;
            Poll::Ready(Some(item))
        }
    }

    /// A `!Unpin` stream. It can only touch its state through `&self`, hence the `Cell`.
    struct PinnedCountdown {
        left: Cell<u32>,
        _pinned: PhantomPinned,
    }

    fn pinned_countdown(from: u32) -> PinnedCountdown {
        PinnedCountdown {
            left: Cell::new(from),
            _pinned: PhantomPinned,
        }
    }

    impl Stream for PinnedCountdown {
        type Item = u32;

        fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
            let left = self.left.get();
            if left == 0 {
                return Poll::Ready(None);
            }
            self.left.set(left - 1);
            Poll::Ready(Some(left))
        }
    }

    #[test]
    fn next_walks_the_stream_and_stays_finished() {
        let mut s = iter(['a', 'b']);
        assert_eq!(block_on(s.next()), Some('a'));
        assert_eq!(block_on(s.next()), Some('b'));
        assert_eq!(block_on(s.next()), None);
        assert_eq!(block_on(s.next()), None);
    }

    #[test]
    fn map_filter_take_collect_compose_like_iterators() {
        let out: Vec<u32> = block_on(
            iter(1..=20)
                .map(|n| n * n)
                .filter(|n| n % 2 == 1)
                .take(3)
                .collect(),
        );
        assert_eq!(out, [1, 9, 25]);
    }

    #[test]
    fn adapters_wait_for_a_pending_inner_stream() {
        // `block_on` fails the test if a `Pending` ever comes without a wake-up.
        let out: Vec<u32> = block_on(
            slow(1..=6, 2)
                .map(|n| n * 10)
                .filter(|n| n % 20 == 0)
                .take(2)
                .collect(),
        );
        assert_eq!(out, [20, 40]);
    }

    #[test]
    fn pending_inner_stream_makes_the_adapter_pending() {
        let mut s = slow([7], 1).map(|n| n + 1).filter(|_| true);
        let mut step = Probe::new(s.next());
        assert!(step.poll().is_pending());
        assert_eq!(step.wakes(), 1);
        assert_eq!(step.poll(), Poll::Ready(Some(8)));
    }

    #[test]
    fn filter_skips_many_rejected_items_in_one_poll() {
        let mut s = iter(1..=1000).filter(|n| *n == 1000);
        assert_eq!(Probe::new(s.next()).poll(), Poll::Ready(Some(1000)));
    }

    #[test]
    fn take_stops_without_pulling_one_more_item() {
        let produced = Cell::new(0);
        let produced = &produced;
        let pages = generate(|y| async move {
            for n in 1.. {
                produced.set(produced.get() + 1);
                y.yield_(n).await;
            }
        });
        let out: Vec<u32> = block_on(pages.take(2).collect());
        assert_eq!(out, [1, 2]);
        assert_eq!(produced.get(), 2);
    }

    #[test]
    fn take_zero_never_polls_and_short_streams_end_early() {
        let polled = Cell::new(false);
        let probe = crate::stream::unfold((), |()| {
            polled.set(true);
            async { Some(((), ())) }
        });
        assert_eq!(block_on(probe.take(0).collect::<Vec<()>>()), []);
        assert!(!polled.get());

        assert_eq!(block_on(iter([1]).take(5).collect::<Vec<_>>()), [1]);
    }

    #[test]
    fn for_each_finishes_the_body_before_pulling_the_next_item() {
        let log = RefCell::new(Vec::new());
        let log = &log;
        let source = generate(|y| async move {
            for n in 1..=2 {
                log.borrow_mut().push(format!("produce {n}"));
                y.yield_(n).await;
            }
        });
        block_on(source.for_each(|n| async move {
            log.borrow_mut().push(format!("start {n}"));
            ready_after(2, ()).await;
            log.borrow_mut().push(format!("end {n}"));
        }));
        assert_eq!(
            *log.borrow(),
            [
                "produce 1",
                "start 1",
                "end 1",
                "produce 2",
                "start 2",
                "end 2"
            ]
        );
    }

    #[test]
    fn collect_builds_any_extend_collection() {
        let line: String = block_on(iter(["async", " ", "for"]).collect());
        assert_eq!(line, "async for");
    }

    #[test]
    fn pinned_streams_work_with_every_method() {
        assert_eq!(block_on(pinned_countdown(3).collect::<Vec<_>>()), [3, 2, 1]);

        let mut total = 0;
        block_on(pinned_countdown(4).for_each(|n| {
            total += n;
            async {}
        }));
        assert_eq!(total, 10);

        let doubled: Vec<u32> = block_on(Box::pin(pinned_countdown(2)).map(|n| n * 2).collect());
        assert_eq!(doubled, [4, 2]);

        let mut on_stack = pin!(pinned_countdown(1));
        assert_eq!(block_on(on_stack.next()), Some(1));
        assert_eq!(block_on(on_stack.next()), None);
    }

    #[test]
    fn adapters_can_borrow_a_stream_and_leave_the_rest() {
        let mut s = iter(1..=5);
        let head: Vec<_> = block_on((&mut s).take(2).collect());
        let tail: Vec<_> = block_on(s.collect());
        assert_eq!(head, [1, 2]);
        assert_eq!(tail, [3, 4, 5]);
    }
}
