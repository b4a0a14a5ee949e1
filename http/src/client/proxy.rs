//! [`Proxy`]: which HTTP proxy, if any, a request goes through.
//!
//! A proxy is given explicitly ([`Proxy::all`]) or read from the
//! environment the way curl and wget read it ([`Proxy::from_env`]). Each
//! request then asks [`Proxy::for_url`]: `http` URLs are sent to the proxy
//! in absolute form, `https` URLs through a `CONNECT` tunnel (see
//! [`proto::Tunnel`](crate::proto::Tunnel)), and hosts on the `no_proxy`
//! list go directly. The decision is made again for every hop of a
//! redirect, so a redirect to a `no_proxy` host leaves the proxy (and its
//! credentials) behind.
//!
//! Unlike reqwest, a client built with [`ClientBuilder`](crate::ClientBuilder)
//! does not read the environment by itself: a library should not change
//! where its requests go because of a variable its caller never saw. Pass
//! `Proxy::from_env()?` to get curl's behaviour.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use url::{Host, Url};

use crate::client::no_proxy::NoProxy;
use crate::error::{Error, ErrorKind, Result};

/// Where requests go through an HTTP proxy, and where they do not.
///
/// # Examples
///
/// ```
/// use spool_http::{Client, Proxy};
///
/// let proxy = Proxy::all("http://user:secret@proxy.internal:3128")?
///     .no_proxy("localhost, 127.0.0.1, .corp.example");
/// let client = Client::builder().proxy(proxy).build()?;
/// # Ok::<(), spool_http::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Proxy {
    http: Option<ProxyServer>,
    https: Option<ProxyServer>,
    no_proxy: NoProxy,
}

/// One proxy server, as a connection through it is pooled by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProxyServer {
    pub(crate) host: Host<String>,
    pub(crate) port: u16,
    /// The `Proxy-Authorization` value, `Basic` and the encoded
    /// `user:pass` from the proxy URL. Part of the pool key too: a tunnel
    /// opened with one user's credentials is not handed to another's
    /// requests.
    pub(crate) authorization: Option<String>,
}

impl Proxy {
    /// Every request, `http` and `https`, through the proxy at `url`
    /// (`http://[user:pass@]host[:port]`, as curl's `--proxy` takes it; a
    /// URL without a scheme is taken as `http://`, and without a port as
    /// port 80, where curl would assume 1080).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Proxy`] if `url` is not an `http` URL with a host:
    /// HTTPS and SOCKS proxies are not supported.
    pub fn all(url: &str) -> Result<Proxy> {
        let server = ProxyServer::parse(url, "the proxy URL")?;
        Ok(Proxy {
            http: Some(server.clone()),
            https: Some(server),
            no_proxy: NoProxy::default(),
        })
    }

    /// No proxy: every request goes directly, whatever the environment
    /// says. The same as a client without [`ClientBuilder::proxy`](crate::ClientBuilder::proxy).
    pub fn none() -> Proxy {
        Proxy::default()
    }

    // ANCHOR: from_env
    /// The proxies the environment names, read as curl and wget read it:
    ///
    /// - `http_proxy` for `http` URLs. Lower-case only: `HTTP_PROXY` is
    ///   ignored, because a CGI server sets `HTTP_PROXY` from a request's
    ///   `Proxy:` header, so any client could otherwise point a CGI
    ///   script's requests at a proxy of its choice ("httpoxy").
    /// - `https_proxy`, else `HTTPS_PROXY`, for `https` URLs.
    /// - `all_proxy`, else `ALL_PROXY`, for either when its own is unset.
    /// - `no_proxy`, else `NO_PROXY`: the hosts reached directly (see
    ///   [`no_proxy`](Proxy::no_proxy)).
    ///
    /// An empty variable counts as unset.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Proxy`] if a variable holds something that is not an
    /// `http` proxy URL; the message names the variable.
    pub fn from_env() -> Result<Proxy> {
        Proxy::from_vars(|name| std::env::var(name).ok())
    }
    // ANCHOR_END: from_env

    /// As [`from_env`](Proxy::from_env), with the variables looked up by
    /// `var` instead of in the process environment.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_http::Proxy;
    ///
    /// let env = |name: &str| match name {
    ///     "HTTP_PROXY" => Some("http://attacker.test:8080".to_owned()),
    ///     "https_proxy" => Some("http://proxy.test:3128".to_owned()),
    ///     _ => None,
    /// };
    /// let proxy = Proxy::from_vars(env)?;
    /// let url = |s| url::Url::parse(s).unwrap();
    /// assert!(!proxy.is_used_for(&url("http://example.com/")));
    /// assert!(proxy.is_used_for(&url("https://example.com/")));
    /// # Ok::<(), spool_http::Error>(())
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Proxy> {
        let first_set = |names: &[&'static str]| {
            names.iter().find_map(|&name| {
                var(name)
                    .filter(|value| !value.is_empty())
                    .map(|value| (name, value))
            })
        };
        let server = |names: &[&'static str]| -> Result<Option<ProxyServer>> {
            match first_set(names).or_else(|| first_set(&["all_proxy", "ALL_PROXY"])) {
                Some((name, value)) => ProxyServer::parse(&value, name).map(Some),
                None => Ok(None),
            }
        };
        Ok(Proxy {
            http: server(&["http_proxy"])?,
            https: server(&["https_proxy", "HTTPS_PROXY"])?,
            no_proxy: NoProxy::parse(
                &first_set(&["no_proxy", "NO_PROXY"])
                    .map(|(_, value)| value)
                    .unwrap_or_default(),
            ),
        })
    }

    /// Replaces the list of hosts reached directly: comma-separated
    /// domains (each with every name under it), IP addresses and CIDR
    /// blocks, each optionally with `:port`, or `*` for all hosts; matched
    /// as curl's `--noproxy` and `no_proxy` are.
    pub fn no_proxy(mut self, list: &str) -> Proxy {
        self.no_proxy = NoProxy::parse(list);
        self
    }

    /// Whether a request for `url` would go through a proxy.
    pub fn is_used_for(&self, url: &Url) -> bool {
        self.for_url(url).is_some()
    }

    /// The proxy a request for `url` goes through, if any.
    pub(crate) fn for_url(&self, url: &Url) -> Option<&ProxyServer> {
        let server = match url.scheme() {
            "http" => self.http.as_ref(),
            "https" => self.https.as_ref(),
            _ => None,
        }?;
        let host = url.host()?.to_owned();
        let port = url.port_or_known_default()?;
        (!self.no_proxy.matches(&host, port)).then_some(server)
    }
}

/// Shows where requests go, never the credentials.
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyServer {
    /// Parses a proxy URL; `source` names where it came from (a variable,
    /// or "the proxy URL") for the error message.
    fn parse(text: &str, source: &str) -> Result<ProxyServer> {
        let invalid = |why: &str| {
            Error::new(
                ErrorKind::Proxy,
                format!("{source} {text:?} is not a usable proxy: {why}"),
            )
        };
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        if url.scheme() != "http" {
            return Err(invalid(&format!(
                "{} proxies are not supported, only http:// ones",
                url.scheme()
            )));
        }
        let host = url.host().ok_or_else(|| invalid("it has no host"))?;
        let authorization = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let decode = |part: &str| percent_decode_str(part).collect::<Vec<u8>>();
            let mut credentials = decode(url.username());
            credentials.push(b':');
            credentials.extend(decode(url.password().unwrap_or_default()));
            Some(format!("Basic {}", STANDARD.encode(credentials)))
        };
        Ok(ProxyServer {
            host: host.to_owned(),
            port: url.port_or_known_default().unwrap_or(80),
            authorization,
        })
    }
}

/// `host:port`: what error messages name the proxy by.
impl fmt::Display for ProxyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// As `Display`, with whether credentials are set but never what they are:
/// a pool key (and so a `Debug` of it) must not leak a password into a log.
impl fmt::Debug for ProxyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = if self.authorization.is_some() {
            " (with credentials)"
        } else {
            ""
        };
        write!(f, "{self}{credentials}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn env(vars: &[(&str, &str)]) -> Proxy {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Proxy::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap()
    }

    fn proxy_for(proxy: &Proxy, u: &str) -> Option<String> {
        proxy.for_url(&url(u)).map(ToString::to_string)
    }

    #[test]
    fn a_proxy_url_gives_host_port_and_basic_credentials() {
        let proxy = Proxy::all("http://us%3Aer:p%40ss@proxy.test:3128/ignored").unwrap();
        let server = proxy.for_url(&url("https://example.com/")).unwrap();
        assert_eq!(server.to_string(), "proxy.test:3128");
        // base64("us:er:p@ss")
        assert_eq!(
            server.authorization.as_deref(),
            Some("Basic dXM6ZXI6cEBzcw==")
        );
        assert_eq!(format!("{server:?}"), "proxy.test:3128 (with credentials)");
        assert!(!format!("{proxy:?}").contains("dXM6"));

        let bare = Proxy::all("127.0.0.1:8080").unwrap();
        assert_eq!(
            proxy_for(&bare, "http://a.test/").as_deref(),
            Some("127.0.0.1:8080")
        );
        let no_port = Proxy::all("http://[::1]").unwrap();
        assert_eq!(
            proxy_for(&no_port, "http://a.test/").as_deref(),
            Some("[::1]:80")
        );
    }

    #[test]
    fn only_http_proxies_are_accepted() {
        for bad in ["socks5://p.test:1080", "https://p.test", "http://", ""] {
            let err = Proxy::all(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Proxy, "{bad}");
        }
        assert_eq!(
            Proxy::all("socks5://p.test:1080").unwrap_err().to_string(),
            "the proxy URL \"socks5://p.test:1080\" is not a usable proxy: socks5 proxies are not supported, only http:// ones"
        );
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let proxy = env(&[
            ("http_proxy", "http://h.test:1"),
            ("HTTPS_PROXY", "http://s.test:2"),
            ("no_proxy", "direct.test"),
        ]);
        assert_eq!(
            proxy_for(&proxy, "http://a.test/").as_deref(),
            Some("h.test:1")
        );
        assert_eq!(
            proxy_for(&proxy, "https://a.test/").as_deref(),
            Some("s.test:2")
        );
        assert_eq!(proxy_for(&proxy, "https://x.direct.test/"), None);

        // Lower case wins over upper case.
        let proxy = env(&[
            ("https_proxy", "http://lower.test:1"),
            ("HTTPS_PROXY", "http://upper.test:2"),
            ("no_proxy", ""),
            ("NO_PROXY", "a.test"),
        ]);
        assert_eq!(
            proxy_for(&proxy, "https://b.test/").as_deref(),
            Some("lower.test:1")
        );
        // An empty no_proxy counts as unset, so NO_PROXY applies.
        assert_eq!(proxy_for(&proxy, "https://a.test/"), None);
    }

    #[test]
    fn upper_case_http_proxy_is_ignored_for_httpoxy() {
        let proxy = env(&[("HTTP_PROXY", "http://attacker.test:80")]);
        assert_eq!(proxy_for(&proxy, "http://a.test/"), None);
        // all_proxy still covers http.
        let proxy = env(&[
            ("HTTP_PROXY", "http://attacker.test:80"),
            ("ALL_PROXY", "http://all.test:9"),
        ]);
        assert_eq!(
            proxy_for(&proxy, "http://a.test/").as_deref(),
            Some("all.test:9")
        );
        assert_eq!(
            proxy_for(&proxy, "https://a.test/").as_deref(),
            Some("all.test:9")
        );
    }

    #[test]
    fn a_bad_variable_is_named_in_the_error() {
        let err = Proxy::from_vars(|name| (name == "all_proxy").then(|| "socks5://x:1".to_owned()))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Proxy);
        assert!(
            err.to_string().starts_with("all_proxy \"socks5://x:1\""),
            "{err}"
        );
    }

    #[test]
    fn no_proxy_replaces_the_list_and_star_turns_the_proxy_off() {
        let proxy = env(&[("all_proxy", "p.test:1"), ("no_proxy", "a.test")]).no_proxy("b.test");
        assert!(proxy.is_used_for(&url("http://a.test/")));
        assert!(!proxy.is_used_for(&url("http://b.test/")));
        assert!(!proxy.no_proxy("*").is_used_for(&url("http://c.test/")));
        assert!(!Proxy::none().is_used_for(&url("http://c.test/")));
    }
}
