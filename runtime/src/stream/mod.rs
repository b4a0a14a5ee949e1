//! `async for`: values that arrive one at a time, each one possibly after a
//! wait.
//!
//! A [`Future`] produces one value. A [`Stream`] produces
//! many, and then says it is done. Python writes `async for page in
//! fetch_pages(): ...`. Rust has no `async for` yet, so the loop is spelled
//! out:
//!
//! ```
//! use spool::stream::{self, StreamExt};
//!
//! spool::block_on(async {
//!     let mut pages = stream::iter(["page 1", "page 2"]);
//!     while let Some(page) = pages.next().await {
//!         println!("{page}");
//!     }
//! });
//! ```
//!
//! What this module holds:
//!
//! - the [`Stream`] trait itself;
//! - [`StreamExt`]: `next`, `map`, `filter`, `take`, `collect`, `for_each`;
//! - three ways to build a stream: [`iter`] from anything iterable, [`unfold`]
//!   from a state and an async step function, and [`generate`], which reads
//!   like a Python async generator with `yield`.
//!
//! The trait has the same shape as `futures::Stream` and std's unstable
//! `AsyncIterator`: one `poll_next` method. We leave out `size_hint` to keep
//! the surface small.

use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

mod ext;
mod generate;
mod iter;
mod unfold;

pub use ext::{Filter, Map, Next, StreamExt, Take};
pub use generate::{Generate, Yield, Yielder, generate};
pub use iter::{Iter, iter};
pub use unfold::{Unfold, unfold};

// ANCHOR: stream_trait
/// A source of values that arrive asynchronously: the async version of
/// [`Iterator`].
///
/// Most code never calls `poll_next` directly. It awaits
/// [`StreamExt::next`] or uses the other [`StreamExt`] methods.
///
/// # Examples
///
/// Implementing `Stream` by hand for a countdown that never has to wait:
///
/// ```
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
/// use spool::stream::{Stream, StreamExt};
///
/// struct Countdown(u32);
///
/// impl Stream for Countdown {
///     type Item = u32;
///
///     fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
///         let this = self.get_mut();
///         if this.0 == 0 {
///             return Poll::Ready(None);
///         }
///         this.0 -= 1;
///         Poll::Ready(Some(this.0 + 1))
///     }
/// }
///
/// let launch = spool::block_on(Countdown(3).collect::<Vec<_>>());
/// assert_eq!(launch, [3, 2, 1]);
/// ```
pub trait Stream {
    /// The type of the values the stream produces.
    type Item;

    /// Tries to get the next value.
    ///
    /// - `Poll::Ready(Some(item))`: here is the next value.
    /// - `Poll::Ready(None)`: the stream has finished.
    /// - `Poll::Pending`: no value yet. As with a future, the stream has
    ///   arranged for `cx`'s waker to be woken when it is worth asking again.
    ///
    /// Whether a finished stream may be polled again depends on the stream.
    /// Every stream in this module keeps returning `Ready(None)`.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;
}
// ANCHOR_END: stream_trait

/// Lets `&mut stream` be used where a stream is expected, so adapters can
/// borrow a stream instead of consuming it.
impl<S: Stream + Unpin + ?Sized> Stream for &mut S {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self.get_mut()).poll_next(cx)
    }
}

/// A pinned stream is a stream. This covers `Pin<Box<S>>`, the usual way to
/// give a `!Unpin` stream to the adapters, and `Pin<&mut S>` from
/// [`std::pin::pin!`].
impl<P> Stream for Pin<P>
where
    P: DerefMut<Target: Stream>,
{
    type Item = <P::Target as Stream>::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.as_deref_mut().poll_next(cx)
    }
}
