//! `spool-dl` at the edges of the machine: too few file descriptors, a
//! full disk, a read-only disk, and a list of 100,000 URLs (about 35 s in
//! a debug build).
//!
//! Each test runs the real command against a [`FaultServer`] with faults
//! off and then holds it to the same promise as the soak: never a panic;
//! a report with one honest entry per URL (`ok` with the exact bytes on
//! disk, or `failed` with a reason); nothing partial or wrong under a final
//! name.
//!
//! The disk cases need a file system of their own. They mount a 1 MiB
//! tmpfs (and remount it read-only), which needs root or `CAP_SYS_ADMIN`;
//! where mounting is refused they say so on stderr and skip. `chmod` is no
//! substitute: root writes through any permission bits, so a "read-only"
//! directory made with `chmod` would test nothing here.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use spool_tests::TempDir;
use spool_tests::command::{self, Verdict, Watched};
use spool_tests::faults::{Catalog, FaultPlan, FaultServer};
use spool_tests::json_report::{self, Entry};
use spool_tests::verify::{self, Settled};

/// A finished run of the command, its report read and checked against the
/// output directory.
struct Outcome {
    watched: Watched,
    stderr: String,
    ok: usize,
    failures: BTreeMap<String, usize>,
}

impl Outcome {
    fn failed(&self) -> usize {
        self.failures.values().sum()
    }

    /// The failures counted by their last clause (`… .part: No space left
    /// on device (os error 28)` → `No space left on device (os error 28)`),
    /// so per-file messages group into one line.
    fn failures_by_cause(&self) -> BTreeMap<&str, usize> {
        let mut causes = BTreeMap::new();
        for (reason, n) in &self.failures {
            let cause = reason.rsplit(": ").next().unwrap_or(reason);
            *causes.entry(cause).or_insert(0) += n;
        }
        causes
    }

    fn failures_mentioning(&self, text: &str) -> usize {
        self.failures
            .iter()
            .filter(|(reason, _)| reason.contains(text))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Runs `spool-dl` on every URL of `server` into `out` (through `sh -c
/// PREFIX; exec spool-dl …` when a shell prefix is given), and checks the
/// promise: no panic, exit 0 or 1, an honest report, a clean directory.
fn run_checked(
    server: &FaultServer,
    out: &Path,
    work: &TempDir,
    shell_prefix: Option<&str>,
    flags: &[&str],
    mut on_sample: impl FnMut(&command::Sample),
) -> Outcome {
    let catalog = server.catalog();
    let list = work.join("urls.txt");
    let urls: String = (0..catalog.count).map(|id| server.url(id) + "\n").collect();
    fs::write(&list, urls).unwrap();
    let report = work.join("report.json");
    let stderr_path = work.join("stderr.txt");
    let mut spool_dl = match shell_prefix {
        Some(prefix) => {
            let mut sh = Command::new("sh");
            sh.arg("-c")
                .arg(format!("{prefix}; exec \"$0\" \"$@\""))
                .arg(command::binary());
            sh
        }
        None => Command::new(command::binary()),
    };
    spool_dl
        .arg("--quiet")
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg("--report")
        .arg(&report)
        .arg("-i")
        .arg(&list)
        .stdout(File::create(work.join("stdout.txt")).unwrap())
        .stderr(File::create(&stderr_path).unwrap());
    let watched = command::watch(&mut spool_dl, |sample| {
        on_sample(sample);
        Verdict::Continue
    })
    .expect("running spool-dl");
    let stderr = fs::read_to_string(&stderr_path).unwrap();
    assert!(
        !command::panicked(watched.status, &stderr),
        "spool-dl panicked ({}): {stderr}",
        watched.status
    );
    assert!(
        matches!(watched.status.code(), Some(0 | 1)),
        "spool-dl exited with {}: {stderr}",
        watched.status
    );

    let entries = json_report::read(&report).unwrap_or_else(|e| panic!("{e}; stderr: {stderr}"));
    assert_eq!(entries.len(), catalog.count, "one entry per URL");
    let mut ok = 0;
    let mut failures = BTreeMap::new();
    for (id, entry) in entries.iter().enumerate() {
        assert_eq!(entry.url, server.url(id), "entries in input order");
        if entry.ok {
            ok += 1;
            assert_eq!(
                saved_name(entry).as_deref(),
                Some(Catalog::file_name(id).as_str()),
                "{entry:?}"
            );
        } else {
            // The message, not the kind: these tests check that it names
            // what ran out.
            let message = entry.error.as_deref().unwrap_or("");
            assert!(!message.is_empty(), "failed without a reason: {entry:?}");
            assert!(
                entry.error_kind.is_some(),
                "failed without a kind: {entry:?}"
            );
            *failures.entry(message.to_string()).or_insert(0) += 1;
        }
    }
    let disk = verify::check_dir(out, catalog, |id| {
        if entries[id].ok {
            Settled::Ok
        } else {
            Settled::Failed
        }
    });
    assert!(disk.problems.is_empty(), "{:#?}", disk.problems);
    assert_eq!(disk.verified, ok, "every ok URL's bytes verified");
    Outcome {
        watched,
        stderr,
        ok,
        failures,
    }
}

fn saved_name(entry: &Entry) -> Option<String> {
    Some(entry.path.as_ref()?.file_name()?.to_str()?.to_string())
}

fn gone(catalog: Catalog) -> usize {
    (0..catalog.count).filter(|&id| catalog.is_gone(id)).count()
}

/// `-j 200` under `ulimit -n 64`: downloads that run out of descriptors
/// wait for others to free theirs, so the batch runs as many at once as
/// the limit allows and every URL comes through, bytes verified, never
/// with "Too many open files" and never over the limit.
#[test]
fn sixty_four_descriptors_for_two_hundred_downloads_lower_the_concurrency_not_the_results() {
    let catalog = Catalog {
        seed: 64,
        count: 400,
        max_size: 256 * 1024,
    };
    let server = FaultServer::start(catalog, FaultPlan::none());
    let work = TempDir::in_memory("nofile");
    let out = work.join("out");
    let mut limit = None;
    let mut inherited = 0;
    let outcome = run_checked(
        &server,
        &out,
        &work,
        Some("ulimit -n 64"),
        &["-j", "200", "--retries", "2", "--retry-delay", "0.01"],
        // The first samples may catch the shell before its `ulimit`; the
        // last ones are spool-dl's own.
        |sample| {
            limit = open_files_limit(sample.pid).or(limit);
            inherited = inherited.max(fds_numbered_from(sample.pid, 64));
        },
    );
    eprintln!(
        "ulimit -n 64, -j 200: {} ok, failures {:?}, at most {} fds open, {:.1} s",
        outcome.ok,
        outcome.failures_by_cause(),
        outcome.watched.peak.fds,
        outcome.watched.elapsed.as_secs_f64()
    );
    assert_eq!(limit, Some(64), "the limit was in force");
    // A lowered limit closes nothing already open: descriptors the test
    // harness passed down above it are counted, but are not spool-dl's.
    assert!(
        outcome.watched.peak.fds <= 64 + inherited,
        "{} descriptors, {inherited} of them inherited above the limit",
        outcome.watched.peak.fds
    );
    // Only the catalog's 404s fail; `run_checked` has verified the bytes
    // of every other URL.
    assert_eq!(
        outcome.ok,
        catalog.count - gone(catalog),
        "{:?}",
        outcome.failures_by_cause()
    );
    assert_eq!(
        outcome.failures_mentioning("404"),
        outcome.failed(),
        "{:?}",
        outcome.failures
    );
}

/// With too few descriptors for even one download beside the program's
/// own, and so nothing else in flight to wait for, the error is
/// unavoidable: it must be a clean per-URL failure that names the limit
/// and what to do, never a panic or a hang.
///
/// The URL comes on stdin, which stays open until the download has
/// finished, so the thread reading the list keeps its event loop (two
/// descriptors) open meanwhile, as it does for a long list. Where the
/// download runs out depends on what the runtime holds, so the test walks
/// the limit up from too small to start at all (the command says so, with
/// the limit, and starts nothing), through the failures, to the first limit
/// that downloads the file.
#[test]
fn too_few_descriptors_for_one_download_fail_it_with_the_limit_named() {
    let catalog = Catalog {
        seed: 3,
        count: 1,
        max_size: 4096,
    };
    assert!(!catalog.is_gone(0));
    let server = FaultServer::start(catalog, FaultPlan::none());
    let work = TempDir::in_memory("nofile-one");
    let mut failed_cleanly = Vec::new();
    let mut without_a_loop = Vec::new();
    for limit in 4..=40 {
        let out = work.join(&format!("out-{limit}"));
        let report = work.join(&format!("report-{limit}.json"));
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {limit}; exec \"$0\" \"$@\""))
            .arg(command::binary())
            .args(["-j", "16", "--retry-delay", "0.01", "-i", "-", "-o"])
            .arg(&out)
            .arg("--report")
            .arg(&report)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running spool-dl");
        let mut stdin = child.stdin.take().unwrap();
        // The process may be gone already (too few descriptors to start).
        // A URL is taken once the next line shows it has no option lines;
        // that next line is a URL that fails without a descriptor.
        let _ = writeln!(stdin, "{}\nftp://example.invalid/never", server.url(0));
        // One line per finished file on stderr (not a terminal): wait for
        // the URL's before ending the list.
        let mut stderr = String::new();
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            stderr.push_str(&line);
            stderr.push('\n');
            if line.contains("0.bin") && (line.starts_with("ok ") || line.starts_with("failed ")) {
                drop(stdin);
                break;
            }
        }
        let status = child.wait().unwrap();
        assert!(
            !command::panicked(status, &stderr),
            "ulimit -n {limit}: spool-dl panicked: {stderr}"
        );
        if stderr.contains("could not start the event loop") {
            // Below what the runtime itself needs (an epoll descriptor and
            // an eventfd for each thread with a loop): said, with the
            // limit, before any download starts.
            assert!(failed_cleanly.is_empty(), "ulimit -n {limit}: {stderr}");
            assert!(
                stderr.contains(&format!("(ulimit -n is {limit})")),
                "ulimit -n {limit}: {stderr}"
            );
            assert_eq!(status.code(), Some(1), "ulimit -n {limit}: {stderr}");
            assert!(!out.join("0.bin").exists());
            without_a_loop.push(limit);
            continue;
        }
        let entries = json_report::read(&report)
            .unwrap_or_else(|e| panic!("ulimit -n {limit}: {e}; stderr: {stderr}"));
        // -j 16 may need more than 40 descriptors: said at start-up.
        assert!(
            stderr.contains(&format!("but the limit is {limit} (ulimit -n)")),
            "ulimit -n {limit}: {stderr}"
        );
        assert_eq!(entries.len(), 2, "ulimit -n {limit}: {stderr}");
        assert_eq!(entries[1].error_kind.as_deref(), Some("invalid_url"));
        assert_eq!(status.code(), Some(1));
        let entry = &entries[0];
        if entry.ok {
            assert!(fs::read(out.join("0.bin")).unwrap() == catalog.body(0));
            eprintln!(
                "ulimit -n {limit}: downloaded; no loop at {without_a_loop:?}, \
                 failed cleanly at {failed_cleanly:?}"
            );
            assert!(
                !failed_cleanly.is_empty(),
                "no limit failed the download: the unavoidable case was never met"
            );
            assert!(
                without_a_loop.contains(&4),
                "four descriptors were enough for two loops: {without_a_loop:?}"
            );
            return;
        }
        let message = entry.error.as_deref().unwrap_or("");
        assert!(
            message.contains("Too many open files"),
            "ulimit -n {limit}: {message}"
        );
        assert!(
            message.contains(&format!("limit of {limit} open files")),
            "{message}"
        );
        assert!(message.contains("ulimit -n"), "{message}");
        assert!(!out.join("0.bin").exists());
        failed_cleanly.push(limit);
    }
    panic!("not downloaded even with 40 descriptors");
}

/// How many descriptors `pid` holds numbered `from` or above.
fn fds_numbered_from(pid: u32, from: u32) -> usize {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    fds.flatten()
        .filter_map(|fd| fd.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&fd| fd >= from)
        .count()
}

/// The soft `Max open files` limit of `pid`.
fn open_files_limit(pid: u32) -> Option<u64> {
    let limits = fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// A tmpfs of 1 MiB mounted for one test, unmounted on drop.
struct SmallDisk {
    path: PathBuf,
    _parent: TempDir,
}

impl SmallDisk {
    /// Mounts it, or says why it cannot.
    fn mount(label: &str) -> Result<SmallDisk, String> {
        let parent = TempDir::new(label);
        let path = parent.join("disk");
        fs::create_dir(&path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !mounted.status.success() {
            return Err(format!(
                "mount -t tmpfs refused ({}): {}",
                mounted.status,
                String::from_utf8_lossy(&mounted.stderr).trim()
            ));
        }
        Ok(SmallDisk {
            path,
            _parent: parent,
        })
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path)
            .status()
            .unwrap();
        assert!(status.success(), "remounting read-only: {status}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

#[test]
fn a_full_disk_fails_the_files_that_do_not_fit_and_keeps_the_rest_whole() {
    let disk = match SmallDisk::mount("full") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("SKIPPED a_full_disk_…: {why}; this test needs root or CAP_SYS_ADMIN");
            return;
        }
    };
    // Several MiB in all, mostly in files of up to 400 KiB: some fit, the
    // rest do not.
    let catalog = Catalog {
        seed: 28,
        count: 100,
        max_size: 2 * 1024 * 1024,
    };
    let total: usize = (0..catalog.count).map(|id| catalog.size(id)).sum();
    assert!(
        total > 2 << 20,
        "the catalog must overflow 1 MiB twice: {total}"
    );
    let server = FaultServer::start(catalog, FaultPlan::none());
    let work = TempDir::in_memory("full");
    let outcome = run_checked(&server, &disk.path, &work, None, &["-j", "4"], |_| {});
    eprintln!(
        "1 MiB disk, {total} bytes asked for: {} ok, failures {:?}",
        outcome.ok,
        outcome.failures_by_cause()
    );
    assert_eq!(outcome.watched.status.code(), Some(1));
    assert!(outcome.ok > 0, "some files fit");
    assert!(
        outcome.failures_mentioning("No space left on device") > 0,
        "{:?}",
        outcome.failures
    );
    assert_eq!(
        outcome.failures_mentioning("No space left on device") + outcome.failures_mentioning("404"),
        outcome.failed(),
        "every failure says why: {:?}",
        outcome.failures
    );
}

#[test]
fn a_read_only_disk_fails_every_file_with_a_clear_error() {
    let disk = match SmallDisk::mount("ro") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("SKIPPED a_read_only_disk_…: {why}; this test needs root or CAP_SYS_ADMIN");
            return;
        }
    };
    disk.remount_read_only();
    let catalog = Catalog {
        seed: 30,
        count: 20,
        max_size: 64 * 1024,
    };
    let server = FaultServer::start(catalog, FaultPlan::none());
    let work = TempDir::in_memory("ro");
    let outcome = run_checked(&server, &disk.path, &work, None, &["-j", "4"], |_| {});
    eprintln!("read-only disk: failures {:?}", outcome.failures_by_cause());
    assert_eq!(outcome.watched.status.code(), Some(1), "{}", outcome.stderr);
    assert_eq!(outcome.ok, 0);
    assert_eq!(
        outcome.failures_mentioning("Read-only file system"),
        catalog.count,
        "{:?}",
        outcome.failures
    );
}

#[test]
fn a_hundred_thousand_urls_hold_memory_flat() {
    const URLS: usize = 100_000;
    const WARM_UP: u64 = 10_000;
    let catalog = Catalog {
        seed: 100,
        count: URLS,
        max_size: 160,
    };
    let server = FaultServer::start(catalog, FaultPlan::none());
    let work = TempDir::in_memory("100k");
    let out = work.join("out");
    let mut rss_after_warm_up = None;
    let outcome = run_checked(&server, &out, &work, None, &["-j", "32"], |sample| {
        if rss_after_warm_up.is_none() && server.requests() >= WARM_UP {
            rss_after_warm_up = Some(sample.rss_kib);
        }
    });
    let warm = rss_after_warm_up.expect("sampled after the warm-up");
    let peak = outcome.watched.peak.hwm_kib;
    let per_url = (peak.saturating_sub(warm) * 1024) / (URLS as u64 - WARM_UP);
    eprintln!(
        "{URLS} URLs in {:.1} s: {} ok, failures {:?}; RSS {warm} KiB after {WARM_UP}, peak {peak} KiB: {per_url} bytes per later URL; at most {} fds",
        outcome.watched.elapsed.as_secs_f64(),
        outcome.ok,
        outcome.failures_by_cause(),
        outcome.watched.peak.fds
    );
    assert_eq!(outcome.ok, URLS - gone(catalog));
    // What may grow is the report: an entry (URL, path, figures) and an
    // allocated name per URL, in vectors and sets that double, about
    // 400 bytes in all. A task, buffer or connection leaked per download
    // would cost kilobytes.
    assert!(per_url < 1024, "{per_url} bytes per URL");
    assert!(outcome.watched.peak.fds <= 3 * 32 + 16);
}
