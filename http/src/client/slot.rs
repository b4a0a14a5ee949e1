//! What a connection knows of its pool: the origin it is pooled by
//! ([`PoolKey`]) and its place in the pool's counts ([`Slot`]).
//!
//! Both sit below the connection (`conn.rs`) and the pool (`pool.rs`), so
//! that the pool, which holds connections, and a connection, which holds
//! its slot, do not import each other. A slot reaches the pool only
//! through the [`Counts`] it was given, to give its place back.

use std::fmt;
use std::rc::{Rc, Weak};

use url::{Host, Url};

use crate::client::proxy::{Proxy, ProxyServer};
use crate::error::{Error, ErrorKind, Result};

/// What connections are pooled by: the origin of a URL, and the proxy the
/// connection goes through. A connection through a proxy is never reused
/// for a direct request or one through another proxy (or with other proxy
/// credentials), nor the other way round: for `https` it is a tunnel the
/// proxy opened for these credentials, and for `http` its requests are
/// written in the proxy's absolute form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub(crate) https: bool,
    pub(crate) host: Host<String>,
    pub(crate) port: u16,
    pub(crate) proxy: Option<ProxyServer>,
}

impl PoolKey {
    /// The key of a request for `url`, through the proxy `proxy` picks for
    /// it.
    pub(crate) fn for_request(url: &Url, proxy: &Proxy) -> Result<PoolKey> {
        let key = PoolKey::from_url(url)?;
        Ok(PoolKey {
            proxy: proxy.for_url(url).cloned(),
            ..key
        })
    }

    /// The key of a direct request for `url`.
    pub(crate) fn from_url(url: &Url) -> Result<PoolKey> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(Error::new(
                    ErrorKind::UnsupportedScheme,
                    format!(
                        "unsupported URL scheme {other:?} in {url}; only http and https are supported"
                    ),
                ));
            }
        };
        let host = url
            .host()
            .ok_or_else(|| Error::new(ErrorKind::InvalidUrl, format!("URL {url} has no host")))?;
        Ok(PoolKey {
            https,
            host: host.to_owned(),
            port: url
                .port_or_known_default()
                .unwrap_or(if https { 443 } else { 80 }),
            proxy: None,
        })
    }
}

impl fmt::Display for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// One open connection's place in the counts. Dropping it frees the place
/// and lets the pool serve its line.
pub(crate) struct Slot {
    counts: Weak<dyn Counts>,
    key: PoolKey,
}

/// What keeps the counts a [`Slot`] is part of: the pool.
pub(crate) trait Counts {
    /// Gives back the place of a connection to `key` that closed.
    fn release(self: Rc<Self>, key: &PoolKey);
}

impl Slot {
    pub(crate) fn new(counts: Weak<dyn Counts>, key: PoolKey) -> Slot {
        Slot { counts, key }
    }

    pub(crate) fn key(&self) -> &PoolKey {
        &self.key
    }

    /// Makes the place count for the origin `key`: the pool closed an idle
    /// connection of another origin to make room for one to `key`.
    pub(crate) fn move_to(&mut self, key: PoolKey) {
        self.key = key;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // The client may be gone while a response still holds a connection.
        if let Some(counts) = self.counts.upgrade() {
            counts.release(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_and_its_credentials_are_part_of_the_key() {
        let url = Url::parse("http://a.test/").unwrap();
        let direct = PoolKey::from_url(&url).unwrap();
        let key = |proxy: &str| PoolKey::for_request(&url, &Proxy::all(proxy).unwrap()).unwrap();
        assert_ne!(key("p.test:1"), direct);
        assert_ne!(key("p.test:1"), key("p.test:2"));
        assert_ne!(key("u:a@p.test:1"), key("u:b@p.test:1"));
        assert_eq!(key("p.test:1"), key("http://p.test:1"));
        let bypassed = Proxy::all("p.test:1").unwrap().no_proxy("a.test");
        assert_eq!(PoolKey::for_request(&url, &bypassed).unwrap(), direct);
    }
}
