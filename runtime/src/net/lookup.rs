//! [`lookup_host`]: DNS on the blocking pool.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `host` to socket addresses with the system resolver
/// (`getaddrinfo`), on the [blocking pool](crate::spawn_blocking).
///
/// The system resolver blocks, sometimes for seconds; run on the loop's
/// thread it would freeze every task. An IP literal resolves without a
/// query. An empty result is an error, so callers always get an address to
/// try.
///
/// # Examples
///
/// ```
/// spool::block_on(async {
///     let addrs = spool::net::lookup_host("127.0.0.1", 8080).await.unwrap();
///     assert_eq!(addrs[0].to_string(), "127.0.0.1:8080");
/// });
/// ```
pub async fn lookup_host(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = host.to_string();
    let addrs = crate::spawn_blocking(move || {
        (name.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::collect::<Vec<_>>)
    })
    .await??;
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no addresses found for host {host:?}"),
        ));
    }
    Ok(addrs)
}
