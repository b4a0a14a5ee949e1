//! Files someone else planted in the output directory under the names a
//! download uses: a symbolic link, a FIFO or a hard link at `NAME.part` or
//! `NAME.part.meta` (issue 7, item 19).
//!
//! The contract: nothing outside the output directory is ever written, the
//! batch never hangs, and with `--continue` a planted `.part` or `.meta` is
//! refused with a per-URL error that names it, while the rest of the batch
//! goes on. A large download without `--continue` (which saves a validator
//! in `.meta`) steps around a planted `.meta` and still succeeds.

#![cfg(target_os = "linux")]

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use spool_dl::DownloaderBuilder;
use spool_dl::error::ErrorKind;
use spool_dl::report::{Download, Report, Status};
use spool_http::server::{Request, Response};
use spool_tests::{RequestLog, TempDir, TestServer, body_for, quick};

/// Large enough that a fresh download saves its validator in `.meta`.
const SIZE: usize = 2 << 20;
const ETAG: &str = "\"v1\"";
const OUTSIDE: &[u8] = b"a file outside the output directory";

/// Every path answers `body_for(path, SIZE)` with a strong ETag.
fn site(log: RequestLog) -> TestServer {
    TestServer::start(move |request: Request| {
        log.record(&request);
        std::future::ready(
            Response::bytes(200, body_for(request.path(), SIZE)).header("ETag", ETAG),
        )
    })
}

fn mkfifo(path: &Path) {
    use rustix::fs::{CWD, FileType, Mode, mknodat};
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
}

/// Runs the batch on a thread and fails the test if it has not finished
/// within 20 s: a FIFO opened the blocking way would hang it forever.
fn run_within_limit(builder: DownloaderBuilder, urls: Vec<String>) -> Report {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(builder.build().unwrap().run(urls));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the batch hung on a planted file")
}

/// A failed download whose error names `file` and says what it is.
fn assert_refused(d: &Download, file: &str, what: &str) {
    assert_eq!(d.status, Status::Failed, "{d:?}");
    let error = d.error.as_deref().unwrap_or_default();
    assert!(error.contains(file) && error.contains(what), "{d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Io), "{d:?}");
}

/// Plants `name` in `out`: a symlink or a hard link to `outside`, or a FIFO.
fn plant(out: &TempDir, outside: &Path, name: &str, how: &str) {
    let path = out.join(name);
    match how {
        "symlink" => std::os::unix::fs::symlink(outside, &path).unwrap(),
        "hard link" => fs::hard_link(outside, &path).unwrap(),
        "fifo" => mkfifo(&path),
        other => unreachable!("{other}"),
    }
}

#[test]
fn with_continue_a_planted_part_is_refused_and_nothing_outside_is_written() {
    let log = RequestLog::new();
    let server = site(log.clone());
    let out = TempDir::new("planted-part");
    let elsewhere = TempDir::new("planted-part-elsewhere");
    let outside = elsewhere.join("victim");
    fs::write(&outside, OUTSIDE).unwrap();
    let cases = [
        ("s.bin", "symlink"),
        ("f.bin", "fifo"),
        ("h.bin", "hard link"),
    ];
    for (name, how) in cases {
        plant(&out, &outside, &format!("{name}.part"), how);
        fs::write(out.join(&format!("{name}.part.meta")), ETAG).unwrap();
    }
    let mut urls: Vec<String> = cases
        .iter()
        .map(|(n, _)| server.url(&format!("/{n}")))
        .collect();
    urls.push(server.url("/fine.bin"));
    let report = run_within_limit(quick(out.path()).resume(true), urls);

    let d = &report.downloads;
    assert_refused(&d[0], "s.bin.part", "is a symbolic link");
    assert_refused(&d[1], "f.bin.part", "is a named pipe (FIFO)");
    assert_refused(&d[2], "h.bin.part", "a file with 2 names");
    assert_eq!(d[3].status, Status::Ok, "the rest of the batch goes on");
    assert!(fs::read(out.join("fine.bin")).unwrap() == body_for("/fine.bin", SIZE));
    // Not one byte outside, no request for a refused file, no final name
    // given to what was planted, and what was planted still in place.
    assert_eq!(fs::read(&outside).unwrap(), OUTSIDE);
    assert_eq!(log.all().len(), 1);
    for (name, _) in cases {
        assert!(fs::symlink_metadata(out.join(name)).is_err(), "{name}");
    }
    assert!(out.join("s.bin.part").is_symlink());
}

#[test]
fn with_continue_a_planted_meta_is_refused_and_nothing_outside_is_written() {
    let log = RequestLog::new();
    let server = site(log.clone());
    let out = TempDir::new("planted-meta");
    let elsewhere = TempDir::new("planted-meta-elsewhere");
    let outside = elsewhere.join("victim");
    // Through the link, this would be a validator that matches.
    fs::write(&outside, ETAG).unwrap();
    let cases = [
        ("s.bin", "symlink"),
        ("f.bin", "fifo"),
        ("h.bin", "hard link"),
    ];
    for (name, how) in cases {
        let half = &body_for(&format!("/{name}"), SIZE)[..SIZE / 2];
        fs::write(out.join(&format!("{name}.part")), half).unwrap();
        plant(&out, &outside, &format!("{name}.part.meta"), how);
    }
    let urls = cases
        .iter()
        .map(|(n, _)| server.url(&format!("/{n}")))
        .collect();
    let report = run_within_limit(quick(out.path()).resume(true), urls);

    let d = &report.downloads;
    assert_refused(&d[0], "s.bin.part.meta", "is a symbolic link");
    assert_refused(&d[1], "f.bin.part.meta", "is a named pipe (FIFO)");
    assert_refused(&d[2], "h.bin.part.meta", "a file with 2 names");
    assert_eq!(fs::read(&outside).unwrap(), ETAG.as_bytes());
    assert_eq!(log.all().len(), 0);
    for (name, _) in cases {
        // The part was neither resumed nor emptied.
        assert_eq!(
            fs::metadata(out.join(&format!("{name}.part")))
                .unwrap()
                .len(),
            SIZE as u64 / 2
        );
    }
}

#[test]
fn without_continue_a_planted_meta_is_stepped_around() {
    let server = site(RequestLog::new());
    let out = TempDir::new("planted-meta-fresh");
    let elsewhere = TempDir::new("planted-meta-fresh-elsewhere");
    let outside = elsewhere.join("victim");
    fs::write(&outside, OUTSIDE).unwrap();
    let cases = [
        ("s.bin", "symlink"),
        ("f.bin", "fifo"),
        ("h.bin", "hard link"),
    ];
    for (name, how) in cases {
        plant(&out, &outside, &format!("{name}.part.meta"), how);
    }
    let urls = cases
        .iter()
        .map(|(n, _)| server.url(&format!("/{n}")))
        .collect();
    let report = run_within_limit(quick(out.path()), urls);

    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(fs::read(&outside).unwrap(), OUTSIDE);
    for (name, _) in cases {
        let path = out.join(name);
        assert!(fs::symlink_metadata(&path).unwrap().is_file(), "{name}");
        assert!(
            fs::read(&path).unwrap() == body_for(&format!("/{name}"), SIZE),
            "{name}"
        );
    }
    assert!(out.join("s.bin.part.meta").is_symlink());
}
