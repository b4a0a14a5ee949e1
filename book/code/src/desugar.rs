//! Exercise solution ("async fn is a state machine", exercise 1): a loop
//! with an `.await` inside, desugared by hand.
//!
//! [`sum_steps`] is the `async fn`; [`SumSteps`] is the enum the compiler
//! would write for it. A loop does not add states: the state "paused at the
//! `.await` inside the loop" is entered again on every turn, carrying the
//! loop's variables (the iterator and the running total) with it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::vec;

use crate::step::{Step, step};

// ANCHOR: sum_steps
/// Adds up `values`, awaiting one [`Step`] per value.
pub async fn sum_steps(values: Vec<u32>) -> u32 {
    let mut total = 0;
    for v in values {
        total += step("add", v).await;
    }
    total
}
// ANCHOR_END: sum_steps

// ANCHOR: sum_steps_enum
/// `sum_steps`, desugared.
pub enum SumSteps {
    /// Not polled yet.
    Start { values: Vec<u32> },
    /// Paused at the `.await` inside the loop, on some turn of it.
    Adding {
        rest: vec::IntoIter<u32>,
        total: u32,
        current: Step<u32>,
    },
    /// Returned.
    Done,
}

/// Calling the "function": builds the first state, runs nothing.
pub fn sum_steps_by_hand(values: Vec<u32>) -> SumSteps {
    SumSteps::Start { values }
}

impl Future for SumSteps {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let this = &mut *self; // fine: every field is Unpin
        loop {
            // Both arms that start a turn of the loop end up here.
            let (mut rest, total) = match this {
                SumSteps::Start { values } => (std::mem::take(values).into_iter(), 0),
                SumSteps::Adding {
                    rest,
                    total,
                    current,
                } => {
                    let v = ready!(Pin::new(current).poll(cx));
                    (std::mem::take(rest), *total + v)
                }
                SumSteps::Done => panic!("`SumSteps` polled after it returned"),
            };
            match rest.next() {
                Some(v) => {
                    let current = step("add", v);
                    *this = SumSteps::Adding {
                        rest,
                        total,
                        current,
                    };
                }
                None => {
                    *this = SumSteps::Done;
                    return Poll::Ready(total);
                }
            }
        }
    }
}
// ANCHOR_END: sum_steps_enum

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    /// Polls to the end with a no-op waker; returns (output, polls).
    fn run<F: Future<Output = u32>>(future: F) -> (u32, usize) {
        let mut future = Box::pin(future);
        let mut cx = Context::from_waker(Waker::noop());
        let mut polls = 0;
        loop {
            polls += 1;
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return (out, polls);
            }
        }
    }

    #[test]
    fn enum_matches_the_async_fn_poll_for_poll() {
        for values in [vec![], vec![5], vec![1, 2, 3, 4]] {
            let expected = (values.iter().sum(), values.len() + 1);
            assert_eq!(run(sum_steps(values.clone())), expected);
            assert_eq!(run(sum_steps_by_hand(values)), expected);
        }
    }

    #[test]
    fn runs_on_spool() {
        assert_eq!(spool::block_on(sum_steps_by_hand(vec![10, 20])), 30);
    }
}
