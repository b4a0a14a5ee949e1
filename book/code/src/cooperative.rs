//! Exercise solution ("The event loop", exercise 2): a long computation
//! that gives the loop back every `chunk` steps.
//!
//! The loop cannot interrupt a poll, and the budget only counts spool's own
//! operations; a plain `for` loop of arithmetic never spends it. So
//! CPU-bound work on the loop has to yield by itself. Yielding every few
//! thousand steps keeps the cost of each `yield_now` small while every
//! other task, timer and socket gets a turn between chunks. (Work that is
//! long in total belongs on the blocking pool instead; see Blocking work.)

// ANCHOR: sum_of_squares
/// Adds up `i * i` for `i` in `0..n`, yielding to the loop every `chunk`
/// steps.
///
/// # Panics
///
/// If `chunk` is 0.
pub async fn sum_of_squares(n: u64, chunk: u64) -> u64 {
    assert!(chunk > 0, "chunk must be at least 1");
    let mut total: u64 = 0;
    for i in 0..n {
        total = total.wrapping_add(i * i);
        if (i + 1) % chunk == 0 {
            spool::yield_now().await;
        }
    }
    total
}
// ANCHOR_END: sum_of_squares

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn another_task_runs_between_the_chunks() {
        let done = Rc::new(Cell::new(false));
        let turns = Rc::new(Cell::new(0));
        let total = spool::block_on({
            let (done, turns) = (done.clone(), turns.clone());
            async move {
                // A task that counts how often it gets the thread.
                spool::spawn({
                    let (done, turns) = (done.clone(), turns.clone());
                    async move {
                        while !done.get() {
                            turns.set(turns.get() + 1);
                            spool::yield_now().await;
                        }
                    }
                });
                spool::yield_now().await; // let it start
                let total = sum_of_squares(100_000, 1_000).await;
                done.set(true);
                total
            }
        });
        assert_eq!(total, (0..100_000u64).map(|i| i * i).sum::<u64>());
        // 100 chunks, so about 100 turns; a loop that never yields allows 1.
        assert!(
            turns.get() >= 90,
            "the other task ran {} times",
            turns.get()
        );
    }
}
