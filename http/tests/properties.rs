//! Properties of the sans-IO protocol core, checked on generated input.
//!
//! The example-based tests in `src/proto` pin down each rule with a byte
//! string someone thought of. These tests state what must hold for *every*
//! input and let proptest look for the exception:
//!
//! - A message delivered in pieces, split at any byte boundaries, is read
//!   exactly as when it arrives in one read: the same head, the same
//!   framing, the same body bytes, the same bytes left over after it, and
//!   the same error if the bytes are bad. The socket decides where reads
//!   split, so nothing may depend on it.
//! - What the encoders write, the parsers read back: request heads
//!   (client → server), response heads and their framing (server →
//!   client), and chunked bodies.
//!
//! Only the public `spool_http::proto` API is used, so these tests keep
//! their meaning when the internals change. The fuzz targets in `fuzz/`
//! check the same properties on unstructured bytes, for longer.

use proptest::prelude::*;
use proptest::sample::Index;
use spool_http::Headers;
use spool_http::proto::{
    BodyEncoder, ErrorKind, Framing, HeadLimits, ParsedHead, ParsedRequest, Version, body_framing,
    encode_request_head, encode_response_head, parse_request_head, parse_response_head,
    reason_phrase, request_framing, response_framing,
};

// ---------------------------------------------------------------------------
// Drivers: the loops the I/O layer runs, with each read a given piece
// (shared with the fuzz targets).
// ---------------------------------------------------------------------------

mod proto_drivers;
use proto_drivers::{End, ResponseRead, cut_at, read_body, read_response};

/// `bytes` cut at the given points (any order, repeats give empty reads).
fn split<'a>(bytes: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    cut_at(
        bytes,
        cuts.iter().map(|i| i.index(bytes.len() + 1)).collect(),
    )
}

fn cuts() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..12)
}

// ---------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..=max)
}

/// Body data in chunks, none empty (an empty chunk is the last chunk).
fn chunks() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 0..6)
}

/// A chunked encoding of `chunks` with the optional parts of the grammar
/// that `BodyEncoder` never writes: upper-case hex, leading zeros,
/// padding, extensions and trailer fields.
fn chunked_with_options(chunks: &[Vec<u8>], style: u8, trailers: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in chunks {
        let size = match style % 3 {
            0 => format!("{:x}", chunk.len()),
            1 => format!("{:X}", chunk.len()),
            _ => format!("00{:x}", chunk.len()),
        };
        out.extend_from_slice(size.as_bytes());
        if style & 4 != 0 {
            out.extend_from_slice(b" \t");
        }
        if style & 8 != 0 {
            out.extend_from_slice(b";name=\"va;lue\";flag");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n");
    for (name, value) in trailers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// An HTTP token: a method or a header name.
fn token() -> impl Strategy<Value = String> {
    let tchar = prop::sample::select(
        b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".to_vec(),
    );
    prop::collection::vec(tchar, 1..12).prop_map(|b| String::from_utf8(b).unwrap())
}

/// A header name that neither encoder treats specially.
fn plain_name() -> impl Strategy<Value = String> {
    token().prop_filter("framing and Host fields are the encoder's", |name| {
        !["content-length", "transfer-encoding", "host"]
            .iter()
            .any(|special| name.eq_ignore_ascii_case(special))
    })
}

/// A field value both encoders accept: visible ASCII, obs-text, space, tab.
fn field_value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t'),];
    prop::collection::vec(byte, 0..24)
}

fn fields() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::vec((plain_name(), field_value()), 0..8)
}

/// What a parser keeps of a field value: RFC 9112 §5 strips the optional
/// whitespace around it.
fn trimmed(value: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

fn headers_of(fields: &[(String, Vec<u8>)]) -> Headers {
    let mut headers = Headers::new();
    for (name, value) in fields {
        headers.append(name.clone(), value.clone());
    }
    headers
}

/// A URL the client might be asked to fetch: arbitrary path and query
/// text, which the `url` crate percent-encodes as browsers do.
fn url() -> impl Strategy<Value = url::Url> {
    (
        prop::sample::select(vec!["http", "https"]),
        "[a-z][a-z0-9]{0,9}(\\.[a-z]{2,5})?",
        prop::option::of(any::<u16>()),
        any::<String>(),
        prop::option::of(any::<String>()),
    )
        .prop_map(|(scheme, host, port, path, query)| {
            let mut url = url::Url::parse(&format!("{scheme}://{host}/")).unwrap();
            url.set_port(port).unwrap();
            url.set_path(&path);
            url.set_query(query.as_deref());
            url
        })
}

/// How a generated response says where its body ends.
#[derive(Debug, Clone, Copy)]
enum Delimit {
    Length,
    /// `Content-Length: N, N`: a repeated value that agrees.
    LengthList,
    Chunked,
    /// Both fields: `Transfer-Encoding` wins.
    ChunkedAndLength,
    Close,
}

fn delimit() -> impl Strategy<Value = Delimit> {
    prop::sample::select(vec![
        Delimit::Length,
        Delimit::LengthList,
        Delimit::Chunked,
        Delimit::ChunkedAndLength,
        Delimit::Close,
    ])
}

/// A well-formed response: optional interim `100 Continue` heads, then a
/// final head, then the body framed as `delimit` says.
#[derive(Debug, Clone)]
struct Message {
    method: &'static str,
    http10: bool,
    interim: usize,
    status: u16,
    fields: Vec<(String, Vec<u8>)>,
    delimit: Delimit,
    chunks: Vec<Vec<u8>>,
    after: Vec<u8>,
}

impl Message {
    fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    fn encode(&self) -> Vec<u8> {
        let version = if self.http10 { "HTTP/1.0" } else { "HTTP/1.1" };
        let mut out = Vec::new();
        for _ in 0..self.interim {
            out.extend_from_slice(format!("{version} 100 Continue\r\n\r\n").as_bytes());
        }
        out.extend_from_slice(format!("{version} {} Reason\r\n", self.status).as_bytes());
        for (name, value) in &self.fields {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        let len = self.body().len();
        let framing_fields = match self.delimit {
            Delimit::Length => format!("Content-Length: {len}\r\n"),
            Delimit::LengthList => format!("Content-Length: {len}, {len}\r\n"),
            Delimit::Chunked => "Transfer-Encoding: chunked\r\n".to_owned(),
            Delimit::ChunkedAndLength => {
                format!(
                    "Content-Length: {}\r\nTransfer-Encoding: chunked\r\n",
                    len + 7
                )
            }
            Delimit::Close => String::new(),
        };
        out.extend_from_slice(framing_fields.as_bytes());
        out.extend_from_slice(b"\r\n");
        let chunked =
            !self.http10 && matches!(self.delimit, Delimit::Chunked | Delimit::ChunkedAndLength);
        if self.has_body() {
            if chunked {
                encode_chunked(&self.chunks, &mut out);
            } else {
                out.extend_from_slice(&self.body());
            }
        }
        out.extend_from_slice(&self.after);
        out
    }

    fn has_body(&self) -> bool {
        self.method != "HEAD" && !matches!(self.status, 204 | 304)
    }

    /// The framing RFC 9112 §6.3 gives this message.
    fn framing(&self) -> Framing {
        let len = self.body().len() as u64;
        match self.delimit {
            _ if !self.has_body() => Framing::Empty,
            Delimit::Chunked | Delimit::ChunkedAndLength if self.http10 => Framing::UntilClose,
            Delimit::Chunked | Delimit::ChunkedAndLength => Framing::Chunked,
            Delimit::Length | Delimit::LengthList => Framing::Length(len),
            Delimit::Close => Framing::UntilClose,
        }
    }
}

fn message() -> impl Strategy<Value = Message> {
    (
        prop::sample::select(vec!["GET", "HEAD", "POST"]),
        any::<bool>(),
        0..3usize,
        prop::sample::select(vec![200u16, 201, 204, 206, 301, 304, 404, 503, 599]),
        fields(),
        delimit(),
        chunks(),
        bytes(8),
    )
        .prop_map(
            |(method, http10, interim, status, fields, delimit, chunks, after)| Message {
                method,
                http10,
                interim,
                status,
                fields,
                delimit,
                chunks,
                after,
            },
        )
}

/// Applies a few byte-level edits: replace, insert, delete.
fn mangle(mut bytes: Vec<u8>, edits: &[(u8, Index, u8)]) -> Vec<u8> {
    for &(kind, at, byte) in edits {
        match kind % 3 {
            0 if !bytes.is_empty() => {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            1 => bytes.insert(at.index(bytes.len() + 1), byte),
            _ if !bytes.is_empty() => {
                bytes.remove(at.index(bytes.len()));
            }
            _ => {}
        }
    }
    bytes
}

fn edits() -> impl Strategy<Value = Vec<(u8, Index, u8)>> {
    let byte = prop_oneof![any::<u8>(), prop::sample::select(b"\r\n;0a \t:".to_vec()),];
    prop::collection::vec((any::<u8>(), any::<Index>(), byte), 1..4)
}

// ---------------------------------------------------------------------------
// Bodies split at any boundaries.
// ---------------------------------------------------------------------------

proptest! {
    /// A `Content-Length` body, cut short or followed by other bytes, reads
    /// the same however the bytes are split.
    #[test]
    fn length_body_split_anywhere_reads_as_whole(
        body in bytes(300),
        after in bytes(20),
        cut_short in prop::option::of(any::<Index>()),
        cuts in cuts(),
    ) {
        let mut input = [&body[..], &after[..]].concat();
        if let Some(at) = cut_short {
            input.truncate(at.index(body.len() + 1));
        }
        let framing = Framing::Length(body.len() as u64);
        let whole = read_body(framing, &[&input]);
        prop_assert_eq!(&read_body(framing, &split(&input, &cuts)), &whole);

        let expected_end = if input.len() >= body.len() {
            End::Done { after: input[body.len()..].to_vec() }
        } else {
            End::Eof(Err((
                ErrorKind::BodyIncomplete,
                format!("connection closed after {} of {} body bytes", input.len(), body.len()),
            )))
        };
        prop_assert_eq!(whole.body, input[..input.len().min(body.len())].to_vec());
        prop_assert_eq!(whole.end, expected_end);
    }

    /// A chunked body, in any of the grammar's optional spellings, decodes
    /// to its data, and the bytes after the last chunk are left alone,
    /// however the bytes are split.
    #[test]
    fn chunked_body_split_anywhere_reads_as_whole(
        chunks in chunks(),
        style in any::<u8>(),
        trailers in prop::collection::vec(("[A-Za-z-]{1,8}", "[ -~]{0,12}"), 0..3),
        after in bytes(20),
        cuts in cuts(),
    ) {
        let encoded = chunked_with_options(&chunks, style, &trailers);
        let input = [&encoded[..], &after[..]].concat();
        let whole = read_body(Framing::Chunked, &[&input]);
        prop_assert_eq!(&read_body(Framing::Chunked, &split(&input, &cuts)), &whole);
        prop_assert_eq!(whole.body, chunks.concat());
        prop_assert_eq!(whole.end, End::Done { after });
    }

    /// Cut short anywhere, a chunked body is reported incomplete, with the
    /// data before the cut delivered, however it is split.
    #[test]
    fn chunked_body_cut_short_is_incomplete(
        chunks in chunks(),
        cut in any::<Index>(),
        cuts in cuts(),
    ) {
        let mut encoded = Vec::new();
        encode_chunked(&chunks, &mut encoded);
        let input = &encoded[..cut.index(encoded.len())];
        let whole = read_body(Framing::Chunked, &[input]);
        prop_assert_eq!(&read_body(Framing::Chunked, &split(input, &cuts)), &whole);
        let delivered = whole.body.len();
        prop_assert_eq!(&whole.body[..], &chunks.concat()[..delivered]);
        match whole.end {
            End::Eof(Err((kind, _))) => prop_assert_eq!(kind, ErrorKind::BodyIncomplete),
            other => prop_assert!(false, "cut at {} of {}: {:?}", input.len(), encoded.len(), other),
        }
    }

    /// Mangled chunked framing gets one verdict (the same data, then the
    /// same end or the same error) however it is split.
    #[test]
    fn mangled_chunked_body_gets_one_verdict_however_split(
        chunks in chunks(),
        style in any::<u8>(),
        edits in edits(),
        cuts in cuts(),
    ) {
        let input = mangle(chunked_with_options(&chunks, style, &[]), &edits);
        let whole = read_body(Framing::Chunked, &[&input]);
        prop_assert_eq!(read_body(Framing::Chunked, &split(&input, &cuts)), whole);
    }

    /// Arbitrary bytes as a chunked body: one verdict however split.
    #[test]
    fn arbitrary_chunked_bytes_get_one_verdict_however_split(
        input in bytes(64),
        cuts in cuts(),
    ) {
        let whole = read_body(Framing::Chunked, &[&input]);
        prop_assert_eq!(read_body(Framing::Chunked, &split(&input, &cuts)), whole);
    }
}

// ---------------------------------------------------------------------------
// Whole responses split at any boundaries: head, framing verdict, body.
// ---------------------------------------------------------------------------

proptest! {
    /// A well-formed response reads the same split as whole, and what is
    /// read is what was sent: the status, the framing RFC 9112 §6.3 gives
    /// it, the body, and the bytes after it.
    #[test]
    fn response_split_anywhere_reads_as_whole(message in message(), cuts in cuts()) {
        let input = message.encode();
        let limits = HeadLimits::default();
        let whole = read_response(message.method, &limits, &[&input]);
        prop_assert_eq!(&read_response(message.method, &limits, &split(&input, &cuts)), &whole);

        let ResponseRead::Read { status, framing, body: Some(body), .. } = whole else {
            return Err(TestCaseError::fail(format!("not read: {whole:?}")));
        };
        prop_assert_eq!(status, message.status);
        prop_assert_eq!(framing, Ok(message.framing()));
        let (expected_body, expected_end) = match message.framing() {
            Framing::Empty => (Vec::new(), End::Done { after: input[input.len() - message.after.len()..].to_vec() }),
            // The body runs to the close, so what follows is body too.
            Framing::UntilClose => (
                [&message.body()[..], &message.after[..]].concat(),
                End::Eof(Ok(())),
            ),
            _ => (message.body(), End::Done { after: message.after.clone() }),
        };
        prop_assert_eq!(body.body, expected_body);
        prop_assert_eq!(body.end, expected_end);
    }

    /// A mangled response gets one verdict however it is split: the same
    /// refusal of its head, or the same head, framing and body.
    #[test]
    fn mangled_response_gets_one_verdict_however_split(
        message in message(),
        edits in edits(),
        cuts in cuts(),
    ) {
        let input = mangle(message.encode(), &edits);
        let limits = HeadLimits::default();
        let whole = read_response(message.method, &limits, &[&input]);
        prop_assert_eq!(read_response(message.method, &limits, &split(&input, &cuts)), whole);
    }
}

// ---------------------------------------------------------------------------
// Encode, then decode.
// ---------------------------------------------------------------------------

proptest! {
    /// The server reads back every request head the client writes: the
    /// method, the origin-form target, every field in order (values trimmed
    /// of the whitespace a parser strips), and the body framing.
    #[test]
    fn request_head_round_trips(
        method in token(),
        url in url(),
        // A `Host` the server accepts: a name or address, with an optional port.
        host in prop::option::of("[a-z0-9]([a-z0-9.-]{0,15}[a-z0-9])?(:[0-9]{1,5})?"),
        fields in fields(),
        body_len in prop::option::of(any::<u64>()),
        next in bytes(16),
    ) {
        let mut headers = headers_of(&fields);
        if let Some(host) = &host {
            headers.insert("Host", host.as_str());
        }
        let mut out = Vec::new();
        encode_request_head(&method, &url, &headers, body_len, &mut out).unwrap();
        let head_len = out.len();
        out.extend_from_slice(&next);

        let parsed = parse_request_head(&out, &HeadLimits::default());
        let Ok(ParsedRequest::Complete(head)) = parsed else {
            return Err(TestCaseError::fail(format!(
                "{parsed:?} for {:?}", String::from_utf8_lossy(&out[..head_len])
            )));
        };
        prop_assert_eq!(head.head_len, head_len);
        prop_assert_eq!(&head.method, &method);
        prop_assert_eq!(head.version, Version::Http11);
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        prop_assert_eq!(&head.target, &target);

        let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
        if host.is_none() {
            let authority = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap()),
                None => url.host_str().unwrap().to_owned(),
            };
            expected.push(("host".into(), authority.into_bytes()));
        }
        for (name, value) in headers.iter() {
            expected.push((name.to_ascii_lowercase(), trimmed(value).to_vec()));
        }
        if let Some(len) = body_len {
            expected.push(("content-length".into(), len.to_string().into_bytes()));
        }
        let got: Vec<(String, Vec<u8>)> = head
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_vec()))
            .collect();
        prop_assert_eq!(got, expected);

        let framing = match body_len {
            None | Some(0) => Framing::Empty,
            Some(len) => Framing::Length(len),
        };
        prop_assert_eq!(request_framing(&head), Ok(framing));
    }

    /// The client reads back every response head the server writes, and
    /// frames its body exactly as the server meant: `response_framing` on
    /// the server and `body_framing` on the client agree.
    #[test]
    fn response_head_round_trips_with_its_framing(
        // 100-599: the client refuses anything else as a protocol error.
        status in prop_oneof![Just(101u16), 200u16..=599],
        request_version in prop::sample::select(vec![Version::Http10, Version::Http11]),
        body_len in prop::option::of(any::<u64>()),
        fields in fields(),
        next in bytes(16),
    ) {
        let framing = response_framing(request_version, status, body_len);
        let mut out = Vec::new();
        encode_response_head(status, &headers_of(&fields), framing, &mut out).unwrap();
        let head_len = out.len();
        out.extend_from_slice(&next);

        let parsed = parse_response_head(&out, &HeadLimits::default());
        let Ok(ParsedHead::Complete(head)) = parsed else {
            return Err(TestCaseError::fail(format!(
                "{parsed:?} for {:?}", String::from_utf8_lossy(&out[..head_len])
            )));
        };
        prop_assert_eq!(head.head_len, head_len);
        prop_assert_eq!(head.status, status);
        prop_assert_eq!(head.version, Version::Http11);
        prop_assert_eq!(head.reason.as_str(), reason_phrase(status));
        let sent: Vec<(String, Vec<u8>)> = fields
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), trimmed(value).to_vec()))
            .collect();
        let got: Vec<(String, Vec<u8>)> = head
            .headers
            .iter()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("content-length")
                    && !name.eq_ignore_ascii_case("transfer-encoding")
            })
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_vec()))
            .collect();
        prop_assert_eq!(got, sent);
        prop_assert_eq!(body_framing("GET", &head).map_err(|e| e.to_string()), Ok(framing));
    }

    /// Chunks written with the server's `BodyEncoder`
    /// decode to the same bytes, however the stream is split.
    #[test]
    fn encoded_chunks_round_trip(
        pieces in prop::collection::vec(bytes(100), 0..8),
        cuts in cuts(),
    ) {
        let mut encoded = Vec::new();
        encode_chunked(&pieces, &mut encoded);
        let read = read_body(Framing::Chunked, &split(&encoded, &cuts));
        prop_assert_eq!(read.body, pieces.concat());
        prop_assert_eq!(read.end, End::Done { after: Vec::new() });
    }
}

/// Frames `pieces` as a chunked body, the way the server sends one.
fn encode_chunked(pieces: &[Vec<u8>], out: &mut Vec<u8>) {
    let mut encoder = BodyEncoder::new(Framing::Chunked);
    for piece in pieces {
        let (data, after) = encoder.encode(piece, out);
        out.extend_from_slice(data);
        out.extend_from_slice(after);
    }
    assert!(encoder.finish(out), "a chunked body always ends cleanly");
}
