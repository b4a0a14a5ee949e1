//! Exercise solution ("Future, Poll and Context", exercise 2): `join2`,
//! the two-future `Promise.all`, built from `pin!` and `poll_fn`.
//!
//! Each poll of the joined future polls every child that has not finished
//! yet, and keeps the outputs of the ones that have. Awaiting the two one
//! after the other would wait for the first before even starting the second.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

// ANCHOR: join2
/// Runs `a` and `b` concurrently and returns both outputs.
pub async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut a_out = None;
    let mut b_out = None;
    poll_fn(|cx| {
        if a_out.is_none() {
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                a_out = Some(out);
            }
        }
        if b_out.is_none() {
            if let Poll::Ready(out) = b.as_mut().poll(cx) {
                b_out = Some(out);
            }
        }
        if a_out.is_some() && b_out.is_some() {
            return Poll::Ready((a_out.take().unwrap(), b_out.take().unwrap()));
        }
        Poll::Pending
    })
    .await
}
// ANCHOR_END: join2

#[cfg(test)]
mod tests {
    use super::*;
    use crate::countdown::Countdown;
    use std::pin::Pin;
    use std::task::{Context, Waker};

    /// Polls `future` with a no-op waker until it is ready; returns how many
    /// polls that took.
    fn polls_until_ready<F: Future>(future: F) -> u32 {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        let mut polls = 1;
        while Pin::as_mut(&mut future).poll(&mut cx).is_pending() {
            polls += 1;
        }
        polls
    }

    #[test]
    fn children_run_side_by_side() {
        // Side by side: max(2, 3) + 1 polls. One after the other: 2 + 3 + 1.
        let joined = polls_until_ready(join2(Countdown::new(2), Countdown::new(3)));
        let sequential = polls_until_ready(async {
            Countdown::new(2).await;
            Countdown::new(3).await;
        });
        assert_eq!(joined, 4);
        assert_eq!(sequential, 6);
    }

    #[test]
    fn returns_both_outputs_in_argument_order() {
        let out = spool::block_on(join2(async { "left" }, async { 2 }));
        assert_eq!(out, ("left", 2));
    }
}
