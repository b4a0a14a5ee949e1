//! The timer queue: every pending deadline of one loop.
//!
//! The queue turns deadlines into whole milliseconds since it was made
//! (rounding up, so a timer never fires early) and files them in a
//! hierarchical timing wheel (`wheel.rs`): inserting and removing cost the
//! same whether ten timers are pending or a million. Removal is exact, so a
//! dropped `Sleep` leaves nothing behind.
//!
//! The first version of this queue was a `BTreeMap` keyed by deadline and a
//! sequence number: the plainest correct structure, and still the one to
//! read first. It lost to tokio's wheel once a million timers were live,
//! because every insert and remove walked a tree far bigger than the CPU
//! cache; the timers chapter of the book tells that story with numbers.
//!
//! A `Sleep` may outlive its loop and be polled in the next `block_on`. So
//! the key it keeps also names the queue that issued it ([`TimerKey`]): a
//! queue ignores keys it did not issue, and the `Sleep` registers afresh.

use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::wheel::{EntryId, Wheel};

use crate::event_loop::trace;

/// Identifies one entry, for updating its waker or removing it, in the
/// queue that issued it and no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    /// Which queue issued the key: unique in the process, never reused.
    queue: u64,
    entry: EntryId,
}

pub(crate) struct TimerQueue {
    id: u64,
    /// Tick 0 of the wheel.
    origin: Instant,
    wheel: Wheel,
}

impl Default for TimerQueue {
    fn default() -> TimerQueue {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        TimerQueue {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            origin: Instant::now(),
            wheel: Wheel::default(),
        }
    }
}

impl TimerQueue {
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        let since = deadline.saturating_duration_since(self.origin);
        let whole = u64::try_from(since.as_millis()).unwrap_or(u64::MAX);
        let when = match since.subsec_nanos() % 1_000_000 {
            0 => whole,
            _ => whole.saturating_add(1),
        };
        let entry = self.wheel.insert(when, waker);
        trace::timer_new(self.wheel.last_number(), deadline);
        TimerKey {
            queue: self.id,
            entry,
        }
    }

    /// Keeps the newest waker for a registered timer. Returns `false` if
    /// `key` has no entry here — it was issued by another loop's queue, or
    /// its entry already fired — so the caller must insert it again.
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) -> bool {
        if key.queue != self.id {
            return false;
        }
        let Some(stored) = self.wheel.waker_mut(key.entry) else {
            return false;
        };
        if !stored.will_wake(waker) {
            *stored = waker.clone();
        }
        true
    }

    /// Removes a timer; a key from another queue is ignored.
    pub(crate) fn remove(&mut self, key: TimerKey) {
        if key.queue == self.id {
            self.wheel.remove(key.entry);
        }
    }

    /// When the loop should next look at the queue: at or before the
    /// earliest deadline, never after it.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let tick = self.wheel.next_tick()?;
        Some(
            self.origin
                .checked_add(Duration::from_millis(tick))
                .unwrap_or(self.origin + Duration::from_secs(86400 * 365 * 30)),
        )
    }

    // ANCHOR: expire
    /// Removes every timer due at `now` and returns their wakers, earliest
    /// first. The caller wakes them after releasing the queue.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Waker> {
        let since = now.saturating_duration_since(self.origin);
        let now = u64::try_from(since.as_millis()).unwrap_or(u64::MAX);
        let mut due = Vec::new();
        self.wheel.advance(now, &mut due);
        due
    }
    // ANCHOR_END: expire

    pub(crate) fn len(&self) -> usize {
        self.wheel.len()
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
        // Deadlines are kept to the millisecond, rounded up.
        let next = q.next_deadline().unwrap();
        assert!(next >= t0 + Duration::from_millis(10));
        assert!(next <= t0 + Duration::from_millis(11));
        // One millisecond of slack: deadlines are kept to the millisecond.
        q.expire(t0 + Duration::from_millis(31))
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
        assert!(q.expire(t0 + Duration::from_micros(4999)).is_empty());
        // Kept to the millisecond, so due within one millisecond after.
        assert_eq!(q.expire(t0 + Duration::from_millis(6)).len(), 1);
    }
}
