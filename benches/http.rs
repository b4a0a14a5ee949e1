//! spool-http against hyper, client and server, over keep-alive on
//! 127.0.0.1.
//!
//! Two servers run for the whole process, each on a thread of its own:
//! spool-http's `Server` on a spool loop, and hyper's HTTP/1.1 connection
//! server on a tokio current-thread runtime, one task per connection. Both
//! answer `/small` with 1 KiB and `/big` with 64 MiB, each sent with
//! `Content-Length` in pieces of at most 64 KiB.
//!
//! Two clients take turns on the bench thread, each on a one-thread loop of
//! its own: spool-http's `Client`, and hyper-util's pooled ("legacy")
//! `Client`, which is the hyper counterpart of a client with a keep-alive
//! pool. Every workload is one criterion group holding all four pairings,
//! named `<client>_on_<server>`, so the client ratio can be read with the
//! server fixed and the server ratio with the client fixed, all from one
//! run. The machine has two cores: one for the server thread, one for the
//! client.
//!
//! Each sample makes a new client and opens its connections with warm-up
//! requests before the clock starts, so what is timed is requests on
//! kept-alive connections, not TCP handshakes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::service::service_fn;
use hyper::{StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use spool_http::server::{Body, Request, Response, Server};

/// The small body, fetched many times over.
const SMALL: usize = 1024;
/// Sequential requests per iteration.
const SEQUENTIAL: usize = 1000;
/// Concurrent requests per iteration, and the connections they share.
const CONCURRENT: usize = 100;
const CONNECTIONS: usize = 10;
/// The large body, streamed and discarded.
const BIG: usize = 64 * 1024 * 1024;
/// The largest piece either server hands to its connection at once.
const PIECE: usize = 64 * 1024;

/// The bytes both servers send for `/big`: slices of one static buffer.
static FILLER: [u8; PIECE] = [b'x'; PIECE];

/// What one iteration does.
#[derive(Clone, Copy)]
enum Work {
    /// `SEQUENTIAL` GETs of `/small`, one after another, on one connection.
    Sequential,
    /// `CONCURRENT` GETs of `/small` at once, over at most `CONNECTIONS`.
    Concurrent,
    /// One GET of `/big`, read piece by piece and thrown away.
    Stream,
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

// ---------------------------------------------------------------------------
// Servers

/// Starts spool-http's server on a thread of its own; returns its address.
fn spool_server() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("spool-server".into())
        .spawn(move || {
            spool::block_on(async move {
                let server = Server::bind(localhost()).expect("bind the spool server");
                tx.send(server.local_addr()).expect("send the address");
                server.serve(spool_handler).await;
            })
        })
        .expect("spawn the spool server thread");
    rx.recv().expect("the spool server's address")
}

/// Both servers send their bodies as slices of one static buffer, as a
/// program serving a cached file would, so neither pays for a fresh
/// buffer per response or per piece.
async fn spool_handler(request: Request) -> Response {
    match request.path() {
        "/small" => Response::bytes(200, &FILLER[..SMALL]),
        "/big" => {
            let pieces = (0..BIG / PIECE).map(|_| Ok(&FILLER[..]));
            let body = Body::sized_stream(BIG as u64, spool::stream::iter(pieces));
            Response::new(200).body(body)
        }
        _ => Response::not_found(),
    }
}

/// Starts hyper's HTTP/1.1 server on a thread of its own, on tokio's
/// current-thread runtime; returns its address.
fn hyper_server() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("hyper-server".into())
        .spawn(move || {
            tokio_runtime().block_on(async move {
                let listener = tokio::net::TcpListener::bind(localhost())
                    .await
                    .expect("bind the hyper server");
                tx.send(listener.local_addr().expect("local address"))
                    .expect("send the address");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    // As spool's server does: a response goes out as head
                    // and body, and Nagle must not hold the body back.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service_fn(hyper_handler))
                            .await;
                    });
                }
            })
        })
        .expect("spawn the hyper server thread");
    rx.recv().expect("the hyper server's address")
}

async fn hyper_handler(
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Pieces>, Infallible> {
    let (status, len) = match request.uri().path() {
        "/small" => (StatusCode::OK, SMALL),
        "/big" => (StatusCode::OK, BIG),
        _ => (StatusCode::NOT_FOUND, 0),
    };
    let mut response = hyper::Response::new(Pieces { left: len });
    *response.status_mut() = status;
    Ok(response)
}

/// A body of `left` bytes, sent as frames of at most `PIECE` bytes sliced
/// from `FILLER`. Its exact size hint makes hyper send `Content-Length`.
struct Pieces {
    left: usize,
}

impl hyper::body::Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(PIECE);
        self.left -= n;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&FILLER[..n])))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left as u64)
    }
}

// ---------------------------------------------------------------------------
// spool-http's client

/// Runs `iters` iterations of `work` against `server` with a new
/// spool-http client, and returns the time they took.
fn spool_client(server: SocketAddr, work: Work, iters: u64) -> Duration {
    spool::block_on(async move {
        let client = spool_http::Client::builder()
            .limit(CONNECTIONS)
            .build()
            .expect("spool-http client");
        let small: Rc<str> = format!("http://{server}/small").into();
        let big = format!("http://{server}/big");
        // Warm-up: open the connections the workload will reuse.
        match work {
            Work::Sequential | Work::Stream => spool_get_small(&client, &small).await,
            Work::Concurrent => spool_concurrent(&client, &small).await,
        }
        let start = Instant::now();
        for _ in 0..iters {
            match work {
                Work::Sequential => {
                    for _ in 0..SEQUENTIAL {
                        spool_get_small(&client, &small).await;
                    }
                }
                Work::Concurrent => spool_concurrent(&client, &small).await,
                Work::Stream => spool_stream(&client, &big).await,
            }
        }
        start.elapsed()
    })
}

async fn spool_get_small(client: &spool_http::Client, url: &str) {
    let response = client.get(url).send().await.expect("GET /small");
    assert_eq!(response.status(), 200);
    let body = response.bytes(2 * SMALL).await.expect("the small body");
    assert_eq!(body.len(), SMALL);
}

/// `CONCURRENT` tasks, one GET each; the client's pool limit
/// (`CONNECTIONS`) makes the surplus wait for a connection.
async fn spool_concurrent(client: &spool_http::Client, url: &Rc<str>) {
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            spool::spawn(async move { spool_get_small(&client, &url).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("a concurrent GET");
    }
}

async fn spool_stream(client: &spool_http::Client, url: &str) {
    let mut response = client.get(url).send().await.expect("GET /big");
    assert_eq!(response.status(), 200);
    let mut total = 0;
    while let Some(piece) = response.chunk().await.expect("a piece of /big") {
        total += piece.len();
    }
    assert_eq!(total, BIG);
}

// ---------------------------------------------------------------------------
// hyper's client

type HyperClient = hyper_util::client::legacy::Client<HttpConnector, Empty<Bytes>>;

/// Runs `iters` iterations of `work` against `server` with a new hyper-util
/// client on a new tokio current-thread runtime, and returns the time they
/// took.
fn hyper_client(server: SocketAddr, work: Work, iters: u64) -> Duration {
    tokio_runtime().block_on(async move {
        // spool-http's client sets TCP_NODELAY too.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: HyperClient =
            hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
        let small: Uri = format!("http://{server}/small").parse().expect("URI");
        let big: Uri = format!("http://{server}/big").parse().expect("URI");
        // hyper-util's pool has no limit on connections per host, so a
        // semaphore plays the part of spool-http's `limit`.
        let connections = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
        match work {
            Work::Sequential | Work::Stream => hyper_get_small(&client, &small).await,
            Work::Concurrent => hyper_concurrent(&client, &small, &connections).await,
        }
        let start = Instant::now();
        for _ in 0..iters {
            match work {
                Work::Sequential => {
                    for _ in 0..SEQUENTIAL {
                        hyper_get_small(&client, &small).await;
                    }
                }
                Work::Concurrent => hyper_concurrent(&client, &small, &connections).await,
                Work::Stream => hyper_stream(&client, &big).await,
            }
        }
        start.elapsed()
    })
}

async fn hyper_get_small(client: &HyperClient, uri: &Uri) {
    let response = client.get(uri.clone()).await.expect("GET /small");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the small body")
        .to_bytes();
    assert_eq!(body.len(), SMALL);
}

async fn hyper_concurrent(
    client: &HyperClient,
    uri: &Uri,
    connections: &Arc<tokio::sync::Semaphore>,
) {
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (client, uri, connections) = (client.clone(), uri.clone(), connections.clone());
            tokio::spawn(async move {
                let _permit = connections.acquire().await.expect("semaphore open");
                hyper_get_small(&client, &uri).await;
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a concurrent GET");
    }
}

async fn hyper_stream(client: &HyperClient, uri: &Uri) {
    let response = client.get(uri.clone()).await.expect("GET /big");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.expect("a piece of /big").data_ref() {
            total += data.len();
        }
    }
    assert_eq!(total, BIG);
}

// ---------------------------------------------------------------------------
// The groups

fn http(c: &mut Criterion) {
    let servers = [("spool", spool_server()), ("hyper", hyper_server())];
    let workloads = [
        (
            "http_sequential_1KiB_x1000",
            Work::Sequential,
            Throughput::Elements(SEQUENTIAL as u64),
        ),
        (
            "http_concurrent_100_on_10_connections",
            Work::Concurrent,
            Throughput::Elements(CONCURRENT as u64),
        ),
        (
            "http_stream_64MiB",
            Work::Stream,
            Throughput::Bytes(BIG as u64),
        ),
    ];
    for (name, work, throughput) in workloads {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5))
            .throughput(throughput);
        for (server_name, server) in servers {
            group.bench_function(format!("spool_on_{server_name}"), |b| {
                b.iter_custom(|iters| spool_client(server, work, iters))
            });
            group.bench_function(format!("hyper_on_{server_name}"), |b| {
                b.iter_custom(|iters| hyper_client(server, work, iters))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, http);
criterion_main!(benches);
