//! How many downloads run at once, and how many connections they use, as
//! the server counts them; and big bodies streamed side by side.

use std::time::Duration;

use spool_dl::backoff::RetryPolicy;
use spool_dl::report::Status;
use spool_http::server::{Request, Response, ServeDir};
use spool_tests::{InFlight, RawServer, RequestLog, TempDir, TestServer, body_for, quick};

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

/// A server that closes every connection right after its response,
/// without saying `Connection: close`: the pooled connection is dead by
/// the time the next download wants it. That must cost no attempts (here
/// there are none to spare), only a new connection.
#[test]
fn a_server_closing_kept_alive_connections_costs_no_attempts() {
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        }
    });
    let dir = TempDir::new("closing");
    let downloader = quick(dir.path())
        .concurrency(1)
        .retry(RetryPolicy::new(0, Duration::ZERO))
        .build()
        .unwrap();
    let report = downloader.run((0..200).map(|i| server.url(&format!("/f{i}"))));
    let failed: Vec<_> = report
        .downloads
        .iter()
        .filter(|d| d.status != Status::Ok)
        .collect();
    assert!(
        failed.is_empty(),
        "{} failed, first: {:?}",
        failed.len(),
        failed.first()
    );
    assert_eq!(server.accepted(), 200);
    // And after a pause, when the closed connection has long sat idle.
    std::thread::sleep(Duration::from_millis(100));
    let again = downloader.run([server.url("/later")]);
    assert_eq!(again.downloads[0].status, Status::Ok, "{again:?}");
}

/// Several multi-megabyte files at once, streamed in 64 KiB chunks by
/// `ServeDir`, each arrive byte for byte.
#[test]
fn large_files_downloaded_together_arrive_intact() {
    let root = TempDir::new("large-served");
    let bodies: Vec<Vec<u8>> = (0..4)
        .map(|i| body_for(&format!("/big-{i}.bin"), 3 * 1024 * 1024 + i * 7))
        .collect();
    for (i, body) in bodies.iter().enumerate() {
        std::fs::write(root.join(&format!("big-{i}.bin")), body).unwrap();
    }
    let server = TestServer::start(ServeDir::new(root.path()).unwrap());
    let dir = TempDir::new("large");
    let report = quick(dir.path())
        .concurrency(4)
        .build()
        .unwrap()
        .run((0..4).map(|i| server.url(&format!("/big-{i}.bin"))));
    assert!(!report.any_failed(), "{report:?}");
    for (i, body) in bodies.iter().enumerate() {
        let saved = std::fs::read(dir.join(&format!("big-{i}.bin"))).unwrap();
        assert!(saved == *body, "big-{i}.bin: {} bytes saved", saved.len());
        assert_eq!(report.downloads[i].bytes, body.len() as u64);
    }
}
