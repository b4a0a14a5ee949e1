//! Progress: events from the downloader, and the displays that show them.
//!
//! The downloader does not print. It reports [`Event`]s to whatever the
//! caller passes in, so a library user can log them, a test can record
//! them, and the command picks a display:
//!
//! - on a terminal, [`Bars`]: an overall bar (files, bytes, speed, ETA) and
//!   one line per active download, redrawn in place by `indicatif`;
//! - otherwise (a pipe, a CI log), [`Lines`]: one line per finished file;
//! - with `-q`, nothing.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::DownloadError;
use crate::report::{Finished, human_bytes};

/// Something that happened to one download, identified by its input index.
#[derive(Debug)]
pub enum Event<'a> {
    /// A response arrived and its body is about to be written.
    Started {
        /// Position in the input.
        index: usize,
        /// The file name being written.
        name: &'a str,
        /// Body size, if the server announced it (resumed bytes included).
        total: Option<u64>,
        /// Bytes already on disk from an earlier attempt or run.
        resumed_from: u64,
    },
    /// More of the body was written.
    Progress {
        /// Position in the input.
        index: usize,
        /// Bytes newly written.
        delta: u64,
    },
    /// An attempt failed and another will follow after `delay`.
    Retrying {
        /// Position in the input.
        index: usize,
        /// The URL.
        url: &'a str,
        /// The attempt that failed (1 for the first).
        attempt: u32,
        /// The wait before the next attempt.
        delay: Duration,
        /// Why it failed.
        reason: &'a DownloadError,
    },
    /// The download is over, one way or the other.
    Finished {
        /// Position in the input.
        index: usize,
        /// The URL.
        url: &'a str,
        /// The outcome, as it goes into the report.
        outcome: &'a Finished,
    },
}

// ANCHOR: progress
/// Receives the downloader's events.
pub trait Progress {
    /// Called for every event, on the downloader's thread.
    fn event(&mut self, event: Event<'_>);

    /// Called once the batch is over, before the summary is printed.
    fn finish(&mut self) {}
}
// ANCHOR_END: progress

/// Shows nothing (`-q`).
#[derive(Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn event(&mut self, _: Event<'_>) {}
}

/// One line per finished file, for logs and pipes.
#[derive(Debug)]
pub struct Lines<W: Write> {
    out: W,
}

impl<W: Write> Lines<W> {
    /// Writes lines to `out` (the command uses stderr).
    pub fn new(out: W) -> Lines<W> {
        Lines { out }
    }
}

impl<W: Write> Progress for Lines<W> {
    fn event(&mut self, event: Event<'_>) {
        // A log that cannot be written to is not worth failing a download over.
        let _ = match event {
            Event::Finished { url, outcome, .. } => match &outcome.result {
                Ok(path) => writeln!(
                    self.out,
                    "ok      {} ({}{})",
                    path.display(),
                    human_bytes(outcome.bytes),
                    if outcome.already_complete {
                        ", already complete"
                    } else {
                        ""
                    }
                ),
                Err(reason) => writeln!(self.out, "failed  {url}: {reason}"),
            },
            Event::Retrying {
                url,
                attempt,
                delay,
                reason,
                ..
            } => writeln!(
                self.out,
                "retry   {url}: attempt {attempt} failed ({reason}); next in {:.1} s",
                delay.as_secs_f64()
            ),
            _ => Ok(()),
        };
    }
}

/// Live bars for a terminal: one overall line, and one line per download
/// slot (`-j` of them), reused as downloads come and go.
///
/// Reusing a fixed set of lines, rather than adding and removing a bar per
/// download, keeps the display steady: with hundreds of short downloads a
/// bar per file means constant insertions and removals mid-screen, and
/// those leave stale lines behind in some terminals.
#[derive(Debug)]
pub struct Bars {
    overall: ProgressBar,
    /// One line per download slot.
    slots: Vec<ProgressBar>,
    /// Which slot shows which download (by input index).
    shown: HashMap<usize, usize>,
    files_done: u64,
    bytes_done: u64,
    /// Kept alive for as long as the bars draw.
    _multi: MultiProgress,
}

impl Bars {
    /// Draws on stderr. `files` is the number of URLs if known in advance
    /// (a streamed list is not counted first, so the overall bar then shows
    /// counts without a percentage); `slots` is the concurrency.
    pub fn new(files: Option<u64>, slots: usize) -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        let overall = match files {
            Some(n) => ProgressBar::new(n).with_style(style(
                "{elapsed_precise} [{bar:30}] {pos}/{len} files {msg} eta {eta}",
            )),
            None => ProgressBar::no_length()
                .with_style(style("{elapsed_precise} {spinner} {pos} files {msg}")),
        };
        let overall = multi.add(overall);
        overall.enable_steady_tick(Duration::from_millis(200));
        let slots = (0..slots.clamp(1, MAX_SLOT_LINES))
            .map(|_| multi.add(ProgressBar::hidden().with_style(style(IDLE))))
            .collect();
        Bars {
            overall,
            slots,
            shown: HashMap::new(),
            files_done: 0,
            bytes_done: 0,
            _multi: multi,
        }
    }

    /// A free line for download `index`, if any is free (with more slots
    /// than lines, the extra downloads show only in the overall bar).
    fn claim(&mut self, index: usize) -> Option<&ProgressBar> {
        if !self.shown.contains_key(&index) {
            let busy: Vec<usize> = self.shown.values().copied().collect();
            let free = (0..self.slots.len()).find(|slot| !busy.contains(slot))?;
            self.shown.insert(index, free);
        }
        self.shown.get(&index).map(|&slot| &self.slots[slot])
    }

    fn release(&mut self, index: usize) {
        if let Some(slot) = self.shown.remove(&index) {
            let bar = &self.slots[slot];
            bar.set_style(style(IDLE));
            bar.set_prefix("");
            bar.set_length(0);
            bar.set_position(0);
        }
    }

    fn refresh_overall(&self) {
        let secs = self.overall.elapsed().as_secs_f64().max(0.001);
        self.overall.set_message(format!(
            "{} at {}/s",
            human_bytes(self.bytes_done),
            human_bytes((self.bytes_done as f64 / secs) as u64)
        ));
    }
}

/// More download lines than this would not fit a terminal anyway.
const MAX_SLOT_LINES: usize = 16;
const IDLE: &str = "  -";
const SIZED: &str = "  {prefix:30!} [{bar:20}] {bytes}/{total_bytes} {bytes_per_sec}";
const UNSIZED: &str = "  {prefix:30!} {bytes} {bytes_per_sec}";

impl Progress for Bars {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Started {
                index,
                name,
                total,
                resumed_from,
            } => {
                if let Some(bar) = self.claim(index) {
                    bar.set_style(style(if total.is_some() { SIZED } else { UNSIZED }));
                    bar.set_length(total.unwrap_or(0));
                    bar.set_prefix(name.to_string());
                    bar.reset();
                    bar.set_position(resumed_from);
                }
            }
            Event::Progress { index, delta } => {
                self.bytes_done += delta;
                if let Some(&slot) = self.shown.get(&index) {
                    self.slots[slot].inc(delta);
                }
                self.refresh_overall();
            }
            Event::Retrying {
                url,
                attempt,
                delay,
                reason,
                index,
            } => {
                self.release(index);
                self.overall.println(format!(
                    "retry   {url}: attempt {attempt} failed ({reason}); next in {:.1} s",
                    delay.as_secs_f64()
                ));
            }
            Event::Finished {
                index,
                url,
                outcome,
            } => {
                self.release(index);
                self.files_done += 1;
                self.overall.set_position(self.files_done);
                self.refresh_overall();
                if let Err(reason) = &outcome.result {
                    self.overall.println(format!("failed  {url}: {reason}"));
                }
            }
        }
    }

    fn finish(&mut self) {
        for bar in &self.slots {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    // The templates are fixed strings checked by the tests below.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind::HttpStatus;
    use std::path::PathBuf;

    #[test]
    fn lines_print_one_line_per_finished_file_and_retries() {
        let mut out = Vec::new();
        let mut lines = Lines::new(&mut out);
        let ok = Finished {
            result: Ok(PathBuf::from("downloads/a.bin")),
            bytes: 2048,
            attempts: 1,
            http_status: Some(200),
            already_complete: false,
            elapsed: Duration::from_millis(3),
        };
        let failed = Finished {
            result: Err(DownloadError::new(HttpStatus, "HTTP 404 Not Found")),
            ..ok.clone()
        };
        lines.event(Event::Started {
            index: 0,
            name: "a.bin",
            total: Some(2048),
            resumed_from: 0,
        });
        lines.event(Event::Progress {
            index: 0,
            delta: 2048,
        });
        lines.event(Event::Finished {
            index: 0,
            url: "http://x/a.bin",
            outcome: &ok,
        });
        lines.event(Event::Retrying {
            index: 1,
            url: "http://x/b",
            attempt: 1,
            delay: Duration::from_millis(1500),
            reason: &DownloadError::new(HttpStatus, "HTTP 503"),
        });
        lines.event(Event::Finished {
            index: 1,
            url: "http://x/b",
            outcome: &failed,
        });
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok      downloads/a.bin (2.0 KiB)\n\
             retry   http://x/b: attempt 1 failed (HTTP 503); next in 1.5 s\n\
             failed  http://x/b: HTTP 404 Not Found\n"
        );
    }

    #[test]
    fn bar_templates_are_valid() {
        for t in [
            "{elapsed_precise} [{bar:30}] {pos}/{len} files {msg} eta {eta}",
            "{elapsed_precise} {spinner} {pos} files {msg}",
            SIZED,
            UNSIZED,
            IDLE,
        ] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }
}
