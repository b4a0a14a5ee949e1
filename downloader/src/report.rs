//! What happened to every URL: a JSON report for programs, a summary for people.
//!
//! The tutorial prints how many downloads succeeded and failed once
//! `gather` returns. We keep that summary ([`Report::summary`]) and add a
//! machine-readable report (`--report FILE`), because a batch of thousands
//! of URLs is usually driven by a script that wants to know exactly which
//! ones to try again.
//!
//! Downloads finish in whatever order the network decides, but the report
//! lists them in input order, one entry per input URL, so line 17 of the list
//! is always entry 17 of the report. [`ReportBuilder`] makes that cheap: the
//! driver [enqueues](ReportBuilder::enqueue) each URL as it reads it, getting
//! its slot, and [completes](ReportBuilder::complete) the slot whenever that
//! download ends. A slot still open when the batch stops (the user pressed
//! Ctrl-C, say) is reported as failed with "not attempted", so even an
//! interrupted run accounts for every URL.
//!
//! The JSON shape is fixed; [`Download`] documents each field. `serde_json`
//! writes it, so strings are escaped correctly whatever bytes a URL or an
//! error message holds.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::error::{DownloadError, ErrorKind};

/// How many successes and how many failures [`Report::summary`] lists by
/// name; the rest are counted. The JSON report always has everything.
pub const SUMMARY_LINES: usize = 20;

/// The error recorded for a URL the batch stopped before reaching.
pub const NOT_ATTEMPTED: &str = "not attempted";

/// The outcome of a whole batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Wall-clock time of the whole batch, in milliseconds.
    pub elapsed_ms: u64,
    /// One entry per input URL, in input order.
    pub downloads: Vec<Download>,
}

/// The outcome of one URL, as it appears in the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Download {
    /// The URL as given in the input.
    pub url: String,
    /// Whether the file was saved.
    pub status: Status,
    /// Where the file was saved; `null` for a failure.
    #[serde(serialize_with = "lossy_path")]
    pub path: Option<PathBuf>,
    /// Body bytes written to disk, including any resumed from an earlier run.
    /// A failure may still have written some (kept in the `.part` file).
    pub bytes: u64,
    /// Attempts made, the first included; 0 if the URL was never tried.
    pub attempts: u32,
    /// The status code of the last response, if any arrived.
    pub http_status: Option<u16>,
    /// True when nothing was fetched or written: with `--continue`, the
    /// file was already whole under its final name, left by an earlier
    /// run (the server answered `416` naming exactly its length).
    pub already_complete: bool,
    /// Why the download failed, for people; `null` for a success.
    pub error: Option<String>,
    /// Why the download failed, for programs: one of the names listed at
    /// [`ErrorKind`] (`"timeout"`, `"http_status"`, …); `null` for a success.
    pub error_kind: Option<ErrorKind>,
    /// Time from the first attempt's start to the end, in milliseconds.
    pub elapsed_ms: u64,
}

/// Whether a download succeeded, `"ok"` or `"failed"` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The whole body was saved to [`Download::path`].
    Ok,
    /// See [`Download::error`].
    Failed,
}

/// How one download ended, as the driver tells it to [`ReportBuilder::complete`].
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// The saved file, or why it could not be saved.
    pub result: Result<PathBuf, DownloadError>,
    /// Body bytes on disk at the end.
    pub bytes: u64,
    /// Attempts made.
    pub attempts: u32,
    /// Status code of the last response, if any.
    pub http_status: Option<u16>,
    /// The file was already whole on disk: nothing fetched or written.
    pub already_complete: bool,
    /// Time this download took, retries and waits included.
    pub elapsed: Duration,
}

/// Collects outcomes that arrive in any order into a report in input order.
///
/// # Examples
///
/// ```
/// use spool_dl::error::{DownloadError, ErrorKind};
/// use spool_dl::report::{Finished, ReportBuilder, Status};
/// use std::time::Duration;
///
/// let mut builder = ReportBuilder::new();
/// let first = builder.enqueue("http://x/a");
/// let second = builder.enqueue("http://x/b");
/// builder.complete(second, Finished {
///     result: Err(DownloadError::new(ErrorKind::HttpStatus, "HTTP 404 Not Found")),
///     bytes: 0, attempts: 1, http_status: Some(404), already_complete: false,
///     elapsed: Duration::from_millis(5),
/// });
/// builder.complete(first, Finished {
///     result: Ok("downloads/a".into()),
///     bytes: 10, attempts: 1, http_status: Some(200), already_complete: false,
///     elapsed: Duration::from_millis(9),
/// });
/// let report = builder.finish(Duration::from_millis(12));
/// assert_eq!(report.downloads[0].status, Status::Ok);
/// assert_eq!(report.downloads[1].http_status, Some(404));
/// ```
#[derive(Debug, Default)]
pub struct ReportBuilder {
    /// One slot per enqueued URL; `None` until that download completes.
    slots: Vec<(String, Option<Finished>)>,
}

impl ReportBuilder {
    /// An empty report.
    pub fn new() -> ReportBuilder {
        ReportBuilder::default()
    }

    /// Adds the next input URL and returns its slot, which is its input index.
    pub fn enqueue(&mut self, url: impl Into<String>) -> usize {
        self.slots.push((url.into(), None));
        self.slots.len() - 1
    }

    /// Records how the download in `slot` ended. A second call for the same
    /// slot replaces the first.
    ///
    /// # Panics
    ///
    /// If `slot` was not returned by [`enqueue`](ReportBuilder::enqueue).
    pub fn complete(&mut self, slot: usize, finished: Finished) {
        self.slots[slot].1 = Some(finished);
    }

    /// The report, in input order; open slots become "not attempted" failures.
    pub fn finish(self, elapsed: Duration) -> Report {
        let downloads = self
            .slots
            .into_iter()
            .map(|(url, finished)| match finished {
                Some(done) => Download::new(url, done),
                None => Download {
                    url,
                    status: Status::Failed,
                    path: None,
                    bytes: 0,
                    attempts: 0,
                    http_status: None,
                    already_complete: false,
                    error: Some(NOT_ATTEMPTED.to_owned()),
                    error_kind: Some(ErrorKind::NotAttempted),
                    elapsed_ms: 0,
                },
            })
            .collect();
        Report {
            elapsed_ms: millis(elapsed),
            downloads,
        }
    }
}

impl Download {
    fn new(url: String, done: Finished) -> Download {
        let (status, path, error, error_kind) = match done.result {
            Ok(path) => (Status::Ok, Some(path), None, None),
            Err(e) => {
                let kind = e.kind();
                (
                    Status::Failed,
                    None,
                    Some(e.message().to_owned()),
                    Some(kind),
                )
            }
        };
        Download {
            url,
            status,
            path,
            bytes: done.bytes,
            attempts: done.attempts,
            http_status: done.http_status,
            already_complete: done.already_complete,
            error,
            error_kind,
            elapsed_ms: millis(done.elapsed),
        }
    }
}

impl Report {
    /// Writes the report as pretty-printed JSON followed by a newline.
    pub fn write_json(&self, mut out: impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// The report as a JSON string, pretty-printed.
    pub fn to_json(&self) -> String {
        // Serialising plain structs with string keys into memory cannot fail;
        // paths that are not UTF-8 are written lossily by `lossy_path`.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The number of downloads that succeeded.
    pub fn succeeded(&self) -> usize {
        self.downloads
            .iter()
            .filter(|d| d.status == Status::Ok)
            .count()
    }

    /// Whether any download failed; the binary exits non-zero if so.
    pub fn any_failed(&self) -> bool {
        self.succeeded() < self.downloads.len()
    }

    /// A summary for people: totals, then the files saved with their sizes,
    /// then the failures with their reasons.
    ///
    /// Each list shows at most [`SUMMARY_LINES`] entries and counts the rest,
    /// so a batch of 100,000 URLs still ends with a screenful, not a scroll.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_dl::report::{Download, Report, Status};
    ///
    /// let report = Report {
    ///     elapsed_ms: 1500,
    ///     downloads: vec![Download {
    ///         url: "http://x/a.bin".into(), status: Status::Ok,
    ///         path: Some("downloads/a.bin".into()), bytes: 1_258_291,
    ///         attempts: 1, http_status: Some(200), already_complete: false,
    ///         error: None, error_kind: None,
    ///         elapsed_ms: 1400,
    ///     }],
    /// };
    /// assert_eq!(
    ///     report.summary(),
    ///     "Downloaded 1 of 1 files (1.2 MiB) in 1.50 s\n  ok      downloads/a.bin (1.2 MiB)\n",
    /// );
    /// ```
    pub fn summary(&self) -> String {
        let ok: Vec<&Download> = self
            .downloads
            .iter()
            .filter(|d| d.status == Status::Ok)
            .collect();
        let failed: Vec<&Download> = self
            .downloads
            .iter()
            .filter(|d| d.status == Status::Failed)
            .collect();
        let total_bytes: u64 = ok.iter().map(|d| d.bytes).sum();

        let mut out = String::new();
        // Writing into a String cannot fail, so the fmt::Results are dropped.
        let _ = writeln!(
            out,
            "Downloaded {} of {} files ({}) in {}",
            ok.len(),
            self.downloads.len(),
            human_bytes(total_bytes),
            human_duration(self.elapsed_ms),
        );
        for d in ok.iter().take(SUMMARY_LINES) {
            let path = d.path.as_deref().unwrap_or(Path::new("?"));
            let already = if d.already_complete {
                ", already complete"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  ok      {} ({}{already})",
                path.display(),
                human_bytes(d.bytes)
            );
        }
        more(&mut out, ok.len());
        for d in failed.iter().take(SUMMARY_LINES) {
            let reason = d.error.as_deref().unwrap_or("unknown error");
            let tries = match d.attempts {
                0 | 1 => String::new(),
                n => format!(" after {n} attempts"),
            };
            let _ = writeln!(out, "  failed  {}: {reason}{tries}", d.url);
        }
        more(&mut out, failed.len());
        out
    }
}

/// The "… and N more" line for a list cut at [`SUMMARY_LINES`].
fn more(out: &mut String, count: usize) {
    if count > SUMMARY_LINES {
        let _ = writeln!(out, "          … and {} more", count - SUMMARY_LINES);
    }
}

/// A byte count in binary units with one decimal: `512 B`, `1.2 MiB`.
///
/// # Examples
///
/// ```
/// use spool_dl::report::human_bytes;
///
/// assert_eq!(human_bytes(512), "512 B");
/// assert_eq!(human_bytes(1536), "1.5 KiB");
/// assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
/// ```
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Move up while the value would print as 1024.0 or more.
    while value >= 1023.95 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Milliseconds for people: `850 ms`, `2.31 s`, `3 min 05 s`.
fn human_duration(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms} ms"),
        // Truncated, not rounded, so 59,999 ms cannot print as "60.00 s".
        1000..60_000 => format!("{}.{:02} s", ms / 1000, ms % 1000 / 10),
        _ => format!("{} min {:02} s", ms / 60_000, ms % 60_000 / 1000),
    }
}

/// Whole milliseconds, saturating: a report field, not a precise clock.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Paths as JSON strings even when they are not UTF-8, which serde's own
/// impl refuses.
fn lossy_path<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => s.serialize_str(&p.to_string_lossy()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn ok(path: &str, bytes: u64) -> Finished {
        Finished {
            result: Ok(path.into()),
            bytes,
            attempts: 1,
            http_status: Some(200),
            already_complete: false,
            elapsed: Duration::from_millis(40),
        }
    }

    fn failed(kind: ErrorKind, reason: &str, attempts: u32, http_status: Option<u16>) -> Finished {
        Finished {
            result: Err(DownloadError::new(kind, reason)),
            bytes: 0,
            attempts,
            http_status,
            already_complete: false,
            elapsed: Duration::from_millis(7),
        }
    }

    #[test]
    fn json_has_the_documented_shape() {
        let mut builder = ReportBuilder::new();
        let a = builder.enqueue("http://x/a");
        let b = builder.enqueue("http://x/b");
        builder.complete(a, ok("out/a", 3));
        builder.complete(
            b,
            failed(
                ErrorKind::HttpStatus,
                "HTTP 503 Service Unavailable",
                3,
                Some(503),
            ),
        );
        let report = builder.finish(Duration::from_millis(1234));

        let value: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(
            value,
            json!({
                "elapsed_ms": 1234,
                "downloads": [
                    {"url": "http://x/a", "status": "ok", "path": "out/a", "bytes": 3,
                     "attempts": 1, "http_status": 200, "already_complete": false,
                     "error": null, "error_kind": null, "elapsed_ms": 40},
                    {"url": "http://x/b", "status": "failed", "path": null, "bytes": 0,
                     "attempts": 3, "http_status": 503, "already_complete": false,
                     "error": "HTTP 503 Service Unavailable", "error_kind": "http_status",
                     "elapsed_ms": 7},
                ]
            })
        );
    }

    #[test]
    fn every_error_kind_has_its_documented_json_name() {
        use crate::error::Limit;
        let table = [
            (ErrorKind::InvalidUrl, "invalid_url"),
            (ErrorKind::Connect, "connect"),
            (ErrorKind::Timeout(Limit::Attempt), "timeout"),
            (ErrorKind::Timeout(Limit::Connect), "timeout"),
            (ErrorKind::Timeout(Limit::Read), "timeout"),
            (ErrorKind::Tls, "tls"),
            (ErrorKind::Protocol, "protocol"),
            (ErrorKind::Connection, "connection"),
            (ErrorKind::HttpStatus, "http_status"),
            (ErrorKind::Proxy, "proxy"),
            (ErrorKind::Redirect, "redirect"),
            (ErrorKind::Io, "io"),
            (ErrorKind::NotAttempted, "not_attempted"),
        ];
        let mut builder = ReportBuilder::new();
        for (kind, _) in table {
            let slot = builder.enqueue("http://x/");
            builder.complete(slot, failed(kind, "why", 1, None));
        }
        let value: Value = serde_json::from_str(&builder.finish(Duration::ZERO).to_json()).unwrap();
        for (i, (kind, name)) in table.iter().enumerate() {
            assert_eq!(value["downloads"][i]["error_kind"], *name, "{kind:?}");
            assert_eq!(value["downloads"][i]["error"], "why");
        }
    }

    #[test]
    fn completion_order_does_not_change_report_order() {
        let mut builder = ReportBuilder::new();
        let slots: Vec<usize> = (0..5)
            .map(|i| builder.enqueue(format!("http://x/{i}")))
            .collect();
        assert_eq!(slots, [0, 1, 2, 3, 4]);
        for &slot in slots.iter().rev() {
            builder.complete(slot, ok(&format!("out/{slot}"), slot as u64));
        }
        let report = builder.finish(Duration::ZERO);
        let urls: Vec<&str> = report.downloads.iter().map(|d| d.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://x/0",
                "http://x/1",
                "http://x/2",
                "http://x/3",
                "http://x/4"
            ]
        );
        let bytes: Vec<u64> = report.downloads.iter().map(|d| d.bytes).collect();
        assert_eq!(bytes, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn unfinished_slots_are_reported_as_not_attempted() {
        let mut builder = ReportBuilder::new();
        builder.enqueue("http://x/done");
        let done = 0;
        builder.enqueue("http://x/never");
        builder.complete(done, ok("out/done", 1));
        let report = builder.finish(Duration::ZERO);
        let never = &report.downloads[1];
        assert_eq!(never.status, Status::Failed);
        assert_eq!(never.error.as_deref(), Some(NOT_ATTEMPTED));
        assert_eq!(never.error_kind, Some(ErrorKind::NotAttempted));
        assert_eq!(never.attempts, 0);
        assert!(report.any_failed());
        assert_eq!(report.succeeded(), 1);
    }

    #[test]
    fn a_second_completion_replaces_the_first() {
        let mut builder = ReportBuilder::new();
        let slot = builder.enqueue("http://x/a");
        builder.complete(slot, failed(ErrorKind::Connection, "reset", 1, None));
        builder.complete(slot, ok("out/a", 9));
        assert_eq!(
            builder.finish(Duration::ZERO).downloads[0].status,
            Status::Ok
        );
    }

    #[test]
    #[should_panic]
    fn completing_an_unknown_slot_panics() {
        ReportBuilder::new().complete(0, ok("x", 0));
    }

    #[test]
    fn empty_batch() {
        let report = ReportBuilder::new().finish(Duration::from_millis(3));
        let value: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(value, json!({"elapsed_ms": 3, "downloads": []}));
        assert!(!report.any_failed());
        assert_eq!(report.summary(), "Downloaded 0 of 0 files (0 B) in 3 ms\n");
    }

    #[test]
    fn hostile_strings_are_escaped_in_json() {
        let mut builder = ReportBuilder::new();
        let slot = builder.enqueue("http://x/\"quoted\"\n\u{0}");
        builder.complete(
            slot,
            failed(ErrorKind::Protocol, "bad \\ thing \u{1b}[31m", 1, None),
        );
        let report = builder.finish(Duration::ZERO);
        let value: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(value["downloads"][0]["url"], "http://x/\"quoted\"\n\u{0}");
        assert_eq!(value["downloads"][0]["error"], "bad \\ thing \u{1b}[31m");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_are_written_lossily() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let mut builder = ReportBuilder::new();
        let slot = builder.enqueue("http://x/a");
        let path = Path::new(OsStr::from_bytes(b"out/\xFF.bin"));
        builder.complete(
            slot,
            Finished {
                result: Ok(path.to_path_buf()),
                ..ok("", 1)
            },
        );
        let value: Value = serde_json::from_str(&builder.finish(Duration::ZERO).to_json()).unwrap();
        assert_eq!(value["downloads"][0]["path"], "out/\u{FFFD}.bin");
    }

    #[test]
    fn write_json_matches_to_json_and_ends_with_a_newline() {
        let mut builder = ReportBuilder::new();
        let slot = builder.enqueue("http://x/a");
        builder.complete(slot, ok("out/a", 1));
        let report = builder.finish(Duration::from_millis(2));
        let mut written = Vec::new();
        report.write_json(&mut written).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), report.to_json() + "\n");
    }

    #[test]
    fn write_json_reports_io_errors() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let report = ReportBuilder::new().finish(Duration::ZERO);
        let err = report.write_json(Full).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn summary_lists_successes_with_sizes_and_failures_with_reasons() {
        let mut builder = ReportBuilder::new();
        let a = builder.enqueue("http://x/a.iso");
        let b = builder.enqueue("http://x/missing");
        let c = builder.enqueue("http://x/flaky");
        let d = builder.enqueue("http://x/b.txt");
        builder.complete(a, ok("downloads/a.iso", 3 * 1024 * 1024 * 1024 / 2));
        builder.complete(
            b,
            failed(ErrorKind::HttpStatus, "HTTP 404 Not Found", 1, Some(404)),
        );
        builder.complete(
            c,
            failed(ErrorKind::Connection, "connection reset", 3, None),
        );
        builder.complete(d, ok("downloads/b.txt", 900));
        let report = builder.finish(Duration::from_millis(65_432));
        assert_eq!(
            report.summary(),
            "Downloaded 2 of 4 files (1.5 GiB) in 1 min 05 s\n\
             \x20 ok      downloads/a.iso (1.5 GiB)\n\
             \x20 ok      downloads/b.txt (900 B)\n\
             \x20 failed  http://x/missing: HTTP 404 Not Found\n\
             \x20 failed  http://x/flaky: connection reset after 3 attempts\n"
        );
    }

    #[test]
    fn summary_is_bounded_for_huge_batches() {
        let mut builder = ReportBuilder::new();
        for i in 0..1000 {
            let slot = builder.enqueue(format!("http://x/{i}"));
            if i % 2 == 0 {
                builder.complete(slot, ok(&format!("out/{i}"), 1));
            }
        }
        let summary = builder.finish(Duration::from_secs(2)).summary();
        assert_eq!(
            summary.lines().count(),
            1 + SUMMARY_LINES + 1 + SUMMARY_LINES + 1
        );
        assert!(summary.contains("… and 480 more\n"));
        assert!(summary.contains("http://x/1: not attempted\n"));
        assert!(summary.starts_with("Downloaded 500 of 1000 files (500 B) in 2.00 s\n"));
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(1_258_291), "1.2 MiB");
        assert_eq!(human_bytes(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(human_bytes(1024 * 1024 - 52), "1023.9 KiB");
        assert_eq!(human_bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(0), "0 ms");
        assert_eq!(human_duration(999), "999 ms");
        assert_eq!(human_duration(1000), "1.00 s");
        assert_eq!(human_duration(2_318), "2.31 s");
        assert_eq!(human_duration(59_999), "59.99 s");
        assert_eq!(human_duration(60_000), "1 min 00 s");
        assert_eq!(human_duration(3_725_000), "62 min 05 s");
    }

    #[test]
    fn millis_saturates() {
        assert_eq!(millis(Duration::from_micros(2500)), 2);
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }
}
