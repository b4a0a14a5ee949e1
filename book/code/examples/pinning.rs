//! `pinning`: why a future that has been polled must stay where it is.
//!
//! An `async` block that keeps a reference to one of its own locals across
//! an `.await` stores both the local and the reference *inside the future*.
//! The reference is an address, and it points into the future itself. The
//! program polls such a future twice and prints that address and the
//! future's own address range: the reference points inside, so moving the
//! future between the polls would leave it pointing at the old place.
//! `pin!` is what makes the move impossible.
//!
//! It then shows the other side: a future that is `Unpin` can be polled
//! through `Pin::new(&mut future)` and moved freely between polls.
//!
//! The program exits non-zero if the reference does not point into the
//! future or if the address changes between the polls.
//!
//! Run it with `cargo run -p spool-book --example pinning`.

use std::cell::RefCell;
use std::future::Future;
use std::mem::size_of_val;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use spool_book::step;

fn main() {
    let mut cx = Context::from_waker(Waker::noop());

    // ANCHOR: self_ref
    let seen = RefCell::new(Vec::new());
    let future = async {
        let buffer = [1u8; 64];
        let view = &buffer[..]; // a reference to a local of this future...
        seen.borrow_mut().push(view.as_ptr().addr());
        step("wait", ()).await; // ...kept alive across an .await
        seen.borrow_mut().push(view.as_ptr().addr());
        view.len()
    };
    let mut future = pin!(future); // from here on it cannot move
    let start = (&*future as *const _ as *const u8).addr();
    let end = start + size_of_val(&*future);
    println!("the future is {} bytes long", end - start);

    assert!(future.as_mut().poll(&mut cx).is_pending());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(64));
    for (poll, addr) in seen.borrow().iter().enumerate() {
        let inside = (start..end).contains(addr);
        let offset = addr.wrapping_sub(start);
        println!(
            "  poll {}: `view` points into the future: {inside} (byte {offset})",
            poll + 1
        );
    }
    // ANCHOR_END: self_ref
    let seen = seen.into_inner();
    assert!(seen.iter().all(|addr| (start..end).contains(addr)));
    assert_eq!(seen[0], seen[1], "a pinned future does not move");

    // ANCHOR: unpin
    // `Step` is `Unpin`: nothing inside it points into itself.
    let mut first = step("unpin", 7);
    assert!(Pin::new(&mut first).poll(&mut cx).is_pending());
    let mut moved = first; // moving it between polls is fine...
    let out = Pin::new(&mut moved).poll(&mut cx); // ...and Pin::new is safe
    println!("an Unpin future, moved between polls: {out:?}");
    // ANCHOR_END: unpin
    assert_eq!(out, Poll::Ready(7));
}
