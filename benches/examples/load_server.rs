//! One of two HTTP/1.1 servers with the same handler, for a load generator
//! such as wrk to drive (`benches/http_load.sh`).
//!
//! ```text
//! load_server spool PORT    # spool-http's Server on a spool loop
//! load_server hyper PORT    # hyper's http1 server on tokio's current_thread runtime
//! ```
//!
//! Both run on one thread and answer every request with 1 KiB of `x`,
//! `Content-Length` framed, on keep-alive connections; both set
//! `TCP_NODELAY`. The process serves until it is killed.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use spool_http::server::{Request, Response, Server};

/// The response body, the same for both servers.
static BODY: [u8; 1024] = [b'x'; 1024];

/// Above the 1,000 connections the load test opens, so neither server
/// makes clients queue in the listen backlog.
const MAX_CONNECTIONS: usize = 4096;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(which), Some(port)) = (args.first(), args.get(1)) else {
        eprintln!("usage: load_server spool|hyper PORT");
        std::process::exit(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("load_server: {port:?} is not a port number");
        std::process::exit(2);
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match which.as_str() {
        "spool" => spool::block_on(serve_spool(addr)),
        "hyper" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(serve_hyper(addr)),
        other => {
            eprintln!("load_server: unknown server {other:?}; use spool or hyper");
            std::process::exit(2);
        }
    }
}

async fn serve_spool(addr: SocketAddr) {
    let server = Server::builder()
        .max_connections(MAX_CONNECTIONS)
        .bind(addr)
        .expect("bind the spool server");
    server.serve(spool_handler).await;
}

async fn spool_handler(_request: Request) -> Response {
    Response::bytes(200, &BODY[..])
}

async fn serve_hyper(addr: SocketAddr) {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind the hyper server");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(hyper_handler))
                .await;
        });
    }
}

async fn hyper_handler(
    _request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    Ok(hyper::Response::new(Full::new(Bytes::from_static(&BODY))))
}
