//! `state_machine`: an `async fn` next to the enum the compiler turns it
//! into, written out by hand. Both are run the same way and must behave the
//! same way, poll for poll.
//!
//! `make_tea` awaits two [`Step`]s. The compiler makes it a state machine
//! with one state per place the function can be paused: not started, waiting
//! at the first `.await`, waiting at the second, finished. `MakeTea` is that
//! machine in source form.
//!
//! Each future is polled by hand until it is ready, and every poll is
//! written to a log. The program prints both logs side by side and exits
//! non-zero if they differ.
//!
//! Run it with `cargo run -p spool-book --example state_machine`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use spool_book::{Step, step};

// ANCHOR: async_fn
async fn make_tea(cups: u32) -> String {
    let water = step("boil water", cups * 250).await;
    let tea = step("steep", format!("{water} ml of tea")).await;
    format!("{tea}, poured")
}
// ANCHOR_END: async_fn

// ANCHOR: enum
/// `make_tea(cups)`, desugared: one variant per point where it can pause,
/// holding exactly what is alive at that point.
enum MakeTea {
    /// Called but not yet polled: only the argument exists.
    Start { cups: u32 },
    /// Paused at the first `.await`.
    Boiling { boil: Step<u32> },
    /// Paused at the second `.await`. `water` is gone: nothing after this
    /// point uses it.
    Steeping { steep: Step<String> },
    /// Returned its output. Polling again is a bug.
    Done,
}

fn make_tea_by_hand(cups: u32) -> MakeTea {
    MakeTea::Start { cups } // like calling an async fn: runs nothing
}
// ANCHOR_END: enum

// ANCHOR: poll
impl Future for MakeTea {
    type Output = String;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        // `MakeTea` is `Unpin` (no variant points into another), so we may
        // treat the pinned reference as a plain `&mut`.
        let this = &mut *self;
        loop {
            match this {
                MakeTea::Start { cups } => {
                    let boil = step("boil water", *cups * 250);
                    *this = MakeTea::Boiling { boil };
                }
                MakeTea::Boiling { boil } => {
                    // `.await` is: poll; if pending, return pending.
                    let water = ready!(Pin::new(boil).poll(cx));
                    let steep = step("steep", format!("{water} ml of tea"));
                    *this = MakeTea::Steeping { steep };
                }
                MakeTea::Steeping { steep } => {
                    let tea = ready!(Pin::new(steep).poll(cx));
                    *this = MakeTea::Done;
                    return Poll::Ready(format!("{tea}, poured"));
                }
                MakeTea::Done => panic!("`MakeTea` polled after it returned"),
            }
        }
    }
}
// ANCHOR_END: poll

/// Polls `future` until it is ready, noting what each poll returned.
fn run_logged<F: Future<Output = String>>(name: &str, future: F) -> Vec<String> {
    println!("{name}:");
    let mut future = Box::pin(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut log = Vec::new();
    loop {
        let poll = future.as_mut().poll(&mut cx);
        println!("  poll {} -> {poll:?}", log.len() + 1);
        log.push(format!("{poll:?}"));
        if poll.is_ready() {
            return log;
        }
    }
}

fn main() {
    let compiled = run_logged("async fn make_tea(2)", make_tea(2));
    let by_hand = run_logged("enum MakeTea, by hand", make_tea_by_hand(2));
    assert_eq!(compiled, by_hand, "the enum must behave like the async fn");
    println!("same {} polls, same output", compiled.len());
}
