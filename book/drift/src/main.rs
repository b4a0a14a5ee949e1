//! `cargo run -p spool-book-drift [ROOT]`: checks the book at ROOT (default:
//! the current directory, which `cargo run` leaves at the caller's) and
//! exits 1 with one `file:line: reason` per problem if its prose has drifted
//! from the code (or the code marks an anchor no chapter includes).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    if !root.join("book/src").is_dir() {
        eprintln!(
            "spool-book-drift: no book/src under {}; run it from the repository root or pass the root",
            root.display()
        );
        return ExitCode::from(2);
    }
    match spool_book_drift::check(&root) {
        Ok(problems) if problems.is_empty() => {
            println!(
                "book drift check: every name, example, path, link and include resolves, \
                 and every anchor is included"
            );
            ExitCode::SUCCESS
        }
        Ok(problems) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!(
                "book drift check: {} place(s) where the book and the code disagree. Fix the \
                 sentence (or the unused anchor), or, for a name from std/tokio/asyncio/JavaScript, \
                 add it to the allow-list in book/drift/src/names.rs.",
                problems.len()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("spool-book-drift: cannot read the workspace: {e}");
            ExitCode::from(2)
        }
    }
}
