//! `pitfall_permit`: holding a semaphore permit across a retry's sleep.
//!
//! A semaphore of 2 limits six jobs to two at a time. Each job takes 50 ms;
//! jobs 1 and 2 fail their first attempt and retry after a 300 ms backoff.
//!
//! Trap: the job takes the permit once, around its whole retry loop, so it
//! sleeps through the backoff holding a slot that does no work. Both slots
//! sit idle for 300 ms while four jobs wait in line.
//!
//! Cure: take the permit per *attempt*. Between attempts the slot is free,
//! and the waiting jobs use it.
//!
//! The program prints when each job finished and exits non-zero unless the
//! four healthy jobs were held up in the trap (done after 450 ms or later)
//! and not in the cure (done well before the retries end).
//!
//! Run it with `cargo run -p spool-book --example pitfall_permit`.

use std::time::{Duration, Instant};

use spool::sync::Semaphore;
use spool::time::sleep;

const ATTEMPT: Duration = Duration::from_millis(50);
const BACKOFF: Duration = Duration::from_millis(300);

/// One try at job `id`: jobs 1 and 2 fail the first time.
async fn attempt(id: u32, try_number: u32) -> Result<(), ()> {
    sleep(ATTEMPT).await;
    if id <= 2 && try_number == 1 {
        Err(())
    } else {
        Ok(())
    }
}

// ANCHOR: trap
async fn job_trap(id: u32, limit: &Semaphore) {
    let _permit = limit.acquire().await.unwrap(); // held for every attempt...
    for try_number in 1.. {
        if attempt(id, try_number).await.is_ok() {
            return;
        }
        sleep(BACKOFF).await; // ...and for every backoff in between
    }
}
// ANCHOR_END: trap

// ANCHOR: cure
async fn job_cure(id: u32, limit: &Semaphore) {
    for try_number in 1.. {
        let permit = limit.acquire().await.unwrap();
        let result = attempt(id, try_number).await;
        drop(permit); // the slot is free before the backoff starts
        if result.is_ok() {
            return;
        }
        sleep(BACKOFF).await;
    }
}
// ANCHOR_END: cure

/// Runs six jobs through a semaphore of 2; returns when each one finished.
async fn run_all(job: impl AsyncFn(u32, &Semaphore)) -> Vec<Duration> {
    let limit = Semaphore::new(2);
    let started = Instant::now();
    let (job, limit) = (&job, &limit);
    let jobs = (1..=6).map(|id| async move {
        job(id, limit).await;
        started.elapsed()
    });
    spool::join_all(jobs.collect::<Vec<_>>()).await
}

fn main() {
    let (trap, cure) =
        spool::block_on(async { (run_all(job_trap).await, run_all(job_cure).await) });
    for (name, done) in [("trap", &trap), ("cure", &cure)] {
        let times: Vec<String> = done
            .iter()
            .map(|d| format!("{:>3}", d.as_millis()))
            .collect();
        println!("{name}: jobs 1..6 done at [{}] ms", times.join(", "));
    }
    let healthy_done = |done: &[Duration]| done[2..].iter().max().copied().unwrap();
    println!(
        "healthy jobs 3..6 all done after: trap {} ms, cure {} ms",
        healthy_done(&trap).as_millis(),
        healthy_done(&cure).as_millis()
    );
    // Trap: 50 + 300 + 50 ms before a slot frees up, then two rounds of 50.
    assert!(healthy_done(&trap) >= ATTEMPT * 9);
    // Cure: three rounds of 50 ms, nominally 150; the retries end at 400.
    assert!(healthy_done(&cure) < ATTEMPT + BACKOFF);
}
