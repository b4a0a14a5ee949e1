//! The client: connection pool, DNS cache, TLS, timeouts and redirects
//! around the pure protocol in [`proto`](crate::proto).
//!
//! One file per concern, in the order a request meets them:
//!
//! | file          | what it holds                                              |
//! |---------------|------------------------------------------------------------|
//! | `builder.rs`  | [`ClientBuilder`]: the knobs and their defaults            |
//! | `mod.rs`      | [`Client`], and one exchange on a connection, retry-on-stale |
//! | `request.rs`  | [`RequestBuilder`] and the redirect loop                   |
//! | `pool.rs`     | keep-alive reuse and the connection limits                 |
//! | `slot.rs`     | a connection's origin and its place in the pool's counts   |
//! | `proxy.rs`    | [`Proxy`]: which proxy a request goes through, from the environment |
//! | `no_proxy.rs` | the `no_proxy` list and how hosts match it                 |
//! | `connect.rs`  | opening a connection: DNS, TCP, proxy tunnel, TLS          |
//! | `tunnel.rs`   | a `CONNECT` tunnel through a proxy, for https              |
//! | `dns.rs`      | the resolver cache                                         |
//! | `conn.rs`     | one connection: sending a request, reading a head          |
//! | `transport.rs`| plain TCP or TLS underneath                                |
//! | `response.rs` | [`Response`] and body reading                              |
//! | `deadline.rs` | connect, read and total time limits                        |

mod builder;
mod conn;
mod connect;
mod deadline;
mod dns;
mod no_proxy;
mod pool;
mod proxy;
mod request;
mod response;
mod slot;
mod transport;
mod tunnel;

use std::rc::Rc;

use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::headers::Headers;
use crate::proto::ClientExchange;

pub use builder::ClientBuilder;
pub use proxy::Proxy;
pub use request::RequestBuilder;
pub use response::Response;

use builder::Config;
use conn::Connection;
use connect::Connector;
use deadline::Deadlines;
use pool::{Grant, Pool};
use slot::PoolKey;

/// An HTTP/1.1 client with a connection pool, like an aiohttp
/// `ClientSession`.
///
/// Build one and share it: clones are cheap (an `Rc`) and use the same
/// pool, DNS cache and TLS configuration. A `Client` belongs to the thread
/// of the spool loop that uses it (it is `!Send`), as every spool task
/// does. Requests may run concurrently from as many tasks as you like; the
/// pool keeps the connection count within the limits.
///
/// # Examples
///
/// ```no_run
/// # spool::block_on(async {
/// let client = spool_http::Client::new();
/// let response = client.get("https://example.com/").send().await?;
/// assert_eq!(response.status(), 200);
/// let html = response.text(1 << 20).await?;
/// assert!(html.contains("Example Domain"));
/// # Ok::<(), spool_http::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

struct Inner {
    config: Config,
    pool: Pool,
    connector: Connector,
}

impl Client {
    /// A client with the default settings (see [`ClientBuilder`]).
    pub fn new() -> Client {
        ClientBuilder::new()
            .build()
            .expect("the default client configuration is valid")
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A `GET` request for `url`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # spool::block_on(async {
    /// let client = spool_http::Client::new();
    /// let body = client.get("http://example.com/").send().await?.bytes(1 << 20).await?;
    /// # Ok::<(), spool_http::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn get(&self, url: &str) -> RequestBuilder {
        self.request("GET", url)
    }

    /// A `HEAD` request for `url`.
    pub fn head(&self, url: &str) -> RequestBuilder {
        self.request("HEAD", url)
    }

    /// A request with any method.
    pub fn request(&self, method: &str, url: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url)
    }
}

impl Client {
    // ANCHOR: exchange
    /// One request and the head of its response, on a pooled or new
    /// connection, retried once if a reused connection was stale.
    ///
    /// # Retry on a stale connection
    ///
    /// A server may close an idle keep-alive connection at any moment, and the
    /// client learns of it only when it next uses the connection: the write
    /// succeeds (it lands in the kernel's buffer) and the read finds the
    /// connection closed or reset. That is not a failure of the request, it is
    /// a race every HTTP/1.1 client loses now and then, so it is retried once
    /// on a fresh connection, under three conditions that make the retry safe:
    /// the connection had carried a response before (a fresh one failing is a
    /// real error), not one byte of the new response had arrived (so the server
    /// did not process the request, or at least did not answer it), and the
    /// method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE: sending it
    /// twice means the same as once). A `POST` on a stale connection fails
    /// instead; the pool's liveness check before reuse makes that rare. hyper
    /// and ureq apply the same rule (RFC 9110 §9.2.2).
    async fn exchange(
        &self,
        method: &str,
        url: &Url,
        headers: &Headers,
        body: Option<&[u8]>,
        deadlines: &Deadlines,
    ) -> Result<Response> {
        let config = &self.inner.config;
        let key = PoolKey::for_request(url, &config.proxy)?;
        let mut head = Vec::new();
        let body_len = body.map(|body| body.len() as u64);
        // A plain request to a proxy names the whole URL, and carries the
        // proxy's credentials; an https one goes through a tunnel, where
        // the proxy is out of the picture and its credentials stay out.
        let forwarding = key.proxy.clone().filter(|_| !key.https);
        let mut exchange = match &forwarding {
            Some(proxy) => {
                let credentials = proxy.authorization.as_deref();
                ClientExchange::via_proxy(method, url, headers, credentials, body_len, &mut head)?
            }
            None => ClientExchange::new(method, url, headers, body_len, &mut head)?,
        };
        let body = body.unwrap_or_default();

        let mut conn = self.connection(key, deadlines).await?;
        let mut retried = false;
        let head = loop {
            let result = conn
                .round_trip(&mut exchange, &head, body, &config.head_limits, deadlines)
                .await;
            match result {
                Ok(head) => break head,
                Err(e)
                    if e.kind() == ErrorKind::Io
                        && conn.is_reused()
                        && !conn.response_started()
                        && !retried
                        && exchange.may_retry() =>
                {
                    retried = true;
                    let slot = conn.into_slot();
                    conn = Box::pin(self.inner.connector.connect(slot, deadlines)).await?;
                }
                Err(e) => return Err(e),
            }
        };

        // Only a proxy asks for proxy credentials (RFC 9110 §15.5.8), so a
        // 407 is the proxy failing the request, not the origin's answer.
        if let Some(proxy) = forwarding.as_ref().filter(|_| head.status == 407) {
            let mut shown = url.clone();
            let _ = shown.set_password(None);
            let _ = shown.set_username("");
            return Err(Error::new(
                ErrorKind::Proxy,
                format!(
                    "the proxy {proxy} answered 407 {} to {method} {shown}{}",
                    head.reason,
                    tunnel::credentials_hint(proxy)
                ),
            ));
        }
        let body = exchange.read_head(&head)?;
        let pool = self.inner.pool.downgrade();
        Ok(Response::new(
            head,
            url.clone(),
            conn,
            body,
            pool,
            *deadlines,
        ))
    }
    // ANCHOR_END: exchange

    /// A live pooled connection to `key`, or a new one.
    async fn connection(&self, key: PoolKey, deadlines: &Deadlines) -> Result<Connection> {
        let grant = deadlines.total(self.inner.pool.checkout(key)).await??;
        let slot = match grant {
            Grant::Idle(mut conn) => {
                if conn.probe_alive() {
                    return Ok(conn);
                }
                conn.into_slot()
            }
            Grant::Open(slot) => slot,
        };
        // Boxed: opening a connection (DNS, TCP, a proxy tunnel, TLS) is by
        // far the largest state an exchange can be in, and the rarest, so
        // kept inline it would make every request's future, which the
        // runtime moves when it spawns a task, that large.
        Box::pin(self.inner.connector.connect(slot, deadlines)).await
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
