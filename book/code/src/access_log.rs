//! Exercise solution ("A tiny server", exercise 2): middleware without a
//! framework, a handler that wraps another.
//!
//! Because a `Handler` is only "an async function from a request to a
//! response", wrapping one is ordinary composition: call the inner
//! handler, look at what it answered, pass the answer on. tower's `Layer`
//! and `Service` do the same with more generality (back-pressure,
//! readiness); a single-threaded server needs none of it.

use std::cell::RefCell;
use std::rc::Rc;

use spool_http::server::{Handler, Request, Response};

// ANCHOR: access_log
/// Wraps `inner` and records one line per request: method, path, status.
pub struct AccessLog<H> {
    pub inner: H,
    /// Shared with whoever reads the log; one thread, so an `Rc<RefCell>`.
    pub lines: Rc<RefCell<Vec<String>>>,
}

impl<H: Handler> Handler for AccessLog<H> {
    async fn call(&self, request: Request) -> Response {
        let line = format!("{} {}", request.method(), request.path());
        let response = self.inner.call(request).await;
        // Borrowed only after the await: never hold a `RefCell` across one.
        let entry = format!("{line} {}", response.status());
        self.lines.borrow_mut().push(entry);
        response
    }
}
// ANCHOR_END: access_log

#[cfg(test)]
mod tests {
    use super::*;
    use crate::static_files::StaticFiles;
    use spool_http::Client;
    use spool_http::server::Server;
    use std::net::{Ipv4Addr, SocketAddr};

    #[test]
    fn logs_each_request_with_its_status() {
        let lines = Rc::new(RefCell::new(Vec::new()));
        let handler = AccessLog {
            inner: StaticFiles {
                files: &[("/hello.txt", "hello\n")],
            },
            lines: Rc::clone(&lines),
        };
        spool::block_on(async {
            let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
            let base = format!("http://{}", server.local_addr());
            let shutdown = server.shutdown_handle();
            let serving = spool::spawn(server.serve(handler));
            let client = Client::new();
            for path in ["/hello.txt", "/missing"] {
                let response = client.get(&format!("{base}{path}")).send().await.unwrap();
                response.bytes(1024).await.unwrap();
            }
            shutdown.shutdown();
            serving.await.unwrap();
        });
        assert_eq!(*lines.borrow(), ["GET /hello.txt 200", "GET /missing 404"]);
    }
}
