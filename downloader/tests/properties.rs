//! Properties of the downloader's pure decisions, checked on generated input.
//!
//! The module tests pin each rule down with chosen examples. These state
//! what must hold for *every* input, because the input is written by
//! strangers: URLs and names come from servers and list files, and
//! `Retry-After` from servers.
//!
//! - [`naming`]: whatever the URL or proposed name, the file name is one
//!   ordinary path component inside the output directory (never empty,
//!   `.`, `..`, a separator, NUL or a control character), and the
//!   allocator never gives one name twice nor a name that is on disk.
//! - [`backoff`]: no wait exceeds the cap, each is at least half the
//!   doubled delay, and a server's `Retry-After` is honoured up to the cap.
//! - [`input`]: any bytes read as a list file give entries that follow the
//!   line rules, whatever sizes the reads come in, and never a panic.
//!
//! Only the public API is used. The fuzz targets in `fuzz/` check the same
//! invariants on unstructured bytes, for longer.
//!
//! [`naming`]: spool_dl::naming
//! [`backoff`]: spool_dl::backoff
//! [`input`]: spool_dl::input

use proptest::prelude::*;
use spool_dl::backoff::{Failure, Jitter, RetryPolicy, parse_retry_after};
use spool_dl::input::{Entry, InputProblem, MAX_LINE, Origin, UrlSource};
use spool_dl::naming::{
    INDEX_NAME, MAX_NAME, NameAllocator, OutputDir, PART_SUFFIX, Start, name_from_url_path,
    part_name, sanitize,
};
use spool_dl::url_options::UrlOptions;
use std::io::BufReader;
use std::sync::OnceLock;

mod naming_checks;
use naming_checks::{Holding, POOL};
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------
// File names.
// ---------------------------------------------------------------------------

/// An output directory for `OutputDir::join`, whose assertion is the
/// downloader's last line of defence against writing outside it. Nothing
/// is written: the temporary directory, which exists, will do.
fn output_dir() -> &'static OutputDir {
    static DIR: OnceLock<OutputDir> = OnceLock::new();
    DIR.get_or_init(|| OutputDir::create(std::env::temp_dir()).expect("temp dir exists"))
}

/// Checks every promise the naming module makes about a name it returns:
/// those the fuzz targets check too, then its length and what the
/// downloader's own `OutputDir::join` makes of it.
fn assert_safe_name(name: &str) -> Result<(), TestCaseError> {
    naming_checks::assert_safe_name(name);
    prop_assert!(name.len() <= MAX_NAME, "{} bytes: {name:?}", name.len());
    // Never escapes: joined to the output directory, it names an entry
    // directly inside it (and `join` does not panic).
    let joined = output_dir().join(name);
    prop_assert_eq!(joined.parent(), Some(output_dir().path()));
    Ok(())
}

/// Strings rich in what attacks and accidents put into names.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<String>(),
        prop::sample::select(vec![
            ".",
            "..",
            "/",
            "\\",
            "\0",
            "%2F",
            "%2f",
            "%5C",
            "%00",
            "%2E",
            "%2e%2E",
            "..%2F",
            "\u{202E}",
            "\u{2066}",
            "\u{200F}",
            "\r\n",
            "\t",
            " ",
            "?",
            "#",
            ".part",
            "CON",
            "a.txt",
            "é",
            "日本",
            "%",
            "%E2%80%AE",
            "%FF",
        ])
        .prop_map(str::to_owned),
        "[a-z.]{1,5}",
    ];
    prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
}

/// A long name with a short extension, to exercise shortening.
fn long_name() -> impl Strategy<Value = (String, String)> {
    ("[a-zé日]{150,300}", "[a-z0-9]{1,10}")
}

proptest! {
    #[test]
    fn sanitized_names_are_single_safe_components(name in hostile_text()) {
        match sanitize(&name) {
            None => prop_assert!(
                name.is_empty() || name == "." || name == "..",
                "refused {:?}", name
            ),
            Some(safe) => {
                assert_safe_name(&safe)?;
                // Characters are replaced one for one or cut, never added.
                prop_assert!(safe.len() <= name.len());
                // A safe name is a fixed point: sanitizing again changes nothing.
                prop_assert_eq!(sanitize(&safe), Some(safe.clone()));
            }
        }
    }

    /// (Windows renames trailing dots and spaces and device names.)
    #[cfg(not(windows))]
    #[test]
    fn ordinary_names_are_kept_as_they_are(name in "[A-Za-z0-9_ -][A-Za-z0-9_ .-]{0,199}") {
        prop_assert_eq!(sanitize(&name), Some(name));
    }

    #[test]
    fn shortened_names_keep_their_extension((stem, ext) in long_name()) {
        let name = format!("{stem}.{ext}");
        let safe = sanitize(&name).unwrap();
        assert_safe_name(&safe)?;
        if name.len() > MAX_NAME {
            let tail = format!(".{ext}");
            prop_assert!(safe.ends_with(&tail), "{safe:?} lost {tail:?}");
            // Cut on a character boundary, as close to the limit as that allows.
            prop_assert!(safe.len() > MAX_NAME - 4, "{} bytes", safe.len());
        } else {
            prop_assert_eq!(safe, name);
        }
    }

    #[test]
    fn names_from_any_url_path_are_safe(path in hostile_text()) {
        assert_safe_name(&name_from_url_path(&path))?;
        assert_safe_name(&name_from_url_path(&format!("/dir/{path}")))?;
    }

    #[test]
    fn names_from_parsed_urls_are_safe(tail in hostile_text()) {
        for base in ["http://example.com/", "https://example.com/a/", "http://h/x?"] {
            if let Ok(url) = url::Url::parse(&format!("{base}{tail}")) {
                let name = name_from_url_path(url.path());
                assert_safe_name(&name)?;
                if url.path().ends_with('/') {
                    prop_assert_eq!(name, INDEX_NAME);
                }
            }
        }
    }
}

/// Names from a small pool, so that wanted names, numbered names and names
/// on disk collide often.
fn pooled_name() -> impl Strategy<Value = String> {
    prop::sample::select(POOL.to_vec()).prop_map(str::to_owned)
}

/// A name near `MAX_NAME`, from few enough choices that they collide.
fn long_wanted_name() -> impl Strategy<Value = String> {
    (
        MAX_NAME - 4..=MAX_NAME,
        prop::sample::select(vec!["", ".gz", ".html"]),
    )
        .prop_map(|(len, ext)| format!("{}{ext}", "n".repeat(len - ext.len())))
}

proptest! {
    /// Whatever is wanted and whatever is on disk, each allocation is a
    /// safe name that no earlier allocation (nor its `.part`) holds; it
    /// and its `.part` are free on disk unless continuing, and then at
    /// most one of them is there, which `start` says.
    #[test]
    fn allocated_names_never_collide_or_clobber(
        resume in any::<bool>(),
        on_disk in prop::collection::hash_set(pooled_name(), 0..10),
        wanted in prop::collection::vec(
            prop_oneof![pooled_name(), hostile_text(), long_wanted_name()],
            1..20,
        ),
    ) {
        let disk = Holding(on_disk);
        let mut names = NameAllocator::new(resume);
        let mut given: Vec<String> = Vec::new();
        for wanted in &wanted {
            let Some(wanted) = sanitize(wanted) else { continue };
            let allocation = names.allocate(&wanted, &disk).unwrap();
            let name = &allocation.name;
            // Names grow by `.N` when taken; MAX_NAME leaves room for it.
            prop_assert!(name.len() + PART_SUFFIX.len() <= 255, "{} bytes", name.len());
            prop_assert!(!name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']));
            let joined = output_dir().join(name);
            prop_assert_eq!(joined.parent(), Some(output_dir().path()));
            // On disk already: only with --continue, as a `.part` to
            // resume or a finished file to check, never both.
            let on_disk = disk.0.contains(name);
            let part_on_disk = disk.0.contains(&part_name(name));
            prop_assert!(resume || !(on_disk || part_on_disk), "{:?} is on disk", name);
            let expected = match (on_disk, part_on_disk) {
                (false, false) => Start::New,
                (false, true) => Start::Resume,
                (true, false) => Start::CheckFinished,
                (true, true) => panic!("{name:?} and its .part are both on disk"),
            };
            prop_assert_eq!(allocation.start, expected);
            for earlier in &given {
                prop_assert!(earlier != name, "{:?} given twice", name);
                prop_assert!(part_name(earlier) != *name && part_name(name) != *earlier,
                    "{:?} and {:?} share a file", earlier, name);
            }
            given.push(allocation.name);
        }
    }
}

// ---------------------------------------------------------------------------
// Backoff.
// ---------------------------------------------------------------------------

/// Durations from zero to the extremes, with the realistic range likely.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        3 => (0u64..120_000).prop_map(Duration::from_millis),
        1 => (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        1 => prop::sample::select(vec![Duration::ZERO, Duration::MAX, Duration::from_nanos(1)]),
    ]
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (any::<u32>(), duration(), duration()).prop_map(|(retries, first_delay, cap)| RetryPolicy {
        retries,
        first_delay,
        cap,
    })
}

fn retry_number() -> impl Strategy<Value = u32> {
    prop_oneof![3 => 0u32..40, 1 => any::<u32>()]
}

proptest! {
    #[test]
    fn waits_stay_between_half_the_doubled_delay_and_the_cap(
        policy in policy(),
        retry in retry_number(),
        seed in any::<u64>(),
        retry_after in prop::option::of(duration()),
    ) {
        let base = policy.base_delay(retry);
        prop_assert!(base <= policy.cap);
        let wait = policy.delay(retry, &mut Jitter::from_seed(seed), retry_after);
        prop_assert!(wait <= policy.cap, "{:?} over the cap {:?}", wait, policy.cap);
        prop_assert!(wait >= base / 2, "{:?} under half of {:?}", wait, base);
        match retry_after {
            None => prop_assert!(wait <= base, "{:?} over {:?}", wait, base),
            Some(asked) => prop_assert!(
                wait >= asked.min(policy.cap),
                "{:?} ignores Retry-After {:?} (cap {:?})", wait, asked, policy.cap
            ),
        }
    }

    #[test]
    fn the_doubled_delay_never_shrinks_and_starts_at_the_first_delay(
        policy in policy(),
        retry in retry_number(),
    ) {
        prop_assert_eq!(policy.base_delay(1), policy.first_delay.min(policy.cap));
        if let Some(next) = retry.checked_add(1) {
            prop_assert!(policy.base_delay(retry) <= policy.base_delay(next));
        }
    }

    #[test]
    fn jitter_stays_within_its_bound(max in duration(), seed in any::<u64>()) {
        let mut jitter = Jitter::from_seed(seed);
        for _ in 0..8 {
            prop_assert!(jitter.up_to(max) <= max);
        }
    }

    #[test]
    fn retries_stop_after_the_allowed_attempts(
        retries in 0u32..1000,
        attempts in 0u32..1100,
        status in 100u16..1000,
    ) {
        let policy = RetryPolicy::new(retries, Duration::from_secs(1));
        for failure in [Failure::Reset, Failure::Status(status), Failure::Fatal] {
            let allowed = failure.is_retryable() && u64::from(attempts) < u64::from(retries) + 1;
            prop_assert_eq!(policy.should_retry(attempts, failure), allowed);
        }
    }

    /// `Retry-After` in either form, as a server sends it, comes back as
    /// the wait it means, and the next wait honours it up to the cap.
    #[test]
    fn retry_after_is_read_and_honoured(
        now_secs in 0u64..4_000_000_000,
        wait_secs in 0u64..1_000_000,
        as_date in any::<bool>(),
        policy in policy(),
        seed in any::<u64>(),
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
        let value = if as_date {
            httpdate::fmt_http_date(now + Duration::from_secs(wait_secs))
        } else {
            wait_secs.to_string()
        };
        let asked = parse_retry_after(&value, now);
        prop_assert_eq!(asked, Some(Duration::from_secs(wait_secs)), "{}", value);
        let wait = policy.delay(1, &mut Jitter::from_seed(seed), asked);
        prop_assert!(wait >= Duration::from_secs(wait_secs).min(policy.cap));
        prop_assert!(wait <= policy.cap);
    }

    /// Any header value and any clock: an answer or `None`, never a panic;
    /// a date in the past is "now".
    #[test]
    fn retry_after_never_panics(value in any::<String>(), now_secs in any::<u64>()) {
        let now = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(now_secs))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let _ = parse_retry_after(&value, now);
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777));
        if (784_111_777..253_402_300_799).contains(&now_secs) {
            prop_assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        }
    }
}

// ---------------------------------------------------------------------------
// Input lines.
// ---------------------------------------------------------------------------

/// List-file bytes: URLs, blanks, comments, both line ends, byte order
/// marks, invalid UTF-8, and now and then a line at the length limit.
fn list_file() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => prop::sample::select(vec![
            &b"\n"[..], b"\r\n", b" ", b"\t", b"#", b"http://x/a", b"\xEF\xBB\xBF", b"\xFF",
            b"\xC3", "é".as_bytes(), b"\r", b"\x0C", b"out=a.bin", b"split=", b"-=",
            b"header=X: y", b"no-such-option=1", b"=",
        ])
        .prop_map(<[u8]>::to_vec),
        4 => prop::collection::vec(any::<u8>(), 0..8),
        1 => (MAX_LINE - 2..=MAX_LINE + 2).prop_map(|n| vec![b'a'; n]),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// The line rules of `spool_dl::input`, written the obvious way on a
/// whole buffer: the entries as (line number, text, problem), with the
/// text only for entries without a problem. An indented `name=value` line
/// belongs to the URL above it (the option's own rules are
/// `UrlOptions::set`'s, used as they are), or, with no URL above, is an
/// entry of its own.
fn expected_entries(bytes: &[u8]) -> Vec<(u64, Option<String>, Option<InputProblem>)> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|last| last.is_empty()) {
        lines.pop();
    }
    let mut entries = Vec::new();
    // The last URL entry and the options set on it so far.
    let mut url: Option<(usize, UrlOptions)> = None;
    for (i, line) in lines.into_iter().enumerate() {
        let too_long = line.len() > MAX_LINE;
        let mut seen = &line[..line.len().min(MAX_LINE + 1)];
        if i == 0 {
            seen = seen.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(seen);
        }
        let indented = matches!(seen.first(), Some(b' ' | b'\t'));
        let seen = seen.trim_ascii();
        if seen.is_empty() || seen[0] == b'#' {
            continue;
        }
        let number = i as u64 + 1;
        let text = match std::str::from_utf8(seen) {
            _ if too_long => Err(InputProblem::TooLong),
            Ok(text) => Ok(text),
            Err(_) => Err(InputProblem::NotUtf8),
        };
        let name_end = seen.iter().position(|&b| b == b'=').filter(|&end| {
            end > 0
                && seen[..end]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        });
        match (indented, name_end, &mut url) {
            (true, Some(_), None) => {
                entries.push((number, None, Some(InputProblem::OptionWithoutUrl)));
            }
            (true, Some(end), Some((at, options))) => {
                let name = std::str::from_utf8(&seen[..end]).unwrap();
                let applied = text
                    .map_err(|problem| problem.to_string())
                    .and_then(|text| {
                        options
                            .set(name, &text[end + 1..])
                            .map_err(|e| e.to_string())
                    });
                let entry: &mut (u64, Option<String>, Option<InputProblem>) = &mut entries[*at];
                if let (Err(reason), None) = (applied, &entry.2) {
                    entry.1 = None;
                    entry.2 = Some(InputProblem::BadOption {
                        line: number,
                        reason,
                    });
                }
            }
            _ => {
                url = Some((entries.len(), UrlOptions::default()));
                entries.push(match text {
                    Ok(text) => (number, Some(text.to_owned()), None),
                    Err(problem) => (number, None, Some(problem)),
                });
            }
        }
    }
    entries
}

fn read_list(bytes: &[u8], read_size: usize) -> Vec<Entry> {
    let reader = BufReader::with_capacity(read_size, bytes);
    UrlSource::new(Vec::new(), Some(reader))
        .map(|entry| entry.expect("in-memory reads do not fail"))
        .collect()
}

proptest! {
    /// Any bytes give the entries the line rules say, in order, and the
    /// same entries whatever size the reads come in.
    #[test]
    fn list_lines_follow_the_rules_whatever_the_read_size(
        bytes in list_file(),
        read_size in 1usize..40,
    ) {
        let entries = read_list(&bytes, read_size);
        prop_assert_eq!(&read_list(&bytes, 64 * 1024), &entries);

        let got: Vec<(u64, Option<String>, Option<InputProblem>)> = entries
            .iter()
            .map(|e| {
                let Origin::Line(line) = e.origin else { panic!("no arguments were given") };
                (line, e.problem.is_none().then(|| e.raw.clone()), e.problem.clone())
            })
            .collect();
        prop_assert_eq!(got, expected_entries(&bytes));

        for (i, entry) in entries.iter().enumerate() {
            prop_assert_eq!(entry.index, i);
            prop_assert!(!entry.raw.is_empty() && !entry.raw.starts_with('#'));
            prop_assert!(!entry.raw.contains('\n'));
            prop_assert!(entry.raw.len() <= MAX_LINE, "{} bytes kept", entry.raw.len());
            let own_line_bad = entry
                .problem
                .as_ref()
                .is_some_and(|p| !matches!(p, InputProblem::BadOption { .. }));
            if own_line_bad {
                // A problem line is shown by its start only (a bad option
                // leaves its URL's line whole).
                prop_assert!(entry.raw.len() <= 3 * 256 + '…'.len_utf8());
            }
        }
    }

    /// Arguments come first, verbatim, then the file's lines.
    #[test]
    fn arguments_come_first_verbatim(
        arguments in prop::collection::vec(any::<String>(), 0..4),
        bytes in list_file(),
    ) {
        let from_file = read_list(&bytes, 8 * 1024);
        let entries: Vec<Entry> = UrlSource::new(arguments.clone(), Some(&bytes[..]))
            .map(Result::unwrap)
            .collect();
        prop_assert_eq!(entries.len(), arguments.len() + from_file.len());
        for (i, (entry, argument)) in entries.iter().zip(&arguments).enumerate() {
            prop_assert_eq!(&entry.raw, argument);
            prop_assert_eq!(entry.origin, Origin::Argument(i + 1));
        }
        for (entry, line) in entries[arguments.len()..].iter().zip(&from_file) {
            prop_assert_eq!((&entry.raw, entry.origin, entry.problem.clone()), (&line.raw, line.origin, line.problem.clone()));
        }
    }
}
