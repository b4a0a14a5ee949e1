//! Scripts as data: a [`RawServer`](crate::RawServer) connection that
//! plays a list of [`Step`]s, for the HTTP client's tests, where a script
//! is mostly "read, write these bytes, close" and reads best as a list.

use std::thread;
use std::time::Duration;

use crate::raw_server::Conn;

/// One step of a connection's script.
#[derive(Clone, Debug)]
pub enum Step {
    /// Read one request (head, then a `Content-Length` body) and record it.
    /// Ends the script quietly if the client closes instead.
    Read,
    /// Read one request head only, leaving any body unread, and record it
    /// with an empty body: a server that answers before the upload ends.
    ReadHead,
    /// Write these exact bytes.
    Write(Vec<u8>),
    /// Do nothing for a while.
    Sleep(Duration),
    /// Write the bytes one at a time, pausing between them.
    Trickle(Vec<u8>, Duration),
    /// Close with a TCP reset instead of a FIN.
    Reset,
    /// Close normally (also what happens at the end of every script).
    Close,
    /// Keep answering: read a request, wait `delay`, write `response`,
    /// until the client closes the connection.
    Serve {
        /// The bytes written after every request.
        response: Vec<u8>,
        /// The pause before each answer.
        delay: Duration,
    },
    /// Wait until the client closes the connection.
    Hold,
    /// Send TLS `close_notify` (nothing on plain TCP).
    CloseNotify,
}

/// `Step::Write` of a string.
pub fn write(s: &str) -> Step {
    Step::Write(s.as_bytes().to_vec())
}

/// A keep-alive response with a `Content-Length` body.
pub fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Plays `steps` on `conn`, stopping at the first that fails (the client
/// went away) or ends the connection.
pub(crate) fn play(mut conn: Conn, steps: &[Step]) {
    for step in steps {
        let go_on = match step {
            Step::Read => conn.read_request().is_some(),
            Step::ReadHead => conn.read_head().is_some(),
            Step::Write(bytes) => conn.try_write(bytes).is_ok(),
            Step::Sleep(pause) => {
                thread::sleep(*pause);
                true
            }
            Step::Trickle(bytes, every) => bytes.iter().all(|byte| {
                let sent = conn.try_write(&[*byte]).is_ok();
                thread::sleep(*every);
                sent
            }),
            Step::Reset => {
                conn.reset();
                return;
            }
            Step::Close => false,
            Step::CloseNotify => conn.close_notify().is_ok(),
            Step::Serve { response, delay } => {
                while conn.read_request().is_some() {
                    thread::sleep(*delay);
                    if conn.try_write(response).is_err() {
                        break;
                    }
                }
                false
            }
            Step::Hold => {
                conn.hold();
                false
            }
        };
        if !go_on {
            return;
        }
    }
}
