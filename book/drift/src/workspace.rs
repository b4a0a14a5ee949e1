//! What the workspace has: its packages with their examples and benches, the
//! names in its Rust code, its file names, and the flags its commands take.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::rust_tokens;

/// Everything the book may name, gathered once from the sources.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Packages by name (`spool`, `spool-http`, ...).
    pub packages: BTreeMap<String, Package>,
    /// Every identifier in the workspace's Rust code.
    pub idents: HashSet<String>,
    /// The name of every file in the workspace, for a bare `progress.rs`.
    pub file_names: HashSet<String>,
    /// Flags the examples accept: string literals that start with `-`.
    pub example_flags: HashSet<String>,
    /// Every string literal in the workspace's Rust code, one per line: what
    /// the programs print.
    pub literal_text: String,
    /// The same literals one by one: a label the code prints
    /// (`"slow_operation"`) is a name the book may quote.
    pub literals: HashSet<String>,
    /// Every file and folder, relative to the root, `/`-separated.
    pub paths: HashSet<String>,
    /// The repository's top-level folders (`runtime`, `http`, ...).
    pub top_level: HashSet<String>,
    /// The Rust files, relative to the root, this checker's own left out:
    /// where `// ANCHOR` markers live.
    pub sources: Vec<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Package {
    pub dir: PathBuf,
    pub examples: Vec<String>,
    pub benches: Vec<String>,
    /// The flags of the package's command line, from its clap `#[arg]`s.
    pub flags: HashSet<String>,
}

/// Folders that are not part of the repository's sources: build output,
/// version control, the rendered book.
fn skipped(rel: &Path) -> bool {
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "target" || name.starts_with('.') || rel == Path::new("book/book")
}

/// This checker's own code: its allow-list and its tests' planted names
/// must not count as names the workspace has.
const CHECKER: &str = "book/drift";

impl Workspace {
    pub fn scan(root: &Path) -> io::Result<Workspace> {
        let mut files = Vec::new();
        walk(root, root, &mut files)?;
        let mut ws = Workspace::default();
        for rel in &files {
            if let Some(name) = rel.file_name().and_then(|n| n.to_str()) {
                ws.file_names.insert(name.to_string());
            }
            for ancestor in rel.ancestors().filter(|a| !a.as_os_str().is_empty()) {
                ws.paths.insert(slashed(ancestor));
            }
            if let Some(top) = rel.iter().next().filter(|_| rel.components().count() > 1) {
                ws.top_level.insert(top.to_string_lossy().into_owned());
            }
            if rel.file_name().is_some_and(|n| n == "Cargo.toml") {
                let manifest = fs::read_to_string(root.join(rel))?;
                if let Some((name, package)) = Package::from_manifest(&manifest, rel) {
                    ws.packages.insert(name, package);
                }
            } else if rel.extension().is_some_and(|e| e == "rs") && !rel.starts_with(CHECKER) {
                ws.sources.push(rel.clone());
            }
        }
        add_conventional_targets(&mut ws, &files);
        // A package is a name too: `spool_http::server` starts with one.
        let crate_names: Vec<String> = ws.packages.keys().map(|p| p.replace('-', "_")).collect();
        ws.idents.extend(crate_names);
        let sources = std::mem::take(&mut ws.sources);
        for rel in &sources {
            let source = fs::read_to_string(root.join(rel))?;
            let tokens = rust_tokens::scan(&source);
            if rel.components().any(|c| c.as_os_str() == "examples") {
                ws.example_flags.extend(
                    tokens
                        .strings
                        .iter()
                        .filter(|s| s.starts_with('-') && !s.contains(' '))
                        .cloned(),
                );
            }
            ws.idents.extend(tokens.idents);
            for literal in &tokens.strings {
                ws.literal_text.push_str(literal);
                ws.literal_text.push('\n');
            }
            ws.literals.extend(tokens.strings);
            let flags = clap_flags(&source);
            if !flags.is_empty() {
                if let Some(package) = ws.package_owning_mut(rel) {
                    package.flags.extend(flags);
                }
            }
        }
        ws.sources = sources;
        Ok(ws)
    }

    /// The package whose folder holds `rel` (the innermost one).
    fn package_owning_mut(&mut self, rel: &Path) -> Option<&mut Package> {
        self.packages
            .values_mut()
            .filter(|p| rel.starts_with(&p.dir))
            .max_by_key(|p| p.dir.components().count())
    }

    /// Is `name` a package that has an example called `example`?
    pub fn has_example(&self, package: Option<&str>, example: &str) -> bool {
        let mut candidates = self
            .packages
            .iter()
            .filter(|(name, _)| package.is_none_or(|p| p == name.as_str()));
        candidates.any(|(_, p)| p.examples.iter().any(|e| e == example))
    }

    /// Does a path the book names exist? A path with a folder counts only
    /// if its first folder is one of the repository's (so `src/proto`,
    /// relative to some crate, and `a/b` in prose are left alone); a bare
    /// file name must be the name of some file in the workspace.
    pub fn has_path(&self, path: &str) -> bool {
        let trimmed = path.trim_end_matches('/');
        match path.split_once('/') {
            Some((top, _)) if self.top_level.contains(top) => self.paths.contains(trimmed),
            Some(_) => true,
            None => self.file_names.contains(trimmed),
        }
    }
}

impl Package {
    /// Reads a package's name, examples and benches from its manifest at
    /// `rel` (relative to the root). A virtual manifest gives `None`.
    fn from_manifest(manifest: &str, rel: &Path) -> Option<(String, Package)> {
        let dir = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut name = None;
        let mut package = Package {
            dir,
            ..Package::default()
        };
        let mut section = String::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_string();
                continue;
            }
            let Some(value) = line
                .strip_prefix("name")
                .and_then(|r| r.trim_start().strip_prefix('='))
            else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_string();
            match section.as_str() {
                "[package]" => name = Some(value),
                "[[example]]" => package.examples.push(value),
                "[[bench]]" => package.benches.push(value),
                _ => {}
            }
        }
        Some((name?, package))
    }
}

fn slashed(path: &Path) -> String {
    path.iter()
        .map(|p| p.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if skipped(&rel) {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

/// Finds examples and benches by the folder conventions cargo uses:
/// `examples/NAME.rs`, `examples/NAME/main.rs`, `benches/NAME.rs`.
fn add_conventional_targets(ws: &mut Workspace, files: &[PathBuf]) {
    for package in ws.packages.values_mut() {
        for rel in files {
            let Ok(inside) = rel.strip_prefix(&package.dir) else {
                continue;
            };
            let parts: Vec<&str> = inside.iter().filter_map(|p| p.to_str()).collect();
            let target = match parts.as_slice() {
                [kind, file] if file.ends_with(".rs") => {
                    Some((*kind, file.trim_end_matches(".rs")))
                }
                [kind, name, "main.rs"] => Some((*kind, *name)),
                _ => None,
            };
            match target {
                Some(("examples", name)) => package.examples.push(name.to_string()),
                Some(("benches", name)) => package.benches.push(name.to_string()),
                _ => {}
            }
        }
    }
}

/// The long and short flags declared with clap's derive API in `source`:
/// `#[arg(short = 'j', long)] concurrency: ...` gives `-j` and
/// `--concurrency`; `long = "continue"` gives `--continue`.
fn clap_flags(source: &str) -> HashSet<String> {
    if !source.contains("#[arg(") {
        return HashSet::new();
    }
    let field = Regex::new(
        r"^(?:\s*(?:#\[[^\n]*\]|///[^\n]*))*\s*(?:pub(?:\([^)]*\))?\s+)?([a-z_][a-z0-9_]*)\s*:",
    )
    .expect("valid regex");
    let long_named = Regex::new(r#"\blong\s*=\s*"([^"]+)""#).expect("valid regex");
    let long_bare = Regex::new(r"\blong\b").expect("valid regex");
    let short_named = Regex::new(r"\bshort\s*=\s*'(.)'").expect("valid regex");
    let short_bare = Regex::new(r"\bshort\b").expect("valid regex");

    let mut flags = HashSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("#[arg(") {
        let attr_start = at + "#[arg(".len();
        let mut depth = 1;
        let mut end = attr_start;
        for (i, c) in rest[attr_start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = attr_start + i;
                break;
            }
        }
        let attr = &rest[attr_start..end];
        let after = rest[end..].trim_start_matches([')', ']']);
        let field_name = field.captures(after).map(|c| c[1].to_string());
        if let Some(c) = long_named.captures(attr) {
            flags.insert(format!("--{}", &c[1]));
        } else if let (true, Some(f)) = (long_bare.is_match(attr), &field_name) {
            flags.insert(format!("--{}", f.replace('_', "-")));
        }
        if let Some(c) = short_named.captures(attr) {
            flags.insert(format!("-{}", &c[1]));
        } else if let (true, Some(f)) = (short_bare.is_match(attr), &field_name) {
            flags.insert(format!("-{}", &f[..1]));
        }
        rest = &rest[end..];
    }
    if !flags.is_empty() {
        // clap adds these to every command.
        flags.extend(["--help", "-h", "--version", "-V"].map(String::from));
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_flags_come_from_field_names_and_explicit_names() {
        let src = r#"
            struct Args {
                /// Where to write.
                #[arg(short = 'o', long, value_name = "DIR")]
                output_dir: PathBuf,
                #[arg(short = 'c', long = "continue")]
                resume: bool,
                #[arg(long, conflicts_with_all = ["urls", "input_file"])]
                demo: bool,
            }
        "#;
        let flags = clap_flags(src);
        for f in ["-o", "--output-dir", "-c", "--continue", "--demo", "--help"] {
            assert!(flags.contains(f), "{f} missing from {flags:?}");
        }
        assert!(!flags.contains("--resume"));
    }

    #[test]
    fn manifests_give_names_and_declared_targets() {
        let manifest = "[package]\nname = \"spool-benches\"\n\n[[bench]]\nname = \"runtime\"\npath = \"runtime.rs\"\n";
        let (name, p) = Package::from_manifest(manifest, Path::new("benches/Cargo.toml")).unwrap();
        assert_eq!(name, "spool-benches");
        assert_eq!(p.benches, ["runtime"]);
        assert_eq!(p.dir, Path::new("benches"));
    }
}
