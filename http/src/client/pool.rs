//! The keep-alive pool: reuse of idle connections, and the limits on how
//! many may be open.
//!
//! Opening a connection costs a round trip for TCP and one or two more for
//! TLS, so a connection whose response was read to the end is kept and
//! handed to the next request for the same `(scheme, host, port)`. At the
//! same time the client promises never to have more than `limit`
//! connections open in total, and `per_host` to one origin, counting idle
//! ones: an idle socket still holds a file descriptor and a slot on the
//! server.
//!
//! # Why not a semaphore
//!
//! The obvious design is two semaphores, with every connection owning a
//! permit of each. It has a flaw: a request that finds its host at the
//! limit waits for a *permit*, while what it really waits for is "a
//! permit, or one of this host's connections going idle, whichever comes
//! first". An idle connection keeps its permit, so the waiter would sleep
//! next to a usable connection until it expired. A semaphore cannot
//! express that "or".
//!
//! So the pool keeps its own counts and one FIFO line of waiters, and a
//! single function, [`Shared::dispatch`], serves the line whenever anything
//! changes (a connection is checked in, a connection closes, a request
//! arrives). For each waiter in order it hands over, in this preference:
//!
//! 1. the most recently used idle connection of the waiter's origin;
//! 2. a [`Slot`] to open a new connection, if both limits allow;
//! 3. a slot freed by closing the longest-idle connection of *another*
//!    origin, if only the total limit is in the way.
//!
//! A waiter that none of these can serve keeps its place, and waiters
//! behind it for other origins may still be served; so a busy host cannot
//! starve a quiet one. New requests join at the back of the line, so they
//! never overtake earlier ones. Every open connection owns a [`Slot`]
//! whose `Drop` gives its place back, so an error path, a dropped response
//! or a cancelled task can never leak a place.
//!
//! Idle connections expire after `idle_timeout`. There is no reaper task:
//! expired connections are closed at the next pool operation, as ureq does.
//! hyper's pool runs an interval task for this; here a pool must also work
//! from a client created before the loop starts.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use foldhash::HashMap;
use spool::sync::oneshot;

use crate::client::conn::Connection;
use crate::client::slot::{Counts, PoolKey, Slot};
use crate::error::{Error, ErrorKind, Result};

/// What a waiter in line receives.
pub(crate) enum Grant {
    /// An idle connection to reuse (which may have died while idle).
    Idle(Connection),
    /// Permission to open a new connection.
    Open(Slot),
}

/// The pool, shared by a client and its clones.
pub(crate) struct Pool {
    shared: Rc<Shared>,
}

/// A hold on the pool that does not keep it alive, for a response that may
/// outlive its client: its connection then just closes.
#[derive(Clone)]
pub(crate) struct WeakPool {
    shared: Weak<Shared>,
}

struct Shared {
    limit: usize,
    per_host: usize,
    idle_timeout: Duration,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// Connections open in total, idle ones included.
    open: usize,
    /// Only origins with at least one open connection have an entry.
    /// (A key is hashed a few times per request, so with foldhash, faster
    /// than std's SipHash; its seed is random per process, so a flood of
    /// chosen origins cannot be aimed at one bucket.)
    hosts: HashMap<PoolKey, Origin>,
    line: VecDeque<Waiter>,
}

#[derive(Default)]
struct Origin {
    open: usize,
    /// Oldest at the front. Reuse takes from the back, since the most
    /// recently used connection is the least likely to have been closed
    /// by the server; expiry and eviction take from the front.
    idle: VecDeque<Idle>,
}

struct Idle {
    conn: Connection,
    since: Instant,
}

struct Waiter {
    key: PoolKey,
    grant: oneshot::Sender<Grant>,
}

impl Pool {
    pub(crate) fn new(limit: usize, per_host: usize, idle_timeout: Duration) -> Pool {
        Pool {
            shared: Rc::new(Shared {
                limit,
                per_host,
                idle_timeout,
                state: RefCell::new(State::default()),
            }),
        }
    }

    // ANCHOR: checkout
    /// Waits in line for an idle connection to `key` or a slot to open one.
    pub(crate) async fn checkout(&self, key: PoolKey) -> Result<Grant> {
        let (grant, granted) = oneshot::channel();
        self.shared
            .state
            .borrow_mut()
            .line
            .push_back(Waiter { key, grant });
        self.shared.dispatch();
        // The sender lives in the line, which lives as long as `self`.
        granted
            .await
            .map_err(|_| Error::new(ErrorKind::Io, "the connection pool was shut down"))
    }
    // ANCHOR_END: checkout

    /// A hold on the pool for a response, to give its connection back.
    pub(crate) fn downgrade(&self) -> WeakPool {
        WeakPool {
            shared: Rc::downgrade(&self.shared),
        }
    }

    /// How many connections are open, idle ones included.
    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.shared.state.borrow().open
    }
}

impl WeakPool {
    /// Puts a connection whose response was read to the end back into the
    /// pool, or straight into the hands of a waiter for its origin. If the
    /// client is gone, the connection just closes.
    pub(crate) fn checkin(&self, conn: Connection) {
        if let Some(shared) = self.shared.upgrade() {
            shared.checkin(conn);
        }
    }
}

impl Counts for Shared {
    /// Gives back the place of a connection that closed.
    fn release(self: Rc<Self>, key: &PoolKey) {
        {
            let mut state = self.state.borrow_mut();
            state.open -= 1;
            if let Some(host) = state.hosts.get_mut(key) {
                host.open -= 1;
                if host.open == 0 {
                    state.hosts.remove(key);
                }
            }
        }
        self.dispatch();
    }
}

impl Shared {
    /// Keeps an idle connection for reuse, and serves the line with it.
    fn checkin(self: &Rc<Self>, mut conn: Connection) {
        conn.mark_reused();
        let since = Instant::now();
        let orphan = {
            let mut state = self.state.borrow_mut();
            match state.hosts.get_mut(conn.key()) {
                Some(origin) => {
                    origin.idle.push_back(Idle { conn, since });
                    None
                }
                // Cannot happen (the connection's slot counts in its origin),
                // but closing it must wait until the state is released.
                None => Some(conn),
            }
        };
        drop(orphan);
        self.dispatch();
    }

    // ANCHOR: dispatch
    /// Serves the line as far as it can be served now.
    ///
    /// Grants are decided while the state is borrowed and delivered after,
    /// because delivering can fail (the waiter's request was cancelled) and
    /// recycling the grant, like closing a connection, re-enters the pool.
    fn dispatch(self: &Rc<Self>) {
        let mut grants = Vec::new();
        let mut closing = Vec::new();
        {
            let mut state = self.state.borrow_mut();
            let now = Instant::now();
            for host in state.hosts.values_mut() {
                while host
                    .idle
                    .front()
                    .is_some_and(|idle| now - idle.since >= self.idle_timeout)
                {
                    closing.extend(host.idle.pop_front().map(|idle| idle.conn));
                }
            }
            // An origin refused once stays refused for the rest of the
            // pass (serving other origins frees nothing it could use), so
            // the waiters behind it are skipped with a comparison instead
            // of a hash-map look-up each: with a long line for one busy
            // origin, every check-in would otherwise walk the whole line.
            let mut refused: Vec<PoolKey> = Vec::new();
            let mut i = 0;
            while i < state.line.len() {
                if refused.contains(&state.line[i].key) {
                    i += 1;
                    continue;
                }
                let Some(waiter) = state.line.remove(i) else {
                    break;
                };
                if let Some(grant) = self.grant(&mut state, &waiter.key) {
                    grants.push((waiter.grant, grant));
                    continue;
                }
                // With every place taken and no idle connection anywhere
                // to close for one, nobody further along can be served
                // either: stop here rather than walk the rest of the line.
                let full = state.open >= self.limit
                    && state.hosts.values().all(|host| host.idle.is_empty());
                refused.push(waiter.key.clone());
                state.line.insert(i, waiter);
                if full {
                    break;
                }
                i += 1;
            }
        }
        drop(closing);
        for (sender, grant) in grants {
            if let Err(grant) = sender.send(grant) {
                match grant {
                    Grant::Idle(conn) => self.checkin(conn),
                    Grant::Open(slot) => drop(slot),
                }
            }
        }
    }

    /// What the pool can give a waiter for `key` right now, if anything.
    fn grant(self: &Rc<Self>, state: &mut State, key: &PoolKey) -> Option<Grant> {
        if let Some(host) = state.hosts.get_mut(key) {
            if let Some(idle) = host.idle.pop_back() {
                return Some(Grant::Idle(idle.conn));
            }
            if host.open >= self.per_host {
                return None;
            }
        }
        if state.open < self.limit {
            state.hosts.entry(key.clone()).or_default().open += 1;
            state.open += 1;
            let counts: Weak<Shared> = Rc::downgrade(self);
            return Some(Grant::Open(Slot::new(counts, key.clone())));
        }
        // At the total limit: if another origin has an idle connection,
        // close the one idle longest and take over its place.
        let victim = state
            .hosts
            .iter()
            .filter(|(other, host)| *other != key && !host.idle.is_empty())
            .min_by_key(|(_, host)| host.idle.front().map(|idle| idle.since))
            .map(|(other, _)| other.clone())?;
        let victim_host = state.hosts.get_mut(&victim)?;
        let mut slot = victim_host.idle.pop_front()?.conn.into_slot();
        victim_host.open -= 1;
        if victim_host.open == 0 {
            state.hosts.remove(&victim);
        }
        state.hosts.entry(key.clone()).or_default().open += 1;
        slot.move_to(key.clone());
        Some(Grant::Open(slot))
    }
    // ANCHOR_END: dispatch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::transport::Transport;
    use url::Url;

    fn key(host: &str) -> PoolKey {
        PoolKey::from_url(&Url::parse(&format!("http://{host}/")).unwrap()).unwrap()
    }

    fn slot(grant: Grant) -> Slot {
        match grant {
            Grant::Open(slot) => slot,
            Grant::Idle(_) => panic!("expected a slot, got an idle connection"),
        }
    }

    /// A real connection (to a listener nobody accepts from) for `slot`.
    async fn connection(slot: Slot) -> Connection {
        let listener = spool::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let tcp = spool::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        std::mem::forget(listener);
        Connection::new(Transport::Plain(tcp), slot)
    }

    #[test]
    fn waiters_are_served_in_order_as_places_free_up() {
        spool::block_on(async {
            let pool = Rc::new(Pool::new(1, 1, Duration::from_secs(60)));
            let first = slot(pool.checkout(key("a.test")).await.unwrap());
            let order = Rc::new(RefCell::new(Vec::new()));
            let mut waiters = Vec::new();
            for name in ["b", "c", "d"] {
                let (pool, order) = (pool.clone(), order.clone());
                waiters.push(spool::spawn(async move {
                    let held = slot(pool.checkout(key("a.test")).await.unwrap());
                    order.borrow_mut().push(name);
                    spool::yield_now().await;
                    drop(held);
                }));
                spool::yield_now().await;
            }
            assert!(order.borrow().is_empty());
            drop(first);
            spool::join_all(waiters).await;
            assert_eq!(*order.borrow(), ["b", "c", "d"]);
            assert_eq!(pool.open(), 0);
        });
    }

    #[test]
    fn a_host_at_its_limit_does_not_block_other_hosts() {
        spool::block_on(async {
            let pool = Rc::new(Pool::new(10, 1, Duration::from_secs(60)));
            let _busy = slot(pool.checkout(key("a.test")).await.unwrap());
            let waiting = spool::spawn({
                let pool = pool.clone();
                async move { drop(pool.checkout(key("a.test")).await) }
            });
            spool::yield_now().await;
            let other = spool::time::timeout(Duration::from_secs(1), pool.checkout(key("b.test")));
            assert!(other.await.is_ok(), "b.test was held up behind a.test");
            assert!(!waiting.is_finished());
            waiting.abort();
        });
    }

    #[test]
    fn a_long_line_for_a_busy_host_neither_blocks_another_host_nor_loses_its_order() {
        spool::block_on(async {
            let pool = Rc::new(Pool::new(10, 1, Duration::from_secs(60)));
            let busy = slot(pool.checkout(key("a.test")).await.unwrap());
            let order = Rc::new(RefCell::new(Vec::new()));
            let mut waiters = Vec::new();
            for n in 0..5 {
                let (pool, order) = (pool.clone(), order.clone());
                waiters.push(spool::spawn(async move {
                    let held = slot(pool.checkout(key("a.test")).await.unwrap());
                    order.borrow_mut().push(n);
                    spool::yield_now().await;
                    drop(held);
                }));
                spool::yield_now().await;
            }
            let other = spool::time::timeout(Duration::from_secs(1), pool.checkout(key("b.test")));
            assert!(
                other.await.is_ok(),
                "b.test was held up behind a.test's line"
            );
            assert!(order.borrow().is_empty());
            drop(busy);
            spool::join_all(waiters).await;
            assert_eq!(*order.borrow(), [0, 1, 2, 3, 4]);
        });
    }

    /// The pass stops early only when nobody behind could be served: at
    /// the total limit, an idle connection of a third origin can still be
    /// closed to make a place for a waiter behind a refused one.
    #[test]
    fn a_refused_waiter_at_the_total_limit_does_not_stop_the_line_while_a_place_can_be_made() {
        spool::block_on(async {
            let pool = Rc::new(Pool::new(2, 1, Duration::from_secs(60)));
            let _busy = slot(pool.checkout(key("a.test")).await.unwrap());
            let idle = connection(slot(pool.checkout(key("c.test")).await.unwrap())).await;
            let refused = spool::spawn({
                let pool = pool.clone();
                async move { drop(pool.checkout(key("a.test")).await) }
            });
            spool::yield_now().await;
            let behind = spool::spawn({
                let pool = pool.clone();
                async move { slot(pool.checkout(key("b.test")).await.unwrap()) }
            });
            spool::yield_now().await;
            assert!(
                !behind.is_finished(),
                "b.test waits while both places are used"
            );
            // The check-in is refused to a.test (at its own limit) and
            // then evicted for b.test.
            pool.downgrade().checkin(idle);
            let got = spool::time::timeout(Duration::from_secs(1), behind).await;
            let got = got.expect("b.test was served").unwrap();
            assert_eq!(got.key(), &key("b.test"));
            assert!(!refused.is_finished());
            refused.abort();
        });
    }

    #[test]
    fn a_cancelled_waiter_does_not_take_a_place_with_it() {
        spool::block_on(async {
            let pool = Pool::new(1, 1, Duration::from_secs(60));
            let held = slot(pool.checkout(key("a.test")).await.unwrap());
            let gave_up =
                spool::time::timeout(Duration::from_millis(10), pool.checkout(key("a.test")));
            assert!(gave_up.await.is_err());
            drop(held);
            let again = spool::time::timeout(Duration::from_secs(1), pool.checkout(key("a.test")));
            let again = again.await.expect("the place came back").unwrap();
            assert_eq!(pool.open(), 1);
            drop(again);
            assert_eq!(pool.open(), 0);
        });
    }

    #[test]
    fn a_checked_in_connection_goes_to_the_waiter_for_its_host() {
        spool::block_on(async {
            let pool = Rc::new(Pool::new(1, 1, Duration::from_secs(60)));
            let conn = connection(slot(pool.checkout(key("a.test")).await.unwrap())).await;
            let waiter = spool::spawn({
                let pool = pool.clone();
                async move { matches!(pool.checkout(key("a.test")).await, Ok(Grant::Idle(_))) }
            });
            spool::yield_now().await;
            pool.downgrade().checkin(conn);
            assert!(waiter.await.unwrap(), "the waiter got the idle connection");
            assert_eq!(pool.open(), 0, "and closed it when it dropped the grant");
        });
    }

    #[test]
    fn idle_connections_count_against_the_limit_until_evicted_or_expired() {
        spool::block_on(async {
            let pool = Pool::new(1, 1, Duration::from_millis(50));
            let conn = connection(slot(pool.checkout(key("a.test")).await.unwrap())).await;
            pool.downgrade().checkin(conn);
            assert_eq!(pool.open(), 1);
            // Another host at the total limit evicts the idle connection.
            let other = slot(pool.checkout(key("b.test")).await.unwrap());
            assert_eq!(other.key(), &key("b.test"));
            assert_eq!(pool.open(), 1);
            let conn = connection(other).await;
            pool.downgrade().checkin(conn);
            // After the idle timeout the same host gets a new slot, not the
            // expired connection.
            spool::time::sleep(Duration::from_millis(80)).await;
            assert!(matches!(
                pool.checkout(key("b.test")).await,
                Ok(Grant::Open(_))
            ));
        });
    }
}
