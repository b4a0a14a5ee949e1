//! How many downloads run at once, and how many connections they use, as
//! the server counts them.

use std::time::Duration;

use spool_http::server::{Request, Response};
use spool_tests::{InFlight, RequestLog, TempDir, TestServer, quick};

/// Holds every request for `delay`, counting how many overlap.
fn slow(
    log: RequestLog,
    in_flight: InFlight,
    delay: Duration,
) -> impl Fn(Request) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response>>> + Send {
    move |request: Request| {
        log.record(&request);
        let guard = in_flight.enter();
        Box::pin(async move {
            spool::time::sleep(delay).await;
            drop(guard);
            Response::bytes(200, b"payload".to_vec())
        })
    }
}

fn urls(server: &TestServer, prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| server.url(&format!("/{prefix}-{i}")))
        .collect()
}

#[test]
fn concurrency_bounds_the_downloads_in_flight() {
    let in_flight = InFlight::new();
    let server = TestServer::start(slow(
        RequestLog::new(),
        in_flight.clone(),
        Duration::from_millis(100),
    ));
    let dir = TempDir::new("j3");
    let report = quick(dir.path())
        .concurrency(3)
        .build()
        .unwrap()
        .run(urls(&server, "f", 12));
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(in_flight.max(), 3);
}

#[test]
fn sequential_downloads_from_one_host_reuse_one_connection() {
    let log = RequestLog::new();
    let server = TestServer::start(slow(log.clone(), InFlight::new(), Duration::ZERO));
    let dir = TempDir::new("keepalive");
    let report = quick(dir.path())
        .concurrency(1)
        .build()
        .unwrap()
        .run(urls(&server, "f", 100));
    assert_eq!(report.succeeded(), 100);
    assert_eq!(log.all().len(), 100);
    assert_eq!(log.connections(), 1);
}

#[test]
fn per_host_bounds_each_host_while_others_proceed() {
    let (a, b) = (InFlight::new(), InFlight::new());
    let delay = Duration::from_millis(100);
    let server_a = TestServer::start(slow(RequestLog::new(), a.clone(), delay));
    let server_b = TestServer::start(slow(RequestLog::new(), b.clone(), delay));
    let dir = TempDir::new("per-host");
    let mut list = urls(&server_a, "a", 6);
    list.extend(urls(&server_b, "b", 6));
    let report = quick(dir.path())
        .concurrency(8)
        .per_host(2)
        .build()
        .unwrap()
        .run(list);
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!((a.max(), b.max()), (2, 2));
}
