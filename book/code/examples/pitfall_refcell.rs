//! `pitfall_refcell`: a `RefCell` borrow held across an `.await`.
//!
//! Single-threaded tasks share state through `Rc<RefCell<T>>`. A borrow is
//! checked at run time and lasts until its guard is dropped. Hold the guard
//! across an `.await`, and every other task that touches the cell while
//! this one is paused panics: "already borrowed". The borrow checker cannot
//! see it (each task is fine on its own); clippy can, with its
//! `await_holding_refcell_ref` lint, which this file switches off for the
//! one function that shows the trap.
//!
//! Cure: end the borrow before the `.await`. Do the waiting first and touch
//! the cell after, in one short statement.
//!
//! The program exits non-zero unless the trap panics in the second task and
//! the cure adds both items.
//!
//! Run it with `cargo run -p spool-book --example pitfall_refcell`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use spool::time::sleep;

// ANCHOR: trap
#[allow(clippy::await_holding_refcell_ref)] // the trap this example shows
async fn add_slowly(cart: Rc<RefCell<Vec<&'static str>>>, item: &'static str) {
    let mut items = cart.borrow_mut(); // borrowed here...
    sleep(Duration::from_millis(10)).await; // ...still borrowed while paused
    items.push(item);
}
// ANCHOR_END: trap

// ANCHOR: cure
async fn add_after_wait(cart: Rc<RefCell<Vec<&'static str>>>, item: &'static str) {
    sleep(Duration::from_millis(10)).await; // wait with nothing borrowed
    cart.borrow_mut().push(item); // borrow, push, release: one statement
}
// ANCHOR_END: cure

fn main() {
    // The panic's message reaches us through the JoinHandle; keep the
    // default hook from printing a second copy with a file and line.
    std::panic::set_hook(Box::new(|_| {}));

    spool::block_on(async {
        let cart = Rc::new(RefCell::new(Vec::new()));
        let first = spool::spawn(add_slowly(cart.clone(), "apples"));
        let second = spool::spawn(add_slowly(cart.clone(), "pears"));
        let (first, second) = (first.await, second.await);
        println!("trap: first task {first:?}");
        let error = second.unwrap_err();
        println!("      second task: {error}");
        println!("      cart: {:?}", cart.borrow());
        assert!(first.is_ok());
        assert!(error.is_panic());
        assert_eq!(*cart.borrow(), ["apples"]);

        let cart = Rc::new(RefCell::new(Vec::new()));
        let first = spool::spawn(add_after_wait(cart.clone(), "apples"));
        let second = spool::spawn(add_after_wait(cart.clone(), "pears"));
        let (first, second) = (first.await, second.await);
        println!(
            "cure: both tasks {first:?} {second:?}, cart: {:?}",
            cart.borrow()
        );
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(*cart.borrow(), ["apples", "pears"]);
    });
}
