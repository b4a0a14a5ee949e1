//! Exercise solution ("Introduction", exercise 1): the asyncio tutorial's
//! first program, `say_after`, awaited one after the other and then run as
//! two tasks.
//!
//! Instead of printing, each call writes when it starts and when it ends
//! into a log, so the tests can check which calls overlapped without
//! reading a clock.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// What happened, in order: `"start hello"`, `"end hello"`, …
pub type Log = Rc<RefCell<Vec<String>>>;

// ANCHOR: say_after
/// `async def say_after(delay, what): await asyncio.sleep(delay); print(what)`
pub async fn say_after(delay: Duration, what: &str, log: Log) {
    log.borrow_mut().push(format!("start {what}"));
    spool::time::sleep(delay).await;
    log.borrow_mut().push(format!("end {what}"));
}

/// `await say_after(1, 'hello'); await say_after(2, 'world')`: the second
/// call starts only when the first has finished.
pub async fn one_after_the_other(unit: Duration, log: Log) {
    say_after(unit, "hello", log.clone()).await;
    say_after(2 * unit, "world", log).await;
}

/// `asyncio.create_task` for each, then await both: both sleeps run at
/// once, so the whole takes the longer delay, not the sum.
pub async fn as_two_tasks(unit: Duration, log: Log) {
    let hello = spool::spawn(say_after(unit, "hello", log.clone()));
    let world = spool::spawn(say_after(2 * unit, "world", log));
    hello.await.expect("hello finished");
    world.await.expect("world finished");
}
// ANCHOR_END: say_after

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const UNIT: Duration = Duration::from_millis(50);

    fn run(
        program: impl FnOnce(Log) -> std::pin::Pin<Box<dyn Future<Output = ()>>>,
    ) -> Vec<String> {
        let log = Log::default();
        spool::block_on(program(log.clone()));
        log.take()
    }

    #[test]
    fn awaiting_one_after_the_other_never_overlaps() {
        let started = Instant::now();
        let log = run(|log| Box::pin(one_after_the_other(UNIT, log)));
        assert_eq!(
            log,
            ["start hello", "end hello", "start world", "end world"]
        );
        assert!(started.elapsed() >= 3 * UNIT);
    }

    #[test]
    fn two_tasks_sleep_at_the_same_time() {
        let started = Instant::now();
        let log = run(|log| Box::pin(as_two_tasks(UNIT, log)));
        assert_eq!(
            log,
            ["start hello", "start world", "end hello", "end world"]
        );
        assert!(started.elapsed() >= 2 * UNIT);
    }
}
