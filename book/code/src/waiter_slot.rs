//! Exercise solution ("Sockets", exercise 1): a reactor slot that keeps
//! every waiter of each direction, not just the last.
//!
//! A slot with one `Option<Waker>` per direction has room for one reader
//! and one writer. If two tasks read the same socket (through `&TcpStream`,
//! say), the second one's waker replaces the first's, and the first task is
//! never woken: it hangs. This slot keeps a short list per direction, with
//! no duplicates (`will_wake`), and an event wakes the whole list. Waking a
//! reader that then finds no bytes is harmless: its retried read meets
//! `WouldBlock` and parks it again. Losing a wake is not harmless.
//!
//! The slot is written as a plain type with a simulated event, so it can be
//! tested without a socket; in the reactor, `ready` is what `poll` would call
//! for each event.

use std::task::Waker;

// ANCHOR: slot
/// Which half of a socket an operation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Reading, or accepting.
    Read,
    /// Writing, or connecting.
    Write,
}

/// The wakers waiting on one socket.
#[derive(Debug, Default)]
pub struct Slot {
    readers: Vec<Waker>,
    writers: Vec<Waker>,
}

impl Slot {
    /// Stores `waker` after an operation in `direction` met `WouldBlock`.
    /// A task that parks twice is stored once.
    pub fn park(&mut self, direction: Direction, waker: &Waker) {
        let line = match direction {
            Direction::Read => &mut self.readers,
            Direction::Write => &mut self.writers,
        };
        if !line.iter().any(|parked| parked.will_wake(waker)) {
            line.push(waker.clone());
        }
    }

    /// Takes the wakers an event releases, for the caller to wake once the
    /// slot table is no longer borrowed.
    pub fn ready(&mut self, readable: bool, writable: bool) -> Vec<Waker> {
        let mut released = Vec::new();
        if readable {
            released.append(&mut self.readers);
        }
        if writable {
            released.append(&mut self.writers);
        }
        released
    }
}
// ANCHOR_END: slot

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Waker, Arc<Count>) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (Waker::from(count.clone()), count)
    }

    fn wake_all(wakers: Vec<Waker>) {
        wakers.into_iter().for_each(Waker::wake);
    }

    #[test]
    fn two_readers_are_both_woken() {
        let (first, first_count) = counting();
        let (second, second_count) = counting();
        let mut slot = Slot::default();
        slot.park(Direction::Read, &first);
        slot.park(Direction::Read, &second);
        wake_all(slot.ready(true, false));
        assert_eq!(first_count.0.load(Ordering::SeqCst), 1, "first reader lost");
        assert_eq!(second_count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_task_parked_twice_is_woken_once() {
        let (reader, count) = counting();
        let mut slot = Slot::default();
        slot.park(Direction::Read, &reader);
        slot.park(Direction::Read, &reader);
        wake_all(slot.ready(true, false));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn each_direction_wakes_only_its_own() {
        let (reader, read_count) = counting();
        let (writer, write_count) = counting();
        let mut slot = Slot::default();
        slot.park(Direction::Read, &reader);
        slot.park(Direction::Write, &writer);
        wake_all(slot.ready(false, true));
        assert_eq!(read_count.0.load(Ordering::SeqCst), 0);
        assert_eq!(write_count.0.load(Ordering::SeqCst), 1);
        wake_all(slot.ready(true, false));
        assert_eq!(read_count.0.load(Ordering::SeqCst), 1);
        assert!(
            slot.ready(true, true).is_empty(),
            "a woken waiter must park again"
        );
    }
}
