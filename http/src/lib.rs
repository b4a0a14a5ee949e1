//! An HTTP/1.1 client for the spool runtime, in the spirit of aiohttp, and
//! a tiny [`server`] to test it against.
//!
//! ```no_run
//! use spool_http::Client;
//!
//! spool::block_on(async {
//!     let client = Client::builder().limit(8).build()?;
//!     let mut response = client.get("https://example.com/").send().await?;
//!     println!("{} {:?}", response.status(), response.content_type());
//!     while let Some(piece) = response.chunk().await? {
//!         println!("{} more bytes", piece.len());
//!     }
//!     Ok::<(), spool_http::Error>(())
//! })
//! .unwrap();
//! ```
//!
//! The crate is built in two layers, and this split is the point of it:
//!
//! - [`proto`] is the protocol and nothing else: encoding and parsing
//!   heads, deciding where a body ends, decoding and encoding bodies, and
//!   one exchange object per side that owns every decision of a request
//!   and its response. It is pure code (bytes in, events out) with no
//!   sockets, no timers and no `async`, so every rule of RFC 9112 it
//!   follows is tested with plain byte strings, including every way the
//!   bytes can be split across reads.
//! - The I/O drivers on top, [`Client`] and the [`server`], own the
//!   sockets. They read bytes, hand them to `proto`, and act on what comes
//!   back; they have no HTTP knowledge of their own. Around that loop sit the parts a real client
//!   needs: a keep-alive pool with a total and a per-host connection limit
//!   and one fair line of waiters, a DNS cache whose concurrent lookups of
//!   one name share one query, TLS through rustls driven by socket
//!   readiness ([`tls`]), connect, read and total timeouts that say which
//!   one ran out, redirects, HTTP proxies ([`Proxy`]: forwarding for
//!   `http`, `CONNECT` tunnels for `https`, the `http_proxy` family of
//!   variables on request), and a transparent retry when a pooled
//!   connection turns out to have been closed by the server.
//!
//! A [`Client`] is cheap to clone and meant to be shared, like an aiohttp
//! `ClientSession`. [`RequestBuilder::send`] returns once the response head
//! is in; the body is read on demand with [`Response::chunk`], one
//! buffer's worth at a time, so memory stays bounded whatever the size of
//! the body. Only [`Response::bytes`] and [`Response::text`] collect a body,
//! and they take a cap.
//!
//! The client's failures, its protocol's included, are one [`Error`] type
//! whose [`ErrorKind`] says what went wrong (`proto` has an error of its
//! own, which each driver maps to what it means on its side), and header
//! fields of both directions are one ordered, case-insensitive [`Headers`]
//! list.
//!
//! Compared with hyper, this client is single-threaded and has no
//! connection task per socket: the task that sends a request drives its
//! connection directly. Compared with ureq, it is asynchronous and so can
//! run many requests on one thread. Neither HTTP/2 nor content decoding is
//! supported: no `Accept-Encoding` is sent, so servers send bodies as they
//! are.

#![warn(missing_docs)]

mod client;
mod error;
mod headers;
pub mod proto;
pub mod server;
pub mod tls;

pub use client::{Client, ClientBuilder, Proxy, RequestBuilder, Response};
pub use error::{Error, ErrorKind, Result, TimeoutKind};
pub use headers::Headers;
