//! Exercise solution ("Why async", exercise 2): downloads in rounds of at
//! most `batch` at a time.
//!
//! Each round is a `join_all` over one chunk of the jobs, and the next round
//! starts when the slowest of the current one is done. That reproduces the
//! chapter's arithmetic (ten files, five at a time, two rounds). A semaphore
//! does better when the jobs differ in length: a new job starts the moment
//! any job finishes, not when the whole round does (see the Semaphore
//! chapter).

use crate::download_all::download;

// ANCHOR: in_batches
/// Downloads `jobs` in rounds of at most `batch`, results in job order.
///
/// # Panics
///
/// If `batch` is 0.
pub async fn download_in_batches(jobs: &[(&'static str, u64)], batch: usize) -> Vec<String> {
    let mut results = Vec::with_capacity(jobs.len());
    for round in jobs.chunks(batch) {
        let downloads = round.iter().map(|&(name, ms)| download(name, ms));
        results.extend(spool::join_all(downloads).await);
    }
    results
}
// ANCHOR_END: in_batches

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn ten_jobs_five_at_a_time_take_two_rounds() {
        let names = ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10"];
        let jobs: Vec<_> = names.iter().map(|&name| (name, 50)).collect();
        let (results, took) = spool::block_on(async {
            let start = Instant::now();
            let results = download_in_batches(&jobs, 5).await;
            (results, start.elapsed())
        });
        assert_eq!(results.len(), 10);
        assert_eq!(results[9], "f10.data");
        // Two rounds of 50 ms: not all at once (50 ms), not one by one (500 ms).
        assert!(took >= Duration::from_millis(100), "took {took:?}");
        assert!(took < Duration::from_millis(450), "took {took:?}");
    }
}
