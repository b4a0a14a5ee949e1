//! The client: connection pool, DNS cache, TLS, timeouts and redirects
//! around the pure protocol in [`proto`](crate::proto).
//!
//! One file per concern, in the order a request meets them:
//!
//! | file          | what it holds                                              |
//! |---------------|------------------------------------------------------------|
//! | `builder.rs`  | [`ClientBuilder`]: the knobs and their defaults            |
//! | `request.rs`  | [`RequestBuilder`], the redirect loop, retry-on-stale      |
//! | `redirect.rs` | pure redirect decisions                                    |
//! | `pool.rs`     | keep-alive reuse and the connection limits                 |
//! | `connect.rs`  | opening a connection: DNS, TCP, TLS                        |
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
mod pool;
mod redirect;
mod request;
mod response;
mod transport;

use std::rc::Rc;

pub use builder::ClientBuilder;
pub use request::RequestBuilder;
pub use response::Response;

use builder::Config;
use connect::Connector;
use pool::Pool;

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
