//! [`RequestBuilder`] and the path of a request: redirects, then one
//! exchange per hop (see `Client::exchange`).

use std::time::Duration;

use url::Url;

use crate::client::Client;
use crate::client::deadline::Deadlines;
use crate::client::response::Response;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::Headers;
use crate::proto;

/// A request being put together; [`send`](RequestBuilder::send) sends it.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// # spool::block_on(async {
/// let client = spool_http::Client::new();
/// let response = client
///     .request("POST", "http://example.com/api/items")
///     .header("Content-Type", "application/json")
///     .body(r#"{"name": "spool"}"#)
///     .timeout(Duration::from_secs(5))
///     .send()
///     .await?;
/// assert_eq!(response.status(), 201);
/// # Ok::<(), spool_http::Error>(())
/// # }).unwrap();
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    client: Client,
    method: String,
    /// A parse error is kept and reported by `send`, so that building a
    /// request never fails half-way through a chain of calls.
    url: Result<Url>,
    headers: Headers,
    body: Option<Vec<u8>>,
    timeout: Option<Duration>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: &str, url: &str) -> RequestBuilder {
        let url = Url::parse(url).map_err(|e| {
            Error::new(ErrorKind::InvalidUrl, format!("invalid URL {url:?}: {e}")).with_source(e)
        });
        RequestBuilder {
            client,
            method: method.to_owned(),
            url,
            headers: Headers::new(),
            body: None,
            timeout: None,
        }
    }

    /// Adds a header field (after any earlier ones of the same name).
    ///
    /// The client sets `Host`, `Content-Length` and a default `User-Agent`
    /// and `Accept` itself; a `User-Agent`, `Accept` or `Host` set here
    /// replaces the default. Invalid names and values are reported by
    /// `send`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> RequestBuilder {
        self.headers.append(name, value);
        self
    }

    /// Sets the body, sent with a `Content-Length`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.body = Some(body.into());
        self
    }

    /// A total timeout for this request, body reading included, in place
    /// of the client's [`total_timeout`](super::ClientBuilder::total_timeout).
    pub fn timeout(mut self, timeout: Duration) -> RequestBuilder {
        self.timeout = Some(timeout);
        self
    }

    // ANCHOR: send
    /// Sends the request, follows redirects, and returns once the final
    /// response's head has been read.
    ///
    /// # Errors
    ///
    /// Any [`ErrorKind`]: an invalid URL or request, DNS, connect and TLS
    /// failures, timeouts, protocol violations, and
    /// [`ErrorKind::TooManyRedirects`] past
    /// [`max_redirects`](super::ClientBuilder::max_redirects).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # spool::block_on(async {
    /// let client = spool_http::Client::new();
    /// let response = client.get("http://example.com/").send().await?;
    /// println!("{} after redirects: {}", response.url(), response.status());
    /// # Ok::<(), spool_http::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn send(self) -> Result<Response> {
        let RequestBuilder {
            client,
            mut method,
            url,
            mut headers,
            mut body,
            timeout,
        } = self;
        let mut url = url?;
        let config = &client.inner.config;
        let deadlines = Deadlines::start(config.read_timeout, timeout.or(config.total_timeout));
        if !headers.contains("user-agent") {
            headers.append("User-Agent", config.user_agent.as_str());
        }
        if !headers.contains("accept") {
            headers.append("Accept", "*/*");
        }

        let mut followed = 0;
        loop {
            let response = client
                .exchange(&method, &url, &headers, body.as_deref(), &deadlines)
                .await?;
            let next =
                proto::follow_redirect(response.status(), &method, response.headers(), &url)?;
            let Some(next) = next else {
                return Ok(response);
            };
            if config.max_redirects == 0 {
                return Ok(response);
            }
            if followed == config.max_redirects {
                return Err(Error::new(
                    ErrorKind::TooManyRedirects,
                    format!(
                        "gave up after {followed} redirects (the limit set by ClientBuilder::max_redirects); the last one pointed to {}",
                        next.url
                    ),
                ));
            }
            followed += 1;
            // Boxed, as the connect path is: draining a body is a large
            // state for the rare request that is redirected.
            deadlines.total(Box::pin(response.discard())).await?;
            next.carry_headers(&mut headers);
            if !next.keep_body {
                body = None;
            }
            method = next.method;
            url = next.url;
        }
    }
    // ANCHOR_END: send
}

impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("url", &self.url.as_ref().map(Url::as_str))
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runtime moves a task's future when it spawns it, so every byte
    /// of a request's future is copied for every request sent from a task
    /// of its own. The rare paths (opening a connection, draining a body
    /// before a redirect) are boxed so that they do not set that size.
    #[test]
    fn a_request_future_does_not_carry_its_rare_paths_inline() {
        let client = Client::new();
        let send = client.get("http://127.0.0.1:1/").send();
        let size = std::mem::size_of_val(&send);
        assert!(size < 4096, "the send future is {size} bytes");
    }
}
