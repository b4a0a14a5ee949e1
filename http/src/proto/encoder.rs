//! Framing a body for the wire, the mirror of [`BodyDecoder`](super::BodyDecoder).
//!
//! The sender decides the [`Framing`] before the head goes out (it is in
//! the head), and from then on the body must keep that promise: exactly
//! the announced length, or chunks ending in the last chunk. A body that
//! breaks it corrupts the connection: bytes past an announced length are
//! read as the next message. [`BodyEncoder`] holds the promise and frames
//! each piece accordingly, and [`finish`](BodyEncoder::finish) says whether
//! the body ended as announced.
//!
//! Like the decoder it has no buffer of its own and copies no body data:
//! for each piece it appends the framing that goes before the data to the
//! caller's buffer and returns the data to send and the framing that goes
//! after it, so the driver can send a small piece in one write and a large
//! one straight from where it is.

use crate::proto::framing::Framing;
use std::io::Write;

/// The framing that ends a chunk's data.
const CRLF: &[u8] = b"\r\n";

/// The end of a chunked body: a chunk of size zero and an empty trailer
/// section.
const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Frames a body's pieces according to its [`Framing`].
///
/// # Examples
///
/// ```
/// use spool_http::proto::{BodyEncoder, Framing};
///
/// let mut encoder = BodyEncoder::new(Framing::Chunked);
/// let mut wire = Vec::new();
/// for piece in [&b"hello, "[..], b"", b"world"] {
///     let (data, after) = encoder.encode(piece, &mut wire);
///     wire.extend_from_slice(data);
///     wire.extend_from_slice(after);
/// }
/// assert!(encoder.finish(&mut wire));
/// assert_eq!(wire, b"7\r\nhello, \r\n5\r\nworld\r\n0\r\n\r\n");
/// ```
#[derive(Debug)]
pub struct BodyEncoder {
    state: State,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Nothing may be sent: a bodyless status, or the answer to `HEAD`.
    Empty,
    Length {
        remaining: u64,
    },
    Chunked,
    UntilClose,
    /// More was offered than the length allows; the rest was dropped, and
    /// only closing the connection can end this message now.
    Overrun,
}

impl BodyEncoder {
    /// Creates an encoder for a body delimited by `framing`.
    pub fn new(framing: Framing) -> BodyEncoder {
        let state = match framing {
            Framing::Empty => State::Empty,
            Framing::Length(remaining) => State::Length { remaining },
            Framing::Chunked => State::Chunked,
            Framing::UntilClose => State::UntilClose,
        };
        BodyEncoder { state }
    }

    // ANCHOR: encode
    /// Frames the next piece of body: appends to `out` the framing that
    /// goes before `data`, and returns the bytes of `data` to send after
    /// `out` and the framing to send after them.
    ///
    /// An empty piece sends nothing (a chunk of size zero would end a
    /// chunked body). A piece that runs past an announced length is cut at
    /// the length and the encoder is then [overrun](BodyEncoder::is_overrun):
    /// whatever follows the length would be read as the next message.
    pub fn encode<'d>(&mut self, data: &'d [u8], out: &mut Vec<u8>) -> (&'d [u8], &'static [u8]) {
        match &mut self.state {
            _ if data.is_empty() => (&[], &[]),
            State::Empty | State::Overrun => (&[], &[]),
            State::Length { remaining } => {
                // `min` with a slice length, so the result fits in usize.
                let room = (*remaining).min(data.len() as u64) as usize;
                *remaining -= room as u64;
                if room < data.len() {
                    self.state = State::Overrun;
                }
                (&data[..room], &[])
            }
            State::Chunked => {
                // Writing into a Vec cannot fail.
                let _ = write!(out, "{:x}\r\n", data.len());
                (data, CRLF)
            }
            State::UntilClose => (data, &[]),
        }
    }
    // ANCHOR_END: encode

    /// Whether the body is complete before anything is sent: it is empty,
    /// or its announced length is zero.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Empty | State::Length { remaining: 0 })
    }

    /// Whether more body was offered than the announced length.
    pub fn is_overrun(&self) -> bool {
        self.state == State::Overrun
    }

    /// Ends the body: appends its closing framing (the last chunk) to
    /// `out`, and returns whether the body went out exactly as its framing
    /// announced. Only then can the connection carry another message; a
    /// body short of its length, overrun, or delimited by closing cannot.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> bool {
        match self.state {
            State::Empty | State::Length { remaining: 0 } => true,
            State::Chunked => {
                out.extend_from_slice(LAST_CHUNK);
                self.state = State::Empty;
                true
            }
            State::Length { .. } | State::UntilClose | State::Overrun => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes on the wire for `pieces`, and what `finish` said.
    fn wire(framing: Framing, pieces: &[&[u8]]) -> (Vec<u8>, bool) {
        let mut encoder = BodyEncoder::new(framing);
        let mut out = Vec::new();
        for piece in pieces {
            let (data, after) = encoder.encode(piece, &mut out);
            out.extend_from_slice(data);
            out.extend_from_slice(after);
        }
        let whole = encoder.finish(&mut out);
        (out, whole)
    }

    #[test]
    fn chunks_are_sized_in_lowercase_hex_and_end_with_the_last_chunk() {
        let (out, whole) = wire(Framing::Chunked, &[&[b'x'; 255]]);
        assert!(whole);
        assert!(out.starts_with(b"ff\r\nxxx"));
        assert!(out.ends_with(b"x\r\n0\r\n\r\n"));
        assert_eq!(out.len(), 4 + 255 + 2 + 5);
        assert_eq!(
            wire(Framing::Chunked, &[b""]),
            (b"0\r\n\r\n".to_vec(), true)
        );
    }

    #[test]
    fn a_length_is_kept_exactly() {
        assert_eq!(
            wire(Framing::Length(5), &[b"he", b"llo"]),
            (b"hello".to_vec(), true)
        );
        assert_eq!(wire(Framing::Length(5), &[b"he"]), (b"he".to_vec(), false));
        // Never more than announced: the rest would be the next response.
        let mut encoder = BodyEncoder::new(Framing::Length(3));
        let mut out = Vec::new();
        assert_eq!(encoder.encode(b"abcdef", &mut out), (&b"abc"[..], &b""[..]));
        assert!(encoder.is_overrun() && out.is_empty());
        assert_eq!(encoder.encode(b"g", &mut out), (&b""[..], &b""[..]));
        assert!(!encoder.finish(&mut out));
    }

    #[test]
    fn empty_and_until_close_bodies() {
        assert!(BodyEncoder::new(Framing::Empty).is_done());
        assert!(BodyEncoder::new(Framing::Length(0)).is_done());
        assert!(!BodyEncoder::new(Framing::Length(1)).is_done());
        assert_eq!(wire(Framing::Empty, &[b"dropped"]), (Vec::new(), true));
        assert_eq!(
            wire(Framing::UntilClose, &[b"a", b"b"]),
            (b"ab".to_vec(), false)
        );
    }
}
