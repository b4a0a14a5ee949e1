//! `pitfall_select`: a future that is not cancellation safe, in a
//! `select!` loop.
//!
//! `select!` drops every branch that did not win. Dropping a future cancels
//! it *wherever it was paused*, and whatever it had done so far is lost with
//! it. `read_pair` takes two items from a queue; if another branch wins
//! after it took the first and while it waits for the second, the first item
//! goes down with it.
//!
//! The producer sends three header/body pairs and asks for a status report
//! between the halves of each. Trap: a fresh `read_pair` in every turn of the
//! loop; the report interrupts it, headers are lost and the pairs come out
//! mismatched. Cure: create the future once, outside the loop, and keep
//! polling the same one until it finishes; a status report now only pauses
//! it.
//!
//! The program exits non-zero unless the trap garbles the pairs and the cure
//! receives exactly what was sent.
//!
//! Run it with `cargo run -p spool-book --example pitfall_select`.

use std::pin::pin;

use spool::sync::Queue;

// ANCHOR: read_pair
/// The next two items, or `None` once the queue is closed. Not cancellation
/// safe: dropped between its two `get`s, it loses the first item.
async fn read_pair(data: &Queue<&'static str>) -> Option<(&'static str, &'static str)> {
    let header = data.get().await?;
    let body = data.get().await?;
    Some((header, body))
}
// ANCHOR_END: read_pair

/// Sends three header/body pairs, a status request between each pair's
/// halves, yielding after every item so the consumer sees them one by one.
async fn produce(data: &Queue<&'static str>, status: &Queue<&'static str>) {
    for (header, body) in [("h1", "b1"), ("h2", "b2"), ("h3", "b3")] {
        data.put(header).await.unwrap();
        spool::yield_now().await;
        status.put("status?").await.unwrap();
        spool::yield_now().await;
        data.put(body).await.unwrap();
        spool::yield_now().await;
    }
    data.close();
    status.close();
}

// ANCHOR: trap
async fn consume_trap(data: &Queue<&'static str>, status: &Queue<&'static str>) -> Vec<String> {
    let mut got = Vec::new();
    loop {
        spool::select! {
            pair = read_pair(data) => match pair {
                Some((h, b)) => got.push(format!("{h}+{b}")),
                None => return got,
            },
            _ = status.get() => got.push("[status]".to_string()),
        }
    }
}
// ANCHOR_END: trap

// ANCHOR: cure
async fn consume_cure(data: &Queue<&'static str>, status: &Queue<&'static str>) -> Vec<String> {
    let mut got = Vec::new();
    let mut pair = pin!(read_pair(data)); // one future, kept across turns
    loop {
        spool::select! {
            next = pair.as_mut() => match next {
                Some((h, b)) => {
                    got.push(format!("{h}+{b}"));
                    pair.set(read_pair(data)); // finished: start the next one
                }
                None => return got,
            },
            _ = status.get() => got.push("[status]".to_string()),
        }
    }
}
// ANCHOR_END: cure

fn main() {
    let (trap, cure) = spool::block_on(async {
        let (data, status) = (Queue::new(0), Queue::new(0));
        let (trap, ()) = spool::join!(consume_trap(&data, &status), produce(&data, &status));
        let (data, status) = (Queue::new(0), Queue::new(0));
        let (cure, ()) = spool::join!(consume_cure(&data, &status), produce(&data, &status));
        (trap, cure)
    });
    println!("sent:  h1+b1 h2+b2 h3+b3, a status request inside each pair");
    println!("trap:  {}", trap.join(" "));
    println!("cure:  {}", cure.join(" "));
    let pairs = |got: &[String]| -> Vec<String> {
        got.iter().filter(|s| s.contains('+')).cloned().collect()
    };
    assert_ne!(
        pairs(&trap),
        ["h1+b1", "h2+b2", "h3+b3"],
        "the trap should garble the pairs"
    );
    assert_eq!(pairs(&cure), ["h1+b1", "h2+b2", "h3+b3"]);
}
