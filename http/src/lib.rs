//! An HTTP/1.1 client for the spool runtime, in the spirit of aiohttp, and
//! a tiny [`server`] to test it against.
//!
//! The crate is built in two layers, and this split is the point of it:
//!
//! - [`proto`] is the protocol and nothing else: encoding a request head,
//!   parsing a response head, deciding where the body ends, decoding
//!   chunked bodies. It is pure code (bytes in, events out) with no
//!   sockets, no timers and no `async`, so every rule of RFC 9112 it
//!   follows is tested with plain byte strings, including every way the
//!   bytes can be split across reads.
//! - The I/O driver on top (connections, TLS, the pool, timeouts) owns the
//!   sockets. It reads bytes, hands them to `proto`, and acts on what comes
//!   back. It has no HTTP knowledge of its own.
//!
//! Failures of either layer are one [`Error`] type whose [`ErrorKind`]
//! says what went wrong, and header fields of both directions are one
//! ordered, case-insensitive [`Headers`] list.

#![warn(missing_docs)]

mod error;
mod headers;
pub mod proto;
pub mod server;

pub use error::{Error, ErrorKind, Result, TimeoutKind};
pub use headers::Headers;
