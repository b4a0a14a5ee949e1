//! `echo`: a TCP echo server and four clients in one program
//! (`asyncio.start_server` and `open_connection`).
//!
//! The server accepts connections in a loop and spawns one task per
//! connection, which reads whatever arrives and writes it straight back. Each
//! client connects, sends three messages, checks that every byte came back,
//! and then shuts down its sending side; the server sees end-of-stream, its
//! task ends and closes the socket, and the client sees end-of-stream in turn.
//! All of it runs on one thread: while one connection waits for bytes, the
//! loop serves the others.
//!
//! Everything stays on 127.0.0.1, on a port the system picks. What to look
//! for: the four conversations interleave, and the program ends by itself,
//! because returning from `block_on` drops the server task still waiting in
//! `accept`. It exits non-zero if any echo differs from what was sent.
//!
//! Run it with `cargo run -p spool --example echo`.

use std::io;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use spool::io::{AsyncReadExt, AsyncWriteExt};
use spool::net::{TcpListener, TcpStream};
use spool::time::sleep;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

// ANCHOR: server
async fn serve(listener: TcpListener) {
    loop {
        let (conn, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Dropping the listener makes waiting clients fail, not hang.
                say!("[server] accept failed, shutting down: {e}");
                return;
            }
        };
        say!("[server] {peer} connected");
        spool::spawn(async move {
            match echo(conn).await {
                Ok(bytes) => say!("[server] {peer} hung up after {bytes} bytes"),
                Err(e) => say!("[server] {peer}: {e}"),
            }
        });
    }
}

/// Writes back everything it reads, until the peer stops sending.
async fn echo(mut conn: TcpStream) -> io::Result<usize> {
    let mut buf = [0; 1024];
    let mut total = 0;
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        conn.write_all(&buf[..n]).await?;
        total += n;
    }
}
// ANCHOR_END: server

async fn client(id: u64, server: SocketAddr) -> io::Result<usize> {
    let mut stream = TcpStream::connect(server).await?;
    let mut sent = 0;
    for round in 1..=3 {
        let message = format!("hello #{round} from client {id}");
        stream.write_all(message.as_bytes()).await?;
        let mut echoed = vec![0; message.len()];
        stream.read_exact(&mut echoed).await?;
        if echoed != message.as_bytes() {
            let got = String::from_utf8_lossy(&echoed);
            return Err(io::Error::other(format!(
                "sent {message:?}, got back {got:?}"
            )));
        }
        say!("  [client {id}] {message:?} came back");
        sent += message.len();
        sleep(Duration::from_millis(10 * id)).await; // think a little
    }
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?; // the server closes once it sees our end
    if !rest.is_empty() {
        return Err(io::Error::other(format!(
            "{} bytes nobody asked for",
            rest.len()
        )));
    }
    Ok(sent)
}

fn main() -> io::Result<()> {
    spool::block_on(async {
        // ANCHOR: main
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        say!("[server] listening on {addr}");
        spool::spawn(serve(listener));

        let sent = spool::try_join_all((1..=4).map(|id| client(id, addr))).await?;
        // ANCHOR_END: main
        say!(
            "every echo matched: {} bytes from {} clients",
            sent.iter().sum::<usize>(),
            sent.len()
        );
        Ok(())
    })
}
