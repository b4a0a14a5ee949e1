//! The fault soak: many downloads from a [`FaultServer`], in batches, with
//! runs killed by `SIGKILL` and resumed with `--continue`, then everything
//! on disk checked against what the server meant to send.
//!
//! Each run of `spool-dl` gets the next batch of URLs not yet settled. A
//! run that finishes settles every URL of its batch through its JSON
//! report: `ok` (its file must hold exactly the catalog's bytes) or
//! `failed` (with a reason, and nothing under the final name). A run that
//! is killed writes no report, so its URLs are settled from the disk: a
//! file under its final name was finished before the kill (and is checked
//! like any other); anything else goes back into the queue, its `.part`
//! file waiting for `--continue`. Kills land after a random number of the
//! batch's requests, so they hit every stage: before a head, mid-body,
//! during a retry's backoff, around a rename. Every other kill also waits
//! until some download of the batch has bytes in its `.part` and a saved
//! validator, so that the next run must resume it with a range request
//! from the part's length; the soak checks that it does.
//!
//! A re-run gets only the unsettled URLs, as a user's script would: a
//! finished URL given again would cost a request (its `416` finds the file
//! whole) and tell the soak nothing new.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::command::{self, Verdict, Watched};
use crate::faults::{Catalog, Fault, FaultEvent, FaultPlan, FaultServer, ServerCounts};
use crate::json_report;
use crate::verify::{self, Settled};

/// What to soak, and how hard.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// The catalog: how many URLs, their seed, their largest size.
    pub catalog: Catalog,
    /// How the server misbehaves.
    pub plan: FaultPlan,
    /// `-j` for every run.
    pub jobs: usize,
    /// URLs given to one run.
    pub batch: usize,
    /// Runs to kill with `SIGKILL`.
    pub kills: usize,
    /// `--retries`.
    pub retries: u32,
    /// `--read-timeout`, seconds: above the trickle's pauses, below the
    /// stalls, so a stall is noticed quickly and a trickle never is.
    pub read_timeout: f64,
    /// `--timeout`, seconds, for one whole attempt.
    pub attempt_timeout: f64,
    /// `--retry-delay`, seconds.
    pub retry_delay: f64,
}

impl SoakConfig {
    /// The settings of the full soak for `urls` URLs: batches of 1,000,
    /// files up to 2.5 MiB, one request in five faulted.
    pub fn full(urls: usize, seed: u64) -> SoakConfig {
        SoakConfig {
            catalog: Catalog {
                seed,
                count: urls,
                max_size: 5 << 19,
            },
            plan: FaultPlan {
                rate: 0.2,
                stall: Duration::from_secs(5),
                trickle_pause: Duration::from_millis(20),
                chunked: 0.2,
            },
            jobs: 32,
            batch: 1_000,
            kills: (urls / 1_000).max(2),
            retries: 4,
            read_timeout: 0.5,
            attempt_timeout: 20.0,
            retry_delay: 0.01,
        }
    }

    /// The version `cargo test` runs: 300 URLs in batches of 100, two kills.
    /// Half the bodies are chunked, so the kill that waits for a download
    /// with a saved validator soon finds one.
    pub fn short(seed: u64) -> SoakConfig {
        let full = SoakConfig::full(300, seed);
        SoakConfig {
            batch: 100,
            kills: 2,
            jobs: 16,
            plan: FaultPlan {
                chunked: 0.5,
                ..full.plan
            },
            ..full
        }
    }

    /// The most descriptors a run may hold: per download in flight a socket
    /// and a `.part` file (and briefly its `.meta`), plus a constant for
    /// the standard streams, the event loop, the list and the report.
    pub fn fd_bound(&self) -> usize {
        3 * self.jobs + 16
    }
}

/// How one URL was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Reported `ok` by a run that finished.
    Reported,
    /// Found complete under its final name after a killed run.
    FoundAfterKill,
    /// Reported `failed`, with this reason.
    Failed(String),
}

/// Everything a soak measured, and whatever it found wrong.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// URLs in the catalog.
    pub urls: usize,
    /// Runs of `spool-dl`, killed ones included.
    pub runs: usize,
    /// Runs killed with `SIGKILL` mid-batch.
    pub kills: usize,
    /// Kills planned for a run that finished before its moment came.
    pub kills_missed: usize,
    /// Wall-clock time of the whole soak.
    pub elapsed: Duration,
    /// The server's requests, connections and faults.
    pub server: ServerCounts,
    /// Attempts beyond the first, summed over the reports' entries.
    pub retries: u64,
    /// `.part` files a kill left with bytes and a saved validator, so that
    /// `--continue` must resume them.
    pub resumable_after_kill: usize,
    /// Of those, how many the next run asked for with `Range: bytes=LEN-`,
    /// LEN being the `.part`'s length.
    pub resumed_after_kill: usize,
    /// URLs saved, with verified bytes.
    pub ok: usize,
    /// Of those, how many were found finished after a kill.
    pub ok_after_kill: usize,
    /// URLs reported failed.
    pub failed: usize,
    /// Failures grouped by reason.
    pub failure_reasons: BTreeMap<String, usize>,
    /// Files under a final name whose bytes are not the catalog's, or that
    /// belong to a failed URL. Must be zero.
    pub corrupt: usize,
    /// `.part` files kept for failed URLs (for a later `--continue`).
    pub parts_kept: usize,
    /// The highest peak resident memory (`VmHWM`) of any run, KiB.
    pub peak_rss_kib: u64,
    /// The lowest and highest per-run peaks among runs that finished a
    /// full batch: how flat memory stayed from run to run.
    pub run_peaks_kib: Option<(u64, u64)>,
    /// The most descriptors any run held open at once.
    pub max_fds: usize,
    /// What [`SoakConfig::fd_bound`] allowed.
    pub fd_bound: usize,
    /// Every broken promise found, one line each. Must be empty.
    pub problems: Vec<String>,
}

/// Runs the soak in `work` (which should be empty) and returns its figures.
///
/// # Panics
///
/// If `spool-dl` cannot be built or started, or `work` cannot be written.
pub fn run(config: &SoakConfig, work: &Path) -> Figures {
    run_logged(config, work).0
}

/// [`run`], also returning every fault the server injected.
///
/// # Panics
///
/// As [`run`].
pub fn run_logged(config: &SoakConfig, work: &Path) -> (Figures, Vec<FaultEvent>) {
    let started = Instant::now();
    let catalog = config.catalog;
    let server = FaultServer::start(catalog, config.plan);
    let out = work.join("out");
    fs::create_dir_all(&out).expect("creating the output directory");
    let mut figures = Figures {
        urls: catalog.count,
        fd_bound: config.fd_bound(),
        ..Figures::default()
    };
    let mut outcomes: Vec<Option<Outcome>> = vec![None; catalog.count];
    let mut rng = fastrand::Rng::with_seed(catalog.seed ^ 0x6b69_6c6c);
    let mut kills_left = config.kills;
    // A run that gets nowhere would loop forever; no sane soak needs this many.
    let max_runs = 3 * catalog.count.div_ceil(config.batch) + 2 * config.kills + 10;
    // The `.part` files the last kill left for `--continue`: (id, length).
    let mut resumable: Vec<(usize, u64)> = Vec::new();

    loop {
        let unsettled: Vec<usize> = (0..catalog.count)
            .filter(|&id| outcomes[id].is_none())
            .collect();
        if unsettled.is_empty() {
            break;
        }
        if figures.runs == max_runs {
            figures.problems.push(format!(
                "{} URLs still unsettled after {max_runs} runs",
                unsettled.len()
            ));
            break;
        }
        let batch = &unsettled[..unsettled.len().min(config.batch)];
        let runs_left = unsettled.len().div_ceil(config.batch);
        let kill = kills_left > 0 && rng.f64() < kills_left as f64 / runs_left as f64;
        let mid_body = figures.kills % 2 == 0;
        let kill_after = server.requests()
            + rng
                .u64(batch.len() as u64 / 10..=batch.len() as u64 * 9 / 10)
                .max(1);

        let n = figures.runs;
        figures.runs += 1;
        let list = work.join(format!("urls-{n}.txt"));
        let report = work.join(format!("report-{n}.json"));
        let stderr_path = work.join(format!("stderr-{n}.txt"));
        let urls: String = batch.iter().map(|&id| server.url(id) + "\n").collect();
        fs::write(&list, urls).expect("writing the URL list");
        let mut spool_dl = Command::new(command::binary());
        spool_dl
            .arg("--quiet")
            .arg("--continue")
            .args(["-j", &config.jobs.to_string()])
            .args(["--retries", &config.retries.to_string()])
            .args(["--retry-delay", &config.retry_delay.to_string()])
            .args(["--timeout", &config.attempt_timeout.to_string()])
            .args(["--connect-timeout", "2"])
            .args(["--read-timeout", &config.read_timeout.to_string()])
            .arg("-o")
            .arg(&out)
            .arg("--report")
            .arg(&report)
            .arg("-i")
            .arg(&list)
            .stdout(File::create(work.join(format!("stdout-{n}.txt"))).expect("a stdout file"))
            .stderr(File::create(&stderr_path).expect("a stderr file"));
        let ranges_before = server.range_request_count();
        let watched = command::watch(&mut spool_dl, |_| {
            let now = kill
                && server.requests() >= kill_after
                && (!mid_body || !resumable_parts(&out, batch).is_empty());
            if now {
                Verdict::Kill
            } else {
                Verdict::Continue
            }
        })
        .expect("running spool-dl");
        figures.peak_rss_kib = figures.peak_rss_kib.max(watched.peak.hwm_kib);
        figures.max_fds = figures.max_fds.max(watched.peak.fds);

        let asked = server.range_requests(ranges_before);
        for &(id, len) in &resumable {
            if asked.contains(&(id, len)) {
                figures.resumed_after_kill += 1;
            } else if !watched.killed {
                figures.problems.push(format!(
                    "{}.part ({len} bytes, validator saved) was not resumed with Range: bytes={len}-",
                    Catalog::file_name(id)
                ));
            }
        }
        resumable.clear();
        if watched.killed {
            kills_left -= 1;
            figures.kills += 1;
            for &id in batch {
                if out.join(Catalog::file_name(id)).exists() {
                    outcomes[id] = Some(Outcome::FoundAfterKill);
                }
            }
            resumable = resumable_parts(&out, batch);
            figures.resumable_after_kill += resumable.len();
            continue;
        }
        if kill {
            figures.kills_missed += 1;
        }
        let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
        settle_from_report(
            &mut figures,
            &mut outcomes,
            batch,
            &server,
            &report,
            &watched,
            &stderr,
        );
        if batch.len() == config.batch {
            let peak = watched.peak.hwm_kib;
            figures.run_peaks_kib = Some(match figures.run_peaks_kib {
                None => (peak, peak),
                Some((low, high)) => (low.min(peak), high.max(peak)),
            });
        }
    }

    let disk = verify::check_dir(&out, catalog, |id| match outcomes[id] {
        Some(Outcome::Reported | Outcome::FoundAfterKill) => Settled::Ok,
        Some(Outcome::Failed(_)) => Settled::Failed,
        None => Settled::Unknown,
    });
    figures.corrupt = disk.corrupt;
    figures.parts_kept = disk.parts_kept;
    figures.problems.extend(disk.problems);
    for (id, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Some(Outcome::Reported) => figures.ok += 1,
            Some(Outcome::FoundAfterKill) => {
                figures.ok += 1;
                figures.ok_after_kill += 1;
            }
            Some(Outcome::Failed(reason)) => {
                figures.failed += 1;
                *figures.failure_reasons.entry(reason.clone()).or_default() += 1;
            }
            None => figures
                .problems
                .push(format!("{}: never settled", server.url(id))),
        }
    }
    if let Some((low, high)) = figures.run_peaks_kib.filter(|(low, high)| *high > 2 * low) {
        figures.problems.push(format!(
            "peak memory of a full run ranged from {low} to {high} KiB: not flat"
        ));
    }
    if figures.max_fds > figures.fd_bound {
        figures.problems.push(format!(
            "a run held {} descriptors open, more than {} for -j {}",
            figures.max_fds, figures.fd_bound, config.jobs
        ));
    }
    figures.server = server.counts();
    figures.elapsed = started.elapsed();
    (figures, server.log())
}

/// The `.part` files of `batch` holding bytes and a saved validator:
/// what `--continue` must resume, as `(id, length)`.
fn resumable_parts(out: &Path, batch: &[usize]) -> Vec<(usize, u64)> {
    batch
        .iter()
        .filter_map(|&id| {
            let part = out.join(Catalog::file_name(id) + ".part");
            let len = fs::metadata(&part).ok()?.len();
            let mut meta = part.into_os_string();
            meta.push(".meta");
            (len > 0 && Path::new(&meta).exists()).then_some((id, len))
        })
        .collect()
}

/// Settles a finished run's batch from its report.
fn settle_from_report(
    figures: &mut Figures,
    outcomes: &mut [Option<Outcome>],
    batch: &[usize],
    server: &FaultServer,
    report: &Path,
    watched: &Watched,
    stderr: &str,
) {
    let status = watched.status;
    if command::panicked(status, stderr) || !matches!(status.code(), Some(0 | 1)) {
        figures
            .problems
            .push(format!("spool-dl exited with {status}; stderr: {stderr}"));
    }
    let entries = match json_report::read(report) {
        Ok(entries) => entries,
        Err(e) => {
            figures.problems.push(e);
            return;
        }
    };
    if entries.len() != batch.len() {
        figures.problems.push(format!(
            "the report has {} entries for {} URLs",
            entries.len(),
            batch.len()
        ));
        return;
    }
    for (&id, entry) in batch.iter().zip(&entries) {
        if entry.url != server.url(id) {
            figures.problems.push(format!(
                "entry for {} is in {}'s place",
                entry.url,
                server.url(id)
            ));
            continue;
        }
        figures.retries += entry.attempts.saturating_sub(1);
        if entry.ok {
            let saved_as = entry.path.as_deref().and_then(Path::file_name);
            if saved_as.and_then(|n| n.to_str()) != Some(Catalog::file_name(id).as_str()) {
                figures
                    .problems
                    .push(format!("{} was saved as {saved_as:?}", entry.url));
            }
            outcomes[id] = Some(Outcome::Reported);
        } else {
            if entry.reason().is_empty() {
                figures
                    .problems
                    .push(format!("{} failed without a reason", entry.url));
            }
            outcomes[id] = Some(Outcome::Failed(entry.reason().to_string()));
        }
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |kib: u64| kib as f64 / 1024.0;
        writeln!(
            f,
            "soak: {} URLs, {} runs of spool-dl, {} killed with SIGKILL mid-batch ({} planned kills came too late), {:.1} s",
            self.urls,
            self.runs,
            self.kills,
            self.kills_missed,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "server: {} requests on {} connections, {} faults injected:",
            self.server.requests,
            self.server.connections,
            self.server.total_faults()
        )?;
        for kind in Fault::ALL {
            writeln!(f, "  {:<20} {}", kind.name(), self.server.of(kind))?;
        }
        writeln!(
            f,
            "resumed: {} answers 206 (a .part continued), {} answers 416 (a .part already whole)",
            self.server.partial, self.server.not_satisfiable
        )?;
        writeln!(
            f,
            "after kills: {} .part files left resumable (counted per kill), {} of them resumed with a range from their length",
            self.resumable_after_kill, self.resumed_after_kill
        )?;
        writeln!(
            f,
            "retries (reports' attempts beyond the first): {}",
            self.retries
        )?;
        writeln!(
            f,
            "ok: {} (bytes verified by SHA-256; {} of them found finished after a kill)",
            self.ok, self.ok_after_kill
        )?;
        writeln!(
            f,
            "failed: {} (.part kept for {}):",
            self.failed, self.parts_kept
        )?;
        for (reason, count) in &self.failure_reasons {
            writeln!(f, "  {count:>6}  {reason}")?;
        }
        writeln!(f, "corrupt: {}", self.corrupt)?;
        write!(f, "peak RSS: {:.1} MiB", mib(self.peak_rss_kib))?;
        if let Some((low, high)) = self.run_peaks_kib {
            write!(
                f,
                " (per full run: {:.1} to {:.1} MiB)",
                mib(low),
                mib(high)
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "max open fds: {} (bound {})",
            self.max_fds, self.fd_bound
        )?;
        if self.problems.is_empty() {
            writeln!(f, "problems: none")
        } else {
            writeln!(f, "problems: {}", self.problems.len())?;
            for problem in self.problems.iter().take(50) {
                writeln!(f, "  {problem}")?;
            }
            Ok(())
        }
    }
}
