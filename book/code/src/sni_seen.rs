//! Exercise solution ("TLS, driven by readiness", exercise 3): what the
//! server is told before it shows a certificate.
//!
//! A server must present its certificate before it has read a single byte
//! of HTTP, so it cannot look at `Host` to choose one. The client says the
//! name it wants in the handshake's first message instead: SNI, the server
//! name indication. rustls lets a server choose its certificate by asking
//! a `ResolvesServerCert`; this one presents the same certificate every
//! time and writes down the name it was asked for.

use std::sync::{Arc, Mutex};

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::private_ca::Issued;

// ANCHOR: sni_seen
/// Presents one certificate, and records the SNI name of every handshake
/// (`None` when the client sent none).
#[derive(Debug)]
pub struct SniSeen {
    certified: Arc<CertifiedKey>,
    names: Mutex<Vec<Option<String>>>,
}

impl ResolvesServerCert for SniSeen {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name().map(str::to_owned);
        self.names.lock().unwrap().push(name);
        Some(Arc::clone(&self.certified))
    }
}
// ANCHOR_END: sni_seen

impl SniSeen {
    pub fn new(issued: Issued) -> Arc<SniSeen> {
        let provider = rustls::crypto::ring::default_provider();
        let certified = CertifiedKey::from_der(issued.chain, issued.key, &provider).unwrap();
        Arc::new(SniSeen {
            certified: Arc::new(certified),
            names: Mutex::new(Vec::new()),
        })
    }

    /// A server configuration that asks `self` for its certificate.
    pub fn server_config(self: &Arc<SniSeen>) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        Arc::new(config)
    }

    /// The names asked for so far, one per handshake.
    pub fn names(&self) -> Vec<Option<String>> {
        self.names.lock().unwrap().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::private_ca::PrivateCa;
    use spool_http::Client;
    use spool_http::server::{Response, Server};
    use std::net::{Ipv4Addr, SocketAddr};

    #[test]
    fn a_name_is_sent_and_an_address_is_not() {
        let ca = PrivateCa::new();
        let seen = SniSeen::new(ca.issue(&["localhost", "127.0.0.1"]));
        let config = seen.server_config();
        let client = Client::builder()
            .add_root_pem(ca.pem().as_bytes())
            .unwrap()
            .build()
            .unwrap();
        spool::block_on(async move {
            let server = Server::builder()
                .tls(config)
                .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .unwrap();
            let port = server.local_addr().port();
            let shutdown = server.shutdown_handle();
            let serving = spool::spawn(server.serve(|_| async { Response::text(200, "ok") }));
            for url in [
                format!("https://localhost:{port}/"),
                format!("https://127.0.0.1:{port}/"),
            ] {
                let response = client.get(&url).send().await.unwrap();
                assert_eq!(response.text(16).await.unwrap(), "ok");
            }
            shutdown.shutdown();
            serving.await.unwrap();
        });
        assert_eq!(seen.names(), [Some("localhost".to_owned()), None]);
    }
}
