//! Driving futures by hand in unit tests.
//!
//! The sync primitives promise things about *when* a waiter is woken and
//! *what* it gets when polled next. An executor would blur both: it polls
//! whenever it likes. A [`Probe`] polls exactly when the test says so, with a
//! waker that only counts, so a test can assert "B was not woken" as easily
//! as "A got the permit".

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// Counts how many times the wakers made from it were woken.
#[derive(Debug, Default)]
pub(crate) struct WakeCounter(AtomicUsize);

impl WakeCounter {
    pub(crate) fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh waker and the counter it bumps.
pub(crate) fn counting_waker() -> (Waker, Arc<WakeCounter>) {
    let counter = Arc::new(WakeCounter::default());
    (Waker::from(counter.clone()), counter)
}

/// A future under test, polled only on request, with its own counting waker.
pub(crate) struct Probe<F: Future> {
    /// `None` once the test has cancelled (dropped) the future.
    future: Option<Pin<Box<F>>>,
    waker: Waker,
    counter: Arc<WakeCounter>,
}

impl<F: Future> Probe<F> {
    pub(crate) fn new(future: F) -> Probe<F> {
        let (waker, counter) = counting_waker();
        Probe {
            future: Some(Box::pin(future)),
            waker,
            counter,
        }
    }

    pub(crate) fn poll(&mut self) -> Poll<F::Output> {
        let future = self.future.as_mut().expect("probe was cancelled");
        future.as_mut().poll(&mut Context::from_waker(&self.waker))
    }

    /// Polls, expecting the future to be finished, and returns its output.
    pub(crate) fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("future is still pending"),
        }
    }

    /// How many times this probe's waker has been woken so far.
    pub(crate) fn wakes(&self) -> usize {
        self.counter.count()
    }

    /// Drops the future, as a timeout or `select!` would, while still counting
    /// wakes that arrive afterwards.
    pub(crate) fn cancel(&mut self) {
        self.future = None;
    }
}
