//! `pipeline`: one producer, three consumers and a bounded queue
//! (`asyncio.Queue(maxsize=10)`).
//!
//! The tutorial's producer puts items in an `asyncio.Queue`, three consumers
//! take them out, and a `None` sentinel tells the consumers to stop. With
//! [`spool::sync::Queue`] the ending is spelled out instead:
//!
//! 1. the producer puts every item;
//! 2. `queue.join().await` waits until each one has been marked
//!    `task_done()`, that is, *processed*, not merely taken;
//! 3. `queue.close()` makes every consumer's `get()` return `None`, so their
//!    `while let` loops end. No sentinel, and no sentinel to pass along.
//!
//! Here the producer is faster than the consumers, so the queue fills up and
//! `put` makes the producer wait: that is backpressure, and it is what
//! `maxsize` is for. What to look for: items 0 to 12 go in at once (ten fill
//! the queue, three more take the places the consumers free as they start),
//! later puts report how long they waited for room, and the consumers share
//! the work.
//! The program checks that the queue never held more than 10 items and that
//! every item was handled exactly once, and exits non-zero otherwise.
//!
//! Run it with `cargo run -p spool --example pipeline`.

use std::rc::Rc;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use spool::sync::Queue;
use spool::time::sleep;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

const ITEMS: usize = 15;
const MAXSIZE: usize = 10;

// ANCHOR: producer
async fn producer(queue: &Queue<usize>) {
    for item in 0..ITEMS {
        let asked = Instant::now();
        if queue.put(item).await.is_err() {
            return; // closed early; nobody wants more items
        }
        let waited = asked.elapsed();
        if waited > Duration::from_millis(1) {
            say!(
                "[producer] put item-{item:02} after waiting {:.3}s for room",
                waited.as_secs_f64()
            );
        } else {
            say!("[producer] put item-{item:02}");
        }
        assert!(
            queue.len() <= MAXSIZE,
            "the queue holds {} items",
            queue.len()
        );
    }
}
// ANCHOR_END: producer

// ANCHOR: consumer
async fn consumer(name: String, queue: Rc<Queue<usize>>) -> Vec<usize> {
    let mut handled = Vec::new();
    while let Some(item) = queue.get().await {
        let work = Duration::from_millis(40 + (item as u64 * 37 % 4) * 10);
        sleep(work).await;
        say!("  [{name}] handled item-{item:02}");
        handled.push(item);
        queue.task_done().expect("one task_done per item taken");
    }
    handled
}
// ANCHOR_END: consumer

fn main() {
    let handled = spool::block_on(async {
        // ANCHOR: main
        let queue = Rc::new(Queue::new(MAXSIZE));
        let consumers: Vec<_> = (0..3)
            .map(|i| spool::spawn(consumer(format!("C-{i}"), queue.clone())))
            .collect();

        producer(&queue).await;
        queue.join().await;
        say!("every item processed; closing the queue");
        queue.close();

        let mut handled = Vec::new();
        for (i, task) in consumers.into_iter().enumerate() {
            let items = task.await.expect("consumers do not panic");
            say!("C-{i} handled {items:?}");
            handled.push(items);
        }
        // ANCHOR_END: main
        handled
    });

    assert!(
        handled.iter().all(|items| !items.is_empty()),
        "a consumer sat idle"
    );
    let mut all: Vec<usize> = handled.concat();
    all.sort();
    assert_eq!(
        all,
        (0..ITEMS).collect::<Vec<_>>(),
        "an item was lost or handled twice"
    );
    say!("all {ITEMS} items handled exactly once");
}
