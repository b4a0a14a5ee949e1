//! `ServeDir`: files served from one directory and never from outside it,
//! with HEAD, byte ranges and `If-Range`, as a resuming downloader needs.

use spool_http::server::ServeDir;
use spool_tests::{TestServer, get};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const HELLO: &[u8] = b"hello world\n";
const SECRET: &[u8] = b"TOP SECRET outside the root\n";

/// A fresh directory tree per test:
///
/// ```text
/// <tmp>/outside.txt           (must never be served)
/// <tmp>/root/hello.txt
/// <tmp>/root/big.bin          (200 KiB, several chunks)
/// <tmp>/root/sub/index.html
/// <tmp>/root/.secret
/// <tmp>/root/escape      -> ../outside.txt  (symlink out of the root)
/// <tmp>/root/inside-link -> hello.txt       (symlink within it)
/// ```
struct Tree {
    base: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "spool-serve-dir-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let root = base.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(base.join("outside.txt"), SECRET).unwrap();
        std::fs::write(root.join("hello.txt"), HELLO).unwrap();
        std::fs::write(root.join("big.bin"), big()).unwrap();
        std::fs::write(root.join("sub/index.html"), "<h1>sub</h1>").unwrap();
        std::fs::write(root.join(".secret"), SECRET).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("outside.txt"), root.join("escape")).unwrap();
            std::os::unix::fs::symlink("hello.txt", root.join("inside-link")).unwrap();
        }
        Tree { base }
    }

    fn root(&self) -> PathBuf {
        self.base.join("root")
    }

    fn serve(&self) -> TestServer {
        let files = ServeDir::new(self.root()).unwrap();
        TestServer::start_with(|b| b, files)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn big() -> Vec<u8> {
    (0..200 * 1024u32).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_file_is_served_with_length_type_and_validators() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/hello.txt", ""));
    let response = conn.response("GET");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, HELLO);
    let h = &response.headers;
    assert_eq!(h.get("content-length"), Some("12"));
    assert_eq!(h.get("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(h.get("accept-ranges"), Some("bytes"));
    let etag = h.get("etag").expect("an ETag");
    assert!(etag.starts_with("\"c-") && etag.ends_with('"'), "{etag}");
    assert!(
        h.get("last-modified")
            .expect("Last-Modified")
            .ends_with(" GMT")
    );
}

#[test]
fn a_large_file_is_streamed_whole() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/big.bin", ""));
    let response = conn.response("GET");
    assert_eq!(response.headers.get("content-length"), Some("204800"));
    assert!(response.body == big(), "body differs");
    conn.send(get("/hello.txt", ""));
    assert_eq!(conn.response("GET").body, HELLO);
}

#[test]
fn head_sends_the_headers_only() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    let response = conn.response("HEAD");
    assert_eq!(response.status, 200);
    assert_eq!(response.headers.get("content-length"), Some("204800"));
    assert!(response.raw.ends_with(b"\r\n\r\n"));
    conn.send(get("/hello.txt", ""));
    assert_eq!(conn.response("GET").body, HELLO);
}

#[test]
fn directories_serve_their_index() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/sub/", ""));
    let response = conn.response("GET");
    assert_eq!(response.body, b"<h1>sub</h1>");
    assert_eq!(
        response.headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    conn.send(get("/", ""));
    assert_eq!(conn.response("GET").status, 404, "the root has no index");
}

#[test]
fn nothing_outside_the_root_is_ever_served() {
    let tree = Tree::new();
    let server = tree.serve();
    for path in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E/outside.txt",
        "/..%2foutside.txt",
        "/..%2Foutside.txt",
        "/sub/../../outside.txt",
        "/sub/%2e%2e/%2e%2e/outside.txt",
        "/.%2e/outside.txt",
        "/..%5coutside.txt",
        "/hello.txt%00",
        "/hello.txt%00.html",
        "/%00../outside.txt",
        "/escape",
        "/.secret",
        "/%2esecret",
        "http://test/../outside.txt",
    ] {
        let mut conn = server.connect();
        conn.send(get(path, ""));
        let response = conn.response("GET");
        assert!(
            matches!(response.status, 400 | 404),
            "{path} gave {}",
            response.status
        );
        let body = String::from_utf8_lossy(&response.body);
        assert!(!body.contains("SECRET"), "{path} leaked: {body}");
    }
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_root_are_followed() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/inside-link", ""));
    assert_eq!(conn.response("GET").body, HELLO);
}

#[test]
fn other_methods_get_405() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send("DELETE /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    let response = conn.response("DELETE");
    assert_eq!(response.status, 405);
    assert_eq!(response.headers.get("allow"), Some("GET, HEAD"));
}

#[test]
fn a_range_gets_206_with_content_range() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    for (range, content_range, body) in [
        ("bytes=0-4", "bytes 0-4/12", &b"hello"[..]),
        ("bytes=6-", "bytes 6-11/12", b"world\n"),
        ("bytes=-3", "bytes 9-11/12", b"ld\n"),
        ("bytes=10-99", "bytes 10-11/12", b"d\n"),
    ] {
        conn.send(get("/hello.txt", &format!("Range: {range}\r\n")));
        let response = conn.response("GET");
        assert_eq!(response.status, 206, "{range}");
        assert_eq!(response.headers.get("content-range"), Some(content_range));
        assert_eq!(
            response.headers.get("content-length"),
            Some(body.len().to_string().as_str())
        );
        assert_eq!(response.body, body, "{range}");
    }
}

#[test]
fn a_range_across_chunk_boundaries_is_exact() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/big.bin", "Range: bytes=65530-196700\r\n"));
    let response = conn.response("GET");
    assert_eq!(response.status, 206);
    assert_eq!(
        response.headers.get("content-range"),
        Some("bytes 65530-196700/204800")
    );
    assert!(response.body == big()[65530..=196700], "body differs");
}

#[test]
fn a_range_past_the_end_gets_416() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/hello.txt", "Range: bytes=12-\r\n"));
    let response = conn.response("GET");
    assert_eq!(response.status, 416);
    assert_eq!(response.headers.get("content-range"), Some("bytes */12"));
    assert!(response.body.is_empty());
}

#[test]
fn multiple_or_malformed_ranges_get_the_whole_file() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    for range in ["bytes=0-1,4-5", "bytes=5-1", "lines=1-2"] {
        conn.send(get("/hello.txt", &format!("Range: {range}\r\n")));
        let response = conn.response("GET");
        assert_eq!(response.status, 200, "{range}");
        assert_eq!(response.body, HELLO);
    }
}

#[test]
fn if_range_honours_the_range_only_for_the_same_version() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/hello.txt", ""));
    let first = conn.response("GET");
    let etag = first.headers.get("etag").unwrap().to_owned();
    let last_modified = first.headers.get("last-modified").unwrap().to_owned();

    let mut ranged = |if_range: &str| {
        conn.send(get(
            "/hello.txt",
            &format!("Range: bytes=6-\r\nIf-Range: {if_range}\r\n"),
        ));
        conn.response("GET")
    };

    let same_tag = ranged(&etag);
    assert_eq!(
        (same_tag.status, same_tag.body.as_slice()),
        (206, &b"world\n"[..])
    );
    let same_date = ranged(&last_modified);
    assert_eq!(same_date.status, 206);

    for stale in [
        "\"0-0\"".to_owned(),
        format!("W/{etag}"),
        "Thu, 01 Jan 1970 00:00:00 GMT".to_owned(),
    ] {
        let response = ranged(&stale);
        assert_eq!(response.status, 200, "If-Range: {stale}");
        assert_eq!(response.body, HELLO);
        assert!(!response.headers.contains("content-range"));
    }
}

#[test]
fn a_changed_file_gets_a_new_etag() {
    let tree = Tree::new();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/hello.txt", ""));
    let before = conn.response("GET").headers.get("etag").unwrap().to_owned();
    std::fs::write(tree.root().join("hello.txt"), b"hello, changed world\n").unwrap();
    conn.send(get(
        "/hello.txt",
        &format!("Range: bytes=6-\r\nIf-Range: {before}\r\n"),
    ));
    let response = conn.response("GET");
    assert_eq!(response.status, 200, "a resumed download must restart");
    assert_eq!(response.body, b"hello, changed world\n");
    assert_ne!(response.headers.get("etag"), Some(before.as_str()));
}

#[test]
fn serve_dir_refuses_a_missing_root() {
    let missing = Path::new("/definitely/not/here/spool");
    assert!(ServeDir::new(missing).is_err());
    let tree = Tree::new();
    assert!(ServeDir::new(tree.root().join("hello.txt")).is_err());
}

#[test]
fn names_too_long_for_the_file_system_are_404() {
    // One segment over NAME_MAX (255 bytes), and a path over PATH_MAX in
    // segments that are each short enough: the file system answers both
    // with ENAMETOOLONG, which is a missing file to a client.
    let tree = Tree::new();
    let server = tree.serve();
    let long_segment = format!("/{}", "a".repeat(300));
    let long_path = format!("/{}", vec!["b".repeat(200); 30].join("/"));
    let mut conn = server.connect();
    for path in [&long_segment, &long_path] {
        conn.send(get(path, ""));
        assert_eq!(conn.response("GET").status, 404, "{} bytes", path.len());
    }
    conn.send(get("/hello.txt", ""));
    assert_eq!(conn.response("GET").body, HELLO);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_404() {
    let tree = Tree::new();
    std::os::unix::fs::symlink("loop", tree.root().join("loop")).unwrap();
    let server = tree.serve();
    let mut conn = server.connect();
    conn.send(get("/loop", ""));
    assert_eq!(conn.response("GET").status, 404);
}

/// A FIFO opened for reading blocks until a writer comes along; if the
/// server opened one, each request would hold a blocking-pool thread for
/// good, and a few dozen requests would stop all file serving.
#[cfg(unix)]
#[test]
fn fifos_and_sockets_are_not_opened() {
    use std::time::{Duration, Instant};

    let tree = Tree::new();
    let made = std::process::Command::new("mkfifo")
        .arg(tree.root().join("fifo"))
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(tree.root().join("socket")).unwrap();
    let server = tree.serve();

    // 100 requests from 10 clients at once, more than the blocking pool
    // has threads.
    let started = Instant::now();
    let clients: Vec<_> = (0..10)
        .map(|client| {
            let mut conn = server.connect();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for i in 0..10 {
                    let path = if (client + i) % 5 == 0 {
                        "/socket"
                    } else {
                        "/fifo"
                    };
                    conn.send(get(path, ""));
                    statuses.push(conn.response("GET").status);
                }
                statuses
            })
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), [404; 10]);
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    let mut conn = server.connect();
    conn.send(get("/hello.txt", ""));
    assert_eq!(conn.response("GET").body, HELLO);
}

#[test]
fn modification_times_outside_http_dates_are_clamped() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    let tree = Tree::new();
    let set_mtime = |name: &str, time: SystemTime| {
        let file = std::fs::File::options()
            .write(true)
            .open(tree.root().join(name))
            .unwrap();
        file.set_modified(time).unwrap();
    };
    // HTTP dates start in 1970: an older file is given as modified then.
    set_mtime(
        "hello.txt",
        UNIX_EPOCH - Duration::from_secs(10 * 365 * 86_400),
    );
    // A file "modified" in 2400 is given as modified now (RFC 9110 §8.8.2.1).
    set_mtime("big.bin", UNIX_EPOCH + Duration::from_secs(13_569_465_600));
    let server = tree.serve();
    let mut conn = server.connect();

    conn.send(get("/hello.txt", ""));
    let response = conn.response("GET");
    assert_eq!(response.body, HELLO);
    assert_eq!(
        response.headers.get("last-modified"),
        Some("Thu, 01 Jan 1970 00:00:00 GMT")
    );

    conn.send(get("/big.bin", ""));
    let response = conn.response("GET");
    assert_eq!(response.status, 200);
    let date_of = |name| httpdate::parse_http_date(response.headers.get(name).unwrap()).unwrap();
    assert!(date_of("last-modified") <= date_of("date"));
}
