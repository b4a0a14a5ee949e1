//! A kept-alive connection's idle timeout, counted from the loop's own
//! trace: this test binary runs itself again as a child process with
//! `SPOOL_TRACE=1`, and reads how many timers the child's loop created.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;

use spool_http::server::{Response, Server};

/// Set in the child's environment; without it, `served_program` does nothing.
const CHILD: &str = "SPOOL_KEEP_ALIVE_TEST_CHILD";

const REQUESTS: usize = 50;

/// The child: a server on a traced loop, and on a plain thread a blocking
/// client that sends `REQUESTS` requests on one connection, each after
/// the previous answer, so the server waits for every head.
#[test]
fn served_program() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    spool::block_on(async {
        let server = Server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr();
        let stop = server.shutdown_handle();
        let client = std::thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            for _ in 0..REQUESTS {
                stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    .unwrap();
                assert_eq!(read_response_body(&mut reader), b"ok");
            }
            stop.shutdown();
        });
        server.serve(|_| async { Response::text(200, "ok") }).await;
        client.join().unwrap();
    });
}

/// Reads one response with a `Content-Length` and returns its body.
fn read_response_body(reader: &mut impl BufRead) -> Vec<u8> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    body
}

#[test]
fn waiting_for_each_next_request_adds_no_timer_per_request() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "served_program",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("SPOOL_TRACE", "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "child failed: {output:?}");
    let trace = String::from_utf8_lossy(&output.stderr);
    let polls = trace.lines().filter(|l| l.contains(" poll ")).count();
    assert!(
        polls >= REQUESTS,
        "only {polls} polls: was the child traced?"
    );
    let timers = trace
        .lines()
        .filter(|l| l.contains(" timer ") && l.contains(" new,"))
        .count();
    // One keep-alive timer for the connection, pushed back by each wait;
    // it never comes due in a run this short.
    assert!(
        timers <= 2,
        "{timers} timers for {REQUESTS} requests on one connection"
    );
}
