//! Anchors: every `// ANCHOR: name` in the code must be included by some
//! chapter.
//!
//! [`links`] checks the other direction (an include names an
//! anchor that exists). An anchor nothing includes is a promise with no
//! reader: the next person to edit that code keeps the markers in step with
//! a listing that does not exist, and a reader of the code takes the marked
//! lines for something the book explains. So an `ANCHOR` line marks what the
//! book shows, nothing else; the exercise solutions under `book/code/src`
//! are held to the same rule.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::{Chapter, Problem, Workspace, links};

pub fn check(
    root: &Path,
    workspace: &Workspace,
    chapters: &[Chapter],
    problems: &mut Vec<Problem>,
) {
    let included = included_anchors(chapters);
    let marker = Regex::new(r"\bANCHOR:\s*([\w-]+)").expect("valid regex");
    for rel in &workspace.sources {
        let Ok(text) = fs::read_to_string(root.join(rel)) else {
            continue;
        };
        let file = canonical(&root.join(rel));
        for (i, line) in text.lines().enumerate() {
            for c in marker.captures_iter(line) {
                if !included.contains(&(file.clone(), c[1].to_string())) {
                    problems.push(Problem {
                        file: rel.clone(),
                        line: i + 1,
                        reason: format!(
                            "`ANCHOR: {name}` is included by no chapter: remove it and its \
                             `ANCHOR_END: {name}`, or include it with `{{{{#include …:{name}}}}}`",
                            name = &c[1]
                        ),
                    });
                }
            }
        }
    }
}

/// `(file, anchor)` for every `{{#include path:anchor}}` of every chapter,
/// with the file's path made absolute so that two spellings of one path
/// compare equal.
fn included_anchors(chapters: &[Chapter]) -> HashSet<(PathBuf, String)> {
    let mut included = HashSet::new();
    for chapter in chapters {
        for (_, spec) in links::includes(chapter) {
            let Some((path, selector)) = spec.split_once(':') else {
                continue;
            };
            let anchor = selector.split(':').next().unwrap_or("");
            if !anchor.is_empty() && !anchor.chars().all(|c| c.is_ascii_digit()) {
                included.insert((canonical(&chapter.dir.join(path)), anchor.to_string()));
            }
        }
    }
    included
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
