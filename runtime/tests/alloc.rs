//! How many heap allocations a spawned task costs.
//!
//! This file is its own test binary so that the counting global allocator
//! sees only this test. It holds a single test on purpose: the allocator
//! counts every thread, and a second test running beside it would add its
//! own allocations to the count.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Tasks spawned per round.
const TASKS: usize = 1_000;

/// Spawns `TASKS` empty tasks and awaits them all; `handles` is reused so
/// its buffer is not counted.
async fn spawn_and_join(handles: &mut Vec<spool::JoinHandle<()>>) {
    handles.extend((0..TASKS).map(|_| spool::spawn(async {})));
    for handle in handles.drain(..) {
        handle.await.expect("empty task");
    }
}

/// The future, its join cell, and nothing else: the task's waker is reused
/// from the task that last finished in the same slot. A third allocation
/// per task here means that reuse broke (or something new allocates).
/// (The first round, which fills slots no task has used yet, pays for each
/// task's waker too: three per task.)
#[test]
fn a_spawned_task_costs_at_most_two_allocations() {
    spool::block_on(async {
        let mut handles = Vec::with_capacity(TASKS);
        // The first round grows the task table and the run queue to size.
        spawn_and_join(&mut handles).await;
        let region = Region::new(GLOBAL);
        spawn_and_join(&mut handles).await;
        let allocations = region.change().allocations;
        let per_task = allocations as f64 / TASKS as f64;
        assert!(
            per_task <= 2.0,
            "{allocations} allocations for {TASKS} tasks: {per_task} per task, more than 2"
        );
    });
}
