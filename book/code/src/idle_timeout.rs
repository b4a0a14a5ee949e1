//! Exercise solution ("Timers", exercise 2): an idle timeout that moves with
//! every item.
//!
//! "Give up if nothing arrives for 80 ms" is a deadline that restarts with
//! each item. One `Sleep` does it: `reset` moves its deadline (and takes its
//! old entry out of the timer queue), so the loop below keeps one timer for
//! its whole life instead of making a new one per item. `Queue::get` loses
//! nothing when `select!` drops it, so the loop may start a fresh `get`
//! every turn.

use std::time::{Duration, Instant};

use spool::sync::Queue;
use spool::time::sleep;

// ANCHOR: drain_until_idle
/// How [`drain_until_idle`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The queue was closed and empty.
    Closed,
    /// Nothing arrived for the idle period.
    Idle,
}

/// Takes items from `queue` until it is closed or stays silent for `idle`.
pub async fn drain_until_idle<T>(queue: &Queue<T>, idle: Duration) -> (Vec<T>, Ended) {
    let mut items = Vec::new();
    let mut silence = sleep(idle);
    loop {
        spool::select! {
            item = queue.get() => match item {
                Some(item) => {
                    items.push(item);
                    silence.reset(Instant::now() + idle);
                }
                None => return (items, Ended::Closed),
            },
            () = &mut silence => return (items, Ended::Idle),
        }
    }
}
// ANCHOR_END: drain_until_idle

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_steady_trickle_is_not_idle() {
        let (items, ended) = spool::block_on(async {
            let queue = Queue::new(0);
            let producer = async {
                for n in 0..10 {
                    sleep(30 * MS).await;
                    queue.put(n).await.unwrap();
                }
                // Then silence, without closing.
            };
            let (drained, ()) = spool::join!(drain_until_idle(&queue, 150 * MS), producer);
            drained
        });
        // A deadline that never moved would end after 150 ms and 4 items.
        assert_eq!(items, (0..10).collect::<Vec<_>>());
        assert_eq!(ended, Ended::Idle);
    }

    #[test]
    fn a_closed_queue_ends_the_drain() {
        let (items, ended) = spool::block_on(async {
            let queue = Queue::new(0);
            queue.try_put("last").unwrap();
            queue.close();
            drain_until_idle(&queue, Duration::from_secs(10)).await
        });
        assert_eq!(items, ["last"]);
        assert_eq!(ended, Ended::Closed);
    }
}
