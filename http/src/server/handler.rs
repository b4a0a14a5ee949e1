//! [`Handler`]: what turns a request into a response.
//!
//! Most handlers are closures or `async fn`s, and the blanket impl makes
//! any `Fn(Request) -> impl Future<Output = Response>` a handler. The trait
//! exists so that a handler can also be a value with state and a name, such
//! as [`ServeDir`](super::ServeDir), whose method borrows `&self` across
//! its awaits instead of cloning an `Rc` into every request.
//!
//! Neither the handler nor its futures need to be `Send`: every connection
//! is a task on the one loop thread, and the server shares the handler
//! between them through an `Rc`. (hyper and axum require `Send` handlers
//! because tokio's scheduler moves tasks between threads.)

use super::{Request, Response};
use std::future::Future;

/// Answers requests.
///
/// # Examples
///
/// A handler with state of its own:
///
/// ```
/// use std::cell::Cell;
/// use spool_http::server::{Handler, Request, Response};
///
/// struct Counter {
///     hits: Cell<u64>,
/// }
///
/// impl Handler for Counter {
///     async fn call(&self, _request: Request) -> Response {
///         self.hits.set(self.hits.get() + 1);
///         Response::text(200, format!("hit number {}\n", self.hits.get()))
///     }
/// }
/// ```
pub trait Handler {
    /// Produces the response to `request`.
    fn call(&self, request: Request) -> impl Future<Output = Response>;
}

impl<F, Fut> Handler for F
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    fn call(&self, request: Request) -> impl Future<Output = Response> {
        self(request)
    }
}
