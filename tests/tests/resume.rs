//! `--continue` against `ServeDir`, which sends an `ETag` and honours
//! `Range` with `If-Range`: a `.part` left by an earlier run is completed
//! with a range request when its saved validator still matches, and
//! started over when it does not.

use std::fs;
use std::sync::{Arc, Mutex};

use spool_dl::Target;
use spool_dl::report::Status;
use spool_http::Client;
use spool_http::server::{Request, Response, ServeDir};
use spool_tests::{RequestLog, TempDir, TestServer, body_for, names_in, quick, sha256_option};

const SIZE: usize = 300 * 1024;

/// The status and body length of each response, in order.
type Answers = Arc<Mutex<Vec<(u16, Option<u64>)>>>;

/// A `ServeDir` over a directory holding `data.bin`, recording requests
/// and the status and length of every answer.
struct Files {
    server: TestServer,
    log: RequestLog,
    answers: Answers,
    body: Vec<u8>,
    etag: String,
    _root: TempDir,
}

impl Files {
    fn start() -> Files {
        let root = TempDir::new("served");
        let body = body_for("/data.bin", SIZE);
        fs::write(root.join("data.bin"), &body).unwrap();
        let files = ServeDir::new(root.path()).unwrap();
        let log = RequestLog::new();
        let answers = Answers::default();
        let server = TestServer::start({
            let (log, answers) = (log.clone(), answers.clone());
            move |request: Request| {
                log.record(&request);
                let (files, answers) = (files.clone(), answers.clone());
                async move {
                    let response: Response = files.respond(&request).await;
                    answers
                        .lock()
                        .unwrap()
                        .push((response.status(), response.body_len()));
                    response
                }
            }
        });
        let url = server.url("/data.bin");
        let etag = spool::block_on(async move {
            let response = Client::new().head(&url).send().await.unwrap();
            response.headers().get("etag").unwrap().to_string()
        });
        assert!(etag.starts_with('"'), "a strong ETag: {etag}");
        Files {
            server,
            log,
            answers,
            body,
            etag,
            _root: root,
        }
    }

    /// The requests and answers after the `HEAD` that fetched the ETag.
    fn downloads(&self) -> (Vec<spool_tests::Logged>, Vec<(u16, Option<u64>)>) {
        let log = self.log.all().split_off(1);
        let answers = self.answers.lock().unwrap().split_off(1);
        (log, answers)
    }
}

fn leave_part(dir: &TempDir, bytes: &[u8], validator: &str) {
    fs::write(dir.join("data.bin.part"), bytes).unwrap();
    fs::write(dir.join("data.bin.part.meta"), validator).unwrap();
}

#[test]
fn a_matching_part_is_completed_with_a_range_request() {
    let files = Files::start();
    let dir = TempDir::new("resume");
    let half = SIZE / 2;
    leave_part(&dir, &files.body[..half], &files.etag);
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([files.server.url("/data.bin")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Ok, "{d:?}");
    assert_eq!(
        (d.bytes, d.attempts, d.http_status),
        (SIZE as u64, 1, Some(206))
    );

    let (log, answers) = files.downloads();
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].range.as_deref(),
        Some(format!("bytes={half}-").as_str())
    );
    assert_eq!(log[0].if_range.as_deref(), Some(files.etag.as_str()));
    // Only the missing half crossed the wire.
    assert_eq!(answers, [(206, Some((SIZE - half) as u64))]);
    assert!(fs::read(dir.join("data.bin")).unwrap() == files.body);
    assert_eq!(names_in(dir.path()), ["data.bin"]);
}

#[test]
fn a_part_of_an_older_version_is_replaced_by_the_whole_new_file() {
    let files = Files::start();
    let dir = TempDir::new("resume-stale");
    leave_part(&dir, &vec![0xAA; SIZE / 2], "\"an-older-version\"");
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([files.server.url("/data.bin")]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.http_status, d.attempts),
        (Status::Ok, Some(200), 1),
        "{d:?}"
    );
    let (log, answers) = files.downloads();
    assert_eq!(log[0].if_range.as_deref(), Some("\"an-older-version\""));
    assert_eq!(answers, [(200, Some(SIZE as u64))]);
    assert!(fs::read(dir.join("data.bin")).unwrap() == files.body);
    assert_eq!(names_in(dir.path()), ["data.bin"]);
}

#[test]
fn a_part_holding_the_whole_file_is_finished_on_a_416() {
    let files = Files::start();
    let dir = TempDir::new("resume-whole");
    leave_part(&dir, &files.body, &files.etag);
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([files.server.url("/data.bin")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Ok, "{d:?}");
    assert_eq!((d.bytes, d.attempts), (SIZE as u64, 1));
    let (_, answers) = files.downloads();
    assert_eq!(answers, [(416, Some(0))]);
    assert!(fs::read(dir.join("data.bin")).unwrap() == files.body);
    assert_eq!(names_in(dir.path()), ["data.bin"]);
}

#[test]
fn a_part_longer_than_the_file_is_started_over_after_a_416() {
    let files = Files::start();
    let dir = TempDir::new("resume-long");
    let mut too_long = files.body.clone();
    too_long.extend_from_slice(b"bytes the file never had");
    leave_part(&dir, &too_long, &files.etag);
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([files.server.url("/data.bin")]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.attempts, d.http_status),
        (Status::Ok, 2, Some(200)),
        "{d:?}"
    );
    let (log, answers) = files.downloads();
    assert_eq!(answers, [(416, Some(0)), (200, Some(SIZE as u64))]);
    assert_eq!(log[1].range, None);
    assert!(fs::read(dir.join("data.bin")).unwrap() == files.body);
}

#[test]
fn without_continue_a_leftover_part_is_left_alone() {
    let files = Files::start();
    let dir = TempDir::new("no-resume");
    leave_part(&dir, b"someone's half", &files.etag);
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([files.server.url("/data.bin")]);
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(
        names_in(dir.path()),
        ["data.1.bin", "data.bin.part", "data.bin.part.meta"]
    );
    assert_eq!(
        fs::read(dir.join("data.bin.part")).unwrap(),
        b"someone's half"
    );
    assert!(fs::read(dir.join("data.1.bin")).unwrap() == files.body);
}

/// Within one run, a retry after a cut-off body resumes from where the
/// cut happened when the first response carried a validator.
#[test]
fn a_retry_resumes_a_cut_off_body_with_a_range_request() {
    use spool_tests::RawServer;
    let body = body_for("/cut.bin", 1000);
    let heads = Arc::new(Mutex::new(Vec::new()));
    let server = RawServer::start({
        let (body, heads) = (body.clone(), heads.clone());
        move |mut c| {
            let Some(head) = c.read_request() else { return };
            heads.lock().unwrap().push(head.clone());
            if c.index == 0 {
                c.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"v1\"\r\n\r\n");
                c.write(&body[..400]);
            } else if head.contains("Range: bytes=400-") && head.contains("If-Range: \"v1\"") {
                c.write(b"HTTP/1.1 206 Partial Content\r\nContent-Length: 600\r\n");
                c.write(b"Content-Range: bytes 400-999/1000\r\nETag: \"v1\"\r\n\r\n");
                c.write(&body[400..]);
                c.stall(std::time::Duration::from_millis(500));
            }
        }
    });
    let dir = TempDir::new("resume-in-run");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/cut.bin")]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.attempts, d.http_status),
        (Status::Ok, 2, Some(206)),
        "{d:?}"
    );
    assert_eq!(d.bytes, 1000);
    assert_eq!(heads.lock().unwrap().len(), 2);
    assert!(fs::read(dir.join("cut.bin")).unwrap() == body);
    assert_eq!(names_in(dir.path()), ["cut.bin"]);
}

/// A server that answers a range request with a different range is not
/// trusted: the part is emptied and the next attempt fetches everything.
#[test]
fn a_206_for_the_wrong_range_starts_over() {
    use spool_tests::RawServer;
    let body = body_for("/odd.bin", 1000);
    let server = RawServer::start({
        let body = body.clone();
        move |mut c| {
            let Some(head) = c.read_request() else { return };
            if head.contains("Range:") {
                c.write(b"HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\n");
                c.write(b"Content-Range: bytes 0-999/1000\r\nETag: \"v1\"\r\n\r\n");
                c.write(&body);
            } else {
                c.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"v1\"\r\n\r\n");
                c.write(&body);
            }
            c.stall(std::time::Duration::from_millis(500));
        }
    });
    let dir = TempDir::new("resume-wrong-range");
    fs::write(dir.join("odd.bin.part"), &body[..300]).unwrap();
    fs::write(dir.join("odd.bin.part.meta"), "\"v1\"").unwrap();
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([server.url("/odd.bin")]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.attempts, d.http_status),
        (Status::Ok, 2, Some(200)),
        "{d:?}"
    );
    assert!(fs::read(dir.join("odd.bin")).unwrap() == body);
}

/// A server that announces `size` bytes with an ETag, sends half, and hangs up.
fn cut_in_half(size: usize) -> spool_tests::RawServer {
    spool_tests::RawServer::start(move |mut c| {
        if c.read_request().is_some() {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nETag: \"v7\"\r\n\r\n");
            c.write(head.as_bytes());
            c.write(&vec![b'x'; size / 2]);
        }
    })
}

#[test]
fn only_large_bodies_keep_their_validator_for_a_later_run() {
    let no_retries = |dir: &std::path::Path| {
        spool_tests::quick(dir).retry(spool_dl::backoff::RetryPolicy::new(
            0,
            std::time::Duration::ZERO,
        ))
    };
    // 2 MiB cut in half: the .part and its validator stay for --continue.
    let big = cut_in_half(2 << 20);
    let dir = TempDir::new("validator-big");
    no_retries(dir.path())
        .build()
        .unwrap()
        .run([big.url("/big.bin")]);
    assert_eq!(
        fs::read_to_string(dir.join("big.bin.part.meta")).unwrap(),
        "\"v7\""
    );

    // 4 KiB cut in half: cheaper to fetch again than to make resumable.
    let small = cut_in_half(4096);
    let dir = TempDir::new("validator-small");
    no_retries(dir.path())
        .build()
        .unwrap()
        .run([small.url("/small.bin")]);
    assert_eq!(names_in(dir.path()), ["small.bin.part"]);
}

/// A 206 to a request that asked for no range holds a piece of the file,
/// not all of it: it is never saved as the whole file.
#[test]
fn a_206_nobody_asked_for_is_never_saved_as_the_whole_file() {
    use spool_tests::RawServer;
    let server = RawServer::start(|mut c| {
        if c.read_request().is_some() {
            c.write(b"HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n");
            c.write(b"Content-Range: bytes 0-99/1000\r\n\r\n");
            c.write(&[b'x'; 100]);
            c.stall(std::time::Duration::from_millis(200));
        }
    });
    let dir = TempDir::new("unasked-206");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/piece.bin")]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.http_status, d.error_kind),
        (
            Status::Failed,
            Some(206),
            Some(spool_dl::error::ErrorKind::Protocol)
        ),
        "{d:?}"
    );
    assert!(!dir.join("piece.bin").exists());
}

#[test]
fn a_resumed_part_counts_toward_the_checksum() {
    let files = Files::start();
    let dir = TempDir::new("resume-sum");
    leave_part(&dir, &files.body[..SIZE / 3], &files.etag);
    let url = files.server.url("/data.bin");
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([Target::Url(url, sha256_option(&files.body))]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.attempts, d.http_status),
        (Status::Ok, 1, Some(206)),
        "{d:?}"
    );
    assert!(fs::read(dir.join("data.bin")).unwrap() == files.body);
}

#[test]
fn a_bad_resumed_prefix_fails_the_checksum_and_the_retry_starts_from_zero() {
    // The part matches the server's ETag but holds a flipped byte: only
    // the digest can tell. The retry must not resume those bytes again.
    let files = Files::start();
    let dir = TempDir::new("resume-sum-bad");
    let mut prefix = files.body[..SIZE / 3].to_vec();
    prefix[10] ^= 0xFF;
    leave_part(&dir, &prefix, &files.etag);
    let url = files.server.url("/data.bin");
    let report = quick(dir.path())
        .resume(true)
        .build()
        .unwrap()
        .run([Target::Url(url, sha256_option(&files.body))]);
    let d = &report.downloads[0];
    assert_eq!(
        (d.status, d.attempts, d.http_status),
        (Status::Ok, 2, Some(200)),
        "{d:?}"
    );
    let (log, answers) = files.downloads();
    assert_eq!(log.len(), 2);
    assert!(log[0].range.is_some() && log[1].range.is_none(), "{log:?}");
    assert_eq!(answers[1], (200, Some(SIZE as u64)));
    assert!(fs::read(dir.join("data.bin")).unwrap() == files.body);
    assert_eq!(names_in(dir.path()), ["data.bin"]);
}
