//! The line of parked futures that [`Semaphore`] and [`Queue`] share.
//!
//! Both primitives have the same shape. A future that cannot go on (no
//! permit, no item, no free slot) parks at the back of a line; whoever frees
//! the resource wakes the front of the line. A `VecDeque<Waker>` would be
//! enough for that if futures always ran to completion, but they do not:
//!
//! 1. A parked future can be dropped at any moment (a `timeout` fired, a
//!    `select!` picked another branch). It must be able to find its own entry
//!    and take it out, or the line fills with wakers of dead futures.
//! 2. Between being woken and being polled, a future has been *promised* the
//!    resource. Nobody else may take it in that window, and if the future is
//!    dropped before it collects, the promise must move to the next in line.
//! 3. A future may be polled with a different waker than last time, and only
//!    the newest one is guaranteed to reach its task.
//!
//! So every entry carries a [`WaiterId`] that its future keeps (in a
//! [`Place`], which also holds the poll and drop steps every waiting future
//! shares), and the list remembers who has been promised what. Two facts
//! keep that cheap:
//!
//! - Ids come from a counter and entries are only ever pushed at the back, so
//!   the deque is always sorted by id, and a future finds its entry by binary
//!   search even after entries in the middle were removed.
//! - [`notify_one`](WaiterList::notify_one) always picks the first entry that
//!   has not been notified yet, and removing entries never reorders the rest.
//!   So the notified entries are always a *prefix* of the line, and one
//!   number, `notified`, says which entries hold a promise.
//!
//! Nothing in here calls [`Waker::wake`]. The methods hand wakers back so the
//! caller can release its lock first: a waker is foreign code, and running it
//! with our lock held would deadlock any waker that (however unwisely) comes
//! back to the same semaphore or queue.
//!
//! tokio keeps its waiters in an intrusive linked list: each node lives inside
//! the waiting future, so parking allocates nothing, at the price of `unsafe`
//! pointer juggling. We pay for a deque slot and a binary search instead and
//! stay in safe code.
//!
//! [`Semaphore`]: super::Semaphore
//! [`Queue`]: super::Queue

use std::collections::VecDeque;
use std::sync::Mutex;
use std::task::{Poll, Waker, ready};

use super::lock;

/// The ticket a parked future keeps to find its entry again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WaiterId(u64);

/// A first-in, first-out line of parked futures.
#[derive(Debug)]
pub(crate) struct WaiterList {
    /// Sorted by id, oldest first.
    entries: VecDeque<Entry>,
    /// How many entries at the front have been notified. Those futures were
    /// promised the resource and have not collected it yet; the owner of the
    /// list counts them to know what is still free for everyone else.
    notified: usize,
    /// The id the next [`push`](WaiterList::push) hands out. A `u64` bumped a
    /// billion times a second lasts five centuries, so it never wraps.
    next_id: u64,
}

#[derive(Debug)]
struct Entry {
    id: WaiterId,
    waker: Waker,
}

impl WaiterList {
    pub(crate) const fn new() -> WaiterList {
        WaiterList {
            entries: VecDeque::new(),
            notified: 0,
            next_id: 0,
        }
    }

    /// Parks a new waiter at the back of the line.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaiterId {
        let id = WaiterId(self.next_id);
        self.next_id += 1;
        self.entries.push_back(Entry {
            id,
            waker: waker.clone(),
        });
        id
    }

    // ANCHOR: poll
    /// Called when the future owning `id` is polled again.
    ///
    /// If the waiter has been notified, its entry leaves the line and the
    /// result is `Ready`: the future now owns whatever it was promised.
    /// Otherwise it stays where it is (polling again never costs a waiter its
    /// place) and we keep the waker it was polled with this time.
    pub(crate) fn poll(&mut self, id: WaiterId, waker: &Waker) -> Poll<()> {
        let index = self
            .index_of(id)
            .expect("a waiter's entry is only removed by the future that owns it");
        if index < self.notified {
            self.remove_at(index);
            return Poll::Ready(());
        }
        let entry = &mut self.entries[index];
        if !entry.waker.will_wake(waker) {
            entry.waker = waker.clone();
        }
        Poll::Pending
    }
    // ANCHOR_END: poll

    /// Takes a waiter out of the line because its future is going away.
    ///
    /// Returns `true` if it had been notified: it was promised something it
    /// will now never collect, and the caller must pass that on.
    pub(crate) fn remove(&mut self, id: WaiterId) -> bool {
        match self.index_of(id) {
            Some(index) => self.remove_at(index),
            None => false,
        }
    }

    // ANCHOR: notify_one
    /// Promises the resource to the longest-waiting waiter that has no promise
    /// yet and returns its waker, or `None` if everyone in line already has
    /// one.
    pub(crate) fn notify_one(&mut self) -> Option<Waker> {
        // Clone before counting: a panicking clone must not leave a waiter
        // promised something but never woken.
        let waker = self.entries.get(self.notified)?.waker.clone();
        self.notified += 1;
        Some(waker)
    }
    // ANCHOR_END: notify_one

    /// Notifies every waiter still without a promise and returns their wakers.
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        let wakers = self
            .entries
            .iter()
            .skip(self.notified)
            .map(|entry| entry.waker.clone())
            .collect();
        self.notified = self.entries.len();
        wakers
    }

    /// How many waiters have been notified but have not been polled (or
    /// dropped) since.
    pub(crate) fn notified(&self) -> usize {
        self.notified
    }

    fn index_of(&self, id: WaiterId) -> Option<usize> {
        self.entries
            .binary_search_by_key(&id, |entry| entry.id)
            .ok()
    }

    /// Removes the entry at `index`, keeping `notified` in step, and says
    /// whether it had been notified.
    fn remove_at(&mut self, index: usize) -> bool {
        let was_notified = index < self.notified;
        if was_notified {
            self.notified -= 1;
        }
        self.entries.remove(index);
        was_notified
    }
}

// ANCHOR: place
/// A waiting future's place in a [`WaiterList`]: empty until the future
/// first has to wait, and again once it has collected its promise or left.
///
/// `Acquire`, `Put`, `Get` and `Join` all wait the same way; this is that
/// way, written once.
#[derive(Debug, Default)]
pub(crate) struct Place(Option<WaiterId>);

/// How a waiting future got its turn.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    /// The resource was free when it first asked, and nobody was in line
    /// for it: the caller takes it now.
    Free,
    /// It waited in line and was promised the resource, which is already
    /// set aside for it.
    Promised,
}

impl Place {
    pub(crate) const fn new() -> Place {
        Place(None)
    }

    /// One poll of a waiting future. `free` says whether a newcomer may take
    /// the resource right now. Without a place, the future takes it if it is
    /// free and otherwise joins the back of `line`; with one, it is ready
    /// once it has been promised the resource.
    pub(crate) fn poll(&mut self, line: &mut WaiterList, free: bool, waker: &Waker) -> Poll<Turn> {
        match self.0 {
            None if free => Poll::Ready(Turn::Free),
            None => {
                self.0 = Some(line.push(waker));
                Poll::Pending
            }
            Some(id) => {
                ready!(line.poll(id, waker));
                self.0 = None;
                Poll::Ready(Turn::Promised)
            }
        }
    }

    /// Leaves `line` without collecting anything (the primitive was
    /// closed). Returns `true` if a promise was held, as
    /// [`WaiterList::remove`] does.
    pub(crate) fn leave(&mut self, line: &mut WaiterList) -> bool {
        self.0.take().is_some_and(|id| line.remove(id))
    }

    /// The `Drop` of a waiting future. Under `state`'s lock, leaves the line
    /// that `line` picks out; if a promise was held, `pass_on` hands it to
    /// someone else and returns the wakers to call, which are called once
    /// the lock is released. A future that is not in line takes no lock.
    pub(crate) fn cancel<S, W: IntoIterator<Item = Waker>>(
        &mut self,
        state: &Mutex<S>,
        line: impl FnOnce(&mut S) -> &mut WaiterList,
        pass_on: impl FnOnce(&mut S) -> W,
    ) {
        let Some(id) = self.0.take() else { return };
        let mut state = lock(state);
        let next = line(&mut state).remove(id).then(|| pass_on(&mut state));
        drop(state);
        next.into_iter().flatten().for_each(Waker::wake);
    }
}
// ANCHOR_END: place

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::counting_waker;

    #[test]
    fn notify_one_goes_front_to_back_and_stops_when_all_are_notified() {
        let (a, _) = counting_waker();
        let (b, _) = counting_waker();
        let mut list = WaiterList::new();
        list.push(&a);
        list.push(&b);

        assert!(list.notify_one().unwrap().will_wake(&a));
        assert!(list.notify_one().unwrap().will_wake(&b));
        assert!(list.notify_one().is_none());
        assert_eq!(list.notified(), 2);
    }

    #[test]
    fn poll_is_ready_only_once_notified_and_then_forgets_the_entry() {
        let (waker, _) = counting_waker();
        let mut list = WaiterList::new();
        let id = list.push(&waker);

        assert!(list.poll(id, &waker).is_pending());
        list.notify_one();
        assert!(list.poll(id, &waker).is_ready());
        assert_eq!(list.notified(), 0);
        assert!(
            !list.remove(id),
            "the entry left the line when it was collected"
        );
    }

    #[test]
    fn poll_keeps_the_newest_waker() {
        let (old, _) = counting_waker();
        let (new, _) = counting_waker();
        let mut list = WaiterList::new();
        let id = list.push(&old);

        assert!(list.poll(id, &new).is_pending());
        let woken = list.notify_one().unwrap();
        assert!(woken.will_wake(&new));
        assert!(!woken.will_wake(&old));
    }

    #[test]
    fn remove_reports_a_promise_and_keeps_the_prefix_consistent() {
        let (waker, _) = counting_waker();
        let mut list = WaiterList::new();
        let first = list.push(&waker);
        let second = list.push(&waker);
        let third = list.push(&waker);
        list.notify_one();

        assert!(!list.remove(second), "second was still waiting");
        assert!(list.remove(first), "first had been promised");
        assert_eq!(list.notified(), 0);

        list.notify_one();
        assert!(list.poll(third, &waker).is_ready());
    }

    #[test]
    fn entries_are_found_after_removals_in_the_middle() {
        let (waker, _) = counting_waker();
        let mut list = WaiterList::new();
        let ids: Vec<_> = (0..10).map(|_| list.push(&waker)).collect();
        for id in ids.iter().skip(1).step_by(2) {
            assert!(!list.remove(*id));
        }
        for _ in 0..5 {
            list.notify_one();
        }
        for id in ids.iter().step_by(2) {
            assert!(list.poll(*id, &waker).is_ready());
        }
        assert_eq!(list.notified(), 0);
    }

    #[test]
    fn notify_all_skips_those_already_notified() {
        let (a, _) = counting_waker();
        let (b, _) = counting_waker();
        let (c, _) = counting_waker();
        let mut list = WaiterList::new();
        list.push(&a);
        list.push(&b);
        list.push(&c);
        list.notify_one();

        let woken = list.notify_all();
        assert_eq!(woken.len(), 2);
        assert!(woken[0].will_wake(&b));
        assert!(woken[1].will_wake(&c));
        assert_eq!(list.notified(), 3);
        assert!(list.notify_one().is_none());
    }
}
