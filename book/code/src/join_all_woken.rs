//! Exercise solution ("Running things together", exercise 1): a `join_all`
//! that polls only the children that were woken.
//!
//! Each child gets a waker of its own. Waking it records the child's index
//! in a shared list (once, thanks to a flag, like the loop's `queued` flag)
//! and then wakes the task that awaits the join. The join's `poll` drains
//! the list and polls just those children, so one wake costs one child poll
//! instead of one per unfinished child. This is the idea of `futures`'
//! `FuturesUnordered`, in safe code and without its ready-to-run linked
//! list.

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

// ANCHOR: join_all_woken
/// Like `spool::join_all`, but a wake-up polls only the woken children.
pub fn join_all_woken<F: Future>(futures: impl IntoIterator<Item = F>) -> JoinAllWoken<F> {
    let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let woken = Arc::new(Woken {
        // Every child needs a first poll.
        list: Mutex::new(WokenList {
            indices: (0..futures.len()).collect(),
            parent: None,
        }),
    });
    let children = futures
        .into_iter()
        .enumerate()
        .map(|(index, future)| {
            let waker = Arc::new(ChildWaker {
                index,
                queued: AtomicBool::new(true),
                woken: woken.clone(),
            });
            Child {
                future: Some(future),
                output: None,
                waker,
            }
        })
        .collect();
    JoinAllWoken { children, woken }
}

/// The future returned by [`join_all_woken`].
pub struct JoinAllWoken<F: Future> {
    children: Vec<Child<F>>,
    woken: Arc<Woken>,
}

struct Child<F: Future> {
    /// `None` once the child has finished.
    future: Option<Pin<Box<F>>>,
    output: Option<F::Output>,
    waker: Arc<ChildWaker>,
}

/// What every child's waker shares with the join.
struct Woken {
    list: Mutex<WokenList>,
}

struct WokenList {
    /// Children woken since the join's last poll.
    indices: Vec<usize>,
    /// The waker of the task awaiting the join.
    parent: Option<Waker>,
}

struct ChildWaker {
    index: usize,
    /// Set while `index` is in the list, so ten wakes list it once.
    queued: AtomicBool,
    woken: Arc<Woken>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut list = self.woken.lock();
        list.indices.push(self.index);
        let parent = list.parent.clone();
        drop(list);
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl Woken {
    fn lock(&self) -> std::sync::MutexGuard<'_, WokenList> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// The children are boxed, so moving the join never moves a pinned future.
impl<F: Future> Unpin for JoinAllWoken<F> {}

impl<F: Future> Future for JoinAllWoken<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Store our waker before draining: a child woken from another
        // thread right after the drain then finds it.
        let woken = {
            let mut list = this.woken.lock();
            match &list.parent {
                Some(parent) if parent.will_wake(cx.waker()) => {}
                _ => list.parent = Some(cx.waker().clone()),
            }
            mem::take(&mut list.indices)
        };
        for index in woken {
            let child = &mut this.children[index];
            child.waker.queued.store(false, Ordering::Release);
            let Some(future) = child.future.as_mut() else {
                continue; // a late wake for a finished child
            };
            let waker = Waker::from(child.waker.clone());
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
                child.output = Some(output);
                child.future = None;
            }
        }
        if this.children.iter().any(|child| child.future.is_some()) {
            return Poll::Pending;
        }
        let outputs = this
            .children
            .iter_mut()
            .map(|child| child.output.take().expect("polled after completion"))
            .collect();
        Poll::Ready(outputs)
    }
}
// ANCHOR_END: join_all_woken

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    /// A future that is ready once its gate is opened, counting its polls.
    struct Gate {
        state: Arc<Mutex<(bool, Option<Waker>)>>,
        polls: Rc<Cell<u32>>,
    }

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            let mut state = self.state.lock().unwrap();
            if state.0 {
                return Poll::Ready(());
            }
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    fn open(gate: &Arc<Mutex<(bool, Option<Waker>)>>) {
        let waker = {
            let mut state = gate.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        waker.expect("the child was polled").wake();
    }

    #[test]
    fn one_wake_polls_one_child() {
        let polls = Rc::new(Cell::new(0));
        let gates: Vec<_> = (0..100)
            .map(|_| Arc::new(Mutex::new((false, None))))
            .collect();
        let children = gates.iter().map(|state| Gate {
            state: state.clone(),
            polls: polls.clone(),
        });
        let mut join = join_all_woken(children);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut join).poll(&mut cx).is_pending());
        assert_eq!(polls.get(), 100, "every child is polled once to start");
        for gate in &gates {
            open(gate);
            let _ = Pin::new(&mut join).poll(&mut cx);
        }
        // Polling every unfinished child per wake would take 100 + 5050.
        assert_eq!(polls.get(), 200);
    }

    #[test]
    fn outputs_come_in_input_order_on_spool() {
        let out = spool::block_on(join_all_woken([30u64, 10, 20].map(|ms| async move {
            spool::time::sleep(Duration::from_millis(ms)).await;
            ms
        })));
        assert_eq!(out, [30, 10, 20]);
    }

    #[test]
    fn an_empty_join_is_ready_at_once() {
        let out: Vec<()> = spool::block_on(join_all_woken(Vec::<std::future::Ready<()>>::new()));
        assert!(out.is_empty());
    }
}
