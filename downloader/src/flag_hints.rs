//! The command's names for the library's limits.
//!
//! The library says which limit ran out ("the read timeout ran out"); it
//! knows nothing of flags. The command knows which flag sets that limit and
//! adds it, in the live display and in the report, so the user sees what to
//! change: `… the read timeout ran out (--read-timeout)`.

use spool_dl::error::{DownloadError, ErrorKind, Limit};
use spool_dl::progress::{Event, Progress};
use spool_dl::report::{Finished, Report};

/// The flag that sets the limit behind `kind`, if there is one.
fn flag_for(kind: ErrorKind) -> Option<&'static str> {
    match kind {
        ErrorKind::Timeout(Limit::Attempt) => Some("--timeout"),
        ErrorKind::Timeout(Limit::Connect) => Some("--connect-timeout"),
        ErrorKind::Timeout(Limit::Read) => Some("--read-timeout"),
        _ => None,
    }
}

/// `message` followed by the flag behind `kind`, if any.
fn with_flag(kind: ErrorKind, message: &str) -> String {
    match flag_for(kind) {
        Some(flag) => format!("{message} ({flag})"),
        None => message.to_owned(),
    }
}

fn hinted(error: &DownloadError) -> DownloadError {
    DownloadError::new(error.kind(), with_flag(error.kind(), error.message()))
}

/// Descriptors a download may hold at once: its `.part` file, one
/// connection per segment, and one more while a digest is read back.
fn descriptors_per_download(split: usize) -> u64 {
    split as u64 + 2
}

/// Descriptors the command holds whatever `-j` is: standard streams, the
/// event loop's, the list file, the report, some to spare.
const DESCRIPTORS_BESIDE_DOWNLOADS: u64 = 16;

/// A note for start-up when `-j` (`concurrency`, each download split over
/// `split` connections) may need more descriptors than the process may
/// hold (`limit`, `ulimit -n`). The batch still works (downloads that run
/// out wait for others, see `spool_dl::descriptors`), but fewer run at once
/// than asked, and the user should know why and what to change.
pub fn descriptor_note(concurrency: usize, split: usize, limit: Option<u64>) -> Option<String> {
    let limit = limit?;
    let needed =
        concurrency as u64 * descriptors_per_download(split) + DESCRIPTORS_BESIDE_DOWNLOADS;
    (needed > limit).then(|| {
        format!(
            "note: -j {concurrency} may need about {needed} open files, but the limit is {limit} (ulimit -n); downloads will wait for each other's files, so fewer run at once: raise ulimit -n or lower -j"
        )
    })
}

/// Adds the flag to every failure in `report` that one could change.
pub fn add_to_report(report: &mut Report) {
    for download in &mut report.downloads {
        if let (Some(kind), Some(message)) = (download.error_kind, &mut download.error) {
            *message = with_flag(kind, message);
        }
    }
}

/// A display that shows failures with their flags.
#[derive(Debug)]
pub struct WithFlags<P>(pub P);

impl<P: Progress> Progress for WithFlags<P> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Retrying {
                index,
                url,
                attempt,
                delay,
                reason,
            } => self.0.event(Event::Retrying {
                index,
                url,
                attempt,
                delay,
                reason: &hinted(reason),
            }),
            Event::Finished {
                index,
                url,
                outcome,
            } if outcome.result.is_err() => {
                let outcome = Finished {
                    result: outcome.result.as_ref().map_err(hinted).cloned(),
                    ..outcome.clone()
                };
                self.0.event(Event::Finished {
                    index,
                    url,
                    outcome: &outcome,
                })
            }
            other => self.0.event(other),
        }
    }

    fn finish(&mut self) {
        self.0.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_only_when_j_may_need_more_files_than_the_limit() {
        assert_eq!(descriptor_note(200, 1, None), None);
        assert_eq!(descriptor_note(16, 1, Some(1024)), None);
        // 100 × 3 + 16 = 316 fit in 1024; 400 × 3 + 16 do not.
        assert_eq!(descriptor_note(100, 1, Some(1024)), None);
        let note = descriptor_note(400, 1, Some(1024)).unwrap();
        assert!(note.contains("-j 400") && note.contains("1024"), "{note}");
        assert!(
            note.contains("ulimit -n") && note.contains("lower -j"),
            "{note}"
        );
        // Splitting needs a connection per segment.
        assert_eq!(descriptor_note(100, 1, Some(400)), None);
        assert!(descriptor_note(100, 4, Some(400)).is_some());
    }

    #[test]
    fn each_limit_is_named_by_its_flag_and_other_failures_are_left_alone() {
        let table = [
            (ErrorKind::Timeout(Limit::Attempt), "m (--timeout)"),
            (ErrorKind::Timeout(Limit::Connect), "m (--connect-timeout)"),
            (ErrorKind::Timeout(Limit::Read), "m (--read-timeout)"),
            (ErrorKind::HttpStatus, "m"),
            (ErrorKind::Connection, "m"),
        ];
        for (kind, shown) in table {
            assert_eq!(hinted(&DownloadError::new(kind, "m")).message(), shown);
        }
    }
}
