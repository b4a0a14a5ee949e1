//! The table of live tasks, owned by the loop's thread.
//!
//! A slab: a vector of slots plus a list of free ones, so spawning and
//! finishing a task cost no search and no hashing. Each slot has a
//! generation counter that goes up when the slot is freed; a [`TaskId`]
//! records both, so a late wake for a task that has finished finds a
//! different generation and is ignored instead of running a stranger.
//!
//! A slot also keeps the waker of the task that last finished in it, so the
//! next task stored there can reuse that allocation (when nobody else still
//! holds a clone). tokio gets the same saving differently: its waker points
//! into the task's one allocation, which needs `unsafe`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Waker;

use super::join_handle::Completion;
use super::task::{Runnable, TaskId, TaskWaker};

/// A spawned future and what the loop needs to drive it.
pub(crate) struct Task {
    pub(crate) future: Pin<Box<dyn Future<Output = ()>>>,
    /// The loop's handle on the task's waker: it clears the queued flag
    /// before each poll, and goes to the slot's spare when the task ends.
    pub(crate) waker: Arc<TaskWaker>,
    /// The same waker as std's type, made once at spawn: every poll lends
    /// it to the future by reference, so a poll that does not keep the
    /// waker costs no reference count.
    pub(crate) std_waker: Waker,
    /// The task's side of its `JoinHandle`: asks whether the task was
    /// aborted, and receives a panic or cancellation as its result.
    pub(crate) completion: Arc<dyn Completion>,
}

struct Slot {
    generation: u32,
    task: Option<Task>,
    /// The finished task's waker, kept for the next task in this slot.
    spare_waker: Option<Arc<TaskWaker>>,
}

#[derive(Default)]
pub(crate) struct TaskTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl TaskTable {
    /// The id the next task stored will have, and the waker a finished
    /// task left in that slot, renamed for the new id when nobody else
    /// still holds it. [`fill`](TaskTable::fill) stores the task.
    ///
    /// Two steps rather than one call taking the task: the task's wrapper
    /// future needs the id (through its join cell's waker), and building
    /// it here, in the caller's frame, moves the caller's future into its
    /// box once instead of through a chain of closures.
    pub(crate) fn vacancy(&mut self) -> (TaskId, Option<Arc<TaskWaker>>) {
        let index = match self.free.last() {
            Some(&index) => index as usize,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    task: None,
                    spare_waker: None,
                });
                self.free.push((self.slots.len() - 1) as u32);
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        let id = TaskId {
            index: index as u32,
            generation: slot.generation,
        };
        let spare = slot
            .spare_waker
            .take()
            .and_then(|waker| TaskWaker::recycle(waker, Runnable::Task(id)));
        (id, spare)
    }

    /// Stores `task` under the id [`vacancy`](TaskTable::vacancy) gave.
    pub(crate) fn fill(&mut self, id: TaskId, task: Task) {
        let index = self.free.pop();
        debug_assert_eq!(index, Some(id.index), "fill without a vacancy");
        self.slots[id.index as usize].task = Some(task);
    }

    /// Takes a task out to poll it. `None` means the id is stale: the task
    /// finished (or was aborted) after this wake was queued.
    pub(crate) fn take(&mut self, id: TaskId) -> Option<Task> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.task.take()
    }

    /// Puts a task back after a poll that returned `Pending`.
    pub(crate) fn put_back(&mut self, id: TaskId, task: Task) {
        self.slots[id.index as usize].task = Some(task);
    }

    /// Frees the slot of a task that has finished, keeping its waker for the
    /// slot's next task.
    pub(crate) fn release(&mut self, id: TaskId, waker: Arc<TaskWaker>) {
        let slot = &mut self.slots[id.index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        slot.spare_waker = Some(waker);
        self.free.push(id.index);
    }

    /// How many tasks are alive, counting one taken out to be polled.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Removes every task, for `block_on` to drop them once it returns.
    pub(crate) fn drain(&mut self) -> Vec<Task> {
        self.free.clear();
        self.slots.drain(..).filter_map(|slot| slot.task).collect()
    }
}
