//! The fault soak, short: 300 URLs from a server that injects faults at
//! random, in batches of 100, with two runs of `spool-dl` killed by
//! `SIGKILL` and resumed with `--continue`. Every URL must end `ok` with
//! its bytes verified by SHA-256, or `failed` with a reason; nothing
//! corrupt or partial under a final name; no `.part` or `.meta` left for
//! an `ok` URL; descriptors within the bound.
//!
//! The full soak (10,000 URLs) is the `soak` example; see README.md.

use spool_tests::TempDir;
use spool_tests::faults::Fault;
use spool_tests::soak::{self, SoakConfig};

#[test]
fn three_hundred_faulty_downloads_with_two_kills_end_verified_or_explained() {
    let config = SoakConfig::short(0x5eed);
    let work = TempDir::in_memory("soak");
    let figures = soak::run(&config, work.path());
    eprintln!("{figures}");

    assert!(figures.problems.is_empty(), "{figures}");
    assert_eq!(figures.corrupt, 0, "{figures}");
    assert_eq!(figures.ok + figures.failed, 300, "{figures}");
    assert_eq!(figures.kills, 2, "{figures}");
    // The soak is only a soak if the faults happened and were survived.
    for kind in [
        Fault::Reset,
        Fault::Truncate,
        Fault::Unavailable,
        Fault::Redirect,
    ] {
        assert!(figures.server.of(kind) > 0, "no {kind} injected: {figures}");
    }
    assert!(figures.retries > 0, "{figures}");
    assert!(figures.ok >= 250, "{figures}");
}
