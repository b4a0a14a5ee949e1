//! Serves a directory over HTTP on 127.0.0.1, with ranges and validators.
//!
//! ```text
//! cargo run -p spool-http --example serve -- [DIR] [PORT]      # default: . and 8080
//! cargo run -p spool-http --example serve -- [DIR] --demo      # serve, fetch, exit
//! ```
//!
//! With `--demo` the server listens on a free port, fetches the first file
//! of the directory from itself over a raw `TcpStream`, prints what came
//! back, and shuts down gracefully: a run that needs no network and ends
//! by itself, for CI.

use spool::io::{AsyncReadExt, AsyncWriteExt};
use spool::net::TcpStream;
use spool_http::server::{ServeDir, Server};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn main() {
    let mut dir = PathBuf::from(".");
    let mut port = None;
    let mut demo = false;
    let mut positional = 0;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--demo" => demo = true,
            "-h" | "--help" => {
                println!("usage: serve [DIR] [PORT] [--demo]");
                return;
            }
            _ if positional == 0 => {
                dir = PathBuf::from(arg);
                positional += 1;
            }
            _ => match arg.parse::<u16>() {
                Ok(p) => port = Some(p),
                Err(_) => {
                    eprintln!("serve: {arg:?} is not a port number");
                    std::process::exit(2);
                }
            },
        }
    }
    let port = port.unwrap_or(if demo { 0 } else { 8080 });
    if let Err(err) = spool::block_on(run(&dir, port, demo)) {
        eprintln!("serve: {err}");
        std::process::exit(1);
    }
}

// ANCHOR: run
async fn run(dir: &Path, port: u16, demo: bool) -> io::Result<()> {
    let files = ServeDir::new(dir)
        .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", dir.display())))?;
    let root = files.root().to_owned();
    let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    let addr = server.local_addr();
    println!("serving {} on http://{addr}/", root.display());
    if !demo {
        server.serve(files).await;
        return Ok(());
    }

    let shutdown = server.shutdown_handle();
    let serving = spool::spawn(server.serve(files));
    let name = spool::spawn_blocking(move || first_file(&root))
        .await
        .map_err(io::Error::other)??;
    let fetched = spool::time::timeout(Duration::from_secs(5), fetch(addr, &name)).await;
    shutdown.shutdown();
    serving.await.map_err(io::Error::other)?;
    fetched??;
    println!("server shut down");
    Ok(())
}
// ANCHOR_END: run

/// Asks the server for `/name` the hard way and prints the response head
/// and the body size.
async fn fetch(addr: SocketAddr, name: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "GET /{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
        percent_encode(name)
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no complete response head"))?;
    println!("GET /{name}");
    for line in String::from_utf8_lossy(&response[..head_end]).lines() {
        println!("  {line}");
    }
    println!("  ({} body bytes)", response.len() - head_end - 4);
    Ok(())
}

/// The first regular, visible file of `root` by name.
fn first_file(root: &Path) -> io::Result<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names.into_iter().next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "the directory has no file to fetch",
        )
    })
}

/// Escapes every byte of a file name that is not unreserved in a URL path.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
