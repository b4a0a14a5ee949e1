//! The connect, read and total timeouts, each named in its error.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};
use spool_http::{Client, ErrorKind, TimeoutKind};
use spool_tests::{RawServer, Step, run, write};

#[test]
fn stalled_head_is_a_read_timeout() {
    run(async {
        let server = RawServer::each(vec![Step::Read, write("HTTP/1.1 200 OK\r\n"), Step::Hold]);
        let client = Client::builder()
            .read_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.get(&server.url("/")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Read));
        assert!(
            err.to_string()
                .starts_with("no response bytes for 200 ms (read timeout"),
            "{err}"
        );
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn stalled_body_is_a_read_timeout() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
            Step::Hold,
        ]);
        let client = Client::builder()
            .read_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let mut response = client.get(&server.url("/")).send().await.unwrap();
        assert_eq!(response.chunk().await.unwrap(), Some(&b"hello"[..]));
        let err = response.chunk().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Read));
    });
}

#[test]
fn a_trickle_that_outlives_the_total_timeout_is_cut_off() {
    run(async {
        // One byte every 100 ms never trips a 1 s read timeout, but the
        // 30-byte body would take 3 s.
        let server = RawServer::each(vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"),
            Step::Trickle(vec![b'x'; 30], Duration::from_millis(100)),
            Step::Hold,
        ]);
        let client = Client::builder()
            .read_timeout(Duration::from_secs(1))
            .total_timeout(Some(Duration::from_secs(1)))
            .build()
            .unwrap();
        let started = Instant::now();
        let response = client.get(&server.url("/")).send().await.unwrap();
        let err = response.bytes(100).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Total), "{err}");
        assert!(
            err.to_string().contains("within 1 s (total timeout"),
            "{err}"
        );
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    });
}

#[test]
fn per_request_timeout_overrides_the_client_total() {
    run(async {
        let server = RawServer::each(vec![Step::Read, Step::Hold]);
        let client = Client::builder()
            .total_timeout(Some(Duration::from_secs(30)))
            .build()
            .unwrap();
        let err = client
            .get(&server.url("/"))
            .timeout(Duration::from_millis(100))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout(TimeoutKind::Total));
    });
}

/// A listener with a backlog of 0 whose queue is already full, so further
/// SYNs are dropped and connecting hangs: a local stand-in for a host that
/// does not answer. Returns its address and what must stay alive.
fn unanswering_listener() -> (SocketAddr, Socket, Vec<std::net::TcpStream>) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100))
        {
            fillers.push(stream);
        }
    }
    (addr, socket, fillers)
}

#[test]
fn an_unanswered_connect_is_a_connect_timeout() {
    let (addr, _listener, _fillers) = unanswering_listener();
    run(async move {
        let client = Client::builder()
            .connect_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client
            .get(&format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Timeout(TimeoutKind::Connect),
            "{err}"
        );
        assert!(err.to_string().contains("connect timeout"), "{err}");
        assert!(started.elapsed() >= Duration::from_millis(200));
    });
}
