//! The fault soak, full size: thousands of downloads from a server that
//! injects faults at random, with runs of `spool-dl` killed by `SIGKILL`
//! and resumed with `--continue`; prints the figures and exits 1 if any
//! URL ended wrong. See `spool_tests::soak` for what is checked.
//!
//!     cargo run --release -p spool-tests --example soak -- --urls 10000
//!
//! Options: `--urls N` (10000), `--seed N` (1), `-j N` (32), `--batch N`
//! (1000), `--kills N` (one per 1,000 URLs, at least 2), `--rate R` (share
//! of requests faulted, 0.2), `--fault-log FILE` (every injected fault,
//! one line each: ID, request number, kind).

use std::fmt::Write as _;
use std::process::ExitCode;

use spool_tests::TempDir;
use spool_tests::soak::{self, SoakConfig};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut urls = 10_000;
    let mut seed = 1;
    let mut overrides = Vec::new();
    let mut fault_log = None;
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            eprintln!("soak: {flag} needs a value");
            return ExitCode::from(2);
        };
        match flag.as_str() {
            "--urls" => urls = parse(&flag, &value),
            "--seed" => seed = parse(&flag, &value),
            "--fault-log" => fault_log = Some(value),
            "-j" | "--batch" | "--kills" | "--rate" => overrides.push((flag, value)),
            _ => {
                eprintln!("soak: unknown option {flag}");
                return ExitCode::from(2);
            }
        }
    }
    let mut config = SoakConfig::full(urls, seed);
    for (flag, value) in overrides {
        match flag.as_str() {
            "-j" => config.jobs = parse(&flag, &value),
            "--batch" => config.batch = parse(&flag, &value),
            "--kills" => config.kills = parse(&flag, &value),
            _ => config.plan.rate = parse(&flag, &value),
        }
    }

    let work = TempDir::in_memory("soak");
    let (figures, log) = soak::run_logged(&config, work.path());
    print!("{figures}");
    if let Some(path) = fault_log {
        let mut text = String::new();
        for event in log {
            let _ = writeln!(text, "{}\t{}\t{}", event.id, event.nth, event.fault);
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("soak: writing {path}: {e}");
        }
    }
    if figures.problems.is_empty() && figures.corrupt == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn parse<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value.parse().unwrap_or_else(|_| {
        eprintln!("soak: {flag} {value}: not a valid value");
        std::process::exit(2)
    })
}
