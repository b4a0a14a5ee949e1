//! Graceful shutdown: one signal, many listeners.
//!
//! A [`ShutdownHandle`] fires a [`Signal`] once. The accept loop is waiting
//! on it (next to `accept`), and so is every connection that sits idle
//! between requests. Connections in the middle of a request do not wait
//! on it: they finish their response, notice the signal when they decide
//! whether to keep the connection alive, and close. Once the listener is
//! closed and every connection has ended, [`Server::serve`](super::Server::serve)
//! returns.
//!
//! The signal is `Send + Sync` so that another thread (a test, a signal
//! handler thread) can stop a server running on the loop thread; wakers
//! are thread-safe, so firing it from there wakes the right tasks. Each
//! waiting future holds one slot in a small slab of wakers and frees it
//! when dropped, so a connection that waits and stops waiting a thousand
//! times does not leave a thousand wakers behind.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Stops a running [`Server`](super::Server) gracefully.
///
/// [`shutdown`](ShutdownHandle::shutdown) makes the server stop accepting
/// connections, close connections that are idle between requests, and let
/// requests in flight finish (their connections close after the response).
/// A request that is still arriving counts as in flight: it is read, within
/// the header and I/O timeouts, and answered. The server's `serve` future
/// resolves when the last connection is gone, so the timeouts also bound
/// how long a shutdown can take.
/// Clones share the same signal; calling `shutdown` twice is harmless.
///
/// # Examples
///
/// ```
/// use spool_http::server::{Response, Server};
///
/// spool::block_on(async {
///     let server = Server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let handle = server.shutdown_handle();
///     handle.shutdown(); // before serving even starts: serve returns at once
///     server.serve(|_request| async { Response::text(200, "hi") }).await;
/// });
/// ```
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    pub(crate) signal: Arc<Signal>,
}

impl ShutdownHandle {
    /// Asks the server to shut down; returns at once.
    pub fn shutdown(&self) {
        self.signal.fire();
    }
}

/// A one-time broadcast event.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    /// Set once, under the lock, so a waiter that checks it under the lock
    /// cannot miss the firing; read without the lock by
    /// [`is_fired`](Signal::is_fired), which every response asks.
    fired: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The wakers of the futures waiting right now, by slot.
    wakers: Vec<Option<Waker>>,
    /// Slots of `wakers` that are free for the next waiter.
    free: Vec<usize>,
}

impl Signal {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn fire(&self) {
        let mut state = self.lock();
        self.fired.store(true, Ordering::Release);
        let wakers: Vec<Waker> = state.wakers.iter_mut().filter_map(Option::take).collect();
        drop(state);
        for waker in wakers {
            waker.wake();
        }
    }

    pub(crate) fn is_fired(&self) -> bool {
        self.fired.load(Ordering::Acquire)
    }

    /// Resolves once the signal has fired (at once if it already has). A
    /// connection keeps one for its whole life and awaits it afresh in every
    /// idle wait: its slot and waker are then set up once, not per request.
    /// (The slot keeps the waker between waits too, so a connection busy
    /// with a request when the signal fires gets one spurious wake-up.)
    pub(crate) fn fired(&self) -> Fired<'_> {
        Fired {
            signal: self,
            slot: None,
        }
    }
}

pub(crate) struct Fired<'a> {
    signal: &'a Signal,
    slot: Option<usize>,
}

impl Fired<'_> {
    /// Whether the signal has fired, without waiting.
    pub(crate) fn is_fired(&self) -> bool {
        self.signal.is_fired()
    }
}

impl Future for Fired<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.signal.lock();
        if self.signal.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        match self.slot {
            Some(slot) => match &mut state.wakers[slot] {
                Some(kept) if kept.will_wake(cx.waker()) => {}
                kept => *kept = Some(cx.waker().clone()),
            },
            None => {
                let waker = Some(cx.waker().clone());
                let slot = match state.free.pop() {
                    Some(slot) => {
                        state.wakers[slot] = waker;
                        slot
                    }
                    None => {
                        state.wakers.push(waker);
                        state.wakers.len() - 1
                    }
                };
                drop(state);
                self.slot = Some(slot);
            }
        }
        Poll::Pending
    }
}

impl Drop for Fired<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            let mut state = self.signal.lock();
            state.wakers[slot] = None;
            state.free.push(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn firing_wakes_every_waiter_and_later_waiters_pass_at_once() {
        spool::block_on(async {
            let signal = Arc::new(Signal::default());
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let signal = signal.clone();
                    spool::spawn(async move { signal.fired().await })
                })
                .collect();
            spool::time::sleep(Duration::from_millis(10)).await;
            assert!(waiters.iter().all(|w| !w.is_finished()));
            signal.fire();
            for waiter in waiters {
                waiter.await.unwrap();
            }
            assert!(signal.is_fired());
            signal.fired().await;
        });
    }

    #[test]
    fn dropped_waiters_free_their_slots() {
        spool::block_on(async {
            let signal = Signal::default();
            for _ in 0..100 {
                let wait = spool::time::timeout(Duration::from_millis(0), signal.fired());
                assert!(wait.await.is_err());
            }
            let state = signal.lock();
            assert!(state.wakers.len() <= 1, "{} slots", state.wakers.len());
            assert!(state.wakers.iter().all(Option::is_none));
        });
    }

    #[test]
    fn a_fire_from_another_thread_wakes_the_loop() {
        spool::block_on(async {
            let signal = Arc::new(Signal::default());
            let remote = signal.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                remote.fire();
            });
            let waited = spool::time::timeout(Duration::from_secs(5), signal.fired()).await;
            assert!(waited.is_ok());
        });
    }
}
