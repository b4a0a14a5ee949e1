//! Exercise solution ("TLS, driven by readiness", exercises 1 and 2): a
//! certificate authority of our own, and what the client refuses.
//!
//! A CA is nothing more than a key pair whose self-signed certificate says
//! "may sign others". A client that trusts that certificate accepts any
//! server certificate the key signed, for the names written in it and the
//! dates it covers, and nothing else. This is what `mkcert` or
//! `openssl req -x509` do for a Python or Node developer, made in the
//! test itself so it runs offline.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

// ANCHOR: private_ca
/// A throwaway CA: its certificate is what a client is told to trust.
pub struct PrivateCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate the CA issued, with its private key: what a TLS
/// server presents.
pub struct Issued {
    /// The server certificate, then the CA's, as a server sends them.
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl PrivateCa {
    pub fn new() -> PrivateCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "spool book CA");
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        PrivateCa { issuer }
    }

    /// The CA's certificate, for `ClientBuilder::add_root_pem`.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A certificate for `names` (DNS names or IP addresses), valid from
    /// 1975 to 4096 as rcgen makes them by default.
    pub fn issue(&self, names: &[&str]) -> Issued {
        self.sign(params_for(names))
    }

    /// A certificate for `names` that stopped being valid in 2001.
    pub fn issue_expired(&self, names: &[&str]) -> Issued {
        let mut params = params_for(names);
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = date_time_ymd(2001, 1, 1);
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Issued {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Issued {
            chain: vec![cert.der().clone(), self.issuer.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

impl Issued {
    /// A server configuration that presents this certificate, for
    /// `ServerBuilder::tls`.
    pub fn server_config(self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .unwrap();
        Arc::new(config)
    }
}
// ANCHOR_END: private_ca

impl Default for PrivateCa {
    fn default() -> PrivateCa {
        PrivateCa::new()
    }
}

fn params_for(names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    CertificateParams::new(names).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use spool_http::server::{Response, Server};
    use spool_http::{Client, ErrorKind};
    use std::net::{Ipv4Addr, SocketAddr};

    /// Serves "hello" over TLS with `config` on 127.0.0.1, fetches `url`
    /// (with `PORT` replaced by the server's port) through `client`, and
    /// returns the body or the error's kind and message.
    fn fetch(
        config: Arc<ServerConfig>,
        client: Client,
        url: &str,
    ) -> Result<String, (ErrorKind, String)> {
        spool::block_on(async move {
            let server = Server::builder()
                .tls(config)
                .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .unwrap();
            let url = url.replace("PORT", &server.local_addr().port().to_string());
            let shutdown = server.shutdown_handle();
            let serving = spool::spawn(server.serve(|_| async { Response::text(200, "hello\n") }));
            let outcome = match client.get(&url).send().await {
                Ok(response) => Ok(response.text(64).await.unwrap()),
                Err(e) => Err((e.kind(), e.to_string())),
            };
            shutdown.shutdown();
            serving.await.unwrap();
            outcome
        })
    }

    fn trusting(ca: &PrivateCa) -> Client {
        Client::builder()
            .add_root_pem(ca.pem().as_bytes())
            .unwrap()
            .build()
            .unwrap()
    }

    /// Asserts that `outcome` is a TLS error whose message says `why`.
    fn assert_refused(outcome: Result<String, (ErrorKind, String)>, why: &str) {
        match outcome {
            Err((ErrorKind::Tls, message)) => {
                assert!(message.contains(why), "expected {why:?} in: {message}")
            }
            other => panic!("expected a TLS error saying {why:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_client_that_trusts_the_ca_gets_the_page() {
        let ca = PrivateCa::new();
        let config = ca.issue(&["localhost"]).server_config();
        let body = fetch(config, trusting(&ca), "https://localhost:PORT/").unwrap();
        assert_eq!(body, "hello\n");
    }

    // Exercise 2: the predictions, one test each.

    #[test]
    fn a_client_that_does_not_trust_the_ca_refuses_it() {
        let ca = PrivateCa::new();
        let config = ca.issue(&["localhost"]).server_config();
        assert_refused(
            fetch(config, Client::new(), "https://localhost:PORT/"),
            "unknown issuer",
        );
    }

    #[test]
    fn an_address_is_not_a_name_the_certificate_lists() {
        let ca = PrivateCa::new();
        let config = ca.issue(&["localhost"]).server_config();
        assert_refused(
            fetch(config, trusting(&ca), "https://127.0.0.1:PORT/"),
            "not valid for",
        );
    }

    #[test]
    fn an_address_the_certificate_lists_is_accepted() {
        let ca = PrivateCa::new();
        let config = ca.issue(&["localhost", "127.0.0.1"]).server_config();
        let body = fetch(config, trusting(&ca), "https://127.0.0.1:PORT/").unwrap();
        assert_eq!(body, "hello\n");
    }

    #[test]
    fn an_expired_certificate_is_refused_even_from_a_trusted_ca() {
        let ca = PrivateCa::new();
        let config = ca.issue_expired(&["localhost"]).server_config();
        assert_refused(
            fetch(config, trusting(&ca), "https://localhost:PORT/"),
            "expired",
        );
    }

    /// Both CAs are called "spool book CA": the client finds the one it
    /// trusts by that name, and the signature, made with the other's key,
    /// does not check out. A CA is its key, not its name.
    #[test]
    fn a_ca_with_the_same_name_and_another_key_is_refused() {
        let (trusted, impostor) = (PrivateCa::new(), PrivateCa::new());
        let config = impostor.issue(&["localhost"]).server_config();
        assert_refused(
            fetch(config, trusting(&trusted), "https://localhost:PORT/"),
            "BadSignature",
        );
    }
}
