//! Stress: many wakes from many threads, abort storms, and timer churn
//! across many loops on one thread. Each test ends by counting what the
//! loop still holds (`spool::__stats`): no task and no timer may be left
//! behind, and no wake may be lost — a lost wake shows up as a task that
//! never finishes, cut off by a timeout so the test fails instead of hanging.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use spool::time::{sleep, sleep_until, timeout};

/// Far longer than any test here should take; a lost wake-up runs into it.
const PATIENCE: Duration = Duration::from_secs(20);

/// What a test's loop must hold once its work is done: nothing.
fn assert_nothing_left(what: &str) {
    let stats = spool::__stats();
    assert_eq!(stats.tasks, 0, "{what}: tasks left in the table: {stats:?}");
    assert_eq!(
        stats.timers, 0,
        "{what}: timers left in the queue: {stats:?}"
    );
}

/// Events for one task, sent by other threads: a count and the waker to
/// call after each increment.
#[derive(Default)]
struct Mailbox {
    arrived: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Mailbox {
    /// Another thread's side: one more event, then a wake.
    fn deliver(&self) {
        self.arrived.fetch_add(1, Ordering::SeqCst);
        if let Some(waker) = &*self.waker.lock().unwrap() {
            waker.wake_by_ref();
        }
    }

    /// The task's side: ready once `expected` events have arrived. The
    /// waker is stored *before* the count is read, so an event that comes
    /// after the read finds the waker and wakes the task.
    fn poll_all_arrived(&self, cx: &mut Context<'_>, expected: usize) -> Poll<()> {
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.arrived.load(Ordering::SeqCst) == expected {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn wakes_from_eight_threads_lose_none() {
    const THREADS: usize = 8;
    const WAKES_PER_THREAD: usize = 10_000;
    const TASKS: usize = 4;
    const EXPECTED: usize = THREADS * WAKES_PER_THREAD / TASKS;

    let start = Instant::now();
    let polls = spool::block_on(async {
        let mailboxes: Vec<Arc<Mailbox>> = (0..TASKS).map(|_| Arc::default()).collect();
        let tasks: Vec<_> = mailboxes
            .iter()
            .map(|mailbox| {
                let mailbox = mailbox.clone();
                spool::spawn(async move {
                    let mut polls = 0;
                    poll_fn(|cx| {
                        polls += 1;
                        mailbox.poll_all_arrived(cx, EXPECTED)
                    })
                    .await;
                    polls
                })
            })
            .collect();
        // Every task has stored its waker before the threads start.
        spool::yield_now().await;
        let go = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let mailboxes = mailboxes.clone();
                let go = go.clone();
                thread::spawn(move || {
                    go.wait();
                    for i in 0..WAKES_PER_THREAD {
                        mailboxes[(t + i) % TASKS].deliver();
                    }
                })
            })
            .collect();
        let polls = timeout(PATIENCE, async {
            let mut polls = Vec::new();
            for task in tasks {
                polls.push(task.await.unwrap());
            }
            polls
        })
        .await
        .expect("a task never finished: a wake-up was lost");
        for thread in threads {
            thread.join().unwrap();
        }
        for mailbox in &mailboxes {
            assert_eq!(mailbox.arrived.load(Ordering::SeqCst), EXPECTED);
        }
        assert_nothing_left("after 80,000 cross-thread wakes");
        polls
    });
    // Wakes that arrive while a task is already queued are merged, so a
    // task is polled at most once per wake (plus its first poll).
    for polls in polls {
        assert!((2..=EXPECTED + 1).contains(&polls), "{polls} polls");
    }
    // When the patience timer fires, `timeout` polls once more and finds
    // the tasks done: only the time taken tells a lost wake from a slow one.
    let took = start.elapsed();
    assert!(
        took < PATIENCE / 2,
        "took {took:?}: a wake-up was lost, and only the timeout's timer woke the loop"
    );
}

/// Counts the drops of the futures it guards.
#[derive(Clone, Default)]
struct Drops(Rc<Cell<usize>>);

struct Guard(Rc<Cell<usize>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

impl Drops {
    fn guard(&self) -> Guard {
        Guard(self.0.clone())
    }
}

#[test]
fn an_abort_storm_leaves_no_task_and_no_timer() {
    const TASKS: usize = 5_000;
    let drops = Drops::default();
    spool::block_on(async {
        let mut handles = Vec::new();
        for i in 0..TASKS {
            let guard = drops.guard();
            // Four kinds of victim: asleep on a timer, spinning (always in
            // the run queue when the abort comes), parked forever, and
            // already finished.
            let handle = match i % 4 {
                0 => spool::spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                    i
                }),
                1 => spool::spawn(async move {
                    let _guard = guard;
                    loop {
                        spool::yield_now().await;
                    }
                }),
                2 => spool::spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                    i
                }),
                _ => spool::spawn(async move {
                    let _guard = guard;
                    i
                }),
            };
            handles.push(handle);
        }
        // Two turns: every task has been polled once; sleepers hold timers,
        // finished tasks are gone, spinners are queued again.
        spool::yield_now().await;
        spool::yield_now().await;
        let stats = spool::__stats();
        assert_eq!(stats.timers, TASKS / 4, "{stats:?}");
        assert_eq!(stats.tasks, 3 * TASKS / 4, "{stats:?}");

        for handle in &handles {
            handle.abort();
            handle.abort(); // twice is harmless
        }
        // Half the handles of each kind are dropped without being awaited:
        // the aborted task must be freed all the same.
        let mut cancelled = 0;
        let mut finished = 0;
        for (i, handle) in handles.into_iter().enumerate() {
            if (i / 4) % 2 == 1 {
                continue;
            }
            match handle.await {
                Ok(value) => {
                    assert_eq!(value % 4, 3, "only finished tasks keep a result");
                    finished += 1;
                }
                Err(e) => {
                    assert!(e.is_cancelled());
                    cancelled += 1;
                }
            }
        }
        assert_eq!((cancelled, finished), (3 * TASKS / 8, TASKS / 8));
        // The detached half is dropped by the loop on its next turn.
        spool::yield_now().await;
        assert_nothing_left("after aborting 5,000 tasks");
    });
    assert_eq!(drops.0.get(), TASKS, "every future dropped once");
}

#[test]
fn aborts_racing_wakes_from_other_threads_lose_nothing() {
    const ROUNDS: usize = 200;
    const TASKS: usize = 50;
    let drops = Drops::default();
    spool::block_on(async {
        for round in 0..ROUNDS {
            let mailboxes: Vec<Arc<Mailbox>> = (0..TASKS).map(|_| Arc::default()).collect();
            let handles: Vec<_> = mailboxes
                .iter()
                .map(|mailbox| {
                    let mailbox = mailbox.clone();
                    let guard = drops.guard();
                    spool::spawn(async move {
                        let _guard = guard;
                        // Never enough events: only the abort ends it.
                        poll_fn(|cx| mailbox.poll_all_arrived(cx, usize::MAX)).await;
                    })
                })
                .collect();
            spool::yield_now().await;
            // A thread keeps waking every task while this task aborts them:
            // some aborts find their task queued by a wake, some wakes come
            // for a task that is already gone.
            let stop = Arc::new(AtomicBool::new(false));
            let waker_thread = {
                let (mailboxes, stop) = (mailboxes.clone(), stop.clone());
                thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        mailboxes.iter().for_each(|m| m.deliver());
                    }
                })
            };
            for (i, handle) in handles.iter().enumerate() {
                handle.abort();
                if i % 10 == 0 {
                    spool::yield_now().await;
                }
            }
            for handle in handles {
                let result = timeout(PATIENCE, handle)
                    .await
                    .expect("an aborted task never finished");
                assert!(result.unwrap_err().is_cancelled(), "round {round}");
            }
            stop.store(true, Ordering::Relaxed);
            waker_thread.join().unwrap();
            // Late wakes for the freed tasks are ignored.
            spool::yield_now().await;
            assert_nothing_left("after a round of aborts under wakes");
        }
    });
    assert_eq!(drops.0.get(), ROUNDS * TASKS);
}

/// Polls a future once with a waker that does nothing; `true` if it finished.
fn poll_once(future: &mut (impl Future + Unpin)) -> bool {
    Pin::new(future)
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

#[test]
fn timer_churn_across_many_loops_on_one_thread() {
    const LOOPS: usize = 300;
    let start = Instant::now();
    // A sleep registered in one loop and finished in a later one.
    let mut carried: Option<spool::time::Sleep> = None;
    let mut carried_finished = 0;
    for n in 0..LOOPS {
        spool::block_on(async {
            if let Some(mut sleep) = carried.take() {
                // Its key belongs to the previous loop: it must register
                // afresh here and still wake at its deadline, not early.
                let deadline = sleep.deadline();
                (&mut sleep).await;
                assert!(Instant::now() >= deadline);
                carried_finished += 1;
            }
            // Fired: short sleeps, several at one deadline.
            let due = Instant::now() + Duration::from_micros(300);
            spool::join!(sleep_until(due), sleep_until(due), sleep(Duration::ZERO));
            // Removed before firing: a timeout that wins, and sleeps
            // dropped after registering.
            let quick = timeout(Duration::from_secs(60), spool::yield_now()).await;
            assert!(quick.is_ok());
            for _ in 0..20 {
                let mut long = sleep(Duration::from_secs(3600));
                assert!(!poll_once(&mut long));
            }
            // Lost a race: a timeout that expires.
            let slow = timeout(Duration::from_micros(200), sleep(Duration::from_secs(60))).await;
            assert!(slow.is_err());
            // Spawned sleepers that outlive the loop: dropped with it.
            for _ in 0..5 {
                drop(spool::spawn(sleep(Duration::from_secs(3600))));
            }
            spool::yield_now().await;
            let stats = spool::__stats();
            assert_eq!((stats.tasks, stats.timers), (5, 5), "loop {n}: {stats:?}");
            // Registered here, carried into the next loop.
            let mut next = sleep(Duration::from_micros(500));
            assert!(!poll_once(&mut next));
            carried = Some(next);
        });
    }
    assert_eq!(carried_finished, LOOPS - 1);
    // The last carried sleep, and a fresh loop holds nothing from the others.
    spool::block_on(async {
        carried.take().unwrap().await;
        assert_nothing_left("in a new loop after 300 loops of churn");
    });
    assert!(start.elapsed() < PATIENCE);
}
