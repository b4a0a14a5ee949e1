//! Exercise solution ("Pitfalls", exercise 3): retries that give their
//! permit back while they back off.
//!
//! `with_retry` takes a permit from the semaphore for each attempt and
//! returns it before sleeping, so a job waiting out its backoff does not
//! occupy a slot. The backoff doubles after each failure, as the
//! downloader's does.

use std::time::Duration;

use spool::sync::Semaphore;
use spool::time::sleep;

// ANCHOR: with_retry
/// Runs `attempt` up to `tries` times, each time holding one permit of
/// `limit`, sleeping `backoff` (doubled each time) between tries without a
/// permit. Returns the first success or the last error.
///
/// # Panics
///
/// If `tries` is 0, or the semaphore is closed.
pub async fn with_retry<T, E>(
    limit: &Semaphore,
    tries: u32,
    mut backoff: Duration,
    mut attempt: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    assert!(tries > 0, "with_retry needs at least one try");
    let mut tries_left = tries;
    loop {
        let result = {
            let _permit = limit.acquire().await.expect("semaphore closed");
            attempt().await
        }; // the permit is back before the backoff starts
        tries_left -= 1;
        if result.is_ok() || tries_left == 0 {
            return result;
        }
        sleep(backoff).await;
        backoff *= 2;
    }
}
// ANCHOR_END: with_retry

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn the_permit_is_free_during_the_backoff() {
        spool::block_on(async {
            let limit = Semaphore::new(1);
            let calls = Cell::new(0);
            let (result, free_during_backoff) = spool::join!(
                with_retry(&limit, 2, Duration::from_millis(100), async || {
                    calls.set(calls.get() + 1);
                    if calls.get() == 1 {
                        Err("flaky")
                    } else {
                        Ok("done")
                    }
                }),
                async {
                    sleep(Duration::from_millis(30)).await; // inside the backoff
                    limit.try_acquire().is_ok()
                },
            );
            assert_eq!(result, Ok("done"));
            assert_eq!(calls.get(), 2);
            assert!(free_during_backoff, "the permit was held across the sleep");
        });
    }

    #[test]
    fn gives_up_after_the_last_try_with_its_error() {
        spool::block_on(async {
            let limit = Semaphore::new(1);
            let calls = Cell::new(0);
            let result: Result<(), String> =
                with_retry(&limit, 3, Duration::from_millis(1), async || {
                    calls.set(calls.get() + 1);
                    Err(format!("failure {}", calls.get()))
                })
                .await;
            assert_eq!(result, Err("failure 3".to_string()));
            assert_eq!(limit.available_permits(), 1);
        });
    }
}
