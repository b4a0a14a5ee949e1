//! `pitfall_nested`: starting a loop inside the loop.
//!
//! `spool::block_on` blocks its thread until its future is done. Called from
//! inside a task, it would block the thread that has to run every other
//! task, the outer loop included, so spool refuses with a panic that says
//! why. asyncio does the same: `asyncio.run()` inside a coroutine raises
//! "asyncio.run() cannot be called from a running event loop". The panic
//! stays in its task; the handle reports it, and the program goes on.
//!
//! Cure: you are already in async code, so `.await` the future.
//!
//! The program exits non-zero unless the nested call panics with spool's
//! explanation and the awaited version returns the value.
//!
//! Run it with `cargo run -p spool-book --example pitfall_nested`.

use std::time::Duration;

async fn fetch_config() -> &'static str {
    spool::time::sleep(Duration::from_millis(10)).await;
    "retries = 3"
}

fn main() {
    // The panic's message reaches us through the JoinHandle; keep the
    // default hook from printing a second copy with a file and line.
    std::panic::set_hook(Box::new(|_| {}));

    spool::block_on(async {
        // ANCHOR: trap
        let handle = spool::spawn(async {
            spool::block_on(fetch_config()) // a loop inside the loop
        });
        let error = handle.await.unwrap_err();
        println!("trap: block_on inside a task -> {error}");
        // ANCHOR_END: trap
        assert!(error.is_panic());
        assert!(
            error
                .panic_message()
                .unwrap()
                .contains("from inside a task"),
            "unexpected message: {error}"
        );

        // ANCHOR: cure
        let config = spool::spawn(async { fetch_config().await }).await.unwrap();
        println!("cure: .await instead -> {config:?}");
        // ANCHOR_END: cure
        assert_eq!(config, "retries = 3");
    });
}
