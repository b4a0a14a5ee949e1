//! Exercise solution ("async for", exercise 1): a `take_while` adapter.
//!
//! It passes items on while the predicate holds and ends the stream at the
//! first item that fails it. Like `take`, it then stops polling the inner
//! stream: for a paginated API one more poll means one more request.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use spool::stream::Stream;

// ANCHOR: take_while
/// Items of `stream` up to, not including, the first for which `predicate`
/// is false.
pub fn take_while<S, P>(stream: S, predicate: P) -> TakeWhile<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool,
{
    TakeWhile {
        stream,
        predicate,
        done: false,
    }
}

/// The stream returned by [`take_while`].
pub struct TakeWhile<S, P> {
    stream: S,
    predicate: P,
    /// Set at the first rejected item, or when `stream` ends.
    done: bool,
}

impl<S, P> Stream for TakeWhile<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool + Unpin,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let item = ready!(Pin::new(&mut this.stream).poll_next(cx));
        match item {
            Some(item) if (this.predicate)(&item) => Poll::Ready(Some(item)),
            _ => {
                this.done = true;
                Poll::Ready(None)
            }
        }
    }
}
// ANCHOR_END: take_while

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use spool::stream::{self, StreamExt};

    #[test]
    fn stops_at_the_first_rejected_item_and_fetches_no_more() {
        let fetched = Rc::new(Cell::new(0));
        let (taken, after_end) = spool::block_on({
            let fetched = fetched.clone();
            async move {
                let pages = Box::pin(stream::generate(move |y| async move {
                    for page in 1..=10 {
                        spool::time::sleep(Duration::from_millis(1)).await;
                        fetched.set(fetched.get() + 1);
                        y.yield_(page).await;
                    }
                }));
                let mut small = take_while(pages, |&page| page < 4);
                let mut taken = Vec::new();
                while let Some(page) = small.next().await {
                    taken.push(page);
                }
                (taken, small.next().await)
            }
        });
        assert_eq!(taken, [1, 2, 3]);
        assert_eq!(after_end, None);
        // Page 4 had to be fetched to be rejected; page 5 never was.
        assert_eq!(fetched.get(), 4);
    }

    #[test]
    fn a_stream_that_ends_first_ends_it() {
        let all = spool::block_on(take_while(stream::iter([1, 2]), |_| true).collect::<Vec<_>>());
        assert_eq!(all, [1, 2]);
    }
}
