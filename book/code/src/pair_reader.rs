//! Exercise solution ("Pitfalls", exercise 2): reading pairs from a queue in
//! a way that survives `select!`.
//!
//! The `read_pair` of the pitfalls chapter keeps the header it has read in
//! its own future, so dropping the future drops the header. `PairReader`
//! keeps it in `self` instead. Its `next` future holds nothing but a borrow
//! of the reader and a `Queue::get`, and a dropped `get` loses nothing (the
//! queue's docs promise that). So `next` may be dropped at any `.await`, and
//! a fresh `next()` in the following turn of the loop carries on where the
//! last one stopped: it is cancellation safe.

use spool::sync::Queue;

// ANCHOR: pair_reader
/// Reads header/body pairs from `data`, keeping a half-read pair between
/// calls.
pub struct PairReader<'q, T> {
    data: &'q Queue<T>,
    /// A header whose body has not arrived yet.
    header: Option<T>,
}

impl<'q, T> PairReader<'q, T> {
    /// A reader of `data`, with nothing half-read.
    pub fn new(data: &'q Queue<T>) -> PairReader<'q, T> {
        PairReader { data, header: None }
    }

    /// The next pair, or `None` once the queue is closed. Cancellation safe.
    pub async fn next(&mut self) -> Option<(T, T)> {
        if self.header.is_none() {
            self.header = Some(self.data.get().await?);
        }
        let body = self.data.get().await?;
        let header = self.header.take().expect("set before the body was awaited");
        Some((header, body))
    }
}
// ANCHOR_END: pair_reader

#[cfg(test)]
mod tests {
    use super::*;

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

    async fn consume(data: &Queue<&'static str>, status: &Queue<&'static str>) -> Vec<String> {
        let mut reader = PairReader::new(data);
        let mut got = Vec::new();
        loop {
            // A fresh `next()` every turn, as in the chapter's trap.
            spool::select! {
                pair = reader.next() => match pair {
                    Some((h, b)) => got.push(format!("{h}+{b}")),
                    None => return got,
                },
                _ = status.get() => got.push("[status]".to_string()),
            }
        }
    }

    #[test]
    fn pairs_survive_interruptions() {
        let got = spool::block_on(async {
            let (data, status) = (Queue::new(0), Queue::new(0));
            let (got, ()) = spool::join!(consume(&data, &status), produce(&data, &status));
            got
        });
        let pairs: Vec<&str> = got
            .iter()
            .map(String::as_str)
            .filter(|s| s.contains('+'))
            .collect();
        assert_eq!(pairs, ["h1+b1", "h2+b2", "h3+b3"]);
        assert_eq!(
            got.len(),
            6,
            "three pairs and three status reports: {got:?}"
        );
    }
}
