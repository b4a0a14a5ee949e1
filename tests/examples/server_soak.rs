//! The server soak, full size: `spool_http`'s server under keep-alive
//! clients while idle, slowloris, slow-body and churning attackers hold or
//! hammer its connections; prints the figures and exits 1 if the normal
//! clients were starved or memory grew past its bound. See
//! `spool_tests::server_soak` for what is measured.
//!
//!     cargo run --release -p spool-tests --example server_soak -- --seconds 180
//!
//! Options: `--seconds N` (180), `--clients N` (normal clients, 8),
//! `--attackers N` (of each slow kind, 16), `--max-connections N` (64).

use std::process::ExitCode;

use spool_tests::server_soak::{self, ServerSoakConfig};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut overrides = Vec::new();
    let mut seconds = 180;
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            eprintln!("server_soak: {flag} needs a value");
            return ExitCode::from(2);
        };
        let Ok(number) = value.parse::<u64>() else {
            eprintln!("server_soak: {flag} wants a whole number, not {value:?}");
            return ExitCode::from(2);
        };
        match flag.as_str() {
            "--seconds" => seconds = number,
            "--clients" | "--attackers" | "--max-connections" => overrides.push((flag, number)),
            _ => {
                eprintln!("server_soak: unknown option {flag}");
                return ExitCode::from(2);
            }
        }
    }
    let mut config = ServerSoakConfig::full(seconds);
    for (flag, number) in overrides {
        let number = number as usize;
        match flag.as_str() {
            "--clients" => config.normal_clients = number,
            "--attackers" => {
                config.idle = number;
                config.slowloris = number;
                config.slow_bodies = number;
            }
            _ => config.max_connections = number,
        }
    }

    let figures = server_soak::run(&config);
    print!("{figures}");
    if figures.problems().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
