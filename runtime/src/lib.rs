//! # spool — an asyncio-style event loop, built by hand
//!
//! `spool` is a small, single-threaded async runtime written to be read. It
//! rebuilds, one module at a time, the machinery a Python asyncio tutorial
//! takes for granted: the event loop (`asyncio.run`), tasks (`create_task`),
//! timers (`asyncio.sleep`), `gather`, `wait_for`, `Semaphore`, `Queue`,
//! sockets and a thread pool for blocking work.
//!
//! | asyncio / JavaScript            | spool                                   |
//! |---------------------------------|-----------------------------------------|
//! | `asyncio.run(main())`           | [`block_on`]                            |
//! | `asyncio.create_task(coro)`     | [`spawn`] → [`JoinHandle`]              |
//! | `await task` / `task.cancel()`  | `handle.await` / [`JoinHandle::abort`]  |
//! | `gather` / `Promise.all`        | [`join!`], [`join_all`], [`try_join_all`] |
//! | `gather(return_exceptions=True)`| [`join_all`] over [`JoinHandle`]s       |
//! | `wait(FIRST_COMPLETED)` / `race`| [`select!`], [`race`]                   |
//! | `asyncio.sleep`, `sleep(0)`     | [`time::sleep`], [`yield_now`]          |
//! | `asyncio.wait_for`              | [`time::timeout`]                       |
//! | `asyncio.Semaphore`, `Queue`    | [`sync::Semaphore`], [`sync::Queue`]    |
//! | `loop.run_in_executor`          | [`spawn_blocking`]                      |
//! | `open_connection`/`start_server`| [`net::TcpStream`], [`net::TcpListener`]|
//! | `async for`                     | [`stream::Stream`]                      |
//!
//! ## How it is built
//!
//! Everything runs on the thread that called [`block_on`]. Tasks live in a
//! table owned by that thread, so they need not be `Send` (tokio's
//! `spawn` demands `Send` because its default scheduler moves tasks between
//! worker threads; ours never does). Wakers, on the other hand, *are* `Send +
//! Sync`: a thread-pool job or any other thread may wake a task. Such a wake
//! travels through a mutex-protected queue plus a [`mio::Waker`] that
//! interrupts the loop's sleep; a wake on the loop's own thread takes a
//! lock-free path.
//!
//! The only dependency is [`mio`], which gives us one portable call to sleep
//! until a socket is ready (`epoll` on Linux, `kqueue` on macOS). The rest —
//! run queue, timers, join handles, semaphore, queue — is plain `std`.
//!
//! ## Watching the loop
//!
//! Set `SPOOL_TRACE=1` and the loop prints a line on stderr for every
//! spawn, poll (with its result), wake (and from which thread), timer added,
//! fired or removed, readiness event and `epoll_wait` (its timeout and how
//! long it slept), timed from the loop's start. Name a task with
//! [`spawn_named`] to see its name beside its number. Unset, the trace
//! costs one branch per event.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod blocking;
mod children;
mod event_loop;
mod gather;
pub mod io;
pub mod net;
mod race;
pub mod stream;
pub mod sync;
#[cfg(test)]
mod test_support;
pub mod time;
mod yield_now;

pub use blocking::{
    KEEP_ALIVE as BLOCKING_KEEP_ALIVE, MAX_THREADS as MAX_BLOCKING_THREADS, spawn_blocking,
};
#[doc(hidden)]
pub use event_loop::{__stats, LoopStats};
pub use event_loop::{JoinError, JoinHandle, block_on, spawn, spawn_named, try_block_on};
#[doc(hidden)]
pub use gather::__join;
pub use gather::{JoinAll, TryJoinAll, join_all, try_join_all};
#[doc(hidden)]
pub use race::__select;
pub use race::race;
pub use yield_now::yield_now;
