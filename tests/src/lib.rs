//! The workspace's one test kit: servers, clients and helpers shared by
//! the tests of `spool-http`, `spool-dl` and the end-to-end tests here.
//!
//! Tests talk to servers they start on 127.0.0.1, of two deliberately
//! different kinds:
//!
//! - [`TestServer`] is the project's own `spool_http::server` on a thread
//!   of its own. It speaks correct HTTP, so tests use it for everything
//!   about the *client's* choices: names, retries, statuses, resuming
//!   (with `ServeDir`), concurrency. The server's own tests drive it with a
//!   [`RawClient`], which writes exact bytes.
//! - [`RawServer`] is not an HTTP server at all. Every accepted connection
//!   runs a script on plain std threads and sockets (a closure, or a list
//!   of [`Step`]s), so a test can send a short body, reset the connection,
//!   stall, or answer with bytes that are not HTTP — the misbehaviour a
//!   correct server would never produce. It speaks TLS too, with the
//!   certificates of [`pki`].
//!
//! Both count what they see ([`RequestLog`], [`InFlight`],
//! [`RawServer::requests`]) so tests can assert on the server's side of
//! the conversation, not just on the client's.

#![warn(missing_docs)]

mod bodies;
pub mod command;
mod downloader;
pub mod faults;
mod in_flight;
pub mod json_report;
pub mod pki;
mod raw_client;
mod raw_server;
mod request_log;
mod resources;
mod run;
mod script;
pub mod server_soak;
pub mod soak;
mod temp_dir;
mod test_server;
pub mod verify;

pub use bodies::body_for;
pub use downloader::{quick, read_report, sha256_option, spool_dl, stderr};
pub use in_flight::{InFlight, InFlightGuard};
pub use raw_client::{RawClient, RawResponse, get, without_date};
pub use raw_server::{Conn, RawServer, Recorded, Stream};
pub use request_log::{Logged, RequestLog};
pub use resources::{open_fds, open_fds_of, status_kib, status_kib_of};
pub use run::run;
pub use script::{Step, ok, write};
pub use temp_dir::{TempDir, names_in};
pub use test_server::TestServer;
