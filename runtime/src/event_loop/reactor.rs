//! The reactor: where the loop sleeps, and how sockets wake their tasks.
//!
//! `mio::Poll` wraps the operating system's readiness API (`epoll` on
//! Linux). Each socket is registered once, with a token, for both reading
//! and writing, *edge-triggered*: the kernel reports a change from "not
//! ready" to "ready", not the state itself. That dictates the one rule every
//! socket operation follows (`net/io_source.rs` applies it):
//!
//! > Try the operation first. Only when it fails with `WouldBlock`, store
//! > the task's waker; the next edge will wake it.
//!
//! Because operations and event handling both run on the loop's thread,
//! there is no window in which an edge can slip by between a `WouldBlock`
//! and storing the waker. A wake may still be spurious (an edge for bytes
//! another read already took); the retried operation then meets
//! `WouldBlock` again and the task simply waits once more.
//!
//! Each direction of a socket also keeps a *readiness flag*, as tokio does:
//! cleared by a `WouldBlock`, set by the next edge. While it is clear the
//! operation would only fail again, so a task polled in the meantime (woken
//! by a timer, another socket, a `join!` sibling) parks without a system
//! call. A *short* read or write (fewer bytes than asked for) clears the
//! flag too, again as tokio does: the kernel buffer was emptied (or filled)
//! by it, so the next try would meet `WouldBlock`, and skipping it saves a
//! failing system call per wait. A hang-up or error is remembered for good,
//! so a short read just before end-of-file never waits for an edge that
//! already came.
//!
//! Several tasks may wait on one direction of one socket — three tasks
//! calling `accept` on a shared listener, two readers of one `&TcpStream` —
//! so each direction keeps a *list* of wakers, and an edge wakes them all.
//! Each retries; those that meet `WouldBlock` wait again. The list holds
//! each waker once (a task that polls again does not add itself twice) and
//! is emptied by every edge, so it never outgrows the tasks waiting on it.

use std::cell::{Cell, RefCell};
use std::io;
use std::task::Waker;
use std::time::Duration;

use mio::{Events, Interest, Token};

use super::trace;

/// The token the loop's doorbell (`mio::Waker`) is registered under.
pub(crate) const DOORBELL: Token = Token(usize::MAX);

/// One registered socket: per direction, whether it may be ready, and the
/// tasks waiting for it to be.
struct Slot {
    read: Half,
    write: Half,
}

struct Half {
    /// False from a `WouldBlock` until the next edge: while it is false,
    /// trying the operation would only fail again, so it is not tried.
    ready: bool,
    /// Set by a hang-up or error event, never cleared: from then on every
    /// operation ends at once (with end-of-file or the error), so a short
    /// transfer must not make the direction wait for another edge.
    closed: bool,
    waiters: Vec<Waker>,
}

impl Slot {
    /// A fresh socket may already be ready, so both halves start out as
    /// worth a try.
    fn new() -> Slot {
        let half = || Half {
            ready: true,
            closed: false,
            waiters: Vec::new(),
        };
        Slot {
            read: half(),
            write: half(),
        }
    }

    fn half(&mut self, direction: Direction) -> &mut Half {
        match direction {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

impl Half {
    /// An edge: the direction is worth trying again, and every waiting
    /// task is woken (after the caller releases the slots).
    fn edge(&mut self, closed: bool, wakers: &mut Vec<Waker>) {
        self.ready = true;
        self.closed |= closed;
        wakers.append(&mut self.waiters);
    }
}

pub(crate) struct Reactor {
    poll: RefCell<mio::Poll>,
    events: RefCell<Events>,
    /// Indexed by token. Tokens of closed sockets go on `free` for reuse; a
    /// stale event for a reused token is just a spurious wake.
    slots: RefCell<Vec<Slot>>,
    free: RefCell<Vec<usize>>,
    /// Cleared when `block_on` returns, so a socket that outlives its loop
    /// reports an error instead of waiting for events nobody will collect.
    alive: Cell<bool>,
}

/// Which half of a socket an operation uses.
#[derive(Clone, Copy)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            poll: RefCell::new(mio::Poll::new()?),
            events: RefCell::new(Events::with_capacity(1024)),
            slots: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            alive: Cell::new(true),
        })
    }

    pub(crate) fn doorbell(&self) -> io::Result<mio::Waker> {
        mio::Waker::new(self.poll.borrow().registry(), DOORBELL)
    }

    pub(crate) fn shut_down(&self) {
        self.alive.set(false);
    }

    /// False once the loop that owns this reactor has returned.
    pub(crate) fn is_alive(&self) -> bool {
        self.alive.get()
    }

    // ANCHOR: poll
    /// Sleeps until a socket is ready, the doorbell rings or `timeout`
    /// passes (`None`: no timer pending, sleep as long as it takes), then
    /// wakes the tasks waiting on the sockets that became ready.
    pub(crate) fn poll(&self, timeout: Option<Duration>) -> io::Result<()> {
        let mut events = self.events.borrow_mut();
        let started = trace::epoll_started();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => {}
            // A signal interrupted the sleep: treat it as an empty wake-up.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        trace::epoll_returned(started, timeout, events.iter().count());
        let mut wakers = Vec::new();
        {
            let mut slots = self.slots.borrow_mut();
            for event in events.iter() {
                trace::ready(event.token(), event.is_readable(), event.is_writable());
                let Some(slot) = slots.get_mut(event.token().0) else {
                    continue; // the doorbell: its only job was to end the sleep
                };
                // Errors and hang-ups wake both halves: the retried read or
                // write is what reports them.
                let read_closed = event.is_read_closed() || event.is_error();
                if event.is_readable() || read_closed {
                    slot.read.edge(read_closed, &mut wakers);
                }
                let write_closed = event.is_write_closed() || event.is_error();
                if event.is_writable() || write_closed {
                    slot.write.edge(write_closed, &mut wakers);
                }
            }
        }
        // Wake only after the slots are released: a waker is arbitrary code.
        wakers.into_iter().for_each(Waker::wake);
        Ok(())
    }
    // ANCHOR_END: poll

    pub(crate) fn register(&self, source: &mut impl mio::event::Source) -> io::Result<usize> {
        let token = {
            let mut slots = self.slots.borrow_mut();
            match self.free.borrow_mut().pop() {
                Some(token) => {
                    slots[token] = Slot::new();
                    token
                }
                None => {
                    slots.push(Slot::new());
                    slots.len() - 1
                }
            }
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self
            .poll
            .borrow()
            .registry()
            .register(source, Token(token), interest)
        {
            self.free.borrow_mut().push(token);
            return Err(e);
        }
        Ok(token)
    }

    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source, token: usize) {
        // Failing to deregister a socket we are about to close is harmless:
        // closing the file descriptor removes it from epoll anyway.
        let _ = self.poll.borrow().registry().deregister(source);
        // Dropping the slot's wakers now, not when the token is reused.
        self.slots.borrow_mut()[token] = Slot::new();
        self.free.borrow_mut().push(token);
    }

    /// Whether an operation in `direction` is worth trying: no
    /// `WouldBlock` has been seen since the last edge.
    pub(crate) fn is_ready(&self, token: usize, direction: Direction) -> bool {
        let slots = self.slots.borrow();
        match direction {
            Direction::Read => slots[token].read.ready,
            Direction::Write => slots[token].write.ready,
        }
    }

    /// After a short read or write: the buffer is drained (or full), so
    /// the direction waits for its next edge — unless it has hung up.
    pub(crate) fn clear_ready(&self, token: usize, direction: Direction) {
        let mut slots = self.slots.borrow_mut();
        let half = slots[token].half(direction);
        if !half.closed {
            half.ready = false;
        }
    }

    /// Parks a task until the next edge in `direction`, after its operation
    /// met `WouldBlock` (so the direction is not ready until that edge) or
    /// found the direction not ready.
    pub(crate) fn wait_for_edge(&self, token: usize, direction: Direction, waker: &Waker) {
        let mut slots = self.slots.borrow_mut();
        let half = slots[token].half(direction);
        half.ready = false;
        // Every waiting task is kept, not just the last one to park: an edge
        // must reach them all. A task polling again is already in the list.
        if !half.waiters.iter().any(|w| w.will_wake(waker)) {
            half.waiters.push(waker.clone());
        }
    }
}
