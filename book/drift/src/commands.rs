//! Commands and flags: every `cargo` command the book tells the reader to
//! run must name a package, example and bench that exist, and every flag it
//! passes to a workspace command must be one that command accepts.
//!
//! Commands are read from `console`/`sh` blocks (lines that start with
//! `$ `, with `\` continuations joined) and from inline code that starts
//! with `cargo `. A flag on its own in inline code (`--continue`) must be a
//! flag of some workspace command or example, or one of the few tool flags
//! listed below.

use crate::chapter::Located;
use crate::{Chapter, Problem, Workspace};

/// Flags of the tools around the workspace that the book uses in prose:
/// cargo's, curl's and mdBook's.
const TOOL_FLAGS: &[&str] = &[
    "--release",
    "--example",
    "--bench",
    "--benches",
    "--all-targets",
    "--workspace",
    "--open",
    "--locked",
    "--check",
    "--package",
    "-p",
    "--path-as-is",
    "-i",
    "-r",
    "-H",
];

pub fn check(chapter: &Chapter, ws: &Workspace, problems: &mut Vec<Problem>) {
    let mut report = |line: usize, reason: String| {
        problems.push(Problem {
            file: chapter.path.clone(),
            line,
            reason,
        })
    };
    for command in commands_in(chapter) {
        for reason in check_command(&command.text, ws) {
            report(command.line, reason);
        }
    }
    for span in &chapter.spans {
        let words: Vec<&str> = span.text.split_whitespace().collect();
        match words.as_slice() {
            ["--example", example, ..] if !ws.has_example(None, example) => {
                report(span.line, format!("no package has an example `{example}`"))
            }
            [flag, ..] if flag.starts_with('-') && flag.len() > 1 && !known_flag(flag, ws) => {
                report(
                    span.line,
                    format!("`{flag}` is not a flag of any workspace command or example"),
                )
            }
            _ => {}
        }
    }
}

fn known_flag(flag: &str, ws: &Workspace) -> bool {
    let flag = flag.split('=').next().unwrap_or(flag);
    TOOL_FLAGS.contains(&flag)
        || ws.example_flags.contains(flag)
        || ws.packages.values().any(|p| p.flags.contains(flag))
}

/// The commands a chapter shows, each with the line it starts on.
fn commands_in(chapter: &Chapter) -> Vec<Located> {
    let mut commands = Vec::new();
    for block in &chapter.code_blocks {
        if !matches!(
            block.lang.as_str(),
            "console" | "sh" | "shell" | "bash" | ""
        ) {
            continue;
        }
        let mut current: Option<Located> = None;
        for line in &block.lines {
            let text = line.text.trim();
            if let Some(cmd) = current.as_mut() {
                cmd.text.push(' ');
                cmd.text.push_str(text.trim_end_matches('\\').trim_end());
            } else if let Some(cmd) = text.strip_prefix("$ ") {
                current = Some(Located {
                    text: cmd.trim_end_matches('\\').trim_end().to_string(),
                    line: line.line,
                });
            }
            if !text.ends_with('\\') {
                commands.extend(current.take());
            }
        }
        commands.extend(current);
    }
    commands.extend(
        chapter
            .spans
            .iter()
            .filter(|s| s.text.starts_with("cargo "))
            .cloned(),
    );
    commands
}

/// What is wrong with one command line, if anything.
pub fn check_command(command: &str, ws: &Workspace) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.first() != Some(&"cargo") {
        return Vec::new();
    }
    let (cargo_args, program_args) = match words.iter().position(|w| *w == "--") {
        Some(i) => (&words[1..i], &words[i + 1..]),
        None => (&words[1..], &[][..]),
    };
    let value_of = |flags: &[&str]| {
        cargo_args
            .windows(2)
            .find(|w| flags.contains(&w[0]))
            .map(|w| w[1])
    };
    let mut reasons = Vec::new();
    let package = value_of(&["-p", "--package"]);
    if let Some(p) = package {
        if !ws.packages.contains_key(p) {
            reasons.push(format!("`{command}`: no workspace package is called `{p}`"));
            return reasons;
        }
    }
    let example = value_of(&["--example"]);
    if let Some(e) = example {
        if !ws.has_example(package, e) {
            let owner = package.map_or("any package".to_string(), |p| format!("`{p}`"));
            reasons.push(format!("`{command}`: {owner} has no example `{e}`"));
        }
    }
    if let Some(b) = value_of(&["--bench"]) {
        let found = ws
            .packages
            .iter()
            .filter(|(name, _)| package.is_none_or(|p| p == name.as_str()))
            .any(|(_, p)| p.benches.iter().any(|x| x == b));
        if !found {
            reasons.push(format!("`{command}`: no bench `{b}`"));
        }
    }
    // Flags after `--` go to the program: the package's own command line,
    // or an example's.
    let accepts = |flag: &str| match (example, package) {
        (Some(_), _) => ws.example_flags.contains(flag),
        (None, Some(p)) => ws.packages[p].flags.contains(flag),
        (None, None) => true,
    };
    if words[1] == "run" {
        for arg in program_args
            .iter()
            .filter(|a| a.starts_with('-') && a.len() > 1)
        {
            let flag = arg.split('=').next().unwrap_or(arg);
            if !accepts(flag) {
                reasons.push(format!("`{command}`: the program does not accept `{flag}`"));
            }
        }
    }
    reasons
}
