//! `context`: what Rust has instead of `async with`.
//!
//! The tutorial's `AsyncDatabase` awaits in `__aenter__` (connect) and in
//! `__aexit__` (close). Rust's cleanup hook is `Drop`, and `Drop::drop` is a
//! plain function: it cannot `.await`. So cleanup that needs I/O, such as
//! flushing buffered writes before closing, must be an explicit
//! `async fn close(self)` that the caller awaits. `Drop` stays as the safety
//! net: it can notice that `close` was skipped and say so, but it cannot do
//! the asynchronous work itself.
//!
//! Three runs:
//!
//! 1. connect, write, `close().await`: the writes are flushed.
//! 2. the same through `with_session(async |db| ..)`, a helper that plays
//!    `async with` and always awaits `close` after the body.
//! 3. `with_session` cancelled by a timeout mid-body. Cancelling drops the
//!    helper's future where it stands, so its `close().await` never runs:
//!    only `Drop` does, and it logs "closed without flushing". asyncio would
//!    run `__aexit__` here; Rust cannot.
//!
//! The program checks that runs 1 and 2 flushed every write and run 3 lost
//! its one, and exits non-zero otherwise.
//!
//! Run it with `cargo run -p spool --example context`.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use spool::time::{sleep, timeout};

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

static FLUSHED: AtomicUsize = AtomicUsize::new(0);
static LOST: AtomicUsize = AtomicUsize::new(0);

// ANCHOR: session
/// A pretend database session. Writes are buffered and only reach the
/// "server" when [`Session::close`] flushes them.
struct Session {
    buffered: Vec<String>,
    closed: bool,
}

impl Session {
    async fn connect() -> Session {
        say!("  connecting...");
        sleep(Duration::from_millis(50)).await;
        say!("  connected");
        Session {
            buffered: Vec::new(),
            closed: false,
        }
    }

    async fn insert(&mut self, row: &str) {
        sleep(Duration::from_millis(20)).await;
        self.buffered.push(row.to_string());
    }

    /// `__aexit__`: flush, then close. It takes `self`, so a closed session
    /// cannot be used again, and the compiler checks that.
    async fn close(mut self) {
        say!("  flushing {} row(s)...", self.buffered.len());
        sleep(Duration::from_millis(30)).await;
        FLUSHED.fetch_add(self.buffered.len(), Ordering::SeqCst);
        self.buffered.clear();
        self.closed = true;
        say!("  closed");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.closed {
            // We would like to flush here, but that takes an `.await`.
            LOST.fetch_add(self.buffered.len(), Ordering::SeqCst);
            say!(
                "  closed without flushing: {} row(s) lost",
                self.buffered.len()
            );
        }
    }
}
// ANCHOR_END: session

// ANCHOR: with_session
/// `async with Session() as db: body(db)`.
async fn with_session<T>(body: impl AsyncFnOnce(&mut Session) -> T) -> T {
    let mut session = Session::connect().await;
    let output = body(&mut session).await;
    session.close().await;
    output
}
// ANCHOR_END: with_session

fn main() {
    spool::block_on(async {
        say!("1. explicit close:");
        // ANCHOR: explicit
        let mut db = Session::connect().await;
        db.insert("alice").await;
        db.insert("bob").await;
        db.close().await;
        // ANCHOR_END: explicit

        say!("2. with_session:");
        let rows = with_session(async |db| {
            db.insert("carol").await;
            db.buffered.len()
        })
        .await;
        say!("  the body returned {rows}");

        say!("3. with_session, cancelled by a 100 ms timeout:");
        // ANCHOR: cancelled
        let cancelled = timeout(
            Duration::from_millis(100),
            with_session(async |db| {
                db.insert("dave").await;
                sleep(Duration::from_secs(10)).await; // still busy at the deadline
            }),
        )
        .await;
        // ANCHOR_END: cancelled
        let Err(elapsed) = cancelled else {
            panic!("the body cannot finish within the timeout");
        };
        say!("  the caller sees: {elapsed}");
    });

    let (flushed, lost) = (FLUSHED.load(Ordering::SeqCst), LOST.load(Ordering::SeqCst));
    say!("rows flushed: {flushed}, rows lost: {lost}");
    assert_eq!((flushed, lost), (3, 1));
}
