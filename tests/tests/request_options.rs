//! The second wave through the library: header fields, per-URL options
//! (checksum, name), the rate limit, `Content-Disposition` and URL
//! credentials, set on a `DownloaderBuilder` or a `Target`, against the
//! kit's servers.

use std::fs;
use std::time::{Duration, Instant};

use spool_dl::Target;
use spool_dl::header::Header;
use spool_dl::report::Status;
use spool_dl::url_options::UrlOptions;
use spool_http::server::{Request, Response};
use spool_tests::{TempDir, TestServer, names_in, quick};

/// SHA-256 of one million `a` (FIPS 180-2, appendix B.3).
const MILLION_A_SHA256: &str = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

fn with_options(url: String, options: UrlOptions) -> Target {
    Target::Url(url, options)
}

#[test]
fn builder_headers_and_per_url_headers_are_both_sent() {
    let server = TestServer::start(|request: Request| {
        let fields: Vec<String> = request
            .headers()
            .iter()
            .map(|(n, v)| format!("{}={}", n.to_ascii_lowercase(), String::from_utf8_lossy(v)))
            .collect();
        std::future::ready(Response::text(200, fields.join("\n")))
    });
    let dir = TempDir::new("lib-headers");
    let mut options = UrlOptions::default();
    options.set("header", "X-Own: mine").unwrap();
    let report = quick(dir.path())
        .headers(vec!["X-Batch: all".parse::<Header>().unwrap()])
        .user_agent("lib-agent/1")
        .build()
        .unwrap()
        .run([
            with_options(server.url("/one"), options),
            server.url("/two").into(),
        ]);
    assert!(!report.any_failed(), "{report:?}");
    let one = fs::read_to_string(dir.join("one")).unwrap();
    let two = fs::read_to_string(dir.join("two")).unwrap();
    assert!(
        one.contains("x-batch=all") && one.contains("x-own=mine"),
        "{one}"
    );
    assert!(
        two.contains("x-batch=all") && !two.contains("x-own"),
        "{two}"
    );
    assert!(one.contains("user-agent=lib-agent/1"), "{one}");
}

#[test]
fn a_checksum_option_guards_the_final_name() {
    let server = TestServer::start(|request: Request| {
        let mut body = vec![b'a'; 1_000_000];
        if request.path() == "/bad" {
            body[999_999] = b'z';
        }
        std::future::ready(Response::bytes(200, body))
    });
    let dir = TempDir::new("lib-checksum");
    let target = |path: &str, out: &str| {
        let mut options = UrlOptions::default();
        options
            .set("checksum", &format!("sha-256={MILLION_A_SHA256}"))
            .unwrap();
        options.set("out", out).unwrap();
        with_options(server.url(path), options)
    };
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([target("/good", "good.bin"), target("/bad", "bad.bin")]);
    assert_eq!(report.downloads[0].status, Status::Ok, "{report:?}");
    assert_eq!(report.downloads[1].status, Status::Failed);
    assert_eq!(report.downloads[1].attempts, 3);
    let error = report.downloads[1].error.as_deref().unwrap();
    assert!(error.contains(MILLION_A_SHA256), "{error}");
    assert_eq!(names_in(dir.path()), ["good.bin"]);
}

#[test]
fn the_rate_limit_is_shared_by_the_batch() {
    // Four 128 KiB files, four at a time, 256 KiB/s in all: 2 s, less one
    // burst. Per-download limits would take a quarter of that.
    let server = TestServer::start(|_: Request| {
        std::future::ready(Response::bytes(200, vec![1u8; 128 * 1024]))
    });
    let dir = TempDir::new("lib-rate");
    let started = Instant::now();
    let report = quick(dir.path())
        .concurrency(4)
        .limit_rate(Some("256K".parse().unwrap()))
        .build()
        .unwrap()
        .run((0..4).map(|i| server.url(&format!("/f{i}"))));
    let elapsed = started.elapsed();
    assert!(!report.any_failed(), "{report:?}");
    assert!(elapsed >= Duration::from_millis(1800), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[test]
fn content_disposition_names_collide_like_any_other() {
    let server = TestServer::start(|_: Request| {
        std::future::ready(Response::text(200, "x").header(
            "Content-Disposition",
            "attachment; filename=\"../same.txt\"",
        ))
    });
    let dir = TempDir::new("lib-cd");
    fs::write(dir.join("_._same.txt"), "old").unwrap();
    let report = quick(dir.path())
        .content_disposition(true)
        .build()
        .unwrap()
        .run([server.url("/a"), server.url("/b")]);
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(
        names_in(dir.path()),
        ["_._same.1.txt", "_._same.2.txt", "_._same.txt"]
    );
    assert_eq!(fs::read_to_string(dir.join("_._same.txt")).unwrap(), "old");
}

#[test]
fn url_credentials_are_sent_and_masked_in_the_report() {
    let server = TestServer::start(|request: Request| {
        let auth = request.headers().get("authorization").unwrap_or("none");
        std::future::ready(Response::text(200, auth.to_owned()))
    });
    let dir = TempDir::new("lib-auth");
    let url = server
        .url("/secret.txt")
        .replacen("http://", "http://bob:hunter2@", 1);
    let report = quick(dir.path()).build().unwrap().run([url]);
    assert!(!report.any_failed(), "{report:?}");
    // base64("bob:hunter2")
    assert_eq!(
        fs::read_to_string(dir.join("secret.txt")).unwrap(),
        "Basic Ym9iOmh1bnRlcjI="
    );
    assert_eq!(
        report.downloads[0].url,
        format!("http://***@{}/secret.txt", server.addr())
    );
    assert!(!report.to_json().contains("hunter2"));
}
