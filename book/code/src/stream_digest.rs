//! Exercise solution ("An HTTP client like aiohttp", both exercises):
//! reading a body as a stream, and what stopping early costs.
//!
//! `Response::chunk` hands out each piece of the body as a slice of the
//! connection's own buffer, so a body of any size can be hashed or written
//! out in constant memory. Stopping before the end is allowed, but the
//! connection then still holds unread bytes and cannot go back to the pool.

use spool_http::Response;

// ANCHOR: stream_digest
/// The length of `response`'s body and its FNV-1a hash, computed one piece
/// at a time without holding the body.
pub async fn stream_digest(mut response: Response) -> spool_http::Result<(u64, u64)> {
    let (mut len, mut hash) = (0u64, 0xcbf2_9ce4_8422_2325_u64);
    while let Some(piece) = response.chunk().await? {
        len += piece.len() as u64;
        for &byte in piece {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    Ok((len, hash))
}
// ANCHOR_END: stream_digest

#[cfg(test)]
mod tests {
    use super::*;
    use spool_http::Client;
    use spool_http::server::{Request, Response as ServerResponse, Server};
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::net::{Ipv4Addr, SocketAddr};
    use std::rc::Rc;

    const SIZE: usize = 1 << 20;

    fn body() -> Vec<u8> {
        (0..SIZE).map(|i| (i % 251) as u8).collect()
    }

    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }

    /// Serves `body()` to every request, and runs `test` against the
    /// server's URL; returns the connections the server saw.
    fn with_server<F, Fut>(test: F) -> HashSet<SocketAddr>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = ()>,
    {
        let connections = Rc::new(RefCell::new(HashSet::new()));
        let seen = Rc::clone(&connections);
        let handler = move |request: Request| {
            seen.borrow_mut().insert(request.peer_addr());
            async { ServerResponse::bytes(200, body()) }
        };
        spool::block_on(async move {
            let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
            let url = format!("http://{}/", server.local_addr());
            let shutdown = server.shutdown_handle();
            let serving = spool::spawn(server.serve(handler));
            test(url).await;
            shutdown.shutdown();
            serving.await.unwrap();
        });
        connections.take()
    }

    #[test]
    fn the_digest_covers_the_whole_body() {
        with_server(|url| async move {
            let response = Client::new().get(&url).send().await.unwrap();
            let (len, hash) = stream_digest(response).await.unwrap();
            assert_eq!(len, SIZE as u64);
            assert_eq!(hash, fnv(&body()));
        });
    }

    #[test]
    fn a_body_read_to_the_end_frees_its_connection() {
        let connections = with_server(|url| async move {
            let client = Client::new();
            for _ in 0..2 {
                stream_digest(client.get(&url).send().await.unwrap())
                    .await
                    .unwrap();
            }
        });
        assert_eq!(connections.len(), 1);
    }

    #[test]
    fn a_body_dropped_half_read_costs_a_new_connection() {
        let connections = with_server(|url| async move {
            let client = Client::new();
            let mut first = client.get(&url).send().await.unwrap();
            assert!(first.chunk().await.unwrap().is_some());
            drop(first);
            stream_digest(client.get(&url).send().await.unwrap())
                .await
                .unwrap();
        });
        assert_eq!(connections.len(), 2);
    }
}
