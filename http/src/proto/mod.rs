//! The HTTP/1.1 protocol as pure functions and state machines.
//!
//! Nothing in here touches a socket, a clock or the runtime. Each piece
//! takes bytes (or parsed values) and returns bytes, values or events, so
//! the whole protocol is testable with byte strings, and every split of the
//! input across reads can be tried exhaustively. The I/O driver above it
//! only moves bytes between the socket and these functions.
//!
//! A response goes through the pieces in this order:
//!
//! 1. [`encode_request_head`] writes the request head into a buffer.
//! 2. [`parse_response_head`] is called on the read buffer until it returns
//!    a [`ResponseHead`].
//! 3. [`body_framing`] decides from the method and the head how the body is
//!    delimited, and [`connection_reusable`] whether the connection can be
//!    pooled afterwards.
//! 4. A [`BodyDecoder`] for that [`Framing`] turns the bytes after the head
//!    into body data, until it reports the end or
//!    [`BodyDecoder::finish_eof`] rules on a closed connection.
//!
//! The server walks the same road in the other direction:
//! [`parse_request_head`], [`request_framing`] and a [`BodyDecoder`] for the
//! request, then [`response_framing`], [`encode_response_head`] and
//! [`encode_chunk`] for the answer.
//!
//! This is the layering of ureq-proto and httparse rather than hyper, where
//! protocol state and I/O polling are interleaved inside one connection
//! task: harder to reuse, but a reader sees the protocol and the I/O apart.
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
//! encode_request_head("GET", &url, &Headers::new(), None, &mut request)?;
//! assert_eq!(request, b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n");
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
//! let framing = body_framing("GET", &head)?;
//! let mut decoder = BodyDecoder::new(framing);
//! let mut body = Vec::new();
//! loop {
//!     match decoder.decode(&buf)? {
//!         Decoded::Data(range) => {
//!             body.extend_from_slice(&buf[range.clone()]);
//!             buf.drain(..range.end);
//!         }
//!         Decoded::NeedMore => {
//!             buf.clear();
//!             match reads.next() {
//!                 Some(bytes) => buf.extend_from_slice(bytes),
//!                 None => break decoder.finish_eof()?,
//!             }
//!         }
//!         Decoded::Done(n) => break buf.drain(..n).for_each(drop),
//!     }
//! }
//! assert_eq!(body, b"hello");
//! assert!(buf.is_empty() && connection_reusable(&head, framing));
//! # Ok::<(), spool_http::Error>(())
//! ```

mod body;
mod chunked;
mod fields;
mod framing;
mod head;
mod request;
mod request_head;
mod response;
mod uri;

pub use body::{BodyDecoder, Decoded};
pub use framing::{Framing, body_framing, connection_reusable};
pub use head::{HeadLimits, ParsedHead, ResponseHead, Version, parse_response_head};
pub use request::encode_request_head;
pub use request_head::{
    ParsedRequest, Rejection, RequestHead, expects_continue, parse_request_head, request_framing,
    request_keep_alive,
};
pub use response::{
    InvalidResponse, LAST_CHUNK, encode_chunk, encode_response_head, reason_phrase,
    response_framing,
};
pub(crate) use uri::escapes_are_well_formed;
