//! Exercise solution ("Semaphore", exercise 2): two limits at once, a total
//! and one per host, taken in the order that does not block.
//!
//! A downloader wants "at most 3 downloads, at most 2 per host". Two
//! semaphores do it, but the order of the two `acquire`s matters. Take the
//! global permit first and a job for a busy host sits on a global slot while
//! it waits for its host, so a job for an idle host waits for nothing. Take
//! the host permit first and only jobs that can actually start compete for
//! the global slots. It is the permit-across-a-wait pitfall again: never
//! hold a scarce thing while waiting for another.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use spool::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

// ANCHOR: host_limits
/// A limit on everything and a smaller one per host.
pub struct HostLimits {
    total: Semaphore,
    per_host: usize,
    /// One semaphore per host seen so far, made on first use.
    hosts: RefCell<HashMap<String, Arc<Semaphore>>>,
}

/// Both permits; dropping it gives both back.
pub struct HostPermit<'a> {
    _total: SemaphorePermit<'a>,
    _host: OwnedSemaphorePermit,
}

impl HostLimits {
    /// At most `total` permits out, and at most `per_host` for one host.
    pub fn new(total: usize, per_host: usize) -> HostLimits {
        HostLimits {
            total: Semaphore::new(total),
            per_host,
            hosts: RefCell::default(),
        }
    }

    /// Waits until `host` is below its limit, *then* for a global slot.
    pub async fn acquire(&self, host: &str) -> HostPermit<'_> {
        let host_limit = self
            .hosts
            .borrow_mut()
            .entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone();
        let host = host_limit.acquire_owned().await.expect("never closed");
        let total = self.total.acquire().await.expect("never closed");
        HostPermit {
            _total: total,
            _host: host,
        }
    }
}
// ANCHOR_END: host_limits

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    use spool::time::sleep;

    #[test]
    fn an_idle_host_does_not_wait_behind_a_busy_one() {
        let limits = HostLimits::new(3, 2);
        let running = Cell::new(0);
        let most = Cell::new(0);
        let started = RefCell::new(Vec::new());
        spool::block_on(async {
            let t0 = Instant::now();
            let job = |host: &'static str| {
                let (limits, running, most, started) = (&limits, &running, &most, &started);
                async move {
                    let _permit = limits.acquire(host).await;
                    started.borrow_mut().push((host, t0.elapsed()));
                    running.set(running.get() + 1);
                    most.set(most.get().max(running.get()));
                    sleep(Duration::from_millis(300)).await;
                    running.set(running.get() - 1);
                }
            };
            spool::join_all(["a", "a", "a", "b"].map(job)).await;
        });
        let started = started.into_inner();
        let b = started.iter().find(|(host, _)| *host == "b").unwrap().1;
        // Global-first would park the third "a" job on the last global slot.
        assert!(
            b < Duration::from_millis(150),
            "b started at {b:?}: {started:?}"
        );
        assert_eq!(most.get(), 3);
        let a_at_once = started
            .iter()
            .filter(|(h, t)| *h == "a" && *t < Duration::from_millis(150));
        assert_eq!(a_at_once.count(), 2, "{started:?}");
    }
}
