//! Exercise solution ("Queue", exercise 2): a two-stage pipeline whose
//! queues bound how far the producer can run ahead.
//!
//! ```text
//! producer ──► [ q1: capacity ] ──► stage 1 × workers ──► [ q2: capacity ] ──► stage 2
//! ```
//!
//! When stage 2 is slow, q2 fills, stage 1's workers wait in `put`, q1
//! fills, and the producer waits in its `put`: the back-pressure travels
//! upstream through the two queues. The items in flight can never exceed
//! what the queues and the workers hold: `2 × capacity + workers + 1` (the
//! one is the item stage 2 is working on).
//!
//! Each stage closes the queue after it when it is done, so the end of the
//! input travels downstream the same way, with no sentinel values.

use std::cell::Cell;
use std::future::Future;

use spool::sync::Queue;

// ANCHOR: two_stages
/// What a run of [`two_stages`] produced, and how far ahead the producer got.
#[derive(Debug)]
pub struct Report<V> {
    /// Stage 2's outputs, in input order.
    pub outputs: Vec<V>,
    /// Most items ever put into the pipeline and not yet out of stage 2.
    pub most_in_flight: usize,
}

/// Feeds `inputs` through `stage1` (run by `workers` tasks) and then
/// `stage2` (one at a time), with queues of `capacity` between them.
///
/// # Panics
///
/// If `capacity` or `workers` is 0 (a `Queue` of 0 is unbounded).
pub async fn two_stages<T, U, V, F1, Fut1, F2, Fut2>(
    inputs: Vec<T>,
    capacity: usize,
    workers: usize,
    stage1: F1,
    stage2: F2,
) -> Report<V>
where
    F1: Fn(T) -> Fut1,
    Fut1: Future<Output = U>,
    F2: Fn(U) -> Fut2,
    Fut2: Future<Output = V>,
{
    assert!(
        capacity > 0 && workers > 0,
        "a pipeline needs room and workers"
    );
    let q1 = Queue::new(capacity);
    let q2 = Queue::new(capacity);
    let (put, done, most) = (Cell::new(0), Cell::new(0), Cell::new(0));

    let produce = async {
        for (index, input) in inputs.into_iter().enumerate() {
            q1.put((index, input))
                .await
                .expect("q1 closes only after this");
            put.set(put.get() + 1);
            most.set(most.get().max(put.get() - done.get()));
        }
        q1.close();
    };
    let first = async {
        let worker = || async {
            while let Some((index, input)) = q1.get().await {
                let output = stage1(input).await;
                q2.put((index, output)).await.expect("q2 closes after us");
            }
        };
        spool::join_all((0..workers).map(|_| worker())).await;
        q2.close();
    };
    let second = async {
        let mut outputs = Vec::new();
        while let Some((index, item)) = q2.get().await {
            outputs.push((index, stage2(item).await));
            done.set(done.get() + 1);
        }
        outputs.sort_by_key(|&(index, _)| index);
        outputs.into_iter().map(|(_, output)| output).collect()
    };
    let ((), (), outputs) = spool::join!(produce, first, second);
    Report {
        outputs,
        most_in_flight: most.get(),
    }
}
// ANCHOR_END: two_stages

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use spool::time::sleep;

    #[test]
    fn a_slow_last_stage_holds_the_producer_back() {
        let report = spool::block_on(two_stages(
            (0..40).collect(),
            2,
            3,
            |n: u32| async move { n * 10 },
            |n: u32| async move {
                sleep(Duration::from_millis(2)).await;
                n + 1
            },
        ));
        let expected: Vec<u32> = (0..40).map(|n| n * 10 + 1).collect();
        assert_eq!(report.outputs, expected);
        // Unbounded queues would let all 40 in at once.
        assert!(report.most_in_flight <= 2 * 2 + 3 + 1, "{report:?}");
    }

    #[test]
    fn stage_one_workers_run_side_by_side() {
        let start = std::time::Instant::now();
        let report = spool::block_on(two_stages(
            (0..8).collect(),
            4,
            4,
            |n: u64| async move {
                sleep(Duration::from_millis(40)).await;
                n
            },
            |n: u64| async move { n },
        ));
        assert_eq!(report.outputs, (0..8).collect::<Vec<_>>());
        // Two rounds of four; one worker would need 320 ms.
        assert!(start.elapsed() < Duration::from_millis(300));
    }
}
