//! The tutorial's rate limit: ten requests through a `Semaphore(3)`, so
//! never more than three are in flight at once.
//!
//! ```text
//! cargo run -p spool-http --example rate_limit
//! ```
//!
//! A local server stands in for `httpbin.org/delay/1` (scaled to 0.2 s) and
//! counts how many requests it is serving at any moment; the example checks
//! that the count never passed three. Ten jobs in batches of three take four
//! rounds: about 0.8 s.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spool::sync::Semaphore;
use spool_http::Client;
use spool_http::server::{Request, Response, Server};

// ANCHOR: fetch_with_limit
async fn fetch_with_limit(sem: &Semaphore, client: &Client, url: &str, started: Instant) -> u16 {
    let _permit = sem.acquire().await.expect("the semaphore is never closed");
    let status = match client.get(url).send().await {
        Ok(response) => response.status(),
        Err(e) => {
            println!("  {url} -> error: {e}");
            return 0;
        }
    };
    println!(
        "[{:6.3}s]  {url} -> {status}",
        started.elapsed().as_secs_f64()
    );
    status
}
// ANCHOR_END: fetch_with_limit

fn main() {
    spool::block_on(async {
        let started = Instant::now();
        let (now, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let server = Server::bind("127.0.0.1:0".parse().unwrap()).expect("bind 127.0.0.1");
        let base = format!("http://{}", server.local_addr());
        let shutdown = server.shutdown_handle();
        let serving = spool::spawn(server.serve({
            let (now, peak) = (now.clone(), peak.clone());
            move |_request: Request| {
                let (now, peak) = (now.clone(), peak.clone());
                async move {
                    now.set(now.get() + 1);
                    peak.set(peak.get().max(now.get()));
                    spool::time::sleep(Duration::from_millis(200)).await;
                    now.set(now.get() - 1);
                    Response::text(200, "{}")
                }
            }
        }));

        let sem = Semaphore::new(3);
        let client = Client::new();
        let urls: Vec<String> = (0..10).map(|i| format!("{base}/delay/1?id={i}")).collect();
        let jobs = urls
            .iter()
            .map(|url| fetch_with_limit(&sem, &client, url, started));
        let statuses = spool::join_all(jobs).await;

        let elapsed = started.elapsed();
        println!(
            "[{:6.3}s] {} requests done, at most {} at a time",
            elapsed.as_secs_f64(),
            statuses.len(),
            peak.get()
        );
        assert!(statuses.iter().all(|&s| s == 200));
        assert_eq!(peak.get(), 3, "the semaphore must hold requests to three");
        assert!(
            elapsed >= Duration::from_millis(800),
            "four rounds of 0.2 s"
        );
        shutdown.shutdown();
        let _ = serving.await;
    });
}
