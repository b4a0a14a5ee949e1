//! Exercise solution ("Growing an executor", exercise 1): the step-3
//! executor, with one waker per task and a `queued` flag so that a task is
//! in the run queue at most once.
//!
//! In `executor_queue`, every wake pushes the task's number, so a task woken
//! ten times between two polls is polled ten more times, nine of them for
//! nothing. Here the waker lives as long as the task and carries an
//! `AtomicBool`: a wake queues the task only if the flag was clear, and the
//! executor clears it just *before* polling, so a wake that arrives during
//! the poll (a future waking itself, like `yield_now`) still queues it
//! again. That is spool's `TaskWaker`, minus the generation counter.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Wake, Waker};

#[derive(Default)]
struct RunQueue {
    ready: Mutex<VecDeque<usize>>,
    doorbell: Condvar,
}

// ANCHOR: task_waker
struct TaskWaker {
    task: usize,
    /// True while the task is in the run queue; spares duplicate entries.
    queued: AtomicBool,
    queue: Arc<RunQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.queue.ready.lock().unwrap().push_back(self.task);
            self.queue.doorbell.notify_one();
        }
    }
}
// ANCHOR_END: task_waker

struct Task {
    future: Pin<Box<dyn Future<Output = ()>>>,
    waker: Arc<TaskWaker>,
}

/// A run-queue executor whose tasks are queued at most once at a time.
#[derive(Default)]
pub struct Executor {
    tasks: Vec<Option<Task>>,
    queue: Arc<RunQueue>,
}

impl Executor {
    /// Adds a task; it is polled for the first time by [`run`](Self::run).
    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        let waker = Arc::new(TaskWaker {
            task: self.tasks.len(),
            queued: AtomicBool::new(false),
            queue: self.queue.clone(),
        });
        waker.wake_by_ref();
        self.tasks.push(Some(Task {
            future: Box::pin(future),
            waker,
        }));
    }

    /// Runs until every task has finished; returns the number of polls.
    pub fn run(&mut self) -> u64 {
        let mut live = self.tasks.iter().filter(|t| t.is_some()).count();
        let mut polls = 0;
        while live > 0 {
            let id = self.next_woken();
            let Some(task) = self.tasks[id].as_mut() else {
                continue;
            };
            // Cleared before the poll: a wake during the poll queues again.
            task.waker.queued.store(false, Ordering::Release);
            let waker = Waker::from(task.waker.clone());
            polls += 1;
            if task
                .future
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                self.tasks[id] = None;
                live -= 1;
            }
        }
        polls
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::task::Poll;

    /// Wakes its own task `n` times in its first poll, then is ready.
    async fn wake_self(n: usize) {
        let mut first = true;
        poll_fn(|cx| {
            if !first {
                return Poll::Ready(());
            }
            first = false;
            for _ in 0..n {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
        .await
    }

    #[test]
    fn ten_wakes_between_polls_queue_the_task_once() {
        let mut executor = Executor::default();
        executor.spawn(async {
            wake_self(10).await;
            // Keeps the task alive, so extra queue entries would be polled.
            crate::Delay::new(std::time::Duration::from_millis(50)).await;
        });
        // The first poll, one for the ten wakes, one for the timer. Without
        // the flag the ten wakes queue ten polls: 12 in all.
        assert_eq!(executor.run(), 3);
    }

    #[test]
    fn a_wake_during_the_poll_still_counts() {
        let mut executor = Executor::default();
        executor.spawn(crate::countdown::Countdown::new(3));
        assert_eq!(executor.run(), 4);
    }

    #[test]
    fn wakes_from_other_threads_reach_a_sleeping_executor() {
        let mut executor = Executor::default();
        for _ in 0..3 {
            executor.spawn(crate::Delay::new(std::time::Duration::from_millis(20)));
        }
        assert_eq!(executor.run(), 6);
    }
}
