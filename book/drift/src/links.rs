//! Links and includes: every internal link, `#anchor` and
//! `{{#include path:anchor}}` must resolve.
//!
//! mdBook warns about a missing included file or anchor and still exits 0,
//! and it does not check `#anchor`s at all, so a renamed heading or a moved
//! `// ANCHOR:` marker would silently leave a hole in the rendered book.

use std::fs;
use std::path::Path;

use regex::Regex;

use crate::{Chapter, Problem};

pub fn check(chapter: &Chapter, problems: &mut Vec<Problem>) {
    let mut report = |line: usize, reason: String| {
        problems.push(Problem {
            file: chapter.path.clone(),
            line,
            reason,
        })
    };
    for link in &chapter.links {
        if let Err(reason) = resolve_link(chapter, &link.text) {
            report(link.line, reason);
        }
    }
    for (line, spec) in includes(chapter) {
        if let Err(reason) = resolve_include(&chapter.dir, &spec) {
            report(line, reason);
        }
    }
}

/// The chapter's `{{#include SPEC}}`s (and `rustdoc_include`s), each with
/// its 1-based line; an escaped `\{{#include}}` is text, not an include.
pub fn includes(chapter: &Chapter) -> Vec<(usize, String)> {
    let include =
        Regex::new(r"\{\{#(?:include|rustdoc_include)\s+([^}\s]+)\s*\}\}").expect("valid regex");
    let mut found = Vec::new();
    for (i, line) in chapter.text.lines().enumerate() {
        for c in include.captures_iter(line) {
            let escaped = line[..c.get(0).expect("whole match").start()].ends_with('\\');
            if !escaped {
                found.push((i + 1, c[1].to_string()));
            }
        }
    }
    found
}

fn resolve_link(chapter: &Chapter, dest: &str) -> Result<(), String> {
    if dest.contains("://") || dest.starts_with("mailto:") {
        return Ok(());
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (dest, None),
    };
    let ids = if path.is_empty() {
        chapter.heading_ids.clone()
    } else {
        let target = chapter.dir.join(path);
        if !target.exists() {
            return Err(format!("link to `{dest}`: `{path}` does not exist"));
        }
        match (anchor, target.extension().and_then(|e| e.to_str())) {
            (Some(_), Some("md")) => {
                let text =
                    fs::read_to_string(&target).map_err(|e| format!("link to `{dest}`: {e}"))?;
                Chapter::parse(path.into(), chapter.dir.clone(), text).heading_ids
            }
            _ => return Ok(()),
        }
    };
    match anchor {
        Some(a) if !ids.iter().any(|id| id == a) => Err(format!(
            "link to `{dest}`: no heading has the id `{a}` (ids there: {})",
            ids.join(", ")
        )),
        _ => Ok(()),
    }
}

/// `path`, `path:anchor`, `path:N`, `path:N:M`, `path:N:`, `path::M`.
fn resolve_include(dir: &Path, spec: &str) -> Result<(), String> {
    let (path, selector) = match spec.split_once(':') {
        Some((p, s)) => (p, Some(s)),
        None => (spec, None),
    };
    let target = dir.join(path);
    let text = fs::read_to_string(&target)
        .map_err(|e| format!("`{{{{#include {spec}}}}}`: cannot read `{path}`: {e}"))?;
    let Some(selector) = selector else {
        return Ok(());
    };
    let first = selector.split(':').next().unwrap_or("");
    if first.is_empty() || first.chars().all(|c| c.is_ascii_digit()) {
        let start: usize = first.parse().unwrap_or(1);
        if text.lines().count() < start {
            return Err(format!(
                "`{{{{#include {spec}}}}}`: `{path}` has fewer than {start} lines"
            ));
        }
        return Ok(());
    }
    let marker = |kind: &str| {
        let re = Regex::new(&format!(r"\b{kind}:\s*([\w-]+)")).expect("valid regex");
        re.captures_iter(&text).any(|c| &c[1] == first)
    };
    match (marker("ANCHOR"), marker("ANCHOR_END")) {
        (true, true) => Ok(()),
        (false, _) => Err(format!(
            "`{{{{#include {spec}}}}}`: `{path}` has no `ANCHOR: {first}` marker"
        )),
        (true, false) => Err(format!(
            "`{{{{#include {spec}}}}}`: `{path}` has no `ANCHOR_END: {first}` marker"
        )),
    }
}
