//! Opening a new connection: resolve, connect TCP, shake hands.
//!
//! Every address the name resolves to is tried in turn, each with the full
//! connect timeout, and the first that answers wins. A host with a dead
//! IPv6 address and a working IPv4 one therefore still works, at the cost
//! of one timeout. (Happy Eyeballs, racing the families in parallel as
//! browsers and hyper's connector do, would hide that cost; it is left out
//! to keep the path easy to follow.)

use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConnection;
use rustls::pki_types::ServerName;
use spool::net::TcpStream;
use url::Host;

use crate::client::conn::Connection;
use crate::client::deadline::Deadlines;
use crate::client::dns::Resolver;
use crate::client::proxy::ProxyServer;
use crate::client::slot::{PoolKey, Slot};
use crate::client::transport::Transport;
use crate::client::tunnel::open_tunnel;
use crate::error::{Error, ErrorKind, Result};
use crate::proto::HeadLimits;
use crate::tls::TlsStream;

/// What opening a connection needs from the client.
pub(crate) struct Connector {
    pub(crate) resolver: Resolver,
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) connect_timeout: Duration,
    /// For the proxy's answer to `CONNECT`, as for any response head.
    pub(crate) head_limits: HeadLimits,
}

impl Connector {
    /// Opens a connection to the slot's origin; the slot is given back if
    /// that fails.
    pub(crate) async fn connect(&self, slot: Slot, deadlines: &Deadlines) -> Result<Connection> {
        let key = slot.key().clone();
        let tcp = match &key.proxy {
            None => self.open_tcp(&key.host, key.port, deadlines).await?,
            Some(proxy) => {
                let tcp = self
                    .open_tcp(&proxy.host, proxy.port, deadlines)
                    .await
                    .map_err(|e| proxy_connect_error(proxy, e))?;
                if key.https {
                    let tunnel = open_tunnel(tcp, proxy, &key, &self.head_limits);
                    deadlines.connect(self.connect_timeout, tunnel).await??
                } else {
                    tcp
                }
            }
        };
        let transport = if key.https {
            let handshake = self.handshake(&key, tcp);
            Transport::Tls(Box::new(
                deadlines.connect(self.connect_timeout, handshake).await??,
            ))
        } else {
            Transport::Plain(tcp)
        };
        Ok(Connection::new(transport, slot))
    }

    /// Resolves `host` and connects to it: the origin, or the proxy.
    async fn open_tcp(
        &self,
        host: &Host<String>,
        port: u16,
        deadlines: &Deadlines,
    ) -> Result<TcpStream> {
        let ips = match host {
            Host::Domain(name) => {
                let lookup = self.resolver.resolve(name);
                deadlines.connect(self.connect_timeout, lookup).await??
            }
            Host::Ipv4(ip) => Rc::from([IpAddr::V4(*ip)]),
            Host::Ipv6(ip) => Rc::from([IpAddr::V6(*ip)]),
        };
        self.connect_tcp(host, port, &ips, deadlines).await
    }

    async fn connect_tcp(
        &self,
        host: &Host<String>,
        port: u16,
        ips: &[IpAddr],
        deadlines: &Deadlines,
    ) -> Result<TcpStream> {
        let mut last = None;
        for &ip in ips {
            let addr = SocketAddr::new(ip, port);
            let attempt = deadlines
                .connect(self.connect_timeout, TcpStream::connect(addr))
                .await;
            let error = match attempt {
                Ok(Ok(tcp)) => {
                    // Requests are written in one or two writes and we wait
                    // for the answer: Nagle's delay would only add latency.
                    let _ = tcp.set_nodelay(true);
                    return Ok(tcp);
                }
                Ok(Err(e)) => Error::new(
                    ErrorKind::Connect,
                    format!("could not connect to {}", target(host, port, addr)),
                )
                .with_source(e),
                // The whole request ran out of time: no point trying on.
                Err(e) if e.kind() == ErrorKind::Timeout(crate::TimeoutKind::Total) => {
                    return Err(e);
                }
                Err(e) => Error::new(
                    e.kind(),
                    format!(
                        "could not connect to {}: {}",
                        target(host, port, addr),
                        e.message()
                    ),
                ),
            };
            last = Some(error);
        }
        Err(last.unwrap_or_else(|| {
            Error::new(
                ErrorKind::Dns,
                format!("host {host}:{port} resolved to no addresses"),
            )
        }))
    }

    async fn handshake(
        &self,
        key: &PoolKey,
        tcp: TcpStream,
    ) -> Result<TlsStream<ClientConnection>> {
        // SNI and certificate checks use the name from the URL; an IP
        // address is checked against the certificate's IP entries and is
        // never sent as SNI (rustls takes care of both).
        let name = match &key.host {
            Host::Domain(name) => ServerName::try_from(name.clone()),
            Host::Ipv4(ip) => Ok(ServerName::IpAddress(IpAddr::V4(*ip).into())),
            Host::Ipv6(ip) => Ok(ServerName::IpAddress(IpAddr::V6(*ip).into())),
        }
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidUrl,
                format!("{} is not a valid TLS server name: {e}", key.host),
            )
        })?;
        let session = ClientConnection::new(self.tls.clone(), name).map_err(|e| {
            Error::new(
                ErrorKind::Tls,
                format!("could not start a TLS session with {key}: {e}"),
            )
        })?;
        let mut tls = TlsStream::new(tcp, session);
        match tls.handshake().await {
            Ok(()) => Ok(tls),
            Err(e) => Err(handshake_error(key, e)),
        }
    }
}

/// `localhost:8080 (127.0.0.1:8080)`, or just the address when the URL
/// named it.
fn target(host: &Host<String>, port: u16, addr: SocketAddr) -> String {
    match host {
        Host::Domain(_) => format!("{host}:{port} ({addr})"),
        _ => addr.to_string(),
    }
}

/// A failure to reach the proxy is the proxy's, and says so: "could not
/// connect to 127.0.0.1:3128" would leave the user wondering what that
/// address is. Timeouts stay timeouts (the limit that ran out is what to
/// change), with the proxy named in the message.
fn proxy_connect_error(proxy: &ProxyServer, e: Error) -> Error {
    let refused = std::error::Error::source(&e)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    let message = match e.kind() {
        ErrorKind::Connect if refused => format!("the proxy {proxy} refused the connection"),
        ErrorKind::Connect => format!("could not connect to the proxy {proxy}: {}", e.message()),
        ErrorKind::Dns => format!("could not resolve the proxy {proxy}: {}", e.message()),
        kind => return Error::new(kind, format!("the proxy {proxy}: {}", e.message())),
    };
    Error::new(ErrorKind::Proxy, message)
}

/// A handshake failure is a TLS error whatever its cause (a refused
/// certificate, a peer that hung up, a server that does not speak TLS).
/// The usual reasons a certificate is refused get words a user can act on;
/// the rest keep rustls' own wording.
fn handshake_error(key: &PoolKey, e: std::io::Error) -> Error {
    use rustls::CertificateError;
    let Some(reason) = e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
        return Error::new(
            ErrorKind::Tls,
            format!("the TLS handshake with {key} failed: {e}"),
        )
        .with_source(e);
    };
    let hint = match reason {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            " (the certificate was issued by an unknown issuer, a CA this client does not trust; \
             add it with ClientBuilder::add_root_pem)"
        }
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => " (the certificate is not valid for this host name)",
        _ => "",
    };
    Error::new(
        ErrorKind::Tls,
        format!("the TLS handshake with {key} failed: {reason}{hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector() -> Connector {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        Connector {
            resolver: Resolver::system(Duration::from_secs(10)),
            tls: Arc::new(tls),
            connect_timeout: Duration::from_secs(5),
            head_limits: HeadLimits::default(),
        }
    }

    #[test]
    fn every_address_is_tried_in_turn() {
        spool::block_on(async {
            let listener = spool::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let port = listener.local_addr().unwrap().port();
            let key = PoolKey {
                https: false,
                host: Host::Domain("multi.test".to_owned()),
                port,
                proxy: None,
            };
            let deadlines = Deadlines::start(Duration::from_secs(5), None);
            // Nothing listens on 127.0.0.2 (the listener is bound to
            // 127.0.0.1 only), so the first address is refused.
            let ips: [IpAddr; 2] = ["127.0.0.2".parse().unwrap(), "127.0.0.1".parse().unwrap()];
            let tcp = connector()
                .connect_tcp(&key.host, key.port, &ips, &deadlines)
                .await
                .unwrap();
            assert_eq!(tcp.peer_addr().unwrap(), SocketAddr::new(ips[1], port));

            let err = connector()
                .connect_tcp(&key.host, key.port, &ips[..1], &deadlines)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Connect);
            assert_eq!(
                err.to_string(),
                format!("could not connect to multi.test:{port} (127.0.0.2:{port})")
            );
        });
    }
}
