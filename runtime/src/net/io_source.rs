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

    /// Marks `direction` not ready, so that its next poll waits for an
    /// edge without trying the operation first.
    pub(crate) fn wait_before_trying(&self, direction: Direction) {
        self.reactor.clear_ready(self.token, direction);
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.source
    }

    /// Runs `op` (a non-blocking system call on the socket) until it stops
    /// being interrupted. On `WouldBlock` — or without trying at all, if
    /// `direction` has had no edge since the last one — the task's waker is
    /// stored for `direction` and the caller gets `Pending`.
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
        if !self.reactor.is_ready(self.token, direction) {
            // No edge since the last `WouldBlock`: trying would fail again.
            self.reactor
                .wait_for_edge(self.token, direction, cx.waker());
            return Poll::Pending;
        }
        loop {
            match op(&self.source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.reactor
                        .wait_for_edge(self.token, direction, cx.waker());
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    /// [`poll_io`](IoSource::poll_io) for a read or write of up to `len`
    /// bytes. A transfer shorter than `len` means the kernel buffer was
    /// drained (or filled), so the direction is marked not ready and the
    /// next call parks without a system call that would fail.
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let result = std::task::ready!(self.poll_io(cx, direction, op));
        if let Ok(n) = result
            && n > 0
            && n < len
        {
            self.reactor.clear_ready(self.token, direction);
        }
        Poll::Ready(result)
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::task::Waker;
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_operation_that_would_block_is_not_tried_again_before_the_next_edge() {
        crate::block_on(async {
            let localhost = "127.0.0.1:0".parse().unwrap();
            let listener = IoSource::new(mio::net::TcpListener::bind(localhost).unwrap()).unwrap();
            let calls = Cell::new(0);
            let accept = |listener: &mio::net::TcpListener| {
                calls.set(calls.get() + 1);
                listener.accept()
            };
            let mut cx = Context::from_waker(Waker::noop());

            assert!(
                listener
                    .poll_io(&mut cx, Direction::Read, accept)
                    .is_pending()
            );
            assert!(
                listener
                    .poll_io(&mut cx, Direction::Read, accept)
                    .is_pending()
            );
            assert_eq!(calls.get(), 1, "polled again without an edge");

            let addr = listener.get_ref().local_addr().unwrap();
            let _client = std::net::TcpStream::connect(addr).unwrap();
            // Sleeping lets the loop collect the edge.
            crate::time::sleep(Duration::from_millis(50)).await;
            assert!(
                listener
                    .poll_io(&mut cx, Direction::Read, accept)
                    .is_ready()
            );
            assert_eq!(calls.get(), 2);
        });
    }

    /// A connected pair: the spool side's `IoSource` and the std peer.
    fn pair() -> (IoSource<mio::net::TcpStream>, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        ours.set_nonblocking(true).unwrap();
        let ours = IoSource::new(mio::net::TcpStream::from_std(ours)).unwrap();
        (ours, peer)
    }

    #[test]
    fn a_short_read_waits_for_the_next_edge_without_a_system_call() {
        use std::io::{Read, Write};
        crate::block_on(async {
            let (ours, mut peer) = pair();
            peer.write_all(b"hello").unwrap();
            crate::time::sleep(Duration::from_millis(50)).await;
            let calls = Cell::new(0);
            let mut buf = [0; 64];
            let mut cx = Context::from_waker(Waker::noop());
            let read = |cx: &mut Context<'_>, buf: &mut [u8]| {
                let len = buf.len();
                ours.poll_transfer(cx, Direction::Read, len, |mut socket| {
                    calls.set(calls.get() + 1);
                    socket.read(buf)
                })
            };
            assert!(matches!(read(&mut cx, &mut buf), Poll::Ready(Ok(5))));
            assert!(read(&mut cx, &mut buf).is_pending());
            assert_eq!(calls.get(), 1, "read again after a short read");

            // New bytes bring an edge, and the read is tried again.
            peer.write_all(b"again").unwrap();
            crate::time::sleep(Duration::from_millis(50)).await;
            assert!(matches!(read(&mut cx, &mut buf), Poll::Ready(Ok(5))));
            assert_eq!(calls.get(), 2);
        });
    }

    #[test]
    fn a_short_read_before_end_of_file_still_sees_the_end() {
        use std::io::{Read, Write};
        crate::block_on(async {
            let (ours, mut peer) = pair();
            peer.write_all(b"bye").unwrap();
            drop(peer);
            // The data and the hang-up arrive before the first read.
            crate::time::sleep(Duration::from_millis(50)).await;
            let mut buf = [0; 64];
            let mut cx = Context::from_waker(Waker::noop());
            let len = buf.len();
            let read = |cx: &mut Context<'_>, buf: &mut [u8]| {
                ours.poll_transfer(cx, Direction::Read, len, |mut socket| socket.read(buf))
            };
            assert!(matches!(read(&mut cx, &mut buf), Poll::Ready(Ok(3))));
            assert!(
                matches!(read(&mut cx, &mut buf), Poll::Ready(Ok(0))),
                "end-of-file was not reported after a short read"
            );
        });
    }
}
