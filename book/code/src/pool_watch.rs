//! Exercise solution ("The connection pool", both exercises): watching the
//! pool from the server's side.
//!
//! The client's pool is private, but its effects are not: every connection
//! reaches the server from its own local port. A handler that notes each
//! request's `peer_addr` and how many requests are in flight at once sees
//! exactly how many connections the client opened and how many it used
//! together.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use spool_http::server::{Handler, Request, Response};

// ANCHOR: pool_watch
/// What the server saw: the connections requests came on, and the most
/// requests it was answering at one time.
#[derive(Default)]
pub struct Seen {
    pub connections: RefCell<HashSet<SocketAddr>>,
    in_flight: Cell<usize>,
    pub most_in_flight: Cell<usize>,
}

/// A handler that records into `seen` and takes `delay` to answer, so
/// that requests sent together overlap.
pub struct Watch {
    pub seen: Rc<Seen>,
    pub delay: Duration,
}

impl Handler for Watch {
    async fn call(&self, request: Request) -> Response {
        let seen = &self.seen;
        seen.connections.borrow_mut().insert(request.peer_addr());
        seen.in_flight.set(seen.in_flight.get() + 1);
        seen.most_in_flight
            .set(seen.most_in_flight.get().max(seen.in_flight.get()));
        spool::time::sleep(self.delay).await;
        seen.in_flight.set(seen.in_flight.get() - 1);
        Response::text(200, "ok\n")
    }
}
// ANCHOR_END: pool_watch

#[cfg(test)]
mod tests {
    use super::*;
    use spool_http::Client;
    use spool_http::server::Server;
    use std::net::Ipv4Addr;

    /// Runs `requests` requests through `client` against a `Watch` server,
    /// all at once if `together`, and returns what the server saw.
    fn run(client: Client, requests: usize, together: bool) -> Rc<Seen> {
        let seen = Rc::new(Seen::default());
        let handler = Watch {
            seen: Rc::clone(&seen),
            delay: Duration::from_millis(50),
        };
        spool::block_on(async move {
            let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
            let url = format!("http://{}/", server.local_addr());
            let shutdown = server.shutdown_handle();
            let serving = spool::spawn(server.serve(handler));
            let mut tasks = Vec::new();
            for _ in 0..requests {
                let (client, url) = (client.clone(), url.clone());
                let task = spool::spawn(async move {
                    let response = client.get(&url).send().await.unwrap();
                    assert_eq!(response.text(64).await.unwrap(), "ok\n");
                });
                if together {
                    tasks.push(task);
                } else {
                    task.await.unwrap();
                }
            }
            for task in tasks {
                task.await.unwrap();
            }
            shutdown.shutdown();
            serving.await.unwrap();
        });
        seen
    }

    #[test]
    fn requests_one_after_another_share_one_connection() {
        let seen = run(Client::new(), 5, false);
        assert_eq!(seen.connections.borrow().len(), 1);
    }

    #[test]
    fn per_host_caps_the_connections_used_together() {
        let client = Client::builder().per_host(2).build().unwrap();
        let seen = run(client, 6, true);
        assert!(
            seen.most_in_flight.get() <= 2,
            "{}",
            seen.most_in_flight.get()
        );
        assert!(seen.connections.borrow().len() <= 2);
        assert_eq!(seen.most_in_flight.get(), 2, "the two were used together");
    }
}
