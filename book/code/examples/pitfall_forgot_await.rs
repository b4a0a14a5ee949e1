//! `pitfall_forgot_await`: a future that is never awaited never runs.
//!
//! In JavaScript, calling an async function starts it; forgetting the
//! `await` only loses the result. In Python the coroutine never runs, and
//! you get "RuntimeWarning: coroutine 'save' was never awaited" at exit. In
//! Rust the future never runs either, and the compiler warns at the call
//! (the book shows the warning; this program binds the future to a name so
//! that it compiles without one, which silences the warning without fixing
//! anything).
//!
//! The program exits non-zero unless the forgotten save saved nothing and
//! the awaited one (and the spawned one) saved their files.
//!
//! Run it with `cargo run -p spool-book --example pitfall_forgot_await`.

use std::cell::RefCell;

// ANCHOR: save
async fn save(disk: &RefCell<Vec<String>>, name: &str) {
    disk.borrow_mut().push(name.to_string());
}
// ANCHOR_END: save

fn main() {
    let disk = RefCell::new(Vec::new());
    spool::block_on(async {
        // ANCHOR: trap
        let _forgotten = save(&disk, "report.txt"); // a future, never polled
        println!(
            "trap: called save() without .await; saved: {:?}",
            disk.borrow()
        );
        // ANCHOR_END: trap
        assert!(disk.borrow().is_empty());

        // ANCHOR: cure
        save(&disk, "report.txt").await;
        println!(
            "cure: save().await;                  saved: {:?}",
            disk.borrow()
        );
        // ANCHOR_END: cure
    });
    assert_eq!(disk.borrow().len(), 1);

    let disk = std::rc::Rc::new(RefCell::new(Vec::new()));
    spool::block_on({
        let disk = disk.clone();
        async move {
            let handle = spool::spawn(async move { save(&disk, "log.txt").await });
            handle.await.unwrap(); // a spawned task runs even unawaited; this waits
        }
    });
    println!(
        "or: spool::spawn(save(..)), then await the handle; saved: {:?}",
        disk.borrow()
    );
    assert_eq!(disk.borrow().len(), 1);
}
