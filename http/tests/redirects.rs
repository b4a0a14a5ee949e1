//! Following redirects, end to end.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use spool_http::{Client, ErrorKind, RequestBuilder};
use spool_tests::pki::{pki, server_config, trusting_client};
use spool_tests::{RawServer, Recorded, Step, ok, run, write};

fn redirect(status: u16, location: &str) -> Step {
    write(&format!(
        "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 6\r\n\r\nmoved!"
    ))
}

#[test]
fn a_chain_of_relative_and_absolute_redirects_is_followed_on_one_connection() {
    run(async {
        let server = RawServer::script(|_| {
            vec![
                Step::Read,
                redirect(301, "/b"),
                Step::Read,
                redirect(302, "c?x=1"),
                Step::Read,
                Step::Write(ok("arrived")),
                Step::Hold,
            ]
        });
        let client = Client::new();
        let response = client.get(&server.url("/a")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.url().as_str(), server.url("/c?x=1"));
        assert_eq!(response.text(100).await.unwrap(), "arrived");
        let lines: Vec<String> = server
            .requests()
            .iter()
            .map(|r| r.request_line().to_owned())
            .collect();
        assert_eq!(
            lines,
            ["GET /a HTTP/1.1", "GET /b HTTP/1.1", "GET /c?x=1 HTTP/1.1"]
        );
        assert_eq!(
            server.accepted(),
            1,
            "redirect bodies were drained and the connection reused"
        );
    });
}

#[test]
fn a_redirect_loop_stops_at_the_limit() {
    run(async {
        let server = RawServer::each(vec![Step::Serve {
            response: b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
            delay: Duration::ZERO,
        }]);
        let client = Client::builder().max_redirects(3).build().unwrap();
        let err = client.get(&server.url("/loop")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooManyRedirects);
        assert!(err.to_string().contains("after 3 redirects"), "{err}");
        assert!(err.to_string().contains("max_redirects"), "{err}");
        assert_eq!(server.requests().len(), 4);
    });
}

#[test]
fn max_redirects_zero_returns_the_redirect_itself() {
    run(async {
        let server = RawServer::each(vec![Step::Read, redirect(302, "/elsewhere"), Step::Hold]);
        let client = Client::builder().max_redirects(0).build().unwrap();
        let response = client.get(&server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 302);
        assert_eq!(response.headers().get("location"), Some("/elsewhere"));
    });
}

#[test]
fn see_other_turns_post_into_get_without_body() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            redirect(303, "/result"),
            Step::Read,
            Step::Write(ok("done")),
            Step::Hold,
        ]);
        let client = Client::new();
        let response = client
            .request("POST", &server.url("/form"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("a=1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(10).await.unwrap(), "done");
        let requests = server.requests();
        assert_eq!(requests[0].request_line(), "POST /form HTTP/1.1");
        assert_eq!(requests[0].body, b"a=1");
        assert_eq!(requests[1].request_line(), "GET /result HTTP/1.1");
        assert_eq!(requests[1].header("content-length"), None);
        assert_eq!(requests[1].header("content-type"), None);
        assert!(requests[1].body.is_empty());
    });
}

#[test]
fn temporary_redirect_repeats_post_with_its_body() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            redirect(307, "/again"),
            Step::Read,
            Step::Write(ok("done")),
            Step::Hold,
        ]);
        Client::new()
            .request("POST", &server.url("/"))
            .body("data")
            .send()
            .await
            .unwrap();
        let requests = server.requests();
        assert_eq!(requests[1].request_line(), "POST /again HTTP/1.1");
        assert_eq!(requests[1].body, b"data");
    });
}

#[test]
fn authorization_is_dropped_across_origins_and_kept_within_one() {
    run(async {
        let other = RawServer::each(vec![Step::Read, Step::Write(ok("other")), Step::Hold]);
        let target = other.url("/landing");
        let origin = RawServer::each(vec![
            Step::Read,
            redirect(302, "/same-origin"),
            Step::Read,
            redirect(302, &target),
            Step::Hold,
        ]);
        let client = Client::new();
        let response = client
            .get(&origin.url("/start"))
            .header("Authorization", "Bearer secret")
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(10).await.unwrap(), "other");
        let first = origin.requests();
        assert_eq!(first[0].header("authorization"), Some("Bearer secret"));
        assert_eq!(first[1].header("authorization"), Some("Bearer secret"));
        let second = other.requests();
        assert_eq!(second[0].request_line(), "GET /landing HTTP/1.1");
        assert_eq!(second[0].header("authorization"), None);
        assert_eq!(
            second[0].header("host"),
            Some(other.addr().to_string().as_str())
        );
    });
}

#[test]
fn a_redirect_without_location_is_the_final_response() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            Step::Write(b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n".to_vec()),
        ]);
        let response = Client::new().get(&server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 302);
    });
}

/// The credential fields a test request carries, and one that is not a
/// credential.
fn with_credentials(request: RequestBuilder) -> RequestBuilder {
    request
        .header("Cookie", "session=secret")
        .header("Authorization", "Bearer secret")
        .header("Proxy-Authorization", "Basic secret")
        .header("X-Trace", "7")
}

fn assert_credentials(request: &Recorded, present: bool) {
    for name in ["cookie", "authorization", "proxy-authorization"] {
        assert_eq!(
            request.header(name).is_some(),
            present,
            "{name} in {}",
            request.head
        );
    }
    assert_eq!(request.header("x-trace"), Some("7"), "{}", request.head);
}

#[test]
fn credentials_follow_same_origin_redirects_but_not_to_another_port() {
    run(async {
        let other = RawServer::each(vec![Step::Read, Step::Write(ok("other")), Step::Hold]);
        let target = other.url("/landing");
        let origin = RawServer::each(vec![
            Step::Read,
            redirect(307, "/same-origin"),
            Step::Read,
            redirect(307, &target),
            Step::Hold,
        ]);
        let response = with_credentials(Client::new().get(&origin.url("/start")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(10).await.unwrap(), "other");
        let first = origin.requests();
        assert_credentials(&first[0], true);
        assert_credentials(&first[1], true);
        assert_credentials(&other.requests()[0], false);
    });
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_host() {
    run(async {
        // 127.0.0.1 and localhost reach the same server on the same port,
        // but they are different origins.
        let port = Arc::new(OnceLock::new());
        let server = RawServer::script({
            let port = port.clone();
            move |n| match n {
                0 => vec![
                    Step::Read,
                    redirect(302, &format!("http://localhost:{}/landing", port.wait())),
                    Step::Hold,
                ],
                _ => vec![Step::Read, Step::Write(ok("landed")), Step::Hold],
            }
        });
        port.set(server.addr().port()).unwrap();
        let response = with_credentials(Client::new().get(&server.url("/start")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(10).await.unwrap(), "landed");
        let requests = server.requests();
        assert_eq!(requests[1].request_line(), "GET /landing HTTP/1.1");
        assert_credentials(&requests[0], true);
        assert_credentials(&requests[1], false);
    });
}

#[test]
fn credentials_do_not_follow_a_redirect_from_https_to_http() {
    let pki = pki();
    let plain = RawServer::each(vec![Step::Read, Step::Write(ok("plain")), Step::Hold]);
    let target = format!("http://localhost:{}/landing", plain.addr().port());
    let secure = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), move |_| {
        vec![Step::Read, redirect(302, &target), Step::Hold]
    });
    run(async {
        let start = format!("https://localhost:{}/start", secure.addr().port());
        let response = with_credentials(trusting_client(&pki).get(&start))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(10).await.unwrap(), "plain");
        assert_credentials(&secure.requests()[0], true);
        assert_credentials(&plain.requests()[0], false);
    });
}
