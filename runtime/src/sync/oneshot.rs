//! A channel for exactly one value, from one place to one waiting task.
//!
//! This is the Rust shape of an `asyncio.Future` that someone else resolves,
//! or of `loop.run_in_executor` handing its result back: one side calls
//! [`Sender::send`] once, the other awaits the [`Receiver`]. If the sender
//! goes away without sending (its task was cancelled, its thread panicked),
//! the receiver learns that instead of waiting forever.
//!
//! Both halves share one small slot behind a [`Mutex`]. A mutex rather than a
//! `RefCell` because the sender is often on another thread, a
//! [`spawn_blocking`](crate::spawn_blocking) worker for one, and waking a
//! task from another thread is something std wakers already support. tokio
//! packs the same slot into atomic state bits to avoid the lock; with one
//! value crossing once, the lock costs nothing worth that complexity.
//!
//! # Examples
//!
//! ```
//! use spool::sync::oneshot;
//!
//! spool::block_on(async {
//!     let (tx, rx) = oneshot::channel();
//!     std::thread::spawn(move || {
//!         let answer = 6 * 7; // some slow, blocking computation
//!         let _ = tx.send(answer);
//!     });
//!     assert_eq!(rx.await, Ok(42));
//! });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::lock;

/// Creates a connected [`Sender`] and [`Receiver`].
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
        sender_gone: false,
        receiver_gone: false,
    }));
    let sender = Sender {
        slot: Some(slot.clone()),
    };
    let receiver = Receiver {
        slot,
        finished: false,
    };
    (sender, receiver)
}

/// What the two halves share.
#[derive(Debug)]
struct Slot<T> {
    /// The value, from the moment it is sent until it is received.
    value: Option<T>,
    /// The receiving task, once it has polled and found nothing yet.
    waker: Option<Waker>,
    /// The sender is done, having sent or not: set in the same lock as
    /// `value`, so a receiver that sees it knows everything. A value means
    /// success, no value means it will never come.
    sender_gone: bool,
    /// The receiver was dropped, so sending is pointless.
    receiver_gone: bool,
}

/// The sending half of a [`channel`].
///
/// `Send + Sync` when `T: Send`, so it may be moved to another thread.
#[derive(Debug)]
pub struct Sender<T> {
    /// `None` once `send` has run, so that `Drop` does not do it all again.
    slot: Option<Arc<Mutex<Slot<T>>>>,
}

// ANCHOR: send
impl<T> Sender<T> {
    /// Sends the value, or hands it back if the receiver is gone.
    ///
    /// This takes `self`, so it can happen only once.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let slot = self.slot.take().expect("only `send` empties the slot");
        leave(&slot, Some(value))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Without a value there is nothing to hand back.
            let _ = leave(&slot, None);
        }
    }
}

/// The sender's last act, whether it sends or goes away without sending: in
/// one lock, it leaves the value (unless the receiver is gone), marks
/// itself gone and takes the receiver's waker; then it wakes the receiver.
fn leave<T>(slot: &Mutex<Slot<T>>, value: Option<T>) -> Result<(), T> {
    let mut slot = lock(slot);
    slot.sender_gone = true;
    if let Some(value) = value {
        if slot.receiver_gone {
            return Err(value);
        }
        slot.value = Some(value);
    }
    let waker = slot.waker.take();
    drop(slot);
    if let Some(waker) = waker {
        waker.wake();
    }
    Ok(())
}
// ANCHOR_END: send

/// The receiving half of a [`channel`]; await it for the value.
///
/// Resolves to [`RecvError`] if the [`Sender`] was dropped without sending.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Receiver<T> {
    slot: Arc<Mutex<Slot<T>>>,
    /// Set when `poll` returned `Ready`. The sender was gone by then, so
    /// nobody is left to tell that the receiver is going too.
    finished: bool,
}

// ANCHOR: recv
impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut slot = lock(&this.slot);
        if slot.sender_gone {
            this.finished = true;
            return Poll::Ready(slot.value.take().ok_or(RecvError(())));
        }
        match &slot.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
// ANCHOR_END: recv

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if !self.finished {
            lock(&self.slot).receiver_gone = true;
        }
    }
}

/// The [`Sender`] was dropped without sending a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sender dropped without sending a value")
    }
}

impl std::error::Error for RecvError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Probe, counting_waker};

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn both_halves_are_send_and_sync_for_send_values() {
        // `Cell` is Send but not Sync: the mutex makes the halves Sync anyway.
        assert_send_sync::<Sender<std::cell::Cell<u8>>>();
        assert_send_sync::<Receiver<std::cell::Cell<u8>>>();
    }

    #[test]
    fn a_value_sent_before_polling_is_received() {
        let (tx, rx) = channel();
        assert_eq!(tx.send("hi"), Ok(()));
        assert_eq!(Probe::new(rx).ready(), Ok("hi"));
    }

    #[test]
    fn sending_wakes_the_waiting_receiver_once() {
        let (tx, rx) = channel();
        let mut rx = Probe::new(rx);
        assert!(rx.poll().is_pending());
        assert_eq!(rx.wakes(), 0);

        tx.send(5).unwrap();
        assert_eq!(rx.wakes(), 1);
        assert_eq!(rx.ready(), Ok(5));
    }

    #[test]
    fn dropping_the_sender_fails_the_receiver_and_wakes_it() {
        let (tx, rx) = channel::<u8>();
        let mut rx = Probe::new(rx);
        assert!(rx.poll().is_pending());

        drop(tx);
        assert_eq!(rx.wakes(), 1);
        assert_eq!(rx.ready(), Err(RecvError(())));
    }

    #[test]
    fn sending_to_a_dropped_receiver_hands_the_value_back() {
        let (tx, rx) = channel();
        drop(rx);
        assert_eq!(tx.send(String::from("unused")), Err(String::from("unused")));
    }

    #[test]
    fn the_newest_waker_is_the_one_woken() {
        let (tx, mut rx) = channel::<u8>();
        let (old, old_count) = counting_waker();
        let (new, new_count) = counting_waker();
        let mut rx = Pin::new(&mut rx);
        assert!(
            rx.as_mut()
                .poll(&mut Context::from_waker(&old))
                .is_pending()
        );
        assert!(
            rx.as_mut()
                .poll(&mut Context::from_waker(&new))
                .is_pending()
        );

        tx.send(1).unwrap();
        assert_eq!(old_count.count(), 0);
        assert_eq!(new_count.count(), 1);
    }

    #[test]
    fn a_value_sent_from_another_thread_wakes_the_receiver() {
        let (tx, rx) = channel();
        let mut rx = Probe::new(rx);
        assert!(rx.poll().is_pending());

        let worker = std::thread::spawn(move || tx.send(vec![1, 2, 3]));
        worker.join().unwrap().unwrap();
        assert_eq!(rx.wakes(), 1);
        assert_eq!(rx.ready(), Ok(vec![1, 2, 3]));
    }

    #[test]
    fn a_sender_lost_to_a_panicking_thread_fails_the_receiver() {
        let (tx, rx) = channel::<u8>();
        let mut rx = Probe::new(rx);
        assert!(rx.poll().is_pending());

        let worker = std::thread::spawn(move || {
            let _tx = tx;
            panic!("worker failed");
        });
        assert!(worker.join().is_err());
        assert_eq!(rx.wakes(), 1);
        assert_eq!(rx.ready(), Err(RecvError(())));
    }
}
