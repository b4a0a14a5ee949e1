//! [`Semaphore`]: a counter of permits with a fair line of waiters.
//!
//! The classic use is the one from the asyncio tutorial: "at most 4
//! downloads at once". Every download acquires a permit first and gives it
//! back when the permit is dropped; the fifth download waits until one of the
//! first four finishes.
//!
//! The interesting part is what "gives it back" means while others wait. The
//! naive version puts the permit back into the counter and wakes a waiter,
//! which then has to race everyone else to the counter: a task that happens to
//! call `acquire` (or `try_acquire`) in between takes the permit, the woken
//! waiter finds the counter empty and goes back to sleep. Under steady load
//! a waiter can lose that race forever. So a released permit never touches
//! the counter while anyone is waiting: it is *handed* to the waiter at the
//! front of the line (see [`WaiterList`]), and the counter only holds permits
//! nobody is waiting for.
//!
//! A waiter that is dropped after it was handed a permit but before it was
//! polled would take that permit with it; its `Drop` hands it on instead.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};

use super::lock;
use super::waiters::{Place, Turn, WaiterList};

/// Limits how many tasks may do something at the same time, like
/// `asyncio.Semaphore`.
///
/// A semaphore holds a number of permits. [`acquire`](Semaphore::acquire)
/// takes one, waiting in line if there are none; dropping the returned
/// [`SemaphorePermit`] puts it back. Waiters are served strictly in the order
/// they started waiting.
///
/// The semaphore is `Send + Sync` and guarded by a [`Mutex`], like tokio's,
/// so it can be shared through an `Arc` (needed for
/// [`acquire_owned`](Semaphore::acquire_owned)), through a plain reference,
/// or placed in a `static` since [`new`](Semaphore::new) is `const`. On
/// spool's single thread the lock is never contended.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use std::time::Duration;
/// use spool::sync::Semaphore;
///
/// spool::block_on(async {
///     let limit = Rc::new(Semaphore::new(2));
///     let mut handles = Vec::new();
///     for i in 0..5 {
///         let limit = limit.clone();
///         handles.push(spool::spawn(async move {
///             let _permit = limit.acquire().await.expect("never closed");
///             // At most two tasks are in here at any moment.
///             spool::time::sleep(Duration::from_millis(10)).await;
///             i
///         }));
///     }
///     for handle in handles {
///         handle.await.unwrap();
///     }
///     assert_eq!(limit.available_permits(), 2);
/// });
/// ```
#[derive(Debug)]
pub struct Semaphore {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Permits nobody holds and nobody has been promised. While anyone in
    /// `waiters` is still without a promise this is zero: a freed permit goes
    /// to that waiter, not here.
    permits: usize,
    /// Every permit the semaphore has: those it was created with plus those
    /// added since. When `permits` equals this, every permit is home.
    total: usize,
    /// Tasks waiting for a permit. The notified ones have each been handed
    /// exactly one.
    waiters: WaiterList,
    /// [`Semaphore::all_returned`] futures waiting for every permit to be
    /// home. All are notified together, so none holds anything to pass on.
    all_returned: WaiterList,
    /// Set by [`Semaphore::close`]; never cleared.
    closed: bool,
}

impl State {
    /// Gives one permit back under the lock: to the next waiter without one,
    /// or to the counter if nobody is waiting. Returns the wakers to call
    /// once the lock is released.
    fn release_one(&mut self) -> Vec<Waker> {
        match self.waiters.notify_one() {
            Some(waker) => vec![waker],
            None => self.bank(1),
        }
    }

    /// Puts `n` permits in the counter, and if that brings every permit
    /// home, notifies the [`Semaphore::all_returned`] futures; returns their
    /// wakers.
    fn bank(&mut self, n: usize) -> Vec<Waker> {
        self.permits = self.permits.saturating_add(n);
        if self.permits >= self.total {
            self.all_returned.notify_all()
        } else {
            Vec::new()
        }
    }
}

impl Semaphore {
    /// Creates a semaphore with `permits` permits.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::Semaphore;
    ///
    /// static DOWNLOADS: Semaphore = Semaphore::new(4);
    /// assert_eq!(DOWNLOADS.available_permits(), 4);
    /// ```
    pub const fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: Mutex::new(State {
                permits,
                total: permits,
                waiters: WaiterList::new(),
                all_returned: WaiterList::new(),
                closed: false,
            }),
        }
    }

    /// Waits for a permit, behind everyone who started waiting earlier.
    ///
    /// Fails with [`AcquireError`] if the semaphore is closed before a permit
    /// is collected. Dropping the future gives up the place in line, and a
    /// permit it had already been handed goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::Semaphore;
    ///
    /// spool::block_on(async {
    ///     let semaphore = Semaphore::new(1);
    ///     let permit = semaphore.acquire().await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            place: Place::new(),
        }
    }

    /// Like [`acquire`](Semaphore::acquire), but the permit keeps the
    /// semaphore alive through an [`Arc`] instead of borrowing it, so it can
    /// be moved into a spawned task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spool::sync::Semaphore;
    ///
    /// spool::block_on(async {
    ///     let semaphore = Arc::new(Semaphore::new(1));
    ///     let permit = semaphore.clone().acquire_owned().await.unwrap();
    ///     let task = spool::spawn(async move {
    ///         // ... work while holding the permit ...
    ///         drop(permit);
    ///     });
    ///     task.await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        let permit = self.acquire().await?;
        // The borrowed permit's job moves to the owned one; forgetting it
        // skips its release and leaves nothing behind.
        std::mem::forget(permit);
        Ok(OwnedSemaphorePermit { semaphore: self })
    }

    /// Takes a permit if one is free right now.
    ///
    /// A permit that was just released to a waiting task is not free: it
    /// already belongs to that task, even if the task has not run yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    /// drop(permit);
    /// semaphore.close();
    /// assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::Closed);
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let mut state = self.lock();
        if state.closed {
            return Err(TryAcquireError::Closed);
        }
        if state.permits == 0 {
            return Err(TryAcquireError::NoPermits);
        }
        state.permits -= 1;
        Ok(SemaphorePermit { semaphore: self })
    }

    /// The number of permits that are free right now (not held, not promised
    /// to a waiter).
    pub fn available_permits(&self) -> usize {
        self.lock().permits
    }

    /// Adds `n` permits, handing them to waiters first.
    ///
    /// The count saturates at `usize::MAX`, which is as good as unlimited.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(0);
    /// semaphore.add_permits(3);
    /// assert_eq!(semaphore.available_permits(), 3);
    /// ```
    pub fn add_permits(&self, n: usize) {
        {
            let mut state = self.lock();
            state.total = state.total.saturating_add(n);
        }
        self.release(n);
    }

    /// Waits until every permit is home: none held, none promised to a
    /// waiter. "Every" counts the permits the semaphore was created with
    /// plus those added since.
    ///
    /// This is how a supervisor that hands one permit to each worker waits
    /// for all its workers to finish, without keeping their handles: each
    /// worker holds its permit until it ends. It resolves at a moment when
    /// all permits were back and reserves none of them, so call it once no
    /// new work is being started (or after [`close`](Semaphore::close),
    /// which stops new acquires while held permits still come home).
    /// asyncio has no such call; with tokio one writes
    /// `acquire_many(total)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use spool::sync::Semaphore;
    ///
    /// spool::block_on(async {
    ///     let slots = Arc::new(Semaphore::new(2));
    ///     for ms in [30, 10, 20] {
    ///         let permit = slots.clone().acquire_owned().await.unwrap();
    ///         // Detached: nobody keeps the handle.
    ///         spool::spawn(async move {
    ///             spool::time::sleep(Duration::from_millis(ms)).await;
    ///             drop(permit);
    ///         });
    ///     }
    ///     slots.all_returned().await; // every worker has finished
    ///     assert_eq!(slots.available_permits(), 2);
    /// });
    /// ```
    pub fn all_returned(&self) -> AllReturned<'_> {
        AllReturned {
            semaphore: self,
            place: Place::new(),
        }
    }

    /// Closes the semaphore: every pending [`acquire`](Semaphore::acquire)
    /// and every later one fails with [`AcquireError`].
    ///
    /// Permits already held stay valid and still come back when dropped.
    /// asyncio's `Semaphore` has no `close`; it is how a supervisor tells
    /// everyone still waiting to give up.
    pub fn close(&self) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        state.closed = true;
        // Waiters that were handed a permit but have not collected it will
        // fail too, so their permits go back to the counter now.
        let promised = state.waiters.notified();
        let mut wakers = state.waiters.notify_all();
        wakers.extend(state.bank(promised));
        drop(state);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether [`close`](Semaphore::close) has been called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    // ANCHOR: release
    /// Gives `n` permits back: each goes to the next waiter without one,
    /// and only when nobody is left waiting do the rest land in the counter.
    fn release(&self, mut n: usize) {
        while n > 0 {
            let mut state = self.lock();
            let Some(waker) = state.waiters.notify_one() else {
                let all_returned = state.bank(n);
                drop(state);
                all_returned.into_iter().for_each(Waker::wake);
                return;
            };
            drop(state);
            waker.wake();
            n -= 1;
        }
    }
    // ANCHOR_END: release

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

/// The future returned by [`Semaphore::acquire`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    place: Place,
}

// ANCHOR: acquire
impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(crate::event_loop::coop::poll_proceed(cx));
        let this = &mut *self;
        let mut state = this.semaphore.lock();
        if state.closed {
            this.place.leave(&mut state.waiters);
            return Poll::Ready(Err(AcquireError(())));
        }
        // "Free" already means nobody is waiting without a permit, so taking
        // one jumps no queue. A permit handed to us in line is already ours.
        let free = state.permits > 0;
        if ready!(this.place.poll(&mut state.waiters, free, cx.waker())) == Turn::Free {
            state.permits -= 1;
        }
        Poll::Ready(Ok(SemaphorePermit {
            semaphore: this.semaphore,
        }))
    }
}
// ANCHOR_END: acquire

// ANCHOR: acquire_drop
impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        // A permit handed to us is ours to give back. After a close, `close`
        // already reclaimed it.
        self.place.cancel(
            &self.semaphore.state,
            |state| &mut state.waiters,
            |state| match state.closed {
                true => Vec::new(),
                false => state.release_one(),
            },
        );
    }
}
// ANCHOR_END: acquire_drop

/// The future returned by [`Semaphore::all_returned`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct AllReturned<'a> {
    semaphore: &'a Semaphore,
    place: Place,
}

// ANCHOR: all_returned
impl Future for AllReturned<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.semaphore.lock();
        let home = state.permits >= state.total;
        ready!(this.place.poll(&mut state.all_returned, home, cx.waker()));
        Poll::Ready(())
    }
}
// ANCHOR_END: all_returned

impl Drop for AllReturned<'_> {
    fn drop(&mut self) {
        // Every such future is notified at once: nothing to pass on.
        self.place.cancel(
            &self.semaphore.state,
            |state| &mut state.all_returned,
            |_| None,
        );
    }
}

// ANCHOR: permit
/// A permit borrowed from a [`Semaphore`]; dropping it gives the permit back.
#[must_use = "the permit is released as soon as it is dropped"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}
// ANCHOR_END: permit

/// A permit that owns a handle to its [`Semaphore`], from
/// [`Semaphore::acquire_owned`]; dropping it gives the permit back.
#[must_use = "the permit is released as soon as it is dropped"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

/// The semaphore was closed; returned by [`Semaphore::acquire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore is closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why [`Semaphore::try_acquire`] returned no permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Every permit is held or promised to a waiter.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore is closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Probe;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn semaphore_and_its_futures_are_send_and_sync() {
        assert_send_sync::<Semaphore>();
        assert_send_sync::<Acquire<'static>>();
        assert_send_sync::<SemaphorePermit<'static>>();
        assert_send_sync::<OwnedSemaphorePermit>();
    }

    #[test]
    fn permits_are_counted_and_come_back_on_drop() {
        let semaphore = Semaphore::new(2);
        let a = semaphore.try_acquire().unwrap();
        let b = Probe::new(semaphore.acquire()).ready().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
        assert_eq!(
            semaphore.try_acquire().unwrap_err(),
            TryAcquireError::NoPermits
        );

        drop(a);
        assert_eq!(semaphore.available_permits(), 1);
        drop(b);
        assert_eq!(semaphore.available_permits(), 2);
    }

    #[test]
    fn a_released_permit_wakes_the_waiter() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut waiter = Probe::new(semaphore.acquire());
        assert!(waiter.poll().is_pending());
        assert_eq!(waiter.wakes(), 0);

        drop(held);
        assert_eq!(waiter.wakes(), 1);
        let _permit = waiter.ready().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    }

    #[test]
    fn released_permits_are_handed_to_waiters_in_arrival_order() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut first = Probe::new(semaphore.acquire());
        let mut second = Probe::new(semaphore.acquire());
        assert!(first.poll().is_pending());
        assert!(second.poll().is_pending());

        drop(held);
        assert_eq!(first.wakes(), 1);
        assert_eq!(second.wakes(), 0);
        // Even polled first, the later waiter does not get the permit.
        assert!(second.poll().is_pending());
        let permit = first.ready().unwrap();

        drop(permit);
        assert_eq!(second.wakes(), 1);
        let _permit = second.ready().unwrap();
    }

    #[test]
    fn a_handed_off_permit_cannot_be_taken_by_a_newcomer() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut waiter = Probe::new(semaphore.acquire());
        assert!(waiter.poll().is_pending());

        drop(held);
        // The waiter has not run yet, but the permit is already its own.
        assert_eq!(semaphore.available_permits(), 0);
        assert_eq!(
            semaphore.try_acquire().unwrap_err(),
            TryAcquireError::NoPermits
        );
        let mut newcomer = Probe::new(semaphore.acquire());
        assert!(newcomer.poll().is_pending());

        let _permit = waiter.ready().unwrap();
    }

    #[test]
    fn a_waiter_dropped_after_being_handed_a_permit_passes_it_on() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut cancelled = Probe::new(semaphore.acquire());
        let mut next = Probe::new(semaphore.acquire());
        assert!(cancelled.poll().is_pending());
        assert!(next.poll().is_pending());

        drop(held);
        assert_eq!(cancelled.wakes(), 1);
        cancelled.cancel();
        assert_eq!(next.wakes(), 1);
        let _permit = next.ready().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    }

    #[test]
    fn a_handed_off_permit_returns_to_the_counter_if_nobody_else_waits() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut cancelled = Probe::new(semaphore.acquire());
        assert!(cancelled.poll().is_pending());

        drop(held);
        cancelled.cancel();
        assert_eq!(semaphore.available_permits(), 1);
    }

    #[test]
    fn a_waiter_dropped_while_waiting_gives_up_its_place() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut cancelled = Probe::new(semaphore.acquire());
        let mut next = Probe::new(semaphore.acquire());
        assert!(cancelled.poll().is_pending());
        assert!(next.poll().is_pending());

        cancelled.cancel();
        drop(held);
        assert_eq!(cancelled.wakes(), 0);
        assert_eq!(next.wakes(), 1);
        let _permit = next.ready().unwrap();
    }

    #[test]
    fn add_permits_serves_that_many_waiters_and_banks_the_rest() {
        let semaphore = Semaphore::new(0);
        let mut waiters: Vec<_> = (0..3).map(|_| Probe::new(semaphore.acquire())).collect();
        for waiter in &mut waiters {
            assert!(waiter.poll().is_pending());
        }

        semaphore.add_permits(2);
        let wakes: Vec<_> = waiters.iter().map(Probe::wakes).collect();
        assert_eq!(wakes, [1, 1, 0]);
        assert_eq!(semaphore.available_permits(), 0);

        semaphore.add_permits(3);
        assert_eq!(waiters[2].wakes(), 1);
        assert_eq!(semaphore.available_permits(), 2);
        for waiter in &mut waiters {
            assert!(waiter.ready().is_ok());
        }
    }

    #[test]
    fn close_fails_pending_and_later_acquires() {
        let semaphore = Semaphore::new(0);
        let mut waiter = Probe::new(semaphore.acquire());
        assert!(waiter.poll().is_pending());

        semaphore.close();
        assert!(semaphore.is_closed());
        assert_eq!(waiter.wakes(), 1);
        assert_eq!(waiter.ready().unwrap_err(), AcquireError(()));
        assert!(Probe::new(semaphore.acquire()).ready().is_err());
        assert_eq!(
            semaphore.try_acquire().unwrap_err(),
            TryAcquireError::Closed
        );
    }

    #[test]
    fn close_reclaims_permits_handed_to_waiters_that_had_not_collected() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut handed = Probe::new(semaphore.acquire());
        let mut cancelled = Probe::new(semaphore.acquire());
        assert!(handed.poll().is_pending());
        assert!(cancelled.poll().is_pending());
        semaphore.add_permits(1);
        drop(held);

        semaphore.close();
        assert!(handed.ready().is_err());
        cancelled.cancel();
        assert_eq!(semaphore.available_permits(), 2);
    }

    #[test]
    fn permits_held_across_close_still_come_back() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        semaphore.close();
        drop(held);
        assert_eq!(semaphore.available_permits(), 1);
    }

    #[test]
    fn owned_permits_keep_the_semaphore_and_release_on_drop() {
        let semaphore = Arc::new(Semaphore::new(1));
        let permit = Probe::new(semaphore.clone().acquire_owned())
            .ready()
            .unwrap();

        let mut waiter = Probe::new(semaphore.clone().acquire_owned());
        assert!(waiter.poll().is_pending());
        let holder = std::thread::spawn(move || drop(permit));
        holder.join().unwrap();
        assert_eq!(waiter.wakes(), 1);
        assert!(waiter.ready().is_ok());
    }

    #[test]
    fn all_returned_is_ready_at_once_when_no_permit_is_out() {
        let semaphore = Semaphore::new(3);
        assert!(Probe::new(semaphore.all_returned()).poll().is_ready());
    }

    #[test]
    fn all_returned_waits_for_held_and_promised_permits() {
        let semaphore = Semaphore::new(2);
        let a = semaphore.try_acquire().unwrap();
        let b = semaphore.try_acquire().unwrap();
        let mut waiter = Probe::new(semaphore.acquire());
        assert!(waiter.poll().is_pending());
        let mut home = Probe::new(semaphore.all_returned());
        assert!(home.poll().is_pending());

        drop(a); // handed to the waiter: still out
        assert_eq!(home.wakes(), 0);
        let c = waiter.ready().unwrap();
        drop(b);
        assert_eq!(home.wakes(), 0);
        assert!(home.poll().is_pending());

        drop(c);
        assert_eq!(home.wakes(), 1);
        assert!(home.poll().is_ready());
    }

    #[test]
    fn all_returned_counts_added_permits() {
        let semaphore = Semaphore::new(1);
        semaphore.add_permits(1);
        let a = semaphore.try_acquire().unwrap();
        let _b = semaphore.try_acquire().unwrap();
        let mut home = Probe::new(semaphore.all_returned());
        assert!(home.poll().is_pending());
        drop(a);
        assert!(home.poll().is_pending(), "one of two permits is still out");
    }

    #[test]
    fn all_returned_after_close_waits_for_the_held_permits() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut cancelled = Probe::new(semaphore.acquire());
        assert!(cancelled.poll().is_pending());
        let mut home = Probe::new(semaphore.all_returned());
        assert!(home.poll().is_pending());

        semaphore.close();
        assert!(home.poll().is_pending());
        drop(held);
        assert_eq!(home.wakes(), 1);
        assert!(home.poll().is_ready());
    }

    #[test]
    fn a_dropped_all_returned_leaves_the_line() {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut first = Probe::new(semaphore.all_returned());
        let mut second = Probe::new(semaphore.all_returned());
        assert!(first.poll().is_pending());
        assert!(second.poll().is_pending());
        first.cancel();
        drop(held);
        assert_eq!(second.wakes(), 1);
        assert!(second.poll().is_ready());
        assert_eq!(semaphore.lock().all_returned.notified(), 0);
    }
}
