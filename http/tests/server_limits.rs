//! The server's limits in time and numbers: the header timeout against
//! slowloris clients and idle connections, the connection cap, and
//! graceful shutdown. Timing assertions use safe lower bounds and generous
//! upper bounds.

use spool_http::server::{Body, Request, Response};
use spool_tests::{RawClient, TestServer, get};
use std::io::Write;
use std::time::{Duration, Instant};

async fn route(request: Request) -> Response {
    match request.path() {
        "/slow" => {
            spool::time::sleep(Duration::from_millis(500)).await;
            Response::text(200, "finally")
        }
        "/huge" => {
            // 64 MiB, far more than the socket buffers hold.
            let chunks = (0..1024).map(|_| Ok(vec![b'x'; 64 * 1024]));
            Response::new(200).body(Body::sized_stream(64 << 20, spool::stream::iter(chunks)))
        }
        "/upload" => Response::text(200, format!("{} bytes", request.body().len())),
        _ => Response::text(200, "quick"),
    }
}

#[test]
fn header_timeout_cuts_off_a_slowloris_client() {
    let server = TestServer::start_with(|b| b.header_timeout(Duration::from_millis(300)), route);
    let mut conn = server.connect();
    let started = Instant::now();
    conn.send("GET / HTTP/1.1\r\n");
    // Keep trickling header bytes, well within any per-read timeout.
    let mut writer = conn.stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for _ in 0..100 {
            if writer.write_all(b"X").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let response = conn.response("GET");
    let elapsed = started.elapsed();
    assert_eq!(response.status, 408);
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    trickle.join().unwrap();
}

#[test]
fn idle_keep_alive_connections_are_closed_silently() {
    let server = TestServer::start_with(|b| b.header_timeout(Duration::from_millis(300)), route);
    let mut conn = server.connect();
    conn.send(get("/", ""));
    assert_eq!(conn.response("GET").body, b"quick");
    let started = Instant::now();
    assert!(conn.closes_within(Duration::from_secs(5)));
    assert!(started.elapsed() >= Duration::from_millis(250));

    // A connection that never sends anything goes the same way.
    let mut silent = server.connect();
    assert!(silent.closes_within(Duration::from_secs(5)));
}

#[test]
fn a_busy_connection_is_not_cut_off_by_the_header_timeout() {
    // The timeout covers waiting for a head, not the handler's work.
    let server = TestServer::start_with(|b| b.header_timeout(Duration::from_millis(200)), route);
    let mut conn = server.connect();
    conn.send(get("/slow", ""));
    assert_eq!(conn.response("GET").body, b"finally");
}

#[test]
fn connections_beyond_the_cap_wait_until_one_closes() {
    let server = TestServer::start_with(|b| b.max_connections(2), route);
    let mut first = server.connect();
    let mut second = server.connect();
    for conn in [&mut first, &mut second] {
        conn.send(get("/", ""));
        assert_eq!(conn.response("GET").body, b"quick");
    }

    // Both slots are held by kept-alive connections: the third client
    // connects (the kernel completes the handshake) but is not served.
    let mut third = server.connect();
    third.send(get("/", ""));
    assert!(third.silent_for(Duration::from_millis(300)));

    drop(first);
    let started = Instant::now();
    assert_eq!(third.response("GET").body, b"quick");
    assert!(started.elapsed() < Duration::from_secs(5));

    // The second connection was never disturbed.
    second.send(get("/", ""));
    assert_eq!(second.response("GET").body, b"quick");
}

#[test]
fn graceful_shutdown_lets_the_slow_response_finish() {
    let server = TestServer::start_with(|b| b, route);
    let mut idle = server.connect();
    idle.send(get("/", ""));
    assert_eq!(idle.response("GET").body, b"quick");

    let mut busy = server.connect();
    busy.send(get("/slow", ""));
    std::thread::sleep(Duration::from_millis(100)); // the handler is running
    let shutdown_at = Instant::now();
    server.shutdown_handle().shutdown();

    // The idle connection is closed at once, without a response.
    assert!(idle.closes_within(Duration::from_secs(2)));
    // The listener is gone: new clients are refused or see the door shut.
    if let Some(mut late) = RawClient::try_open(server.addr()) {
        assert!(late.try_response("GET").is_none());
    }

    // `serve` is still waiting for the slow handler (which needs ~400 ms more).
    assert!(!server.wait_finished(Duration::from_millis(50)));

    // The request in flight gets its full response, and the connection
    // then closes.
    let response = busy.response("GET");
    assert_eq!(response.body, b"finally");
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(busy.read_to_close().is_empty());

    // `serve` resolves only after that response, and promptly after it.
    assert!(server.wait_finished(Duration::from_secs(5)));
    let took = shutdown_at.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

#[test]
fn shutdown_of_an_idle_server_is_prompt() {
    let server = TestServer::start_with(|b| b, route);
    let mut conn = server.connect();
    conn.send(get("/", ""));
    assert_eq!(conn.response("GET").body, b"quick");
    let started = Instant::now();
    server.shutdown_handle().shutdown();
    assert!(server.wait_finished(Duration::from_secs(5)));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_stalled_request_body_gets_408() {
    let server = TestServer::start_with(|b| b.io_timeout(Duration::from_millis(300)), route);
    let mut conn = server.connect();
    let started = Instant::now();
    conn.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    let response = conn.response("POST");
    let elapsed = started.elapsed();
    assert_eq!(response.status, 408);
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn a_client_that_stops_reading_is_given_up_on() {
    // The client asks for a huge body and never reads it. Once the socket
    // buffers fill, the server's write stalls; after io_timeout it gives
    // up, so even a graceful shutdown does not wait for this client.
    let server = TestServer::start_with(|b| b.io_timeout(Duration::from_millis(300)), route);
    let mut conn = server.connect();
    conn.send(get("/huge", ""));
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    server.shutdown_handle().shutdown();
    assert!(server.wait_finished(Duration::from_secs(5)));
    assert!(started.elapsed() >= Duration::from_millis(150));
    let received = conn.read_to_close();
    assert!(received.len() < 64 << 20, "the body was cut off");
}

#[test]
fn a_body_that_takes_too_long_gets_408() {
    // Every pause is well within io_timeout; the whole body is not within
    // body_timeout.
    let server = TestServer::start_with(|b| b.body_timeout(Duration::from_millis(500)), route);
    let mut conn = server.connect();
    let started = Instant::now();
    conn.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
    for byte in ["a", "b", "c"] {
        std::thread::sleep(Duration::from_millis(100));
        conn.send(byte);
    }
    let response = conn.response("POST");
    let elapsed = started.elapsed();
    assert_eq!(response.status, 408);
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn slow_bodies_cannot_hold_every_slot() {
    // Both slots are taken by clients that announce a large body and send
    // it a byte every 50 ms: never stalled for io_timeout, never done. A
    // legitimate client waiting behind them is served once body_timeout
    // frees a slot.
    let server = TestServer::start_with(
        |b| {
            b.max_connections(2)
                .max_body_size(1 << 20)
                .body_timeout(Duration::from_millis(500))
        },
        route,
    );
    let started = Instant::now();
    let attackers: Vec<_> = (0..2)
        .map(|_| {
            let mut conn = server.connect();
            conn.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
            let mut writer = conn.stream.try_clone().unwrap();
            let trickle = std::thread::spawn(move || {
                for _ in 0..400 {
                    if writer.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            (conn, trickle)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));

    // Served only once an attacker is cut off, body_timeout after its
    // head arrived, which was after `started`.
    let mut client = server.connect();
    client.send(get("/", ""));
    assert_eq!(client.response("GET").body, b"quick");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(450), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");

    for (mut conn, trickle) in attackers {
        // The server answered 408 and closed; the attacker's next bytes may
        // have been met with a reset that discarded the answer, so only
        // the close is certain.
        let received = conn.read_to_close();
        assert!(
            received.is_empty() || received.starts_with(b"HTTP/1.1 408 "),
            "{}",
            received.escape_ascii()
        );
        trickle.join().unwrap();
    }
}
