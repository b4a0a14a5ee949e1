//! Driving a `CONNECT` tunnel through an HTTP proxy: the bytes of
//! [`proto::Tunnel`](crate::proto::Tunnel) out, the proxy's answer in.
//!
//! Every decision (what to send, whether the answer opened the tunnel) is
//! the protocol core's; this file moves the bytes and turns a refusal into
//! an error that names the proxy, so that a user told "407" knows it was
//! the proxy, not the site, that wanted a password.

use spool::io::{AsyncReadExt, AsyncWriteExt};
use spool::net::TcpStream;

use crate::client::proxy::ProxyServer;
use crate::client::slot::PoolKey;
use crate::error::{Error, ErrorKind, Result};
use crate::proto::{HeadLimits, Tunnel, TunnelAnswer};

// ANCHOR: open_tunnel
/// Asks the proxy at the other end of `tcp` for a tunnel to `key`'s origin
/// and returns the socket once it is open, ready for TLS with the origin.
/// The caller bounds the time it may take.
pub(crate) async fn open_tunnel(
    mut tcp: TcpStream,
    proxy: &ProxyServer,
    key: &PoolKey,
    limits: &HeadLimits,
) -> Result<TcpStream> {
    let authority = key.to_string();
    let mut request = Vec::new();
    let tunnel = Tunnel::new(&authority, proxy.authorization.as_deref(), &mut request)?;
    let lost = |e: std::io::Error| {
        Error::new(
            ErrorKind::Proxy,
            format!("the connection to the proxy {proxy} failed while asking it for a tunnel to {authority}"),
        )
        .with_source(e)
    };
    tcp.write_all(&request).await.map_err(lost)?;

    // The answer is a head and nothing after it, so reading in small
    // pieces never takes bytes that belong to the TLS session.
    let mut answer = Vec::new();
    let mut piece = [0; 2048];
    loop {
        let n = tcp.read(&mut piece).await.map_err(lost)?;
        if n == 0 {
            return Err(Error::new(
                ErrorKind::Proxy,
                format!(
                    "the proxy {proxy} closed the connection without answering CONNECT {authority}"
                ),
            ));
        }
        answer.extend_from_slice(&piece[..n]);
        let refused = match tunnel.answer(&answer, limits) {
            Ok(TunnelAnswer::Partial) => continue,
            Ok(TunnelAnswer::Open) => return Ok(tcp),
            Ok(TunnelAnswer::Refused { status, reason }) => {
                let hint = if status == 407 {
                    credentials_hint(proxy)
                } else {
                    ""
                };
                format!("the proxy {proxy} answered {status} {reason} to CONNECT {authority}{hint}")
            }
            Err(e) => format!(
                "the proxy {proxy} did not answer CONNECT {authority} with valid HTTP: {}",
                e.message()
            ),
        };
        return Err(Error::new(ErrorKind::Proxy, refused));
    }
}
// ANCHOR_END: open_tunnel

/// What to do about a 407: the proxy wants credentials we did not give,
/// or refused the ones we gave.
pub(crate) fn credentials_hint(proxy: &ProxyServer) -> &'static str {
    if proxy.authorization.is_some() {
        " (it refused the user name and password in the proxy URL)"
    } else {
        " (it wants credentials: put them in the proxy URL, http://user:password@host:port)"
    }
}
