//! Time: `asyncio.sleep`, `asyncio.wait_for` and friends.
//!
//! Every timer in the loop lives in one timer queue, a timing wheel filed by
//! deadline. Before the loop goes to sleep it asks the queue when the wheel
//! next needs a look (at or before the earliest deadline) and passes the
//! distance to it as `mio::Poll::poll`'s timeout; after waking it moves
//! timers down the wheel and fires every timer whose deadline has passed.
//! So a thousand sleeping tasks cost the loop a few wake-ups and nothing
//! else until one is due.

mod interval;
mod sleep;
mod timeout;
pub(crate) mod timers;
mod wheel;

pub use interval::{Interval, interval};
use sleep::deadline_after;
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, timeout};
