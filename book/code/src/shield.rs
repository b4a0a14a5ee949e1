//! Exercise solution ("async with", exercise 1): `shield`, after asyncio's
//! `asyncio.shield`.
//!
//! A dropped future never runs again, so work that must finish even when its
//! caller is cancelled cannot live in the caller's future. `shield` moves it
//! into a task of its own and awaits the handle. Cancelling the caller drops
//! only the handle, and a dropped `JoinHandle` detaches its task: the work
//! runs on to the end.

use std::future::Future;

use spool::JoinError;

// ANCHOR: shield
/// Runs `work` to completion even if the caller stops waiting for it.
pub async fn shield<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spool::spawn(work).await
}
// ANCHOR_END: shield

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use spool::time::{sleep, timeout};

    #[test]
    fn the_work_finishes_after_its_caller_gave_up() {
        let saved = Rc::new(Cell::new(false));
        spool::block_on({
            let saved = saved.clone();
            async move {
                let save = async move {
                    sleep(Duration::from_millis(40)).await;
                    saved.set(true);
                };
                let caller = timeout(Duration::from_millis(10), shield(save)).await;
                assert!(caller.is_err(), "the caller was meant to give up");
                sleep(Duration::from_millis(100)).await;
            }
        });
        assert!(
            saved.get(),
            "the shielded work was cancelled with its caller"
        );
    }

    #[test]
    fn the_caller_gets_the_output_when_it_waits() {
        assert_eq!(spool::block_on(shield(async { "done" })).unwrap(), "done");
    }
}
