//! Exercise solution ("async fn is a state machine", exercise 2): `race` as
//! a named struct instead of an `async fn`.
//!
//! A struct that owns futures and polls them from its own `poll` has to
//! produce a `Pin<&mut A>` from a `Pin<&mut Self>`. Without `unsafe` (or a
//! pin-projection crate) the only way is to ask for `A: Unpin` and use
//! `Pin::new`. Callers with a future that is not `Unpin`, such as any
//! `async` block, pin it first: `pin!(f)` or `Box::pin(f)` give a pointer
//! that is itself `Unpin`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

// ANCHOR: select2
/// Ready with the output of whichever of `a` and `b` finishes first; `a`
/// wins a tie.
pub struct Select2<A, B> {
    a: A,
    b: B,
}

/// Races `a` against `b`.
pub fn select2<A, B>(a: A, b: B) -> Select2<A, B>
where
    A: Future + Unpin,
    B: Future<Output = A::Output> + Unpin,
{
    Select2 { a, b }
}

impl<A, B> Future for Select2<A, B>
where
    A: Future + Unpin,
    B: Future<Output = A::Output> + Unpin,
{
    type Output = A::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A::Output> {
        if let Poll::Ready(out) = Pin::new(&mut self.a).poll(cx) {
            return Poll::Ready(out);
        }
        Pin::new(&mut self.b).poll(cx)
    }
}
// ANCHOR_END: select2

#[cfg(test)]
mod tests {
    use super::*;
    use crate::countdown::Countdown;
    use std::pin::pin;
    use std::time::Duration;

    #[test]
    fn the_faster_one_wins() {
        let slow = async {
            Countdown::new(5).await;
            "slow"
        };
        let fast = async {
            Countdown::new(1).await;
            "fast"
        };
        // Async blocks are not Unpin: pin them, then the pointers are.
        let out = spool::block_on(select2(pin!(slow), Box::pin(fast)));
        assert_eq!(out, "fast");
    }

    #[test]
    fn first_argument_wins_a_tie() {
        let out = spool::block_on(select2(Box::pin(async { 1 }), Box::pin(async { 2 })));
        assert_eq!(out, 1);
    }

    #[test]
    fn works_with_spool_timers() {
        let out = spool::block_on(select2(
            Box::pin(async {
                spool::time::sleep(Duration::from_secs(60)).await;
                "timer"
            }),
            Box::pin(async { "now" }),
        ));
        assert_eq!(out, "now");
    }
}
