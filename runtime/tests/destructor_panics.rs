//! Panics in destructors the loop runs (issue 7.2): an aborted task's
//! future, a detached task's output, a task left over at shutdown. Each is
//! reported through the task's handle (or swallowed for a detached task),
//! the loop goes on, and the thread can run another loop afterwards.

use std::time::Duration;

/// Panics when dropped.
struct PanicOnDrop;
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("PanicOnDrop was dropped");
    }
}

#[test]
fn aborting_a_task_whose_future_panics_on_drop_reports_the_panic() {
    let (aborted, sibling) = spool::block_on(async {
        let sibling = spool::spawn(async {
            spool::time::sleep(Duration::from_millis(20)).await;
            "sibling finished"
        });
        let doomed = spool::spawn(async {
            let _guard = PanicOnDrop;
            spool::time::sleep(Duration::from_secs(3600)).await;
        });
        spool::yield_now().await;
        doomed.abort();
        (doomed.await, sibling.await)
    });
    let error = aborted.unwrap_err();
    assert!(error.is_panic(), "{error}");
    assert_eq!(error.panic_message(), Some("PanicOnDrop was dropped"));
    assert_eq!(sibling.unwrap(), "sibling finished");
}

#[test]
fn a_detached_task_whose_output_panics_on_drop_does_not_stop_the_loop() {
    let answer = spool::block_on(async {
        drop(spool::spawn(async { PanicOnDrop }));
        spool::time::sleep(Duration::from_millis(10)).await;
        spool::spawn(async { 42 }).await.unwrap()
    });
    assert_eq!(answer, 42);
}

#[test]
fn a_leftover_task_that_panics_on_drop_is_reported_and_the_thread_stays_usable() {
    let leftover = spool::block_on(async {
        let leftover = spool::spawn(async {
            let _guard = PanicOnDrop;
            std::future::pending::<()>().await;
        });
        spool::yield_now().await;
        // In an `Option`, so the handle leaves the loop un-awaited.
        Some(leftover)
    })
    .unwrap();
    assert!(leftover.is_finished());
    let error = spool::block_on(leftover).unwrap_err();
    assert!(error.is_panic(), "{error}");
    // The loop was uninstalled: this thread can run another one.
    assert_eq!(spool::block_on(async { 7 }), 7);
}

#[test]
fn a_panicking_main_future_still_uninstalls_the_loop() {
    let caught = std::panic::catch_unwind(|| {
        spool::block_on(async {
            spool::spawn(async {
                let _guard = PanicOnDrop;
                std::future::pending::<()>().await;
            });
            spool::yield_now().await;
            panic!("main gave up");
        })
    });
    assert!(caught.is_err());
    assert_eq!(spool::block_on(async { 8 }), 8);
}

/// Regression (issue 7.3): a pool thread that died dropping a detached
/// job's output stayed counted, and after `MAX_BLOCKING_THREADS` of them no
/// job ever ran again.
#[test]
fn detached_blocking_jobs_whose_output_panics_on_drop_leave_the_pool_working() {
    use std::sync::{Arc, Barrier};
    // Each job finishes only after its handle is gone, so its output is
    // dropped on the pool thread, never here.
    let jobs = spool::MAX_BLOCKING_THREADS;
    let handles_dropped = Arc::new(Barrier::new(jobs + 1));
    spool::block_on(async {
        for _ in 0..jobs {
            let handles_dropped = handles_dropped.clone();
            drop(spool::spawn_blocking(move || {
                handles_dropped.wait();
                PanicOnDrop
            }));
        }
        handles_dropped.wait();
        let still_runs = spool::time::timeout(
            Duration::from_secs(10),
            spool::spawn_blocking(|| "the pool still runs jobs"),
        )
        .await
        .expect("a job should run within 10 s");
        assert_eq!(still_runs.unwrap(), "the pool still runs jobs");
    });
}
