//! The HTTP/1.1 protocol as pure functions and state machines.
//!
//! Nothing in here touches a socket, a clock or the runtime. Each piece
//! takes bytes (or parsed values) and returns bytes, values or events, so
//! the whole protocol is testable with byte strings, and every split of the
//! input across reads can be tried exhaustively. The I/O drivers above it
//! only move bytes between the socket and these functions: every protocol
//! decision (what to send, how a body is framed, whether a connection may
//! be reused, what to do with an early response) is made here.
//!
//! The files follow the messages:
//!
//! - `request.rs` and `response.rs`: encoding and parsing a request head
//!   and a response head; `head.rs`: what both heads share ([`Version`],
//!   [`HeadLimits`]); `fields.rs`: the field rules both share (tokens,
//!   control bytes, comma lists, lengths, persistence); `date.rs`: the
//!   `Date` of every response, formatted once a second.
//! - `framing.rs`: how a body is framed, for both sides ([`Framing`]);
//!   `decoder.rs` and `encoder.rs`: a body in ([`BodyDecoder`]) and out
//!   ([`BodyEncoder`]); `chunked.rs`: the chunked coding's grammar.
//! - `client_exchange.rs` and `server_exchange.rs`: one exchange from each
//!   side ([`ClientExchange`], [`ServerExchange`]), the small objects the
//!   drivers hold and ask.
//! - `redirect.rs`: whether and where the client follows a redirect.
//! - `tunnel.rs`: a `CONNECT` tunnel through an HTTP proxy ([`Tunnel`]):
//!   the request, and whether the proxy's answer opened it.
//! - `error.rs`: the protocol's one [`Error`]; each driver maps it to what
//!   a failure means on its side.
//!
//! The client's exchange, as a state chart (the server's is in
//! [`ServerExchange`]'s module):
//!
//! ```text
//!   ClientExchange::new ──▶ head bytes ──▶ sending ──(early answer)──┐
//!                                             │ record_sent(true)    │
//!                                             ▼                      ▼
//!                             parse_response_head … Complete(head)
//!                                             │ read_head(&head)
//!                                             ▼
//!          ResponseBody::decode … Data … Done ─── or ─── finish_eof(confirmed)
//!                                             │
//!                                             ▼
//!                                 reusable(leftover)? ── pool / close
//! ```
//!
//! This is the layering of ureq-proto and httparse rather than hyper, where
//! protocol state and I/O polling are interleaved inside one connection
//! task: harder to reuse, but a reader sees the protocol and the I/O apart.
//! Unlike ureq-proto's `Call`, the exchanges are not typestates: only the
//! client's has two stages worth telling apart (before the response head
//! and after), and those are two types.
//!
//! # Examples
//!
//! A whole exchange, with a list of byte strings standing in for the reads
//! from a socket:
//!
//! ```
//! use spool_http::Headers;
//! use spool_http::proto::*;
//!
//! let url = url::Url::parse("http://example.com/hello").unwrap();
//! let mut request = Vec::new();
//! let mut exchange = ClientExchange::new("GET", &url, &Headers::new(), None, &mut request)?;
//! assert_eq!(request, b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n");
//! exchange.record_sent(true);
//!
//! let mut reads = [
//!     &b"HTTP/1.1 200 OK\r\nTransfer-"[..],
//!     b"Encoding: chunked\r\n\r\n5\r\nhel",
//!     b"lo\r\n0\r\n\r\n",
//! ]
//! .into_iter();
//!
//! let mut buf = Vec::new();
//! let head = loop {
//!     buf.extend_from_slice(reads.next().expect("server closed early"));
//!     if let ParsedHead::Complete(head) = parse_response_head(&buf, &HeadLimits::default())? {
//!         break head;
//!     }
//! };
//! buf.drain(..head.head_len);
//!
//! let mut response = exchange.read_head(&head)?;
//! let mut body = Vec::new();
//! loop {
//!     match response.decode(&buf)? {
//!         Decoded::Data(range) => {
//!             body.extend_from_slice(&buf[range.clone()]);
//!             buf.drain(..range.end);
//!         }
//!         Decoded::NeedMore => {
//!             buf.clear();
//!             match reads.next() {
//!                 Some(bytes) => buf.extend_from_slice(bytes),
//!                 None => break response.finish_eof(true)?,
//!             }
//!         }
//!         Decoded::Done(n) => break buf.drain(..n).for_each(drop),
//!     }
//! }
//! assert_eq!(body, b"hello");
//! assert!(response.reusable(&buf));
//! # Ok::<(), spool_http::proto::Error>(())
//! ```

mod chunked;
mod client_exchange;
mod date;
mod decoder;
mod encoder;
mod error;
mod fields;
mod framing;
mod head;
mod redirect;
mod request;
mod response;
mod server_exchange;
mod tunnel;
mod uri;

pub use client_exchange::{ClientExchange, ResponseBody};
pub use decoder::{BodyDecoder, Decoded};
pub use encoder::BodyEncoder;
pub use error::{Error, ErrorKind, Result};
pub use framing::{Framing, body_framing, connection_reusable, request_framing, response_framing};
pub use head::{HeadLimits, Version};
pub(crate) use redirect::follow_redirect;
pub use request::{ParsedRequest, RequestHead, encode_request_head, parse_request_head};
pub use response::{
    ParsedHead, ResponseHead, encode_response_head, parse_response_head, reason_phrase,
};
pub use server_exchange::ServerExchange;
pub use tunnel::{Tunnel, TunnelAnswer};
pub(crate) use uri::escapes_are_well_formed;
