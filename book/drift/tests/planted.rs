//! The drift check against small temporary repositories: a clean one passes,
//! and each kind of drift planted in it is reported at its file and line.

use std::fs;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

/// A repository with one package, one example and a two-chapter book in
/// which everything named exists. `extra` is appended to the first chapter.
fn repo(extra: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let files: &[(&str, &str)] = &[
        ("Cargo.toml", "[workspace]\nmembers = [\"core\"]\n"),
        ("core/Cargo.toml", "[package]\nname = \"demo-core\"\n"),
        (
            "core/src/lib.rs",
            "//! Demo. The old name was `Completer`.\n\
             // ANCHOR: spawn\n\
             pub fn spawn_task() {}\n\
             // ANCHOR_END: spawn\n\
             pub struct JoinCell;\n\
             pub mod sync { pub mod oneshot {} }\n",
        ),
        (
            "core/examples/hello.rs",
            "fn main() { let _demo = std::env::args().any(|a| a == \"--demo\"); }\n",
        ),
        (
            "book/src/SUMMARY.md",
            "# Summary\n\n- [Intro](intro.md)\n- [Tasks](tasks.md)\n",
        ),
        (
            "book/src/tasks.md",
            "# Tasks\n\n## The handle\n\n```rust\n{{#include ../../core/src/lib.rs:spawn}}\n```\n\n\
             It prints:\n\n```text\n{{#include outputs/hello.txt}}\n```\n",
        ),
        (
            "book/refresh-outputs",
            "#!/usr/bin/env bash\nrecord hello cargo run -q -p demo-core --example hello\n",
        ),
        ("book/src/outputs/hello.txt", "hello\n"),
    ];
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    let intro = format!(
        "# Intro\n\
         \n\
         See [the handle](tasks.md#the-handle). `spawn_task()` returns a\n\
         `JoinCell`; `demo_core::sync::oneshot` is in `core/src/lib.rs`, and\n\
         `Arc<Mutex<Vec<T>>>` and `asyncio.create_task(coro)` are not ours.\n\
         \n\
         ```console\n\
         $ cargo run -p demo-core --example hello -- --demo\n\
         ```\n\
         \n\
         {extra}\n"
    );
    write(dir.path(), "book/src/intro.md", &intro);
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
    fs::write(path, text).expect("write file");
}

/// The problems found, as the binary prints them.
fn problems(extra: &str) -> Vec<String> {
    problems_in(repo(extra).path())
}

/// The problems found in the repository at `root`.
fn problems_in(root: &Path) -> Vec<String> {
    spool_book_drift::check(root)
        .expect("check runs")
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The planted text starts on the intro's line 11; a planted code block's
/// content is on line 12.
fn assert_one_problem(extra: &str, line: usize, expected: &str) {
    let found = problems(extra);
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    let at = format!("book/src/intro.md:{line}: ");
    assert!(
        found[0].starts_with(&at) && found[0].contains(expected),
        "expected `{expected}` at {at}got {found:#?}"
    );
}

#[test]
fn a_clean_book_passes() {
    assert_eq!(problems(""), Vec::<String>::new());
}

#[test]
fn a_stale_type_name_fails() {
    // `Completer` survives only in a comment, which does not count.
    assert_one_problem(
        "The task completes through its `Completer`.",
        11,
        "`Completer`",
    );
}

#[test]
fn a_stale_function_call_fails() {
    assert_one_problem("Call `spawn_detached(f)` instead.", 11, "`spawn_detached`");
}

#[test]
fn a_stale_module_path_fails() {
    assert_one_problem("See `demo_core::sync::mpsc_queue`.", 11, "`mpsc_queue`");
}

#[test]
fn a_missing_file_path_fails() {
    assert_one_problem(
        "It lives in `core/src/task.rs`.",
        11,
        "`core/src/task.rs` does not exist",
    );
}

#[test]
fn a_missing_example_fails() {
    assert_one_problem(
        "```console\n$ cargo run -p demo-core --example goodbye\n```",
        12,
        "has no example `goodbye`",
    );
}

#[test]
fn an_inline_example_name_is_checked_too() {
    assert_one_problem(
        "Run it with `--example goodbye`.",
        11,
        "no package has an example `goodbye`",
    );
}

#[test]
fn a_missing_package_fails() {
    assert_one_problem(
        "```console\n$ cargo run -p demo-http --example hello\n```",
        12,
        "no workspace package is called `demo-http`",
    );
}

#[test]
fn a_flag_the_example_does_not_take_fails() {
    assert_one_problem(
        "```console\n$ cargo run -p demo-core --example hello -- --serve\n```",
        12,
        "does not accept `--serve`",
    );
}

#[test]
fn a_broken_link_fails() {
    assert_one_problem("See [timers](timers.md).", 11, "`timers.md` does not exist");
}

#[test]
fn a_missing_heading_anchor_fails() {
    assert_one_problem(
        "See [the table](tasks.md#the-task-table).",
        11,
        "no heading has the id `the-task-table`",
    );
}

#[test]
fn a_missing_include_anchor_fails() {
    assert_one_problem(
        "```rust\n{{#include ../../core/src/lib.rs:abort}}\n```",
        12,
        "has no `ANCHOR: abort` marker",
    );
}

#[test]
fn a_missing_include_file_fails() {
    assert_one_problem(
        "```rust\n{{#include ../../core/src/task.rs:spawn}}\n```",
        12,
        "cannot read `../../core/src/task.rs`",
    );
}

#[test]
fn an_anchor_no_chapter_includes_fails() {
    let dir = repo("");
    write(
        dir.path(),
        "core/src/timer.rs",
        "// ANCHOR: wheel\npub struct Wheel;\n// ANCHOR_END: wheel\n",
    );
    let found = problems_in(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("core/src/timer.rs:1: `ANCHOR: wheel` is included by no chapter"),
        "{found:#?}"
    );
}

#[test]
fn an_anchor_is_used_only_by_an_include_of_its_own_file() {
    // The chapter includes `lib.rs:spawn`; a `spawn` anchor in another
    // file is a different listing, and nobody shows it.
    let dir = repo("");
    write(
        dir.path(),
        "core/src/other.rs",
        "pub fn a() {}\n// ANCHOR: spawn\npub fn b() {}\n// ANCHOR_END: spawn\n",
    );
    let found = problems_in(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("core/src/other.rs:2: `ANCHOR: spawn` is included by no chapter"),
        "{found:#?}"
    );
}

#[test]
fn output_pasted_by_hand_fails() {
    assert_one_problem(
        "It prints:\n\n```text\nhello\n```",
        13,
        "introduced as program output but is not recorded",
    );
}

#[test]
fn an_output_file_the_script_does_not_write_fails() {
    let dir = repo("");
    write(dir.path(), "book/src/outputs/bye.txt", "bye\n");
    let found = problems_in(dir.path());
    assert_eq!(
        found,
        [
            "book/src/outputs/bye.txt:1: book/refresh-outputs does not write bye.txt, so nothing keeps it true",
            "book/src/outputs/bye.txt:1: no chapter includes outputs/bye.txt",
        ]
    );
}

#[test]
fn the_binary_exits_non_zero_and_lists_file_and_line() {
    let dir = repo("The task completes through its `Completer`.");
    let bin = env!("CARGO_BIN_EXE_spool-book-drift");
    let out = Command::new(bin)
        .arg(dir.path())
        .output()
        .expect("run the checker");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("book/src/intro.md:11: `Completer`"),
        "{stdout}"
    );

    let clean = repo("");
    let out = Command::new(bin)
        .arg(clean.path())
        .output()
        .expect("run the checker");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
