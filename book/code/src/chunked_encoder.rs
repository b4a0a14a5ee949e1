//! Exercise solution ("The protocol core", exercise 1): a chunked encoder,
//! checked by the decoder the client really uses.
//!
//! Writing chunked framing is the easy half: each piece of data becomes
//! its size in hex, CRLF, the data, CRLF, and the body ends with a chunk of
//! size zero and an empty line. The one trap is an empty piece: written as
//! a chunk it would be `0\r\n\r\n`, which is the *end* of the body, so an
//! encoder must skip it.

// ANCHOR: chunked_encoder
/// Appends `data` to `out` as one chunk. An empty `data` writes nothing:
/// a chunk of size zero would end the body.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the last chunk and the empty line that end a chunked body
/// without trailers.
pub fn encode_last_chunk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n\r\n");
}
// ANCHOR_END: chunked_encoder

#[cfg(test)]
mod tests {
    use super::*;
    use spool_http::proto::{BodyDecoder, Decoded, Framing};

    /// Decodes `wire` with the client's decoder, fed `step` bytes at a time,
    /// and returns the body and the bytes after it.
    fn decode(wire: &[u8], step: usize) -> (Vec<u8>, Vec<u8>) {
        let mut decoder = BodyDecoder::new(Framing::Chunked);
        let mut body = Vec::new();
        let mut start = 0;
        while start < wire.len() {
            let end = (start + step).min(wire.len());
            loop {
                let input = &wire[start..end];
                match decoder.decode(input).expect("the encoding is valid") {
                    Decoded::Data(range) => {
                        body.extend_from_slice(&input[range.clone()]);
                        start += range.end;
                    }
                    Decoded::NeedMore => break,
                    Decoded::Done(n) => return (body, wire[start + n..].to_vec()),
                }
            }
            start = end;
        }
        panic!(
            "the body never ended: {:?}",
            wire.escape_ascii().to_string()
        );
    }

    #[test]
    fn round_trips_through_the_decoder() {
        let pieces: [&[u8]; 4] = [b"hello", b"", &[b'x'; 300], b" world"];
        let mut wire = Vec::new();
        for piece in pieces {
            encode_chunk(piece, &mut wire);
        }
        encode_last_chunk(&mut wire);
        wire.extend_from_slice(b"next");
        let expected = pieces.concat();
        for step in [1, 2, 7, wire.len()] {
            let (body, rest) = decode(&wire, step);
            assert_eq!(body, expected, "step {step}");
            assert_eq!(rest, b"next", "step {step}");
        }
    }

    #[test]
    fn sizes_are_hex() {
        let mut wire = Vec::new();
        encode_chunk(&[b'a'; 26], &mut wire);
        assert!(wire.starts_with(b"1a\r\n"));
    }

    #[test]
    fn an_empty_piece_does_not_end_the_body() {
        let mut wire = Vec::new();
        encode_chunk(b"", &mut wire);
        encode_chunk(b"after", &mut wire);
        encode_last_chunk(&mut wire);
        assert_eq!(decode(&wire, 1).0, b"after");
    }
}
