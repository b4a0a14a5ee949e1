//! The three time limits of a request, and which one ran out.
//!
//! A request has a connect timeout (per address tried), a read timeout
//! (the longest silence between two reads) and optionally a total timeout
//! (a deadline for the whole exchange, body included). Rather than nesting
//! three `timeout` futures, every wait computes one limit: the smaller of
//! its own timeout and what is left until the deadline. When it runs out
//! we know which of the two it was, so the error can name it; "timed out"
//! alone does not tell a user whether to raise the read timeout or the
//! total one.
//!
//! A total deadline that is enforced only between reads would let a server
//! that trickles one byte every second keep a "10 s total" request alive
//! forever. Here each read is bounded by what is left of the deadline, so
//! the trickle ends on time.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use spool::time::timeout;

use crate::error::{Error, ErrorKind, Result, TimeoutKind};

/// The limits in force for one request, redirects included.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    read: Duration,
    /// The instant the whole request must be done by, and the duration it
    /// came from (for the message).
    total: Option<(Instant, Duration)>,
}

impl Deadlines {
    /// Starts the clock for a request's total timeout.
    pub(crate) fn start(read: Duration, total: Option<Duration>) -> Deadlines {
        Deadlines {
            read,
            total: total.map(|limit| (Instant::now() + limit, limit)),
        }
    }

    /// Runs one read, bounded by the read timeout and the deadline.
    pub(crate) async fn read<T>(&self, read: impl Future<Output = T>) -> Result<T> {
        self.bounded(Some((self.read, TimeoutKind::Read)), read)
            .await
    }

    /// Runs the sending of a request, bounded like a read: a server that
    /// stops taking our bytes is as stuck as one that stops sending its own.
    pub(crate) async fn write<T>(&self, write: impl Future<Output = T>) -> Result<T> {
        self.bounded(Some((self.read, TimeoutKind::Read)), write)
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::Timeout(TimeoutKind::Read) => Error::new(
                    e.kind(),
                    format!(
                        "the server took no request bytes for {} (read timeout, set by ClientBuilder::read_timeout)",
                        Seconds(self.read)
                    ),
                ),
                _ => e,
            })
    }

    /// Runs one connection attempt, bounded by `limit` and the deadline.
    pub(crate) async fn connect<T>(
        &self,
        limit: Duration,
        connect: impl Future<Output = T>,
    ) -> Result<T> {
        self.bounded(Some((limit, TimeoutKind::Connect)), connect)
            .await
    }

    /// Runs `future` bounded by the deadline alone, for waits that are not
    /// reads, such as waiting in line for a pooled connection.
    pub(crate) async fn total<T>(&self, future: impl Future<Output = T>) -> Result<T> {
        self.bounded(None, future).await
    }

    // ANCHOR: bounded
    /// Whichever limit ends first wins, and the error names it: the
    /// operation's own (connect or read) or what is left of the total.
    async fn bounded<T>(
        &self,
        own: Option<(Duration, TimeoutKind)>,
        future: impl Future<Output = T>,
    ) -> Result<T> {
        let left = self
            .total
            .map(|(at, _)| at.saturating_duration_since(Instant::now()));
        let (limit, kind) = match (own, left) {
            (Some((own, kind)), Some(left)) if own < left => (own, kind),
            (_, Some(left)) => (left, TimeoutKind::Total),
            (Some((own, kind)), None) => (own, kind),
            (None, None) => return Ok(future.await),
        };
        timeout(limit, future)
            .await
            .map_err(|_| self.elapsed(kind, limit))
    }
    // ANCHOR_END: bounded

    fn elapsed(&self, kind: TimeoutKind, limit: Duration) -> Error {
        let message = match kind {
            TimeoutKind::Read => format!(
                "no response bytes for {} (read timeout, set by ClientBuilder::read_timeout)",
                Seconds(limit)
            ),
            TimeoutKind::Connect => format!(
                "connection attempt took longer than {} (connect timeout, set by ClientBuilder::connect_timeout)",
                Seconds(limit)
            ),
            TimeoutKind::Total => format!(
                "request did not complete within {} (total timeout, set by ClientBuilder::total_timeout or RequestBuilder::timeout)",
                Seconds(self.total.map_or(limit, |(_, total)| total))
            ),
        };
        Error::new(ErrorKind::Timeout(kind), message)
    }
}

/// A duration the way people write it: `15 s`, `1.5 s`, `250 ms`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms < 1000 {
            write!(f, "{ms} ms")
        } else if ms % 1000 == 0 {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{} s", self.0.as_secs_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(Seconds(Duration::from_secs(15)).to_string(), "15 s");
        assert_eq!(Seconds(Duration::from_millis(1500)).to_string(), "1.5 s");
        assert_eq!(Seconds(Duration::from_millis(250)).to_string(), "250 ms");
    }

    #[test]
    fn the_nearer_limit_wins_and_is_named() {
        spool::block_on(async {
            let never = std::future::pending::<()>();
            let d = Deadlines::start(Duration::from_millis(20), None);
            let err = d.read(never).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Read));
            assert!(
                err.to_string()
                    .starts_with("no response bytes for 20 ms (read timeout")
            );

            let d = Deadlines::start(Duration::from_secs(10), Some(Duration::from_millis(20)));
            let err = d.read(std::future::pending::<()>()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Total));
            assert!(err.to_string().contains("within 20 ms (total timeout"));

            let d = Deadlines::start(Duration::from_secs(10), Some(Duration::from_secs(10)));
            let err = d
                .connect(Duration::from_millis(20), std::future::pending::<()>())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Connect));
            assert_eq!(d.total(async { 7 }).await.unwrap(), 7);
        });
    }
}
