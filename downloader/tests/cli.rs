//! The `spool-dl` command end to end: exit codes, the JSON report, reading
//! the list from stdin, and what it prints, against a server on 127.0.0.1.
//!
//! These live in the `spool-dl` package because only its own tests get the
//! built binary's path (`CARGO_BIN_EXE_spool-dl`). The library's behaviour
//! against hostile servers is tested in the `spool-tests` package.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::Duration;

use serde_json::Value;
use spool_http::server::{Request, Response};
use spool_tests::{TempDir, TestServer, open_fds_of, read_report, status_kib_of, stderr};

/// The test server: `/slow/…` answers after 300 ms, `/missing` is a 404,
/// anything else is its own path as the body.
fn site() -> TestServer {
    TestServer::start(answer)
}

async fn answer(request: Request) -> Response {
    if request.path().starts_with("/slow/") {
        spool::time::sleep(Duration::from_millis(300)).await;
    }
    match request.path() {
        "/missing" => Response::not_found(),
        path => Response::bytes(200, path.as_bytes().to_vec()),
    }
}

fn spool_dl(args: &[&str]) -> Command {
    spool_tests::spool_dl(env!("CARGO_BIN_EXE_spool-dl"), args)
}

fn run(args: &[&str]) -> Output {
    spool_dl(args).output().unwrap()
}

#[test]
fn exit_status_is_0_when_everything_downloaded() {
    let site = site();
    let dir = TempDir::new("exit0");
    let out = dir.join("out");
    let output = run(&[
        "-q",
        "-o",
        out.to_str().unwrap(),
        &site.url("/a.txt"),
        &site.url("/b.txt"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"/a.txt");
    assert_eq!(std::fs::read(out.join("b.txt")).unwrap(), b"/b.txt");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("Downloaded 2 of 2 files"), "{stdout}");
}

#[test]
fn exit_status_is_1_when_any_download_failed() {
    let site = site();
    let dir = TempDir::new("exit1");
    let out = dir.join("out");
    let output = run(&[
        "-q",
        "-o",
        out.to_str().unwrap(),
        &site.url("/a.txt"),
        &site.url("/missing"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"/a.txt");
}

#[test]
fn exit_status_is_2_for_usage_errors_and_nothing_is_downloaded() {
    let dir = TempDir::new("exit2");
    let out = dir.join("out");
    let out = out.to_str().unwrap();
    let missing = dir.join("no-such-list.txt");
    let cases: [&[&str]; 4] = [
        &["-o", out, "--bogus", "http://127.0.0.1:9/x"],
        &["-o", out, "-i", missing.to_str().unwrap()],
        &["-o", out, "-j", "0", "http://127.0.0.1:9/x"],
        &["-o", out],
    ];
    for args in cases {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty(), "{args:?} says why");
        assert!(!Path::new(out).exists(), "{args:?} created the output dir");
    }
    let output = run(&["-o", out, "-i", missing.to_str().unwrap()]);
    assert!(
        stderr(&output).contains("no-such-list.txt"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_report_has_one_entry_per_input_url_in_input_order() {
    let site = site();
    let dir = TempDir::new("report");
    let out = dir.join("out");
    let report_path = dir.join("r.json");
    let urls = [
        site.url("/slow/first.bin"),
        site.url("/fast/second.bin"),
        "not a url".to_string(),
        "ftp://x/y".to_string(),
        site.url("/missing"),
    ];
    let mut args = vec![
        "-o",
        out.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
    ];
    args.extend(urls.iter().map(String::as_str));
    let output = run(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));

    // The slow first URL finished after the fast second one...
    let log = stderr(&output);
    let first = log.find("first.bin").expect("a line for first.bin");
    let second = log.find("second.bin").expect("a line for second.bin");
    assert!(second < first, "completion order:\n{log}");

    // ...yet the report lists them in input order, with a fixed shape.
    let report = read_report(&report_path);
    let top: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["downloads", "elapsed_ms"]);
    assert!(report["elapsed_ms"].is_u64());
    let downloads = report["downloads"].as_array().unwrap();
    assert_eq!(downloads.len(), urls.len());
    for (entry, url) in downloads.iter().zip(&urls) {
        let mut keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "already_complete",
                "attempts",
                "bytes",
                "elapsed_ms",
                "error",
                "error_kind",
                "http_status",
                "path",
                "status",
                "url"
            ]
        );
        assert_eq!(entry["url"], url.as_str());
        assert!(entry["bytes"].is_u64() && entry["attempts"].is_u64());
        assert!(entry["elapsed_ms"].is_u64());
        assert_eq!(entry["already_complete"], false);
        assert!(entry["http_status"].is_u64() || entry["http_status"].is_null());
        match entry["status"].as_str().unwrap() {
            "ok" => {
                assert!(
                    entry["path"].is_string()
                        && entry["error"].is_null()
                        && entry["error_kind"].is_null(),
                    "{entry}"
                );
            }
            "failed" => {
                assert!(
                    entry["path"].is_null()
                        && entry["error"].is_string()
                        && entry["error_kind"].is_string(),
                    "{entry}"
                );
            }
            other => panic!("status {other:?}"),
        }
    }
    let status: Vec<&str> = downloads
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["ok", "ok", "failed", "failed", "failed"]);
    assert_eq!(
        downloads[0]["path"],
        out.join("first.bin").to_str().unwrap()
    );
    assert_eq!(downloads[0]["bytes"], "/slow/first.bin".len());
    assert_eq!(downloads[0]["http_status"], 200);
    let error = |i: usize| downloads[i]["error"].as_str().unwrap().to_string();
    assert!(error(2).contains("invalid URL"), "{}", error(2));
    assert!(error(3).contains("unsupported scheme"), "{}", error(3));
    assert_eq!(
        (&downloads[2]["attempts"], &downloads[3]["attempts"]),
        (&0.into(), &0.into())
    );
    assert_eq!(downloads[4]["http_status"], 404);
    assert_eq!(error(4), "HTTP 404 Not Found");
    let kinds: Vec<&Value> = downloads.iter().map(|d| &d["error_kind"]).collect();
    assert_eq!(
        kinds,
        [
            &Value::Null,
            &Value::Null,
            &Value::from("invalid_url"),
            &Value::from("invalid_url"),
            &Value::from("http_status"),
        ]
    );
}

#[test]
fn urls_come_from_stdin_with_comments_and_blank_lines_skipped() {
    let site = site();
    let dir = TempDir::new("stdin");
    let out = dir.join("out");
    let report_path = dir.join("r.json");
    let list = format!(
        "# my downloads\n\n   {}  \n\t\n# {}\n{}\n",
        site.url("/one.txt"),
        site.url("/commented-out.txt"),
        site.url("/two.txt")
    );
    let mut child = spool_dl(&[
        "-q",
        "-i",
        "-",
        "-o",
        out.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = read_report(&report_path);
    let urls: Vec<&str> = report["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, [site.url("/one.txt"), site.url("/two.txt")]);
    assert!(!out.join("commented-out.txt").exists());
}

#[test]
fn off_a_terminal_each_finished_file_is_one_line_and_quiet_prints_none() {
    let site = site();
    let dir = TempDir::new("progress");
    let urls = [site.url("/a.txt"), site.url("/b.txt"), site.url("/missing")];
    let out = dir.join("out");
    let mut args = vec!["-o", out.to_str().unwrap()];
    args.extend(urls.iter().map(String::as_str));
    let output = run(&args);
    let log = stderr(&output);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("ok      ")).count(),
        2,
        "{log}"
    );
    assert!(
        lines.contains(&format!("failed  {}: HTTP 404 Not Found", urls[2]).as_str()),
        "{log}"
    );

    let quiet_out = dir.join("quiet");
    let mut args = vec!["-q", "-o", quiet_out.to_str().unwrap()];
    args.extend(urls.iter().map(String::as_str));
    let output = run(&args);
    assert_eq!(stderr(&output), "");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Downloaded 2 of 3 files"));
}

#[test]
fn a_list_line_that_is_not_text_is_a_failed_entry_and_the_rest_still_runs() {
    let site = site();
    let dir = TempDir::new("bad-line");
    let list = dir.join("list.txt");
    let mut bytes = format!("{}\n", site.url("/one.txt")).into_bytes();
    bytes.extend_from_slice(b"http://x/\xff\xfe\n");
    bytes.extend_from_slice(format!("{}\n", site.url("/two.txt")).as_bytes());
    std::fs::write(&list, bytes).unwrap();
    let out = dir.join("out");
    let report_path = dir.join("r.json");
    let output = run(&[
        "-q",
        "-i",
        list.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = read_report(&report_path);
    let downloads = report["downloads"].as_array().unwrap();
    let status: Vec<&str> = downloads
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["ok", "failed", "ok"]);
    let reason = downloads[1]["error"].as_str().unwrap();
    assert!(reason.contains("line 2"), "{reason}");
    assert_eq!(downloads[1]["attempts"], 0);
}

#[test]
fn an_output_path_that_is_a_file_is_refused_before_downloading() {
    let site = site();
    let dir = TempDir::new("out-is-file");
    let out = dir.join("out");
    std::fs::write(&out, b"not a directory").unwrap();
    let output = run(&["-q", "-o", out.to_str().unwrap(), &site.url("/a.txt")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(out.to_str().unwrap()),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"not a directory");
}

/// The library names the limit that ran out; the command adds the flag
/// that sets it, on the progress line and in the report.
#[test]
fn a_timeout_is_reported_with_its_kind_and_the_flag_that_sets_it() {
    let site = site();
    let dir = TempDir::new("timeout");
    let out = dir.join("out");
    let report_path = dir.join("r.json");
    let output = run(&[
        "--timeout",
        "0.1",
        "--retries",
        "0",
        "-o",
        out.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
        &site.url("/slow/late.bin"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let entry = &read_report(&report_path)["downloads"][0];
    assert_eq!(entry["error_kind"], "timeout", "{entry}");
    let error = entry["error"].as_str().unwrap();
    assert!(
        error.contains("attempt timeout ran out (--timeout)"),
        "{error}"
    );
    assert!(
        stderr(&output).contains("attempt timeout ran out (--timeout)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_ca_cert_is_a_usage_error_that_names_the_flag_and_the_file() {
    let dir = TempDir::new("bad-ca");
    let pem = dir.join("ca.pem");
    std::fs::write(&pem, b"not a certificate").unwrap();
    let out = dir.join("out");
    let output = run(&[
        "-q",
        "--ca-cert",
        pem.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "http://127.0.0.1:9/x",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!("--ca-cert {}", pem.display())),
        "{message}"
    );
}

#[test]
fn a_report_that_cannot_be_written_makes_the_run_fail() {
    let site = site();
    let dir = TempDir::new("report-unwritable");
    let out = dir.join("out");
    let report_path = dir.join("no-such-dir").join("r.json");
    let output = run(&[
        "-q",
        "-o",
        out.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
        &site.url("/a.txt"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("report"), "{}", stderr(&output));
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"/a.txt");
}

/// Ten thousand URLs through the real command: the list is streamed from
/// the file by the reader thread, and the process stays small. Watched
/// from outside through `/proc/PID`: descriptors sampled as it runs, and
/// its peak resident memory (`VmHWM`).
#[test]
fn ten_thousand_urls_through_the_command_in_bounded_memory_and_descriptors() {
    const URLS: usize = 10_000;
    const JOBS: usize = 8;
    let site = site();
    let dir = TempDir::new("scale");
    let list = dir.join("urls.txt");
    let text: String = (0..URLS)
        .map(|i| site.url(&format!("/f-{i}.txt\n")))
        .collect();
    std::fs::write(&list, text).unwrap();
    // In memory where possible: this measures the downloader, not the disk.
    let scratch = TempDir::in_memory("scale-out");
    let out = scratch.join("out");
    let mut child = spool_dl(&[
        "-q",
        "-j",
        &JOBS.to_string(),
        "-i",
        list.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (mut max_fds, mut peak_kib) = (0, 0u64);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        max_fds = max_fds.max(open_fds_of(child.id()).unwrap_or(0));
        peak_kib = peak_kib.max(status_kib_of(child.id(), "VmHWM").unwrap_or(0));
        thread::sleep(Duration::from_millis(20));
    };
    let saved = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    let sample = std::fs::read(out.join("f-9999.txt")).unwrap_or_default();
    assert_eq!(status.code(), Some(0));
    assert_eq!(saved, URLS);
    assert_eq!(sample, b"/f-9999.txt");
    // Per slot a socket and a .part file; the rest (stdio, the list, the
    // loops' pollers and wakers) is a small constant.
    assert!(
        max_fds > 0 && max_fds <= 2 * JOBS + 16,
        "{max_fds} descriptors"
    );
    assert!(
        peak_kib > 0 && peak_kib < 64 * 1024,
        "peak RSS {peak_kib} KiB"
    );
    eprintln!("command scale: at most {max_fds} fds, peak RSS {peak_kib} KiB");
}
