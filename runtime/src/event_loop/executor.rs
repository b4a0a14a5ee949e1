//! The event loop: [`block_on`] runs it, [`spawn`] hands it tasks.
//!
//! One loop per thread, kept in a thread-local while `block_on` runs. Each
//! turn of the loop does two things:
//!
//! 1. **Run a batch.** Take every task id from the run queue and poll each
//!    task once. Tasks woken during the batch — including a task that wakes
//!    itself with [`yield_now`](crate::yield_now) — wait for the *next*
//!    batch. Every `EVENT_INTERVAL` (61) polls, the batch pauses to collect
//!    events as in step 2, without sleeping.
//! 2. **Collect events, if there is nothing else to do.** When the run
//!    queue is empty, ask the reactor which sockets became ready and wake
//!    their tasks, then wake the tasks whose timers are due. This is where
//!    the loop *sleeps*: until a socket is ready, the earliest timer is due,
//!    or another thread rings the doorbell.
//!
//! Collecting events costs a system call (`epoll_wait`) and a clock read, so
//! a loop busy with ready tasks does it only every `EVENT_INTERVAL` polls,
//! not every turn; and it reads the clock only if a timer is pending.
//!
//! Fairness comes from two rules. The interval rule: sockets and timers are
//! checked at least once every `EVENT_INTERVAL` task polls, however many
//! tasks are ready, and a task that wakes itself runs at most once per
//! batch. The budget rule (`coop.rs`): a task that never returns `Pending`
//! on its own — draining a queue that is never empty — is made to after 128
//! operations, so every poll ends. tokio uses the same two rules with the
//! same numbers (its `event_interval` is 61); it counts polls in its
//! scheduler's tick, we count them in the batch loop.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::coop;
use super::join_handle::{Completion, JoinError, JoinHandle};
use super::reactor::Reactor;
use super::task::{Runnable, Shared, TaskId, TaskWaker};
use super::task_table::{Task, TaskTable};
use super::trace::{self, Tracer};
use crate::time::timers::TimerQueue;

/// Task polls between two looks at sockets and timers while tasks keep
/// being ready: tokio's `event_interval`. Lower means fairer to I/O, higher
/// means fewer wasted `epoll_wait` calls when no socket is ready.
const EVENT_INTERVAL: u32 = 61;

/// Everything the loop owns. Fields are behind `RefCell`s because tasks
/// reach them through the thread-local while the loop is running; each
/// borrow is kept short and never held across a poll.
struct Runtime {
    shared: Arc<Shared>,
    tasks: RefCell<TaskTable>,
    timers: RefCell<TimerQueue>,
    reactor: Rc<Reactor>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
    /// True while a task's future is being polled; lets `block_on` explain
    /// itself when called from inside one.
    static POLLING: Cell<bool> = const { Cell::new(false) };
}

// ANCHOR: block_on
/// Runs `future` to completion on this thread, with an event loop for the
/// tasks it spawns: Python's `asyncio.run(main())`.
///
/// When `future` finishes, `block_on` returns its output and drops every
/// task still running (their destructors run; their handles, if anyone still
/// holds one, report cancellation).
///
/// # Panics
///
/// If called while a loop is already running on this thread — from inside a
/// task, say. Blocking the thread that drives every task would deadlock, so
/// `block_on` refuses loudly instead. Also panics if the operating system
/// refuses to create the loop's `epoll` instance or its wake-up descriptor;
/// [`try_block_on`] returns that error instead.
///
/// # Examples
///
/// ```
/// let answer = spool::block_on(async { 40 + 2 });
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    match try_block_on(future) {
        Ok(output) => output,
        Err(e) => panic!("spool could not create its event loop: {e}"),
    }
}
// ANCHOR_END: block_on

/// [`block_on`] for a program that must survive not getting a loop: the
/// loop needs two file descriptors, and a process at its `ulimit -n` has
/// none to give. The error is the operating system's, returned before
/// `future` is polled (it is dropped unpolled). tokio makes the same split
/// with `Runtime::new()`, which returns an `io::Result`.
///
/// # Panics
///
/// If called while a loop is already running on this thread, as
/// [`block_on`] does.
///
/// # Examples
///
/// ```
/// let answer = spool::try_block_on(async { 40 + 2 })?;
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn try_block_on<F: Future>(future: F) -> io::Result<F::Output> {
    let runtime = Rc::new(Runtime::new(trace::from_env())?);
    // Dropped after `_guard`, so leftover tasks are traced as they go.
    let _trace = runtime.shared.trace.as_ref().map(Tracer::enter);
    let _guard = enter(runtime.clone());
    Ok(runtime.run(future))
}

/// [`block_on`] with its trace written to a list instead of stderr,
/// whatever `SPOOL_TRACE` says.
#[cfg(test)]
pub(crate) fn block_on_traced<F: Future>(future: F) -> (F::Output, Vec<String>) {
    let tracer = Tracer::new(trace::Sink::Lines(Default::default()));
    let runtime = match Runtime::new(Some(tracer.clone())) {
        Ok(runtime) => Rc::new(runtime),
        Err(e) => panic!("spool could not create its event loop: {e}"),
    };
    let output = {
        let _trace = tracer.enter();
        let _guard = enter(runtime.clone());
        runtime.run(future)
    };
    (output, tracer.lines())
}

/// Installs the loop in the thread-local, and on drop (normal return or
/// unwinding) removes it and drops the leftover tasks.
fn enter(runtime: Rc<Runtime>) -> impl Drop {
    struct Exit;
    impl Drop for Exit {
        fn drop(&mut self) {
            // Uninstalls the loop however this function ends, so the thread
            // can always run another loop.
            struct Uninstall;
            impl Drop for Uninstall {
                fn drop(&mut self) {
                    let runtime = CURRENT.with(|c| c.borrow_mut().take());
                    if let Some(runtime) = runtime {
                        runtime.reactor.shut_down();
                    }
                }
            }
            let _uninstall = Uninstall;
            let Some(runtime) = CURRENT.with(|c| c.borrow().clone()) else {
                return;
            };
            // Dropping a task may drop a JoinHandle, a socket or a Sleep,
            // which reach for the loop; so the loop stays installed while we
            // drop, and we repeat in case a destructor spawned something.
            loop {
                let leftovers = runtime.tasks.borrow_mut().drain();
                if leftovers.is_empty() {
                    break;
                }
                for task in leftovers {
                    dispose(task.future, task.completion, Some(JoinError::cancelled()));
                }
            }
        }
    }
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        if current.is_some() {
            let inside = if POLLING.get() {
                " from inside a task"
            } else {
                ""
            };
            panic!(
                "spool::block_on was called{inside} while a spool loop is already \
                 running on this thread. The loop can only make progress when this \
                 thread returns to it, so blocking here would deadlock. Use \
                 `.await` (or spool::spawn) instead of a nested block_on."
            );
        }
        *current = Some(runtime);
    });
    Exit
}

impl Runtime {
    fn new(trace: Option<Arc<Tracer>>) -> io::Result<Runtime> {
        let reactor = Reactor::new()?;
        let doorbell = reactor.doorbell()?;
        Ok(Runtime {
            shared: Arc::new(Shared::new(doorbell, trace)),
            tasks: RefCell::new(TaskTable::default()),
            timers: RefCell::new(TimerQueue::default()),
            reactor: Rc::new(reactor),
        })
    }

    // ANCHOR: run
    fn run<F: Future>(&self, future: F) -> F::Output {
        let _running = self.shared.mark_running();
        let mut main = pin!(future);
        let main_waker = TaskWaker::new(Runnable::Main, self.shared.clone());
        let waker = Waker::from(main_waker.clone());
        let mut batch = VecDeque::new();
        let mut polls_since_events = 0;
        self.shared.queue_new(Runnable::Main);
        loop {
            // 1. Run every task that was ready when the turn began, pausing
            //    every EVENT_INTERVAL polls to let sockets and timers in.
            self.shared.take_ready(&mut batch);
            for runnable in batch.drain(..) {
                match runnable {
                    Runnable::Main => {
                        main_waker.clear_queued();
                        let mut cx = Context::from_waker(&waker);
                        let started = self.trace_clock();
                        let poll = polling(|| coop::with_budget(|| main.as_mut().poll(&mut cx)));
                        self.trace_poll(Runnable::Main, started, poll.is_ready());
                        if let Poll::Ready(output) = poll {
                            return output;
                        }
                    }
                    Runnable::Task(id) => self.run_task(id),
                }
                polls_since_events += 1;
                if polls_since_events == EVENT_INTERVAL {
                    self.collect_events(Some(Duration::ZERO));
                    polls_since_events = 0;
                }
            }

            // 2. With nothing left to run, sleep until there is. Ready tasks
            //    go round again without a system call.
            if !self.shared.has_ready() {
                let next = self.timers.borrow().next_deadline();
                let timeout =
                    next.map(|deadline| deadline.saturating_duration_since(Instant::now()));
                self.collect_events(timeout);
                polls_since_events = 0;
            }
        }
    }

    /// Waits up to `timeout` for socket events (`None`: as long as it
    /// takes), wakes their tasks, then wakes the tasks whose timers are due.
    fn collect_events(&self, timeout: Option<Duration>) {
        if let Err(e) = self.reactor.poll(timeout) {
            panic!("spool's event loop could not wait for events: {e}");
        }
        // No timers, no clock read.
        if self.timers.borrow().next_deadline().is_none() {
            return;
        }
        let due = self.timers.borrow_mut().expire(Instant::now());
        due.into_iter().for_each(Waker::wake);
    }
    // ANCHOR_END: run

    // ANCHOR: run_task
    fn run_task(&self, id: TaskId) {
        // A stale id (the task finished after this wake was queued) is
        // simply ignored: that is what makes a wake after completion harmless.
        let Some(mut task) = self.tasks.borrow_mut().take(id) else {
            return;
        };
        task.waker.clear_queued();
        if task.completion.is_aborted() {
            if let Some(trace) = &self.shared.trace {
                trace.abort(id);
            }
            self.finish(id, task, Some(JoinError::cancelled()));
            return;
        }
        let mut cx = Context::from_waker(&task.std_waker);
        let started = self.trace_clock();
        // A panic inside one task must not take the loop down: catch it and
        // hand it to the task's JoinHandle.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            polling(|| coop::with_budget(|| task.future.as_mut().poll(&mut cx)))
        }));
        let pending = matches!(outcome, Ok(Poll::Pending));
        self.trace_poll(Runnable::Task(id), started, !pending);
        match outcome {
            Ok(Poll::Pending) => self.tasks.borrow_mut().put_back(id, task),
            // The future already handed its output to the JoinHandle.
            Ok(Poll::Ready(())) => self.finish(id, task, None),
            Err(payload) => self.finish(id, task, Some(JoinError::panic(payload))),
        }
    }
    // ANCHOR_END: run_task

    /// Frees a finished task's slot, handing its waker on to the slot's next
    /// task, and disposes of the task.
    fn finish(&self, id: TaskId, task: Task, error: Option<JoinError>) {
        let Task {
            future,
            waker,
            std_waker,
            completion,
        } = task;
        // A waker is reused only once no clone of it is left, and this is one.
        drop(std_waker);
        self.tasks.borrow_mut().release(id, waker);
        dispose(future, completion, error);
        if let Some(trace) = &self.shared.trace {
            trace.finish(id);
        }
    }

    /// The clock before a poll, if the loop is traced (no clock read if not).
    fn trace_clock(&self) -> Option<Instant> {
        self.shared.trace.as_ref().map(|_| Instant::now())
    }

    /// Traces a poll that began at `started` (from [`Runtime::trace_clock`]).
    fn trace_poll(&self, runnable: Runnable, started: Option<Instant>, ready: bool) {
        if let (Some(trace), Some(started)) = (&self.shared.trace, started) {
            trace.poll(runnable, ready, started.elapsed());
        }
    }
}

/// Drops a task's future (running its destructors) *before* reporting
/// `error` to its handle, so whoever awaits the handle sees the task's
/// resources already released.
///
/// Destructors are user code and may panic, like polls: a panic while the
/// future drops is reported to the handle instead of `error`, and a panic
/// while the result drops (a detached task, whose output nobody will take)
/// is swallowed, as a detached task's panic in a poll is. Either way the
/// loop goes on.
fn dispose(
    future: Pin<Box<dyn Future<Output = ()>>>,
    completion: Arc<dyn Completion>,
    error: Option<JoinError>,
) {
    let error = match catch_unwind(AssertUnwindSafe(move || drop(future))) {
        Ok(()) => error,
        Err(payload) => Some(JoinError::panic(payload)),
    };
    // The last reference to a detached task's cell drops its output here.
    let _ = catch_unwind(AssertUnwindSafe(move || {
        if let Some(error) = error {
            completion.fail(error);
        }
        drop(completion);
    }));
}

/// Marks the thread as inside a poll, for `block_on`'s panic message. The
/// mark is restored by a guard, so a panicking poll cannot leave it set.
fn polling<R>(poll: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            POLLING.set(self.0);
        }
    }
    let _restore = Restore(POLLING.replace(true));
    poll()
}

/// The loop running on this thread. `what` names the caller in the panic
/// message when there is none.
fn current_runtime(what: &str) -> Rc<Runtime> {
    CURRENT.with(|current| match &*current.borrow() {
        Some(runtime) => runtime.clone(),
        None => no_loop(what),
    })
}

/// Runs `f` on the loop running on this thread, like [`current_runtime`]
/// without taking a reference count.
fn with_runtime<R>(what: &str, f: impl FnOnce(&Runtime) -> R) -> R {
    CURRENT.with(|current| match &*current.borrow() {
        Some(runtime) => f(runtime),
        None => no_loop(what),
    })
}

fn no_loop(what: &str) -> ! {
    panic!(
        "{what} must be called from inside spool::block_on: \
         there is no spool loop running on this thread"
    )
}

// ANCHOR: spawn
/// Starts a task on the current loop: asyncio's `create_task`.
///
/// The task begins running at the loop's next turn, concurrently with the
/// caller. Await the returned [`JoinHandle`] for its result, or drop the
/// handle to let the task run on detached.
///
/// Unlike tokio's `spawn`, the future need not be `Send`: a spool task never
/// leaves the thread that runs the loop, so it may hold an `Rc` or a
/// `RefCell` across an `.await`.
///
/// # Panics
///
/// If no loop is running on this thread (outside [`block_on`]).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// spool::block_on(async {
///     let a = spool::spawn(async {
///         spool::time::sleep(Duration::from_millis(20)).await;
///         "a"
///     });
///     let b = spool::spawn(async { "b" });
///     assert_eq!((a.await.unwrap(), b.await.unwrap()), ("a", "b"));
/// });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_inner("spool::spawn", None, future)
}
// ANCHOR_END: spawn

/// [`spawn`], with a name for the task that `SPOOL_TRACE=1` shows beside
/// its number.
///
/// The name is used by the trace and nothing else: when the trace is off it
/// is not even copied. (tokio names tasks with `tokio::task::Builder`, for
/// tokio-console; one function is all our single use needs.)
///
/// # Panics
///
/// If no loop is running on this thread (outside [`block_on`]).
///
/// # Examples
///
/// ```
/// spool::block_on(async {
///     let fetch = spool::spawn_named("fetch", async { 42 });
///     assert_eq!(fetch.await.unwrap(), 42);
/// });
/// ```
pub fn spawn_named<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_inner("spool::spawn_named", Some(name), future)
}

// ANCHOR: spawn_inner
/// What [`spawn`] and [`spawn_named`] do: store the task, queue it once,
/// hand back its handle. `what` names the caller in the panic message.
fn spawn_inner<F>(what: &str, name: Option<&str>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let runtime = current_runtime(what);
    let shared = &runtime.shared;
    let mut tasks = runtime.tasks.borrow_mut();
    let (id, spare) = tasks.vacancy();
    let waker = spare.unwrap_or_else(|| TaskWaker::new(Runnable::Task(id), shared.clone()));
    let std_waker = Waker::from(waker.clone());
    let (handle, cell) = JoinHandle::new(Some(std_waker.clone()));
    let completion = cell.clone();
    if let Some(trace) = &shared.trace {
        trace.spawn(id, name);
    }
    shared.queue_new(Runnable::Task(id));
    let task = Task {
        future: Box::pin(async move { cell.complete(Ok(future.await)) }),
        waker,
        std_waker,
        completion,
    };
    tasks.fill(id, task);
    handle
}
// ANCHOR_END: spawn_inner

/// Runs `f` on the current loop's timer queue.
pub(crate) fn with_timers<R>(f: impl FnOnce(&mut TimerQueue) -> R) -> R {
    with_runtime("a spool timer", |runtime| {
        f(&mut runtime.timers.borrow_mut())
    })
}

/// Like [`with_timers`], but does nothing when no loop is running — for
/// destructors, which must not panic.
pub(crate) fn try_with_timers(f: impl FnOnce(&mut TimerQueue)) {
    CURRENT.with(|current| {
        if let Some(runtime) = &*current.borrow() {
            f(&mut runtime.timers.borrow_mut());
        }
    });
}

/// The reactor of the loop running on this thread, for registering sockets.
pub(crate) fn current_reactor() -> io::Result<Rc<Reactor>> {
    CURRENT.with(|current| match &*current.borrow() {
        Some(runtime) => Ok(runtime.reactor.clone()),
        None => Err(io::Error::other(
            "spool sockets must be created inside spool::block_on",
        )),
    })
}

/// How many timers the current loop holds (for tests of clean-up).
#[cfg(test)]
pub(crate) fn timer_count() -> usize {
    with_timers(|timers| timers.len())
}

/// What the current loop holds right now, for tests that look for leaks:
/// see [`__stats`](crate::__stats).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopStats {
    /// Spawned tasks not yet finished, including the one being polled (the
    /// future given to `block_on` is not counted).
    pub tasks: usize,
    /// Timers registered and not yet fired or removed.
    pub timers: usize,
}

/// Counts the live tasks and timers of the loop running on this thread.
///
/// Not part of the stable API (hidden from the docs): it exists for stress
/// tests that check nothing leaks — that every finished or aborted task left
/// the table and every dropped `Sleep` left the timer queue.
///
/// # Panics
///
/// If no loop is running on this thread (outside [`block_on`]).
#[doc(hidden)]
pub fn __stats() -> LoopStats {
    with_runtime("spool::__stats", |runtime| LoopStats {
        tasks: runtime.tasks.borrow().len(),
        timers: runtime.timers.borrow().len(),
    })
}
