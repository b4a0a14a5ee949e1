//! Connection reuse and the connection limits, observed from the server.

use std::time::{Duration, Instant};

use spool_http::{Client, ErrorKind};
use spool_tests::{RawServer, Step, ok, run, write};

/// GETs `url` and reads the body as text, up to `cap` bytes; panics on any
/// error, which these tests do not expect.
async fn get_text(client: &Client, url: &str, cap: usize) -> String {
    client
        .get(url)
        .send()
        .await
        .unwrap()
        .text(cap)
        .await
        .unwrap()
}

#[test]
fn one_connection_carries_twenty_sequential_requests() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("pong"),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        for _ in 0..20 {
            let body = get_text(&client, &server.url("/ping"), 100).await;
            assert_eq!(body, "pong");
        }
        assert_eq!(server.accepted(), 1);
        assert_eq!(server.requests().len(), 20);
    });
}

/// A server that writes a response's head and body in two sends, without
/// `TCP_NODELAY` (Python's `http.server`, many small servers), has Nagle's
/// algorithm hold the body back until the head is acknowledged. On a reused
/// connection Linux delays that acknowledgment by 40 ms or more, hoping to
/// send it with the next request, which cannot come before the body. The
/// client forces the acknowledgment out when it must wait for the rest of
/// a response, so twenty such exchanges take a few milliseconds, not the
/// 800 ms they take otherwise (and take with `curl`).
#[test]
#[cfg(target_os = "linux")]
fn a_head_sent_apart_from_its_body_is_acknowledged_at_once() {
    run(async {
        let body = "b".repeat(10 * 1024);
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let mut script = Vec::new();
        for _ in 0..20 {
            script.extend([Step::Read, write(&head), write(&body)]);
        }
        let server = RawServer::each(script);
        let client = Client::new();
        let started = Instant::now();
        for _ in 0..20 {
            let text = get_text(&client, &server.url("/"), body.len()).await;
            assert_eq!(text, body);
        }
        let took = started.elapsed();
        assert_eq!(server.accepted(), 1);
        assert!(took < Duration::from_millis(400), "{took:?}");
    });
}

#[test]
fn chunked_and_bodyless_responses_keep_the_connection_too() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
            Step::Read,
            write("HTTP/1.1 204 No Content\r\n\r\n"),
            Step::Read,
            Step::Write(ok("third")),
            Step::Hold,
        ]);
        let client = Client::new();
        assert_eq!(get_text(&client, &server.url("/"), 10).await, "abc");
        assert_eq!(
            client.get(&server.url("/")).send().await.unwrap().status(),
            204
        );
        assert_eq!(get_text(&client, &server.url("/"), 10).await, "third");
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn connection_close_from_the_server_opens_a_new_connection() {
    run(async {
        // The server would happily serve more on the same connection; only
        // the header tells the client not to reuse it.
        let server = RawServer::each(vec![Step::Serve {
            response: b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
                .to_vec(),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        for _ in 0..3 {
            client
                .get(&server.url("/"))
                .send()
                .await
                .unwrap()
                .bytes(10)
                .await
                .unwrap();
        }
        assert_eq!(server.accepted(), 3);
    });
}

#[test]
fn connection_close_from_the_request_is_honoured() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        for _ in 0..2 {
            let request = client.get(&server.url("/")).header("Connection", "close");
            request.send().await.unwrap().bytes(10).await.unwrap();
        }
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn http_1_0_closes_unless_keep_alive() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        for _ in 0..2 {
            let response = client.get(&server.url("/")).send().await.unwrap();
            assert_eq!(response.version(), spool_http::proto::Version::Http10);
            response.bytes(10).await.unwrap();
        }
        assert_eq!(server.accepted(), 2);

        let server = RawServer::each(vec![Step::Serve {
            response: b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
                .to_vec(),
            delay: Duration::ZERO,
        }]);
        for _ in 0..2 {
            client
                .get(&server.url("/"))
                .send()
                .await
                .unwrap()
                .bytes(10)
                .await
                .unwrap();
        }
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn a_body_until_close_is_never_reused() {
    run(async {
        let server = RawServer::each(vec![Step::Read, write("HTTP/1.1 200 OK\r\n\r\nall of it")]);
        let client = Client::new();
        for _ in 0..2 {
            let body = client
                .get(&server.url("/"))
                .send()
                .await
                .unwrap()
                .bytes(100)
                .await
                .unwrap();
            assert_eq!(body, b"all of it");
        }
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn a_dropped_unfinished_body_closes_its_connection() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("0123456789"),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        drop(client.get(&server.url("/")).send().await.unwrap());
        let body = client
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(100)
            .await
            .unwrap();
        assert_eq!(body, b"0123456789");
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn bytes_after_the_body_prevent_reuse() {
    run(async {
        // The body says 2 bytes, the server sends 5: the extra bytes would
        // be taken for the next response if the connection were reused.
        let server = RawServer::each(vec![Step::Serve {
            response: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXYZ".to_vec(),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        for _ in 0..2 {
            let body = client
                .get(&server.url("/"))
                .send()
                .await
                .unwrap()
                .bytes(100)
                .await
                .unwrap();
            assert_eq!(body, b"ok");
        }
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn idle_connections_expire() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::ZERO,
        }]);
        let client = Client::builder()
            .idle_timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        client
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        client
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        assert_eq!(server.accepted(), 1);
        spool::time::sleep(Duration::from_millis(250)).await;
        client
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        assert_eq!(server.accepted(), 2);
    });
}

async fn concurrent_gets(client: &Client, url: &str, n: usize) {
    let requests = (0..n).map(|_| {
        let client = client.clone();
        let url = url.to_owned();
        spool::spawn(async move { client.get(&url).send().await?.text(100).await })
    });
    for result in spool::join_all(requests).await {
        assert_eq!(result.unwrap().unwrap(), "ok");
    }
}

#[test]
fn never_more_connections_than_the_total_limit() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::from_millis(30),
        }]);
        let client = Client::builder().limit(2).build().unwrap();
        concurrent_gets(&client, &server.url("/"), 10).await;
        assert_eq!(server.max_open(), 2);
        assert_eq!(server.accepted(), 2);
        assert_eq!(server.requests().len(), 10);
    });
}

#[test]
fn never_more_connections_to_one_host_than_per_host() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::from_millis(30),
        }]);
        let client = Client::builder().limit(10).per_host(1).build().unwrap();
        concurrent_gets(&client, &server.url("/"), 5).await;
        assert_eq!(server.max_open(), 1);
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn an_idle_connection_of_another_host_makes_room_at_the_limit() {
    run(async {
        // 127.0.0.1 and localhost are different origins to the pool. With
        // a limit of 1 the second request can only proceed if the idle
        // connection to the first origin is closed for it.
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::ZERO,
        }]);
        let client = Client::builder().limit(1).build().unwrap();
        let by_ip = server.url("/");
        let by_name = format!("http://localhost:{}/", server.addr().port());
        client
            .get(&by_ip)
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        client
            .get(&by_name)
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        client
            .get(&by_ip)
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        assert_eq!(server.accepted(), 3);
    });
}

#[test]
fn a_waiter_gets_the_connection_that_goes_idle() {
    run(async {
        // The second request waits for the only slot; when the first
        // response ends, its connection is handed over, not closed.
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::from_millis(50),
        }]);
        let client = Client::builder().limit(1).build().unwrap();
        concurrent_gets(&client, &server.url("/"), 2).await;
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn a_cancelled_request_gives_its_place_back() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::from_millis(100),
        }]);
        let client = Client::builder().limit(1).build().unwrap();
        // Times out while the server is still thinking: its connection is
        // closed and its place must come back.
        let slow = client
            .get(&server.url("/"))
            .timeout(Duration::from_millis(20))
            .send()
            .await;
        assert_eq!(
            slow.unwrap_err().kind(),
            ErrorKind::Timeout(spool_http::TimeoutKind::Total)
        );
        let body = get_text(&client, &server.url("/"), 10).await;
        assert_eq!(body, "ok");
    });
}

#[test]
fn a_pooled_connection_closed_by_the_server_while_idle_is_replaced() {
    run(async {
        let server = RawServer::script(|n| match n {
            0 => vec![Step::Read, Step::Write(ok("first")), Step::Close],
            _ => vec![Step::Read, Step::Write(ok("second")), Step::Hold],
        });
        let client = Client::new();
        assert_eq!(get_text(&client, &server.url("/"), 10).await, "first");
        spool::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(get_text(&client, &server.url("/"), 10).await, "second");
        assert_eq!(server.accepted(), 2);
        assert_eq!(server.requests().len(), 2);
    });
}

#[test]
fn a_connection_closed_while_idle_is_noticed_before_a_post_is_spent_on_it() {
    run(async {
        // A POST is never retried, so it only succeeds if the pool checks
        // the idle connection before using it.
        let server = RawServer::script(|n| match n {
            0 => vec![Step::Read, Step::Write(ok("first")), Step::Close],
            _ => vec![Step::Read, Step::Write(ok("posted")), Step::Hold],
        });
        let client = Client::new();
        client
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        spool::time::sleep(Duration::from_millis(50)).await;
        let response = client
            .request("POST", &server.url("/"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(10).await.unwrap(), "posted");
        assert_eq!(server.requests().len(), 2);
    });
}

#[test]
fn a_stale_connection_is_retried_once_for_idempotent_requests() {
    run(async {
        // The first connection takes the second request and closes without
        // a byte of response: the race a keep-alive client loses when the
        // server times the connection out just as the request arrives.
        for last in [Step::Close, Step::Reset] {
            let server = RawServer::script({
                let last = last.clone();
                move |n| match n {
                    0 => vec![
                        Step::Read,
                        Step::Write(ok("first")),
                        Step::Read,
                        last.clone(),
                    ],
                    _ => vec![Step::Read, Step::Write(ok("retried")), Step::Hold],
                }
            });
            let client = Client::new();
            client
                .get(&server.url("/"))
                .send()
                .await
                .unwrap()
                .bytes(10)
                .await
                .unwrap();
            let body = get_text(&client, &server.url("/"), 10).await;
            assert_eq!(body, "retried", "after {last:?}");
            assert_eq!(server.accepted(), 2);
            assert_eq!(
                server.requests().len(),
                3,
                "the request reached the server twice"
            );
        }
    });
}

#[test]
fn a_stale_connection_is_not_retried_for_post() {
    run(async {
        let server = RawServer::script(|n| match n {
            0 => vec![
                Step::Read,
                Step::Write(ok("first")),
                Step::Read,
                Step::Close,
            ],
            _ => vec![Step::Read, Step::Write(ok("retried")), Step::Hold],
        });
        let client = Client::new();
        client
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        let err = client
            .request("POST", &server.url("/"))
            .body("x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(
            err.to_string()
                .contains("closed the connection before sending a response"),
            "{err}"
        );
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn a_fresh_connection_closing_early_is_not_retried() {
    run(async {
        let server = RawServer::each(vec![Step::Read, Step::Close]);
        let err = Client::new()
            .get(&server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn localhost_resolves() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: ok("ok"),
            delay: Duration::ZERO,
        }]);
        let client = Client::new();
        let url = format!("http://localhost:{}/", server.addr().port());
        for _ in 0..2 {
            assert_eq!(get_text(&client, &url, 10).await, "ok");
        }
        assert_eq!(server.accepted(), 1);
    });
}

#[test]
fn connection_refused_is_a_connect_error() {
    run(async {
        // Bind and drop to find a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Client::new()
            .get(&format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connect);
        assert!(
            err.to_string()
                .contains(&format!("could not connect to 127.0.0.1:{port}")),
            "{err}"
        );
    });
}
