//! Fairness: a task that is always ready cannot starve timers or sockets.
//!
//! Each test runs its loop on a separate thread and waits for it with a
//! deadline, so a starving loop fails the test instead of hanging it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use spool::io::{AsyncReadExt, AsyncWriteExt};
use spool::net::{TcpListener, TcpStream};
use spool::sync::Queue;
use spool::time::sleep;

fn finishes_within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .expect("the loop starved: the work did not finish")
}

/// Timer and socket work that must still make progress beside a hog.
async fn timers_and_sockets_still_work() -> Duration {
    let start = Instant::now();
    sleep(Duration::from_millis(20)).await;
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = spool::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut buf = [0; 4];
        conn.read_exact(&mut buf).await.unwrap();
        conn.write_all(&buf).await.unwrap();
    });
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"ping").await.unwrap();
    let mut buf = [0; 4];
    client.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    server.await.unwrap();
    start.elapsed()
}

#[test]
fn a_task_spinning_on_yield_now_does_not_starve_timers_or_io() {
    let took = finishes_within(Duration::from_secs(20), || {
        spool::block_on(async {
            spool::spawn(async {
                loop {
                    spool::yield_now().await;
                }
            });
            timers_and_sockets_still_work().await
        })
    });
    assert!(took >= Duration::from_millis(20));
}

#[test]
fn a_task_draining_a_never_empty_queue_does_not_starve_timers_or_io() {
    let took = finishes_within(Duration::from_secs(20), || {
        spool::block_on(async {
            spool::spawn(async {
                // get() and put() are always ready here, so without a budget
                // this loop would never give the thread back.
                let queue = Queue::new(0);
                queue.put(1u32).await.unwrap();
                loop {
                    let item = queue.get().await.unwrap();
                    queue.put(item + 1).await.unwrap();
                }
            });
            timers_and_sockets_still_work().await
        })
    });
    assert!(took >= Duration::from_millis(20));
}

#[test]
fn a_task_reading_a_socket_that_always_has_data_does_not_starve_others() {
    finishes_within(Duration::from_secs(20), || {
        spool::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = listener.local_addr().unwrap();
            // A std thread floods the socket so reads are always ready.
            std::thread::spawn(move || {
                use std::io::Write;
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                let chunk = [7u8; 65536];
                while s.write_all(&chunk).is_ok() {}
            });
            let (mut conn, _) = listener.accept().await.unwrap();
            spool::spawn(async move {
                let mut buf = [0u8; 16];
                while conn.read(&mut buf).await.is_ok() {}
            });
            timers_and_sockets_still_work().await
        })
    });
}
