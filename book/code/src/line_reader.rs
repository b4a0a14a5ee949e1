//! Exercise solution ("Sockets", exercise 2): reading lines from a socket.
//!
//! TCP delivers bytes, not messages: one `read` may return half a line, or
//! a line and a half, depending on how the packets happened to arrive. So a
//! line reader keeps what it has read in a buffer and only hands out what
//! ends in `\n`, like asyncio's `reader.readline()`. It works on any
//! `AsyncRead`, a `TcpStream` or a TLS stream alike.

use std::io;

use spool::io::{AsyncRead, AsyncReadExt};

// ANCHOR: line_reader
/// Splits a byte stream into lines.
pub struct LineReader<R> {
    inner: R,
    /// Bytes read but not yet handed out as a line.
    buffered: Vec<u8>,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Reads lines from `inner`.
    pub fn new(inner: R) -> LineReader<R> {
        LineReader {
            inner,
            buffered: Vec::new(),
        }
    }

    /// The next line without its `\n`, or `None` at the end of the stream.
    /// A last line without a `\n` is still a line.
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(end) = self.buffered.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buffered.drain(..=end).collect();
                return text(&line[..end]).map(Some);
            }
            let mut chunk = [0; 1024];
            let n = self.inner.read(&mut chunk).await?;
            if n == 0 {
                if self.buffered.is_empty() {
                    return Ok(None);
                }
                let rest = std::mem::take(&mut self.buffered);
                return text(&rest).map(Some);
            }
            self.buffered.extend_from_slice(&chunk[..n]);
        }
    }
}

fn text(bytes: &[u8]) -> io::Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
// ANCHOR_END: line_reader

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use spool::io::AsyncWriteExt;
    use spool::net::{TcpListener, TcpStream};
    use spool::time::sleep;

    /// Starts a server that sends `pieces` to its first client, pausing
    /// between them so each arrives in a read of its own, then closes.
    fn serve(pieces: &'static [&'static [u8]]) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        spool::spawn(async move {
            let (mut peer, _) = listener.accept().await.unwrap();
            peer.set_nodelay(true).unwrap();
            for piece in pieces {
                peer.write_all(piece).await.unwrap();
                sleep(Duration::from_millis(20)).await;
            }
        });
        addr
    }

    async fn read_lines(addr: std::net::SocketAddr) -> io::Result<Vec<String>> {
        let mut reader = LineReader::new(TcpStream::connect(addr).await?);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().await? {
            lines.push(line);
        }
        Ok(lines)
    }

    #[test]
    fn lines_split_across_reads_come_out_whole() {
        let lines = spool::block_on(async {
            let addr = serve(&[b"hel", b"lo\nwor", b"ld\n\nta", b"il"]);
            read_lines(addr).await.unwrap()
        });
        assert_eq!(lines, ["hello", "world", "", "tail"]);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error() {
        let error = spool::block_on(async {
            let addr = serve(&[b"\xff\xfe\n"]);
            read_lines(addr).await.unwrap_err()
        });
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
