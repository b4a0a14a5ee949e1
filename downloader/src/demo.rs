//! `spool-dl --demo`: the tutorial's closing experiment, offline.
//!
//! The tutorial downloads 10 files that each take 2 s: about 20 s one at a
//! time, about 4 s with five at once. The demo replays that against a
//! server it starts on 127.0.0.1, which answers every request only after a
//! fixed delay — the stand-in for a slow network. The delay is scaled down
//! (2 s → 0.5 s) so the whole demo runs in a few seconds, and the screen
//! says so. Each downloaded file is then checked byte for byte.
//!
//! Part of the command, not the library: it is a program that uses the
//! library, with an exit status of its own.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use spool::time::sleep;
use spool_http::server::{Request, Response, Server};

use spool_dl::progress::{Event, Progress};
use spool_dl::report::{Report, human_bytes};

use crate::cli::Config;

/// How many files the demo serves.
const FILES: usize = 10;
/// The tutorial's per-file time, scaled by [`SCALE`].
const DELAY: Duration = Duration::from_millis(500);
/// One tutorial second in demo time.
const SCALE: f64 = 0.25;
/// Size of each demo file.
const FILE_SIZE: usize = 256 * 1024;

/// Runs the demo; the exit code says whether every check passed.
pub fn run(config: &Config) -> ExitCode {
    let work_dir = std::env::temp_dir().join(format!("spool-dl-demo-{}", std::process::id()));
    let outcome = spool::block_on(demo(config, &work_dir));
    let _ = std::fs::remove_dir_all(&work_dir);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spool-dl --demo: {e}");
            ExitCode::from(1)
        }
    }
}

/// The bytes of demo file `i`: distinct per file, so a mix-up would show.
fn content(i: usize) -> Vec<u8> {
    (0..FILE_SIZE)
        .map(|n| (n as u32).wrapping_mul(31).wrapping_add(i as u32 * 7) as u8)
        .collect()
}

// ANCHOR: demo
async fn demo(config: &Config, work_dir: &Path) -> Result<(), String> {
    let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .map_err(|e| format!("starting the demo server: {e}"))?;
    let addr = server.local_addr();
    let shutdown = server.shutdown_handle();
    let serving = spool::spawn(server.serve(slow_files));
    let urls: Vec<String> = (1..=FILES)
        .map(|i| format!("http://{addr}/file-{i:02}.bin"))
        .collect();

    println!(
        "Demo: {FILES} files, each answered after {:.1} s by a server on http://{addr}/",
        DELAY.as_secs_f64()
    );
    println!(
        "(the tutorial's 2 s per file, scaled to {SCALE}: its ~20 s vs ~4 s become ~{:.1} s vs ~{:.1} s)\n",
        20.0 * SCALE,
        4.0 * SCALE
    );
    let one = phase(config, work_dir, "one at a time", 1, &urls).await?;
    let five = phase(config, work_dir, "five at once", 5, &urls).await?;
    shutdown.shutdown();
    let _ = serving.await;

    println!("\n  one at a time  {:>6.2} s", one.as_secs_f64());
    println!("  five at once   {:>6.2} s", five.as_secs_f64());
    println!(
        "  {:.1}x faster — in the tutorial's units: {:.1} s vs {:.1} s (ideal: 20 s vs 4 s)",
        one.as_secs_f64() / five.as_secs_f64(),
        one.as_secs_f64() / SCALE,
        five.as_secs_f64() / SCALE
    );
    Ok(())
}
// ANCHOR_END: demo

/// The demo server's one route: `/file-NN.bin`, after the delay.
async fn slow_files(request: Request) -> Response {
    sleep(DELAY).await;
    let number = request
        .path()
        .strip_prefix("/file-")
        .and_then(|rest| rest.strip_suffix(".bin"))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=FILES).contains(n));
    match number {
        Some(i) => {
            Response::bytes(200, content(i)).header("Content-Type", "application/octet-stream")
        }
        None => Response::not_found(),
    }
}

/// Downloads every URL with `concurrency` slots, checks the files, and
/// returns the wall time.
async fn phase(
    config: &Config,
    work_dir: &Path,
    title: &str,
    concurrency: usize,
    urls: &[String],
) -> Result<Duration, String> {
    let dir = work_dir.join(title.replace(' ', "-"));
    let settings = config
        .settings()?
        .output_dir(&dir)
        .concurrency(concurrency)
        .per_host(concurrency)
        // The demo's server is on 127.0.0.1: no proxy in the environment
        // should stand between them.
        .proxy(spool_http::Proxy::none());
    let downloader = config.build(settings)?;
    println!("{title} (-j {concurrency}):");
    let started = Instant::now();
    let progress = Timeline {
        started,
        quiet: config.quiet,
    };
    let report = downloader
        .download_batch(spool::stream::iter(urls.to_vec()), progress)
        .await;
    let elapsed = started.elapsed();
    verify(&report, &dir)?;
    Ok(elapsed)
}

/// Every download succeeded and holds exactly the bytes served.
fn verify(report: &Report, dir: &Path) -> Result<(), String> {
    if report.any_failed() {
        return Err(format!("some demo downloads failed:\n{}", report.summary()));
    }
    for i in 1..=FILES {
        let path: PathBuf = dir.join(format!("file-{i:02}.bin"));
        let on_disk = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if on_disk != content(i) {
            return Err(format!("{} does not match what was served", path.display()));
        }
    }
    Ok(())
}

/// Prints one timestamped line per finished file.
struct Timeline {
    started: Instant,
    quiet: bool,
}

impl Progress for Timeline {
    fn event(&mut self, event: Event<'_>) {
        if let Event::Finished { outcome, url, .. } = event {
            if self.quiet {
                return;
            }
            let name = url.rsplit('/').next().unwrap_or(url);
            let at = self.started.elapsed().as_secs_f64();
            match &outcome.result {
                Ok(_) => println!("  [{at:6.2} s] {name} ({})", human_bytes(outcome.bytes)),
                Err(e) => println!("  [{at:6.2} s] {name} failed: {e}"),
            }
        }
    }
}
