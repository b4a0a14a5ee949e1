//! A stream from anything iterable, whose items are all available at once.
//!
//! This is the simplest possible stream. It exists so that code written
//! against [`Stream`] can be fed from a `Vec`, a range, or a test fixture.

use std::pin::Pin;
use std::task::{Context, Poll};

use super::Stream;

/// Turns an iterable into a stream that yields its items, never waiting.
///
/// `iter` never returns `Pending`, so a loop over it does not give other
/// tasks a turn. A long loop that should stay polite can call
/// [`yield_now`](crate::yield_now) now and then. tokio-stream's `iter`
/// inserts such a yield automatically every 32 items; we leave that choice to
/// the caller.
///
/// # Examples
///
/// ```
/// use spool::stream::{self, StreamExt};
///
/// spool::block_on(async {
///     let mut urls = stream::iter(vec!["/a", "/b"]);
///     assert_eq!(urls.next().await, Some("/a"));
///     assert_eq!(urls.next().await, Some("/b"));
///     assert_eq!(urls.next().await, None);
/// });
/// ```
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter {
        items: items.into_iter(),
    }
}

/// The stream returned by [`iter`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Iter<I> {
    items: I,
}

/// The iterator is never pinned, only called through `&mut`.
impl<I> Unpin for Iter<I> {}

impl<I: Iterator> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.get_mut().items.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamExt;
    use crate::test_support::Probe;

    #[test]
    fn yields_every_item_in_order_without_waiting() {
        let mut s = iter(vec!["x", "y"]);
        assert_eq!(Probe::new(s.next()).poll(), Poll::Ready(Some("x")));
        assert_eq!(Probe::new(s.next()).poll(), Poll::Ready(Some("y")));
        assert_eq!(Probe::new(s.next()).poll(), Poll::Ready(None));
    }
}
