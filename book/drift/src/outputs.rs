//! Example output: what the book says a program prints must be what it
//! printed.
//!
//! `book/refresh-outputs` runs the examples and writes their output to
//! `book/src/outputs/NAME.txt`; chapters include those files, and CI
//! regenerates them and compares. This module keeps that loop closed from
//! the book's side:
//!
//! - a code block introduced as output ("It prints:") must be an include of
//!   `outputs/`, not text pasted by hand;
//! - every file in `outputs/` must be written by `book/refresh-outputs`
//!   (or it would never be regenerated) and included by some chapter (or
//!   it is dead weight).

use std::fs;
use std::path::Path;

use crate::{Chapter, Problem};

/// Words in the paragraph before a block that announce program output.
const ANNOUNCES_OUTPUT: &[&str] = &["prints", "printed", "output"];

pub fn check(root: &Path, chapters: &[Chapter], problems: &mut Vec<Problem>) {
    for chapter in chapters {
        for block in &chapter.code_blocks {
            let intro = block.intro.to_lowercase();
            let announced = intro.trim_end().ends_with(':')
                && ANNOUNCES_OUTPUT.iter().any(|w| intro.contains(w));
            let recorded = block
                .lines
                .iter()
                .any(|l| l.text.contains("{{#include outputs/"));
            if announced && !recorded && matches!(block.lang.as_str(), "text" | "console" | "") {
                problems.push(Problem {
                    file: chapter.path.clone(),
                    line: block.line,
                    reason: "this block is introduced as program output but is not recorded: \
                             add the run to book/refresh-outputs and include outputs/NAME.txt"
                        .to_string(),
                });
            }
        }
    }

    let dir = root.join("book/src/outputs");
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    let script = fs::read_to_string(root.join("book/refresh-outputs")).unwrap_or_default();
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    for name in names {
        let file = Path::new("book/src/outputs").join(&name);
        let stem = name.trim_end_matches(".txt");
        let generated = script
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .any(|word| word == stem);
        if !generated {
            problems.push(Problem {
                file: file.clone(),
                line: 1,
                reason: format!(
                    "book/refresh-outputs does not write {name}, so nothing keeps it true"
                ),
            });
        }
        let include = format!("{{{{#include outputs/{name}}}}}");
        if !chapters.iter().any(|c| c.text.contains(&include)) {
            problems.push(Problem {
                file,
                line: 1,
                reason: format!("no chapter includes outputs/{name}"),
            });
        }
    }
}
