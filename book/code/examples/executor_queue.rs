//! `executor_queue`: step 3 of growing an executor, and the first that
//! deserves the name. Wakers that mean something.
//!
//! Each task gets a waker that knows the task's number and a shared run
//! queue. Calling it pushes the number onto the queue and rings a doorbell
//! (a `Condvar`). The executor pops a number, polls that task, and when the
//! queue is empty it sleeps on the doorbell, using no CPU until a wake
//! arrives. A task is polled once when spawned and then only when it has
//! been woken.
//!
//! The wakers are built with `std::task::Wake`: implement `wake` for an
//! `Arc<TaskWaker>`, and `Waker::from` does the rest, no `unsafe`. Wakers
//! must be `Send + Sync` because the [`Delay`]'s alarm thread calls them, so
//! the queue is behind a `Mutex` and shared through an `Arc`.
//!
//! Three tasks each await two 50 ms delays. The program exits non-zero
//! unless that took exactly nine polls (three per task) and finished close to
//! 100 ms.
//!
//! Run it with `cargo run -p spool-book --example executor_queue`.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use spool_book::Delay;

// ANCHOR: waker
/// The run queue: numbers of tasks that asked to be polled, and a doorbell
/// to wake the executor when it sleeps on an empty queue.
#[derive(Default)]
struct RunQueue {
    ready: Mutex<VecDeque<usize>>,
    doorbell: Condvar,
}

/// What a task's waker holds: which task, and where to queue it.
struct TaskWaker {
    task: usize,
    queue: Arc<RunQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.ready.lock().unwrap().push_back(self.task);
        self.queue.doorbell.notify_one();
    }
}
// ANCHOR_END: waker

// ANCHOR: executor
/// Tasks by number; `None` once finished.
struct Executor {
    tasks: Vec<Option<Pin<Box<dyn Future<Output = ()>>>>>,
    queue: Arc<RunQueue>,
}

impl Executor {
    fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        let task = self.tasks.len();
        self.tasks.push(Some(Box::pin(future)));
        self.queue.ready.lock().unwrap().push_back(task); // first poll
    }

    /// Runs until every task has finished; returns the number of polls.
    fn run(&mut self) -> u64 {
        let mut live = self.tasks.iter().filter(|t| t.is_some()).count();
        let mut polls = 0;
        while live > 0 {
            let task = self.next_woken();
            // A wake may arrive for a task that has finished since.
            let Some(future) = self.tasks[task].as_mut() else {
                continue;
            };
            let waker = Waker::from(Arc::new(TaskWaker {
                task,
                queue: self.queue.clone(),
            }));
            polls += 1;
            if future
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                self.tasks[task] = None;
                live -= 1;
            }
        }
        polls
    }

    /// Pops the next woken task, sleeping until there is one.
    fn next_woken(&self) -> usize {
        let mut ready = self.queue.ready.lock().unwrap();
        loop {
            if let Some(task) = ready.pop_front() {
                return task;
            }
            ready = self.queue.doorbell.wait(ready).unwrap();
        }
    }
}
// ANCHOR_END: executor

fn main() {
    // ANCHOR: main
    let mut executor = Executor {
        tasks: Vec::new(),
        queue: Arc::default(),
    };
    let started = Instant::now();
    for _ in 0..3 {
        executor.spawn(async {
            Delay::new(Duration::from_millis(50)).await;
            Delay::new(Duration::from_millis(50)).await;
        });
    }
    let polls = executor.run();
    let elapsed = started.elapsed();
    println!(
        "three tasks, two 50 ms delays each: done after {} ms and {polls} polls",
        elapsed.as_millis()
    );
    // ANCHOR_END: main
    assert_eq!(polls, 9, "each task: one first poll, one per delay");
    assert!(elapsed >= Duration::from_millis(100));
    assert!(
        elapsed < Duration::from_millis(400),
        "took {elapsed:?}: the tasks did not overlap, or wakes were missed"
    );
}
