//! Fetches a URL and prints the response head and body size, like
//! `curl -i` without the body.
//!
//! ```text
//! cargo run -p spool-http --example get -- https://example.com/
//! ```
//!
//! Without an argument it starts a tiny server on 127.0.0.1 first and
//! fetches from that, so it runs offline (and in CI).

use std::process::ExitCode;

use spool::io::{AsyncReadExt, AsyncWriteExt};
use spool::net::TcpListener;
use spool_http::Client;

fn main() -> ExitCode {
    let url = std::env::args().nth(1);
    let result = spool::block_on(async move {
        let url = match url {
            Some(url) => url,
            None => serve_once().await?,
        };
        fetch(&url).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: fetch
async fn fetch(url: &str) -> Result<(), spool_http::Error> {
    let client = Client::new();
    let mut response = client.get(url).send().await?;
    println!(
        "{} {} {}",
        response.version(),
        response.status(),
        response.reason()
    );
    for (name, value) in response.headers().iter() {
        println!("{name}: {}", String::from_utf8_lossy(value));
    }
    println!();
    let mut size = 0u64;
    while let Some(piece) = response.chunk().await? {
        size += piece.len() as u64;
    }
    println!("[{size} body bytes from {}]", response.url());
    Ok(())
}
// ANCHOR_END: fetch

/// Starts a one-shot server on a free local port and returns its URL.
async fn serve_once() -> Result<String, spool_http::Error> {
    let io = |e: std::io::Error| spool_http::Error::new(spool_http::ErrorKind::Io, e.to_string());
    let listener =
        TcpListener::bind("127.0.0.1:0".parse().expect("a valid address")).map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    spool::spawn(async move {
        let Ok((mut peer, _)) = listener.accept().await else {
            return;
        };
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match peer.read(&mut buf).await {
                Ok(n @ 1..) => request.extend_from_slice(&buf[..n]),
                _ => return,
            }
        }
        let body = "hello from spool\n";
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = peer.write_all(response.as_bytes()).await;
    });
    Ok(format!("http://{addr}/"))
}
