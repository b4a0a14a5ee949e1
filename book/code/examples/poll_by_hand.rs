//! `poll_by_hand`: a future is a value with a `poll` method, and nothing
//! more. No loop, no runtime: `main` calls `poll` itself.
//!
//! Three scenes:
//!
//! 1. A [`Delay`] polled twice by hand: `Pending` before its deadline,
//!    `Ready` after it.
//! 2. An `async fn` awaiting two [`Step`]s, polled by hand until it is done:
//!    calling it prints nothing; each poll runs it to its next `.await`.
//! 3. `std::future::poll_fn`, which turns a closure into a future, run on
//!    spool's real loop.
//!
//! The program exits non-zero if any poll answers differently from what the
//! chapter says.
//!
//! Run it with `cargo run -p spool-book --example poll_by_hand`.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use spool_book::{Delay, step};

fn main() {
    // ANCHOR: delay_by_hand
    let mut delay = Delay::new(Duration::from_millis(50));
    // A waker that does nothing: fine while *we* decide when to poll again.
    let mut cx = Context::from_waker(Waker::noop());

    let first = Pin::new(&mut delay).poll(&mut cx);
    println!("delay, first poll:  {first:?}");
    thread::sleep(Duration::from_millis(60)); // past the deadline
    let second = Pin::new(&mut delay).poll(&mut cx);
    println!("delay, second poll: {second:?}");
    // ANCHOR_END: delay_by_hand
    assert_eq!(first, Poll::Pending);
    assert_eq!(second, Poll::Ready(()));

    // ANCHOR: async_by_hand
    let future = make_tea(2);
    println!("make_tea(2) called: nothing printed, we hold a paused future");
    let mut future = Box::pin(future);
    let mut polls = 0;
    let tea = loop {
        polls += 1;
        println!("  poll {polls}:");
        if let Poll::Ready(tea) = future.as_mut().poll(&mut cx) {
            break tea;
        }
    };
    println!("  => {tea:?} after {polls} polls");
    // ANCHOR_END: async_by_hand
    assert_eq!(polls, 3, "two steps, each pending once, need three polls");
    assert_eq!(tea, "500 ml of tea");

    // ANCHOR: poll_fn
    let answer = spool::block_on(async {
        let mut polls = 0;
        poll_fn(|cx| {
            polls += 1;
            if polls < 3 {
                cx.waker().wake_by_ref(); // not done: ask to be polled again
                return Poll::Pending;
            }
            Poll::Ready(polls)
        })
        .await
    });
    println!("poll_fn future: ready on poll {answer}");
    // ANCHOR_END: poll_fn
    assert_eq!(answer, 3);
}

// ANCHOR: make_tea
async fn make_tea(cups: u32) -> String {
    let water = step("boil water", cups * 250).await;
    step("steep", format!("{water} ml of tea")).await
}
// ANCHOR_END: make_tea
