//! The blocking pool: results, panics, the thread bound, idle exit, and
//! keeping the loop free.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Threads of this process named by the pool (Linux: /proc/self/task/*/comm).
#[cfg(target_os = "linux")]
fn pool_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "spool-blocking")
        .count()
}

#[test]
fn results_and_panics_come_back_through_the_handle() {
    spool::block_on(async {
        assert_eq!(spool::spawn_blocking(|| 2 + 2).await.unwrap(), 4);
        let err = spool::spawn_blocking(|| panic!("bad block"))
            .await
            .unwrap_err();
        assert_eq!(err.panic_message(), Some("bad block"));
    });
}

// One test drives the pool's size, so no other test in this binary (this
// file runs as its own process) disturbs the thread counts.
#[cfg(target_os = "linux")]
#[test]
fn the_pool_is_bounded_and_idle_threads_exit() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    spool::block_on(async {
        let jobs: Vec<_> = (0..200)
            .map(|_| {
                let running = running.clone();
                let peak = peak.clone();
                spool::spawn_blocking(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for job in spool::join_all(jobs).await {
            job.unwrap();
        }
    });
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        peak <= spool::MAX_BLOCKING_THREADS,
        "{peak} jobs ran at once"
    );
    assert!(
        peak >= 8,
        "the pool should grow under load, peak was {peak}"
    );
    assert!(pool_threads() <= spool::MAX_BLOCKING_THREADS);
    // Idle threads leave after the keep-alive.
    let deadline = Instant::now() + spool::BLOCKING_KEEP_ALIVE + Duration::from_secs(5);
    while pool_threads() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(pool_threads(), 0, "idle pool threads did not exit");
}

#[test]
fn blocking_work_on_the_pool_does_not_stall_timers() {
    spool::block_on(async {
        let start = Instant::now();
        let slow = spool::spawn_blocking(|| std::thread::sleep(Duration::from_millis(300)));
        spool::time::sleep(Duration::from_millis(20)).await;
        let timer_done = start.elapsed();
        slow.await.unwrap();
        assert!(
            timer_done < Duration::from_millis(250),
            "timer waited for the blocking job: {timer_done:?}"
        );
    });
}

#[test]
fn abort_before_start_cancels_a_queued_job() {
    // Fill the pool so the next job must queue, then abort it.
    spool::block_on(async {
        let ran = Arc::new(AtomicUsize::new(0));
        let busy: Vec<_> = (0..spool::MAX_BLOCKING_THREADS)
            .map(|_| spool::spawn_blocking(|| std::thread::sleep(Duration::from_millis(200))))
            .collect();
        let queued = spool::spawn_blocking({
            let ran = ran.clone();
            move || ran.fetch_add(1, Ordering::SeqCst)
        });
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        spool::join_all(busy).await;
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    });
}
