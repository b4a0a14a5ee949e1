//! The client through HTTP proxies: a tiny one of our own that records
//! what it saw (absolute-form targets, `CONNECT`, `Proxy-Authorization`),
//! and a real one, tinyproxy.

mod proxy_kit;

use std::net::TcpListener;

use proxy_kit::origin::{self, answer};
use proxy_kit::test_proxy::TestProxy;
use proxy_kit::tinyproxy::Tinyproxy;
use spool_http::{Client, ErrorKind, Proxy};

/// `Basic` and base64 of `user:secret`.
const CREDENTIALS: &str = "Basic dXNlcjpzZWNyZXQ=";

fn client(proxy: Proxy, ca_pem: Option<&str>) -> Client {
    let mut builder = Client::builder().proxy(proxy);
    if let Some(pem) = ca_pem {
        builder = builder.add_root_pem(pem.as_bytes()).unwrap();
    }
    builder.build().unwrap()
}

fn with_credentials(proxy: &TestProxy) -> Proxy {
    Proxy::all(&format!("http://user:secret@{}", proxy.addr)).unwrap()
}

async fn body(client: &Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.text(1 << 16).await.unwrap()
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn http_goes_to_the_proxy_in_absolute_form_with_its_credentials() {
    let origin = origin::start_http();
    let proxy = TestProxy::start_with(Some(CREDENTIALS));
    let client = client(with_credentials(&proxy), None);
    spool::block_on(async {
        let url = |path| format!("http://localhost:{}{path}", origin.port());
        assert_eq!(body(&client, &url("/a?q=1")).await, answer("/a", false));
        assert_eq!(body(&client, &url("/b")).await, answer("/b", false));
    });
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].request_line,
        format!("GET http://localhost:{}/a?q=1 HTTP/1.1", origin.port())
    );
    for request in &seen {
        assert_eq!(request.proxy_authorization.as_deref(), Some(CREDENTIALS));
    }
    // Kept alive: the second request reused the connection to the proxy.
    assert_eq!(seen[1].connection, seen[0].connection);
}

#[test]
fn https_goes_through_a_connect_tunnel_and_tls_with_the_origin() {
    let (origin, ca_pem) = origin::start_https();
    let proxy = TestProxy::start_with(Some(CREDENTIALS));
    let client = client(with_credentials(&proxy), Some(&ca_pem));
    spool::block_on(async {
        let url = |path| format!("https://localhost:{}{path}", origin.port());
        // The origin answers that it saw no Proxy-Authorization: the
        // credentials went to the proxy only, on the CONNECT.
        assert_eq!(body(&client, &url("/one")).await, answer("/one", false));
        assert_eq!(body(&client, &url("/two")).await, answer("/two", false));
    });
    let seen = proxy.seen();
    // One tunnel, reused for the second request; the proxy saw no request
    // inside it.
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].request_line,
        format!("CONNECT localhost:{} HTTP/1.1", origin.port())
    );
    assert_eq!(seen[0].proxy_authorization.as_deref(), Some(CREDENTIALS));
}

#[test]
fn the_certificate_is_checked_against_the_origin_not_the_proxy() {
    // The certificate names localhost and 127.0.0.1, the proxy's address.
    // `origin.test` reaches the same server (the test proxy connects
    // `.test` names to 127.0.0.1) but is not in the certificate, so the
    // handshake must fail. It also shows the client never resolves the
    // origin itself: `origin.test` resolves nowhere.
    let (origin, ca_pem) = origin::start_https();
    let proxy = TestProxy::start();
    let client = client(Proxy::all(&proxy.url()).unwrap(), Some(&ca_pem));
    let err = spool::block_on(async {
        let url = format!("https://origin.test:{}/", origin.port());
        client.get(&url).send().await.unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(
        err.to_string().contains("not valid for this host name"),
        "{err}"
    );
    assert_eq!(
        proxy.seen()[0].request_line,
        format!("CONNECT origin.test:{} HTTP/1.1", origin.port())
    );
}

#[test]
fn a_407_is_a_proxy_error_that_says_what_to_do() {
    let origin = origin::start_http();
    let (tls_origin, ca_pem) = origin::start_https();
    let proxy = TestProxy::start_with(Some(CREDENTIALS));
    let without = client(Proxy::all(&proxy.url()).unwrap(), Some(&ca_pem));
    let wrong = client(
        Proxy::all(&format!("http://user:wrong@{}", proxy.addr)).unwrap(),
        Some(&ca_pem),
    );
    spool::block_on(async {
        let https = format!("https://localhost:{}/", tls_origin.port());
        let err = without.get(&https).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Proxy);
        assert_eq!(
            err.to_string(),
            format!(
                "the proxy {} answered 407 Proxy Authentication Required to CONNECT localhost:{} \
                 (it wants credentials: put them in the proxy URL, http://user:password@host:port)",
                proxy.addr,
                tls_origin.port()
            )
        );
        let err = wrong.get(&https).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Proxy);
        assert!(
            err.to_string()
                .ends_with("(it refused the user name and password in the proxy URL)"),
            "{err}"
        );

        // Plain HTTP: the 407 comes back as a response, and is still the
        // proxy's error, not the site's answer. The origin's credentials in
        // the URL are not repeated in the message.
        let http = format!("http://me:pw@localhost:{}/x", origin.port());
        let err = without.get(&http).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Proxy);
        assert_eq!(
            err.to_string(),
            format!(
                "the proxy {} answered 407 Proxy Authentication Required to GET http://localhost:{}/x \
                 (it wants credentials: put them in the proxy URL, http://user:password@host:port)",
                proxy.addr,
                origin.port()
            )
        );
    });
}

#[test]
fn a_refused_proxy_is_a_proxy_error() {
    let port = closed_port();
    let client = client(Proxy::all(&format!("127.0.0.1:{port}")).unwrap(), None);
    for url in ["http://localhost:1/", "https://localhost:1/"] {
        let err = spool::block_on(client.get(url).send()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Proxy, "{url}: {err}");
        assert_eq!(
            err.to_string(),
            format!("the proxy 127.0.0.1:{port} refused the connection")
        );
    }
}

#[test]
fn a_connect_answered_with_502_is_a_proxy_error() {
    let proxy = TestProxy::start();
    let client = client(Proxy::all(&proxy.url()).unwrap(), None);
    let port = closed_port();
    let err =
        spool::block_on(client.get(&format!("https://127.0.0.1:{port}/")).send()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy);
    assert_eq!(
        err.to_string(),
        format!(
            "the proxy {} answered 502 Bad Gateway to CONNECT 127.0.0.1:{port}",
            proxy.addr
        )
    );
}

#[test]
fn no_proxy_hosts_go_directly() {
    let origin = origin::start_http();
    let proxy = TestProxy::start();
    let env = |name: &str| match name {
        "http_proxy" => Some(proxy.url()),
        "no_proxy" => Some("example.test, localhost".to_owned()),
        _ => None,
    };
    let client = client(Proxy::from_vars(env).unwrap(), None);
    spool::block_on(async {
        let url = format!("http://localhost:{}/direct", origin.port());
        assert_eq!(body(&client, &url).await, answer("/direct", false));
        let url = format!("http://127.0.0.1:{}/proxied", origin.port());
        assert_eq!(body(&client, &url).await, answer("/proxied", false));
    });
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].request_line.contains("/proxied"), "{seen:?}");
}

#[test]
fn proxied_and_direct_requests_never_share_a_connection_or_credentials() {
    let origin = origin::start_http();
    let proxy = TestProxy::start_with(Some(CREDENTIALS));
    let client = client(with_credentials(&proxy).no_proxy("127.0.0.1"), None);
    spool::block_on(async {
        let proxied = format!("http://localhost:{}", origin.port());
        let direct = format!("http://127.0.0.1:{}", origin.port());
        assert_eq!(
            body(&client, &format!("{proxied}/1")).await,
            answer("/1", false)
        );
        // A redirect from a proxied origin to a direct one: the second hop
        // leaves the proxy, and its credentials, behind.
        let hop = format!("{proxied}/redirect?{direct}/2");
        assert_eq!(body(&client, &hop).await, answer("/2", false));
        assert_eq!(
            body(&client, &format!("{proxied}/3")).await,
            answer("/3", false)
        );
    });
    let seen = proxy.seen();
    let lines: Vec<&str> = seen.iter().map(|s| s.request_line.as_str()).collect();
    let port = origin.port();
    assert_eq!(
        lines,
        [
            format!("GET http://localhost:{port}/1 HTTP/1.1"),
            format!("GET http://localhost:{port}/redirect?http://127.0.0.1:{port}/2 HTTP/1.1"),
            format!("GET http://localhost:{port}/3 HTTP/1.1"),
        ]
    );
    // All three proxied requests on one connection to the proxy.
    assert!(seen.iter().all(|s| s.connection == seen[0].connection));
}

#[test]
fn tinyproxy_carries_http_and_https() {
    let origin = origin::start_http();
    let (tls_origin, ca_pem) = origin::start_https();
    let Some(tinyproxy) = Tinyproxy::start("carries", tls_origin.port()) else {
        return;
    };
    let client = client(Proxy::all(&tinyproxy.url()).unwrap(), Some(&ca_pem));
    spool::block_on(async {
        for round in 0..2 {
            let url = format!("http://127.0.0.1:{}/plain{round}", origin.port());
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{}", tinyproxy.log());
            assert_eq!(
                response.text(1 << 16).await.unwrap(),
                answer(&format!("/plain{round}"), false)
            );
            let url = format!("https://127.0.0.1:{}/tls{round}", tls_origin.port());
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{}", tinyproxy.log());
            assert_eq!(
                response.text(1 << 16).await.unwrap(),
                answer(&format!("/tls{round}"), false)
            );
        }
    });
    let log = tinyproxy.log();
    assert!(log.contains("CONNECT"), "tinyproxy saw no CONNECT:\n{log}");
}

#[test]
fn tinyproxy_refuses_a_connect_to_another_port_and_that_is_a_proxy_error() {
    let (tls_origin, ca_pem) = origin::start_https();
    // Allows CONNECT to some other port only.
    let Some(tinyproxy) = Tinyproxy::start("refuses", closed_port()) else {
        return;
    };
    let client = client(Proxy::all(&tinyproxy.url()).unwrap(), Some(&ca_pem));
    let url = format!("https://127.0.0.1:{}/", tls_origin.port());
    let err = spool::block_on(client.get(&url).send()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy, "{err}");
    let expected = format!("the proxy {} answered 403 ", tinyproxy.addr);
    assert!(err.to_string().starts_with(&expected), "{err}");
    assert!(
        err.to_string()
            .ends_with(&format!("to CONNECT 127.0.0.1:{}", tls_origin.port())),
        "{err}"
    );
}
