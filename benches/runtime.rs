//! spool against tokio's current-thread runtime, side by side.
//!
//! Every benchmark is a criterion group with two functions, `spool` and
//! `tokio`, that do the same work in the same shape: same number of tasks,
//! same buffer sizes, same waiting pattern. Only the runtime differs. tokio
//! runs on its `current_thread` flavour, because spool has exactly one
//! thread; comparing against tokio's multi-threaded scheduler would measure
//! work stealing, not the event loop.
//!
//! Each sample runs all its iterations inside one `block_on` and times them
//! with its own clock (`iter_custom`), so neither runtime pays for creating
//! its loop (an `epoll` instance, a doorbell) inside the measurement, and
//! TCP benchmarks bind their listener and start their echo server outside it.
//!
//! Both runtimes limit a task to 128 operations per poll (their "coop
//! budget"); the benchmarks keep that on, since it is part of what a real
//! program pays, except where noted.

use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Tasks in the spawn and sleep benchmarks.
const TASKS: u64 = 10_000;
/// Turns each of the two ping-pong tasks takes.
const PING_PONGS: u64 = 10_000;
/// Timers created and dropped per iteration.
const TIMERS: u64 = 100_000;
/// Timers alive at once in the million-timer benchmark.
const LIVE_TIMERS: u64 = 1_000_000;
/// `timeout` calls per iteration.
const TIMEOUTS: u64 = 10_000;
/// Semaphore contention: tasks, permits, acquisitions per task.
const SEM_TASKS: u64 = 100;
const SEM_PERMITS: usize = 10;
const SEM_ROUNDS: u64 = 100;
/// Items through the bounded queue, and its capacity.
const ITEMS: u64 = 100_000;
const CAPACITY: usize = 10;
/// Bytes sent (and echoed back) over one connection.
const BULK: usize = 10 * 1024 * 1024;
/// Concurrent connections, round trips on each, bytes per message.
const CONNECTIONS: u64 = 100;
const ROUND_TRIPS: u64 = 10;
const MESSAGE: usize = 64;
/// The echo server's read buffer, in both runtimes.
const ECHO_BUFFER: usize = 64 * 1024;

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn config(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

/// Runs `iters` rounds inside one spool loop and returns the time they took.
fn spool_timed<F: Future<Output = ()>>(iters: u64, mut round: impl FnMut() -> F) -> Duration {
    spool::block_on(async move {
        let start = Instant::now();
        for _ in 0..iters {
            round().await;
        }
        start.elapsed()
    })
}

/// The same, inside one `block_on` of an existing tokio runtime.
fn tokio_timed<F: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    mut round: impl FnMut() -> F,
) -> Duration {
    rt.block_on(async move {
        let start = Instant::now();
        for _ in 0..iters {
            round().await;
        }
        start.elapsed()
    })
}

/// One group, spool first, then tokio.
fn compare<S, SF, T, TF>(
    c: &mut Criterion,
    name: &str,
    throughput: Throughput,
    mut spool_round: S,
    mut tokio_round: T,
) where
    S: FnMut() -> SF,
    SF: Future<Output = ()>,
    T: FnMut() -> TF,
    TF: Future<Output = ()>,
{
    let mut group = c.benchmark_group(name);
    config(&mut group);
    group.throughput(throughput);
    group.bench_function("spool", |b| {
        b.iter_custom(|iters| spool_timed(iters, &mut spool_round))
    });
    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| tokio_timed(&rt, iters, &mut tokio_round))
    });
    group.finish();
}

/// Polls `future` exactly once, then drops it.
async fn poll_once<F: Future>(future: F) {
    let mut future = pin!(future);
    poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

// --- spawn + join -----------------------------------------------------------

async fn spool_spawn_join() {
    let handles: Vec<_> = (0..TASKS).map(|_| spool::spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("empty task");
    }
}

async fn tokio_spawn_join() {
    let handles: Vec<_> = (0..TASKS).map(|_| tokio::spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("empty task");
    }
}

// --- yield ping-pong --------------------------------------------------------

/// Two tasks that yield after every step take turns on the one thread.
async fn spool_ping_pong() {
    let player = || {
        spool::spawn(async {
            for _ in 0..PING_PONGS {
                spool::yield_now().await;
            }
        })
    };
    let (a, b) = (player(), player());
    a.await.expect("player");
    b.await.expect("player");
}

async fn tokio_ping_pong() {
    let player = || {
        tokio::spawn(async {
            for _ in 0..PING_PONGS {
                tokio::task::yield_now().await;
            }
        })
    };
    let (a, b) = (player(), player());
    a.await.expect("player");
    b.await.expect("player");
}

// --- many concurrent sleeps -------------------------------------------------

async fn spool_sleeps() {
    let handles: Vec<_> = (0..TASKS)
        .map(|_| spool::spawn(spool::time::sleep(Duration::from_millis(1))))
        .collect();
    for handle in handles {
        handle.await.expect("sleeper");
    }
}

async fn tokio_sleeps() {
    let handles: Vec<_> = (0..TASKS)
        .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_millis(1))))
        .collect();
    for handle in handles {
        handle.await.expect("sleeper");
    }
}

// --- timer registration and cancellation ------------------------------------

/// Each sleep registers its timer on its first poll and removes it on drop.
async fn spool_timer_churn() {
    for _ in 0..TIMERS {
        poll_once(spool::time::sleep(Duration::from_secs(60))).await;
    }
}

/// tokio's `Sleep` spends coop budget and, once the budget is gone, returns
/// `Pending` without registering; `unconstrained` makes every poll register,
/// as spool's does.
async fn tokio_timer_churn() {
    tokio::task::unconstrained(async {
        for _ in 0..TIMERS {
            poll_once(tokio::time::sleep(Duration::from_secs(60))).await;
        }
    })
    .await
}

// --- a million live timers --------------------------------------------------

/// The deadline of the `i`th of the million timers: spread over 1,000 s and
/// scattered, so timers are not registered in deadline order.
fn scattered(i: u64) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(i * 7919 % 1_000_000)
}

/// Registers `LIVE_TIMERS` sleeps (each by one poll), so all of them are in
/// the timer queue at once, then drops them all, which removes them.
async fn spool_million_timers() {
    let mut sleeps: Vec<_> = (0..LIVE_TIMERS)
        .map(|i| Box::pin(spool::time::sleep(scattered(i))))
        .collect();
    poll_fn(|cx| {
        for sleep in &mut sleeps {
            assert!(sleep.as_mut().poll(cx).is_pending());
        }
        Poll::Ready(())
    })
    .await;
    drop(black_box(sleeps));
}

/// The same; `unconstrained` for the reason given at `tokio_timer_churn`.
async fn tokio_million_timers() {
    let mut sleeps: Vec<_> = (0..LIVE_TIMERS)
        .map(|i| Box::pin(tokio::time::sleep(scattered(i))))
        .collect();
    tokio::task::unconstrained(poll_fn(|cx| {
        for sleep in &mut sleeps {
            assert!(sleep.as_mut().poll(cx).is_pending());
        }
        Poll::Ready(())
    }))
    .await;
    drop(black_box(sleeps));
}

// --- timeout around a ready future ------------------------------------------

async fn spool_timeout_ready() {
    for i in 0..TIMEOUTS {
        let out = spool::time::timeout(Duration::from_secs(1), std::future::ready(i)).await;
        black_box(out.expect("ready in time"));
    }
}

async fn tokio_timeout_ready() {
    for i in 0..TIMEOUTS {
        let out = tokio::time::timeout(Duration::from_secs(1), std::future::ready(i)).await;
        black_box(out.expect("ready in time"));
    }
}

// --- semaphore contention ---------------------------------------------------

/// Each task holds its permit across a yield, so 90 of the 100 are always
/// waiting in line and every release hands a permit to a parked waiter.
async fn spool_semaphore() {
    let semaphore = Rc::new(spool::sync::Semaphore::new(SEM_PERMITS));
    let handles: Vec<_> = (0..SEM_TASKS)
        .map(|_| {
            let semaphore = semaphore.clone();
            spool::spawn(async move {
                for _ in 0..SEM_ROUNDS {
                    let _permit = semaphore.acquire().await.expect("open");
                    spool::yield_now().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("worker");
    }
}

async fn tokio_semaphore() {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(SEM_PERMITS));
    let handles: Vec<_> = (0..SEM_TASKS)
        .map(|_| {
            let semaphore = semaphore.clone();
            tokio::spawn(async move {
                for _ in 0..SEM_ROUNDS {
                    let _permit = semaphore.acquire().await.expect("open");
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("worker");
    }
}

// --- bounded producer / consumer --------------------------------------------

async fn spool_queue() {
    let queue = Rc::new(spool::sync::Queue::new(CAPACITY));
    let producer = spool::spawn({
        let queue = queue.clone();
        async move {
            for i in 0..ITEMS {
                queue.put(i).await.expect("open");
            }
        }
    });
    let mut sum = 0;
    for _ in 0..ITEMS {
        sum += queue.get().await.expect("open");
    }
    producer.await.expect("producer");
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
}

async fn tokio_queue() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
    let producer = tokio::spawn(async move {
        for i in 0..ITEMS {
            tx.send(i).await.expect("open");
        }
    });
    let mut sum = 0;
    for _ in 0..ITEMS {
        sum += rx.recv().await.expect("open");
    }
    producer.await.expect("producer");
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
}

// --- TCP echo ---------------------------------------------------------------

/// Echoes everything back until the client shuts its side down.
async fn spool_echo(mut stream: spool::net::TcpStream) {
    use spool::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        match stream.read(&mut buf).await.expect("echo read") {
            0 => break,
            n => stream.write_all(&buf[..n]).await.expect("echo write"),
        }
    }
}

async fn tokio_echo(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        match stream.read(&mut buf).await.expect("echo read") {
            0 => break,
            n => stream.write_all(&buf[..n]).await.expect("echo write"),
        }
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Starts an echo server, then runs `iters` rounds against it.
fn spool_tcp<F: Future<Output = ()>>(iters: u64, round: impl Fn(SocketAddr) -> F) -> Duration {
    spool::block_on(async move {
        let listener = spool::net::TcpListener::bind(loopback()).expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let server = spool::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                stream.set_nodelay(true).expect("nodelay");
                spool::spawn(spool_echo(stream));
            }
        });
        let start = Instant::now();
        for _ in 0..iters {
            round(addr).await;
        }
        let elapsed = start.elapsed();
        server.abort();
        elapsed
    })
}

fn tokio_tcp<F: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    round: impl Fn(SocketAddr) -> F,
) -> Duration {
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(loopback())
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                stream.set_nodelay(true).expect("nodelay");
                tokio::spawn(tokio_echo(stream));
            }
        });
        let start = Instant::now();
        for _ in 0..iters {
            round(addr).await;
        }
        let elapsed = start.elapsed();
        server.abort();
        elapsed
    })
}

/// Writes `data` on one half of the connection while the other half counts
/// the echo, so neither side's socket buffer ever fills up for good.
async fn spool_bulk(addr: SocketAddr, data: Rc<Vec<u8>>) {
    use spool::io::{AsyncReadExt, AsyncWriteExt};
    let stream = spool::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = (&stream, &stream);
    let send = async {
        writer.write_all(&data).await.expect("write");
        writer.shutdown().await.expect("shutdown");
    };
    let receive = async {
        let mut buf = vec![0; ECHO_BUFFER];
        let mut total = 0;
        loop {
            match reader.read(&mut buf).await.expect("read") {
                0 => break total,
                n => total += n,
            }
        }
    };
    let ((), total) = spool::join!(send, receive);
    assert_eq!(total, data.len());
}

async fn tokio_bulk(addr: SocketAddr, data: Arc<Vec<u8>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.split();
    let send = async {
        writer.write_all(&data).await.expect("write");
        writer.shutdown().await.expect("shutdown");
    };
    let receive = async {
        let mut buf = vec![0; ECHO_BUFFER];
        let mut total = 0;
        loop {
            match reader.read(&mut buf).await.expect("read") {
                0 => break total,
                n => total += n,
            }
        }
    };
    let ((), total) = tokio::join!(send, receive);
    assert_eq!(total, data.len());
}

/// `CONNECTIONS` clients at once, each doing `ROUND_TRIPS` small
/// request/response exchanges.
async fn spool_many(addr: SocketAddr) {
    use spool::io::{AsyncReadExt, AsyncWriteExt};
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            spool::spawn(async move {
                let mut stream = spool::net::TcpStream::connect(addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let request = [7u8; MESSAGE];
                let mut reply = [0u8; MESSAGE];
                for _ in 0..ROUND_TRIPS {
                    stream.write_all(&request).await.expect("write");
                    stream.read_exact(&mut reply).await.expect("read");
                }
                assert_eq!(reply, request);
            })
        })
        .collect();
    for client in clients {
        client.await.expect("client");
    }
}

async fn tokio_many(addr: SocketAddr) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let request = [7u8; MESSAGE];
                let mut reply = [0u8; MESSAGE];
                for _ in 0..ROUND_TRIPS {
                    stream.write_all(&request).await.expect("write");
                    stream.read_exact(&mut reply).await.expect("read");
                }
                assert_eq!(reply, request);
            })
        })
        .collect();
    for client in clients {
        client.await.expect("client");
    }
}

// --- tokio's own workloads, under tokio's names and counts -----------------
//
// The groups below mirror benchmarks in tokio's benches/ folder
// (rt_current_thread.rs, rt_multi_threaded.rs, sync_mpsc_oneshot.rs,
// sync_semaphore.rs, time_many_timers.rs, net_accept.rs), so a reader can
// hold this table beside tokio's own suite. Where tokio waits for the end
// through a channel, both sides here await join handles instead.

/// tokio's `NUM_SPAWN` in `rt_current_thread` and `rt_multi_threaded`.
const SPAWN_SMALL: u64 = 1_000;
const SPAWN_LARGE: u64 = 10_000;
/// tokio's `yield_many`: tasks, and yields per task.
const YIELD_TASKS: u64 = 200;
const YIELDS: u64 = 1_000;
/// tokio's `NUM_PINGS` and `chained_spawn`'s `ITER`.
const PINGS: u64 = 1_000;
const CHAIN: u64 = 1_000;
/// tokio's `request_reply`: round trips, and the request queue's capacity.
const REQUESTS: u64 = 1_000;
const REQUEST_QUEUE: usize = 10;
/// tokio's semaphore benchmarks: six tasks, ten permits (uncontended) or
/// five (contended).
const PERMIT_TASKS: usize = 6;
/// Timers inserted (and dropped) per iteration of `timer_insert`, and the
/// live timers kept in the queue meanwhile in its second row.
const INSERTS: u64 = 1_000;
const BACKGROUND_TIMERS: u64 = 100_000;
/// Connections opened and accepted per iteration of `connect_accept`.
const ACCEPTS: u64 = 100;

async fn spool_spawn_many(n: u64) {
    let handles: Vec<_> = (0..n).map(|_| spool::spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("empty task");
    }
}

async fn tokio_spawn_many(n: u64) {
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("empty task");
    }
}

async fn spool_yield_many() {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            spool::spawn(async {
                for _ in 0..YIELDS {
                    spool::yield_now().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("yielder");
    }
}

async fn tokio_yield_many() {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..YIELDS {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("yielder");
    }
}

/// Each ping spawns a task that spawns a partner; the two trade one message
/// each way over a pair of oneshot channels.
async fn spool_pings() {
    use spool::sync::oneshot;
    let handles: Vec<_> = (0..PINGS)
        .map(|_| {
            spool::spawn(async {
                let (tx1, rx1) = oneshot::channel();
                let (tx2, rx2) = oneshot::channel();
                spool::spawn(async move {
                    rx1.await.expect("ping");
                    tx2.send(()).expect("pong");
                });
                tx1.send(()).expect("ping");
                rx2.await.expect("pong");
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("pinger");
    }
}

async fn tokio_pings() {
    use tokio::sync::oneshot;
    let handles: Vec<_> = (0..PINGS)
        .map(|_| {
            tokio::spawn(async {
                let (tx1, rx1) = oneshot::channel();
                let (tx2, rx2) = oneshot::channel();
                tokio::spawn(async move {
                    rx1.await.expect("ping");
                    tx2.send(()).expect("pong");
                });
                tx1.send(()).expect("ping");
                rx2.await.expect("pong");
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("pinger");
    }
}

/// Each task spawns the next, `CHAIN` deep; the last one reports back.
fn spool_chain(done: spool::sync::oneshot::Sender<()>, left: u64) {
    if left == 0 {
        done.send(()).expect("chain end");
    } else {
        spool::spawn(async move { spool_chain(done, left - 1) });
    }
}

fn tokio_chain(done: tokio::sync::oneshot::Sender<()>, left: u64) {
    if left == 0 {
        done.send(()).expect("chain end");
    } else {
        tokio::spawn(async move { tokio_chain(done, left - 1) });
    }
}

async fn spool_chained_spawn() {
    let (done, finished) = spool::sync::oneshot::channel();
    spool::spawn(async move { spool_chain(done, CHAIN) });
    finished.await.expect("chain");
}

async fn tokio_chained_spawn() {
    let (done, finished) = tokio::sync::oneshot::channel();
    tokio::spawn(async move { tokio_chain(done, CHAIN) });
    finished.await.expect("chain");
}

/// A server task answers requests that arrive through a bounded queue,
/// each carrying the oneshot sender for its reply.
async fn spool_request_reply() {
    use spool::sync::oneshot;
    let requests = Rc::new(spool::sync::Queue::<(u64, oneshot::Sender<u64>)>::new(
        REQUEST_QUEUE,
    ));
    let server = spool::spawn({
        let requests = requests.clone();
        async move {
            while let Some((n, reply)) = requests.get().await {
                let _ = reply.send(n + 1);
            }
        }
    });
    for i in 0..REQUESTS {
        let (tx, rx) = oneshot::channel();
        requests.put((i, tx)).await.expect("server open");
        assert_eq!(rx.await.expect("reply"), i + 1);
    }
    requests.close();
    server.await.expect("server");
}

async fn tokio_request_reply() {
    use tokio::sync::{mpsc, oneshot};
    let (requests, mut incoming) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(REQUEST_QUEUE);
    let server = tokio::spawn(async move {
        while let Some((n, reply)) = incoming.recv().await {
            let _ = reply.send(n + 1);
        }
    });
    for i in 0..REQUESTS {
        let (tx, rx) = oneshot::channel();
        requests.send((i, tx)).await.expect("server open");
        assert_eq!(rx.await.expect("reply"), i + 1);
    }
    drop(requests);
    server.await.expect("server");
}

/// Six tasks each take one permit and give it back.
async fn spool_permits(permits: usize) {
    let semaphore = Rc::new(spool::sync::Semaphore::new(permits));
    let handles: Vec<_> = (0..PERMIT_TASKS)
        .map(|_| {
            let semaphore = semaphore.clone();
            spool::spawn(async move {
                drop(semaphore.acquire().await.expect("open"));
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("worker");
    }
}

async fn tokio_permits(permits: usize) {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(permits));
    let handles: Vec<_> = (0..PERMIT_TASKS)
        .map(|_| {
            let semaphore = semaphore.clone();
            tokio::spawn(async move {
                drop(semaphore.acquire().await.expect("open"));
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("worker");
    }
}

/// Registers `INSERTS` sleeps one at a time (each polled once, then dropped).
async fn spool_timer_inserts() {
    for i in 0..INSERTS {
        poll_once(spool::time::sleep(scattered(i))).await;
    }
}

/// The same; `unconstrained` for the reason given at `tokio_timer_churn`.
async fn tokio_timer_inserts() {
    tokio::task::unconstrained(async {
        for i in 0..INSERTS {
            poll_once(tokio::time::sleep(scattered(i))).await;
        }
    })
    .await
}

/// Opens `ACCEPTS` connections one after another and accepts each.
async fn spool_connect_accept(listener: &spool::net::TcpListener, addr: SocketAddr) {
    for _ in 0..ACCEPTS {
        let (client, accepted) =
            spool::join!(spool::net::TcpStream::connect(addr), listener.accept());
        black_box((client.expect("connect"), accepted.expect("accept")));
    }
}

async fn tokio_connect_accept(listener: &tokio::net::TcpListener, addr: SocketAddr) {
    for _ in 0..ACCEPTS {
        let (client, accepted) =
            tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        black_box((client.expect("connect"), accepted.expect("accept")));
    }
}

fn tokio_suite(c: &mut Criterion) {
    compare(
        c,
        "spawn_many_local_1000",
        Throughput::Elements(SPAWN_SMALL),
        || spool_spawn_many(SPAWN_SMALL),
        || tokio_spawn_many(SPAWN_SMALL),
    );
    compare(
        c,
        "spawn_many_local_10000",
        Throughput::Elements(SPAWN_LARGE),
        || spool_spawn_many(SPAWN_LARGE),
        || tokio_spawn_many(SPAWN_LARGE),
    );
    compare(
        c,
        "yield_many",
        Throughput::Elements(YIELD_TASKS * YIELDS),
        spool_yield_many,
        tokio_yield_many,
    );
    compare(
        c,
        "ping_pong",
        Throughput::Elements(PINGS),
        spool_pings,
        tokio_pings,
    );
    compare(
        c,
        "chained_spawn",
        Throughput::Elements(CHAIN),
        spool_chained_spawn,
        tokio_chained_spawn,
    );
    compare(
        c,
        "request_reply",
        Throughput::Elements(REQUESTS),
        spool_request_reply,
        tokio_request_reply,
    );
    compare(
        c,
        "semaphore_uncontended_10",
        Throughput::Elements(PERMIT_TASKS as u64),
        || spool_permits(10),
        || tokio_permits(10),
    );
    compare(
        c,
        "semaphore_contended_5",
        Throughput::Elements(PERMIT_TASKS as u64),
        || spool_permits(5),
        || tokio_permits(5),
    );
    timer_insert(c);
    connect_accept(c);
}

/// Timer registration into an empty queue, then into one that already holds
/// `BACKGROUND_TIMERS` live timers (registered outside the measurement).
fn timer_insert(c: &mut Criterion) {
    for (name, background) in [
        ("timer_insert_0_live", 0),
        ("timer_insert_100000_live", BACKGROUND_TIMERS),
    ] {
        let mut group = c.benchmark_group(name);
        config(&mut group);
        group.throughput(Throughput::Elements(INSERTS));
        group.bench_function("spool", |b| {
            b.iter_custom(|iters| {
                spool::block_on(async {
                    let mut live: Vec<_> = (0..background)
                        .map(|i| Box::pin(spool::time::sleep(scattered(i))))
                        .collect();
                    poll_fn(|cx| {
                        live.iter_mut()
                            .for_each(|s| assert!(s.as_mut().poll(cx).is_pending()));
                        Poll::Ready(())
                    })
                    .await;
                    let start = Instant::now();
                    for _ in 0..iters {
                        spool_timer_inserts().await;
                    }
                    start.elapsed()
                })
            })
        });
        let rt = tokio_runtime();
        group.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut live: Vec<_> = (0..background)
                        .map(|i| Box::pin(tokio::time::sleep(scattered(i))))
                        .collect();
                    tokio::task::unconstrained(poll_fn(|cx| {
                        live.iter_mut()
                            .for_each(|s| assert!(s.as_mut().poll(cx).is_pending()));
                        Poll::Ready(())
                    }))
                    .await;
                    let start = Instant::now();
                    for _ in 0..iters {
                        tokio_timer_inserts().await;
                    }
                    start.elapsed()
                })
            })
        });
        group.finish();
    }
}

/// The listener is bound outside the measurement; each iteration opens and
/// accepts `ACCEPTS` connections, and closes them.
fn connect_accept(c: &mut Criterion) {
    let mut group = c.benchmark_group("connect_accept");
    config(&mut group);
    group.throughput(Throughput::Elements(ACCEPTS));
    group.bench_function("spool", |b| {
        b.iter_custom(|iters| {
            spool::block_on(async {
                let listener = spool::net::TcpListener::bind(loopback()).expect("bind");
                let addr = listener.local_addr().expect("local addr");
                let start = Instant::now();
                for _ in 0..iters {
                    spool_connect_accept(&listener, addr).await;
                }
                start.elapsed()
            })
        })
    });
    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(loopback())
                    .await
                    .expect("bind");
                let addr = listener.local_addr().expect("local addr");
                let start = Instant::now();
                for _ in 0..iters {
                    tokio_connect_accept(&listener, addr).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn tcp_bulk(c: &mut Criterion) {
    let mut group = c.benchmark_group("tcp_echo_10MiB");
    config(&mut group);
    group.throughput(Throughput::Bytes(BULK as u64));
    let data: Vec<u8> = (0..BULK).map(|i| i as u8).collect();
    let spool_data = Rc::new(data.clone());
    group.bench_function("spool", |b| {
        b.iter_custom(|iters| spool_tcp(iters, |addr| spool_bulk(addr, spool_data.clone())))
    });
    let rt = tokio_runtime();
    let tokio_data = Arc::new(data);
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| tokio_tcp(&rt, iters, |addr| tokio_bulk(addr, tokio_data.clone())))
    });
    group.finish();
}

fn tcp_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("tcp_100_connections");
    config(&mut group);
    group.throughput(Throughput::Elements(CONNECTIONS * ROUND_TRIPS));
    group.bench_function("spool", |b| {
        b.iter_custom(|iters| spool_tcp(iters, spool_many))
    });
    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| tokio_tcp(&rt, iters, tokio_many))
    });
    group.finish();
}

/// Like `compare`, with criterion's minimum of 10 samples: one iteration
/// takes seconds.
fn million_timers(c: &mut Criterion) {
    let mut group = c.benchmark_group("timers_1m_live");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(LIVE_TIMERS));
    group.bench_function("spool", |b| {
        b.iter_custom(|iters| spool_timed(iters, spool_million_timers))
    });
    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| tokio_timed(&rt, iters, tokio_million_timers))
    });
    group.finish();
}

fn tasks(c: &mut Criterion) {
    compare(
        c,
        "spawn_join_10k",
        Throughput::Elements(TASKS),
        spool_spawn_join,
        tokio_spawn_join,
    );
    compare(
        c,
        "yield_ping_pong_10k",
        Throughput::Elements(2 * PING_PONGS),
        spool_ping_pong,
        tokio_ping_pong,
    );
}

fn timers(c: &mut Criterion) {
    compare(
        c,
        "sleep_1ms_10k_tasks",
        Throughput::Elements(TASKS),
        spool_sleeps,
        tokio_sleeps,
    );
    compare(
        c,
        "timer_create_drop_100k",
        Throughput::Elements(TIMERS),
        spool_timer_churn,
        tokio_timer_churn,
    );
    million_timers(c);
    compare(
        c,
        "timeout_ready_10k",
        Throughput::Elements(TIMEOUTS),
        spool_timeout_ready,
        tokio_timeout_ready,
    );
}

fn sync(c: &mut Criterion) {
    compare(
        c,
        "semaphore_100_tasks_10_permits",
        Throughput::Elements(SEM_TASKS * SEM_ROUNDS),
        spool_semaphore,
        tokio_semaphore,
    );
    compare(
        c,
        "queue_bounded10_100k",
        Throughput::Elements(ITEMS),
        spool_queue,
        tokio_queue,
    );
}

criterion_group!(
    benches,
    tasks,
    timers,
    sync,
    tcp_bulk,
    tcp_many,
    tokio_suite
);
criterion_main!(benches);
