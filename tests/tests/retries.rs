//! Which failures are retried, how many times, and how long apart, as the
//! server sees it: the request log is the ground truth.

use std::time::Duration;

use spool_dl::backoff::RetryPolicy;
use spool_dl::report::Status;
use spool_http::server::{Request, Response};
use spool_tests::{RequestLog, TempDir, TestServer, quick};

/// `/missing`: 404. `/flaky`: 503 once, then the file. `/busy`: 503 with
/// `Retry-After: 1` once, then the file. `/down`: always 503. `/broken`:
/// always 500.
fn flaky(log: RequestLog) -> impl Fn(Request) -> std::future::Ready<Response> + Send {
    move |request: Request| {
        log.record(&request);
        let seen = log.for_path(request.path()).len();
        let response = match (request.path(), seen) {
            ("/flaky", 1) | ("/down", _) => Response::text(503, "later\n"),
            ("/busy", 1) => Response::text(503, "later\n").header("Retry-After", "1"),
            ("/broken", _) => Response::text(500, "oops\n"),
            ("/flaky" | "/busy", _) => Response::bytes(200, b"finally".to_vec()),
            _ => Response::not_found(),
        };
        std::future::ready(response)
    }
}

fn gaps(log: &RequestLog, path: &str) -> Vec<Duration> {
    let at: Vec<_> = log.for_path(path).iter().map(|l| l.at).collect();
    at.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn not_found_is_not_retried() {
    let log = RequestLog::new();
    let server = TestServer::start(flaky(log.clone()));
    let dir = TempDir::new("404");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/missing")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Failed);
    assert_eq!((d.attempts, d.http_status), (1, Some(404)));
    assert_eq!(d.error.as_deref(), Some("HTTP 404 Not Found"));
    assert_eq!(log.for_path("/missing").len(), 1);
}

#[test]
fn a_503_is_retried_and_then_succeeds() {
    let log = RequestLog::new();
    let server = TestServer::start(flaky(log.clone()));
    let dir = TempDir::new("503");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/flaky")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Ok, "{d:?}");
    assert_eq!((d.attempts, d.http_status), (2, Some(200)));
    assert_eq!(std::fs::read(dir.join("flaky")).unwrap(), b"finally");
    assert_eq!(log.for_path("/flaky").len(), 2);
}

#[test]
fn retry_after_is_waited_for_even_when_our_own_delay_is_shorter() {
    let log = RequestLog::new();
    let server = TestServer::start(flaky(log.clone()));
    let dir = TempDir::new("retry-after");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/busy")]);
    let d = &report.downloads[0];
    assert_eq!((d.status, d.attempts), (Status::Ok, 2), "{d:?}");
    let gap = gaps(&log, "/busy")[0];
    assert!(
        gap >= Duration::from_millis(950),
        "Retry-After: 1 but retried after {gap:?}"
    );
    assert!(gap < Duration::from_secs(5), "{gap:?}");
}

#[test]
fn retries_run_out_after_one_plus_retries_attempts() {
    let log = RequestLog::new();
    let server = TestServer::start(flaky(log.clone()));
    let dir = TempDir::new("exhausted");
    let report = quick(dir.path())
        .retry(RetryPolicy::new(3, Duration::from_millis(10)))
        .build()
        .unwrap()
        .run([server.url("/down")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Failed);
    assert_eq!((d.attempts, d.http_status), (4, Some(503)));
    assert_eq!(d.error.as_deref(), Some("HTTP 503 Service Unavailable"));
    assert_eq!(log.for_path("/down").len(), 4);
    assert_eq!(spool_tests::names_in(dir.path()), Vec::<String>::new());
}

/// With equal jitter each wait is between half and all of
/// `first_delay * 2^(n-1)`, so the gaps have lower bounds 50, 100, 200 ms
/// for a 100 ms first delay.
#[test]
fn backoff_doubles_between_attempts() {
    let log = RequestLog::new();
    let server = TestServer::start(flaky(log.clone()));
    let dir = TempDir::new("backoff");
    let report = quick(dir.path())
        .retry(RetryPolicy::new(3, Duration::from_millis(100)))
        .build()
        .unwrap()
        .run([server.url("/broken")]);
    assert_eq!(report.downloads[0].attempts, 4);
    let gaps = gaps(&log, "/broken");
    assert_eq!(gaps.len(), 3);
    for (gap, least) in gaps.iter().zip([50, 100, 200]) {
        assert!(*gap >= Duration::from_millis(least), "{gaps:?}");
    }
    let total: Duration = gaps.iter().sum();
    assert!(total < Duration::from_secs(5), "{gaps:?}");
}
