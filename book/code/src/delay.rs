//! [`Delay`]: a timer future with no event loop behind it.
//!
//! The executors in "Futures by hand" have no timer queue, so the timer
//! brings its own alarm clock: the first time it is polled too early, it
//! starts a thread that sleeps until the deadline and then calls the waker.
//! One thread per timer is wasteful (spool keeps every deadline in one heap
//! and lets `epoll_wait` do the sleeping, see the Timers chapter), but it is
//! the shortest honest timer there is, and it shows the contract every leaf
//! future keeps: *return `Pending` only after arranging a wake-up*.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: delay
/// Ready once `deadline` has passed.
pub struct Delay {
    deadline: Instant,
    /// The waker the alarm thread will call, shared with that thread so a
    /// later poll can swap in a newer waker. `None` until the first early
    /// poll starts the thread.
    alarm: Option<Arc<Mutex<Waker>>>,
}

impl Delay {
    /// A timer that expires `duration` from now.
    pub fn new(duration: Duration) -> Delay {
        Delay {
            deadline: Instant::now() + duration,
            alarm: None,
        }
    }
}

impl Future for Delay {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        match &self.alarm {
            // Already armed: make sure the thread wakes the *current* waker.
            Some(waker) => waker.lock().unwrap().clone_from(cx.waker()),
            None => {
                let waker = Arc::new(Mutex::new(cx.waker().clone()));
                self.alarm = Some(waker.clone());
                let deadline = self.deadline;
                thread::spawn(move || {
                    thread::sleep(deadline.saturating_duration_since(Instant::now()));
                    waker.lock().unwrap().wake_by_ref();
                });
            }
        }
        Poll::Pending
    }
}
// ANCHOR_END: delay

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_ready_after_its_deadline_and_not_before() {
        let started = Instant::now();
        spool::block_on(Delay::new(Duration::from_millis(30)));
        assert!(started.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn first_early_poll_is_pending() {
        let mut delay = Delay::new(Duration::from_secs(60));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut delay).poll(&mut cx).is_pending());
        assert!(delay.alarm.is_some(), "an early poll must arm the alarm");
    }
}
