//! [`IoSource`]: a socket registered with the loop, and the one rule every
//! socket operation follows.
//!
//! The reactor (`event_loop/reactor.rs`) knows tokens and wakers; this file
//! is where a socket meets it. An operation is tried first; only when it
//! fails with `WouldBlock` is the task's waker stored for the socket's next
//! edge (see the reactor's docs for why that order cannot lose an edge).

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::reactor::{Direction, Reactor};

// ANCHOR: io_source
/// A mio socket registered with the current loop's reactor.
///
/// Owning the reactor through an `Rc` ties the socket to the loop's thread
/// (it is `!Send`), which is the honest type for a single-threaded runtime.
pub(crate) struct IoSource<S: mio::event::Source> {
    source: S,
    token: usize,
    reactor: Rc<Reactor>,
}

impl<S: mio::event::Source> IoSource<S> {
    /// Registers `source` with the loop running on this thread.
    pub(crate) fn new(mut source: S) -> io::Result<IoSource<S>> {
        let reactor = crate::event_loop::current_reactor()?;
        let token = reactor.register(&mut source)?;
        Ok(IoSource {
            source,
            token,
            reactor,
        })
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.source
    }

    /// Runs `op` (a non-blocking system call on the socket) until it stops
    /// being interrupted. On `WouldBlock` the task's waker is stored for
    /// `direction` and the caller gets `Pending`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        if !self.reactor.is_alive() {
            return Poll::Ready(Err(io::Error::other(
                "this socket belongs to a spool loop that has stopped; \
                 create sockets inside the block_on that uses them",
            )));
        }
        std::task::ready!(crate::event_loop::coop::poll_proceed(cx));
        loop {
            match op(&self.source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.reactor.add_waiter(self.token, direction, cx.waker());
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => return Poll::Ready(result),
            }
        }
    }
}
// ANCHOR_END: io_source

// ANCHOR: io_source_drop
impl<S: mio::event::Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        self.reactor.deregister(&mut self.source, self.token);
    }
}
// ANCHOR_END: io_source_drop
