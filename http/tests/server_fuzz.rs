//! Random and mangled requests never make the server panic or hang, and
//! it keeps serving well-formed requests afterwards.
//!
//! A panic inside a connection task would not stop the server (the loop
//! catches it and ends that task only), so a panic hook counts panics
//! instead. The hook is process-wide, which is why this test lives in a
//! file of its own.

use spool_http::server::{Body, Request, Response};
use spool_tests::{TestServer, get};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static PANICS: AtomicUsize = AtomicUsize::new(0);

async fn route(request: Request) -> Response {
    match request.path() {
        "/chunked" => {
            Response::new(200).body(Body::stream(spool::stream::iter([Ok(request.into_body())])))
        }
        _ => Response::bytes(200, request.into_body()),
    }
}

/// xorshift64: reproducible noise without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A valid request with some bytes flipped, cut, or duplicated.
fn mangled(noise: &mut Noise) -> Vec<u8> {
    let templates: [&[u8]; 4] = [
        b"GET /x?y=1 HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n",
        b"POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    ];
    let mut bytes = templates[noise.below(templates.len())].to_vec();
    for _ in 0..=noise.below(4) {
        let at = noise.below(bytes.len());
        match noise.below(4) {
            0 => bytes[at] = noise.next() as u8,
            1 => bytes.truncate(at),
            2 => {
                let byte = bytes[at];
                bytes.insert(at, byte);
            }
            _ => bytes.insert(at, b"\r\n:;, \0%"[noise.below(8)]),
        }
        if bytes.is_empty() {
            bytes.push(b'G');
        }
    }
    bytes
}

#[test]
fn mangled_requests_never_panic_the_server() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    let server = TestServer::start_with(
        |b| {
            b.header_timeout(Duration::from_millis(200))
                .max_head_size(512)
        },
        route,
    );
    let mut noise = Noise(0x5eed_1234_abcd_ef01);
    for round in 0..300 {
        let mut conn = server.connect();
        let bytes = mangled(&mut noise);
        conn.send(&bytes);
        // Mostly, end our side at once, as a client that vanishes
        // mid-request does; now and then stay, and let the header timeout
        // deal with a half-sent head.
        if round % 30 != 0 {
            let _ = conn.stream.shutdown(std::net::Shutdown::Write);
        }
        // Whatever comes back (a response, a refusal, a close), it comes
        // back within the header timeout plus slack, and never hangs.
        let _ = conn.read_to_close();
    }
    assert_eq!(PANICS.load(Ordering::SeqCst), 0);

    let mut conn = server.connect();
    conn.send(get("/", ""));
    assert_eq!(conn.response("GET").status, 200);
}
