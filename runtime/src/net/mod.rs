//! TCP, and name lookups that do not block the loop (asyncio's
//! `open_connection` and `start_server`).
//!
//! Sockets are mio's non-blocking sockets, registered with the loop's
//! reactor. Every operation follows the reactor's rule — try, and on
//! `WouldBlock` wait for the next readiness edge — so a socket costs nothing
//! while it waits.

mod io_source;
mod lookup;
mod tcp_listener;
mod tcp_stream;

pub use lookup::lookup_host;
pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;
