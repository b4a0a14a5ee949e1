//! The `spool-dl` command, run the way a user runs it: the built binary in
//! a child process, watched from `/proc` while it runs and killed on demand.
//!
//! The soak and the limits tests deliberately go through the command and
//! its JSON report rather than the library: what they check (a `SIGKILL`
//! mid-batch, a descriptor limit, a full disk) happens to a process, and the
//! command line and the report are the interfaces users and scripts rely on.
//!
//! Cargo gives a package's own tests the path of its binaries
//! (`CARGO_BIN_EXE_…`), but not another package's, so [`binary`] finds
//! `spool-dl` beside the running test or example (same target directory,
//! same profile) and asks Cargo to build it first; when it is up to date,
//! as under `cargo test --workspace`, that costs a fraction of a second.
//! Set `SPOOL_DL=/path/to/spool-dl` to test another build.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use crate::{open_fds_of, status_kib_of};

/// The path of a current `spool-dl` binary, built on first use.
///
/// # Panics
///
/// If Cargo cannot build it: nothing here can run without it.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("SPOOL_DL") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("the running test's path");
        // target/PROFILE/deps/TEST or target/PROFILE/examples/EXAMPLE
        let mut profile_dir = exe.parent().expect("a test lives in a directory");
        if profile_dir.ends_with("deps") || profile_dir.ends_with("examples") {
            profile_dir = profile_dir
                .parent()
                .expect("deps/ is in a profile directory");
        }
        let target_dir = profile_dir
            .parent()
            .expect("a profile is in a target directory");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let mut build = Command::new(cargo);
        // Cargo describes the running package to it in the environment;
        // passed on, that would look to build scripts (ring's watches
        // CARGO_MANIFEST_DIR) like a change, and rebuild half the tree.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_BIN_EXE_")
                || CARGO_RUN_VARIABLES.contains(&name.as_ref())
            {
                build.env_remove(name.as_ref());
            }
        }
        let status = build
            .args(["build", "--quiet", "-p", "spool-dl", "--bin", "spool-dl"])
            .arg("--profile")
            .arg(profile)
            .arg("--manifest-path")
            .arg(manifest)
            .arg("--target-dir")
            .arg(target_dir)
            .status()
            .expect("running cargo to build spool-dl");
        assert!(status.success(), "cargo could not build spool-dl: {status}");
        profile_dir.join("spool-dl")
    })
}

/// What Cargo sets, besides `CARGO_PKG_*`, when it runs a test or example.
const CARGO_RUN_VARIABLES: [&str; 7] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "OUT_DIR",
];

/// One look at a running process, from `/proc/PID`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// The process, for a caller that wants to read more of `/proc/PID`.
    pub pid: u32,
    /// Time since the process started.
    pub at: Duration,
    /// Resident memory now (`VmRSS`), KiB.
    pub rss_kib: u64,
    /// The most resident memory so far (`VmHWM`), KiB.
    pub hwm_kib: u64,
    /// Open file descriptors (entries of `/proc/PID/fd`).
    pub fds: usize,
}

impl Sample {
    /// Reads `pid`'s figures; `None` once it has exited (a zombie has no
    /// memory figures left to read).
    pub fn of(pid: u32, at: Duration) -> Option<Sample> {
        Some(Sample {
            pid,
            at,
            rss_kib: status_kib_of(pid, "VmRSS")?,
            hwm_kib: status_kib_of(pid, "VmHWM")?,
            fds: open_fds_of(pid)?,
        })
    }
}

/// What the watcher should do after a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let it run.
    Continue,
    /// Send `SIGKILL` now.
    Kill,
}

/// How a watched process ended.
#[derive(Debug, Clone)]
pub struct Watched {
    /// Its exit status (for a killed process, the signal).
    pub status: ExitStatus,
    /// Whether the watcher killed it.
    pub killed: bool,
    /// From start to exit.
    pub elapsed: Duration,
    /// The highest of each figure over all samples.
    pub peak: Sample,
    /// How many samples were taken.
    pub samples: usize,
}

/// How often [`watch`] samples.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// Starts `command` and samples it every [`SAMPLE_EVERY`] until it exits,
/// asking `decide` after each sample whether to kill it.
///
/// Give the command files (not pipes) for its output: nobody reads a pipe
/// while this waits.
pub fn watch(
    command: &mut Command,
    mut decide: impl FnMut(&Sample) -> Verdict,
) -> io::Result<Watched> {
    let started = Instant::now();
    let mut child = command.spawn()?;
    let mut peak = Sample::default();
    let mut samples = 0;
    let mut killed = false;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Watched {
                status,
                killed,
                elapsed: started.elapsed(),
                peak,
                samples,
            });
        }
        if let Some(sample) = Sample::of(child.id(), started.elapsed()) {
            samples += 1;
            peak = Sample {
                pid: sample.pid,
                at: sample.at,
                rss_kib: peak.rss_kib.max(sample.rss_kib),
                hwm_kib: peak.hwm_kib.max(sample.hwm_kib),
                fds: peak.fds.max(sample.fds),
            };
            if !killed && decide(&sample) == Verdict::Kill {
                // `Child::kill` is SIGKILL on Unix: no handler, no cleanup.
                child.kill()?;
                killed = true;
            }
        }
        thread::sleep(SAMPLE_EVERY);
    }
}

/// Whether a finished run of the command panicked: Rust's exit code for a
/// panic is 101, and the panic message goes to stderr.
pub fn panicked(status: ExitStatus, stderr: &str) -> bool {
    status.code() == Some(101) || stderr.contains("panicked")
}
