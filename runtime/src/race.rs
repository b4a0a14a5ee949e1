//! Wait for whichever future finishes first: `asyncio.wait(...,
//! return_when=FIRST_COMPLETED)` and `Promise.race`.
//!
//! asyncio hands back the pending losers, and you have to cancel them
//! yourself. Here the losers are *dropped* the moment a winner appears, and
//! dropping a future cancels it: its timers are deregistered, its sockets
//! closed, its half-done work abandoned. Nothing is left running in the
//! background.
//!
//! Two tools:
//!
//! - [`race`] for two futures with the same output type. It resolves to the
//!   winner's output.
//! - [`select!`](crate::select) for 2 to 4 futures of *any* output types. It
//!   runs the winning branch's code.
//!
//! ## Who wins a tie
//!
//! Both tools poll their futures in a fixed order, first argument first. If
//! several are ready during the same wake-up, the first one wins. smol's
//! `race` picks the order at random and futures-lite's `or` is biased like
//! ours. We chose the bias because it is deterministic: tests and the book's
//! printed output come out the same on every run, and you can put a shutdown
//! signal first to give it priority. The price is that a future which is
//! *always* ready starves the ones after it. Don't race against a busy loop.
//!
//! ## Pinning without `unsafe`
//!
//! Both tools are `async fn`s that pin their futures with [`std::pin::pin!`]
//! and poll them in a [`std::future::poll_fn`]. The compiler-generated future
//! keeps everything pinned for us: there is no pin projection to write and no
//! box to allocate. When the `async fn` returns, its locals are dropped, and
//! that is how the losers get cancelled.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

/// Runs `a` and `b` concurrently and resolves to the output of whichever
/// finishes first. The other one is dropped, which cancels it.
///
/// `a` is polled before `b` on every wake-up, so if both are ready at the same
/// moment, `a` wins. smol's `race` picks at random instead. We chose a fixed
/// order so that results are reproducible. The cost is that an `a` which is
/// always ready starves `b`. To give every future its own output type and its
/// own code to run, use [`select!`](crate::select).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool::time::sleep;
///
/// spool::block_on(async {
///     let primary = async {
///         sleep(Duration::from_millis(50)).await;
///         "primary"
///     };
///     let mirror = async {
///         sleep(Duration::from_millis(10)).await;
///         "mirror"
///     };
///     // The mirror answers first; the primary's sleep is cancelled.
///     assert_eq!(spool::race(primary, mirror).await, "mirror");
/// });
/// ```
// ANCHOR: race
pub async fn race<A, B>(a: A, b: B) -> A::Output
where
    A: Future,
    B: Future<Output = A::Output>,
{
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(output) = a.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        b.as_mut().poll(cx)
    })
    .await
}
// ANCHOR_END: race

/// Waits for the first of 2 to 4 futures and runs that branch's code, after
/// dropping (cancelling) the other futures.
///
/// ```text
/// spool::select! {
///     pattern = future => expression,
///     pattern = future => expression,
/// }
/// ```
///
/// Use it inside async code. The `.await` is part of the macro. The futures
/// can have different output types. They are polled in the order written, so
/// the first branch wins a tie. When one finishes, its output is matched
/// against the branch's pattern, every other future is dropped, and *then*
/// the branch's expression runs. The `select!` evaluates to that expression's
/// value, so all expressions must have the same type.
///
/// The branch expression is plain code in your function. It can `.await`,
/// use `?`, `return` from the enclosing function, or `break`/`continue` an
/// enclosing loop.
///
/// Differences from `tokio::select!`:
///
/// - **2 to 4 branches.** There is a hidden helper that polls exactly four
///   futures, and short forms fill the unused places with futures that never
///   finish. To wait on more, nest `select!`s or use [`race`] on boxed futures.
/// - **Patterns must be irrefutable.** tokio disables a branch whose pattern
///   doesn't match and keeps waiting. We don't: `Some(x) = stream.next()`
///   fails to compile with a "non-exhaustive patterns" error. Bind the whole
///   value and `match` on it in the branch.
/// - **A comma after every branch**, except optionally the last, even when
///   the expression is a `{ block }`.
/// - **No `else` branch, and no random start.** The first branch wins a tie.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use spool::time::sleep;
///
/// async fn download() -> Vec<u8> {
///     sleep(Duration::from_millis(500)).await;
///     vec![1, 2, 3]
/// }
///
/// spool::block_on(async {
///     let outcome = spool::select! {
///         bytes = download() => format!("got {} bytes", bytes.len()),
///         () = sleep(Duration::from_millis(50)) => {
///             // The download was already dropped here, which cancelled it.
///             "timed out".to_string()
///         },
///     };
///     assert_eq!(outcome, "timed out");
/// });
/// ```
// ANCHOR: select_macro
#[macro_export]
macro_rules! select {
    ($p1:pat = $f1:expr => $b1:expr, $p2:pat = $f2:expr => $b2:expr $(,)?) => {{
        let winner = $crate::__select::first_of(
            $f1,
            $f2,
            ::core::future::pending::<::core::convert::Infallible>(),
            ::core::future::pending::<::core::convert::Infallible>(),
        )
        .await;
        match winner {
            $crate::__select::Branch::First($p1) => $b1,
            $crate::__select::Branch::Second($p2) => $b2,
        }
    }};
    ($p1:pat = $f1:expr => $b1:expr, $p2:pat = $f2:expr => $b2:expr,
     $p3:pat = $f3:expr => $b3:expr $(,)?) => {{
        let winner = $crate::__select::first_of(
            $f1,
            $f2,
            $f3,
            ::core::future::pending::<::core::convert::Infallible>(),
        )
        .await;
        match winner {
            $crate::__select::Branch::First($p1) => $b1,
            $crate::__select::Branch::Second($p2) => $b2,
            $crate::__select::Branch::Third($p3) => $b3,
        }
    }};
    ($p1:pat = $f1:expr => $b1:expr, $p2:pat = $f2:expr => $b2:expr,
     $p3:pat = $f3:expr => $b3:expr, $p4:pat = $f4:expr => $b4:expr $(,)?) => {{
        let winner = $crate::__select::first_of($f1, $f2, $f3, $f4).await;
        match winner {
            $crate::__select::Branch::First($p1) => $b1,
            $crate::__select::Branch::Second($p2) => $b2,
            $crate::__select::Branch::Third($p3) => $b3,
            $crate::__select::Branch::Fourth($p4) => $b4,
        }
    }};
    ($($rest:tt)*) => {
        ::core::compile_error!(
            "spool::select! takes 2 to 4 branches written `pattern = future => expression,`"
        )
    };
}
// ANCHOR_END: select_macro

/// Machinery behind [`select!`](crate::select). It is public only because the
/// macro expands in the caller's crate.
#[doc(hidden)]
pub mod __select {
    use super::*;

    /// Which branch won, carrying that branch's output. Each branch has its
    /// own type parameter, which is what lets `select!` mix output types.
    /// Unused places are `Infallible`, so a `match` on them can omit those
    /// variants.
    #[derive(Debug)]
    pub enum Branch<A, B, C, D> {
        /// The first future finished first.
        First(A),
        /// The second future finished first.
        Second(B),
        /// The third future finished first.
        Third(C),
        /// The fourth future finished first.
        Fourth(D),
    }

    // ANCHOR: first_of
    /// Polls `a`, `b`, `c`, `d` in that order and resolves with the first
    /// output. The others are dropped when this function returns, before
    /// `select!` runs the winning branch.
    pub async fn first_of<A, B, C, D>(
        a: A,
        b: B,
        c: C,
        d: D,
    ) -> Branch<A::Output, B::Output, C::Output, D::Output>
    where
        A: Future,
        B: Future,
        C: Future,
        D: Future,
    {
        let mut a = pin!(a);
        let mut b = pin!(b);
        let mut c = pin!(c);
        let mut d = pin!(d);
        poll_fn(|cx| {
            if let Poll::Ready(output) = a.as_mut().poll(cx) {
                return Poll::Ready(Branch::First(output));
            }
            if let Poll::Ready(output) = b.as_mut().poll(cx) {
                return Poll::Ready(Branch::Second(output));
            }
            if let Poll::Ready(output) = c.as_mut().poll(cx) {
                return Poll::Ready(Branch::Third(output));
            }
            if let Poll::Ready(output) = d.as_mut().poll(cx) {
                return Poll::Ready(Branch::Fourth(output));
            }
            Poll::Pending
        })
        .await
    }
    // ANCHOR_END: first_of
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::future::{pending, ready};

    use super::*;
    use crate::test_support::{DropCounter, Probe, block_on, guarded, ready_after};

    #[test]
    fn race_returns_the_first_to_finish() {
        assert_eq!(
            block_on(race(ready_after(3, "slow"), ready_after(1, "fast"))),
            "fast"
        );
        assert_eq!(
            block_on(race(ready_after(1, "fast"), ready_after(3, "slow"))),
            "fast"
        );
    }

    #[test]
    fn race_prefers_the_first_argument_on_a_tie() {
        assert_eq!(
            block_on(race(ready_after(2, 'a'), ready_after(2, 'b'))),
            'a'
        );
        assert_eq!(block_on(race(ready(1), ready(2))), 1);
    }

    #[test]
    fn race_drops_the_loser_before_resolving() {
        let drops = DropCounter::default();
        let finished = RefCell::new(false);
        let out = block_on(async {
            let loser = guarded(drops.guard(), async {
                ready_after(10, ()).await;
                *finished.borrow_mut() = true;
                "loser"
            });
            let winner = race(loser, ready_after(1, "winner")).await;
            // Still inside the caller: the loser must already be gone.
            assert_eq!(drops.count(), 1);
            winner
        });
        assert_eq!(out, "winner");
        assert!(!*finished.borrow(), "the loser must not run to completion");
    }

    #[test]
    fn race_does_not_poll_b_once_a_is_ready() {
        let b_polls = RefCell::new(0);
        let b = poll_fn(|_| {
            *b_polls.borrow_mut() += 1;
            Poll::<u8>::Pending
        });
        let mut raced = Probe::new(race(ready(7u8), b));
        assert_eq!(raced.poll(), Poll::Ready(7));
        assert_eq!(*b_polls.borrow(), 0);
    }

    #[test]
    fn select_runs_the_winning_branch_with_its_own_type() {
        let out = block_on(async {
            crate::select! {
                n = ready_after(3, 5u32) => format!("number {n}"),
                s = ready_after(1, "text") => format!("str {s}"),
            }
        });
        assert_eq!(out, "str text");
    }

    #[test]
    fn select_drops_losers_before_the_body_runs() {
        let drops = DropCounter::default();
        let seen_in_body = block_on(async {
            crate::select! {
                () = guarded(drops.guard(), ready_after(5, ())) => usize::MAX,
                v = ready_after(1, vec![1, 2]) => {
                    let _ = v;
                    drops.count()
                },
                () = guarded(drops.guard(), pending::<()>()) => usize::MAX,
            }
        });
        assert_eq!(seen_in_body, 2);
    }

    #[test]
    fn select_prefers_the_first_branch_on_a_tie() {
        let out = block_on(async {
            crate::select! {
                a = ready_after(1, 'a') => a,
                b = ready_after(1, 'b') => b,
                c = ready_after(0, 'c') => c,
                d = ready_after(1, 'd') => d,
            }
        });
        assert_eq!(out, 'c');
        let tie = block_on(async {
            crate::select! {
                x = ready(1) => x,
                y = ready(2) => y,
                z = ready(3) => z,
                w = ready(4) => w,
            }
        });
        assert_eq!(tie, 1);
    }

    #[test]
    fn select_fourth_branch_can_win() {
        let out = block_on(async {
            crate::select! {
                () = pending::<()>() => 1,
                () = pending::<()>() => 2,
                () = pending::<()>() => 3,
                () = ready_after(2, ()) => 4,
            }
        });
        assert_eq!(out, 4);
    }

    #[test]
    fn select_body_can_await_and_return_from_the_function() {
        async fn first_even(a: u32, b: u32) -> Result<u32, String> {
            let n = crate::select! {
                n = ready_after(2, a) => n,
                n = ready_after(1, b) => {
                    if n % 2 == 1 {
                        return Err(format!("{n} is odd"));
                    }
                    ready_after(3, n * 10).await
                },
            };
            Ok(n + 1)
        }
        assert_eq!(block_on(first_even(1, 4)), Ok(41));
        assert_eq!(block_on(first_even(2, 3)), Err("3 is odd".to_string()));
    }

    #[test]
    fn select_body_can_break_an_enclosing_loop() {
        let rounds = block_on(async {
            let mut rounds = 0;
            loop {
                rounds += 1;
                crate::select! {
                    () = ready_after(1, ()) => if rounds == 3 { break rounds },
                    () = pending::<()>() => unreachable!(),
                }
            }
        });
        assert_eq!(rounds, 3);
    }

    #[test]
    fn select_destructures_with_irrefutable_patterns() {
        let out = block_on(async {
            crate::select! {
                (name, size) = ready_after(1, ("a.bin", 3)) => format!("{name}:{size}"),
                _ = ready_after(4, ()) => String::new(),
            }
        });
        assert_eq!(out, "a.bin:3");
    }

    #[test]
    fn select_passes_the_waker_down() {
        let mut selected = Probe::new(async {
            crate::select! {
                () = ready_after(1, ()) => true,
                () = pending::<()>() => false,
            }
        });
        assert!(selected.poll().is_pending());
        assert_eq!(selected.wakes(), 1);
        assert_eq!(selected.poll(), Poll::Ready(true));
    }
}
