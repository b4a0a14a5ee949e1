//! Segmented downloads (`split`) against a server that limits each
//! connection's rate, the case splitting exists for: faster by about the
//! number of connections, the same bytes, one version of the file, and one
//! stream whenever splitting is not safe or not worth it.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use spool_dl::Target;
use spool_dl::report::{Report, Status};
use spool_http::server::{Body, Request, Response};
use spool_tests::{RequestLog, TempDir, TestServer, body_for, names_in, quick, sha256_option};

/// Bytes per second the server sends on each connection.
const PER_CONNECTION: u64 = 512 * 1024;
/// A chunk of a throttled body.
const CHUNK: usize = 16 * 1024;

/// How the test server behaves.
#[derive(Clone, Copy)]
struct Serving {
    /// Whether it says `Accept-Ranges: bytes` and honours `Range`.
    ranges: bool,
    /// Whether its `ETag` changes after the first request, as if the file
    /// were replaced while being downloaded.
    changes: bool,
    /// Whether it answers every range request with a 500.
    fails_ranges: bool,
    /// Whether the first range request's body stops half way, the
    /// connection closed.
    cuts_once: bool,
}

/// A server that honours ranges and does nothing else unusual: what the
/// other behaviours are written as changes to.
const WITH_RANGES: Serving = Serving {
    ranges: true,
    changes: false,
    fails_ranges: false,
    cuts_once: false,
};

/// A server for `body` at `/file.bin`, `PER_CONNECTION` bytes per second
/// on each connection.
fn throttled(body: Vec<u8>, serving: Serving, log: RequestLog) -> TestServer {
    let body = Arc::new(body);
    let served = Arc::new(AtomicUsize::new(0));
    let cut = Arc::new(AtomicUsize::new(0));
    TestServer::start(move |request: Request| {
        log.record(&request);
        let earlier = served.fetch_add(1, Ordering::SeqCst);
        let etag = if serving.changes && earlier > 0 {
            "\"v2\""
        } else {
            "\"v1\""
        };
        let total = body.len() as u64;
        let range = request
            .headers()
            .get("range")
            .filter(|_| serving.ranges && request.headers().get("if-range") == Some(etag))
            .and_then(|value| asked_range(value, total));
        if serving.fails_ranges && request.headers().contains("range") {
            return std::future::ready(Response::new(500));
        }
        let (status, range) = match range {
            Some(range) => (206, range),
            None => (200, 0..total),
        };
        let bytes = body[range.start as usize..range.end as usize].to_vec();
        let len = bytes.len() as u64;
        let cut_here =
            serving.cuts_once && status == 206 && cut.fetch_add(1, Ordering::SeqCst) == 0;
        let stream = slowly(bytes, cut_here.then_some(len as usize / 2));
        let mut response = Response::new(status)
            .header("ETag", etag)
            .body(Body::sized_stream(len, stream));
        if serving.ranges {
            response = response.header("Accept-Ranges", "bytes");
        }
        if status == 206 {
            let content_range = format!("bytes {}-{}/{total}", range.start, range.end - 1);
            response = response.header("Content-Range", content_range);
        }
        std::future::ready(response)
    })
}

/// `bytes=FIRST-LAST` or `bytes=FIRST-` → the range.
fn asked_range(value: &str, total: u64) -> Option<Range<u64>> {
    let (first, last) = value.strip_prefix("bytes=")?.split_once('-')?;
    let first: u64 = first.parse().ok()?;
    let end = match last {
        "" => total,
        last => last.parse::<u64>().ok()? + 1,
    };
    (first < end && end <= total).then_some(first..end)
}

/// `bytes` as a stream that takes `PER_CONNECTION` to send each second's
/// worth; with `cut_at`, it fails there, which closes the connection.
fn slowly(
    bytes: Vec<u8>,
    cut_at: Option<usize>,
) -> impl spool::stream::Stream<Item = std::io::Result<Vec<u8>>> {
    let pause = Duration::from_secs_f64(CHUNK as f64 / PER_CONNECTION as f64);
    spool::stream::unfold((bytes, 0), move |(bytes, at)| async move {
        if at >= bytes.len() {
            return None;
        }
        if cut_at.is_some_and(|cut| at >= cut) {
            let cut = std::io::Error::other("cut for the test");
            return Some((Err(cut), (bytes.clone(), usize::MAX)));
        }
        spool::time::sleep(pause).await;
        let end = (at + CHUNK).min(bytes.len());
        let chunk = bytes[at..end].to_vec();
        Some((Ok(chunk), (bytes, end)))
    })
}

/// What a split download left behind, for a test to look at.
struct SplitRun {
    /// The file the server held.
    body: Vec<u8>,
    dir: TempDir,
    /// What the server was asked.
    log: RequestLog,
    report: Report,
}

/// Downloads a `size`-byte `/file.bin` from a throttled server behaving as
/// `serving`, into a fresh directory named for `test`, split into up to
/// `split` segments of at least `min_split_size` bytes.
fn split_run(
    test: &str,
    serving: Serving,
    size: usize,
    split: usize,
    min_split_size: u64,
) -> SplitRun {
    let body = body_for("/file.bin", size);
    let log = RequestLog::new();
    let server = throttled(body.clone(), serving, log.clone());
    let dir = TempDir::new(test);
    let report = quick(dir.path())
        .split(split)
        .min_split_size(min_split_size)
        .build()
        .unwrap()
        .run([server.url("/file.bin")]);
    SplitRun {
        body,
        dir,
        log,
        report,
    }
}

impl SplitRun {
    /// Whether the saved file holds exactly the server's bytes.
    fn saved_whole(&self) -> bool {
        std::fs::read(self.dir.join("file.bin")).is_ok_and(|saved| saved == self.body)
    }

    /// Checks the download succeeded with one request: the whole file, in
    /// one stream.
    fn assert_one_stream(&self) {
        assert!(!self.report.any_failed(), "{:?}", self.report);
        assert!(self.saved_whole());
        assert_eq!(self.log.all().len(), 1);
    }

    /// Checks the download failed once and then saved every byte.
    fn assert_whole_on_the_second_attempt(&self) {
        let d = &self.report.downloads[0];
        assert_eq!((d.status, d.attempts), (Status::Ok, 2), "{d:?}");
        assert!(self.saved_whole());
    }
}

#[test]
fn four_connections_are_about_four_times_faster_and_save_the_same_bytes() {
    let body = body_for("/file.bin", 1 << 20);
    let serving = WITH_RANGES;

    let log = RequestLog::new();
    let server = throttled(body.clone(), serving, log.clone());
    let one = TempDir::new("split-one");
    let started = Instant::now();
    let report = quick(one.path())
        .build()
        .unwrap()
        .run([server.url("/file.bin")]);
    let single = started.elapsed();
    assert_eq!(report.downloads[0].status, Status::Ok, "{report:?}");
    assert!(std::fs::read(one.join("file.bin")).unwrap() == body);
    assert_eq!(log.all().len(), 1);

    let log = RequestLog::new();
    let server = throttled(body.clone(), serving, log.clone());
    let four = TempDir::new("split-four");
    let started = Instant::now();
    let target = Target::Url(server.url("/file.bin"), sha256_option(&body));
    let report = quick(four.path())
        .split(4)
        .min_split_size(64 * 1024)
        .build()
        .unwrap()
        .run([target]);
    let split = started.elapsed();
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.bytes, d.attempts),
        (Status::Ok, 1 << 20, 1),
        "{d:?}"
    );
    assert!(std::fs::read(four.join("file.bin")).unwrap() == body);

    // One whole request, then three ranges with the first response's ETag.
    let requests = log.all();
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert_eq!(requests[0].range, None);
    let mut ranges: Vec<String> = requests[1..]
        .iter()
        .filter_map(|r| r.range.clone())
        .collect();
    ranges.sort();
    assert_eq!(
        ranges,
        [
            "bytes=262144-524287",
            "bytes=524288-786431",
            "bytes=786432-1048575"
        ]
    );
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.if_range.as_deref() == Some("\"v1\""))
    );

    // 1 MiB at 512 KiB/s is 2 s on one connection and 0.5 s on four; the
    // bounds leave room for a loaded machine.
    assert!(single >= Duration::from_millis(1900), "{single:?}");
    assert!(split * 2 < single, "split {split:?}, single {single:?}");
    eprintln!("one connection {single:?}, four {split:?}");
}

#[test]
fn a_server_without_ranges_gets_one_stream() {
    let no_ranges = Serving {
        ranges: false,
        ..WITH_RANGES
    };
    split_run("split-noranges", no_ranges, 256 * 1024, 4, 16 * 1024).assert_one_stream();
}

#[test]
fn a_file_shorter_than_two_segments_gets_one_stream() {
    split_run("split-small", WITH_RANGES, 100 * 1024, 4, 64 * 1024).assert_one_stream();
}

#[test]
fn a_file_that_changes_between_segments_is_started_over() {
    // The segments ask for version "v1" with If-Range; the server has "v2"
    // by then and answers 200. The attempt fails and the retry, split
    // again under "v2", saves one consistent version.
    let changes = Serving {
        changes: true,
        ..WITH_RANGES
    };
    let run = split_run("split-changed", changes, 256 * 1024, 2, 16 * 1024);
    run.assert_whole_on_the_second_attempt();
    let requests = run.log.all();
    assert_eq!(requests[1].if_range.as_deref(), Some("\"v1\""));
    assert!(
        requests[2..]
            .iter()
            .filter(|r| r.range.is_some())
            .all(|r| r.if_range.as_deref() == Some("\"v2\"")),
        "{requests:?}"
    );
}

#[test]
fn a_cut_segment_is_resumed_where_it_stopped_on_the_retry() {
    let cuts_once = Serving {
        cuts_once: true,
        ..WITH_RANGES
    };
    let run = split_run("split-cut", cuts_once, 512 * 1024, 2, 64 * 1024);
    run.assert_whole_on_the_second_attempt();
    // Attempt 1: the whole file (for the first segment) and bytes
    // 262144-524287, cut half way; the cut fails the attempt, which stops
    // the first segment too. Attempt 2 asks for what each segment lacks,
    // and nothing before it.
    let requests = run.log.all();
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert_eq!(requests[1].range.as_deref(), Some("bytes=262144-524287"));
    let mut retried: Vec<(u64, u64)> = requests[2..]
        .iter()
        .map(|r| {
            assert_eq!(r.if_range.as_deref(), Some("\"v1\""));
            let range = r.range.as_deref().unwrap().strip_prefix("bytes=").unwrap();
            let (from, to) = range.split_once('-').unwrap();
            (from.parse().unwrap(), to.parse().unwrap())
        })
        .collect();
    retried.sort();
    let [(first_from, first_to), (second_from, second_to)] = retried[..] else {
        panic!("{retried:?}");
    };
    assert_eq!((first_to, second_to), (262_143, 524_287));
    assert!(first_from < 262_144, "{retried:?}");
    assert!(
        (262_145..=262_144 + 131_072).contains(&second_from),
        "{retried:?}"
    );
    assert_eq!(names_in(run.dir.path()), ["file.bin"]);
}

#[test]
fn a_failed_split_is_kept_by_segment_and_continued_by_a_later_run() {
    // Every range fails, so the first run ends with what the first
    // segment had received and a `.meta` that lists the segments: never a
    // bare validator, which would let a later run append to a part with
    // holes as if it were a prefix.
    let body = body_for("/file.bin", 256 * 1024);
    let failing = throttled(
        body.clone(),
        Serving {
            fails_ranges: true,
            ..WITH_RANGES
        },
        RequestLog::new(),
    );
    let dir = TempDir::new("split-later");
    let report = quick(dir.path())
        .retry(spool_dl::backoff::RetryPolicy::new(0, Duration::ZERO))
        .split(2)
        .min_split_size(16 * 1024)
        .build()
        .unwrap()
        .run([failing.url("/file.bin")]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.http_status),
        (Status::Failed, Some(500)),
        "{d:?}"
    );
    assert_eq!(
        names_in(dir.path()),
        ["file.bin.part", "file.bin.part.meta"]
    );
    let meta = std::fs::read_to_string(dir.join("file.bin.part.meta")).unwrap();
    assert!(
        meta.starts_with("\"v1\"\nsplit 262144\n0 131072 "),
        "{meta}"
    );
    let state = spool_dl::split::SplitState::decode(&meta).unwrap();
    let mut missing: Vec<String> = state
        .missing()
        .iter()
        .map(|r| format!("bytes={}-{}", r.start, r.end - 1))
        .collect();
    assert!(
        missing.contains(&"bytes=131072-262143".to_owned()),
        "{meta}"
    );
    missing.sort();

    // The next run, with --continue and no split setting, asks for exactly
    // what is missing, each piece under the first run's validator.
    let log = RequestLog::new();
    let healthy = throttled(body.clone(), WITH_RANGES, log.clone());
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([healthy.url("/file.bin")]);
    let d = &report.downloads[0];
    assert_eq!((d.status, d.attempts), (Status::Ok, 1), "{d:?}");
    assert!(std::fs::read(dir.join("file.bin")).unwrap() == body);
    let requests = log.all();
    assert!(
        requests
            .iter()
            .all(|r| r.if_range.as_deref() == Some("\"v1\""))
    );
    let mut ranges: Vec<String> = requests.into_iter().filter_map(|r| r.range).collect();
    ranges.sort();
    assert_eq!(ranges, missing);
    assert_eq!(names_in(dir.path()), ["file.bin"]);
}

#[test]
fn a_split_state_that_does_not_match_its_part_is_not_trusted() {
    // The `.meta` describes 262,144 bytes but the part holds 1,000: it is
    // not the file the state was written for, so everything starts over.
    let body = body_for("/file.bin", 256 * 1024);
    let dir = TempDir::new("split-stale");
    std::fs::write(dir.join("file.bin.part"), vec![0u8; 1000]).unwrap();
    std::fs::write(
        dir.join("file.bin.part.meta"),
        "\"v1\"\nsplit 262144\n0 131072 131072\n131072 262144 0\n",
    )
    .unwrap();
    let log = RequestLog::new();
    let server = throttled(body.clone(), WITH_RANGES, log.clone());
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([server.url("/file.bin")]);
    assert!(!report.any_failed(), "{report:?}");
    assert!(std::fs::read(dir.join("file.bin")).unwrap() == body);
    let ranges: Vec<Option<String>> = log.all().into_iter().map(|r| r.range).collect();
    assert_eq!(ranges, [None]);
}

#[test]
fn a_split_file_that_fails_its_checksum_leaves_nothing_behind() {
    let body = body_for("/file.bin", 256 * 1024);
    let server = throttled(body, WITH_RANGES, RequestLog::new());
    let dir = TempDir::new("split-sum");
    let wrong = sha256_option(b"some other file");
    let report = quick(dir.path())
        .retry(spool_dl::backoff::RetryPolicy::new(1, Duration::ZERO))
        .split(2)
        .min_split_size(16 * 1024)
        .build()
        .unwrap()
        .run([Target::Url(server.url("/file.bin"), wrong)]);
    let d = &report.downloads[0];
    assert_eq!((d.status, d.attempts), (Status::Failed, 2), "{d:?}");
    assert_eq!(d.error_kind, Some(spool_dl::error::ErrorKind::Checksum));
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}
