//! The chunked transfer coding, one byte of framing at a time.
//!
//! A chunked body is a series of `SIZE[;extensions]\r\n DATA \r\n`, ended by
//! a chunk of size zero, optional trailer fields and an empty line
//! (RFC 9112 §7.1). The decoder walks that grammar as a state machine that
//! takes framing bytes one at a time and chunk data in bulk. Because every
//! state remembers exactly where it is, the decoder never needs to see a
//! whole line at once: it consumes every byte it is given and keeps no
//! buffer, so a size line split across two reads is no special case. (The
//! alternative, re-parsing a buffered line with `httparse::parse_chunk_size`
//! until it is complete, has to retain partial lines and treats some
//! malformed lines, such as a bare CRLF, as "need more".)
//!
//! It is deliberately strict where leniency has led to request smuggling:
//! lines must end in CRLF (a bare LF is an error), a size must have at
//! least one hex digit and fit in 64 bits, and the data must be followed
//! by CRLF exactly where the size said. It is lenient where that is
//! harmless: extensions and trailers are accepted and discarded, within
//! caps, and whitespace may pad the size before the CRLF or `;`.

use crate::proto::decoder::Decoded;
use crate::proto::error::{Error, ErrorKind, Result, malformed};

/// Most bytes in one chunk-size line, extensions included, CRLF excluded.
const MAX_SIZE_LINE: usize = 4096;

/// Most bytes in the trailer section, line endings included.
const MAX_TRAILERS: usize = 16 * 1024;

/// Decoder for a `Transfer-Encoding: chunked` body; driven by
/// [`BodyDecoder`](crate::proto::BodyDecoder), which also handles the state
/// after the end.
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: Chunk,
    /// Body bytes handed out so far, for the message when the body is cut
    /// short.
    received: u64,
}

// ANCHOR: chunk_states
/// Where in the chunked grammar the next byte falls. `line` counts the
/// bytes of the current size line and `seen` those of the trailer section,
/// to enforce the caps.
#[derive(Debug, Clone, Copy)]
enum Chunk {
    /// In the hex digits of a size; `digits` says whether there was one yet.
    Size {
        size: u64,
        digits: bool,
        line: usize,
    },
    /// In whitespace after the size digits.
    SizePadding { size: u64, line: usize },
    /// After `;`, in chunk extensions, up to the CR.
    Extension { size: u64, line: usize },
    /// After the CR ending a size line.
    SizeLf { size: u64 },
    /// In chunk data, with this many bytes still to come.
    Data { remaining: u64 },
    /// After chunk data, before its CR.
    DataCr,
    /// After the CR following chunk data.
    DataLf,
    /// After the last chunk, at the start of a trailer line or the final
    /// empty line.
    TrailerStart { seen: usize },
    /// Inside a trailer line.
    Trailer { seen: usize },
    /// After the CR ending a trailer line.
    TrailerLf { seen: usize },
    /// After the CR of the final empty line.
    EndLf,
}
// ANCHOR_END: chunk_states

impl ChunkedDecoder {
    pub(crate) fn new() -> ChunkedDecoder {
        ChunkedDecoder {
            state: Chunk::Size {
                size: 0,
                digits: false,
                line: 0,
            },
            received: 0,
        }
    }

    /// Same contract as [`BodyDecoder::decode`](crate::proto::BodyDecoder::decode);
    /// never called again after returning `Done`.
    pub(crate) fn decode(&mut self, input: &[u8]) -> Result<Decoded> {
        let mut pos = 0;
        while let Some(&byte) = input.get(pos) {
            // Each arm consumes `byte` and names the next state, or returns.
            self.state = match self.state {
                Chunk::Data { remaining } => {
                    // Data is the one state not stepped byte by byte: hand
                    // out as much of the chunk as the input holds, as one
                    // range, and let the caller come back for the rest.
                    // `min` with a slice length, so the result fits in usize.
                    let n = remaining.min((input.len() - pos) as u64) as usize;
                    self.state = match remaining - n as u64 {
                        0 => Chunk::DataCr,
                        remaining => Chunk::Data { remaining },
                    };
                    self.received += n as u64;
                    return Ok(Decoded::Data(pos..pos + n));
                }
                Chunk::Size { size, digits, line } => match byte {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => Chunk::Size {
                        size: push_hex_digit(size, byte)?,
                        digits: true,
                        line: grow_line(line)?,
                    },
                    // Anything but a digit first means there is no size at
                    // all; most often a stray CRLF from a server that
                    // miscounted, which must not be read as size zero.
                    b'\r' | b'\n' if !digits => {
                        return Err(malformed("expected a chunk size but found an empty line"));
                    }
                    _ if !digits => {
                        return Err(malformed(format!(
                            "expected a chunk size but found \"{}\"",
                            [byte].escape_ascii()
                        )));
                    }
                    _ => after_size(size, line, byte)?,
                },
                Chunk::SizePadding { size, line } => after_size(size, line, byte)?,
                Chunk::Extension { size, line } => match byte {
                    b'\r' => Chunk::SizeLf { size },
                    b'\n' => return Err(bare_lf("a chunk-size line")),
                    _ => Chunk::Extension {
                        size,
                        line: grow_line(line)?,
                    },
                },
                Chunk::SizeLf { size } => match (byte, size) {
                    (b'\n', 0) => Chunk::TrailerStart { seen: 0 },
                    (b'\n', remaining) => Chunk::Data { remaining },
                    _ => return Err(cr_without_lf("a chunk-size line")),
                },
                // The CRLF after the data is where a lying size shows up:
                // if the chunk was longer than announced, this byte is data.
                Chunk::DataCr => match byte {
                    b'\r' => Chunk::DataLf,
                    _ => {
                        return Err(malformed(
                            "chunk data is longer than its chunk size (no CRLF where the size said the data ends)",
                        ));
                    }
                },
                Chunk::DataLf => match byte {
                    b'\n' => Chunk::Size {
                        size: 0,
                        digits: false,
                        line: 0,
                    },
                    _ => return Err(cr_without_lf("chunk data")),
                },
                Chunk::TrailerStart { seen } => match byte {
                    b'\r' => Chunk::EndLf,
                    b'\n' => return Err(bare_lf("the trailer section")),
                    _ => in_trailer_field(seen, byte)?,
                },
                Chunk::Trailer { seen } => in_trailer_field(seen, byte)?,
                Chunk::TrailerLf { seen } => match byte {
                    b'\n' => Chunk::TrailerStart {
                        seen: grow_trailers(seen)?,
                    },
                    _ => return Err(cr_without_lf("a trailer field")),
                },
                Chunk::EndLf => match byte {
                    b'\n' => return Ok(Decoded::Done(pos + 1)),
                    _ => return Err(cr_without_lf("the end of the chunked body")),
                },
            };
            pos += 1;
        }
        Ok(Decoded::NeedMore)
    }

    /// The error for a connection that closed before the body's end.
    pub(crate) fn eof_error(&self) -> Error {
        let message = match self.state {
            Chunk::TrailerStart { .. }
            | Chunk::Trailer { .. }
            | Chunk::TrailerLf { .. }
            | Chunk::EndLf => format!(
                "connection closed in the trailer section after the last chunk, after {} body bytes",
                self.received
            ),
            _ => format!(
                "connection closed before the last chunk, after {} body bytes",
                self.received
            ),
        };
        Error::new(ErrorKind::BodyIncomplete, message)
    }
}

/// The state after `byte` follows a chunk size (its last digit, or padding
/// after it): more padding, an extension, or the end of the line.
fn after_size(size: u64, line: usize, byte: u8) -> Result<Chunk> {
    Ok(match byte {
        b' ' | b'\t' => Chunk::SizePadding {
            size,
            line: grow_line(line)?,
        },
        b';' => Chunk::Extension {
            size,
            line: grow_line(line)?,
        },
        b'\r' => Chunk::SizeLf { size },
        b'\n' => return Err(bare_lf("a chunk-size line")),
        _ => return Err(bad_size_byte(byte)),
    })
}

fn push_hex_digit(size: u64, byte: u8) -> Result<u64> {
    let digit = match byte {
        b'0'..=b'9' => byte - b'0',
        b'a'..=b'f' => byte - b'a' + 10,
        _ => byte - b'A' + 10,
    };
    size.checked_mul(16)
        .and_then(|size| size.checked_add(u64::from(digit)))
        .ok_or_else(|| malformed("chunk size does not fit in 64 bits"))
}

fn grow_line(line: usize) -> Result<usize> {
    count_byte(line, MAX_SIZE_LINE, || {
        format!("chunk-size line exceeded {MAX_SIZE_LINE} bytes (chunk extensions too long)")
    })
}

/// The state after `byte` inside a trailer field (or as its first byte),
/// `seen` bytes into the trailer section.
fn in_trailer_field(seen: usize, byte: u8) -> Result<Chunk> {
    match byte {
        b'\r' => Ok(Chunk::TrailerLf {
            seen: grow_trailers(seen)?,
        }),
        b'\n' => Err(bare_lf("a trailer field")),
        _ => Ok(Chunk::Trailer {
            seen: grow_trailers(seen)?,
        }),
    }
}

fn grow_trailers(seen: usize) -> Result<usize> {
    count_byte(seen, MAX_TRAILERS, || {
        format!("trailer section exceeded {MAX_TRAILERS} bytes")
    })
}

/// `count` plus the byte at hand, or, when that would pass `max`, the
/// error `exceeded` words.
fn count_byte(count: usize, max: usize, exceeded: impl FnOnce() -> String) -> Result<usize> {
    if count < max {
        Ok(count + 1)
    } else {
        Err(malformed(exceeded()))
    }
}

fn bad_size_byte(byte: u8) -> Error {
    malformed(format!(
        "invalid byte \"{}\" in a chunk-size line",
        [byte].escape_ascii()
    ))
}

fn bare_lf(place: &str) -> Error {
    malformed(format!("{place} ends in LF without CR"))
}

fn cr_without_lf(place: &str) -> Error {
    malformed(format!("{place} is followed by CR without LF"))
}

#[cfg(test)]
mod tests {
    use crate::proto::decoder::tests::{Outcome, feed};
    use crate::proto::error::{ErrorKind, Result};
    use crate::proto::framing::Framing;

    fn whole(input: &[u8]) -> Result<Outcome> {
        feed(Framing::Chunked, &[input], true)
    }

    fn done(body: &[u8], leftover: &[u8]) -> Outcome {
        Outcome {
            body: body.to_vec(),
            leftover: Some(leftover.to_vec()),
        }
    }

    fn protocol_error(input: &[u8]) -> String {
        let err = whole(input).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        err.to_string()
    }

    /// The message of the error a body cut short by EOF gives, once checked
    /// to be of that kind.
    fn incomplete(input: &[u8]) -> String {
        let err = whole(input).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete, "{input:?}");
        err.to_string()
    }

    /// Feeds `input` in every way that matters for a streaming decoder and
    /// asserts each gives the same outcome (or the same error) as feeding it
    /// whole: one byte per read, every split into two reads, and a few
    /// hundred pseudo-random splits into several reads.
    fn assert_split_invariant(input: &[u8]) {
        let expected = outcome_text(whole(input));

        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(
            outcome_text(feed(Framing::Chunked, &bytes, true)),
            expected,
            "byte by byte"
        );

        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            assert_eq!(
                outcome_text(feed(Framing::Chunked, &[a, b], true)),
                expected,
                "split at {at}"
            );
        }

        let mut rng = XorShift(0x5eed_cafe_f00d_d00d);
        for round in 0..300 {
            let mut pieces = Vec::new();
            let mut rest = input;
            while !rest.is_empty() {
                let n = (rng.next() % 7) as usize % (rest.len() + 1);
                let (piece, tail) = rest.split_at(n);
                pieces.push(piece);
                rest = tail;
            }
            assert_eq!(
                outcome_text(feed(Framing::Chunked, &pieces, true)),
                expected,
                "round {round}: {pieces:?}"
            );
        }
    }

    fn outcome_text(result: Result<Outcome>) -> String {
        match result {
            Ok(outcome) => format!("{outcome:?}"),
            Err(err) => format!("{:?}: {err}", err.kind()),
        }
    }

    /// A fixed, dependency-free PRNG (Marsaglia's xorshift64), so the
    /// "random" splits are the same on every run.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn decodes_chunks_and_leaves_what_follows() {
        let input = b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
        assert_eq!(
            whole(input).unwrap(),
            done(b"hello, world", b"HTTP/1.1 200 OK\r\n")
        );
    }

    #[test]
    fn sizes_are_hex_in_either_case_with_leading_zeros() {
        let mut input = b"0A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0000\r\n\r\n".to_vec();
        assert_eq!(whole(&input).unwrap(), done(b"0123456789abcdefghijk", b""));
        input.clear();
        input.extend_from_slice(b"1F\r\n");
        input.extend_from_slice(&[b'z'; 31]);
        input.extend_from_slice(b"\r\n0\r\n\r\n");
        assert_eq!(whole(&input).unwrap().body.len(), 31);
    }

    #[test]
    fn extensions_and_padding_are_accepted_and_ignored() {
        let input =
            b"5;name=value;flag\r\nhello\r\n3 ; q=\"a;b\"\r\nabc\r\n4\t \r\ndefg\r\n0;last\r\n\r\n";
        assert_eq!(whole(input).unwrap(), done(b"helloabcdefg", b""));
        assert_split_invariant(input);
    }

    #[test]
    fn trailers_are_accepted_and_discarded() {
        let input = b"3\r\nabc\r\n0\r\nExpires: never\r\nX-Checksum: 42\r\n\r\nnext";
        assert_eq!(whole(input).unwrap(), done(b"abc", b"next"));
        assert_split_invariant(input);
    }

    #[test]
    fn every_split_gives_the_same_result() {
        assert_split_invariant(
            b"1\r\na\r\n10\r\n0123456789abcdef\r\n2;x=y\r\n\r\n\r\n0\r\nT: v\r\n\r\nleft",
        );
        assert_split_invariant(b"0\r\n\r\n");
    }

    #[test]
    fn every_split_gives_the_same_error() {
        assert_split_invariant(b"3\r\nabcd\r\n0\r\n\r\n");
        assert_split_invariant(b"3\r\nabc\r\nzz\r\n");
        assert_split_invariant(b"3\r\nabc\r\n0\r\nT: v\n\r\n");
        assert_split_invariant(b"5\r\nhel");
    }

    #[test]
    fn bare_crlf_where_a_size_belongs_is_an_error() {
        assert_eq!(
            protocol_error(b"\r\n5\r\nhello\r\n0\r\n\r\n"),
            "expected a chunk size but found an empty line"
        );
        // The CRLF after chunk data counted twice, as a sloppy server might.
        assert_eq!(
            protocol_error(b"5\r\nhello\r\n\r\n0\r\n\r\n"),
            "expected a chunk size but found an empty line"
        );
    }

    #[test]
    fn invalid_hex_is_an_error() {
        assert_eq!(
            protocol_error(b"zz\r\n"),
            "expected a chunk size but found \"z\""
        );
        assert_eq!(
            protocol_error(b"5g\r\nhello\r\n"),
            "invalid byte \"g\" in a chunk-size line"
        );
        assert_eq!(
            protocol_error(b"-1\r\n"),
            "expected a chunk size but found \"-\""
        );
        assert_eq!(
            protocol_error(b";ext\r\n"),
            "expected a chunk size but found \";\""
        );
        assert_eq!(
            protocol_error(b" 5\r\n"),
            "expected a chunk size but found \" \""
        );
        assert_eq!(
            protocol_error(b"5 5\r\n"),
            "invalid byte \"5\" in a chunk-size line"
        );
        assert_eq!(
            protocol_error(b"0x5\r\n"),
            "invalid byte \"x\" in a chunk-size line"
        );
    }

    #[test]
    fn sizes_beyond_64_bits_are_an_error() {
        // The largest size is accepted (and then the body is cut short)...
        let err = whole(b"ffffffffffffffff\r\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyIncomplete);
        // ...one digit more overflows, caught before any data is read.
        assert_eq!(
            protocol_error(b"10000000000000000\r\n"),
            "chunk size does not fit in 64 bits"
        );
    }

    #[test]
    fn oversize_chunk_size_line_is_an_error() {
        let mut fits = b"1;".to_vec();
        fits.resize(4096, b'x');
        fits.extend_from_slice(b"\r\na\r\n0\r\n\r\n");
        assert_eq!(whole(&fits).unwrap(), done(b"a", b""));

        let mut too_long = b"1;".to_vec();
        too_long.resize(4097, b'x');
        assert_eq!(
            protocol_error(&too_long),
            "chunk-size line exceeded 4096 bytes (chunk extensions too long)"
        );
        // Leading zeros count too: a size line cannot grow without bound.
        assert!(protocol_error(&[b'0'; 5000]).contains("exceeded 4096 bytes"));
    }

    #[test]
    fn oversize_trailers_are_an_error() {
        // 256 fields of 64 bytes fill the 16 KiB cap exactly.
        let field = b"X-Pad: 0123456789abcdef0123456789abcdef0123456789abcdef0123456\r\n";
        assert_eq!(field.len(), 64);
        let mut fits = b"0\r\n".to_vec();
        for _ in 0..256 {
            fits.extend_from_slice(field);
        }
        fits.extend_from_slice(b"\r\n");
        assert_eq!(whole(&fits).unwrap(), done(b"", b""));

        let mut too_long = b"0\r\n".to_vec();
        for _ in 0..257 {
            too_long.extend_from_slice(field);
        }
        assert_eq!(
            protocol_error(&too_long),
            "trailer section exceeded 16384 bytes"
        );
    }

    #[test]
    fn chunk_longer_than_its_size_is_an_error() {
        assert_eq!(
            protocol_error(b"3\r\nabcd\r\n0\r\n\r\n"),
            "chunk data is longer than its chunk size (no CRLF where the size said the data ends)"
        );
    }

    #[test]
    fn bare_lf_and_lone_cr_are_errors() {
        assert_eq!(
            protocol_error(b"3\nabc\r\n"),
            "a chunk-size line ends in LF without CR"
        );
        assert_eq!(
            protocol_error(b"3 \nabc\r\n"),
            "a chunk-size line ends in LF without CR"
        );
        assert_eq!(
            protocol_error(b"3;x\nabc\r\n"),
            "a chunk-size line ends in LF without CR"
        );
        assert_eq!(
            protocol_error(b"3\rabc"),
            "a chunk-size line is followed by CR without LF"
        );
        assert_eq!(
            protocol_error(b"3\r\nabc\rX"),
            "chunk data is followed by CR without LF"
        );
        assert_eq!(
            protocol_error(b"0\r\n\n"),
            "the trailer section ends in LF without CR"
        );
        assert_eq!(
            protocol_error(b"0\r\nT: v\n"),
            "a trailer field ends in LF without CR"
        );
        assert_eq!(
            protocol_error(b"0\r\nT: v\rX"),
            "a trailer field is followed by CR without LF"
        );
        assert_eq!(
            protocol_error(b"0\r\n\rX"),
            "the end of the chunked body is followed by CR without LF"
        );
    }

    /// Cut at any byte before the last chunk (an extension included).
    #[test]
    fn missing_last_chunk_then_eof_is_body_incomplete() {
        for body in [&b"5\r\nhello\r\n"[..], b"5;ext\r\nhello\r\n"] {
            for end in 0..=body.len() {
                let msg = incomplete(&body[..end]);
                assert!(
                    msg.starts_with("connection closed before the last chunk"),
                    "cut at {end}: {msg}"
                );
            }
        }
        assert_eq!(
            incomplete(b"5\r\nhello\r\n2\r\nab"),
            "connection closed before the last chunk, after 7 body bytes"
        );
    }

    /// Cut at any byte after the last chunk's size line and before the
    /// end, with a trailer field or without.
    #[test]
    fn eof_in_the_trailer_section_is_body_incomplete() {
        let last_chunk = b"3\r\nabc\r\n0\r\n".len();
        for body in [
            &b"3\r\nabc\r\n0\r\nT: v\r\n\r\n"[..],
            b"3\r\nabc\r\n0\r\n\r\n",
        ] {
            for end in last_chunk..body.len() {
                assert_eq!(
                    incomplete(&body[..end]),
                    "connection closed in the trailer section after the last chunk, after 3 body bytes"
                );
            }
        }
    }

    #[test]
    fn without_eof_an_unfinished_body_just_needs_more() {
        assert_eq!(
            feed(Framing::Chunked, &[b"5\r\nhel"], false).unwrap(),
            Outcome {
                body: b"hel".to_vec(),
                leftover: None
            }
        );
    }
}
