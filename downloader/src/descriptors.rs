//! Back-pressure on file descriptors: what a download does when the
//! process has run out of them.
//!
//! Every download holds a descriptor or two while it runs: its `.part`
//! file and a connection (more when it is split). `-j 200` under
//! `ulimit -n 64` asks for more than the process may hold, and opening a
//! socket or a file then fails with `EMFILE` ("Too many open files"; or
//! `ENFILE` when the whole system is out). That failure says nothing about
//! the URL: the same download goes through as soon as another one closes
//! its files. So a download that meets it does not fail and does not spend
//! a retry. It parks, in line, until another download of the batch
//! finishes (closing its file and closing or pooling its connection), and
//! then tries again. Downloads not yet started queue behind the parked
//! ones. The batch runs as many downloads at once as the limit allows:
//! `-j` lowered by the limit, not by a guess.
//!
//! It never spins (each try again needs another download to have finished)
//! and never hangs: a download parks only while some other download is
//! running, and every download that finishes wakes the next parked one.
//! When nothing else is running, no descriptor can come free, and the
//! download fails with an error that names the limit and what to do.
//!
//! We do not clamp `-j` from the limit up front: what a download needs
//! depends on splitting, pooled connections and the moment (a digest
//! being read back holds one more), so any clamp is a guess, and the
//! back-pressure is exact. The command only notes at start-up when `-j`
//! looks too high for the limit ([`open_files_limit`]). tokio has no such
//! policy: an `EMFILE` from its sockets and files reaches the application
//! as an ordinary `io::Error`, and what to do is left to each program.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Poll, Waker};

use crate::error::{DownloadError, ErrorKind};

/// The downloads of one batch, as users of file descriptors.
#[derive(Debug, Default)]
pub(crate) struct Descriptors {
    /// Downloads started and not yet finished, parked ones included.
    running: Cell<usize>,
    /// Downloads parked until another finishes, oldest first. An entry
    /// whose future was dropped stays in line, marked, and is skipped.
    parked: RefCell<VecDeque<Rc<Parked>>>,
    /// Entries of `parked` not yet woken nor dropped.
    waiting: Cell<usize>,
}

/// One parked download.
#[derive(Debug, Default)]
struct Parked {
    /// Set by the download that finished for it: go and try again.
    woken: Cell<bool>,
    /// Set when the parked future was dropped before it was woken.
    gone: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// A running download; dropping it (the download finished, one way or the
/// other) wakes the next parked download.
#[derive(Debug)]
pub(crate) struct Running<'a> {
    descriptors: &'a Descriptors,
}

impl Descriptors {
    /// Starts a download, after every download already parked: a new one
    /// must not take the descriptors a parked one is waiting for.
    pub(crate) async fn start(&self) -> Running<'_> {
        self.running.set(self.running.get() + 1);
        let running = Running { descriptors: self };
        if self.waiting.get() > 0 {
            // Someone is parked, so by the rule of `park` someone else is
            // running, and its finish will come round to us.
            self.park().await;
        }
        running
    }

    /// Parks until a running download finishes and wakes this one.
    async fn park(&self) {
        let parked = Rc::new(Parked::default());
        self.parked.borrow_mut().push_back(parked.clone());
        self.waiting.set(self.waiting.get() + 1);
        let unpark = Unpark {
            descriptors: self,
            parked: &parked,
        };
        poll_fn(|cx| {
            if parked.woken.get() {
                return Poll::Ready(());
            }
            *parked.waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
        drop(unpark);
    }

    /// Wakes the oldest parked download that is still there, if any.
    fn wake_one(&self) {
        loop {
            let Some(parked) = self.parked.borrow_mut().pop_front() else {
                return;
            };
            if parked.gone.get() {
                continue;
            }
            parked.woken.set(true);
            self.waiting.set(self.waiting.get() - 1);
            if let Some(waker) = parked.waker.borrow_mut().take() {
                waker.wake();
            }
            return;
        }
    }
}

/// Takes a parked download out of the count if its future is dropped
/// before it is woken (once woken, the waker has already done so).
struct Unpark<'a> {
    descriptors: &'a Descriptors,
    parked: &'a Parked,
}

impl Drop for Unpark<'_> {
    fn drop(&mut self) {
        if !self.parked.woken.get() {
            self.parked.gone.set(true);
            let waiting = &self.descriptors.waiting;
            waiting.set(waiting.get() - 1);
        }
    }
}

// ANCHOR: wait_for_release
impl Running<'_> {
    /// Waits for another download to finish and free its descriptors,
    /// after this one ran out (`cause`). Fails, with an error that names
    /// the limit, when no other download is running: none can free one.
    pub(crate) async fn wait_for_release(
        &self,
        cause: &DownloadError,
    ) -> Result<(), DownloadError> {
        let d = self.descriptors;
        let others = d.running.get() - d.waiting.get() - 1;
        if others == 0 {
            return Err(out_of_descriptors(cause));
        }
        d.park().await;
        Ok(())
    }
}
// ANCHOR_END: wait_for_release

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let running = &self.descriptors.running;
        running.set(running.get() - 1);
        self.descriptors.wake_one();
    }
}

/// Whether `error` is the process (`EMFILE`) or the system (`ENFILE`)
/// running out of file descriptors.
pub(crate) fn is_out_of_descriptors(error: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// Whether `error`, or an error it was caused by, is
/// [out of descriptors](is_out_of_descriptors).
pub(crate) fn caused_by_out_of_descriptors(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error
            .downcast_ref::<io::Error>()
            .is_some_and(is_out_of_descriptors)
        {
            return true;
        }
        next = error.source();
    }
    false
}

/// The error for a download that ran out of descriptors with nothing else
/// running to free one.
fn out_of_descriptors(cause: &DownloadError) -> DownloadError {
    let limit = match open_files_limit() {
        Some(limit) => format!("its limit of {limit} open files"),
        None => "its limit of open files".to_owned(),
    };
    DownloadError::new(
        ErrorKind::Io,
        format!(
            "{}: the process reached {limit} and no other download was running to free one; raise the limit (ulimit -n) or run fewer downloads at once",
            cause.message()
        ),
    )
}

/// The process's soft limit on open files (`RLIMIT_NOFILE`, what
/// `ulimit -n` shows), on Linux; `None` elsewhere or when unlimited. Asked
/// with `getrlimit` (through rustix) rather than read from
/// `/proc/self/limits`, since reading a file needs a descriptor, and the
/// error that names this limit is made when none is left.
pub fn open_files_limit() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{Resource, getrlimit};
        getrlimit(Resource::Nofile).current
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(d: &Descriptors) -> (usize, usize) {
        (d.running.get(), d.waiting.get())
    }

    #[test]
    fn the_last_running_download_fails_instead_of_parking() {
        spool::block_on(async {
            let d = Descriptors::default();
            let only = d.start().await;
            let cause = DownloadError::new(ErrorKind::Connect, "Too many open files (os error 24)");
            let error = only.wait_for_release(&cause).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Io);
            assert!(
                error.message().starts_with("Too many open files"),
                "{error}"
            );
            assert!(error.message().contains("ulimit -n"), "{error}");
            assert_eq!(counts(&d), (1, 0));
        });
    }

    #[test]
    fn a_parked_download_goes_on_when_another_finishes_and_new_ones_queue_behind() {
        spool::block_on(async {
            let d = Rc::new(Descriptors::default());
            let log = Rc::new(RefCell::new(Vec::new()));
            let first = d.start().await;
            let cause = DownloadError::new(ErrorKind::Connect, "EMFILE");
            let parked = spool::spawn({
                let (d, log, cause) = (d.clone(), log.clone(), cause.clone());
                async move {
                    let second = d.start().await;
                    log.borrow_mut().push("second parks");
                    second.wait_for_release(&cause).await.unwrap();
                    log.borrow_mut().push("second goes on");
                }
            });
            spool::yield_now().await;
            assert_eq!(counts(&d), (2, 1));
            let newcomer = spool::spawn({
                let (d, log) = (d.clone(), log.clone());
                async move {
                    let _third = d.start().await;
                    log.borrow_mut().push("third starts");
                }
            });
            spool::yield_now().await;
            assert_eq!(counts(&d), (3, 2), "the third queues behind the second");
            drop(first);
            parked.await.unwrap();
            newcomer.await.unwrap();
            assert_eq!(
                *log.borrow(),
                ["second parks", "second goes on", "third starts"]
            );
            assert_eq!(counts(&d), (0, 0));
        });
    }

    #[test]
    fn a_dropped_parked_download_is_skipped_and_uncounted() {
        spool::block_on(async {
            let d = Rc::new(Descriptors::default());
            let first = d.start().await;
            let cause = DownloadError::new(ErrorKind::Connect, "EMFILE");
            let second = d.start().await;
            {
                let parked = std::pin::pin!(second.wait_for_release(&cause));
                let polled = spool::time::timeout(std::time::Duration::ZERO, parked).await;
                assert!(polled.is_err(), "still parked");
            }
            assert_eq!(counts(&d), (2, 0));
            drop(second);
            drop(first);
            assert_eq!(counts(&d), (0, 0));
            assert!(d.parked.borrow().is_empty());
        });
    }
}
