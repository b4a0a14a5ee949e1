//! Driving futures by hand in unit tests.
//!
//! The combinators and sync primitives promise things about *when* a waiter is woken and
//! *what* it gets when polled next. An executor would blur both: it polls
//! whenever it likes. A [`Probe`] polls exactly when the test says so, with a
//! waker that only counts, so a test can assert "B was not woken" as easily
//! as "A got the permit".

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

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

    /// Polls until ready and returns the output with the number of polls it took.
    pub(crate) fn run(mut self) -> (F::Output, usize) {
        for polls in 1..=1_000 {
            if let Poll::Ready(output) = self.poll() {
                return (output, polls);
            }
        }
        panic!("future still pending after 1000 polls");
    }

    /// Drops the future, as a timeout or `select!` would, while still counting
    /// wakes that arrive afterwards.
    pub(crate) fn cancel(&mut self) {
        self.future = None;
    }
}

struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Polls, then parks until woken, and repeats. A future that returns
/// `Pending` without arranging a wake-up is a bug. This helper turns that
/// bug into a failed test instead of a hang.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let unparker = Arc::new(Unparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
            return output;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !unparker.woken.swap(false, Ordering::SeqCst) {
            let now = Instant::now();
            assert!(now < deadline, "future returned Pending and never woke");
            thread::park_timeout(deadline - now);
        }
    }
}

/// Returns `Pending` `pending_polls` times, waking itself each time like a
/// timer that has already fired, and then returns `Ready(value)`. Futures
/// with different counts model different completion orders.
pub(crate) struct ReadyAfter<T> {
    pending_polls: usize,
    value: Option<T>,
}

impl<T> Unpin for ReadyAfter<T> {}

pub(crate) fn ready_after<T>(pending_polls: usize, value: T) -> ReadyAfter<T> {
    ReadyAfter {
        pending_polls,
        value: Some(value),
    }
}

impl<T> Future for ReadyAfter<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if this.pending_polls == 0 {
            return Poll::Ready(
                this.value
                    .take()
                    .expect("ReadyAfter polled after completion"),
            );
        }
        this.pending_polls -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Counts how many of the guards it handed out have been dropped.
#[derive(Clone, Default)]
pub(crate) struct DropCounter(Rc<Cell<usize>>);

impl DropCounter {
    pub(crate) fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    pub(crate) fn count(&self) -> usize {
        self.0.get()
    }
}

pub(crate) struct DropGuard(Rc<Cell<usize>>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Wraps `fut` so that dropping it, finished or not, is counted. The guard
/// is moved in before the first poll, so a future that is never polled
/// still counts when it is dropped.
pub(crate) async fn guarded<F: Future>(guard: DropGuard, fut: F) -> F::Output {
    let _guard = guard;
    fut.await
}
