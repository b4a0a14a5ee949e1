//! Origin servers for the proxy tests: the crate's own server, on a thread
//! of its own, plain or over TLS with a certificate rcgen makes on the spot.

use std::net::SocketAddr;
use std::sync::{Arc, mpsc};
use std::thread;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use spool_http::server::{Request, Response, Server};

/// The body every origin answers with: the path, and whether the request
/// carried `Proxy-Authorization` (which no origin may ever see).
pub fn answer(path: &str, proxy_authorization: bool) -> String {
    format!("{path} proxy-authorization={proxy_authorization}")
}

/// A plain HTTP origin on 127.0.0.1. `/redirect?URL` redirects to URL.
pub fn start_http() -> SocketAddr {
    start(None)
}

/// An HTTPS origin on 127.0.0.1 with a certificate for `localhost` and
/// `127.0.0.1`; returns its address and the PEM of the CA to trust.
pub fn start_https() -> (SocketAddr, String) {
    let (config, ca_pem) = tls_config();
    (start(Some(config)), ca_pem)
}

fn start(tls: Option<Arc<rustls::ServerConfig>>) -> SocketAddr {
    let (addr_tx, addr_rx) = mpsc::channel();
    thread::spawn(move || {
        spool::block_on(async move {
            let mut builder = Server::builder();
            if let Some(tls) = tls {
                builder = builder.tls(tls);
            }
            let server = builder.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            addr_tx.send(server.local_addr()).unwrap();
            server
                .serve(|request: Request| async move {
                    if request.path() == "/redirect" {
                        let to = request.query().unwrap_or_default().to_owned();
                        return Response::new(302).header("Location", to);
                    }
                    let seen = request.headers().contains("proxy-authorization");
                    Response::text(200, answer(request.path(), seen))
                })
                .await
        })
    });
    addr_rx.recv().unwrap()
}

/// A test CA, and a server configuration with a certificate it issued.
fn tls_config() -> (Arc<rustls::ServerConfig>, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "spool proxy test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
        .unwrap();
    (Arc::new(config), ca_cert.pem())
}
