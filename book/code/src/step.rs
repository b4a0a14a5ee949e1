//! [`Step`]: the smallest future that is not ready at once.
//!
//! "Futures by hand" needs a leaf future whose every poll is predictable:
//! `Pending` the first time (after waking its own task, so any executor
//! polls it again), `Ready(value)` the second. The state-machine chapter
//! awaits two of them in an `async fn` and in the enum that desugars it, and
//! the two must behave identically, poll for poll.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Pending once, then ready with its value.
pub struct Step<T> {
    label: &'static str,
    /// `Some` until the value is handed out.
    value: Option<T>,
    polled: bool,
}

/// A step called `label` that finishes with `value` on its second poll.
pub fn step<T>(label: &'static str, value: T) -> Step<T> {
    Step {
        label,
        value: Some(value),
        polled: false,
    }
}

// `Step` never points into itself, so it may move even after a poll.
impl<T> Unpin for Step<T> {}

impl<T> Future for Step<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if !self.polled {
            self.polled = true;
            println!("    {}: started, not ready yet", self.label);
            cx.waker().wake_by_ref(); // "poll me again"
            return Poll::Pending;
        }
        println!("    {}: ready", self.label);
        Poll::Ready(self.value.take().expect("Step polled after it finished"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn pending_once_then_ready() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut s = step("test", 7);
        assert_eq!(Pin::new(&mut s).poll(&mut cx), Poll::Pending);
        assert_eq!(Pin::new(&mut s).poll(&mut cx), Poll::Ready(7));
    }
}
