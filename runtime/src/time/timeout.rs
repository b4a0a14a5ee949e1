//! [`timeout`]: give up on a future after a while (`asyncio.wait_for`).

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use crate::time::sleep;

/// The error from [`timeout`] when the deadline passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

// ANCHOR: timeout
/// Runs `future` for at most `duration`.
///
/// Returns `Ok(output)` if the future finished in time, `Err(Elapsed)` if
/// not — in which case the future has been dropped, i.e. cancelled, exactly
/// as `asyncio.wait_for` cancels the awaitable. The clock starts when
/// `timeout` is called. If both are ready on the same poll, the future's
/// result wins.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool::time::{sleep, timeout};
///
/// spool::block_on(async {
///     let slow = sleep(Duration::from_secs(10));
///     assert!(timeout(Duration::from_millis(10), slow).await.is_err());
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
/// });
/// ```
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    let mut deadline = sleep(duration);
    async move {
        let mut future = pin!(future);
        poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            match Pin::new(&mut deadline).poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}
// ANCHOR_END: timeout
