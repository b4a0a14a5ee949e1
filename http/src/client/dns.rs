//! Name resolution with a small cache.
//!
//! `getaddrinfo` blocks, so [`spool::net::lookup_host`] runs it on the
//! blocking pool. A batch download of a thousand files from one host would
//! still ask the system resolver a thousand times, and with a cold cache
//! start a thousand identical queries at once. So answers are kept for a
//! fixed time to live, and while a query for a name is in flight, later
//! requests for that name wait for its answer instead of starting their own.
//!
//! The query runs as its own task. If it ran inside the request that
//! started it, cancelling that request (a timeout, a dropped future) would
//! cancel the query for everyone waiting on it.
//!
//! The time to live is ours, not the record's: `getaddrinfo` does not
//! report DNS TTLs. Failures are not cached, so a transient failure is
//! retried by the next request. aiohttp's resolver cache works the same
//! way; hyper leaves caching to the system resolver.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use spool::sync::oneshot;

use crate::error::{Error, ErrorKind, Result};

/// A lookup function: the system resolver, or a fake in tests.
type Lookup = Rc<dyn Fn(String) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>>>>>;

/// What a waiter for a query in flight receives: the addresses, or the
/// error's message (an `io::Error` cannot be cloned for every waiter).
type Answer = std::result::Result<Rc<[IpAddr]>, String>;

/// A caching resolver, shared by a client and its clones.
pub(crate) struct Resolver {
    ttl: Duration,
    lookup: Lookup,
    cache: Rc<RefCell<HashMap<String, Entry>>>,
}

enum Entry {
    Resolved {
        addrs: Rc<[IpAddr]>,
        expires: Instant,
    },
    InFlight {
        waiters: Vec<oneshot::Sender<Answer>>,
    },
}

impl Resolver {
    /// A resolver using the system's `getaddrinfo`.
    pub(crate) fn system(ttl: Duration) -> Resolver {
        Resolver::with_lookup(
            ttl,
            Rc::new(|host: String| {
                Box::pin(async move {
                    let addrs = spool::net::lookup_host(&host, 0).await?;
                    Ok(addrs.into_iter().map(|addr| addr.ip()).collect())
                })
            }),
        )
    }

    fn with_lookup(ttl: Duration, lookup: Lookup) -> Resolver {
        Resolver {
            ttl,
            lookup,
            cache: Rc::new(RefCell::new(HashMap::new())),
        }
    }

    // ANCHOR: resolve
    /// The addresses of `host`, from the cache, from a query already in
    /// flight, or from a new query.
    pub(crate) async fn resolve(&self, host: &str) -> Result<Rc<[IpAddr]>> {
        let answer = {
            let mut cache = self.cache.borrow_mut();
            let (waiter, answer) = oneshot::channel();
            match cache.get_mut(host) {
                Some(Entry::Resolved { addrs, expires }) if *expires > Instant::now() => {
                    return Ok(addrs.clone());
                }
                Some(Entry::InFlight { waiters }) => waiters.push(waiter),
                _ => {
                    cache.insert(
                        host.to_owned(),
                        Entry::InFlight {
                            waiters: vec![waiter],
                        },
                    );
                    self.start_query(host.to_owned());
                }
            }
            answer
        };
        match answer.await {
            Ok(Ok(addrs)) => Ok(addrs),
            Ok(Err(message)) => Err(Error::new(
                ErrorKind::Dns,
                format!("could not resolve host {host}: {message}"),
            )),
            Err(_) => Err(Error::new(
                ErrorKind::Dns,
                format!("the lookup of host {host} was abandoned (its event loop stopped)"),
            )),
        }
    }
    // ANCHOR_END: resolve

    fn start_query(&self, host: String) {
        let lookup = self.lookup.clone();
        let query = Query {
            host,
            cache: self.cache.clone(),
            ttl: self.ttl,
            answered: false,
        };
        spool::spawn(async move {
            let answer: Answer = match lookup(query.host.clone()).await {
                Ok(addrs) if addrs.is_empty() => Err("no addresses found".to_owned()),
                Ok(addrs) => Ok(addrs.into()),
                Err(e) => Err(e.to_string()),
            };
            query.answer(answer);
        });
    }
}

/// A query in flight. If its task is dropped before it answers (the loop
/// shut down), `Drop` clears the entry, so that the name does not stay
/// "in flight" forever and its waiters learn the lookup was abandoned.
struct Query {
    host: String,
    cache: Rc<RefCell<HashMap<String, Entry>>>,
    ttl: Duration,
    answered: bool,
}

impl Query {
    fn answer(mut self, answer: Answer) {
        self.answered = true;
        let previous = {
            let mut cache = self.cache.borrow_mut();
            match &answer {
                Ok(addrs) => cache.insert(
                    self.host.clone(),
                    Entry::Resolved {
                        addrs: addrs.clone(),
                        expires: Instant::now() + self.ttl,
                    },
                ),
                Err(_) => cache.remove(&self.host),
            }
        };
        if let Some(Entry::InFlight { waiters }) = previous {
            for waiter in waiters {
                let _ = waiter.send(answer.clone());
            }
        }
    }
}

impl Drop for Query {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let mut cache = self.cache.borrow_mut();
        if let Some(Entry::InFlight { .. }) = cache.get(&self.host) {
            cache.remove(&self.host);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::net::Ipv4Addr;

    /// A resolver whose lookups take 20 ms, count themselves, and fail for
    /// names starting with "bad".
    fn counting(ttl: Duration) -> (Resolver, Rc<Cell<u32>>) {
        let count = Rc::new(Cell::new(0));
        let counter = count.clone();
        let lookup: Lookup = Rc::new(move |host: String| {
            counter.set(counter.get() + 1);
            Box::pin(async move {
                spool::time::sleep(Duration::from_millis(20)).await;
                if host.starts_with("bad") {
                    Err(io::Error::new(io::ErrorKind::NotFound, "no such host"))
                } else {
                    Ok(vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))])
                }
            })
        });
        (Resolver::with_lookup(ttl, lookup), count)
    }

    #[test]
    fn concurrent_lookups_of_one_name_share_one_query() {
        spool::block_on(async {
            let (resolver, count) = counting(Duration::from_secs(60));
            let (a, b, c) = spool::join!(
                resolver.resolve("example.test"),
                resolver.resolve("example.test"),
                resolver.resolve("other.test"),
            );
            assert_eq!(a.unwrap()[0], IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
            assert_eq!(b.unwrap().len(), 1);
            assert!(c.is_ok());
            assert_eq!(count.get(), 2, "one query per distinct name");
        });
    }

    #[test]
    fn answers_are_cached_for_the_ttl_and_then_refreshed() {
        spool::block_on(async {
            let (resolver, count) = counting(Duration::from_millis(100));
            resolver.resolve("example.test").await.unwrap();
            resolver.resolve("example.test").await.unwrap();
            assert_eq!(count.get(), 1);
            spool::time::sleep(Duration::from_millis(150)).await;
            resolver.resolve("example.test").await.unwrap();
            assert_eq!(count.get(), 2);
        });
    }

    #[test]
    fn failures_are_reported_to_every_waiter_and_not_cached() {
        spool::block_on(async {
            let (resolver, count) = counting(Duration::from_secs(60));
            let (a, b) = spool::join!(resolver.resolve("bad.test"), resolver.resolve("bad.test"));
            for result in [a, b] {
                let err = result.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Dns);
                assert_eq!(
                    err.to_string(),
                    "could not resolve host bad.test: no such host"
                );
            }
            assert_eq!(count.get(), 1);
            assert!(resolver.resolve("bad.test").await.is_err());
            assert_eq!(count.get(), 2);
        });
    }

    #[test]
    fn a_query_abandoned_with_its_loop_is_not_left_in_flight() {
        let (resolver, count) = counting(Duration::from_secs(60));
        spool::block_on(async {
            let waiting =
                spool::time::timeout(Duration::from_millis(1), resolver.resolve("example.test"));
            assert!(waiting.await.is_err());
        });
        // The loop ended with the query unanswered; a new loop asks again
        // instead of waiting for an answer that will never come.
        spool::block_on(async {
            let again =
                spool::time::timeout(Duration::from_secs(5), resolver.resolve("example.test"));
            assert!(again.await.expect("the name was left in flight").is_ok());
        });
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn a_cancelled_first_caller_does_not_cancel_the_query() {
        spool::block_on(async {
            let (resolver, count) = counting(Duration::from_secs(60));
            let first =
                spool::time::timeout(Duration::from_millis(1), resolver.resolve("example.test"));
            assert!(first.await.is_err());
            assert!(resolver.resolve("example.test").await.is_ok());
            assert_eq!(count.get(), 1);
        });
    }
}
