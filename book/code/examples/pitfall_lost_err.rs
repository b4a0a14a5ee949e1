//! `pitfall_lost_err`: a detached task's `Err` goes nowhere.
//!
//! `spool::spawn` returns a `JoinHandle`. Drop it, and the task keeps
//! running (as in tokio; asyncio keeps a task alive too), but whatever it
//! returns is dropped with it. A returned `Err` is just a value: unlike a
//! Python exception, nobody logs "Task exception was never retrieved".
//!
//! Trap: three uploads spawned and forgotten; one fails; `main` reports
//! success. Cure: keep the handles and await them all (`join_all`), so every
//! result, `Err` included, reaches someone.
//!
//! The program exits non-zero unless the trap misses the failure and the
//! cure reports it.
//!
//! Run it with `cargo run -p spool-book --example pitfall_lost_err`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use spool::time::sleep;

/// How many uploads have failed, counted where they fail, so the program
/// can show that the trap's failure did happen.
static FAILED: AtomicUsize = AtomicUsize::new(0);

// ANCHOR: upload
async fn upload(name: &'static str) -> Result<(), String> {
    sleep(Duration::from_millis(20)).await;
    if name == "b.txt" {
        FAILED.fetch_add(1, Ordering::Relaxed);
        return Err(format!("{name}: disk full"));
    }
    Ok(())
}
// ANCHOR_END: upload

fn main() {
    spool::block_on(async {
        // ANCHOR: trap
        for name in ["a.txt", "b.txt", "c.txt"] {
            spool::spawn(upload(name)); // the handle, and the result, dropped
        }
        sleep(Duration::from_millis(100)).await; // all three have finished
        println!("trap: spawned and forgotten -> main sees no error");
        // ANCHOR_END: trap
        let failed = FAILED.load(Ordering::Relaxed);
        println!("      (yet {failed} upload failed inside its task)");
        assert_eq!(failed, 1);

        // ANCHOR: cure
        let handles = ["a.txt", "b.txt", "c.txt"].map(|name| spool::spawn(upload(name)));
        let mut errors = Vec::new();
        for result in spool::join_all(handles).await {
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e), // the task returned Err
                Err(e) => errors.push(format!("task {e}")), // it panicked, or was aborted
            }
        }
        println!("cure: kept the handles, awaited them -> errors: {errors:?}");
        // ANCHOR_END: cure
        assert_eq!(errors, ["b.txt: disk full"]);
    });
}
