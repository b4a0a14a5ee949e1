//! Exercise solution ("Queue", exercise 1): `Notify`, a doorbell between
//! tasks, built on the waiter-line idea of spool's `WaiterList`.
//!
//! `notify_one` wakes the task that has waited longest; if nobody waits, it
//! leaves one stored permit, so a `notified()` that comes later returns at
//! once and the signal is not lost. `notify_waiters` wakes everyone waiting
//! now and stores nothing.
//!
//! The line keeps the two facts that make the queue's line safe under
//! cancellation. Entries are sorted by ticket, so a future finds its own by
//! binary search. The entries that have been notified form a prefix of the
//! line, so one count (`notified`) says who holds a promise; a waiter that
//! is dropped while holding one passes it on. tokio's `Notify` has the same
//! API and keeps its waiters in an intrusive list.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

// ANCHOR: notify
/// Wakes waiting tasks, one at a time or all at once.
#[derive(Debug, Default)]
pub struct Notify {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// `(ticket, waker)`, oldest first, so sorted by ticket.
    line: VecDeque<(u64, Waker)>,
    /// How many entries at the front have been notified and not yet polled.
    notified: usize,
    /// A `notify_one` that found nobody waiting.
    permit: bool,
    next_ticket: u64,
}

impl Notify {
    /// A notify with nobody waiting and no stored permit.
    pub fn new() -> Notify {
        Notify::default()
    }

    /// Waits for a notification.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            ticket: None,
        }
    }

    /// Wakes the longest waiter that has no promise yet, or stores a permit
    /// for the next `notified()` if there is none.
    pub fn notify_one(&self) {
        let mut state = self.lock();
        let waker = state.promise_next();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every task waiting right now; stores no permit.
    pub fn notify_waiters(&self) {
        let mut state = self.lock();
        let wakers: Vec<Waker> = state
            .line
            .iter()
            .skip(state.notified)
            .map(|(_, waker)| waker.clone())
            .collect();
        state.notified = state.line.len();
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn promise_next(&mut self) -> Option<Waker> {
        match self.line.get(self.notified) {
            Some((_, waker)) => {
                let waker = waker.clone();
                self.notified += 1;
                Some(waker)
            }
            None => {
                self.permit = true;
                None
            }
        }
    }

    fn index_of(&self, ticket: u64) -> Option<usize> {
        self.line.binary_search_by_key(&ticket, |&(t, _)| t).ok()
    }

    /// Takes an entry out, keeping the prefix count right; says whether it
    /// held a promise.
    fn remove(&mut self, index: usize) -> bool {
        self.line.remove(index);
        let was_notified = index < self.notified;
        if was_notified {
            self.notified -= 1;
        }
        was_notified
    }
}

/// The future returned by [`Notify::notified`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// Our place in line, once we have one.
    ticket: Option<u64>,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.notify.lock();
        let Some(ticket) = self.ticket else {
            if state.permit {
                state.permit = false;
                return Poll::Ready(());
            }
            let ticket = state.next_ticket;
            state.next_ticket += 1;
            state.line.push_back((ticket, cx.waker().clone()));
            self.ticket = Some(ticket);
            return Poll::Pending;
        };
        let index = state.index_of(ticket).expect("only we remove our entry");
        if index < state.notified {
            state.remove(index);
            drop(state);
            self.ticket = None;
            return Poll::Ready(());
        }
        let stored = &mut state.line[index].1;
        if !stored.will_wake(cx.waker()) {
            *stored = cx.waker().clone();
        }
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let mut state = self.notify.lock();
        let index = state.index_of(ticket).expect("only we remove our entry");
        // A promise we will never collect goes to the next in line.
        let passed_on = match state.remove(index) {
            true => state.promise_next(),
            false => None,
        };
        drop(state);
        if let Some(waker) = passed_on {
            waker.wake();
        }
    }
}
// ANCHOR_END: notify

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    fn poll(future: &mut Notified<'_>) -> Poll<()> {
        Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn waiters_are_woken_in_the_order_they_came() {
        let order = spool::block_on(async {
            let notify = Rc::new(Notify::new());
            let order = Rc::new(RefCell::new(Vec::new()));
            let waiters: Vec<_> = ["first", "second", "third"]
                .into_iter()
                .map(|name| {
                    let (notify, order) = (notify.clone(), order.clone());
                    spool::spawn(async move {
                        notify.notified().await;
                        order.borrow_mut().push(name);
                    })
                })
                .collect();
            spool::yield_now().await; // all three are in line
            for _ in 0..3 {
                notify.notify_one();
                spool::yield_now().await;
            }
            spool::join_all(waiters).await;
            Rc::try_unwrap(order).unwrap().into_inner()
        });
        assert_eq!(order, ["first", "second", "third"]);
    }

    #[test]
    fn a_notification_before_anyone_waits_is_kept_once() {
        let notify = Notify::new();
        notify.notify_one();
        notify.notify_one(); // still one permit, not two
        assert!(poll(&mut notify.notified()).is_ready());
        assert!(poll(&mut notify.notified()).is_pending());
    }

    #[test]
    fn a_dropped_waiter_passes_its_notification_on() {
        let notify = Notify::new();
        let mut first = notify.notified();
        let mut second = notify.notified();
        assert!(poll(&mut first).is_pending());
        assert!(poll(&mut second).is_pending());
        notify.notify_one(); // promised to `first`...
        drop(first); // ...which is cancelled before it runs
        assert!(poll(&mut second).is_ready());
    }

    #[test]
    fn notify_waiters_wakes_the_present_and_not_the_future() {
        let notify = Notify::new();
        let mut a = notify.notified();
        let mut b = notify.notified();
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        notify.notify_waiters();
        assert!(poll(&mut a).is_ready());
        assert!(poll(&mut b).is_ready());
        assert!(poll(&mut notify.notified()).is_pending());
    }
}
