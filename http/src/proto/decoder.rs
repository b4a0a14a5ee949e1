//! Decoding a body from the bytes that follow its head, on either side.
//!
//! [`BodyDecoder`] is a state machine with no buffer of its own: the driver
//! hands it whatever bytes it has, and it answers with one [`Decoded`]
//! event that points *into those bytes*. Body data is never copied here;
//! the driver passes the range straight on to the caller (or to a file).
//! Framing bytes (chunk sizes, CRLFs, trailers) are consumed and dropped.
//!
//! The driver's loop is:
//!
//! ```text
//! loop {
//!     match decoder.decode(&buf[pos..])? {
//!         Data(range)  => { hand over buf[pos..][range]; pos += range.end }
//!         NeedMore     => { read more into buf (pos = 0); on EOF: decoder.finish_eof()? and stop }
//!         Done(n)      => { body over; buf[pos + n..] is not part of it; stop }
//!     }
//! }
//! ```
//!
//! It must call `decode` before its first read, even with no bytes: a body
//! of length zero is already done, and reading first would wait forever on
//! a kept-alive connection.
//!
//! The bytes after `Done` matter for connection reuse: the client does not
//! pipeline requests, so any bytes there are the server overrunning its own
//! framing (see [`ResponseBody::reusable`](super::ResponseBody::reusable)),
//! while to the server they are the next request.

use crate::proto::chunked::ChunkedDecoder;
use crate::proto::error::{Error, ErrorKind, Result};
use crate::proto::framing::Framing;
use std::ops::Range;

// ANCHOR: decoded
/// What [`BodyDecoder::decode`] found in the bytes it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// `input[range]` is body data. Everything before `range.end` has been
    /// consumed (framing bytes before the data included); call again with
    /// `input[range.end..]`. The range is never empty.
    Data(Range<usize>),
    /// All of `input` was consumed and held no body data (it was empty, or
    /// framing only). Read more bytes and call again.
    NeedMore,
    /// The body ended after `input[..n]`. The bytes from `n` on are not part
    /// of it. Further calls keep returning `Done(0)`.
    Done(usize),
}
// ANCHOR_END: decoded

/// Turns the bytes after a head into body data.
///
/// # Examples
///
/// ```
/// use spool_http::proto::{BodyDecoder, Decoded, Framing};
///
/// let input = b"5\r\nhello\r\n0\r\n\r\nleftover";
/// let mut decoder = BodyDecoder::new(Framing::Chunked);
/// let Decoded::Data(range) = decoder.decode(input).unwrap() else { panic!() };
/// assert_eq!(&input[range.clone()], b"hello");
/// let rest = &input[range.end..];
/// let Decoded::Done(n) = decoder.decode(rest).unwrap() else { panic!() };
/// assert_eq!(&rest[n..], b"leftover");
/// ```
#[derive(Debug)]
pub struct BodyDecoder {
    state: State,
}

#[derive(Debug)]
enum State {
    /// `total` is kept only to say "N of M bytes" when the body is cut short.
    Length {
        remaining: u64,
        total: u64,
    },
    Chunked(ChunkedDecoder),
    UntilClose,
    Done,
}

impl BodyDecoder {
    /// Creates a decoder for a body delimited by `framing`.
    pub fn new(framing: Framing) -> BodyDecoder {
        let state = match framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(total) => State::Length {
                remaining: total,
                total,
            },
            Framing::Chunked => State::Chunked(ChunkedDecoder::new()),
            Framing::UntilClose => State::UntilClose,
        };
        BodyDecoder { state }
    }

    // ANCHOR: decode
    /// Consumes framing from the front of `input` and reports the next
    /// piece of body data, or that more bytes are needed, or the end.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Malformed`] for malformed chunked framing: a missing or
    /// invalid chunk size, a chunk longer than its size, a missing CRLF, a
    /// chunk-size line over 4 KiB or a trailer section over 16 KiB. After
    /// an error the connection is unusable and the decoder should be
    /// dropped with it.
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded> {
        match &mut self.state {
            State::Done => Ok(Decoded::Done(0)),
            _ if input.is_empty() => Ok(Decoded::NeedMore),
            State::UntilClose => Ok(Decoded::Data(0..input.len())),
            State::Length { remaining, .. } => {
                // `min` with a slice length, so the result fits in usize.
                let n = (*remaining).min(input.len() as u64) as usize;
                *remaining -= n as u64;
                if *remaining == 0 {
                    self.state = State::Done;
                }
                Ok(Decoded::Data(0..n))
            }
            State::Chunked(chunked) => {
                let decoded = chunked.decode(input)?;
                if let Decoded::Done(_) = decoded {
                    self.state = State::Done;
                }
                Ok(decoded)
            }
        }
    }
    // ANCHOR_END: decode

    // ANCHOR: finish_eof
    /// Tells the decoder the connection was closed, and whether that was a
    /// legal end of the body.
    ///
    /// Closing is how an until-close body ends, so for one this returns
    /// `Ok` and the decoder is done. A body that was already complete is
    /// also fine. Anywhere else the body was cut short.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BodyIncomplete`], saying how far the body got:
    /// "connection closed after 1200 of 5000 body bytes", or for chunked
    /// bodies "connection closed before the last chunk, after 1200 body
    /// bytes".
    pub fn finish_eof(&mut self) -> Result<()> {
        match &self.state {
            State::Done => Ok(()),
            State::UntilClose => {
                self.state = State::Done;
                Ok(())
            }
            State::Length { remaining, total } => Err(Error::new(
                ErrorKind::BodyIncomplete,
                format!(
                    "connection closed after {} of {total} body bytes",
                    total - remaining
                ),
            )),
            State::Chunked(chunked) => Err(chunked.eof_error()),
        }
    }
    // ANCHOR_END: finish_eof

    // ANCHOR: finish_unconfirmed_eof
    /// Like [`finish_eof`](BodyDecoder::finish_eof), for a close the
    /// transport cannot vouch for: TLS that ended with a bare TCP close,
    /// without the `close_notify` that shows the peer meant to stop there.
    ///
    /// A body with a length or chunks carries its own end and is judged as
    /// by `finish_eof`. A body that runs until close does not: its end is
    /// only trusted when the close is (RFC 9112 §9.8), since an attacker
    /// who injects a TCP FIN would otherwise truncate it unnoticed.
    ///
    /// # Errors
    ///
    /// As for `finish_eof`, and [`ErrorKind::BodyEndUnconfirmed`] for a
    /// body that runs until close.
    pub fn finish_unconfirmed_eof(&mut self) -> Result<()> {
        if let State::UntilClose = self.state {
            return Err(Error::new(
                ErrorKind::BodyEndUnconfirmed,
                "the connection closed without TLS close_notify, so the body, \
                 which runs until the connection closes, may have been cut short",
            ));
        }
        self.finish_eof()
    }
    // ANCHOR_END: finish_unconfirmed_eof

    /// Whether the whole body has been decoded.
    ///
    /// A driver checks this when a response is dropped early: only a
    /// connection whose body reached its end can be reused.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What a driver ends up with after feeding `pieces` in order.
    #[derive(Debug, PartialEq, Eq)]
    pub(crate) struct Outcome {
        pub(crate) body: Vec<u8>,
        /// The bytes after the end of the body, or `None` if it never ended.
        pub(crate) leftover: Option<Vec<u8>>,
    }

    /// Drives a decoder the way the I/O layer will: each piece is one read.
    /// With `eof`, the connection closes after the last piece.
    pub(crate) fn feed(framing: Framing, pieces: &[&[u8]], eof: bool) -> Result<Outcome> {
        let mut decoder = BodyDecoder::new(framing);
        let mut body = Vec::new();
        // Like the driver, decode what is already buffered (here: nothing)
        // before the first read.
        let reads: Vec<&[u8]> = std::iter::once(&[][..])
            .chain(pieces.iter().copied())
            .collect();
        for (i, piece) in reads.iter().enumerate() {
            let mut pos = 0;
            loop {
                match decoder.decode(&piece[pos..])? {
                    Decoded::Data(range) => {
                        assert!(!range.is_empty(), "empty data range");
                        body.extend_from_slice(&piece[pos..][range.clone()]);
                        pos += range.end;
                    }
                    Decoded::NeedMore => break,
                    Decoded::Done(n) => {
                        let mut leftover = piece[pos + n..].to_vec();
                        for later in &reads[i + 1..] {
                            leftover.extend_from_slice(later);
                        }
                        assert!(decoder.is_done());
                        assert_eq!(decoder.decode(b"more").unwrap(), Decoded::Done(0));
                        return Ok(Outcome {
                            body,
                            leftover: Some(leftover),
                        });
                    }
                }
            }
        }
        if eof {
            decoder.finish_eof()?;
            assert!(decoder.is_done());
            return Ok(Outcome {
                body,
                leftover: Some(Vec::new()),
            });
        }
        Ok(Outcome {
            body,
            leftover: None,
        })
    }

    fn done(body: &[u8], leftover: &[u8]) -> Outcome {
        Outcome {
            body: body.to_vec(),
            leftover: Some(leftover.to_vec()),
        }
    }

    #[test]
    fn empty_bodies_are_done_before_any_read() {
        for framing in [Framing::Empty, Framing::Length(0)] {
            let mut decoder = BodyDecoder::new(framing);
            assert!(decoder.is_done());
            assert_eq!(decoder.decode(&[]).unwrap(), Decoded::Done(0));
            assert_eq!(decoder.decode(b"HTTP/1.1").unwrap(), Decoded::Done(0));
            decoder.finish_eof().unwrap();
        }
    }

    #[test]
    fn content_length_stops_at_the_length_and_leaves_the_rest() {
        assert_eq!(
            feed(Framing::Length(5), &[b"hello world"], false).unwrap(),
            done(b"hello", b" world")
        );
        assert_eq!(
            feed(Framing::Length(5), &[b"he", b"", b"l", b"lo", b"!"], false).unwrap(),
            done(b"hello", b"!")
        );
    }

    #[test]
    fn content_length_gives_the_same_result_for_every_split() {
        let input = b"hello world";
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            assert_eq!(
                feed(Framing::Length(5), &[a, b], false).unwrap(),
                done(b"hello", b" world"),
                "split at {at}"
            );
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(
            feed(Framing::Length(5), &bytes, false).unwrap(),
            done(b"hello", b" world")
        );
    }

    #[test]
    fn content_length_done_without_another_read() {
        let mut decoder = BodyDecoder::new(Framing::Length(3));
        assert_eq!(decoder.decode(b"abc").unwrap(), Decoded::Data(0..3));
        assert!(decoder.is_done());
        assert_eq!(decoder.decode(&[]).unwrap(), Decoded::Done(0));
    }

    #[test]
    fn content_length_short_then_eof_is_body_incomplete() {
        let err = feed(Framing::Length(5000), &[&[b'x'; 1200]], true).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete);
        assert_eq!(
            err.to_string(),
            "connection closed after 1200 of 5000 body bytes"
        );

        let err = feed(Framing::Length(10), &[], true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "connection closed after 0 of 10 body bytes"
        );
    }

    #[test]
    fn content_length_eof_after_the_end_is_fine() {
        assert_eq!(
            feed(Framing::Length(2), &[b"ok"], true).unwrap(),
            done(b"ok", b"")
        );
    }

    #[test]
    fn an_unconfirmed_close_ends_only_bodies_that_carry_their_own_end() {
        let mut until_close = BodyDecoder::new(Framing::UntilClose);
        assert_eq!(until_close.decode(b"abc").unwrap(), Decoded::Data(0..3));
        let err = until_close.finish_unconfirmed_eof().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyEndUnconfirmed);
        assert!(!until_close.is_done());

        let mut short = BodyDecoder::new(Framing::Length(5));
        assert_eq!(short.decode(b"abc").unwrap(), Decoded::Data(0..3));
        let err = short.finish_unconfirmed_eof().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete);

        let mut whole = BodyDecoder::new(Framing::Length(3));
        assert_eq!(whole.decode(b"abc").unwrap(), Decoded::Data(0..3));
        whole.finish_unconfirmed_eof().unwrap();

        let mut chunked = BodyDecoder::new(Framing::Chunked);
        assert_eq!(chunked.decode(b"0\r\n\r\n").unwrap(), Decoded::Done(5));
        chunked.finish_unconfirmed_eof().unwrap();
    }

    #[test]
    fn huge_content_length_counts_down_without_overflow() {
        let mut decoder = BodyDecoder::new(Framing::Length(u64::MAX));
        assert_eq!(decoder.decode(b"abc").unwrap(), Decoded::Data(0..3));
        let err = decoder.finish_eof().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("connection closed after 3 of {} body bytes", u64::MAX)
        );
    }

    #[test]
    fn until_close_takes_everything_and_eof_ends_it() {
        assert_eq!(
            feed(Framing::UntilClose, &[b"abc", b"", b"def"], true).unwrap(),
            done(b"abcdef", b"")
        );
        assert_eq!(
            feed(Framing::UntilClose, &[b"abc"], false).unwrap(),
            Outcome {
                body: b"abc".to_vec(),
                leftover: None
            }
        );
        assert_eq!(
            feed(Framing::UntilClose, &[], true).unwrap(),
            done(b"", b"")
        );
    }

    #[test]
    fn decode_returns_ranges_into_the_input_without_copying() {
        let input = b"3\r\nabc\r\n0\r\n\r\n";
        let mut decoder = BodyDecoder::new(Framing::Chunked);
        assert_eq!(decoder.decode(input).unwrap(), Decoded::Data(3..6));
        assert_eq!(decoder.decode(&input[6..]).unwrap(), Decoded::Done(7));
    }
}
