//! [`Queue`]: asyncio's producer/consumer queue, with backpressure.
//!
//! Producers [`put`](Queue::put) items, consumers [`get`](Queue::get) them in
//! the same order. A bounded queue makes a fast producer wait for slow
//! consumers instead of buffering without limit. [`task_done`](Queue::task_done)
//! and [`join`](Queue::join) let the producer wait until every item has been
//! *processed*, not just taken.
//!
//! Getters and putters each stand in a [`WaiterList`], and a notified waiter
//! has been *promised* something: a getter an item that is already in the
//! buffer, a putter a free slot. Those promises are simply counted, by the
//! lists themselves, and subtracted from what everyone else may take:
//!
//! - an item is free for a newcomer only if `items.len() > getters.notified()`;
//! - a slot is free only if `items.len() + putters.notified() < maxsize`.
//!
//! So a woken getter never finds its item stolen by a `try_get` that ran
//! first, and a getter that is dropped before collecting simply stops
//! counting, which frees the item for the next in line (its `Drop` notifies
//! that one). Putters work the same way with slots. Promises are counted, not
//! labelled: two woken getters take items from the front in the order they
//! run, which on spool is the order they were woken.
//!
//! asyncio lets a woken getter lose the item to `get_nowait` and re-queue at
//! the back; tokio offers no such queue at all but an `mpsc` channel split
//! into sender and receiver halves that closes when all senders are gone.
//! This one keeps asyncio's single shared object with an explicit
//! [`close`](Queue::close), which asyncio 3.13 calls `shutdown`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};

use super::lock;
use super::waiters::{Place, WaiterList};

/// A first-in, first-out queue shared by producer and consumer tasks, like
/// `asyncio.Queue`.
///
/// `Queue<T>` is `Send + Sync` when `T: Send`. Share it between tasks with an
/// `Rc` or `Arc`, or a `static`, since [`new`](Queue::new) is `const`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use spool::sync::Queue;
///
/// spool::block_on(async {
///     let queue = Rc::new(Queue::new(2));
///     let consumer = spool::spawn({
///         let queue = queue.clone();
///         async move {
///             let mut total = 0;
///             while let Some(n) = queue.get().await {
///                 total += n;
///                 queue.task_done().unwrap();
///             }
///             total
///         }
///     });
///     for n in 1..=10 {
///         queue.put(n).await.unwrap(); // waits while two items are unread
///     }
///     queue.join().await; // every item has been processed
///     queue.close(); // lets the consumer's loop end
///     assert_eq!(consumer.await.unwrap(), 55);
/// });
/// ```
#[derive(Debug)]
pub struct Queue<T> {
    /// Most items the buffer may hold; 0 means no limit, as in asyncio.
    maxsize: usize,
    state: Mutex<State<T>>,
}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    /// Getters waiting for an item. Each notified one owns one of `items`.
    getters: WaiterList,
    /// Putters waiting for room. Each notified one owns a free slot.
    putters: WaiterList,
    /// [`Queue::join`] futures waiting for `unfinished` to reach zero.
    joiners: WaiterList,
    /// Items put and not yet marked [`Queue::task_done`].
    unfinished: usize,
    /// Set by [`Queue::close`]; never cleared.
    closed: bool,
}

impl<T> State<T> {
    /// Whether a newcomer may take an item: one is in the buffer that no
    /// woken getter has been promised.
    fn has_free_item(&self) -> bool {
        self.items.len() > self.getters.notified()
    }

    fn has_free_slot(&self, maxsize: usize) -> bool {
        maxsize == 0 || self.items.len() + self.putters.notified() < maxsize
    }

    /// Appends an item and promises it to the first getter still waiting for
    /// one, returning that getter's waker.
    fn push(&mut self, item: T) -> Option<Waker> {
        self.items.push_back(item);
        self.unfinished += 1;
        self.getters.notify_one()
    }

    /// Takes the front item and promises the slot it frees to the first
    /// putter still waiting for one, returning that putter's waker.
    fn pop(&mut self) -> (Option<T>, Option<Waker>) {
        let item = self.items.pop_front();
        let putter = match item {
            Some(_) => self.putters.notify_one(),
            None => None,
        };
        (item, putter)
    }
}

impl<T> Queue<T> {
    /// Creates a queue holding at most `maxsize` items; 0 means unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::Queue;
    ///
    /// static JOBS: Queue<String> = Queue::new(100);
    /// assert!(JOBS.is_empty());
    /// ```
    pub const fn new(maxsize: usize) -> Queue<T> {
        Queue {
            maxsize,
            state: Mutex::new(State {
                items: VecDeque::new(),
                getters: WaiterList::new(),
                putters: WaiterList::new(),
                joiners: WaiterList::new(),
                unfinished: 0,
                closed: false,
            }),
        }
    }

    /// Adds an item at the back, waiting while the queue is full.
    ///
    /// Putters get room in the order they started waiting. If the queue is
    /// closed before the item goes in, the item comes back in [`Closed`].
    /// Dropping the future drops the item with it; it never entered the
    /// queue.
    pub fn put(&self, item: T) -> Put<'_, T> {
        Put {
            queue: self,
            item: Some(item),
            place: Place::new(),
        }
    }

    /// Takes the item at the front, waiting while the queue is empty.
    ///
    /// Returns `None` once the queue is closed and every item has been
    /// taken. Getters are served in the order they started waiting; dropping
    /// the future gives up its place, and an item it had been promised goes to
    /// the next getter.
    pub fn get(&self) -> Get<'_, T> {
        Get {
            queue: self,
            place: Place::new(),
        }
    }

    /// Adds an item if there is room right now.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::{Queue, TryPutError};
    ///
    /// let queue = Queue::new(1);
    /// queue.try_put("a").unwrap();
    /// assert_eq!(queue.try_put("b"), Err(TryPutError::Full("b")));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut state = self.lock();
        if state.closed {
            return Err(TryPutError::Closed(item));
        }
        if !state.has_free_slot(self.maxsize) {
            return Err(TryPutError::Full(item));
        }
        let getter = state.push(item);
        drop(state);
        wake(getter);
        Ok(())
    }

    /// Takes the front item if one is free right now.
    ///
    /// An item that was just put while a getter was waiting is not free: it
    /// already belongs to that getter, even if the getter has not run yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::{Queue, TryGetError};
    ///
    /// let queue = Queue::new(0);
    /// queue.try_put(1).unwrap();
    /// assert_eq!(queue.try_get(), Ok(1));
    /// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    /// queue.close();
    /// assert_eq!(queue.try_get(), Err(TryGetError::Closed));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        let mut state = self.lock();
        if !state.closed && !state.has_free_item() {
            return Err(TryGetError::Empty);
        }
        let (item, putter) = state.pop();
        drop(state);
        wake(putter);
        item.ok_or(TryGetError::Closed)
    }

    /// The number of items in the queue, including any promised to woken
    /// getters that have not run yet.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether the queue holds no items.
    pub fn is_empty(&self) -> bool {
        self.lock().items.is_empty()
    }

    /// Marks one item taken from the queue as fully processed.
    ///
    /// When every item ever put has been marked, [`join`](Queue::join)
    /// returns. Marking more items than were put is an error, as in asyncio.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::Queue;
    ///
    /// let queue = Queue::new(0);
    /// queue.try_put(1).unwrap();
    /// let _ = queue.try_get();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err());
    /// ```
    // ANCHOR: task_done
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.lock();
        state.unfinished = state.unfinished.checked_sub(1).ok_or(TaskDoneError(()))?;
        let joiners = match state.unfinished {
            0 => state.joiners.notify_all(),
            _ => Vec::new(),
        };
        drop(state);
        for waker in joiners {
            waker.wake();
        }
        Ok(())
    }
    // ANCHOR_END: task_done

    /// Waits until every item put so far has been marked
    /// [`task_done`](Queue::task_done).
    ///
    /// Like asyncio's, a `join` that saw the count reach zero returns even if
    /// more items were put before it got to run. Closing the queue does not
    /// end a `join`: closing stops new items, it does not process old ones.
    pub fn join(&self) -> Join<'_, T> {
        Join {
            queue: self,
            place: Place::new(),
        }
    }

    /// Closes the queue and wakes every waiting getter and putter.
    ///
    /// Putters still waiting, and every later put, fail with the item handed
    /// back. Getters keep receiving the items already in the queue, then
    /// `None`.
    pub fn close(&self) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        state.closed = true;
        let mut wakers = state.getters.notify_all();
        wakers.extend(state.putters.notify_all());
        drop(state);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether [`close`](Queue::close) has been called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        lock(&self.state)
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The future returned by [`Queue::put`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Put<'a, T> {
    queue: &'a Queue<T>,
    /// `None` once the item has gone into the queue or back to the caller.
    item: Option<T>,
    place: Place,
}

// `Put` never hands out a pinned reference to `item`; it only moves it. So
// pinning a `Put` need not pin the item, whatever `T` is.
impl<T> Unpin for Put<'_, T> {}

// ANCHOR: put
impl<T> Future for Put<'_, T> {
    type Output = Result<(), Closed<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(crate::event_loop::coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = this.queue.lock();
        if state.closed {
            this.place.leave(&mut state.putters);
            let item = this.item.take().expect("`Put` polled after completion");
            return Poll::Ready(Err(Closed(item)));
        }
        let free = state.has_free_slot(this.queue.maxsize);
        ready!(this.place.poll(&mut state.putters, free, cx.waker()));
        let item = this.item.take().expect("`Put` polled after completion");
        let getter = state.push(item);
        drop(state);
        wake(getter);
        Poll::Ready(Ok(()))
    }
}
// ANCHOR_END: put

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        // The slot promised to us is free again; promise it onward.
        self.place.cancel(
            &self.queue.state,
            |state| &mut state.putters,
            |state| match state.closed {
                true => None,
                false => state.putters.notify_one(),
            },
        );
    }
}

/// The future returned by [`Queue::get`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Get<'a, T> {
    queue: &'a Queue<T>,
    place: Place,
}

// ANCHOR: get
impl<T> Future for Get<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(crate::event_loop::coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = this.queue.lock();
        if state.closed {
            // Once closed, promises no longer matter: everyone drains what is
            // left, and finds `None` when it is gone.
            this.place.leave(&mut state.getters);
        } else {
            let free = state.has_free_item();
            ready!(this.place.poll(&mut state.getters, free, cx.waker()));
        }
        let (item, putter) = state.pop();
        drop(state);
        wake(putter);
        Poll::Ready(item)
    }
}
// ANCHOR_END: get

// ANCHOR: get_drop
impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        // The item promised to us is free again; promise it onward.
        self.place.cancel(
            &self.queue.state,
            |state| &mut state.getters,
            |state| match state.closed {
                true => None,
                false => state.getters.notify_one(),
            },
        );
    }
}
// ANCHOR_END: get_drop

/// The future returned by [`Queue::join`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Join<'a, T> {
    queue: &'a Queue<T>,
    place: Place,
}

impl<T> Future for Join<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.queue.lock();
        let free = state.unfinished == 0;
        ready!(this.place.poll(&mut state.joiners, free, cx.waker()));
        Poll::Ready(())
    }
}

impl<T> Drop for Join<'_, T> {
    fn drop(&mut self) {
        // Every joiner is woken at once, so there is no promise to pass on.
        self.place
            .cancel(&self.queue.state, |state| &mut state.joiners, |_| None);
    }
}

/// The queue was closed; returned by [`Queue::put`] with the item that did
/// not go in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<T> Closed<T> {
    /// The item that could not be put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

// Written by hand so the error is `Debug` (and so an `Error`) whatever `T`
// is; the item is rarely what a log line needs.
impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is closed")
    }
}

impl<T> std::error::Error for Closed<T> {}

/// Why [`Queue::try_put`] did not add the item, which it hands back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue is at its `maxsize`.
    Full(T),
    /// The queue was closed.
    Closed(T),
}

impl<T> TryPutError<T> {
    /// The item that could not be put.
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::Closed(item) => item,
        }
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("queue is full"),
            TryPutError::Closed(_) => f.write_str("queue is closed"),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// Why [`Queue::try_get`] returned no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryGetError {
    /// No item is free right now.
    Empty,
    /// The queue is closed and has no items left.
    Closed,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("queue is empty"),
            TryGetError::Closed => f.write_str("queue is closed and drained"),
        }
    }
}

impl std::error::Error for TryGetError {}

/// [`Queue::task_done`] was called more times than items were put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError(());

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were put")
    }
}

impl std::error::Error for TaskDoneError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Probe;

    fn assert_send_sync<T: Send + Sync>() {}

    fn drain<T>(queue: &Queue<T>) -> Vec<T> {
        std::iter::from_fn(|| queue.try_get().ok()).collect()
    }

    #[test]
    fn queue_and_its_futures_are_send_and_sync_when_items_are_send() {
        assert_send_sync::<Queue<String>>();
        assert_send_sync::<Put<'static, String>>();
        assert_send_sync::<Get<'static, String>>();
        assert_send_sync::<Join<'static, String>>();
    }

    #[test]
    fn items_come_out_in_the_order_they_went_in() {
        let queue = Queue::new(0);
        for n in 0..5 {
            queue.try_put(n).unwrap();
        }
        assert_eq!(queue.len(), 5);
        assert_eq!(Probe::new(queue.get()).ready(), Some(0));
        assert_eq!(drain(&queue), [1, 2, 3, 4]);
        assert!(queue.is_empty());
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    }

    #[test]
    fn an_unbounded_queue_never_makes_put_wait() {
        let queue = Queue::new(0);
        for n in 0..10_000 {
            assert_eq!(Probe::new(queue.put(n)).ready(), Ok(()));
        }
        assert_eq!(queue.len(), 10_000);
    }

    #[test]
    fn put_waits_while_the_queue_is_full() {
        let queue = Queue::new(2);
        queue.try_put('a').unwrap();
        queue.try_put('b').unwrap();
        assert_eq!(queue.try_put('x'), Err(TryPutError::Full('x')));
        let mut put = Probe::new(queue.put('c'));
        assert!(put.poll().is_pending());
        assert_eq!(queue.len(), 2);

        assert_eq!(queue.try_get(), Ok('a'));
        assert_eq!(put.wakes(), 1);
        assert_eq!(put.ready(), Ok(()));
        assert_eq!(drain(&queue), ['b', 'c']);
    }

    #[test]
    fn get_waits_for_a_put_and_receives_its_item() {
        let queue = Queue::new(0);
        let mut get = Probe::new(queue.get());
        assert!(get.poll().is_pending());
        assert!(get.poll().is_pending());
        assert_eq!(get.wakes(), 0);

        queue.try_put("hello").unwrap();
        assert_eq!(get.wakes(), 1);
        assert_eq!(get.ready(), Some("hello"));
    }

    #[test]
    fn waiting_getters_are_served_in_arrival_order() {
        let queue = Queue::new(0);
        let mut first = Probe::new(queue.get());
        let mut second = Probe::new(queue.get());
        assert!(first.poll().is_pending());
        assert!(second.poll().is_pending());

        queue.try_put(1).unwrap();
        assert_eq!(first.wakes(), 1);
        assert_eq!(second.wakes(), 0);
        assert!(second.poll().is_pending(), "the item is promised to first");
        queue.try_put(2).unwrap();
        assert_eq!(second.wakes(), 1);
        assert_eq!(first.ready(), Some(1));
        assert_eq!(second.ready(), Some(2));
    }

    #[test]
    fn an_item_promised_to_a_getter_cannot_be_taken_by_a_newcomer() {
        let queue = Queue::new(0);
        let mut waiting = Probe::new(queue.get());
        assert!(waiting.poll().is_pending());

        queue.try_put(7).unwrap();
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
        let mut newcomer = Probe::new(queue.get());
        assert!(newcomer.poll().is_pending());
        assert_eq!(waiting.ready(), Some(7));
    }

    #[test]
    fn a_getter_dropped_after_being_woken_passes_the_item_on() {
        let queue = Queue::new(0);
        let mut cancelled = Probe::new(queue.get());
        let mut next = Probe::new(queue.get());
        assert!(cancelled.poll().is_pending());
        assert!(next.poll().is_pending());

        queue.try_put("item").unwrap();
        assert_eq!(cancelled.wakes(), 1);
        cancelled.cancel();
        assert_eq!(next.wakes(), 1);
        assert_eq!(next.ready(), Some("item"));
    }

    #[test]
    fn a_getter_dropped_after_being_woken_frees_the_item_if_nobody_else_waits() {
        let queue = Queue::new(0);
        let mut cancelled = Probe::new(queue.get());
        assert!(cancelled.poll().is_pending());

        queue.try_put("item").unwrap();
        cancelled.cancel();
        assert_eq!(queue.try_get(), Ok("item"));
    }

    #[test]
    fn a_getter_dropped_while_waiting_gives_up_its_place() {
        let queue = Queue::new(0);
        let mut cancelled = Probe::new(queue.get());
        let mut next = Probe::new(queue.get());
        assert!(cancelled.poll().is_pending());
        assert!(next.poll().is_pending());

        cancelled.cancel();
        queue.try_put(1).unwrap();
        assert_eq!(cancelled.wakes(), 0);
        assert_eq!(next.wakes(), 1);
        assert_eq!(next.ready(), Some(1));
    }

    #[test]
    fn waiting_putters_get_room_in_arrival_order_and_newcomers_wait() {
        let queue = Queue::new(1);
        queue.try_put(0).unwrap();
        let mut first = Probe::new(queue.put(1));
        let mut second = Probe::new(queue.put(2));
        assert!(first.poll().is_pending());
        assert!(second.poll().is_pending());

        assert_eq!(queue.try_get(), Ok(0));
        assert_eq!(first.wakes(), 1);
        assert_eq!(second.wakes(), 0);
        assert_eq!(queue.try_put(9), Err(TryPutError::Full(9)));
        assert!(second.poll().is_pending(), "the slot is promised to first");
        assert_eq!(first.ready(), Ok(()));

        assert_eq!(queue.try_get(), Ok(1));
        assert_eq!(second.wakes(), 1);
        assert_eq!(second.ready(), Ok(()));
        assert_eq!(drain(&queue), [2]);
    }

    #[test]
    fn a_putter_dropped_after_being_woken_passes_the_slot_on() {
        let queue = Queue::new(1);
        queue.try_put("old").unwrap();
        let mut cancelled = Probe::new(queue.put("cancelled"));
        let mut next = Probe::new(queue.put("next"));
        assert!(cancelled.poll().is_pending());
        assert!(next.poll().is_pending());

        assert_eq!(queue.try_get(), Ok("old"));
        assert_eq!(cancelled.wakes(), 1);
        cancelled.cancel();
        assert_eq!(next.wakes(), 1);
        assert_eq!(next.ready(), Ok(()));
        assert_eq!(drain(&queue), ["next"]);
    }

    #[test]
    fn close_wakes_getters_which_drain_then_see_none() {
        let queue = Queue::<u8>::new(0);
        let mut waiting = Probe::new(queue.get());
        assert!(waiting.poll().is_pending());

        queue.close();
        assert!(queue.is_closed());
        assert_eq!(waiting.wakes(), 1);
        assert_eq!(waiting.ready(), None);

        let queue = Queue::new(0);
        queue.try_put(1).unwrap();
        queue.try_put(2).unwrap();
        queue.close();
        assert_eq!(Probe::new(queue.get()).ready(), Some(1));
        assert_eq!(queue.try_get(), Ok(2));
        assert_eq!(Probe::new(queue.get()).ready(), None);
        assert_eq!(queue.try_get(), Err(TryGetError::Closed));
    }

    #[test]
    fn a_getter_woken_for_an_item_still_gets_it_after_close() {
        let queue = Queue::new(0);
        let mut woken = Probe::new(queue.get());
        assert!(woken.poll().is_pending());
        queue.try_put(5).unwrap();

        queue.close();
        assert_eq!(woken.ready(), Some(5));
    }

    #[test]
    fn close_hands_waiting_putters_their_items_back() {
        let queue = Queue::new(1);
        queue.try_put("kept").unwrap();
        let mut waiting = Probe::new(queue.put("returned"));
        assert!(waiting.poll().is_pending());

        queue.close();
        assert_eq!(waiting.wakes(), 1);
        assert_eq!(waiting.ready().unwrap_err().into_inner(), "returned");
        assert_eq!(Probe::new(queue.put("late")).ready().unwrap_err().0, "late");
        assert_eq!(queue.try_put("late"), Err(TryPutError::Closed("late")));
        assert_eq!(drain(&queue), ["kept"]);
    }

    #[test]
    fn a_putter_promised_a_slot_before_close_still_fails() {
        let queue = Queue::new(1);
        queue.try_put(1).unwrap();
        let mut promised = Probe::new(queue.put(2));
        assert!(promised.poll().is_pending());
        assert_eq!(queue.try_get(), Ok(1));

        queue.close();
        // A getter that saw "closed and empty" must never see an item later.
        assert_eq!(queue.try_get(), Err(TryGetError::Closed));
        assert_eq!(promised.ready(), Err(Closed(2)));
        assert!(queue.is_empty());
    }

    #[test]
    fn join_waits_until_every_item_is_marked_done() {
        let queue = Queue::new(0);
        Probe::new(queue.join()).ready();

        queue.try_put("a").unwrap();
        queue.try_put("b").unwrap();
        let mut join = Probe::new(queue.join());
        assert!(join.poll().is_pending());

        drain(&queue);
        assert!(join.poll().is_pending(), "taken is not processed");
        queue.task_done().unwrap();
        assert_eq!(join.wakes(), 0);
        assert!(join.poll().is_pending());
        queue.task_done().unwrap();
        assert_eq!(join.wakes(), 1);
        join.ready();
    }

    #[test]
    fn join_is_not_ended_by_close() {
        let queue = Queue::new(0);
        queue.try_put(1).unwrap();
        let mut join = Probe::new(queue.join());
        assert!(join.poll().is_pending());

        queue.close();
        assert_eq!(join.wakes(), 0);
        assert_eq!(queue.try_get(), Ok(1));
        queue.task_done().unwrap();
        join.ready();
    }

    #[test]
    fn a_dropped_join_is_forgotten() {
        let queue = Queue::new(0);
        queue.try_put(1).unwrap();
        let mut join = Probe::new(queue.join());
        assert!(join.poll().is_pending());

        join.cancel();
        queue.task_done().unwrap();
        assert_eq!(join.wakes(), 0);
    }

    #[test]
    fn task_done_more_often_than_put_is_an_error() {
        let queue = Queue::new(0);
        assert_eq!(queue.task_done(), Err(TaskDoneError(())));
        queue.try_put(()).unwrap();
        assert_eq!(queue.task_done(), Ok(()));
        assert_eq!(queue.task_done(), Err(TaskDoneError(())));
    }
}
