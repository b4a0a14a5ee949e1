//! The event loop's core: what `block_on` runs and everything it needs.
//!
//! The files stack up, each using only those listed before it, except that
//! the tracer (`trace.rs`) is reached from `task.rs` and `reactor.rs`:
//!
//! - `coop.rs` — the budget that makes an always-ready task yield;
//! - `task.rs` — task ids, the run queue and the wakers that fill it;
//! - `join_handle.rs` — the record a task and its `JoinHandle` share;
//! - `task_table.rs` — the spawned futures, owned by the loop's thread;
//! - `reactor.rs` — `mio::Poll`: where the loop sleeps, and which tasks a
//!   socket event wakes;
//! - `trace.rs` — `SPOOL_TRACE=1`: a line on stderr for every spawn, poll,
//!   wake, timer and `epoll_wait`;
//! - `executor.rs` — the loop itself (`block_on`, `spawn`), built on all of
//!   the above and on the timer queue (`time/timers.rs`).
//!
//! Everything else in the crate — timers, sockets, `Semaphore`, `Queue`,
//! the combinators, the blocking pool — sits on top of this folder and
//! reaches the running loop through the few functions `executor.rs` exports.

pub(crate) mod coop;
mod executor;
mod join_handle;
pub(crate) mod reactor;
mod task;
mod task_table;
pub(crate) mod trace;

pub use executor::{__stats, LoopStats, block_on, spawn, spawn_named, try_block_on};
#[cfg(test)]
pub(crate) use executor::{block_on_traced, timer_count};
pub(crate) use executor::{current_reactor, try_with_timers, with_timers};
pub(crate) use join_handle::Completion;
pub use join_handle::{JoinError, JoinHandle};
