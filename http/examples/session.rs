//! The tutorial's `fetch_url`: several URLs fetched at once through one
//! shared client, each body read as JSON or text by its content type.
//!
//! ```text
//! cargo run -p spool-http --example session
//! ```
//!
//! aiohttp's advice is to make one `ClientSession` and reuse it, because its
//! pool keeps connections open between requests. `Client` is the same idea.
//! The example starts a small server on 127.0.0.1 that imitates the
//! tutorial's httpbin URLs (`/json`, `/delay/1` scaled to 0.1 s, `/uuid`,
//! and a 404), fetches them all concurrently, then fetches them all again
//! and shows that the second round reused the first round's connections.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spool_http::server::{Request, Response, Server};
use spool_http::{Client, Error};

/// What `fetch_url` returns: the tutorial's dict, as a type.
#[derive(Debug)]
enum Fetched {
    Json {
        status: u16,
        data: serde_json::Value,
    },
    Text {
        status: u16,
        data: String,
    },
    Failed(Error),
}

// ANCHOR: fetch_url
async fn fetch_url(client: &Client, url: &str) -> Fetched {
    let result = async {
        let response = client
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await?;
        let status = response.status();
        let is_json = response.content_type() == Some("application/json");
        // Like aiohttp's text(), with a cap: a body is never read unbounded.
        let text = response.text(1 << 20).await?;
        Ok(match serde_json::from_str(&text) {
            Ok(data) if is_json => Fetched::Json { status, data },
            _ => Fetched::Text { status, data: text },
        })
    };
    result.await.unwrap_or_else(Fetched::Failed)
}
// ANCHOR_END: fetch_url

fn main() {
    spool::block_on(async {
        let started = Instant::now();
        let peers = Rc::new(RefCell::new(BTreeSet::new()));
        let server = Server::bind("127.0.0.1:0".parse().unwrap()).expect("bind 127.0.0.1");
        let base = format!("http://{}", server.local_addr());
        let shutdown = server.shutdown_handle();
        let serving = spool::spawn(server.serve({
            let peers = peers.clone();
            move |request: Request| {
                peers.borrow_mut().insert(request.peer_addr());
                httpbin(request)
            }
        }));

        // One client for everything, configured like the tutorial's
        // TCPConnector(limit=100, limit_per_host=30, ttl_dns_cache=300).
        let client = Client::builder()
            .limit(100)
            .per_host(30)
            .dns_ttl(Duration::from_secs(300))
            .build()
            .expect("client settings are valid");
        let urls = ["/json", "/delay/1", "/uuid", "/missing"].map(|path| format!("{base}{path}"));
        for round in 1..=2 {
            let results = spool::join_all(urls.iter().map(|url| fetch_url(&client, url))).await;
            println!("[{:6.3}s] round {round}:", started.elapsed().as_secs_f64());
            for (url, fetched) in urls.iter().zip(&results) {
                match fetched {
                    Fetched::Json { status, data } => println!("  [{status}] {url}  json: {data}"),
                    Fetched::Text { status, data } => {
                        println!("  [{status}] {url}  text: {}", data.trim())
                    }
                    Fetched::Failed(e) => println!("  [N/A] {url}  error: {e}"),
                }
            }
        }

        let connections = peers.borrow().len();
        println!(
            "[{:6.3}s] 8 requests over {connections} connections: the second round reused the first's",
            started.elapsed().as_secs_f64()
        );
        assert!(connections <= urls.len(), "the pool must reuse connections");
        shutdown.shutdown();
        let _ = serving.await;
    });
}

/// A few of httpbin's routes, enough for the tutorial's example.
async fn httpbin(request: Request) -> Response {
    match request.path() {
        "/json" => Response::bytes(200, r#"{"slideshow": {"title": "Sample Slide Show"}}"#)
            .header("Content-Type", "application/json"),
        "/delay/1" => {
            spool::time::sleep(Duration::from_millis(100)).await;
            Response::text(200, "waited 1 (tutorial) second\n")
        }
        "/uuid" => Response::text(200, format!("{}\n", pseudo_uuid(request.peer_addr()))),
        _ => Response::not_found(),
    }
}

/// Not a real UUID: just something that changes between connections.
fn pseudo_uuid(peer: SocketAddr) -> String {
    format!("00000000-0000-4000-8000-{:012x}", peer.port())
}
