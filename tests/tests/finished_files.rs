//! `--continue` over files an earlier run finished: like `wget -c`, a file
//! already whole under its final name is asked about (`Range: bytes=LEN-`)
//! and, when the server's `416` names exactly its length, reported `ok`
//! with `already_complete` and left alone: no body is fetched and nothing
//! is written. A file the server does not vouch for is never appended to
//! or replaced; the URL is saved under a new name, as without
//! `--continue`.

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use spool_tests::faults::{Catalog, FaultPlan, FaultServer};
use spool_tests::{TempDir, command, names_in, read_report, spool_dl, stderr};

const CATALOG: Catalog = Catalog {
    seed: 7,
    count: 30,
    max_size: 64 * 1024,
};

/// Runs `spool-dl --quiet -o OUT --report REPORT [flags] URLS…` and
/// returns its output and report entries.
fn run(out: &Path, flags: &[&str], urls: &[String]) -> (Output, Vec<Value>) {
    let report = out.with_extension("report.json");
    let output = spool_dl(command::binary().to_str().unwrap(), &["--quiet"])
        .arg("-o")
        .arg(out)
        .arg("--report")
        .arg(&report)
        .args(flags)
        .args(urls)
        .output()
        .expect("running spool-dl");
    let entries = read_report(&report)["downloads"]
        .as_array()
        .expect("a downloads array")
        .clone();
    (output, entries)
}

fn urls(server: &FaultServer) -> Vec<String> {
    (0..CATALOG.count).map(|id| server.url(id)).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The catalog's file names, sorted as `names_in` lists them.
fn catalog_names() -> Vec<String> {
    let mut names: Vec<String> = (0..CATALOG.count).map(Catalog::file_name).collect();
    names.sort();
    names
}

#[test]
fn a_rerun_with_continue_fetches_no_body_again() {
    assert!(
        (0..CATALOG.count).all(|id| !CATALOG.is_gone(id)),
        "the catalog has no 404s"
    );
    let server = FaultServer::start(CATALOG, FaultPlan::none());
    let dir = TempDir::new("rerun");
    let out = dir.join("out");
    let (first, _) = run(&out, &["-j", "8"], &urls(&server));
    assert!(first.status.success(), "{}", stderr(&first));
    let before = server.counts();

    let (again, entries) = run(&out, &["-j", "8", "--continue"], &urls(&server));
    assert!(again.status.success(), "{}", stderr(&again));
    let counts = server.counts();
    assert_eq!(counts.requests - before.requests, CATALOG.count as u64);
    assert_eq!(
        counts.not_satisfiable - before.not_satisfiable,
        CATALOG.count as u64,
        "every request answered 416: no body crossed the wire"
    );
    assert_eq!(counts.partial, before.partial, "no 206");
    for (id, entry) in entries.iter().enumerate() {
        assert_eq!(entry["status"], "ok", "{entry}");
        assert_eq!(entry["already_complete"], true, "{entry}");
        assert_eq!(entry["http_status"], 416, "{entry}");
        assert_eq!(entry["bytes"], CATALOG.size(id) as u64, "{entry}");
        let path = out.join(Catalog::file_name(id));
        assert_eq!(entry["path"], path.to_str().unwrap(), "{entry}");
        assert!(fs::read(&path).unwrap() == CATALOG.body(id), "{id}");
    }
    assert_eq!(names_in(&out), catalog_names(), "no NAME.1, no .part");
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(summary.contains(", already complete)"), "{summary}");
}

#[test]
fn without_continue_a_rerun_saves_second_copies_and_touches_nothing() {
    let server = FaultServer::start(CATALOG, FaultPlan::none());
    let dir = TempDir::new("rerun-plain");
    let out = dir.join("out");
    let url = server.url(3);
    let (first, _) = run(&out, &[], std::slice::from_ref(&url));
    assert!(first.status.success(), "{}", stderr(&first));
    let (again, entries) = run(&out, &[], &[url]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(entries[0]["already_complete"], false);
    assert_eq!(names_in(&out), ["3.1.bin", "3.bin"]);
    for name in ["3.bin", "3.1.bin"] {
        assert!(
            fs::read(out.join(name)).unwrap() == CATALOG.body(3),
            "{name}"
        );
    }
}

/// A file under the name that the server does not vouch for (shorter, as
/// another tool may leave it, or longer) is kept byte for byte; the
/// server's file goes to a new name.
#[test]
fn a_file_of_another_length_is_left_alone_and_the_url_saved_beside_it() {
    let server = FaultServer::start(CATALOG, FaultPlan::none());
    for (label, theirs) in [
        ("shorter", CATALOG.body(5)[..CATALOG.size(5) / 2].to_vec()),
        ("longer", [CATALOG.body(5), b"and more".to_vec()].concat()),
    ] {
        let dir = TempDir::new(label);
        let out = dir.join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("5.bin"), &theirs).unwrap();
        let before = server.counts();
        let (output, entries) = run(&out, &["--continue"], &[server.url(5)]);
        assert!(output.status.success(), "{label}: {}", stderr(&output));
        let entry = &entries[0];
        assert_eq!(entry["status"], "ok", "{label}: {entry}");
        assert_eq!(entry["already_complete"], false, "{label}: {entry}");
        assert_eq!(entry["http_status"], 200, "{label}: {entry}");
        assert_eq!(entry["attempts"], 2, "the check, then the download");
        assert_eq!(fs::read(out.join("5.bin")).unwrap(), theirs, "{label}");
        assert!(fs::read(out.join("5.1.bin")).unwrap() == CATALOG.body(5));
        assert_eq!(names_in(&out), ["5.1.bin", "5.bin"], "{label}");
        let counts = server.counts();
        assert_eq!(counts.requests - before.requests, 2, "{label}");
    }
}

#[test]
fn a_checksum_is_checked_against_the_finished_file_on_disk() {
    let server = FaultServer::start(CATALOG, FaultPlan::none());
    let id = 9;
    let checksum = format!("sha-256={}", hex(&CATALOG.sha256(id)));
    let flags = ["--continue", "--checksum", checksum.as_str()];

    let dir = TempDir::new("checked");
    let out = dir.join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("9.bin"), CATALOG.body(id)).unwrap();
    let (output, entries) = run(&out, &flags, &[server.url(id)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(entries[0]["already_complete"], true, "{}", entries[0]);

    // The same length, one byte changed: the digest catches it, and the
    // file is neither replaced nor joined by a copy.
    let dir = TempDir::new("corrupt");
    let out = dir.join("out");
    fs::create_dir(&out).unwrap();
    let mut corrupt = CATALOG.body(id);
    corrupt[0] ^= 1;
    fs::write(out.join("9.bin"), &corrupt).unwrap();
    let before = server.counts();
    let (output, entries) = run(&out, &flags, &[server.url(id)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let entry = &entries[0];
    assert_eq!(entry["status"], "failed", "{entry}");
    assert_eq!(entry["error_kind"], "checksum", "{entry}");
    let error = entry["error"].as_str().unwrap();
    assert!(error.contains("left as it is"), "{error}");
    assert_eq!(fs::read(out.join("9.bin")).unwrap(), corrupt);
    assert_eq!(names_in(&out), ["9.bin"]);
    let counts = server.counts();
    assert_eq!(counts.requests - before.requests, 1);
    assert_eq!(counts.not_satisfiable - before.not_satisfiable, 1);
}
