//! Exercise solution ("A tiny server", exercise 1): a handler of your own,
//! tested through a real server and the real client.
//!
//! A `Handler` is an async function from a `Request` to a `Response`; the
//! server does the framing, keep-alive and limits. This one serves a fixed
//! table of files from memory, and answers the two cases every file server
//! must get right: a path it does not have (404) and a method it does not
//! serve (405, with `Allow` saying which it does).

use spool_http::server::{Handler, Request, Response};

// ANCHOR: static_files
/// Serves `files`, a table of (path, contents), to `GET` requests.
pub struct StaticFiles {
    pub files: &'static [(&'static str, &'static str)],
}

impl Handler for StaticFiles {
    async fn call(&self, request: Request) -> Response {
        if request.method() != "GET" {
            return Response::text(405, "only GET is served here\n").header("Allow", "GET");
        }
        match self.files.iter().find(|(path, _)| *path == request.path()) {
            Some((_, contents)) => Response::text(200, *contents),
            None => Response::not_found(),
        }
    }
}
// ANCHOR_END: static_files

#[cfg(test)]
mod tests {
    use super::*;
    use spool_http::Client;
    use spool_http::server::Server;
    use std::net::{Ipv4Addr, SocketAddr};

    const FILES: &[(&str, &str)] = &[("/hello.txt", "hello\n"), ("/a/b.txt", "b\n")];

    #[test]
    fn serves_the_table_and_refuses_the_rest() {
        spool::block_on(async {
            let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
            let base = format!("http://{}", server.local_addr());
            let shutdown = server.shutdown_handle();
            let serving = spool::spawn(server.serve(StaticFiles { files: FILES }));
            let client = Client::new();

            let hello = client
                .get(&format!("{base}/hello.txt"))
                .send()
                .await
                .unwrap();
            assert_eq!(hello.status(), 200);
            assert_eq!(hello.text(1024).await.unwrap(), "hello\n");

            let nested = client.get(&format!("{base}/a/b.txt")).send().await.unwrap();
            assert_eq!(nested.text(1024).await.unwrap(), "b\n");

            let missing = client.get(&format!("{base}/nope")).send().await.unwrap();
            assert_eq!(missing.status(), 404);

            let post = client
                .request("POST", &format!("{base}/hello.txt"))
                .body("x")
                .send()
                .await
                .unwrap();
            assert_eq!(post.status(), 405);
            assert_eq!(post.headers().get("allow"), Some("GET"));

            shutdown.shutdown();
            serving.await.unwrap();
        });
    }
}
