//! The timer queue: every pending deadline of one loop, in order.
//!
//! A `BTreeMap` keyed by `(deadline, sequence number)`. Inserting, removing
//! and finding the earliest entry are all O(log n), and removal is exact, so
//! a dropped `Sleep` leaves nothing behind (a binary heap would need lazy
//! deletion and grow with cancelled timers). The sequence number keeps two
//! timers with the same deadline apart and fires them in the order they were
//! created.
//!
//! tokio uses a hierarchical timing wheel instead: O(1) insert and remove,
//! at millisecond resolution. The map is simpler to read, and it copes with
//! a million live timers, but there the wheel is faster: registering a
//! million timers in scattered order and dropping them takes spool about
//! three times as long as tokio (the `timers_1m_live` benchmark), because
//! each insert and remove walks a tree far bigger than the CPU cache. With
//! ten thousand live timers (`sleep_1ms_10k_tasks`) the map is the faster.

use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

/// Identifies one entry, for updating its waker or removing it.
pub(crate) type TimerKey = (Instant, u64);

#[derive(Default)]
pub(crate) struct TimerQueue {
    entries: BTreeMap<TimerKey, Waker>,
    next_seq: u64,
}

impl TimerQueue {
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        let key = (deadline, self.next_seq);
        self.next_seq += 1;
        self.entries.insert(key, waker);
        key
    }

    /// Replaces the waker if the future is now polled by someone else.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) {
        if let Some(stored) = self.entries.get_mut(&key)
            && !stored.will_wake(waker)
        {
            *stored = waker.clone();
        }
    }

    pub(crate) fn remove(&mut self, key: TimerKey) {
        self.entries.remove(&key);
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
            due.push(entry.remove());
        }
        due
    }
    // ANCHOR_END: expire

    #[cfg(test)]
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
