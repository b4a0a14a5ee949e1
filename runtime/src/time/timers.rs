//! The timer queue: every pending deadline of one loop, in order.
//!
//! A `BTreeMap` keyed by `(deadline, sequence number)`. Inserting, removing
//! and finding the earliest entry are all O(log n), and removal is exact, so
//! a dropped `Sleep` leaves nothing behind (a binary heap would need lazy
//! deletion and grow with cancelled timers). The sequence number keeps two
//! timers with the same deadline apart and fires them in the order they were
//! created.
//!
//! A `Sleep` may outlive its loop and be polled in the next `block_on`. So
//! the key it keeps also names the queue that issued it ([`TimerKey`]): a
//! queue ignores keys it did not issue, and the `Sleep` registers afresh.
//!
//! tokio uses a hierarchical timing wheel instead: O(1) insert and remove,
//! at millisecond resolution. The map is simpler to read and copes with a
//! million live timers, but at that size the wheel is faster, because each
//! insert and remove walks a tree far bigger than the CPU cache.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;
use std::time::Instant;

use crate::event_loop::trace;

/// Identifies one entry, for updating its waker or removing it, in the
/// queue that issued it and no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    /// Which queue issued the key: unique in the process, never reused.
    queue: u64,
    deadline: Instant,
    seq: u64,
}

pub(crate) struct TimerQueue {
    id: u64,
    entries: BTreeMap<(Instant, u64), Waker>,
    next_seq: u64,
}

impl Default for TimerQueue {
    fn default() -> TimerQueue {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        TimerQueue {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            entries: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl TimerQueue {
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.insert((deadline, seq), waker);
        trace::timer_new(seq, deadline);
        TimerKey {
            queue: self.id,
            deadline,
            seq,
        }
    }

    /// Keeps the newest waker for a registered timer. Returns `false` if
    /// `key` has no entry here — it was issued by another loop's queue, or
    /// its entry already fired — so the caller must insert it again.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) -> bool {
        let Some(stored) = self.entry(key) else {
            return false;
        };
        if !stored.will_wake(waker) {
            *stored = waker.clone();
        }
        true
    }

    /// Removes a timer; a key from another queue is ignored.
    pub(crate) fn remove(&mut self, key: TimerKey) {
        if key.queue == self.id && self.entries.remove(&(key.deadline, key.seq)).is_some() {
            trace::timer_removed(key.seq);
        }
    }

    fn entry(&mut self, key: TimerKey) -> Option<&mut Waker> {
        if key.queue != self.id {
            return None;
        }
        self.entries.get_mut(&(key.deadline, key.seq))
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.entries
            .first_key_value()
            .map(|(&(deadline, _), _)| deadline)
    }

    // ANCHOR: expire
    /// Removes every timer due at `now` and returns their wakers, earliest
    /// first. The caller wakes them after releasing the queue.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Waker> {
        let mut due = Vec::new();
        while let Some(entry) = self.entries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            trace::timer_fired(entry.key().1);
            due.push(entry.remove());
        }
        due
    }
    // ANCHOR_END: expire

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::task::Wake;
    use std::time::Duration;

    /// Records its name in a shared log when woken.
    struct Named(&'static str, Arc<Mutex<Vec<&'static str>>>);
    impl Wake for Named {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn expires_in_deadline_order_then_creation_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let waker = |name| Waker::from(Arc::new(Named(name, log.clone())));
        let t0 = Instant::now();
        let mut q = TimerQueue::default();
        q.insert(t0 + Duration::from_millis(30), waker("c"));
        q.insert(t0 + Duration::from_millis(10), waker("a"));
        q.insert(t0 + Duration::from_millis(10), waker("b"));
        q.insert(t0 + Duration::from_millis(50), waker("late"));
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_millis(10)));
        q.expire(t0 + Duration::from_millis(30))
            .into_iter()
            .for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), ["a", "b", "c"]);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn removed_timer_never_fires() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut q = TimerQueue::default();
        let key = q.insert(t0, Waker::from(Arc::new(Named("x", log.clone()))));
        q.remove(key);
        assert!(q.expire(t0 + Duration::from_secs(1)).is_empty());
        assert_eq!(q.next_deadline(), None);
    }

    #[test]
    fn nothing_expires_before_its_deadline() {
        let t0 = Instant::now();
        let mut q = TimerQueue::default();
        q.insert(t0 + Duration::from_millis(5), Waker::noop().clone());
        assert!(q.expire(t0 + Duration::from_millis(4)).is_empty());
        assert_eq!(q.expire(t0 + Duration::from_millis(5)).len(), 1);
    }
}
