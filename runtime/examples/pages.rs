//! `pages`: an async generator and `async for`.
//!
//! The tutorial's `paginated_api` is an async generator: it awaits a page,
//! yields it, and waits for the consumer before fetching the next. Rust has no
//! `yield` in async code yet, so [`spool::stream::generate`] hands the body a
//! yielder: `y.yield_(page).await` is Python's `yield page`. And since Rust has
//! no `async for` either, the loop is written out:
//! `while let Some(page) = pages.next().await`.
//!
//! What to look for: each page is printed as soon as its 0.1 s fetch is done,
//! not all at the end; and "fetching page N" appears only after the consumer
//! has finished with page N-1, because a generator runs only when asked. The
//! second run stops after two pages of a five-page API, and page 3 is never
//! fetched: dropping the stream cancels the paused generator. The program
//! checks both and exits non-zero otherwise.
//!
//! Run it with `cargo run -p spool --example pages`.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use spool::stream::{self, Stream, StreamExt};
use spool::time::sleep;

static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// `println!`, stamped with the time since the program started.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("[{:>7.3}s] {}", START.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

static FETCHED: AtomicU32 = AtomicU32::new(0);

struct Page {
    number: u32,
    items: Vec<String>,
}

// ANCHOR: generator
/// `async def paginated_api(base_url, pages)`: yields one page at a time,
/// each after a simulated network delay.
fn paginated_api(base_url: &str, pages: u32) -> impl Stream<Item = Page> + Unpin {
    stream::generate(|y| async move {
        for number in 1..=pages {
            say!("    fetching page {number}...");
            sleep(Duration::from_millis(100)).await;
            FETCHED.fetch_add(1, Ordering::SeqCst);
            let items = (0..5)
                .map(|i| format!("{base_url}/item-{number}-{i}"))
                .collect();
            y.yield_(Page { number, items }).await;
        }
    })
}
// ANCHOR_END: generator

fn main() {
    spool::block_on(async {
        say!("every page of a three-page API:");
        // ANCHOR: async_for
        let mut pages = paginated_api("/api/users", 3);
        let mut total = 0;
        while let Some(page) = pages.next().await {
            say!(
                "  page {}: {} items, first {}",
                page.number,
                page.items.len(),
                page.items[0]
            );
            total += page.items.len();
            sleep(Duration::from_millis(50)).await; // process the page
        }
        // ANCHOR_END: async_for
        say!("  {total} items in all");
        assert_eq!((total, FETCHED.load(Ordering::SeqCst)), (15, 3));

        println!();
        say!("the first two pages of a five-page API:");
        FETCHED.store(0, Ordering::SeqCst);
        // ANCHOR: early_exit
        let mut pages = paginated_api("/api/posts", 5);
        while let Some(page) = pages.next().await {
            say!("  page {}: {} items", page.number, page.items.len());
            if page.number == 2 {
                break; // `pages` is dropped here, and the generator with it
            }
        }
        // ANCHOR_END: early_exit
        let fetched = FETCHED.load(Ordering::SeqCst);
        say!("  pages fetched: {fetched}");
        assert_eq!(fetched, 2, "the generator ran ahead of its consumer");
    });
}
