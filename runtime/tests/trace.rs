//! `SPOOL_TRACE`, end to end: this test binary runs itself again as a child
//! process, with and without the variable, and reads the child's stderr.
//! (The order and wording of the lines are tested beside the tracer, in
//! `src/event_loop/trace.rs`.)

use std::process::{Command, Output};
use std::time::Duration;

/// Set in the child's environment; without it, `traced_program` does nothing.
const CHILD: &str = "SPOOL_TRACE_TEST_CHILD";

/// The program the child runs: a named task that sleeps, awaited by main.
#[test]
fn traced_program() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let answer = spool::block_on(async {
        let child = spool::spawn_named("child", async {
            spool::time::sleep(Duration::from_millis(5)).await;
            42
        });
        child.await.unwrap()
    });
    assert_eq!(answer, 42);
}

/// Runs `traced_program` in a child process with `SPOOL_TRACE` set to
/// `trace` (or unset), and returns what it printed.
fn run_child(trace: Option<&str>) -> Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "traced_program",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env_remove("SPOOL_TRACE");
    if let Some(value) = trace {
        command.env("SPOOL_TRACE", value);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "child failed: {output:?}");
    output
}

fn trace_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.starts_with("spool "))
        .map(str::to_string)
        .collect()
}

#[test]
fn without_the_variable_nothing_is_printed() {
    let output = run_child(None);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("spool "));
}

#[test]
fn zero_or_empty_turns_it_off() {
    for value in ["0", ""] {
        let output = run_child(Some(value));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "",
            "SPOOL_TRACE={value:?}"
        );
    }
}

#[test]
fn with_the_variable_every_kind_of_event_is_on_stderr() {
    let output = run_child(Some("1"));
    let lines = trace_lines(&output);
    let kinds: Vec<&str> = lines
        .iter()
        .map(|line| line.split_whitespace().nth(2).unwrap())
        .collect();
    for kind in ["start", "spawn", "poll", "wake", "timer", "epoll"] {
        assert!(
            kinds.contains(&kind),
            "no {kind} line in\n{}",
            lines.join("\n")
        );
    }
    assert!(
        lines.iter().any(|l| l.ends_with("spawn t1 \"child\"")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("timer #0") && l.ends_with("fired"))
    );
    assert!(
        lines.last().unwrap().contains("poll  main       Ready"),
        "{lines:?}"
    );
    // Nothing of the trace goes to stdout.
    assert!(!String::from_utf8_lossy(&output.stdout).contains("spool "));
}
