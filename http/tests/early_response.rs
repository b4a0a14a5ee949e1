//! A response that arrives while the request body is still being sent.
//!
//! A server may refuse an upload as soon as it has read the head (`413`,
//! `401`, a redirect) and then close the connection, or keep it open and
//! stop reading. Either way the client must deliver that response, not a
//! reset or a write timeout (RFC 9112 §9.5), and must not reuse the
//! connection, whose request never ended.

use std::time::{Duration, Instant};

use spool_http::Client;
use spool_tests::pki::{pki, server_config, trusting_client};
use spool_tests::{RawServer, Step, ok, run, write};

/// Far more than the socket buffers on both sides hold, so the upload is
/// still in flight when the answer comes.
const UPLOAD: usize = 20 << 20;

const TOO_LARGE: &str = "HTTP/1.1 413 Content Too Large\r\nContent-Length: 9\r\n\r\ntoo large";

fn refusing(then: Step) -> impl Fn(usize) -> Vec<Step> + Send + Sync + 'static {
    move |n| match n {
        0 => vec![Step::ReadHead, write(TOO_LARGE), then.clone()],
        _ => vec![Step::Read, Step::Write(ok("next")), Step::Hold],
    }
}

/// How long a refusing server that stops reading keeps its connection
/// open: longer than any test here may take.
const STALL: Duration = Duration::from_secs(30);

/// Uploads to `url`, expects the 413, then sends a second request, all
/// well before a stalled server would close its connection.
async fn upload_refused(client: &Client, url: &str) {
    let started = Instant::now();
    let response = client
        .request("PUT", url)
        .body(vec![b'u'; UPLOAD])
        .send()
        .await
        .expect("the early 413 is delivered");
    assert_eq!(response.status(), 413);
    assert_eq!(response.text(100).await.unwrap(), "too large");
    let next = client.get(url).send().await.unwrap();
    assert_eq!(next.text(100).await.unwrap(), "next");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}: the client waited for a timeout or a stalled connection",
        started.elapsed()
    );
}

fn client() -> Client {
    Client::builder()
        .read_timeout(Duration::from_secs(8))
        .build()
        .unwrap()
}

#[test]
fn an_early_answer_from_a_server_that_then_closes_is_delivered() {
    run(async {
        // Closing with the body unread makes the server's kernel send a
        // reset, which fails the client's next write.
        let server = RawServer::script(refusing(Step::Close));
        upload_refused(&client(), &server.url("/upload")).await;
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn an_early_answer_from_a_server_that_stops_reading_is_delivered_and_its_connection_dropped() {
    run(async {
        // The 413 has a length and no `Connection: close`, but the request
        // never ended: the second request must not go on this connection,
        // where the server is not reading.
        let server = RawServer::script(refusing(Step::Sleep(STALL)));
        upload_refused(&client(), &server.url("/upload")).await;
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn an_early_answer_over_tls_is_delivered() {
    let pki = pki();
    let server = RawServer::script_tls(
        server_config(&pki, rustls::DEFAULT_VERSIONS),
        refusing(Step::Sleep(STALL)),
    );
    run(async {
        let url = format!("https://localhost:{}/upload", server.addr().port());
        upload_refused(&trusting_client(&pki), &url).await;
        assert_eq!(server.accepted(), 2);
    });
}

#[test]
fn a_whole_upload_still_leaves_its_connection_reusable() {
    run(async {
        let server = RawServer::each(vec![
            Step::Read,
            Step::Write(ok("stored")),
            Step::Read,
            Step::Write(ok("next")),
            Step::Hold,
        ]);
        let client = Client::new();
        let response = client
            .request("PUT", &server.url("/upload"))
            .body(vec![b'u'; 1 << 20])
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(100).await.unwrap(), "stored");
        let next = client.get(&server.url("/")).send().await.unwrap();
        assert_eq!(next.text(100).await.unwrap(), "next");
        assert_eq!(server.accepted(), 1);
        assert_eq!(server.requests()[0].body.len(), 1 << 20);
    });
}
