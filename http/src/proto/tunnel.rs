//! A `CONNECT` tunnel through an HTTP proxy: the request that asks for it
//! and the ruling on the proxy's answer.
//!
//! An `https` request through a proxy cannot be forwarded the way a plain
//! one is (the proxy would have to see the plaintext), so the client asks
//! the proxy for a raw TCP tunnel to the origin, `CONNECT host:port`
//! (RFC 9110 §9.3.6), and once the proxy answers 2xx, runs TLS with the
//! origin through it. From then on the proxy only copies bytes.
//!
//! [`Tunnel`] is the exchange: it writes the request, and given the bytes
//! read back, says whether the answer is complete and whether the tunnel is
//! open. The driver only moves bytes, as with [`ClientExchange`](super::ClientExchange).
//!
//! ```text
//!   Tunnel::new(host, port, credentials) ──▶ CONNECT head bytes
//!                    │
//!                    ▼
//!   read … tunnel.answer(buf) ── Partial ──▶ read more
//!                    │
//!          Open ◀────┴────▶ Refused { status, reason }
//!   (TLS with the origin)     (a proxy error; close)
//! ```

use crate::proto::error::{Error, ErrorKind, Result};
use crate::proto::fields::{check_field, write_field};
use crate::proto::head::HeadLimits;
use crate::proto::response::{ParsedHead, parse_response_head};

/// One `CONNECT` request and the wait for its answer.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{HeadLimits, Tunnel, TunnelAnswer};
///
/// let mut out = Vec::new();
/// let tunnel = Tunnel::new("example.com:443", None, &mut out)?;
/// assert_eq!(out, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
///
/// let limits = HeadLimits::default();
/// assert_eq!(tunnel.answer(b"HTTP/1.1 200 Conn", &limits)?, TunnelAnswer::Partial);
/// assert_eq!(tunnel.answer(b"HTTP/1.1 200 Connection established\r\n\r\n", &limits)?, TunnelAnswer::Open);
/// assert_eq!(
///     tunnel.answer(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", &limits)?,
///     TunnelAnswer::Refused { status: 403, reason: "Forbidden".to_owned() }
/// );
/// # Ok::<(), spool_http::proto::Error>(())
/// ```
#[derive(Debug)]
pub struct Tunnel {
    authority: String,
}

/// What the proxy's bytes so far say about the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelAnswer {
    /// The answer's head is not complete: read more, call again.
    Partial,
    /// A 2xx: the connection is now a tunnel to the origin.
    Open,
    /// Any other final status: no tunnel. The connection is useless for
    /// the request and is closed.
    Refused {
        /// The status code, such as 407 or 502.
        status: u16,
        /// The reason phrase, as the proxy wrote it.
        reason: String,
    },
}

impl Tunnel {
    /// Appends the `CONNECT` request for `authority` (`host:port`, an IPv6
    /// host in brackets) to `out`, with `Proxy-Authorization` when
    /// `proxy_authorization` is given. The target is in authority form,
    /// and `Host` repeats it, as RFC 9112 §3.2.3 asks.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidMessage`] if `authority` or the credentials hold
    /// a space or a control byte that would break the head; nothing is
    /// appended.
    pub fn new(
        authority: &str,
        proxy_authorization: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<Tunnel> {
        if authority.is_empty() || authority.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(Error::new(
                ErrorKind::InvalidMessage,
                format!("{authority:?} is not a host:port a CONNECT request can name"),
            ));
        }
        if let Some(credentials) = proxy_authorization {
            check_field("Proxy-Authorization", credentials.as_bytes(), "request")?;
        }
        out.extend_from_slice(b"CONNECT ");
        out.extend_from_slice(authority.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        write_field(out, "Host", authority.as_bytes());
        if let Some(credentials) = proxy_authorization {
            write_field(out, "Proxy-Authorization", credentials.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        Ok(Tunnel {
            authority: authority.to_owned(),
        })
    }

    /// The `host:port` the tunnel is asked for.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    // ANCHOR: tunnel_answer
    /// Rules on the bytes the proxy sent back so far (interim `1xx`
    /// answers are skipped, as [`parse_response_head`] does).
    ///
    /// Any 2xx opens the tunnel (RFC 9110 §9.3.6); a proxy may not send a
    /// body with it, and the origin speaks only after our TLS hello, so
    /// bytes after a 2xx head are a broken proxy, not data.
    ///
    /// # Errors
    ///
    /// Those of [`parse_response_head`], and [`ErrorKind::Malformed`] for
    /// bytes after a 2xx head.
    pub fn answer(&self, buf: &[u8], limits: &HeadLimits) -> Result<TunnelAnswer> {
        let head = match parse_response_head(buf, limits)? {
            ParsedHead::Partial => return Ok(TunnelAnswer::Partial),
            ParsedHead::Complete(head) => head,
        };
        if !(200..300).contains(&head.status) {
            return Ok(TunnelAnswer::Refused {
                status: head.status,
                reason: head.reason,
            });
        }
        let extra = buf.len() - head.head_len;
        if extra > 0 {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "the proxy sent {extra} bytes after answering {} to CONNECT {}, before the tunnel was used",
                    head.status, self.authority
                ),
            ));
        }
        Ok(TunnelAnswer::Open)
    }
    // ANCHOR_END: tunnel_answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tunnel() -> Tunnel {
        Tunnel::new("[::1]:8443", Some("Basic dTpw"), &mut Vec::new()).unwrap()
    }

    /// The error the proxy's `answer` gives, once checked to be a protocol
    /// error rather than an open or refused tunnel.
    fn malformed(answer: &[u8]) -> Error {
        let err = tunnel().answer(answer, &HeadLimits::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        err
    }

    #[test]
    fn the_request_names_the_authority_and_carries_the_credentials() {
        let mut out = Vec::new();
        Tunnel::new("[::1]:8443", Some("Basic dTpw"), &mut out).unwrap();
        assert_eq!(
            out,
            b"CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dTpw\r\n\r\n"
        );
    }

    #[test]
    fn a_broken_authority_or_credential_writes_nothing() {
        for (authority, credentials) in [
            ("a b:443", None),
            ("", None),
            ("a:443\r\nX: y", None),
            ("a:443", Some("Basic x\r\nX: y")),
        ] {
            let mut out = Vec::new();
            let err = Tunnel::new(authority, credentials, &mut out).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidMessage, "{authority:?}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn every_2xx_opens_and_every_other_final_status_refuses() {
        let limits = HeadLimits::default();
        for status in [200, 204, 299] {
            let answer = format!("HTTP/1.1 {status} OK\r\n\r\n");
            assert_eq!(
                tunnel().answer(answer.as_bytes(), &limits).unwrap(),
                TunnelAnswer::Open
            );
        }
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(
            tunnel().answer(interim, &limits).unwrap(),
            TunnelAnswer::Open
        );
        for (status, reason) in [
            (301, "Moved"),
            (407, "Proxy Authentication Required"),
            (502, "Bad Gateway"),
        ] {
            let answer = format!("HTTP/1.1 {status} {reason}\r\nContent-Length: 3\r\n\r\nabc");
            assert_eq!(
                tunnel().answer(answer.as_bytes(), &limits).unwrap(),
                TunnelAnswer::Refused {
                    status,
                    reason: reason.to_owned()
                }
            );
        }
    }

    #[test]
    fn bytes_after_an_open_answer_are_an_error() {
        assert_eq!(
            malformed(b"HTTP/1.1 200 OK\r\n\r\n\x16\x03").message(),
            "the proxy sent 2 bytes after answering 200 to CONNECT [::1]:8443, before the tunnel was used"
        );
    }

    #[test]
    fn garbage_is_a_protocol_error_not_an_open_tunnel() {
        malformed(b"SSH-2.0-OpenSSH\r\n\r\n");
    }
}
