//! TCP: connect, accept, read/write helpers, resets, refusals, timeouts.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use spool::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use spool::net::{TcpListener, TcpStream, lookup_host};
use spool::time::timeout;

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn echo_many_clients_with_large_payloads() {
    spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        spool::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                spool::spawn(async move {
                    let mut buf = vec![0; 4096];
                    while let Ok(n @ 1..) = conn.read(&mut buf).await {
                        conn.write_all(&buf[..n]).await.unwrap();
                    }
                });
            }
        });
        // 1 MiB per client is far more than the socket buffers hold, so both
        // sides meet WouldBlock and are woken by readiness edges many times.
        let clients = (0..8u8).map(|id| async move {
            let payload: Vec<u8> = (0..1u32 << 20).map(|i| (i as u8) ^ id).collect();
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut reader, mut writer) = (&stream, &stream);
            let mut echoed = vec![0; payload.len()];
            let (sent, got) =
                spool::join!(writer.write_all(&payload), reader.read_exact(&mut echoed));
            sent.unwrap();
            got.unwrap();
            echoed == payload
        });
        assert!(spool::join_all(clients).await.into_iter().all(|ok| ok));
    });
}

#[test]
fn a_vectored_write_sends_every_buffer_in_order_in_one_call() {
    spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        let reader = spool::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            conn.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let bufs = [
            io::IoSlice::new(b"head "),
            io::IoSlice::new(b""),
            io::IoSlice::new(b"body "),
            io::IoSlice::new(b"tail"),
        ];
        let written = std::future::poll_fn(|cx| {
            std::pin::Pin::new(&mut stream).poll_write_vectored(cx, &bufs)
        })
        .await
        .unwrap();
        // 14 bytes fit in any send buffer: one call takes them all, where
        // the default (first buffer only) would take 5.
        assert_eq!(written, 14);
        stream.shutdown().await.unwrap();
        assert_eq!(reader.await.unwrap(), b"head body tail");
    });
}

#[test]
fn read_exact_reports_a_short_stream() {
    spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        spool::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            conn.write_all(b"abc").await.unwrap();
            conn.shutdown().await.unwrap();
        });
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0; 10];
        let err = stream.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("3 of 10"), "{err}");
    });
}

#[test]
fn a_reset_peer_is_an_error_not_a_hang() {
    spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spool::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            // Wait until the client's bytes have arrived, then close with
            // them unread: the kernel answers with a RST instead of a FIN.
            spool::time::sleep(Duration::from_millis(50)).await;
            drop(conn);
        });
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"unread bytes").await.unwrap();
        server.await.unwrap();
        let mut buf = [0; 16];
        let result = timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
        let err = result.expect("read must not hang").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    let port = {
        let l = std::net::TcpListener::bind(localhost()).unwrap();
        l.local_addr().unwrap()
    }; // listener dropped: nobody listens there now
    spool::block_on(async {
        let err = TcpStream::connect(port).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_connect_that_hangs_is_bounded_by_timeout() {
    // A listener with a backlog of 0 that never accepts: once its queue is
    // full, the kernel drops further SYNs, so a connect stays in progress.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&localhost().into()).unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        s.set_nonblocking(true).unwrap();
        let _ = s.connect(&addr.into());
        fillers.push(s);
    }
    std::thread::sleep(Duration::from_millis(100));
    spool::block_on(async {
        let start = Instant::now();
        let result = timeout(Duration::from_millis(300), TcpStream::connect(addr)).await;
        let waited = start.elapsed();
        assert!(
            result.is_err(),
            "connect should still be in progress: {result:?}"
        );
        assert!(waited >= Duration::from_millis(300));
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    });
}

#[test]
fn an_accept_loop_serves_a_burst_of_connections() {
    spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        // Connect 50 blocking std clients first so the backlog holds many
        // connections behind a single readiness edge.
        let clients: Vec<_> = (0..50)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        for (i, mut c) in clients.iter().enumerate() {
            c.write_all(&[i as u8]).unwrap();
        }
        let mut seen = Vec::new();
        for _ in 0..50 {
            let (mut conn, _) = timeout(Duration::from_secs(5), listener.accept())
                .await
                .expect("accept must not miss backlogged connections")
                .unwrap();
            let mut b = [0];
            conn.read_exact(&mut b).await.unwrap();
            seen.push(b[0]);
        }
        seen.sort();
        assert_eq!(seen, (0..50).collect::<Vec<u8>>());
    });
}

#[test]
fn sockets_outliving_their_loop_report_an_error() {
    let stream = spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stream, _accepted) = spool::join!(TcpStream::connect(addr), listener.accept());
        stream.unwrap()
    });
    spool::block_on(async move {
        let mut stream = stream;
        let mut buf = [0; 1];
        let err = stream.read(&mut buf).await.unwrap_err();
        assert!(err.to_string().contains("loop that has stopped"), "{err}");
    });
}

#[test]
fn lookup_host_resolves_localhost_and_ip_literals() {
    spool::block_on(async {
        let addrs = lookup_host("localhost", 80).await.unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
        let literal = lookup_host("::1", 8).await.unwrap();
        assert_eq!(literal, ["[::1]:8".parse::<SocketAddr>().unwrap()]);
        let err = lookup_host("no-such-host.invalid", 80).await.unwrap_err();
        assert!(!err.to_string().is_empty());
    });
}

/// Regression (issue 7.1): one waker per socket direction served only the
/// last task to park; the other acceptors slept through every edge.
#[test]
fn every_task_accepting_on_a_shared_listener_is_woken() {
    spool::block_on(async {
        let listener = std::rc::Rc::new(TcpListener::bind(localhost()).unwrap());
        let addr = listener.local_addr().unwrap();
        let acceptors: Vec<_> = (0..3)
            .map(|_| {
                let listener = listener.clone();
                spool::spawn(async move { listener.accept().await.map(|_| ()) })
            })
            .collect();
        // The acceptors run (and park) before the main task comes back.
        spool::yield_now().await;
        let mut clients = Vec::new();
        for _ in 0..3 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let accepted = timeout(Duration::from_secs(5), spool::join_all(acceptors))
            .await
            .expect("every waiting acceptor should be woken and get a connection");
        for result in accepted {
            result.unwrap().unwrap();
        }
    });
}

/// Regression (issue 7.1): two tasks reading one `&TcpStream` both get a
/// byte from a single write; the first reader's wake-up used to be lost.
#[test]
fn two_readers_of_one_stream_are_both_woken() {
    spool::block_on(async {
        let listener = TcpListener::bind(localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = std::rc::Rc::new(TcpStream::connect(addr).await.unwrap());
        let (mut server_side, _) = listener.accept().await.unwrap();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let stream = stream.clone();
                spool::spawn(async move {
                    let mut byte = [0; 1];
                    (&*stream).read_exact(&mut byte).await.map(|()| byte[0])
                })
            })
            .collect();
        spool::yield_now().await;
        server_side.write_all(b"ab").await.unwrap();
        let got = timeout(Duration::from_secs(5), spool::join_all(readers))
            .await
            .expect("both readers should be woken by the one write");
        let mut bytes: Vec<u8> = got.into_iter().map(|r| r.unwrap().unwrap()).collect();
        bytes.sort();
        assert_eq!(bytes, b"ab");
    });
}
