//! Every way a response body can be delimited, end to end over a socket,
//! and every way it can be cut short.

use spool_http::proto::Version;
use spool_http::{Client, ErrorKind};
use spool_tests::{RawServer, Step, ok, run, write};

/// Fetches `path` from a server that answers one request with `response`
/// and then closes; returns the status and body, or the error.
async fn fetch(method: &str, response: &str) -> Result<(u16, Vec<u8>), spool_http::Error> {
    let server = RawServer::each(vec![Step::Read, write(response)]);
    let client = Client::new();
    let response = client.request(method, &server.url("/")).send().await?;
    let status = response.status();
    Ok((status, response.bytes(1 << 20).await?))
}

#[test]
fn content_length_body() {
    run(async {
        let (status, body) = fetch("GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .await
            .unwrap();
        assert_eq!((status, body.as_slice()), (200, &b"hello"[..]));
    });
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    run(async {
        let (_, body) = fetch(
            "GET",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: 1\r\n\r\n",
        )
        .await
        .unwrap();
        assert_eq!(body, b"hello, world");
    });
}

#[test]
fn body_until_close() {
    run(async {
        let (_, body) = fetch("GET", "HTTP/1.1 200 OK\r\n\r\neverything until the end")
            .await
            .unwrap();
        assert_eq!(body, b"everything until the end");
    });
}

#[test]
fn head_204_and_304_have_no_body_whatever_the_headers_say() {
    run(async {
        // If the client waited for the bodies the headers announce, it
        // would hang: every connection stays open after its answers.
        let server = RawServer::script(|n| match n {
            0 => vec![
                Step::Read,
                write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
                Step::Read,
                write("HTTP/1.1 204 No Content\r\nContent-Length: 100\r\n\r\n"),
                Step::Hold,
            ],
            _ => vec![
                Step::Read,
                write("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Step::Hold,
            ],
        });
        let client = Client::builder().per_host(1).build().unwrap();
        let response = client.head(&server.url("/")).send().await.unwrap();
        assert_eq!(response.content_length(), Some(100));
        assert!(response.bytes(10).await.unwrap().is_empty());
        for expected in [204, 304] {
            let mut response = client.get(&server.url("/")).send().await.unwrap();
            assert_eq!(response.status(), expected);
            assert!(response.chunk().await.unwrap().is_none());
        }
        // The HEAD response's connection was reused for the 204, whose
        // announced body then kept it out of the pool.
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn a_204_or_304_announcing_a_body_is_not_followed_by_a_reused_connection() {
    for status in ["204 No Content", "304 Not Modified"] {
        run(async {
            // The first connection plays a server that sends the body it
            // announced: on a reused connection, the second request would
            // read those bytes as its response.
            let server = RawServer::script(move |n| match n {
                0 => vec![
                    Step::Read,
                    write(&format!("HTTP/1.1 {status}\r\nContent-Length: 5\r\n\r\n")),
                    Step::Read,
                    Step::Write(ok("stray")),
                    Step::Hold,
                ],
                _ => vec![Step::Read, Step::Write(ok("fresh")), Step::Hold],
            });
            let client = Client::new();
            let response = client.get(&server.url("/")).send().await.unwrap();
            assert!(response.bytes(10).await.unwrap().is_empty());
            let second = client.get(&server.url("/")).send().await.unwrap();
            assert_eq!(second.text(10).await.unwrap(), "fresh", "after {status}");
            assert_eq!(server.accepted(), 2, "after {status}");
        });
    }
}

#[test]
fn interim_1xx_responses_are_skipped() {
    run(async {
        let (status, body) = fetch(
            "GET",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        )
        .await
        .unwrap();
        assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
    });
}

#[test]
fn response_accessors() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write(
                "HTTP/1.0 201 Created\r\nContent-Type: Text/HTML; charset=utf-8\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nhi",
            ),
        ]);
        let response = Client::new()
            .get(&server.url("/p?q=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.reason(), "Created");
        assert_eq!(response.version(), Version::Http10);
        assert_eq!(response.content_type(), Some("text/html"));
        assert_eq!(response.content_length(), Some(2));
        assert_eq!(response.headers().get("x-a"), Some("1"));
        assert_eq!(response.url().as_str(), server.url("/p?q=1"));
        assert_eq!(response.text(10).await.unwrap(), "hi");
    });
}

#[test]
fn request_carries_host_user_agent_and_body_but_no_accept_encoding() {
    run(async {
        let server = RawServer::each(vec![Step::Read, Step::Write(ok(""))]);
        let client = Client::new();
        client
            .request("POST", &server.url("/submit"))
            .header("X-Custom", "yes")
            .body("payload")
            .send()
            .await
            .unwrap();
        let request = &server.requests()[0];
        assert_eq!(request.request_line(), "POST /submit HTTP/1.1");
        assert_eq!(
            request.header("host"),
            Some(server.addr().to_string().as_str())
        );
        let user_agent = format!("spool-http/{}", env!("CARGO_PKG_VERSION"));
        assert_eq!(request.header("user-agent"), Some(user_agent.as_str()));
        assert_eq!(request.header("x-custom"), Some("yes"));
        assert_eq!(request.header("content-length"), Some("7"));
        assert_eq!(request.header("accept-encoding"), None);
        assert_eq!(request.body, b"payload");
    });
}

#[test]
fn truncated_head_is_a_protocol_error() {
    run(async {
        let err = fetch("GET", "HTTP/1.1 200 OK\r\nContent-Len")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
        assert!(
            err.to_string()
                .contains("in the middle of the response head"),
            "{err}"
        );
    });
}

#[test]
fn truncated_content_length_body_is_incomplete() {
    run(async {
        let err = fetch("GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete);
        assert_eq!(
            err.to_string(),
            "connection closed after 5 of 10 body bytes"
        );
    });
}

#[test]
fn chunked_body_without_last_chunk_is_incomplete() {
    run(async {
        let err = fetch(
            "GET",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete, "{err}");
    });
}

#[test]
fn malformed_chunk_is_a_protocol_error() {
    run(async {
        let err = fetch(
            "GET",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    });
}

#[test]
fn chunk_reports_the_error_and_then_ends() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
        ]);
        let mut response = Client::new().get(&server.url("/")).send().await.unwrap();
        assert_eq!(response.chunk().await.unwrap(), Some(&b"hello"[..]));
        assert_eq!(
            response.chunk().await.unwrap_err().kind(),
            ErrorKind::BodyIncomplete
        );
        assert_eq!(response.chunk().await.unwrap(), None);
    });
}

#[test]
fn reset_mid_body_is_an_io_error() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhel"),
            Step::Sleep(std::time::Duration::from_millis(50)),
            Step::Reset,
        ]);
        let response = Client::new().get(&server.url("/")).send().await.unwrap();
        let err = response.bytes(1000).await.unwrap_err();
        // Depending on timing the kernel reports the reset as such or the
        // connection as closed; either way it is not a short success.
        assert!(
            matches!(err.kind(), ErrorKind::Io | ErrorKind::BodyIncomplete),
            "{err:?}"
        );
    });
}

#[test]
fn reset_before_the_response_is_an_io_error() {
    run(async {
        let server = RawServer::each(vec![Step::Read, Step::Reset]);
        let err = Client::new()
            .get(&server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    });
}

#[test]
fn oversize_head_names_the_limit() {
    run(async {
        let mut response = "HTTP/1.1 200 OK\r\nX-Big: ".to_owned();
        response.push_str(&"a".repeat(2000));
        response.push_str("\r\n\r\n");
        let server = RawServer::each(vec![Step::Read, write(&response), Step::Hold]);
        let client = Client::builder().max_head_size(1024).build().unwrap();
        let err = client.get(&server.url("/")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert!(err.to_string().contains("exceeded 1024 bytes"), "{err}");
        assert!(err.to_string().contains("max_head_size"), "{err}");
    });
}

#[test]
fn non_http_garbage_is_a_protocol_error() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write("SSH-2.0-OpenSSH_9.6\r\n"),
            Step::Hold,
        ]);
        let err = Client::new()
            .get(&server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert!(
            err.to_string().contains("not an HTTP/1.x response"),
            "{err}"
        );
    });
}

#[test]
fn body_too_large_for_bytes() {
    run(async {
        let server = RawServer::each(vec![Step::Read, Step::Write(ok("0123456789"))]);
        let err = Client::new()
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(5)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
        // Without a Content-Length the limit is hit while reading.
        let server = RawServer::each(vec![Step::Read, write("HTTP/1.1 200 OK\r\n\r\n0123456789")]);
        let err = Client::new()
            .get(&server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes(5)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
        assert_eq!(
            err.to_string(),
            "response body is larger than the limit of 5 bytes"
        );
    });
}

#[test]
fn large_body_streams_through_one_buffer() {
    run(async {
        let body: String = (0..600_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let server = RawServer::each(vec![Step::Read, Step::Write(ok(&body))]);
        let mut response = Client::new().get(&server.url("/")).send().await.unwrap();
        let mut received = Vec::new();
        let mut largest = 0;
        while let Some(piece) = response.chunk().await.unwrap() {
            largest = largest.max(piece.len());
            received.extend_from_slice(piece);
        }
        assert_eq!(received, body.as_bytes());
        assert!(
            largest <= 256 * 1024,
            "pieces come from the 256 KiB read buffer, got {largest}"
        );
    });
}

#[test]
fn invalid_urls_and_schemes_are_reported_by_send() {
    run(async {
        let client = Client::new();
        let err = client.get("not a url").send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidUrl);
        let err = client.get("ftp://127.0.0.1/file").send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedScheme);
        let err = client
            .get("http://127.0.0.1:1/")
            .header("Bad\r\nName", "x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    });
}

#[test]
fn into_stream_yields_the_body_and_stops_after_an_error() {
    use spool::stream::StreamExt;
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
            ),
        ]);
        let response = Client::new().get(&server.url("/")).send().await.unwrap();
        let pieces: Vec<_> = response.into_stream().collect().await;
        let body: Vec<u8> = pieces.into_iter().flat_map(Result::unwrap).collect();
        assert_eq!(body, b"abcdef");

        let server = RawServer::each(vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
        ]);
        let response = Client::new().get(&server.url("/")).send().await.unwrap();
        let items: Vec<_> = response.into_stream().collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap(), b"hello");
        assert_eq!(
            items[1].as_ref().unwrap_err().kind(),
            ErrorKind::BodyIncomplete
        );
    });
}

#[test]
fn status_codes_outside_100_to_599_are_a_protocol_error() {
    run(async {
        for line in ["HTTP/1.1 600 Beyond", "HTTP/1.1 999 Nonsense"] {
            let err = fetch("GET", &format!("{line}\r\nContent-Length: 0\r\n\r\n"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Protocol, "{line}: {err}");
            assert!(err.to_string().contains("100 to 599"), "{err}");
        }
        let (status, _) = fetch("GET", "HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(status, 599);
    });
}
