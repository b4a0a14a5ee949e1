//! Wait for several futures at once: asyncio's `gather`, JavaScript's `Promise.all`.
//!
//! Rust's types split asyncio's one `gather` into three tools:
//!
//! - [`join!`](crate::join) for a fixed handful of futures, each with its own
//!   output type. It evaluates to a tuple.
//! - [`join_all`] for any number of futures of one type. It resolves to a
//!   `Vec`, in input order.
//! - [`try_join_all`] for futures that return `Result`. The first error wins
//!   and the other futures are dropped. In Rust, dropping a future *is*
//!   cancelling it: there is no separate `cancel()` to remember.
//!
//! None of them spawns anything: one task polls all the futures. `join!`
//! polls every unfinished future whenever the task wakes, which for at most
//! eight futures is cheaper than telling them apart. `join_all` may hold
//! thousands, so each of its futures gets a waker of its own, and a wake-up
//! polls only the futures that were woken (`children.rs`).
//!
//! ## Pinning without `unsafe`
//!
//! A future must be pinned before it can be polled, and a combinator that owns
//! futures inside a struct would normally need `unsafe` pin projection to reach
//! them. We avoid that in two ways. `join!` expands inside the caller's async
//! code, so it can pin each future in place with [`std::pin::pin!`], which costs
//! nothing. `join_all` owns a `Vec` whose length is known only at run time, so
//! it puts each future in its own `Box::pin`: one allocation per future, paid to
//! stay in safe code.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::children::Children;

/// Waits for every future and evaluates to a tuple of their outputs, in
/// argument order. This is `asyncio.gather(a, b)` for a fixed set of futures.
///
/// Use it inside async code. The `.await` is part of the macro, so you write
/// `let (a, b) = join!(fa, fb);` and not `join!(fa, fb).await`. It takes 1 to
/// 8 futures, and the outputs can have different types. The futures run
/// concurrently on the current task, and each wake-up polls every one that has
/// not finished, in argument order. For a run-time number of futures, use
/// [`join_all`](crate::join_all).
///
/// `tokio::join!` also rotates the order in which it polls, for fairness. We
/// always poll in argument order. Every future still gets polled on every
/// wake-up, so the order only decides who goes first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool::time::sleep;
///
/// spool::block_on(async {
///     let slow = async {
///         sleep(Duration::from_millis(20)).await;
///         "slow"
///     };
///     let fast = async {
///         sleep(Duration::from_millis(10)).await;
///         42
///     };
///     // Both sleeps overlap: this takes about 20 ms, not 30.
///     let (word, number) = spool::join!(slow, fast);
///     assert_eq!((word, number), ("slow", 42));
/// });
/// ```
// ANCHOR: join_macro
#[macro_export]
macro_rules! join {
    ($f1:expr, $f2:expr, $f3:expr, $f4:expr, $f5:expr, $f6:expr, $f7:expr, $f8:expr,
     $f9:expr $(, $rest:expr)* $(,)?) => {
        ::core::compile_error!("spool::join! takes at most 8 futures; use spool::join_all for more")
    };
    ($($fut:expr),+ $(,)?) => {
        $crate::__join::Join((
            $( $crate::__join::MaybeDone::new(::core::pin::pin!($fut)), )+
        ))
        .await
    };
}
// ANCHOR_END: join_macro

/// Waits for every future in `futures` and resolves to their outputs in input
/// order, whatever order they finish in. This is `asyncio.gather(*coros)` and
/// `Promise.all`.
///
/// Futures that return `Result` produce a `Vec<Result<..>>` and every future
/// runs to the end, even after one has failed. Use [`try_join_all`] to stop at
/// the first error instead.
///
/// # All-settled results: `gather(return_exceptions=True)`
///
/// To learn how every *task* ended, including panics and cancellations, spawn
/// the futures and join their [`JoinHandle`](crate::JoinHandle)s. Each item is
/// then a `Result<T, JoinError>`, which is `Promise.allSettled` and
/// `gather(return_exceptions=True)`. A panic in one task cannot stop the
/// others, because every handle resolves on its own.
///
/// ```
/// spool::block_on(async {
///     let handles = (1..=3).map(|n| {
///         spool::spawn(async move {
///             if n == 2 {
///                 panic!("page {n} is broken");
///             }
///             n * 10
///         })
///     });
///     let settled = spool::join_all(handles).await;
///     assert_eq!(*settled[0].as_ref().unwrap(), 10);
///     assert!(settled[1].as_ref().unwrap_err().is_panic());
///     assert_eq!(*settled[2].as_ref().unwrap(), 30);
/// });
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool::time::sleep;
///
/// spool::block_on(async {
///     let jobs = [30u64, 10, 20].map(|ms| async move {
///         sleep(Duration::from_millis(ms)).await;
///         ms
///     });
///     // The 10 ms job finishes first, but the results stay in input order.
///     assert_eq!(spool::join_all(jobs).await, vec![30, 10, 20]);
/// });
/// ```
pub fn join_all<I>(futures: I) -> JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    JoinAll {
        children: Children::new(futures),
    }
}

/// Waits for every future in `futures`. It stops at the first `Err`, and
/// otherwise resolves to all the `Ok` values in input order. This is
/// `Promise.all` over fallible work, and `asyncio.gather` when the first
/// exception should end the wait.
///
/// At the first failure, the other futures are dropped before the error is
/// returned, which cancels them. "First" means first to fail in time, not
/// first in the list. If two futures fail during the same wake-up, the earlier
/// one in the list wins.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool::time::sleep;
///
/// async fn fetch(page: u32) -> Result<String, String> {
///     sleep(Duration::from_millis(10 * u64::from(page))).await;
///     if page == 2 {
///         return Err(format!("page {page}: not found"));
///     }
///     Ok(format!("page {page}"))
/// }
///
/// spool::block_on(async {
///     let all_good = spool::try_join_all([fetch(1), fetch(3)]).await;
///     assert_eq!(all_good, Ok(vec!["page 1".to_string(), "page 3".to_string()]));
///
///     // Page 2 fails after 20 ms, and page 100 is cancelled without finishing its sleep.
///     let failed = spool::try_join_all([fetch(1), fetch(2), fetch(100)]).await;
///     assert_eq!(failed, Err("page 2: not found".to_string()));
/// });
/// ```
pub fn try_join_all<I, T, E>(futures: I) -> TryJoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    TryJoinAll {
        children: Children::new(futures),
    }
}

/// The future returned by [`join_all`].
#[must_use = "futures do nothing unless you `.await` them"]
pub struct JoinAll<F: Future> {
    children: Children<F>,
}

// ANCHOR: join_all_poll
impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let children = &mut self.get_mut().children;
        // Only the futures that were woken are polled; no output stops us.
        children.poll_woken(cx, |_| false);
        if !children.all_done() {
            return Poll::Pending;
        }
        let outputs = children.take_all();
        Poll::Ready(outputs.expect("JoinAll polled after completion"))
    }
}
// ANCHOR_END: join_all_poll

impl<F: Future> fmt::Debug for JoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinAll")
            .field("futures", &self.children.len())
            .field("running", &self.children.running())
            .finish()
    }
}

/// The future returned by [`try_join_all`].
#[must_use = "futures do nothing unless you `.await` them"]
pub struct TryJoinAll<F: Future> {
    /// Finished children hold only `Ok` values, because the first `Err`
    /// ends the whole join.
    children: Children<F>,
}

// ANCHOR: try_join_all_poll
impl<F, T, E> Future for TryJoinAll<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let children = &mut self.get_mut().children;
        if let Some(failed) = children.poll_woken(cx, Result::is_err) {
            let error = children.take(failed);
            // Cancellation is just `drop`. Dropping the siblings that are
            // still running happens right now, before the caller sees the
            // error. They don't linger as orphaned work.
            children.cancel_all();
            if let Some(Err(error)) = error {
                return Poll::Ready(Err(error));
            }
        }
        if !children.all_done() {
            return Poll::Pending;
        }
        let outputs: Option<Result<Vec<T>, E>> =
            children.take_all().map(|all| all.into_iter().collect());
        Poll::Ready(outputs.expect("TryJoinAll polled after completion"))
    }
}
// ANCHOR_END: try_join_all_poll

impl<F: Future> fmt::Debug for TryJoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryJoinAll")
            .field("futures", &self.children.len())
            .field("running", &self.children.running())
            .finish()
    }
}

/// Machinery behind [`join!`](crate::join). It is public only because the
/// macro expands in the caller's crate.
#[doc(hidden)]
pub mod __join {
    use super::*;

    // ANCHOR: maybe_done
    /// One future in a join, and then its output once it has finished.
    pub enum MaybeDone<F: Future> {
        /// Still running.
        Running(F),
        /// Finished. The output waits here until every sibling has finished too.
        Done(F::Output),
        /// The output was handed out, or the future was cancelled.
        Gone,
    }

    /// We only ever poll `F` through `Pin::new`, which requires `F: Unpin`, and
    /// we never pin the output. So the slot can move freely even if the output
    /// type cannot, and this impl is sound without `unsafe`.
    impl<F: Future + Unpin> Unpin for MaybeDone<F> {}

    impl<F: Future + Unpin> MaybeDone<F> {
        /// Wraps a future that has not been polled yet.
        pub fn new(fut: F) -> Self {
            MaybeDone::Running(fut)
        }

        /// Polls the future if it is still running. Returns `true` once its
        /// output is stored, or has already been taken.
        pub fn poll_done(&mut self, cx: &mut Context<'_>) -> bool {
            if let MaybeDone::Running(fut) = self {
                match Pin::new(fut).poll(cx) {
                    Poll::Ready(output) => *self = MaybeDone::Done(output),
                    Poll::Pending => return false,
                }
            }
            true
        }

        /// Moves the output out. Returns `None` unless the future is `Done`.
        pub fn take(&mut self) -> Option<F::Output> {
            match mem::replace(self, MaybeDone::Gone) {
                MaybeDone::Done(output) => Some(output),
                other => {
                    *self = other;
                    None
                }
            }
        }
    }
    // ANCHOR_END: maybe_done

    impl<F: Future> fmt::Debug for MaybeDone<F> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                MaybeDone::Running(_) => "Running",
                MaybeDone::Done(_) => "Done",
                MaybeDone::Gone => "Gone",
            })
        }
    }

    /// A tuple of [`MaybeDone`]s that can be driven as one. Implemented for
    /// tuples of 1 to 8 elements, which is where the limit on `join!` comes
    /// from.
    pub trait JoinTuple {
        /// The tuple of outputs, in the same order as the futures.
        type Output;

        /// Polls every unfinished element. Resolves once all are done.
        fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output>;
    }

    macro_rules! impl_join_tuple {
        ($($F:ident $idx:tt),+) => {
            impl<$($F: Future + Unpin),+> JoinTuple for ($(MaybeDone<$F>,)+) {
                type Output = ($($F::Output,)+);

                fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
                    // `&`, not `&&`: each future must be polled even after an
                    // earlier one has said "not yet".
                    let all_done = $(self.$idx.poll_done(cx))&+;
                    if !all_done {
                        return Poll::Pending;
                    }
                    Poll::Ready(($(self.$idx.take().expect("join! polled after completion"),)+))
                }
            }
        };
    }

    impl_join_tuple!(A 0);
    impl_join_tuple!(A 0, B 1);
    impl_join_tuple!(A 0, B 1, C 2);
    impl_join_tuple!(A 0, B 1, C 2, D 3);
    impl_join_tuple!(A 0, B 1, C 2, D 3, E 4);
    impl_join_tuple!(A 0, B 1, C 2, D 3, E 4, G 5);
    impl_join_tuple!(A 0, B 1, C 2, D 3, E 4, G 5, H 6);
    impl_join_tuple!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7);

    /// The future that `join!` awaits. The futures in the tuple are pinned in
    /// the caller's frame with `pin!`, so each element is a `Pin<&mut _>`.
    /// That makes it `Unpin`, and polling needs neither a box nor `unsafe`.
    #[must_use = "futures do nothing unless you `.await` them"]
    pub struct Join<T>(pub T);

    impl<T> fmt::Debug for Join<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Join").finish_non_exhaustive()
        }
    }

    impl<T: JoinTuple + Unpin> Future for Join<T> {
        type Output = T::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
            self.get_mut().0.poll_join(cx)
        }
    }
}

/// Drives futures by hand for the unit tests of the combinators. The real
/// executor lives elsewhere, and these tests need to control exactly when each
/// future becomes ready.
#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::test_support::{DropCounter, Probe, block_on, guarded, ready_after};

    /// Logs `name` when the future finishes, so tests can check completion order.
    async fn finish_logged<T>(
        log: &RefCell<Vec<&'static str>>,
        name: &'static str,
        pending_polls: usize,
        value: T,
    ) -> T {
        let value = ready_after(pending_polls, value).await;
        log.borrow_mut().push(name);
        value
    }

    #[test]
    fn join_returns_outputs_in_argument_order_with_mixed_types() {
        let log = RefCell::new(Vec::new());
        let out = block_on(async {
            crate::join!(
                finish_logged(&log, "a", 3, 1u8),
                finish_logged(&log, "b", 0, "two"),
                finish_logged(&log, "c", 1, 3.5f64),
            )
        });
        assert_eq!(out, (1u8, "two", 3.5f64));
        assert_eq!(*log.borrow(), ["b", "c", "a"]);
    }

    #[test]
    fn join_runs_futures_concurrently() {
        // Sequential awaiting would take 3 + 3 + 1 = 7 pending polls. Joined,
        // the futures overlap and the join is ready on poll 4.
        let joined = Probe::new(async { crate::join!(ready_after(3, 'x'), ready_after(3, 'y')) });
        assert_eq!(joined.run(), (('x', 'y'), 4));
    }

    #[test]
    fn join_accepts_one_to_eight_futures_and_a_trailing_comma() {
        let one = block_on(async { crate::join!(ready_after(1, "solo"),) });
        assert_eq!(one, ("solo",));
        let eight = block_on(async {
            crate::join!(
                ready_after(8, 1),
                ready_after(7, 2),
                ready_after(6, 3),
                ready_after(5, 4),
                ready_after(4, 5),
                ready_after(3, 6),
                ready_after(2, 7),
                ready_after(1, 8),
            )
        });
        assert_eq!(eight, (1, 2, 3, 4, 5, 6, 7, 8));
    }

    #[test]
    fn join_drops_its_futures_when_the_caller_is_dropped() {
        let drops = DropCounter::default();
        let mut caller = Probe::new(async {
            crate::join!(
                guarded(drops.guard(), ready_after(0, ())),
                guarded(drops.guard(), ready_after(10, ())),
            )
        });
        assert!(caller.poll().is_pending());
        // The finished future's guard went with it; the pending one is alive.
        assert_eq!(drops.count(), 1);
        drop(caller);
        assert_eq!(drops.count(), 2);
    }

    #[test]
    fn join_all_keeps_input_order_whatever_the_completion_order() {
        let log = RefCell::new(Vec::new());
        let futures = [("a", 4), ("b", 0), ("c", 2), ("d", 1)]
            .map(|(name, polls)| finish_logged(&log, name, polls, name.to_uppercase()));
        let out = block_on(join_all(futures));
        assert_eq!(out, ["A", "B", "C", "D"]);
        assert_eq!(*log.borrow(), ["b", "d", "c", "a"]);
    }

    #[test]
    fn join_all_polls_everything_concurrently() {
        let joined = Probe::new(join_all((0..50).map(|_| ready_after(2, ()))));
        let (out, polls) = joined.run();
        assert_eq!(out.len(), 50);
        assert_eq!(polls, 3);
    }

    #[test]
    fn join_all_of_nothing_is_ready_at_once() {
        let empty: Vec<std::future::Ready<u8>> = Vec::new();
        let mut joined = Probe::new(join_all(empty));
        assert_eq!(joined.poll(), Poll::Ready(Vec::new()));
    }

    #[test]
    fn join_all_collects_every_result_even_after_an_error() {
        let futures = [
            ready_after(2, Ok(1)),
            ready_after(0, Err("boom")),
            ready_after(4, Ok(3)),
        ];
        assert_eq!(block_on(join_all(futures)), [Ok(1), Err("boom"), Ok(3)]);
    }

    #[test]
    fn try_join_all_returns_all_oks_in_input_order() {
        let futures = [
            ready_after(3, Ok::<_, String>('a')),
            ready_after(0, Ok('b')),
            ready_after(1, Ok('c')),
        ];
        assert_eq!(block_on(try_join_all(futures)), Ok(vec!['a', 'b', 'c']));
    }

    #[test]
    fn try_join_all_fails_fast_and_cancels_the_rest() {
        let drops = DropCounter::default();
        let finished = Rc::new(RefCell::new(Vec::new()));
        let job = |name: &'static str, polls: usize, result: Result<&'static str, String>| {
            let finished = finished.clone();
            guarded(drops.guard(), async move {
                let result = ready_after(polls, result).await;
                finished.borrow_mut().push(name);
                result
            })
        };
        let joined = Probe::new(try_join_all([
            job("slow", 50, Ok("never")),
            job("failing", 2, Err("page 2: not found".to_string())),
            job("quick", 0, Ok("done")),
            job("slower", 100, Ok("never")),
        ]));

        let (out, polls) = joined.run();
        assert_eq!(out, Err("page 2: not found".to_string()));
        // Ready on the third poll, when "failing" fails. Waiting for "slower"
        // would take 101 polls.
        assert_eq!(polls, 3);
        assert_eq!(*finished.borrow(), ["quick", "failing"]);
        // All four futures are gone: the two that finished, and the two that
        // were cancelled while pending.
        assert_eq!(drops.count(), 4);
    }

    #[test]
    fn try_join_all_cancels_siblings_before_returning_the_error() {
        let drops = DropCounter::default();
        let mut joined = Probe::new(try_join_all([
            guarded(drops.guard(), ready_after(10, Ok(()))),
            guarded(drops.guard(), ready_after(1, Err(()))),
        ]));
        assert!(joined.poll().is_pending());
        assert_eq!(joined.poll(), Poll::Ready(Err(())));
        // The `TryJoinAll` itself is still alive here, so the slow future was
        // dropped by the join, not by our test.
        assert_eq!(drops.count(), 2);
    }

    #[test]
    fn try_join_all_reports_the_earliest_failure_in_time() {
        let futures = [
            ready_after(5, Err("late")),
            ready_after(1, Err("early")),
            ready_after(9, Ok(())),
        ];
        assert_eq!(block_on(try_join_all(futures)), Err("early"));
    }

    #[test]
    fn pending_futures_register_the_callers_waker() {
        let mut joined = Probe::new(join_all([ready_after(1, ()), ready_after(2, ())]));
        assert!(joined.poll().is_pending());
        assert!(joined.wakes() >= 1);
    }
}
