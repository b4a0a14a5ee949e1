//! [`spawn_blocking`]: a thread pool for work that would stall the loop
//! (asyncio's `loop.run_in_executor`).
//!
//! The loop has one thread. A task that calls `std::thread::sleep`, reads a
//! big file with `std::fs`, or resolves a host name with the system resolver
//! holds that thread hostage, and every other task waits. Such work goes to
//! this pool instead; the task awaits a [`JoinHandle`] and the loop keeps
//! running.
//!
//! The pool is shared by every loop in the process and grows on demand: a
//! job finds an idle thread or, if there is none, starts a new one — up to
//! [`MAX_THREADS`]. Beyond that, jobs wait in a FIFO queue. A thread that
//! finds no work for [`KEEP_ALIVE`] exits, so an idle program holds no
//! threads. (tokio's defaults are 512 threads and 10 s.)

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;

use crate::event_loop::{JoinError, JoinHandle};

/// Most threads the pool will run at once.
pub const MAX_THREADS: usize = 64;

/// How long an idle thread waits for work before exiting.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    state: Mutex<PoolState>,
    work_ready: Condvar,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    threads: usize,
    /// Threads waiting on `work_ready`. A new job starts a thread only when
    /// the queue already holds at least one job per idle thread.
    idle: usize,
}

// ANCHOR: spawn_blocking
/// Runs `f` on the blocking pool and returns a handle to await its result.
///
/// May be called from any thread, inside a loop or not. A panic in `f` comes
/// back as a [`JoinError`]. [`JoinHandle::abort`] stops the job only if no
/// thread has started it yet.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// spool::block_on(async {
///     let handle = spool::spawn_blocking(|| {
///         std::thread::sleep(Duration::from_millis(10)); // fine here
///         "slept on a pool thread"
///     });
///     assert_eq!(handle.await.unwrap(), "slept on a pool thread");
/// });
/// ```
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (handle, cell) = JoinHandle::new(None);
    let job = Box::new(move || {
        use crate::event_loop::Completion;
        if cell.is_aborted() {
            cell.complete(Err(JoinError::cancelled()));
            return;
        }
        let result = catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panic);
        cell.complete(result);
    });
    pool().submit(job);
    handle
}
// ANCHOR_END: spawn_blocking

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(PoolState::default()),
        work_ready: Condvar::new(),
    })
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // Jobs run outside the lock (and their panics are caught), so the
        // state is never left half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn submit(&'static self, job: Job) {
        let mut state = self.lock();
        state.queue.push_back(job);
        if state.idle >= state.queue.len() {
            self.work_ready.notify_one();
            return;
        }
        if state.threads >= MAX_THREADS {
            return; // every thread is busy; the job waits its turn
        }
        state.threads += 1;
        drop(state);
        let started = thread::Builder::new()
            .name("spool-blocking".into())
            .spawn(move || self.work());
        if started.is_err() {
            // The OS refused a thread. If others exist, they will get to
            // the job; if none does, run it here rather than strand it.
            let mut state = self.lock();
            state.threads -= 1;
            if state.threads == 0
                && let Some(job) = state.queue.pop_front()
            {
                drop(state);
                run(job);
            }
        }
    }

    // ANCHOR: work
    fn work(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                run(job);
                state = self.lock();
                continue;
            }
            state.idle += 1;
            let (guard, waited) = self
                .work_ready
                .wait_timeout(state, KEEP_ALIVE)
                .unwrap_or_else(PoisonError::into_inner);
            state = guard;
            state.idle -= 1;
            if waited.timed_out() && state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
    // ANCHOR_END: work
}

/// Runs a job, containing any panic. A job already catches the panics of
/// its closure, but not one from dropping a result nobody awaits (a
/// detached job's output); that one must not kill the thread, or the pool
/// would count a thread that no longer exists and, after `MAX_THREADS` of
/// them, never run a job again.
fn run(job: Job) {
    let _ = catch_unwind(AssertUnwindSafe(job));
}
