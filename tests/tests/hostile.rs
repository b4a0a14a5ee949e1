//! Servers that break the rules: cut bodies short, reset, stall, answer
//! with something that is not HTTP, send an endless head, redirect forever.
//!
//! The contract under test: every one of them ends as a failed report
//! entry with a reason (never a panic or a hang), transient trouble is
//! retried and permanent trouble is not, and nothing ever appears under
//! the final file name unless the whole body arrived.

use std::time::{Duration, Instant};

use spool_dl::Timeouts;
use spool_dl::backoff::RetryPolicy;
use spool_dl::error::{ErrorKind, Limit};
use spool_dl::report::{Download, Status};
use spool_http::server::{Request, Response};
use spool_tests::{RawServer, RequestLog, TempDir, TestServer, names_in, quick};

const HEAD_1000: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";

fn only(report: &spool_dl::report::Report) -> &Download {
    assert_eq!(report.downloads.len(), 1, "{report:?}");
    &report.downloads[0]
}

fn error(d: &Download) -> &str {
    d.error.as_deref().unwrap_or_default()
}

#[test]
fn a_truncated_body_is_retried_and_never_saved_under_the_final_name() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(HEAD_1000);
            c.write(&[b'x'; 400]);
        }
    });
    let dir = TempDir::new("truncated");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 3, "1 + 2 retries: {d:?}");
    assert_eq!(server.accepted(), 3);
    assert!(error(d).contains("400"), "says how far it got: {d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Connection), "{d:?}");
    assert!(!dir.join("data.bin").exists());
    // The bytes that did arrive stay in the .part file for --continue.
    assert_eq!(names_in(dir.path()), ["data.bin.part"]);
    assert_eq!(std::fs::read(dir.join("data.bin.part")).unwrap().len(), 400);
}

#[test]
fn a_reset_mid_body_is_retried_and_never_saved_under_the_final_name() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(HEAD_1000);
            c.write(&[b'x'; 400]);
            std::thread::sleep(Duration::from_millis(50));
            c.reset();
        }
    });
    let dir = TempDir::new("reset");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 3, "{d:?}");
    assert_eq!(server.accepted(), 3);
    assert!(!error(d).is_empty());
    assert!(!dir.join("data.bin").exists());
}

fn short_read_timeout(dir: &std::path::Path) -> spool_dl::DownloaderBuilder {
    quick(dir)
        .retry(RetryPolicy::new(1, Duration::from_millis(10)))
        .timeouts(Timeouts {
            attempt: Duration::from_secs(10),
            connect: Duration::from_secs(2),
            read: Duration::from_millis(300),
        })
}

#[test]
fn a_server_that_never_answers_hits_the_read_timeout() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.stall(Duration::from_secs(10));
        }
    });
    let dir = TempDir::new("stalled-head");
    let started = Instant::now();
    let report = short_read_timeout(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let took = started.elapsed();
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 2, "timeouts are retried: {d:?}");
    assert!(error(d).contains("read timeout"), "{d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Timeout(Limit::Read)), "{d:?}");
    assert!(
        took >= Duration::from_millis(600),
        "two 0.3 s waits: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn a_body_that_stalls_hits_the_read_timeout() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(HEAD_1000);
            c.write(&[b'x'; 100]);
            c.stall(Duration::from_secs(10));
        }
    });
    let dir = TempDir::new("stalled-body");
    let started = Instant::now();
    let report = short_read_timeout(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let took = started.elapsed();
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 2, "{d:?}");
    assert!(error(d).contains("read timeout"), "{d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Timeout(Limit::Read)), "{d:?}");
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(!dir.join("data.bin").exists());
}

#[test]
fn garbage_instead_of_http_fails_at_once_without_retrying() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n\r\n");
            c.stall(Duration::from_millis(200));
        }
    });
    let dir = TempDir::new("garbage");
    let started = Instant::now();
    let report = quick(dir.path())
        .retry(RetryPolicy::new(3, Duration::from_secs(1)))
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 1, "a protocol error is fatal: {d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Protocol), "{d:?}");
    assert_eq!(server.accepted(), 1);
    assert!(!error(d).is_empty());
    // Fast: no 1 s retry delay was waited out.
    assert!(started.elapsed() < Duration::from_millis(900));
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn an_endless_response_head_is_cut_off_and_not_retried() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(b"HTTP/1.1 200 OK\r\nX-Padding: ");
            c.write(&vec![b'a'; 1 << 20]);
        }
    });
    let dir = TempDir::new("oversize-head");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 1, "{d:?}");
    assert!(error(d).contains("head"), "{d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Protocol), "{d:?}");
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

fn redirecting(log: RequestLog) -> impl Fn(Request) -> std::future::Ready<Response> + Send {
    move |request: Request| {
        log.record(&request);
        let response = match request.path() {
            "/start/report.pdf" => Response::new(302).header("Location", "/hop/1"),
            "/hop/1" => Response::new(301).header("Location", "/hop/2"),
            "/hop/2" => Response::new(307).header("Location", "/final/stored-name.bin"),
            "/final/stored-name.bin" => Response::bytes(200, b"the real thing".to_vec()),
            "/loop" => Response::new(302).header("Location", "/loop"),
            _ => Response::not_found(),
        };
        std::future::ready(response)
    }
}

/// Redirects are followed, and the file is named after the URL the user
/// asked for, not the one it was finally served from: the list the user
/// wrote is what they will look for on disk (wget without
/// `--trust-server-names` does the same).
#[test]
fn a_redirect_chain_is_followed_and_the_file_named_after_the_original_url() {
    let log = RequestLog::new();
    let server = TestServer::start(redirecting(log.clone()));
    let dir = TempDir::new("redirects");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/start/report.pdf")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Ok, "{d:?}");
    assert_eq!(d.http_status, Some(200));
    assert_eq!(d.attempts, 1);
    assert_eq!(log.all().len(), 4);
    assert_eq!(names_in(dir.path()), ["report.pdf"]);
    assert_eq!(
        std::fs::read(dir.join("report.pdf")).unwrap(),
        b"the real thing"
    );
}

#[test]
fn a_redirect_loop_fails_with_too_many_redirects_and_is_not_retried() {
    let log = RequestLog::new();
    let server = TestServer::start(redirecting(log.clone()));
    let dir = TempDir::new("redirect-loop");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/loop")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Failed);
    assert_eq!(d.attempts, 1, "{d:?}");
    assert!(error(d).contains("redirects"), "{d:?}");
    assert_eq!(d.error_kind, Some(ErrorKind::Redirect), "{d:?}");
    // The client's default limit is 10 redirects: 11 requests, once.
    assert_eq!(log.all().len(), 11);
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

/// The first attempt gets 400 bytes of 1000 and no validator, so the
/// second must start from byte 0. It once appended after a hole of zeros
/// instead (the `.part` was truncated but its write position was not
/// rewound), saving a 1400-byte file that began with 400 zero bytes.
#[test]
fn a_download_retried_after_a_partial_body_is_saved_intact() {
    let body = spool_tests::body_for("/data.bin", 1000);
    let server = RawServer::start({
        let body = body.clone();
        move |mut c| {
            if c.read_request().is_none() {
                return;
            }
            c.write(HEAD_1000);
            if c.index == 0 {
                c.write(&body[..400]);
            } else {
                c.write(&body);
                c.stall(Duration::from_millis(500));
            }
        }
    });
    let dir = TempDir::new("retry-intact");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let d = only(&report);
    assert_eq!(d.status, Status::Ok, "{d:?}");
    assert_eq!(d.attempts, 2);
    assert_eq!(d.bytes, 1000);
    let saved = std::fs::read(dir.join("data.bin")).unwrap();
    let zeros = saved.iter().take_while(|&&b| b == 0).count();
    assert!(
        saved == body,
        "saved {} bytes, starting with {zeros} zero bytes",
        saved.len()
    );
    assert_eq!(names_in(dir.path()), ["data.bin"]);
}

/// Each byte arrives well within the read timeout, so only the limit on
/// the whole attempt (`--timeout`) can stop a server that trickles.
#[test]
fn a_trickling_server_is_cut_off_by_the_attempt_timeout() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(HEAD_1000);
            for _ in 0..100 {
                c.write(b"x");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });
    let dir = TempDir::new("trickle");
    let started = Instant::now();
    let report = quick(dir.path())
        .retry(RetryPolicy::new(1, Duration::from_millis(10)))
        .timeouts(Timeouts {
            attempt: Duration::from_millis(400),
            connect: Duration::from_secs(2),
            read: Duration::from_secs(2),
        })
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let took = started.elapsed();
    let d = only(&report);
    assert_eq!((d.status, d.attempts), (Status::Failed, 2), "{d:?}");
    assert_eq!(
        d.error_kind,
        Some(ErrorKind::Timeout(Limit::Attempt)),
        "{d:?}"
    );
    assert!(error(d).contains("attempt timeout"), "{d:?}");
    assert!(took >= Duration::from_millis(800), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert!(!dir.join("data.bin").exists());
}

#[test]
fn a_refused_connection_is_retried() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = TempDir::new("refused");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([format!("http://127.0.0.1:{port}/data.bin")]);
    let d = only(&report);
    assert_eq!(
        (d.status, d.attempts, d.http_status),
        (Status::Failed, 3, None),
        "{d:?}"
    );
    assert!(!error(d).is_empty());
    assert_eq!(d.error_kind, Some(ErrorKind::Connect), "{d:?}");
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn a_chunked_body_cut_before_its_last_chunk_is_not_saved() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        }
    });
    let dir = TempDir::new("chunked-cut");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    let d = only(&report);
    assert_eq!((d.status, d.attempts), (Status::Failed, 3), "{d:?}");
    assert!(!dir.join("data.bin").exists());
    assert_eq!(std::fs::read(dir.join("data.bin.part")).unwrap(), b"hello");
}

#[test]
fn an_empty_body_is_an_empty_file() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            c.stall(Duration::from_millis(500));
        }
    });
    let dir = TempDir::new("empty");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/empty.txt")]);
    let d = only(&report);
    assert_eq!((d.status, d.bytes), (Status::Ok, 0), "{d:?}");
    assert_eq!(std::fs::read(dir.join("empty.txt")).unwrap(), b"");
    assert_eq!(names_in(dir.path()), ["empty.txt"]);
}
