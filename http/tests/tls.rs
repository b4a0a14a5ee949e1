//! HTTPS against local servers with certificates made by rcgen.

use spool::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use spool_http::tls::TlsStream;
use spool_http::{Client, ErrorKind};
use spool_tests::pki::{pki, pki_for, server_config, trusting_client};
use spool_tests::{RawServer, Step, ok, run, write};

fn https(server: &RawServer, path: &str) -> String {
    format!("https://localhost:{}{path}", server.addr().port())
}

#[test]
fn https_requests_succeed_and_reuse_the_session() {
    let pki = pki();
    let big = "x".repeat(300_000);
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), {
        let big = big.clone();
        move |_| {
            vec![
                Step::Read,
                Step::Write(ok("hello over tls")),
                Step::Read,
                Step::Write(ok(&big)),
                Step::Hold,
            ]
        }
    });
    run(async {
        let client = trusting_client(&pki);
        let response = client.get(&https(&server, "/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text(100).await.unwrap(), "hello over tls");
        // Many records in flight at once: the plaintext buffer must be
        // drained before the socket is asked for more.
        let body = client
            .get(&https(&server, "/big"))
            .send()
            .await
            .unwrap()
            .bytes(1 << 20)
            .await
            .unwrap();
        assert_eq!(body.len(), big.len());
        assert_eq!(server.accepted(), 1);
        assert_eq!(
            server.requests()[0].header("host"),
            Some(format!("localhost:{}", server.addr().port()).as_str())
        );
    });
}

#[test]
fn tls_1_2_works_too() {
    let pki = pki();
    let server = RawServer::script_tls(server_config(&pki, &[&rustls::version::TLS12]), |_| {
        vec![Step::Read, Step::Write(ok("tls12")), Step::Hold]
    });
    run(async {
        let body = trusting_client(&pki)
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap()
            .text(10)
            .await
            .unwrap();
        assert_eq!(body, "tls12");
    });
}

#[test]
fn an_unknown_issuer_is_refused() {
    let pki = pki();
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), |_| {
        vec![Step::Read]
    });
    run(async {
        let err = Client::new()
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls);
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
        assert!(err.to_string().contains("unknown issuer"), "{err}");
        assert!(err.to_string().contains("add_root_pem"), "{err}");
    });
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let pki = pki_for(&["example.test"]);
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), |_| {
        vec![Step::Read]
    });
    run(async {
        let err = trusting_client(&pki)
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls);
        assert!(err.to_string().contains("not valid for"), "{err}");
    });
}

#[test]
fn sni_carries_dns_names_but_not_ip_addresses() {
    let pki = pki();
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), |_| {
        vec![Step::Read, Step::Write(ok("ok")), Step::Hold]
    });
    run(async {
        let client = trusting_client(&pki);
        client
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        // An IP address is checked against the certificate's IP entries
        // and never sent as SNI.
        let by_ip = format!("https://127.0.0.1:{}/", server.addr().port());
        client
            .get(&by_ip)
            .send()
            .await
            .unwrap()
            .bytes(10)
            .await
            .unwrap();
        assert_eq!(server.server_names(), [Some("localhost".to_owned()), None]);
    });
}

#[test]
fn eof_without_close_notify_mid_body_is_incomplete() {
    let pki = pki();
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), |_| {
        vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
            Step::Close,
        ]
    });
    run(async {
        let response = trusting_client(&pki)
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap();
        let err = response.bytes(100).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete, "{err}");
    });
}

#[test]
fn eof_without_close_notify_after_a_body_that_runs_until_close_is_unconfirmed() {
    let pki = pki();
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), |_| {
        vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\n\r\nall of it?"),
            Step::Close,
        ]
    });
    run(async {
        let mut response = trusting_client(&pki)
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap();
        let mut body = Vec::new();
        let err = loop {
            match response.chunk().await {
                Ok(Some(piece)) => body.extend_from_slice(piece),
                Ok(None) => panic!("a cut body was reported complete"),
                Err(err) => break err,
            }
        };
        assert_eq!(err.kind(), ErrorKind::BodyEndUnconfirmed, "{err}");
        assert!(err.to_string().contains("close_notify"), "{err}");
        assert_eq!(body, b"all of it?", "what arrived is still delivered");
        assert!(response.chunk().await.unwrap().is_none());
    });
}

#[test]
fn close_notify_ends_a_body_that_runs_until_close() {
    let pki = pki();
    let server = RawServer::script_tls(server_config(&pki, rustls::DEFAULT_VERSIONS), |_| {
        vec![
            Step::Read,
            write("HTTP/1.1 200 OK\r\n\r\nall of it"),
            Step::CloseNotify,
        ]
    });
    run(async {
        let response = trusting_client(&pki)
            .get(&https(&server, "/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text(100).await.unwrap(), "all of it");
    });
}

#[test]
fn add_root_pem_refuses_input_without_certificates() {
    let err = Client::builder().add_root_pem(b"not a pem").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
}

#[test]
fn tls_stream_serves_the_server_side_too() {
    let pki = pki();
    let config = server_config(&pki, rustls::DEFAULT_VERSIONS);
    run(async move {
        let listener = spool::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = listener.local_addr().unwrap().port();
        spool::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let session = rustls::ServerConnection::new(config).unwrap();
            let mut tls = TlsStream::new(tcp, session);
            tls.handshake().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = tls.read(&mut buf).await.unwrap();
                assert!(n > 0, "client closed early");
                request.extend_from_slice(&buf[..n]);
            }
            tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nserved")
                .await
                .unwrap();
            tls.shutdown().await.unwrap();
        });
        let url = format!("https://localhost:{port}/");
        let body = trusting_client(&pki)
            .get(&url)
            .send()
            .await
            .unwrap()
            .text(10)
            .await
            .unwrap();
        assert_eq!(body, "served");
    });
}

/// A socket that keeps a copy of every byte read through it, so a test
/// can see the TLS records themselves.
struct Tap {
    tcp: std::net::TcpStream,
    seen: Vec<u8>,
}

impl std::io::Read for Tap {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.tcp.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl std::io::Write for Tap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tcp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

/// The content type of each TLS record in `bytes`.
fn record_types(mut bytes: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    while bytes.len() >= 5 {
        let len = u16::from_be_bytes([bytes[3], bytes[4]]) as usize;
        types.push(bytes[0]);
        bytes = &bytes[(5 + len).min(bytes.len())..];
    }
    types
}

#[test]
fn a_vectored_write_goes_out_as_one_record() {
    use std::io::Read;
    use std::sync::Arc;
    const APPLICATION_DATA: u8 = 23;
    let pki = pki();
    // TLS 1.2, where only application data travels in records of that
    // type (1.3 hides the handshake in them too).
    let config = server_config(&pki, &[&rustls::version::TLS12]);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.chain[1].clone()).unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    run(async move {
        let listener = spool::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let name = "localhost".try_into().unwrap();
            let mut session = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
            let tcp = std::net::TcpStream::connect(addr).unwrap();
            let mut tap = Tap {
                tcp,
                seen: Vec::new(),
            };
            let mut plain = Vec::new();
            rustls::Stream::new(&mut session, &mut tap)
                .read_to_end(&mut plain)
                .unwrap();
            (plain, record_types(&tap.seen))
        });
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = TlsStream::new(tcp, rustls::ServerConnection::new(config).unwrap());
        tls.handshake().await.unwrap();
        let bufs = [
            std::io::IoSlice::new(b"head, "),
            std::io::IoSlice::new(b"body"),
        ];
        let taken =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut tls).poll_write_vectored(cx, &bufs))
                .await
                .unwrap();
        assert_eq!(taken, 10, "every buffer taken in one call");
        tls.shutdown().await.unwrap();
        let (plain, types) = client.join().unwrap();
        assert_eq!(plain, b"head, body");
        let data = types.iter().filter(|&&t| t == APPLICATION_DATA).count();
        assert_eq!(data, 1, "record types {types:?}");
    });
}
