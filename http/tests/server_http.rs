//! The server's HTTP/1.1 behaviour, checked byte for byte with a raw
//! blocking client: keep-alive, pipelining, framing of every body shape,
//! HEAD, and refusals of malformed requests.

use spool::stream;
use spool_http::server::{Body, Request, Response};
use spool_tests::{RawClient, TestServer, get};
use std::io;
use std::time::Duration;

fn chunks(parts: &[&str]) -> Vec<io::Result<Vec<u8>>> {
    parts
        .iter()
        .map(|part| Ok(part.as_bytes().to_vec()))
        .collect()
}

async fn route(request: Request) -> Response {
    match request.path() {
        "/text" => Response::text(200, "hello"),
        "/info" => Response::text(
            200,
            format!(
                "{} {} {:?} path={} query={:?}",
                request.method(),
                request.target(),
                request.version(),
                request.path(),
                request.query()
            ),
        ),
        "/host" => Response::text(
            200,
            format!(
                "{:?} {:?} {:?}",
                request.host(),
                request.headers().get("host"),
                request.target()
            ),
        ),
        "/echo" => Response::bytes(200, request.into_body()),
        "/chunked" => Response::new(200).body(Body::stream(stream::iter(chunks(&[
            "hello",
            "",
            ", ",
            "0123456789abcdef",
        ])))),
        "/sized" => Response::new(200).body(Body::sized_stream(
            11,
            stream::iter(chunks(&["hello", " world"])),
        )),
        "/short" => {
            Response::new(200).body(Body::sized_stream(10, stream::iter(chunks(&["hello"]))))
        }
        "/long" => Response::new(200).body(Body::sized_stream(3, stream::iter(chunks(&["hello"])))),
        "/shared" => {
            let pieces = [&b"static "[..], &b"slices"[..]].map(Ok);
            Response::new(200).body(Body::sized_stream(13, stream::iter(pieces)))
        }
        "/broken" => Response::new(200).body(Body::stream(stream::iter(vec![
            Ok(b"part".to_vec()),
            Err(io::Error::other("disk on fire")),
        ]))),
        "/empty" => Response::new(200),
        "/no-content" => Response::new(204).body(Body::from("ignored")),
        "/close" => Response::text(200, "bye").header("Connection", "close"),
        "/keep" => Response::text(200, "kept?").header("Connection", "keep-alive"),
        "/bad-header" => Response::text(200, "x").header("X-Evil", "a\r\nInjected: yes"),
        "/framing-headers" => Response::text(200, "abc")
            .header("Content-Length", "999")
            .header("Transfer-Encoding", "gzip"),
        _ => Response::not_found(),
    }
}

fn server() -> TestServer {
    TestServer::start_with(|builder| builder.max_body_size(1000), route)
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/info?x=1", ""));
    let first = conn.response("GET");
    assert_eq!(first.status, 200);
    assert_eq!(
        first.body,
        b"GET /info?x=1 Http11 path=/info query=Some(\"x=1\")"
    );
    assert!(!first.headers.contains("connection"));
    conn.send(get("/text", ""));
    let second = conn.response("GET");
    assert_eq!(second.body, b"hello");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = server();
    let mut conn = server.connect();
    // Three requests in one write; the last one asks to close.
    conn.send(format!(
        "{}{}{}",
        get("/text", ""),
        get("/info", ""),
        get("/sized", "Connection: close\r\n")
    ));
    assert_eq!(conn.response("GET").body, b"hello");
    assert!(conn.response("GET").body.starts_with(b"GET /info"));
    let last = conn.response("GET");
    assert_eq!(last.body, b"hello world");
    assert_eq!(last.headers.get("connection"), Some("close"));
    assert!(conn.read_to_close().is_empty());
}

#[test]
fn a_request_split_across_many_writes_is_reassembled() {
    let server = server();
    let mut conn = server.connect();
    for byte in get("/text", "X-Long: abc\r\n").bytes() {
        conn.send([byte]);
    }
    assert_eq!(conn.response("GET").body, b"hello");
}

#[test]
fn connection_close_is_honoured() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/text", "Connection: close\r\n"));
    let response = conn.response("GET");
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(
        conn.read_to_close().is_empty(),
        "nothing after the response"
    );
}

#[test]
fn a_handler_can_close_the_connection() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/close", ""));
    assert_eq!(conn.response("GET").body, b"bye");
    assert!(conn.read_to_close().is_empty());
}

#[test]
fn http10_closes_unless_keep_alive_is_asked_for() {
    let server = server();
    let mut conn = server.connect();
    conn.send("GET /text HTTP/1.0\r\n\r\n");
    let raw = conn.read_to_close();
    let text = spool_tests::without_date(&raw);
    assert_eq!(
        text,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello"
    );

    let mut conn = server.connect();
    conn.send("GET /text HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let first = conn.response("GET");
    assert_eq!(first.headers.get("connection"), Some("keep-alive"));
    conn.send("GET /info HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert!(
        conn.response("GET")
            .body
            .ends_with(b"Http10 path=/info query=None")
    );
}

#[test]
fn content_length_response_is_byte_exact() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/text", ""));
    let response = conn.response("GET");
    assert_eq!(
        response.wire(),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello"
    );
    let date = response.headers.get("date").expect("a Date header");
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
}

#[test]
fn streamed_body_is_chunked_byte_exact() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/chunked", ""));
    let response = conn.response("GET");
    // The empty item is skipped: a zero-size chunk would end the body.
    assert_eq!(
        response.wire(),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n2\r\n, \r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
    );
    conn.send(get("/text", ""));
    assert_eq!(conn.response("GET").body, b"hello");
}

#[test]
fn sized_stream_is_sent_with_content_length() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/sized", ""));
    assert_eq!(
        conn.response("GET").wire(),
        "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"
    );
}

#[test]
fn a_stream_of_borrowed_static_slices_is_sent_as_is() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/shared", ""));
    assert_eq!(
        conn.response("GET").wire(),
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nstatic slices"
    );
}

#[test]
fn streamed_body_to_http10_ends_with_the_connection() {
    let server = server();
    let mut conn = server.connect();
    conn.send("GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let raw = conn.read_to_close();
    assert_eq!(
        spool_tests::without_date(&raw),
        "HTTP/1.1 200 OK\r\n\r\nhello, 0123456789abcdef"
    );
}

#[test]
fn a_stream_that_breaks_ends_the_connection_without_the_last_chunk() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/broken", ""));
    let raw = conn.read_to_close();
    assert_eq!(
        spool_tests::without_date(&raw),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n"
    );
}

#[test]
fn a_sized_stream_that_breaks_its_promise_ends_the_connection() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/short", ""));
    let raw = conn.read_to_close();
    assert!(spool_tests::without_date(&raw).ends_with("Content-Length: 10\r\n\r\nhello"));

    let mut conn = server.connect();
    conn.send(get("/long", ""));
    let raw = conn.read_to_close();
    assert!(
        spool_tests::without_date(&raw).ends_with("Content-Length: 3\r\n\r\nhel"),
        "never more than announced"
    );
}

#[test]
fn head_gets_the_headers_of_get_and_no_body() {
    let server = server();
    let mut conn = server.connect();
    conn.send("HEAD /text HTTP/1.1\r\nHost: t\r\n\r\n");
    let response = conn.response("HEAD");
    assert_eq!(
        response.wire(),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\n"
    );
    conn.send("HEAD /chunked HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(
        conn.response("HEAD").wire(),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    // Had any body bytes been sent, this response would not parse.
    conn.send(get("/text", ""));
    assert_eq!(conn.response("GET").body, b"hello");
}

#[test]
fn empty_and_bodyless_responses() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/empty", ""));
    assert_eq!(
        conn.response("GET").wire(),
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    );
    conn.send(get("/no-content", ""));
    assert_eq!(
        conn.response("GET").wire(),
        "HTTP/1.1 204 No Content\r\n\r\n"
    );
    conn.send(get("/nowhere", ""));
    assert_eq!(conn.response("GET").status, 404);
}

#[test]
fn framing_headers_from_the_handler_are_replaced() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/framing-headers", ""));
    assert_eq!(
        conn.response("GET").wire(),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nabc"
    );
}

#[test]
fn a_header_that_would_inject_fields_becomes_a_500() {
    let server = server();
    let mut conn = server.connect();
    conn.send(get("/bad-header", ""));
    let response = conn.response("GET");
    assert_eq!(response.status, 500);
    assert!(!response.headers.contains("injected"));
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(conn.read_to_close().is_empty());
}

#[test]
fn content_length_request_body_is_read() {
    let server = server();
    let mut conn = server.connect();
    conn.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
    assert_eq!(conn.response("POST").body, b"hello world");
    // The body was consumed exactly: the next request parses.
    conn.send(get("/text", ""));
    assert_eq!(conn.response("GET").body, b"hello");
}

#[test]
fn chunked_request_body_is_decoded() {
    let server = server();
    let mut conn = server.connect();
    conn.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
    );
    assert_eq!(conn.response("POST").body, b"hello world");
    conn.send(get("/text", ""));
    assert_eq!(conn.response("GET").body, b"hello");
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let server = server();
    let mut conn = server.connect();
    conn.send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n";
    assert_eq!(conn.read_exact(interim.len()), interim);
    conn.send("data");
    assert_eq!(conn.response("PUT").body, b"data");
}

#[test]
fn oversize_bodies_get_413_and_close() {
    let server = server();
    let mut conn = server.connect();
    conn.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n");
    let response = conn.response("POST");
    assert_eq!(response.status, 413);
    assert!(conn.read_to_close().is_empty());

    let mut conn = server.connect();
    conn.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..3 {
        conn.send(format!("190\r\n{}\r\n", "x".repeat(400)));
    }
    assert_eq!(conn.response("POST").status, 413);
}

#[test]
fn malformed_requests_get_400_and_close() {
    let server = server();
    for bad in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\n\r\n", // no Host
        b"GET /a b HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nX: \x01\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let mut conn = server.connect();
        conn.send(bad);
        let response = conn.response("GET");
        assert_eq!(response.status, 400, "{:?}", String::from_utf8_lossy(bad));
        assert_eq!(response.headers.get("connection"), Some("close"));
        assert!(conn.read_to_close().is_empty());
    }
}

#[test]
fn unsupported_transfer_coding_gets_501() {
    let server = server();
    let mut conn = server.connect();
    conn.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    assert_eq!(conn.response("POST").status, 501);
}

#[test]
fn oversize_heads_get_431() {
    let server =
        TestServer::start_with(|builder| builder.max_head_size(1024).max_headers(10), route);

    let mut conn = server.connect();
    conn.send(get("/text", &format!("X-Big: {}\r\n", "a".repeat(2000))));
    let response = conn.response("GET");
    assert_eq!(response.status, 431);
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(conn.read_to_close().is_empty());

    // Refused as soon as the limit is passed, without waiting for the end.
    let mut conn = server.connect();
    conn.send(format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-Endless: {}",
        "a".repeat(1500)
    ));
    assert_eq!(conn.response("GET").status, 431);

    let mut conn = server.connect();
    let many: String = (0..11).map(|i| format!("X-{i}: v\r\n")).collect();
    conn.send(get("/text", &many));
    assert_eq!(conn.response("GET").status, 431);
}

#[test]
fn a_client_that_vanishes_mid_request_does_not_disturb_others() {
    let server = server();
    {
        let mut conn = server.connect();
        conn.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nhalf");
    }
    {
        let mut conn = server.connect();
        conn.send("GET /te");
    }
    let mut conn: RawClient = server.connect();
    conn.send(get("/text", ""));
    assert_eq!(conn.response("GET").body, b"hello");
    assert!(conn.silent_for(Duration::from_millis(50)));
}

#[test]
fn an_overlong_target_gets_414() {
    let server = TestServer::start_with(|builder| builder.max_head_size(1024), route);

    let mut conn = server.connect();
    conn.send(get(&format!("/{}", "a".repeat(2000)), ""));
    let response = conn.response("GET");
    assert_eq!(response.status, 414);
    assert_eq!(response.headers.get("connection"), Some("close"));
    assert!(conn.read_to_close().is_empty());

    // Refused as soon as the limit is passed, without waiting for the end.
    let mut conn = server.connect();
    conn.send(format!("GET /{}", "a".repeat(1500)));
    assert_eq!(conn.response("GET").status, 414);
}

#[test]
fn an_absolute_form_target_names_the_host() {
    // RFC 9112 §3.2.2: the authority in the target wins over any Host.
    let server = server();
    let mut conn = server.connect();
    conn.send("GET http://example.com:8080/host?q HTTP/1.1\r\nHost: other\r\n\r\n");
    assert_eq!(
        conn.response("GET").body,
        br#"Some("example.com:8080") Some("example.com:8080") "/host?q""#
    );
    conn.send("GET /host HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
    assert_eq!(
        conn.response("GET").body,
        br#"Some("[::1]:80") Some("[::1]:80") "/host""#
    );
    conn.send("GET /host HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(conn.response("GET").body, br#"None None "/host""#);
}

#[test]
fn a_host_that_is_not_an_authority_gets_400() {
    let server = server();
    for bad in [
        "GET /text HTTP/1.1\r\nHost: a b/c@d\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: user@example.com\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: example.com/path\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: example.com:http\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: [::1\r\n\r\n",
        "GET /text HTTP/1.0\r\nHost: a b\r\n\r\n",
        "GET http://user@example.com/text HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "GET http:///text HTTP/1.1\r\nHost: example.com\r\n\r\n",
    ] {
        let mut conn = server.connect();
        conn.send(bad);
        let response = conn.response("GET");
        assert_eq!(response.status, 400, "{bad:?}");
        assert_eq!(response.headers.get("connection"), Some("close"));
    }
}
