//! `SPOOL_TRACE=1`: a line on stderr for everything the loop does.
//!
//! Run any spool program with the variable set and the loop narrates itself:
//!
//! ```text
//! spool      0.004ms spawn t1 "D"
//! spool      0.006ms wake  t1 "D"     from loop thread
//! spool      0.010ms poll  t1 "D"     Pending  0.006ms
//! spool    200.131ms epoll loop       slept 200.117ms, timeout 200.113ms, 0 events
//! ```
//!
//! The columns: time since the loop started, kind, who, details. Tasks are numbered
//! in spawn order, `t1`, `t2`, …; the future given to `block_on` is `main`.
//! The kinds, each a grep away:
//!
//! - `spawn`: a task was created, with its name if it was given one
//!   ([`spawn_named`](crate::spawn_named));
//! - `poll`: a poll returned, with its result and how long it ran. A poll's
//!   line is written when the poll *ends*, so what the task did inside it (a
//!   spawn, a new timer, a wake) is listed just above;
//! - `abort`: an aborted task was dropped instead of polled;
//! - `wake`: a waker was called, on the loop's own thread or on another
//!   (named), and whether the task was already queued (then the wake costs
//!   nothing);
//! - `timer`: a timer was added (`new`), fired or removed before firing;
//! - `epoll`: the loop waited for events (`epoll_wait`): its timeout, how
//!   long it really slept and how many events it brought;
//! - `ready`: one of those events: a socket's token and direction.
//!
//! When the variable is unset the trace costs one branch per event: the
//! variable is read once per process, and each loop keeps the answer as an
//! `Option` in its shared state (wakes, spawns, polls) and, for the timer
//! queue and the reactor (`epoll_wait`), which cannot see that state, in
//! one process-wide flag that stays false until a traced loop starts.
//!
//! tokio has no built-in equivalent: it emits `tracing` events, and a
//! separate program (tokio-console) collects and shows them. Ours is plain
//! text, because the point is to read it next to the code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use super::task::{Runnable, TaskId};

/// True once any loop in this process is traced. Until then the timer queue
/// and the reactor skip their trace calls after one load of this flag.
static ACTIVE: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The tracer of the traced loop running on this thread, for the
    /// timer queue and the reactor.
    static CURRENT: RefCell<Option<Arc<Tracer>>> = const { RefCell::new(None) };
}

/// Whether `SPOOL_TRACE` asks for a trace: set, and neither empty nor `0`.
/// Read once per process.
fn requested() -> bool {
    static REQUESTED: OnceLock<bool> = OnceLock::new();
    *REQUESTED.get_or_init(|| {
        std::env::var_os("SPOOL_TRACE").is_some_and(|value| !value.is_empty() && value != "0")
    })
}

/// A tracer for a new loop if `SPOOL_TRACE` asks for one.
pub(crate) fn from_env() -> Option<Arc<Tracer>> {
    requested().then(|| Tracer::new(Sink::Stderr))
}

/// One loop's trace: where lines go, and what they need to be read.
pub(crate) struct Tracer {
    start: Instant,
    sink: Sink,
    /// The thread running the loop, to tell a wake from elsewhere.
    loop_thread: ThreadId,
    /// Spawn order, for the `t1`, `t2`, … a reader can follow.
    spawned: AtomicU64,
    /// Each live task's label, for the lines that only know its slot (a
    /// waker on another thread, say). Removed when the task finishes.
    labels: Mutex<HashMap<(u32, u32), Arc<str>>>,
}

/// Where the lines go: stderr, or a list a test can read.
pub(crate) enum Sink {
    Stderr,
    #[cfg(test)]
    Lines(Mutex<Vec<String>>),
}

impl Tracer {
    pub(crate) fn new(sink: Sink) -> Arc<Tracer> {
        let tracer = Arc::new(Tracer {
            start: Instant::now(),
            sink,
            loop_thread: thread::current().id(),
            spawned: AtomicU64::new(0),
            labels: Mutex::new(HashMap::new()),
        });
        tracer.line("start", "loop", format_args!("on thread {}", thread_name()));
        tracer
    }

    /// Makes this tracer the one the timer queue and the reactor report to,
    /// until the returned guard drops.
    pub(crate) fn enter(self: &Arc<Tracer>) -> impl Drop + use<> {
        struct Leave(Option<Arc<Tracer>>);
        impl Drop for Leave {
            fn drop(&mut self) {
                CURRENT.set(self.0.take());
            }
        }
        ACTIVE.store(true, Ordering::Relaxed);
        Leave(CURRENT.replace(Some(self.clone())))
    }

    /// The lines written so far, for tests.
    #[cfg(test)]
    pub(crate) fn lines(&self) -> Vec<String> {
        match &self.sink {
            Sink::Lines(lines) => lines.lock().unwrap().clone(),
            Sink::Stderr => Vec::new(),
        }
    }

    pub(crate) fn spawn(&self, id: TaskId, name: Option<&str>) {
        let n = self.spawned.fetch_add(1, Ordering::Relaxed) + 1;
        let label: Arc<str> = match name {
            Some(name) => format!("t{n} {name:?}").into(),
            None => format!("t{n}").into(),
        };
        self.labels_lock()
            .insert((id.index, id.generation), label.clone());
        self.line("spawn", &label, format_args!(""));
    }

    pub(crate) fn poll(&self, runnable: Runnable, ready: bool, took: Duration) {
        let result = if ready { "Ready" } else { "Pending" };
        self.line(
            "poll",
            &self.label(runnable),
            format_args!("{result:<8} {}", Millis(took)),
        );
    }

    /// A task has finished, one way or another: its label is no longer needed.
    pub(crate) fn finish(&self, id: TaskId) {
        self.labels_lock().remove(&(id.index, id.generation));
    }

    pub(crate) fn abort(&self, id: TaskId) {
        let label = self.label(Runnable::Task(id));
        self.line("abort", &label, format_args!("dropped without a poll"));
    }

    pub(crate) fn wake(&self, runnable: Runnable, already_queued: bool) {
        let from = if thread::current().id() == self.loop_thread {
            "loop thread".to_string()
        } else {
            format!("thread {}", thread_name())
        };
        let queued = if already_queued {
            ", already queued"
        } else {
            ""
        };
        self.line(
            "wake",
            &self.label(runnable),
            format_args!("from {from}{queued}"),
        );
    }

    /// `epoll_wait` returned after `slept`, with `events` events.
    pub(crate) fn epoll(&self, timeout: Option<Duration>, slept: Duration, events: usize) {
        let timeout = match timeout {
            Some(timeout) => format!("timeout {}", Millis(timeout)),
            None => "no timeout".to_string(),
        };
        let s = if events == 1 { "" } else { "s" };
        self.line(
            "epoll",
            "loop",
            format_args!("slept {}, {timeout}, {events} event{s}", Millis(slept)),
        );
    }

    fn label(&self, runnable: Runnable) -> Arc<str> {
        match runnable {
            Runnable::Main => "main".into(),
            Runnable::Task(id) => match self.labels_lock().get(&(id.index, id.generation)) {
                Some(label) => label.clone(),
                None => format!("slot {} (finished)", id.index).into(),
            },
        }
    }

    fn labels_lock(&self) -> std::sync::MutexGuard<'_, HashMap<(u32, u32), Arc<str>>> {
        self.labels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one line: `spool`, the time since the loop started, the kind,
    /// who it is about, and the details, in columns.
    fn line(&self, kind: &str, who: &str, details: fmt::Arguments<'_>) {
        let elapsed = Millis(self.start.elapsed());
        let line = format!("spool {elapsed:>12} {kind:<5} {who:<10} {details}");
        let line = line.trim_end();
        match &self.sink {
            Sink::Stderr => {
                // One write per line, so lines from several threads never mix.
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            #[cfg(test)]
            Sink::Lines(lines) => lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line.to_string()),
        }
    }
}

/// Runs `f` with the tracer of this thread's loop, if it is traced.
#[inline]
fn with_current(f: impl FnOnce(&Tracer)) {
    if !ACTIVE.load(Ordering::Relaxed) {
        return;
    }
    CURRENT.with(|current| {
        if let Some(tracer) = &*current.borrow() {
            f(tracer);
        }
    });
}

/// A timer was added to the queue; `seq` numbers it in creation order.
#[inline]
pub(crate) fn timer_new(seq: u64, deadline: Instant) {
    with_current(|t| {
        let due = deadline.saturating_duration_since(t.start);
        t.line(
            "timer",
            &format!("#{seq}"),
            format_args!("new, due at {}", Millis(due)),
        );
    });
}

/// A timer fired: its deadline passed and its waker is about to be called.
#[inline]
pub(crate) fn timer_fired(seq: u64) {
    with_current(|t| t.line("timer", &format!("#{seq}"), format_args!("fired")));
}

/// A timer was removed before it fired (its `Sleep` was dropped or reset).
#[inline]
pub(crate) fn timer_removed(seq: u64) {
    with_current(|t| t.line("timer", &format!("#{seq}"), format_args!("removed")));
}

/// The clock before `epoll_wait`, if the loop is traced (no clock read if not).
#[inline]
pub(crate) fn epoll_started() -> Option<Instant> {
    let mut started = None;
    with_current(|_| started = Some(Instant::now()));
    started
}

/// `epoll_wait` returned; `started` came from [`epoll_started`].
#[inline]
pub(crate) fn epoll_returned(started: Option<Instant>, timeout: Option<Duration>, events: usize) {
    if let Some(started) = started {
        with_current(|t| t.epoll(timeout, started.elapsed(), events));
    }
}

/// One readiness event: a socket's token and which of its directions had
/// an edge, or the doorbell, which another thread rang to end the sleep.
#[inline]
pub(crate) fn ready(token: mio::Token, read: bool, write: bool) {
    with_current(|t| {
        if token == super::reactor::DOORBELL {
            return t.line("ready", "doorbell", format_args!("rung by another thread"));
        }
        let directions = match (read, write) {
            (true, true) => "read write",
            (true, false) => "read",
            (false, true) => "write",
            (false, false) => "-",
        };
        t.line(
            "ready",
            &format!("token {}", token.0),
            format_args!("{directions}"),
        );
    });
}

fn thread_name() -> String {
    let current = thread::current();
    match current.name() {
        Some(name) => format!("{name:?}"),
        None => format!("{:?}", current.id()),
    }
}

/// A duration in milliseconds, to the microsecond: `200.117ms`.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.3}ms", self.0.as_secs_f64() * 1000.0);
        f.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};
    use std::time::Duration;

    use crate::event_loop::block_on_traced;
    use crate::time::sleep;

    /// Each line's kind and subject (`"poll t1"`, `"timer #0"`), the
    /// columns that do not depend on timing.
    fn kinds_and_subjects(lines: &[String]) -> Vec<String> {
        lines
            .iter()
            .map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(fields[0], "spool", "{line}");
                assert!(fields[1].ends_with("ms"), "{line}");
                format!("{} {}", fields[2], fields[3])
            })
            .collect()
    }

    fn find<'a>(lines: &'a [String], needle: &str) -> &'a str {
        lines
            .iter()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{}", lines.join("\n")))
    }

    #[test]
    fn a_task_that_sleeps_is_traced_event_by_event() {
        let (output, lines) = block_on_traced(async {
            let child = crate::spawn_named("child", async {
                sleep(Duration::from_millis(10)).await;
                7
            });
            child.await.unwrap()
        });
        assert_eq!(output, 7);
        assert_eq!(
            kinds_and_subjects(&lines),
            [
                "start loop",
                "wake main",  // block_on queues its future
                "spawn t1",   // main spawns the child...
                "wake t1",    // ...which queues it
                "poll main",  // main awaits the handle: Pending
                "timer #0",   // the child's sleep registers its timer
                "poll t1",    // and the child's first poll is Pending
                "epoll loop", // nothing to run: sleep until the timer
                "timer #0",   // fired
                "wake t1",    // by the timer
                "wake main",  // the child finished: its handle wakes main
                "poll t1",    // Ready
                "poll main",  // Ready
            ],
            "{}",
            lines.join("\n")
        );
        assert!(find(&lines, "spawn").ends_with("t1 \"child\""));
        assert!(find(&lines, "poll  main").contains("Pending"));
        assert!(find(&lines, "timer #0").contains("new, due at 10."));
        assert!(lines[8].ends_with("fired"), "{}", lines[8]);
        assert!(lines[11].contains("Ready"), "{}", lines[11]);
        assert!(lines[12].contains("Ready"), "{}", lines[12]);
        assert!(lines[7].contains(", timeout 9.") || lines[7].contains(", timeout 10."));
        assert!(lines[7].ends_with(", 0 events"), "{}", lines[7]);
        assert!(find(&lines, "wake  t1").ends_with("from loop thread"));
    }

    #[test]
    fn a_wake_from_another_thread_names_it_and_rings_the_doorbell() {
        let ((), lines) = block_on_traced(async {
            let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let waker_slot = slot.clone();
            let mut started = false;
            poll_fn(|cx| {
                if started {
                    return Poll::Ready(());
                }
                started = true;
                *waker_slot.lock().unwrap() = Some(cx.waker().clone());
                let slot = slot.clone();
                std::thread::Builder::new()
                    .name("helper".into())
                    .spawn(move || {
                        std::thread::sleep(Duration::from_millis(10));
                        slot.lock().unwrap().take().unwrap().wake();
                    })
                    .unwrap();
                Poll::Pending
            })
            .await;
        });
        let kinds = kinds_and_subjects(&lines);
        let wake = find(&lines, "from thread");
        assert!(wake.contains("main"), "{wake}");
        assert!(wake.ends_with("from thread \"helper\""), "{wake}");
        assert!(find(&lines, "ready doorbell").contains("rung by another thread"));
        assert!(find(&lines, "epoll").ends_with(", no timeout, 1 event"));
        assert_eq!(kinds.last().map(String::as_str), Some("poll main"));
    }

    #[test]
    fn a_socket_event_shows_its_token_and_direction() {
        let ((), lines) = block_on_traced(async {
            let listener = crate::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = listener.local_addr().unwrap();
            let client = crate::spawn_named("client", crate::net::TcpStream::connect(addr));
            let (_server_side, _) = listener.accept().await.unwrap();
            client.await.unwrap().unwrap();
        });
        // The listener is the first socket, token 0: a connection to accept
        // is a read edge.
        let ready = find(&lines, "ready token 0");
        assert!(ready.ends_with("read"), "{ready}");
        assert!(find(&lines, "spawn t1").ends_with("t1 \"client\""));
    }

    #[test]
    fn an_aborted_task_is_dropped_unpolled_and_its_timer_removed() {
        let ((), lines) = block_on_traced(async {
            let sleeper = crate::spawn(sleep(Duration::from_secs(3600)));
            crate::yield_now().await; // the sleeper registers its timer
            sleeper.abort();
            assert!(sleeper.await.unwrap_err().is_cancelled());
        });
        let kinds = kinds_and_subjects(&lines);
        let abort = kinds.iter().position(|k| k == "abort t1").unwrap();
        assert_eq!(kinds[abort + 1], "timer #0", "{}", lines.join("\n"));
        assert!(lines[abort + 1].ends_with("removed"));
        assert!(
            find(&lines, "spawn t1").ends_with("t1"),
            "unnamed: no quotes"
        );
    }

    #[test]
    fn a_wake_of_a_queued_task_says_so() {
        let mut polled = false;
        let ((), lines) = block_on_traced(poll_fn(|cx| {
            if polled {
                return Poll::Ready(());
            }
            polled = true;
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref();
            Poll::Pending
        }));
        let wakes: Vec<_> = lines.iter().filter(|l| l.contains(" wake ")).collect();
        assert_eq!(wakes.len(), 3, "{}", lines.join("\n"));
        assert!(wakes[1].ends_with("from loop thread"));
        assert!(wakes[2].ends_with("from loop thread, already queued"));
    }
}
