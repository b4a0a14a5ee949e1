//! The book's drift check: does the prose still name only things the code has?
//!
//! `{{#include}}` keeps the book's *listings* in step with the code, but
//! nothing keeps its *sentences* in step: a chapter can go on describing a
//! type that was renamed, an example that was deleted or a file that moved,
//! and mdBook builds it without a word (it even exits 0 when an included
//! file or anchor is missing). This crate reads every chapter in `book/src`
//! and reports each place where the book names something that is not there:
//!
//! - a backticked name that looks like a Rust item (`CamelCase`,
//!   `snake_case()`, `module::path`, `SOME_CONSTANT`) and appears nowhere in
//!   the workspace's Rust code ([`names`]);
//! - a file path (`runtime/src/...`) that does not exist;
//! - a `cargo` command naming a package, example or bench that does not
//!   exist, or a `spool-dl` flag the command line does not accept
//!   ([`commands`]);
//! - an internal link, `#anchor` or `{{#include path:anchor}}` that does not
//!   resolve ([`links`]), and an `// ANCHOR:` in the code that no chapter
//!   includes ([`anchors`]);
//! - program output pasted by hand instead of recorded by
//!   `book/refresh-outputs`, or a recorded output nothing includes
//!   ([`outputs`]).
//!
//! The check is deliberately simple: a name "exists" if it occurs as a token
//! in the code (comments and string literals removed), not if it resolves
//! the way rustc would. That catches the drift that actually happens —
//! renames and removals — at the cost of an allow-list for the names the
//! book borrows from std, tokio, asyncio and JavaScript.

pub mod anchors;
mod chapter;
pub mod commands;
pub mod links;
pub mod names;
pub mod outputs;
mod rust_tokens;
mod workspace;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use chapter::Chapter;
pub use workspace::Workspace;

/// One place where the book names something the code does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The chapter, relative to the repository root.
    pub file: PathBuf,
    /// 1-based line in that chapter.
    pub line: usize,
    /// What was named and why it does not resolve, for a person to act on.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// Checks every chapter under `root/book/src` against the workspace at
/// `root`, and returns the problems in file and line order.
pub fn check(root: &Path) -> io::Result<Vec<Problem>> {
    let workspace = Workspace::scan(root)?;
    let mut problems = Vec::new();
    let chapters = Chapter::load_all(&root.join("book/src"), root)?;
    for chapter in &chapters {
        names::check(chapter, &workspace, &mut problems);
        commands::check(chapter, &workspace, &mut problems);
        links::check(chapter, &mut problems);
    }
    outputs::check(root, &chapters, &mut problems);
    anchors::check(root, &workspace, &chapters, &mut problems);
    problems.sort_by(|a, b| (&a.file, a.line, &a.reason).cmp(&(&b.file, b.line, &b.reason)));
    problems.dedup();
    Ok(problems)
}
