//! `spool-dl` killed at exact system calls with strace's fault injection
//! (`strace -e inject=SYSCALL:signal=KILL`): the moments around finishing
//! a file, which the soak's random `SIGKILL`s reach only by luck.
//!
//! The promise is the soak's: whenever the process dies, a file under its
//! final name is whole and has nothing left beside it, and whatever is
//! not finished is finished by running again with `--continue`.
//!
//! Skipped, with the reason printed, where strace is missing or may not
//! trace (ptrace is often forbidden in containers).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use spool_tests::faults::{Catalog, FaultPlan, FaultServer};
use spool_tests::{TempDir, command, names_in};

/// One file, always sent chunked: with no length up front the downloader
/// saves its validator to `0.bin.part.meta`, so finishing the file means a
/// rename and the removal of that `.meta`.
fn one_chunked_file() -> (Catalog, FaultServer) {
    let catalog = Catalog {
        seed: 7,
        count: 1,
        max_size: 64 * 1024,
    };
    assert!(!catalog.is_gone(0));
    let plan = FaultPlan {
        chunked: 1.0,
        ..FaultPlan::none()
    };
    (catalog, FaultServer::start(catalog, plan))
}

/// Runs `spool-dl --quiet [--continue] -o OUT URL`, under strace killing it
/// on entering its first `syscalls` call when `kill_at` is given; `None`
/// (after saying why) when strace cannot run.
fn spool_dl(out: &Path, url: &str, resume: bool, kill_at: Option<&str>) -> Option<Output> {
    let mut run = match kill_at {
        Some(syscalls) => {
            let mut strace = Command::new("strace");
            strace
                .args(["-f", "-qq", "-o", "/dev/null"])
                .arg(format!("--trace={syscalls}"))
                .arg(format!("--inject={syscalls}:signal=KILL:when=1"))
                .arg(command::binary());
            strace
        }
        None => Command::new(command::binary()),
    };
    run.arg("--quiet").arg("-o").arg(out).arg(url);
    if resume {
        run.arg("--continue");
    }
    match run.output() {
        Ok(output) if kill_at.is_some() && output.status.code().is_some() => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("strace:"),
                "spool-dl was not killed at {kill_at:?} but exited with {}: {stderr}",
                output.status
            );
            eprintln!("SKIPPED: strace cannot trace here: {}", stderr.trim());
            None
        }
        Ok(output) => Some(output),
        Err(e) => {
            // CI installs strace (.ci/run); only a developer's machine may lack it.
            assert!(
                std::env::var_os("CI").is_none(),
                "cannot run strace, which CI installs: {e}"
            );
            eprintln!(
                "SKIPPED: cannot run strace ({e}); `apt-get install -y strace` to run this test"
            );
            None
        }
    }
}

/// Kills a download of [`one_chunked_file`] on entering `syscalls`, a
/// step of finishing the file, and checks the promise whichever side of
/// the step the rename fell: a whole file alone under its final name, or
/// a whole `.part` that `--continue` finishes (with a `416` and no bytes
/// sent when its `.meta` survived).
fn kill_while_finishing(label: &str, syscalls: &str) {
    let (catalog, server) = one_chunked_file();
    let out = TempDir::new(label);
    let url = server.url(0);
    if spool_dl(out.path(), &url, false, Some(syscalls)).is_none() {
        return;
    }
    let left = names_in(out.path());
    eprintln!("killed at {syscalls}; left: {left:?}");
    if out.join("0.bin").exists() {
        assert_eq!(fs::read(out.join("0.bin")).unwrap(), catalog.body(0));
        assert_eq!(
            left,
            ["0.bin"],
            "a finished file has no .part or .meta left beside it, even when the process dies"
        );
        return;
    }
    // The body had all arrived; only its name was missing.
    assert_eq!(fs::read(out.join("0.bin.part")).unwrap(), catalog.body(0));
    let validator_kept = out.join("0.bin.part.meta").exists();

    let again = spool_dl(out.path(), &url, true, None).unwrap();
    assert!(again.status.success(), "{again:?}");
    assert_eq!(fs::read(out.join("0.bin")).unwrap(), catalog.body(0));
    assert_eq!(names_in(out.path()), ["0.bin"]);
    let counts = server.counts();
    assert_eq!(counts.requests, 2);
    if validator_kept {
        assert_eq!(
            counts.not_satisfiable, 1,
            "with its validator, the whole .part needs no bytes: 416"
        );
    }
}

#[test]
fn a_kill_at_the_rename_leaves_a_whole_file_alone_or_a_part_to_continue() {
    kill_while_finishing("crash-rename", "renameat2,rename");
}

#[test]
fn a_kill_at_the_meta_removal_leaves_a_whole_file_alone_or_a_part_to_continue() {
    // The run's only unlink is the .meta's removal.
    kill_while_finishing("crash-meta", "unlink,unlinkat");
}
