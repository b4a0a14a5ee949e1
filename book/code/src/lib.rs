//! The book's own code.
//!
//! `examples/` holds the runnable programs of the chapters that do not
//! belong to one crate: "Futures by hand" (a future polled by hand, an
//! `async fn` beside the enum the compiler writes for it, an executor grown
//! in three steps) and "Pitfalls" (each trap shown going wrong, then the
//! cure). Run one with `cargo run -p spool-book --example NAME`.
//!
//! This library holds the two leaf futures those examples share ([`Delay`]
//! and [`Step`]) and the solutions to the chapters' exercises, one module
//! per exercise, each with the tests that check it. `cargo test -p
//! spool-book` runs them.

pub mod delay;
pub mod step;

pub mod countdown;
pub mod join2;

pub mod desugar;
pub mod select2;

pub mod dedup_executor;
pub mod thread_future;

pub mod pair_reader;
pub mod retry;
pub mod watchdog;

pub mod batches;
pub mod download_all;

pub mod cooperative;
pub mod my_yield;

pub mod abort_on_drop;
pub mod task_group;

pub mod idle_timeout;
pub mod named_deadline;

pub mod fair_race;
pub mod join_all_woken;

pub mod close_on_drop;
pub mod shield;

pub mod take_while;
pub mod throttle;

pub mod bounded_pipeline;
pub mod notify;

pub mod host_limits;
pub mod rate_limiter;

pub mod line_reader;
pub mod waiter_slot;

pub mod cancellable_job;
pub mod limited_blocking;

pub mod chunked_encoder;
pub mod content_length;

pub mod retry_schedule;
pub mod safe_name;

pub mod access_log;
pub mod static_files;

pub mod pool_watch;

pub mod stream_digest;

pub mod private_ca;
pub mod sni_seen;

pub mod forward_proxy;
pub mod no_proxy_table;

pub mod paired_ratio;
pub mod say_after;

pub use delay::Delay;
pub use step::{Step, step};
