//! Backticked names and paths: does the code still have what the prose names?
//!
//! Inline code in a chapter is read as a Rust fragment. A name in it is
//! checked when it looks like a Rust item — `CamelCase`, `called()` or
//! `macro!`, `snake_case`, `SCREAMING_CASE`, or any segment of a
//! `module::path` — and passes when it occurs in the workspace's code.
//! Plain lowercase words (`take`, `input`) are not checked: they are as
//! often English as Rust. A fragment that names a repository path
//! (`runtime/src/...`) or a source file (`progress.rs`) must name one that
//! exists.

use std::sync::LazyLock;

use regex::Regex;

use crate::{Chapter, Problem, Workspace};

/// An HTTP header name (`Content-Length`, `If-Range: "..."`).
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Z][A-Za-z0-9]*(-[A-Z0-9][A-Za-z0-9]*)+(:.*)?$").expect("valid regex")
});
/// Quoted text inside a fragment: a string, not names.
static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""[^"]*""#).expect("valid regex"));
/// File paths and file names, which [`paths_in`] checks instead.
static FILES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[\w./-]*/[\w./-]*|[\w.-]+\.(?:md|rs|toml|txt|json|csv|html|zip|iso|exe|part|meta|py|sh|lock)\b",
    )
    .expect("valid regex")
});
/// A name or `module::path`, with the `(` of a call or the `!` of a macro.
static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*(!|\()?").expect("valid regex")
});

/// Names the book borrows from outside the workspace. Keep each list short
/// and about one source; a name only needs to be here if the book uses it
/// in backticks and the workspace's code does not.
const ALLOWED: &[&[&str]] = &[
    // Rust keywords and std / core items the chapters compare against.
    &[
        "Self",
        "Send",
        "Sync",
        "Unpin",
        "Future",
        "Poll",
        "Ready",
        "Pending",
        "Context",
        "Pin",
        "Waker",
        "Wake",
        "RawWaker",
        "Ok",
        "Err",
        "Some",
        "None",
        "Option",
        "Result",
        "Box",
        "Rc",
        "Arc",
        "RefCell",
        "Cell",
        "Mutex",
        "Vec",
        "VecDeque",
        "BTreeMap",
        "HashMap",
        "Instant",
        "Duration",
        "String",
        "Drop",
        "Iterator",
        "AsyncIterator",
        "Display",
        "Infallible",
        "TimedOut",
        "WouldBlock",
        "UnexpectedEof",
        "pin",
        "catch_unwind",
        "noop",
        "poll_fn",
        "async",
        "await",
        "move",
        "dyn",
        "fn",
        "impl",
        "gen",
    ],
    // tokio, futures and the other crates the chapters compare with.
    &[
        "LocalSet",
        "spawn_local",
        "JoinSet",
        "MissedTickBehavior",
        "Delay",
        "mpsc",
        "Sender",
        "Receiver",
        "event_interval",
        "current_thread",
        "new_current_thread",
        "Builder",
        "unconstrained",
        "FuturesUnordered",
        "FuturesOrdered",
        "StreamOwned",
        "Call",
        "AsyncIterator",
        "size_hint",
        "CancellationToken",
        "AbortOnDropHandle",
        "try_join",
        "acquire_many",
        "block_in_place",
    ],
    // clippy lints the pitfalls chapter quotes.
    &["await_holding_lock", "await_holding_refcell_ref"],
    // Python's asyncio and aiohttp, as the tutorial writes them.
    &[
        "create_task",
        "run_in_executor",
        "to_thread",
        "get_nowait",
        "return_exceptions",
        "return_when",
        "FIRST_COMPLETED",
        "CancelledError",
        "ValueError",
        "TimeoutError",
        "IsADirectoryError",
        "ClientSession",
        "TCPConnector",
        "ClientError",
        "iter_chunked",
        "raise_for_status",
        "serve_forever",
        "start_server",
        "open_connection",
        "wait_for",
        "aclose",
        "cancel",
        "AsyncDownloader",
        "download_one",
        "download_all",
        "retry_delay",
        "max_retries",
        "output_dir",
        "max_concurrent",
        "Path",
        "gather",
        "maxsize",
        "task_done",
        "create_future",
        "readline",
        "Executing",
    ],
    // Python's literals, in `return_exceptions=True`.
    &["True", "False"],
    // JavaScript.
    &[
        "Promise",
        "allSettled",
        "AbortController",
        "AbortSignal",
        "setTimeout",
        "catch",
    ],
    // Placeholders the chapters write for "your own type here".
    &["YourType", "Field"],
    // HTTP, TLS and the operating system: names from RFCs and man pages.
    &[
        "ETag",
        "Range",
        "Authorization",
        "Connection",
        "Date",
        "GET",
        "POST",
        "HTTP",
        "close_notify",
        "epoll_wait",
        "renameat2",
        "RENAME_NOREPLACE",
        "SO_LINGER",
        "TCP_QUICKACK",
        "Basic",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
    ],
];

/// Roots of paths into crates outside the workspace: a path that starts
/// with one of these is not checked at all.
const FOREIGN_ROOTS: &[&str] = &[
    "std",
    "core",
    "alloc",
    "tokio",
    "futures",
    "futures_util",
    "mio",
    "rustls",
    "hyper",
    "smol",
    "async_std",
    "httparse",
    "tokio_rustls",
    "ureq",
    "reqwest",
    "asyncio",
    "aiohttp",
    "thread",
];

fn allowed(name: &str) -> bool {
    ALLOWED.iter().any(|list| list.contains(&name))
}

pub fn check(chapter: &Chapter, ws: &Workspace, problems: &mut Vec<Problem>) {
    for span in &chapter.spans {
        // A fragment the code prints (`timed out (deadline has elapsed)`)
        // is output, not names: it passes if a string literal holds it.
        let printed = span.text.contains(' ') && ws.literal_text.contains(span.text.as_str());
        for name in names_in(&span.text).into_iter().filter(|_| !printed) {
            let example = ws.packages.values().any(|p| p.examples.contains(&name));
            if !ws.idents.contains(&name) && !ws.literals.contains(&name) && !example {
                problems.push(Problem {
                    file: chapter.path.clone(),
                    line: span.line,
                    reason: format!(
                        "`{name}` (in `{}`) appears nowhere in the workspace's code",
                        span.text
                    ),
                });
            }
        }
        for path in paths_in(&span.text) {
            if !ws.has_path(&path) {
                problems.push(Problem {
                    file: chapter.path.clone(),
                    line: span.line,
                    reason: format!("`{path}` does not exist in the repository"),
                });
            }
        }
    }
}

/// Is this fragment someone else's language, or not code at all?
fn is_foreign(span: &str) -> bool {
    span.starts_with("await ")
        || span.starts_with("cargo ")
        || span.starts_with("$ ")
        || span.starts_with('-')
        || span.starts_with("__")
        || span.contains("://")
        || [
            "async with",
            "async def",
            "async for",
            "Promise.",
            "for await",
            "asyncio",
            "aiohttp",
        ]
        .iter()
        .any(|p| span.contains(p))
        || HEADER.is_match(span)
}

/// The names in a backticked fragment that look like Rust items and are
/// not on the allow-list.
pub fn names_in(span: &str) -> Vec<String> {
    if is_foreign(span) {
        return Vec::new();
    }
    let span = QUOTED.replace_all(span, "\"\"");
    let span = FILES.replace_all(&span, " ");
    let mut names = Vec::new();
    for m in ITEM.find_iter(&span) {
        // A name glued to a preceding `.` or letter-less context is still a
        // name; one glued to a digit (`0x`, `3s`) is not.
        if span[..m.start()].ends_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let text = m.as_str();
        let called = text.ends_with(['(', '!']);
        let path = text.trim_end_matches(['(', '!']);
        let segments: Vec<&str> = path.split("::").collect();
        if segments.len() > 1 {
            if FOREIGN_ROOTS.contains(&segments[0]) || allowed(segments[0]) {
                continue;
            }
            names.extend(
                segments
                    .iter()
                    .filter(|s| !allowed(s))
                    .map(|s| s.to_string()),
            );
        } else if looks_like_item(path, called) && !allowed(path) {
            names.push(path.to_string());
        }
    }
    names
}

fn looks_like_item(word: &str, called: bool) -> bool {
    let first = word.chars().next().unwrap_or(' ');
    let has_lower = word.chars().any(|c| c.is_ascii_lowercase());
    let has_upper = word.chars().any(|c| c.is_ascii_uppercase());
    // `poll_` in "one `poll_` method each" is a prefix, not a name.
    if word.len() < 2 || word.ends_with('_') {
        return false;
    }
    (called && word != "fn")
        || (first.is_ascii_uppercase() && has_lower)
        || (word.contains('_') && word.chars().any(|c| c.is_ascii_alphabetic()))
        || (!has_lower && has_upper && word.len() >= 5)
}

/// Repository paths (`runtime/src/task.rs`, `http/src/client/`) and bare
/// Rust file names (`progress.rs`) in a fragment.
pub fn paths_in(span: &str) -> Vec<String> {
    span.split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | ';' | '`' | '"')))
        .filter(|w| !w.contains("://") && !w.starts_with('/') && !w.starts_with('-'))
        .filter(|w| w.contains('/') || (w.ends_with(".rs") && w.len() > 3))
        .map(|w| w.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_items_are_picked_out_of_fragments() {
        assert_eq!(names_in("Arc<Mutex<JoinState<T>>>"), ["JoinState"]);
        assert_eq!(names_in("done.complete(Ok(future.await))"), ["complete"]);
        assert_eq!(
            names_in("spool::sync::oneshot"),
            ["spool", "sync", "oneshot"]
        );
        assert_eq!(names_in("join!"), ["join"]);
        assert_eq!(names_in("EVENT_INTERVAL"), ["EVENT_INTERVAL"]);
        assert_eq!(names_in("per_host"), ["per_host"]);
    }

    #[test]
    fn foreign_and_plain_words_are_left_alone() {
        for span in [
            "take",
            "std::thread::sleep",
            "tokio::select!",
            "await queue.join()",
            "asyncio.sleep(0)",
            "Content-Length",
            "Promise.allSettled",
            "Ok(\"done\")",
            "task panicked: <message>",
            "http://127.0.0.1:PORT/",
            "0.3s",
        ] {
            assert_eq!(names_in(span), Vec::<String>::new(), "{span}");
        }
    }

    #[test]
    fn paths_are_picked_out_of_fragments() {
        assert_eq!(paths_in("runtime/src/task.rs"), ["runtime/src/task.rs"]);
        assert_eq!(names_in("benches/README.md"), Vec::<String>::new());
        assert_eq!(paths_in("Bars` in `progress.rs"), ["progress.rs"]);
        assert!(paths_in("/api/crash").is_empty());
        assert!(paths_in("https://example.com/a").is_empty());
    }
}
