//! Exercise solution ("async for", exercise 2): `throttle`, at most one
//! item per period.
//!
//! After handing out an item the adapter moves one `Sleep` to one period
//! later, and it does not even ask the inner stream for the next item until
//! that sleep is over. So a fast source is slowed to the given pace, and a
//! slow one is not slowed further. Because the inner stream is not polled
//! meanwhile, a generator behind it is paused too: throttling is
//! back-pressure, not buffering.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use spool::stream::Stream;
use spool::time::{Sleep, sleep};

// ANCHOR: throttle
/// The items of `stream`, at least `period` apart.
pub fn throttle<S: Stream + Unpin>(stream: S, period: Duration) -> Throttle<S> {
    Throttle {
        stream,
        period,
        // Already due: the first item may go at once.
        pause: sleep(Duration::ZERO),
    }
}

/// The stream returned by [`throttle`].
pub struct Throttle<S> {
    stream: S,
    period: Duration,
    /// Ends when the next item may be handed out.
    pause: Sleep,
}

impl<S: Stream + Unpin> Stream for Throttle<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.pause).poll(cx));
        let item = ready!(Pin::new(&mut this.stream).poll_next(cx));
        if item.is_some() {
            this.pause.reset(Instant::now() + this.period);
        }
        Poll::Ready(item)
    }
}
// ANCHOR_END: throttle

#[cfg(test)]
mod tests {
    use super::*;
    use spool::stream::{self, StreamExt};

    #[test]
    fn items_arrive_a_period_apart() {
        let arrivals = spool::block_on(async {
            let start = Instant::now();
            let mut paced = throttle(stream::iter(1..=5), Duration::from_millis(30));
            let mut arrivals = Vec::new();
            while let Some(n) = paced.next().await {
                arrivals.push((n, start.elapsed()));
            }
            arrivals
        });
        let items: Vec<_> = arrivals.iter().map(|&(n, _)| n).collect();
        assert_eq!(items, [1, 2, 3, 4, 5]);
        for pair in arrivals.windows(2) {
            let gap = pair[1].1 - pair[0].1;
            assert!(gap >= Duration::from_millis(30), "gap of {gap:?}");
        }
    }

    #[test]
    fn the_first_item_does_not_wait() {
        spool::block_on(async {
            let mut paced = throttle(stream::iter([1]), Duration::from_secs(10));
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let first = Pin::new(&mut paced).poll_next(&mut cx);
            assert_eq!(first, Poll::Ready(Some(1)));
        });
    }

    #[test]
    fn a_slow_source_is_not_slowed_further() {
        let took = spool::block_on(async {
            let start = Instant::now();
            let slow = Box::pin(stream::generate(|y| async move {
                for n in 0..3 {
                    spool::time::sleep(Duration::from_millis(40)).await;
                    y.yield_(n).await;
                }
            }));
            let all: Vec<_> = throttle(slow, Duration::from_millis(10)).collect().await;
            assert_eq!(all, [0, 1, 2]);
            start.elapsed()
        });
        assert!(took >= Duration::from_millis(120));
        assert!(took < Duration::from_millis(400), "took {took:?}");
    }
}
