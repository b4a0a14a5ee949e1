//! `spool-dl` through an HTTP proxy: `--proxy`, `--noproxy` and the
//! environment variables curl and wget read, end to end with the built
//! binary and the proxy the spool-http tests use.

#[path = "../../http/tests/proxy_kit/test_proxy.rs"]
mod test_proxy;

use spool_tests::TempDir;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread;

use serde_json::Value;
use spool_http::server::{Request, Response, Server};
use test_proxy::TestProxy;

/// Every variable a proxy can come from, cleared so that the machine's own
/// settings never leak into a test.
const PROXY_VARS: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// A server on its own thread answering every path with the path.
fn site() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        spool::block_on(async move {
            let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
            tx.send(server.local_addr()).unwrap();
            server
                .serve(|request: Request| async move {
                    Response::bytes(200, request.path().as_bytes().to_vec())
                })
                .await;
        })
    });
    rx.recv().unwrap()
}

/// A fresh scratch directory for one test, removed when it ends.
fn scratch(label: &str) -> TempDir {
    TempDir::new(label)
}

/// Runs spool-dl into `dir` with only the proxy variables in `env` set.
fn spool_dl(dir: &TempDir, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spool-dl"));
    for var in PROXY_VARS {
        command.env_remove(var);
    }
    command
        .envs(env.iter().copied())
        .args(["--retries", "0", "-q", "-o"])
        .arg(dir.join("out"))
        .arg("--report")
        .arg(dir.join("report.json"))
        .args(args);
    command.output().unwrap()
}

fn report(dir: &TempDir) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn proxy_flag_downloads_through_the_proxy_with_its_credentials() {
    let site = site();
    let proxy = TestProxy::start_with(Some("Basic dXNlcjpzZWNyZXQ="));
    let dir = scratch("flag");
    let url = format!("http://{site}/file.txt");
    let proxy_url = format!("http://user:secret@{}", proxy.addr);
    let output = spool_dl(&dir, &[], &["--proxy", &proxy_url, &url]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read(dir.join("out/file.txt")).unwrap(),
        b"/file.txt"
    );
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request_line, format!("GET {url} HTTP/1.1"));
    assert_eq!(
        seen[0].proxy_authorization.as_deref(),
        Some("Basic dXNlcjpzZWNyZXQ=")
    );
    assert_eq!(seen[0].connection, 0);
}

#[test]
fn the_environment_is_honoured_and_noproxy_or_an_empty_proxy_bypass_it() {
    let site = site();
    let proxy = TestProxy::start();
    let dir = scratch("env");
    let env = [("http_proxy", proxy.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let output = spool_dl(&dir, &env, &[&format!("http://{site}/via-env")]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(proxy.seen().len(), 1);

    let output = spool_dl(
        &dir,
        &env,
        &["--noproxy", "127.0.0.1", &format!("http://{site}/a")],
    );
    assert!(output.status.success(), "{output:?}");
    let output = spool_dl(&dir, &env, &["--proxy", "", &format!("http://{site}/b")]);
    assert!(output.status.success(), "{output:?}");
    // HTTP_PROXY is not read (httpoxy).
    let upper = [("HTTP_PROXY", env[0].1)];
    let output = spool_dl(&dir, &upper, &[&format!("http://{site}/c")]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
    for name in ["via-env", "a", "b", "c"] {
        assert!(dir.join("out").join(name).exists(), "{name}");
    }
}

#[test]
fn a_refused_proxy_is_reported_as_a_proxy_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = scratch("refused");
    let proxy_url = format!("127.0.0.1:{port}");
    let output = spool_dl(&dir, &[], &["--proxy", &proxy_url, "http://example.test/x"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let entry = &report(&dir)["downloads"][0];
    assert_eq!(entry["error_kind"], "proxy", "{entry}");
    assert_eq!(
        entry["error"],
        format!("the proxy 127.0.0.1:{port} refused the connection"),
        "{entry}"
    );
}

#[test]
fn a_bad_proxy_is_a_usage_error() {
    let dir = scratch("bad");
    let output = spool_dl(
        &dir,
        &[],
        &["--proxy", "socks5://p.test:1", "http://x.test/"],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let output = spool_dl(
        &dir,
        &[("all_proxy", "socks5://p.test:1")],
        &["http://x.test/"],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("all_proxy"), "{stderr}");
}
