//! The server over HTTPS, checked with our own client.

use std::time::Duration;

use spool::io::{AsyncReadExt, AsyncWriteExt};
use spool_http::server::{Response, Server};
use spool_http::{Client, ErrorKind};
use spool_tests::pki::{pki, server_config, trusting_client};

#[test]
fn https_server_answers_a_trusting_client_and_refuses_plain_http() {
    let pki = pki();
    spool::block_on(async move {
        let server = Server::builder()
            .tls(server_config(&pki, rustls::DEFAULT_VERSIONS))
            .header_timeout(Duration::from_secs(2))
            .bind("127.0.0.1:0".parse().unwrap())
            .unwrap();
        let addr = server.local_addr();
        let shutdown = server.shutdown_handle();
        let serving = spool::spawn(server.serve(
            |request: spool_http::server::Request| async move {
                Response::text(200, format!("secure {}", request.path()))
            },
        ));

        // Plain HTTP to the TLS port: the handshake fails, the server lives on.
        let mut plain = spool::net::TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut junk = Vec::new();
        let _ = spool::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut junk)).await;
        assert!(
            !junk.starts_with(b"HTTP/1.1 200"),
            "plain HTTP must not be served"
        );

        // A client that does not trust the certificate is refused.
        let untrusting = Client::new();
        let err = untrusting
            .get(&format!("https://127.0.0.1:{}/x", addr.port()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls, "{err}");

        // A trusting client gets its answers, twice over one connection.
        let client = trusting_client(&pki);
        for path in ["/a", "/b"] {
            let url = format!("https://127.0.0.1:{}{path}", addr.port());
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.text(1024).await.unwrap(), format!("secure {path}"));
        }
        shutdown.shutdown();
        serving.await.unwrap();
    });
}
