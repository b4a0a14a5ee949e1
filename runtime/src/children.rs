//! The futures that [`join_all`](crate::join_all) and
//! [`try_join_all`](crate::try_join_all) drive, each with a waker of its own.
//!
//! A join is one task polling many futures. If every future were handed the
//! task's waker, a wake-up could not say which future it was for, and the
//! join would have to poll all of them: n polls per wake-up, and n² polls
//! for n futures that finish one at a time. So each child gets its own
//! waker, which notes the child's index in a shared list and then wakes the
//! task; the join polls only the children on that list. A wake-up costs the
//! polls it asks for, and a whole join costs about two polls per child.
//! This is the idea behind the `FuturesUnordered` that the futures
//! crate's `join_all` uses for more than a few futures, without its
//! `unsafe` linked list: a `Vec` of
//! indices behind a mutex (wakers may fire from any thread).

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use crate::gather::__join::MaybeDone;

/// The children of one join, in input order.
pub(crate) struct Children<F: Future> {
    /// One slot per child. A finished child's output waits in its slot until
    /// the join hands all outputs out, which keeps them in input order.
    slots: Vec<MaybeDone<Pin<Box<F>>>>,
    /// Child `i`'s waker, made once and cloned by each poll of child `i`.
    wakers: Vec<Waker>,
    woken: Arc<WokenList>,
    /// The indices being polled this time; kept to reuse its allocation.
    batch: Vec<usize>,
    /// How many children have not finished yet.
    running: usize,
}

/// What the children's wakers share with the join.
struct WokenList {
    state: Mutex<Woken>,
}

struct Woken {
    /// Children woken since the join last looked, each once.
    indices: Vec<usize>,
    /// `listed[i]`: child `i` is in `indices`, so another wake adds nothing.
    listed: Vec<bool>,
    /// The waker of the task awaiting the join.
    join: Option<Waker>,
}

/// What a child's [`Waker`] points to.
struct ChildWaker {
    index: usize,
    woken: Arc<WokenList>,
}

impl<F: Future> Children<F> {
    /// Takes the futures; every one is listed as woken, so the first poll
    /// polls them all.
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Children<F> {
        let slots: Vec<_> = futures
            .into_iter()
            .map(|future| MaybeDone::new(Box::pin(future)))
            .collect();
        let n = slots.len();
        let woken = Arc::new(WokenList {
            state: Mutex::new(Woken {
                indices: (0..n).collect(),
                listed: vec![true; n],
                join: None,
            }),
        });
        let wakers = (0..n)
            .map(|index| {
                Waker::from(Arc::new(ChildWaker {
                    index,
                    woken: woken.clone(),
                }))
            })
            .collect();
        Children {
            slots,
            wakers,
            woken,
            batch: Vec::new(),
            running: n,
        }
    }

    // ANCHOR: poll_woken
    /// Polls each child woken since the last call, in input order, with its
    /// own waker. Stops early at the first child that finishes with an
    /// output `stop` rejects, and returns its index.
    pub(crate) fn poll_woken(
        &mut self,
        cx: &mut Context<'_>,
        mut stop: impl FnMut(&F::Output) -> bool,
    ) -> Option<usize> {
        {
            let mut woken = self.woken.lock();
            match &woken.join {
                Some(join) if join.will_wake(cx.waker()) => {}
                _ => woken.join = Some(cx.waker().clone()),
            }
            mem::swap(&mut woken.indices, &mut self.batch);
            for &index in &self.batch {
                woken.listed[index] = false;
            }
        }
        // Input order, so that of two children failing in one wake-up the
        // earlier in the list wins, whatever order they were woken in.
        self.batch.sort_unstable();
        for &index in &self.batch {
            let MaybeDone::Running(future) = &mut self.slots[index] else {
                continue; // a late wake for a child that already finished
            };
            let mut child_cx = Context::from_waker(&self.wakers[index]);
            if let Poll::Ready(output) = future.as_mut().poll(&mut child_cx) {
                self.running -= 1;
                let rejected = stop(&output);
                self.slots[index] = MaybeDone::Done(output);
                if rejected {
                    self.batch.clear();
                    return Some(index);
                }
            }
        }
        self.batch.clear();
        None
    }
    // ANCHOR_END: poll_woken

    /// True once every child has finished.
    pub(crate) fn all_done(&self) -> bool {
        self.running == 0
    }

    /// Child `index`'s output, if it has finished and not been taken.
    pub(crate) fn take(&mut self, index: usize) -> Option<F::Output> {
        self.slots[index].take()
    }

    /// Every output, in input order, once all children have finished.
    pub(crate) fn take_all(&mut self) -> Option<Vec<F::Output>> {
        self.slots.iter_mut().map(MaybeDone::take).collect()
    }

    /// Drops every child, which cancels those still running.
    pub(crate) fn cancel_all(&mut self) {
        self.slots.fill_with(|| MaybeDone::Gone);
        self.running = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn running(&self) -> usize {
        self.running
    }
}

impl WokenList {
    fn lock(&self) -> MutexGuard<'_, Woken> {
        // Only index bookkeeping runs under this lock; a panic elsewhere
        // cannot leave it half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let join = {
            let mut woken = self.woken.lock();
            if woken.listed[self.index] {
                return; // already listed; the join has been woken for it
            }
            woken.listed[self.index] = true;
            woken.indices.push(self.index);
            woken.join.clone()
        };
        // Wake outside the lock: a waker is foreign code.
        if let Some(join) = join {
            join.wake();
        }
    }
}
