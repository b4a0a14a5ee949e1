//! Exercise solution ("Why async", exercise 1): `download_all`, every
//! download started before any is awaited, results in the order asked.
//!
//! The whole trick is the order of two loops: spawn everything first, then
//! await the handles. Awaiting inside the spawning loop would start each
//! download only after the previous one finished, which is the sequential
//! version with extra steps.

use std::time::Duration;

use spool::time::sleep;

/// Stands in for a download of `name` that spends `ms` milliseconds waiting
/// on the network.
pub async fn download(name: &'static str, ms: u64) -> String {
    sleep(Duration::from_millis(ms)).await;
    format!("{name}.data")
}

// ANCHOR: download_all
/// Downloads every `(name, ms)` job at once and returns the results in the
/// order of `jobs`, like `asyncio.gather(*tasks)`.
pub async fn download_all(jobs: &[(&'static str, u64)]) -> Vec<String> {
    let handles: Vec<_> = jobs
        .iter()
        .map(|&(name, ms)| spool::spawn(download(name, ms)))
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.expect("a download never panics"));
    }
    results
}
// ANCHOR_END: download_all

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn three_downloads_take_about_as_long_as_one() {
        let (results, took) = spool::block_on(async {
            let start = Instant::now();
            let results = download_all(&[("A", 200), ("B", 200), ("C", 200)]).await;
            (results, start.elapsed())
        });
        assert_eq!(results, ["A.data", "B.data", "C.data"]);
        assert!(took >= Duration::from_millis(200), "took {took:?}");
        // One after another takes at least 600 ms.
        assert!(
            took < Duration::from_millis(500),
            "took {took:?}: not side by side"
        );
    }

    #[test]
    fn results_keep_the_order_of_the_jobs_not_of_finishing() {
        let results = spool::block_on(download_all(&[("slow", 60), ("fast", 10), ("middle", 30)]));
        assert_eq!(results, ["slow.data", "fast.data", "middle.data"]);
    }
}
