//! Exercise solution ("Tasks and wakers", exercise 1): a `TaskGroup` in
//! the spirit of Python 3.11's `asyncio.TaskGroup`.
//!
//! Spawned tasks that fail on their own are easy to lose: nobody awaits a
//! detached handle, and its `Err` goes with it. A group owns the handles of
//! the tasks it started, so `join` sees every outcome. The first failure,
//! in time, ends the wait, and the tasks still running are aborted: dropping
//! a `JoinHandle` only detaches a task, so the group has to say `abort`
//! explicitly.

use std::fmt;
use std::future::Future;

use spool::{JoinError, JoinHandle};

// ANCHOR: task_group
/// Tasks that stand or fall together.
pub struct TaskGroup<T, E> {
    handles: Vec<JoinHandle<Result<T, E>>>,
}

/// Why a [`TaskGroup`] failed.
#[derive(Debug)]
pub enum GroupError<E> {
    /// A task returned this error.
    Failed(E),
    /// A task panicked (or was aborted from outside the group).
    Crashed(JoinError),
}

impl<T: 'static, E: 'static> TaskGroup<T, E> {
    /// An empty group.
    pub fn new() -> TaskGroup<T, E> {
        TaskGroup {
            handles: Vec::new(),
        }
    }

    /// Starts `task` on the current loop as a member of the group.
    pub fn spawn(&mut self, task: impl Future<Output = Result<T, E>> + 'static) {
        self.handles.push(spool::spawn(task));
    }

    /// Waits for every task. The outputs come in spawn order; the first
    /// failure aborts the tasks still running and is returned instead.
    pub async fn join(mut self) -> Result<Vec<T>, GroupError<E>> {
        let outcomes = self.handles.iter_mut().map(|handle| async move {
            match handle.await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(error)) => Err(GroupError::Failed(error)),
                Err(join_error) => Err(GroupError::Crashed(join_error)),
            }
        });
        let result = spool::try_join_all(outcomes).await;
        if result.is_err() {
            for handle in &self.handles {
                handle.abort();
            }
        }
        result
    }
}
// ANCHOR_END: task_group

impl<T: 'static, E: 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(error) => write!(f, "a task in the group failed: {error}"),
            GroupError::Crashed(error) => write!(f, "a task in the group crashed: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    use spool::time::sleep;

    /// Sets its flag when dropped: shows that a task was stopped.
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }

    #[test]
    fn outputs_come_in_spawn_order() {
        let out = spool::block_on(async {
            let mut group = TaskGroup::<u64, String>::new();
            for ms in [30, 10, 20] {
                group.spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    Ok(ms)
                });
            }
            group.join().await.unwrap()
        });
        assert_eq!(out, [30, 10, 20]);
    }

    #[test]
    fn the_first_failure_stops_the_others() {
        spool::block_on(async {
            let stopped = Rc::new(Cell::new(false));
            let start = Instant::now();
            let mut group = TaskGroup::<(), String>::new();
            let flag = Flag(stopped.clone());
            group.spawn(async move {
                let _flag = flag;
                sleep(Duration::from_secs(10)).await;
                Ok(())
            });
            group.spawn(async {
                sleep(Duration::from_millis(20)).await;
                Err("disk full".to_string())
            });
            let error = group.join().await.unwrap_err();
            assert_eq!(error.to_string(), "a task in the group failed: disk full");
            assert!(start.elapsed() < Duration::from_secs(5));
            // The abort takes effect when the loop next reaches the task.
            sleep(Duration::from_millis(10)).await;
            // Checked here: once `block_on` returns, it drops every task.
            assert!(stopped.get(), "the long task was left running");
        });
    }

    #[test]
    fn a_panic_is_reported_as_a_crash() {
        let error = spool::block_on(async {
            let mut group = TaskGroup::<(), String>::new();
            group.spawn(async { panic!("bug in task") });
            group.join().await.unwrap_err()
        });
        assert!(matches!(error, GroupError::Crashed(ref e) if e.is_panic()));
    }
}
