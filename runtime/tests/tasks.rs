//! Tasks and the loop: spawning, joining, aborting, panics, wakers, idling.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use spool::time::sleep;

/// Counts its own drops, to prove a future was dropped (cancelled).
struct DropFlag(Rc<Cell<usize>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn spawned_tasks_run_concurrently() {
    let start = Instant::now();
    let total = spool::block_on(async {
        let handles: Vec<_> = (0..10u64)
            .map(|i| {
                spool::spawn(async move {
                    sleep(Duration::from_millis(100)).await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(total, 45);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(100));
    assert!(
        elapsed < Duration::from_millis(900),
        "took {elapsed:?}: not concurrent"
    );
}

#[test]
fn a_panicking_task_reports_its_message_and_the_loop_goes_on() {
    spool::block_on(async {
        let bad = spool::spawn(async { panic!("disk on fire") });
        let good = spool::spawn(async { 7 });
        let err = bad.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("disk on fire"));
        assert_eq!(err.to_string(), "task panicked: disk on fire");
        assert_eq!(good.await.unwrap(), 7);
    });
}

#[test]
fn abort_drops_the_future_before_the_handle_resolves() {
    let drops = Rc::new(Cell::new(0));
    spool::block_on({
        let drops = drops.clone();
        async move {
            let guard = DropFlag(drops.clone());
            let handle = spool::spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            });
            spool::yield_now().await; // let it start and park on the timer
            handle.abort();
            let err = handle.await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(
                drops.get(),
                1,
                "destructor must run before the handle resolves"
            );
        }
    });
}

#[test]
fn abort_after_completion_keeps_the_result() {
    spool::block_on(async {
        let handle = spool::spawn(async { "done" });
        while !handle.is_finished() {
            spool::yield_now().await;
        }
        handle.abort();
        assert_eq!(handle.await.unwrap(), "done");
    });
}

#[test]
fn dropping_a_handle_detaches_the_task() {
    let ran = Rc::new(Cell::new(false));
    spool::block_on({
        let ran = ran.clone();
        async move {
            drop(spool::spawn(async move {
                sleep(Duration::from_millis(10)).await;
                ran.set(true);
            }));
            sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(ran.get());
}

#[test]
fn leftover_tasks_are_dropped_when_block_on_returns() {
    let drops = Rc::new(Cell::new(0));
    let handle = spool::block_on({
        let drops = drops.clone();
        async move {
            for _ in 0..3 {
                let guard = DropFlag(drops.clone());
                spool::spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                });
            }
            let guard = DropFlag(drops.clone());
            let kept = spool::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            spool::yield_now().await;
            Some(kept)
        }
    });
    assert_eq!(drops.get(), 4);
    assert!(handle.unwrap().is_finished());
}

#[test]
#[should_panic(expected = "would deadlock")]
fn nested_block_on_panics_with_a_reason() {
    spool::block_on(async {
        spool::block_on(async {});
    });
}

#[test]
fn nested_block_on_inside_a_task_is_reported_through_the_handle() {
    spool::block_on(async {
        let err = spool::spawn(async { spool::block_on(async {}) })
            .await
            .unwrap_err();
        let message = err.panic_message().unwrap();
        assert!(message.contains("from inside a task"), "{message}");
    });
}

#[test]
#[should_panic(expected = "must be called from inside spool::block_on")]
fn spawn_outside_a_loop_panics_with_a_reason() {
    drop(spool::spawn(async {}));
}

#[test]
fn block_on_can_run_again_after_returning() {
    assert_eq!(spool::block_on(async { 1 }), 1);
    assert_eq!(spool::block_on(async { 2 }), 2);
}

/// A loop's own wakes go to a queue kept in a thread-local (no lock); a wake
/// still queued when `block_on` returns must not carry over to the next loop
/// on the thread, where it would poll the new main future for nothing.
#[test]
fn a_wake_left_queued_by_one_loop_does_not_reach_the_next() {
    spool::block_on(std::future::poll_fn(|cx| {
        cx.waker().wake_by_ref();
        Poll::Ready(())
    }));
    let mut polls = 0;
    spool::block_on(async {
        let mut nap = std::pin::pin!(sleep(Duration::from_millis(20)));
        std::future::poll_fn(|cx| {
            polls += 1;
            nap.as_mut().poll(cx)
        })
        .await
    });
    assert_eq!(polls, 2, "one poll to start the sleep, one when it is over");
}

#[test]
fn a_wake_from_another_thread_ends_the_sleep() {
    let start = Instant::now();
    spool::block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            std::thread::sleep(Duration::from_millis(50));
            waker.wake();
        });
        let mut sent = Some(tx);
        std::future::poll_fn(|cx| match sent.take() {
            Some(tx) => {
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            }
            None => Poll::Ready(()),
        })
        .await;
    });
    // Without the doorbell the loop would sleep forever (no timers, no I/O).
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[test]
fn many_wakes_queue_a_task_once_and_late_wakes_are_harmless() {
    let polls = Rc::new(Cell::new(0));
    let saved = Rc::new(RefCell::new(None::<Waker>));
    spool::block_on({
        let polls = polls.clone();
        let saved = saved.clone();
        async move {
            let task = spool::spawn({
                let polls = polls.clone();
                let saved = saved.clone();
                std::future::poll_fn(move |cx| {
                    polls.set(polls.get() + 1);
                    *saved.borrow_mut() = Some(cx.waker().clone());
                    if polls.get() == 2 {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
            });
            spool::yield_now().await; // first poll happens
            assert_eq!(polls.get(), 1);
            let waker = saved.borrow().clone().unwrap();
            for _ in 0..1000 {
                waker.wake_by_ref();
            }
            task.await.unwrap();
            assert_eq!(polls.get(), 2, "1000 wakes must cause one poll");
            // The task is gone; waking it now must do nothing at all.
            waker.wake_by_ref();
            std::thread::spawn(move || waker.wake()).join().unwrap();
            spool::yield_now().await;
            spool::spawn(async {}).await.unwrap();
        }
    });
    assert_eq!(polls.get(), 2);
}

/// User + system CPU time of this process, from /proc (Linux only).
#[cfg(target_os = "linux")]
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

#[cfg(target_os = "linux")]
#[test]
fn an_idle_loop_sleeps_instead_of_spinning() {
    // Run in a child process so other tests' CPU use is not counted.
    if std::env::var_os("SPOOL_IDLE_CHILD").is_none() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "an_idle_loop_sleeps_instead_of_spinning",
                "--exact",
                "--nocapture",
            ])
            .env("SPOOL_IDLE_CHILD", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("idle cpu"), "{stdout}");
        return;
    }
    let before = cpu_time();
    let wall = Instant::now();
    spool::block_on(async {
        // A second task waiting on a far timer must not cause spinning either.
        spool::spawn(sleep(Duration::from_secs(3600)));
        sleep(Duration::from_secs(1)).await;
    });
    let cpu = cpu_time() - before;
    println!("idle cpu: {cpu:?} over {:?}", wall.elapsed());
    assert!(
        cpu < Duration::from_millis(100),
        "spent {cpu:?} of CPU while sleeping 1 s"
    );
}

#[test]
fn a_handle_can_be_awaited_from_another_thread() {
    fn assert_send<T: Send>(_: &T) {}
    spool::block_on(async {
        let handle = spool::spawn(async {
            sleep(Duration::from_millis(20)).await;
            1u8
        });
        assert_send(&handle);
        // Another thread runs its own loop awaiting our task's handle; our
        // task's completion must wake that loop across threads.
        let joined = spool::spawn_blocking(move || spool::block_on(handle)).await;
        assert_eq!(joined.unwrap().unwrap(), 1);
    });
}

/// Regression (issue 7.7): a payload that is not a string was thrown away.
#[test]
fn a_join_error_gives_back_any_panic_payload() {
    #[derive(Debug, PartialEq)]
    struct Code(u16);
    let (panicked, cancelled) = spool::block_on(async {
        let panicked = spool::spawn(async { std::panic::panic_any(Code(503)) }).await;
        let doomed = spool::spawn(std::future::pending::<()>());
        doomed.abort();
        (panicked.unwrap_err(), doomed.await.unwrap_err())
    });
    assert!(panicked.is_panic());
    assert_eq!(panicked.panic_message(), None);
    assert!(panicked.to_string().starts_with("task panicked"));
    let payload = panicked.into_panic();
    assert_eq!(payload.downcast_ref::<Code>(), Some(&Code(503)));

    let cancelled = cancelled.try_into_panic().unwrap_err();
    assert!(cancelled.is_cancelled());

    // The payload survives a round trip through resume_unwind.
    let error =
        spool::block_on(async { spool::spawn(async { panic!("first") }).await }).unwrap_err();
    let caught = std::panic::catch_unwind(|| std::panic::resume_unwind(error.into_panic()));
    assert_eq!(caught.unwrap_err().downcast_ref::<&str>(), Some(&"first"));
}

#[test]
fn join_error_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<spool::JoinError>();
}

/// Counts the polls of the future it wraps.
struct CountPolls<F> {
    inner: F,
    polls: Rc<Cell<usize>>,
}

impl<F: std::future::Future + Unpin> std::future::Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        std::pin::Pin::new(&mut self.inner).poll(cx)
    }
}

/// Regression (issue 7.6): `join_all` polled every unfinished future on
/// every wake-up, so n futures finishing one per turn cost about n²/2
/// polls. Now each future has its own waker and only woken ones are polled.
#[test]
fn join_all_polls_only_the_futures_that_were_woken() {
    const TASKS: usize = 400;
    let polls = Rc::new(Cell::new(0));
    let outputs = spool::block_on(async {
        // Task `i` finishes on the loop's `i`-th turn or so: one per turn.
        let handles = (0..TASKS).map(|i| CountPolls {
            inner: spool::spawn(async move {
                for _ in 0..i {
                    spool::yield_now().await;
                }
                i
            }),
            polls: polls.clone(),
        });
        spool::join_all(handles).await
    });
    assert_eq!(outputs.len(), TASKS);
    assert!(
        outputs
            .iter()
            .enumerate()
            .all(|(i, out)| *out.as_ref().unwrap() == i)
    );
    // One first poll each, and one when its task finishes; quadratic work
    // would be about TASKS² / 2 = 80,000.
    assert!(
        polls.get() <= 2 * TASKS,
        "{} polls for {TASKS} handles",
        polls.get()
    );
}
