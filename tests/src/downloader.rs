//! Driving `spool-dl`: the library with test-sized limits, and the
//! command as a user runs it.
//!
//! Only `spool-dl`'s own tests know where the built command is
//! (`CARGO_BIN_EXE_spool-dl`), so the helpers for it take its path.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use spool_dl::DownloaderBuilder;
use spool_dl::Timeouts;
use spool_dl::backoff::RetryPolicy;
use spool_dl::checksum::{Algorithm, Hasher};
use spool_dl::url_options::UrlOptions;

/// A downloader writing to `dir`, with test-sized limits: retries after
/// 10 ms instead of 1 s, and read and connect limits of 2 s so a hang
/// fails the test quickly rather than stalling the suite.
pub fn quick(dir: &Path) -> DownloaderBuilder {
    spool_dl::Downloader::builder()
        .output_dir(dir)
        .retry(RetryPolicy::new(2, Duration::from_millis(10)))
        .timeouts(Timeouts {
            attempt: Duration::from_secs(10),
            connect: Duration::from_secs(2),
            read: Duration::from_secs(2),
        })
}

/// The command at `bin` with `args`, retrying after 10 ms instead of 1 s.
pub fn spool_dl(bin: &str, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command.args(["--retry-delay", "0.01"]).args(args);
    command
}

/// What the command wrote on stderr, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON report the command wrote at `path`.
///
/// # Panics
///
/// If it cannot be read or is not JSON.
pub fn read_report(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("reading the report");
    serde_json::from_str(&text).expect("the report is JSON")
}

/// Per-URL options asking for `body`'s SHA-256, as `--checksum
/// sha-256=HEX` does.
pub fn sha256_option(body: &[u8]) -> UrlOptions {
    let mut hasher = Hasher::new(Algorithm::Sha256);
    hasher.update(body);
    let hex: String = hasher.finish().iter().map(|b| format!("{b:02x}")).collect();
    let mut options = UrlOptions::default();
    options.set("checksum", &format!("sha-256={hex}")).unwrap();
    options
}
