//! Wall times for the downloader against a local server; for the report,
//! not a test (timings on a shared machine make poor assertions).
//!
//! ```text
//! cargo run --release -p spool-tests --example bench
//! cargo run --release -p spool-tests --example bench -- serve DELAY_SECS
//! ```
//!
//! Without arguments it runs, in process, the tutorial's case (10 files
//! that each take 2 s, five at once: ideally 4.0 s) and 1,000 files of
//! 4 KiB with `-j 5` and `-j 50`. With `serve` it only runs the server,
//! answering `/anything` with 4 KiB after the delay and printing its
//! address, so the `spool-dl` binary can be timed against it.

use std::time::{Duration, Instant};

use spool_dl::Downloader;
use spool_http::server::{Request, Response};
use spool_tests::{TempDir, TestServer};

const FILE_SIZE: usize = 4 * 1024;

fn server(delay: Duration) -> TestServer {
    TestServer::start(move |_: Request| async move {
        if !delay.is_zero() {
            spool::time::sleep(delay).await;
        }
        Response::bytes(200, vec![b'x'; FILE_SIZE])
    })
}

fn time(label: &str, server: &TestServer, files: usize, jobs: usize) {
    let dir = TempDir::new("bench");
    let urls: Vec<String> = (0..files)
        .map(|i| server.url(&format!("/file-{i}.bin")))
        .collect();
    let downloader = Downloader::builder()
        .output_dir(dir.path())
        .concurrency(jobs)
        .build()
        .expect("a downloader");
    let started = Instant::now();
    let report = downloader.run(urls);
    let wall = started.elapsed();
    assert_eq!(report.succeeded(), files, "{}", report.summary());
    println!(
        "{label:<28} {files:>5} files  -j {jobs:<3} {:>8.3} s",
        wall.as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, delay] = args.as_slice()
        && mode == "serve"
    {
        let delay = Duration::from_secs_f64(delay.parse().expect("a delay in seconds"));
        let server = server(delay);
        println!("http://{}", server.addr());
        loop {
            std::thread::park();
        }
    }
    let slow = server(Duration::from_secs(2));
    time("tutorial (2 s per file)", &slow, 10, 5);
    let fast = server(Duration::ZERO);
    time("small files, no delay", &fast, 1000, 5);
    time("small files, no delay", &fast, 1000, 50);
}
