//! Certificates for HTTPS tests, made by rcgen in the test itself: a
//! throwaway CA, a server certificate it issued, and the configurations
//! that use them on both ends.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use spool_http::Client;

/// A test CA and a server certificate it issued for `names`.
pub struct Pki {
    /// The CA's certificate, for a client to trust.
    pub ca_pem: String,
    /// The server certificate, then the CA's.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server certificate's private key.
    pub key: PrivatePkcs8KeyDer<'static>,
}

/// A fresh CA, and a server certificate it issued for `names`.
pub fn pki_for(names: &[&str]) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "spool test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let leaf = CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf.der().clone(), ca_cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
    }
}

/// A certificate for `localhost` and `127.0.0.1`.
pub fn pki() -> Pki {
    pki_for(&["localhost", "127.0.0.1"])
}

/// A server configuration presenting `pki`'s certificate, limited to
/// `versions`.
pub fn server_config(
    pki: &Pki,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), PrivateKeyDer::Pkcs8(pki.key.clone_key()))
        .unwrap();
    Arc::new(config)
}

/// A client that trusts `pki`'s CA.
pub fn trusting_client(pki: &Pki) -> Client {
    Client::builder()
        .add_root_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap()
}
