//! Exercise solution ("Through an HTTP proxy", exercise 2): a forwarding
//! proxy as one server handler.
//!
//! For an `http://` URL the client sends the whole URL to the proxy, and
//! the server hands the handler its two halves: [`Request::host`] (the
//! origin) and [`Request::target`] (path and query). The handler sends the
//! request on with a [`Client`] of its own and answers with what came
//! back. What it must not pass on are the fields that were meant for it
//! alone: the proxy's credentials and the fields about one connection.

use std::cell::RefCell;
use std::rc::Rc;

use spool_http::Client;
use spool_http::server::{Handler, Request, Response};

// ANCHOR: forward_proxy
/// Fields for this hop only: the proxy's credentials, the fields about
/// one connection (RFC 9110 §7.6.1), and those the outgoing client writes
/// itself.
const NOT_FORWARDED: &[&str] = &[
    "proxy-authorization",
    "proxy-connection",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// What the proxy was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub host: String,
    pub target: String,
    pub proxy_authorization: Option<String>,
}

/// Forwards every request to the origin it names, through `client`.
pub struct Forward {
    pub client: Client,
    pub asked: Rc<RefCell<Vec<Asked>>>,
}

impl Handler for Forward {
    async fn call(&self, request: Request) -> Response {
        let Some(host) = request.host() else {
            return Response::text(400, "a proxy needs to know the host\n");
        };
        self.asked.borrow_mut().push(Asked {
            host: host.to_owned(),
            target: request.target().to_owned(),
            proxy_authorization: request
                .headers()
                .get("proxy-authorization")
                .map(str::to_owned),
        });
        let url = format!("http://{host}{}", request.target());
        // `Connection` may name more fields that are for this hop only.
        let named_by_connection: Vec<String> = request
            .headers()
            .get_all("connection")
            .flat_map(|value| {
                String::from_utf8_lossy(value)
                    .split(',')
                    .map(|name| name.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut outgoing = self.client.request(request.method(), &url);
        for (name, value) in request.headers().iter() {
            let name_lower = name.to_ascii_lowercase();
            if !NOT_FORWARDED.contains(&name_lower.as_str())
                && !named_by_connection.contains(&name_lower)
            {
                outgoing = outgoing.header(name, value);
            }
        }
        let answer = match outgoing.body(request.into_body()).send().await {
            Ok(response) => {
                let status = response.status();
                response.bytes(1 << 20).await.map(|body| (status, body))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, body)) => Response::bytes(status, body),
            Err(e) => Response::text(502, format!("the proxy could not fetch {url}: {e}\n")),
        }
    }
}
// ANCHOR_END: forward_proxy

#[cfg(test)]
mod tests {
    use super::*;
    use spool_http::Proxy;
    use spool_http::server::Server;
    use std::net::{Ipv4Addr, SocketAddr};

    /// What one request through the client showed.
    struct Outcome {
        /// What the proxy was asked, one entry a request.
        asked: Vec<Asked>,
        /// The fields the origin received, as `name: value` lines: its
        /// answer, as the client received it.
        origin_fields: String,
    }

    /// Starts an origin that answers with the fields it received, and a
    /// `Forward` proxy; sends a GET for `path` at the origin, with an
    /// end-to-end field (`X-Trace`) and one `Connection` marks as for this
    /// hop only (`X-Hop`), through a client whose proxy `proxy_for` makes
    /// from the proxy's address.
    fn through(proxy_for: impl FnOnce(SocketAddr) -> Proxy, path: &str) -> Outcome {
        let asked = Rc::new(RefCell::new(Vec::new()));
        let forward = Forward {
            client: Client::new(),
            asked: Rc::clone(&asked),
        };
        let path = path.to_owned();
        let origin_fields = spool::block_on(async move {
            let localhost = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
            let origin = Server::bind(localhost).unwrap();
            let proxy = Server::bind(localhost).unwrap();
            let origin_url = format!("http://{}{path}", origin.local_addr());
            let client = Client::builder()
                .proxy(proxy_for(proxy.local_addr()))
                .build()
                .unwrap();
            let shutdowns = [origin.shutdown_handle(), proxy.shutdown_handle()];
            let serving = [
                spool::spawn(origin.serve(|request: Request| async move {
                    let fields: String = request
                        .headers()
                        .iter()
                        .map(|(name, value)| {
                            format!("{name}: {}\n", String::from_utf8_lossy(value))
                        })
                        .collect();
                    Response::text(200, fields)
                })),
                spool::spawn(proxy.serve(forward)),
            ];
            let response = client
                .get(&origin_url)
                .header("X-Trace", "7")
                .header("Connection", "X-Hop")
                .header("X-Hop", "1")
                .send()
                .await
                .unwrap();
            let body = response.text(4096).await.unwrap();
            for shutdown in shutdowns {
                shutdown.shutdown();
            }
            for task in serving {
                task.await.unwrap();
            }
            body
        });
        Outcome {
            asked: asked.take(),
            origin_fields,
        }
    }

    #[test]
    fn the_proxy_is_told_the_origin_and_keeps_the_credentials() {
        let outcome = through(
            |proxy| Proxy::all(&format!("http://reader:s3cret@{proxy}")).unwrap(),
            "/file?x=1",
        );
        let [asked] = &outcome.asked[..] else {
            panic!("the proxy was asked {:?}", outcome.asked)
        };
        assert!(asked.host.starts_with("127.0.0.1:"), "{asked:?}");
        assert_eq!(asked.target, "/file?x=1");
        // base64("reader:s3cret")
        assert_eq!(
            asked.proxy_authorization.as_deref(),
            Some("Basic cmVhZGVyOnMzY3JldA==")
        );
        let fields = outcome.origin_fields.to_ascii_lowercase();
        assert!(fields.contains("x-trace: 7\n"), "{fields}");
        assert!(!fields.contains("proxy-authorization"), "{fields}");
        assert!(!fields.contains("x-hop"), "{fields}");
        assert!(
            fields.contains(&format!("host: {}\n", asked.host)),
            "{fields}"
        );
    }

    #[test]
    fn a_no_proxy_host_goes_around_the_proxy() {
        let outcome = through(
            |proxy| {
                Proxy::all(&format!("http://{proxy}"))
                    .unwrap()
                    .no_proxy("127.0.0.1")
            },
            "/file",
        );
        assert_eq!(outcome.asked, []);
        assert!(
            outcome
                .origin_fields
                .to_ascii_lowercase()
                .contains("x-trace: 7\n")
        );
    }
}
