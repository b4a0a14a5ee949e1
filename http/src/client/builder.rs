//! [`ClientBuilder`]: every knob of the client, with its default and why.

use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::client::connect::Connector;
use crate::client::dns::Resolver;
use crate::client::pool::Pool;
use crate::client::proxy::Proxy;
use crate::client::{Client, Inner};
use crate::error::{Error, ErrorKind, Result};
use crate::proto::HeadLimits;

/// The settings a client runs with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) limit: usize,
    pub(crate) per_host: Option<usize>,
    pub(crate) dns_ttl: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) max_redirects: usize,
    pub(crate) head_limits: HeadLimits,
    pub(crate) user_agent: String,
    pub(crate) proxy: Proxy,
}

/// Configures and builds a [`Client`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let client = spool_http::Client::builder()
///     .limit(8)
///     .per_host(2)
///     .read_timeout(Duration::from_secs(5))
///     .total_timeout(Some(Duration::from_secs(60)))
///     .max_redirects(3)
///     .user_agent("my-downloader/1.0")
///     .build()?;
/// # Ok::<(), spool_http::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build is called"]
pub struct ClientBuilder {
    config: Config,
    roots: RootCertStore,
}

impl ClientBuilder {
    pub(crate) fn new() -> ClientBuilder {
        ClientBuilder {
            config: Config {
                limit: 100,
                per_host: None,
                dns_ttl: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(15),
                connect_timeout: Duration::from_secs(10),
                read_timeout: Duration::from_secs(30),
                total_timeout: None,
                max_redirects: 10,
                head_limits: HeadLimits::default(),
                user_agent: concat!("spool-http/", env!("CARGO_PKG_VERSION")).to_owned(),
                proxy: Proxy::none(),
            },
            roots: RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        }
    }

    /// Most connections open at once, in use or idle, to all hosts
    /// together. Default 100, aiohttp's default too.
    pub fn limit(mut self, limit: usize) -> ClientBuilder {
        self.config.limit = limit;
        self
    }

    /// Most connections open at once to one `(scheme, host, port)`.
    /// Default: the same as [`limit`](ClientBuilder::limit).
    pub fn per_host(mut self, per_host: usize) -> ClientBuilder {
        self.config.per_host = Some(per_host);
        self
    }

    /// How long a resolved address is reused. Default 10 s.
    pub fn dns_ttl(mut self, ttl: Duration) -> ClientBuilder {
        self.config.dns_ttl = ttl;
        self
    }

    /// How long an idle keep-alive connection is kept. Default 15 s, a
    /// little under the common server default of 20 s or more, so that we
    /// are usually the side that closes.
    pub fn idle_timeout(mut self, idle: Duration) -> ClientBuilder {
        self.config.idle_timeout = idle;
        self
    }

    /// How long a connection attempt may take, per address tried, TLS
    /// handshake included. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.connect_timeout = timeout;
        self
    }

    /// The longest the server may stay silent while we wait for the
    /// response head or the next piece of body. Default 30 s.
    pub fn read_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.read_timeout = timeout;
        self
    }

    /// A deadline for a whole request, from connecting to the last body
    /// byte, redirects included. Default: none, since a large download may
    /// legitimately take hours; the read timeout catches dead servers.
    pub fn total_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.config.total_timeout = timeout;
        self
    }

    /// How many redirects to follow; 0 returns redirect responses as they
    /// are. Default 10.
    pub fn max_redirects(mut self, max: usize) -> ClientBuilder {
        self.config.max_redirects = max;
        self
    }

    /// The largest response head accepted. Default 64 KiB.
    pub fn max_head_size(mut self, bytes: usize) -> ClientBuilder {
        self.config.head_limits.max_head_size = bytes;
        self
    }

    /// The most header fields accepted in a response. Default 100.
    pub fn max_headers(mut self, count: usize) -> ClientBuilder {
        self.config.head_limits.max_headers = count;
        self
    }

    /// The `User-Agent` sent unless a request sets its own. Default
    /// `spool-http/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Sends requests through an HTTP proxy (see [`Proxy`]). Default:
    /// none, whatever the environment says; pass
    /// [`Proxy::from_env`] to follow `http_proxy` and friends as curl does.
    pub fn proxy(mut self, proxy: Proxy) -> ClientBuilder {
        self.config.proxy = proxy;
        self
    }

    /// Trusts the certificates in `pem` as roots, on top of the Mozilla
    /// roots from `webpki-roots`: for a private CA or a test server.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Tls`] if `pem` holds no certificate or one that is not
    /// a valid CA certificate.
    pub fn add_root_pem(mut self, pem: &[u8]) -> Result<ClientBuilder> {
        let invalid = |why: String| {
            Error::new(
                ErrorKind::Tls,
                format!("invalid root certificate PEM: {why}"),
            )
        };
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| invalid(e.to_string()))?;
            self.roots.add(cert).map_err(|e| invalid(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(invalid("no CERTIFICATE section found".to_owned()));
        }
        Ok(self)
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] if a limit is 0 (no request could ever
    /// get a connection), [`ErrorKind::Tls`] if the TLS configuration
    /// cannot be built.
    pub fn build(self) -> Result<Client> {
        let config = self.config;
        let per_host = config.per_host.unwrap_or(config.limit);
        if config.limit == 0 || per_host == 0 {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "ClientBuilder::limit and ClientBuilder::per_host must be at least 1",
            ));
        }
        // The provider is passed explicitly rather than installed as a
        // process-wide default, so this crate never fights the application
        // (or another library) over which one is installed.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::new(ErrorKind::Tls, format!("could not configure TLS: {e}")))?
            .with_root_certificates(self.roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];

        Ok(Client {
            inner: std::rc::Rc::new(Inner {
                pool: Pool::new(config.limit, per_host, config.idle_timeout),
                connector: Connector {
                    resolver: Resolver::system(config.dns_ttl),
                    tls: Arc::new(tls),
                    connect_timeout: config.connect_timeout,
                    head_limits: config.head_limits,
                },
                config,
            }),
        })
    }
}
