//! One download: attempts, retries, and the bytes between the socket and
//! the `.part` file.
//!
//! [`download`] is the tutorial's `download_one` grown up. Each attempt runs
//! under the whole-attempt timeout (`Timeouts::attempt`); the client
//! enforces the connect and read timeouts inside it. A failed attempt is classified
//! ([`Failure`]) and, if it is the kind that can pass, retried after a
//! jittered, doubling delay — or after the server's `Retry-After`, within
//! the cap. The file is written to `NAME.part` and renamed only when the
//! HTTP layer has seen the end of the body, so a failure at any point leaves
//! nothing under the final name.
//!
//! Two things happen before or between attempts. With `--continue`, a file
//! already under its final name is first asked about ([`check_finished`]):
//! if the server vouches for it, nothing is fetched. And an attempt that
//! fails because the process is out of file descriptors does not count:
//! the download waits for another to free some
//! ([`descriptors`](crate::descriptors)) and tries again.

use std::cell::RefCell;
use std::future::Future;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime};

use spool::time::{sleep, timeout};
use spool_http::{Client, RequestBuilder, Response, TimeoutKind};
use url::Url;

use crate::backoff::{Failure, Jitter, RetryPolicy, parse_retry_after};
use crate::builder::Timeouts;
use crate::checksum::{Checksum, Hasher};
use crate::content_disposition;
use crate::credentials::take_credentials;
use crate::descriptors::{
    Descriptors, Running, caused_by_out_of_descriptors, is_out_of_descriptors,
};
use crate::error::{DownloadError, ErrorKind, Limit};
use crate::header::Header;
use crate::naming::{Allocation, NameAllocator, OutputDir, Start, name_from_url_path};
use crate::part_file::{PartFile, Untrusted};
use crate::progress::{Event, Progress};
use crate::rate_limit::RateLimiter;
use crate::report::Finished;
use crate::resume::{Decision, FinishedFile, Held, decide, judge_finished};
use crate::split::{self, SplitState, parse_content_range};
use crate::url_options::UrlOptions;

/// Bodies at least this large keep their validator on disk (`NAME.part.meta`)
/// so `--continue` can resume them in a later run.
const PERSIST_VALIDATOR_FROM: u64 = 1 << 20;

/// What every download of a batch shares, behind one `Rc`. (Not called
/// `Context` or `cx`: in async Rust those name a `task::Context`.)
pub(crate) struct Shared<P> {
    /// One client, so its pool reuses connections across downloads.
    pub(crate) client: Client,
    pub(crate) output: OutputDir,
    /// One allocator, so no two downloads of the batch get one name.
    pub(crate) names: RefCell<NameAllocator>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) progress: RefCell<P>,
    /// Sent with every request of the batch, before a URL's own fields.
    pub(crate) headers: Vec<Header>,
    /// One bandwidth budget for every download of the batch.
    pub(crate) limiter: Option<RateLimiter>,
    /// Name files after the server's `Content-Disposition`.
    pub(crate) content_disposition: bool,
    /// Connections one file may be fetched over (1: never split).
    pub(crate) split: usize,
    /// The shortest segment worth its own connection.
    pub(crate) min_split_size: u64,
    /// Downloads that ran out of file descriptors wait here for others.
    pub(crate) descriptors: Descriptors,
}

/// What one download asks for, fixed before its first attempt.
struct Job<'a> {
    /// The URL without its credentials: what the HTTP client sees, so no
    /// message of the client can repeat them.
    url: Url,
    /// `Authorization` made from the URL's credentials, unless a header
    /// field of the batch or the URL sets one.
    authorization: Option<String>,
    options: &'a UrlOptions,
}

/// Where one download is written. Opened before the first request, or,
/// when the name comes from `Content-Disposition`, once the first
/// response says what to call the file.
struct Destination {
    part: PartFile,
    part_path: PathBuf,
    /// The validator of the response the part holds the start of.
    validator: Option<String>,
    /// For a split download: its version and each segment's progress
    /// (then `validator` is `None`: the part is not a prefix).
    split: Option<SplitState>,
    final_path: PathBuf,
}

/// Why one attempt failed: the class that decides about retrying, the
/// error to report if it is the last, and what the server said, if it
/// said anything.
struct AttemptError {
    failure: Failure,
    error: DownloadError,
    http_status: Option<u16>,
    retry_after: Option<Duration>,
    /// The process or the system ran out of file descriptors: wait for
    /// another download to free one and try again, without counting it.
    out_of_descriptors: bool,
}

impl AttemptError {
    /// A failure the same attempt would meet again.
    fn fatal(kind: ErrorKind, message: impl Into<String>) -> AttemptError {
        AttemptError::new(Failure::Fatal, kind, message)
    }

    fn new(failure: Failure, kind: ErrorKind, message: impl Into<String>) -> AttemptError {
        AttemptError {
            failure,
            error: DownloadError::new(kind, message),
            http_status: None,
            retry_after: None,
            out_of_descriptors: false,
        }
    }

    /// This error, made final with `error`: no attempt can follow.
    fn giving_up_with(self, error: DownloadError) -> AttemptError {
        AttemptError {
            failure: Failure::Fatal,
            error,
            out_of_descriptors: false,
            ..self
        }
    }

    /// The whole-attempt time limit ran out.
    fn attempt_timed_out(timeouts: &Timeouts) -> AttemptError {
        AttemptError::new(
            Failure::Timeout,
            ErrorKind::Timeout(Limit::Attempt),
            format!(
                "the attempt took longer than {:.1} s: the attempt timeout ran out",
                timeouts.attempt.as_secs_f64()
            ),
        )
    }

    /// Classifies an HTTP-layer error, for retrying and for the report.
    /// Timeouts are reworded with the limit that ran out: the client's own
    /// message names its builder methods, which a user of ours never sees.
    fn from_http(error: spool_http::Error, timeouts: &Timeouts) -> AttemptError {
        use spool_http::ErrorKind as Http;
        let out_of_descriptors = caused_by_out_of_descriptors(&error);
        let (failure, kind) = match error.kind() {
            Http::InvalidUrl | Http::UnsupportedScheme | Http::InvalidRequest => {
                (Failure::Fatal, ErrorKind::InvalidUrl)
            }
            Http::Dns | Http::Connect => (Failure::Connect, ErrorKind::Connect),
            Http::Timeout(TimeoutKind::Connect) => {
                (Failure::Timeout, ErrorKind::Timeout(Limit::Connect))
            }
            Http::Timeout(TimeoutKind::Read) => (Failure::Timeout, ErrorKind::Timeout(Limit::Read)),
            Http::Timeout(_) => (Failure::Timeout, ErrorKind::Timeout(Limit::Attempt)),
            Http::Tls => (Failure::Fatal, ErrorKind::Tls),
            Http::Io => (Failure::Reset, ErrorKind::Connection),
            Http::BodyIncomplete | Http::BodyEndUnconfirmed => {
                (Failure::Truncated, ErrorKind::Connection)
            }
            Http::TooManyRedirects => (Failure::Fatal, ErrorKind::Redirect),
            // Retried like a failed connection: a proxy that is restarting
            // or a gateway error is often over by the next attempt.
            Http::Proxy => (Failure::Connect, ErrorKind::Proxy),
            _ => (Failure::Fatal, ErrorKind::Protocol),
        };
        let message = match kind {
            ErrorKind::Timeout(Limit::Read) => format!(
                "no data from the server for {:.1} s: the read timeout ran out",
                timeouts.read.as_secs_f64()
            ),
            ErrorKind::Timeout(Limit::Connect) => format!(
                "could not connect within {:.1} s: the connect timeout ran out",
                timeouts.connect.as_secs_f64()
            ),
            // The cause too: "Too many open files" is the part to act on.
            _ if out_of_descriptors => format!("{error:#}"),
            _ => error.to_string(),
        };
        AttemptError {
            out_of_descriptors,
            ..AttemptError::new(failure, kind, message)
        }
    }
}

// ANCHOR: download
/// Downloads `raw` (input position `index`, shown to people as `shown`)
/// and says how it went.
pub(crate) async fn download<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    raw: &str,
    shown: &str,
    options: &UrlOptions,
) -> Finished {
    let started = Instant::now();
    let finished = |result, bytes, attempts, http_status| Finished {
        result,
        bytes,
        attempts,
        http_status,
        already_complete: false,
        elapsed: started.elapsed(),
    };
    let job = match prepare(shared, raw, shown, options) {
        Ok(job) => job,
        Err(error) => return finished(Err(error), 0, 0, None),
    };
    let running = shared.descriptors.start().await;
    let mut jitter = Jitter::from_entropy();
    let mut attempts = 0;
    // A name from Content-Disposition is known only once the first
    // response arrives; the file is opened then.
    let mut destination = if shared.content_disposition && options.out.is_none() {
        None
    } else {
        let wanted = match &options.out {
            Some(out) => out.clone(),
            None => name_from_url_path(job.url.path()),
        };
        let mut allocation = match allocate_name(shared, &wanted, true) {
            Ok(allocation) => allocation,
            Err(error) => return finished(Err(error), 0, 0, None),
        };
        if allocation.start == Start::CheckFinished {
            let path = shared.output.join(&allocation.name);
            // Boxed, like an attempt: a rare path kept out of every task.
            let checked =
                check_finished(shared, index, shown, &job, &path, &running, &mut attempts);
            match Box::pin(checked).await {
                Ok(Some((len, status))) => {
                    return Finished {
                        already_complete: true,
                        ..finished(Ok(path), len, attempts, Some(status))
                    };
                }
                Ok(None) => match allocate_name(shared, &wanted, false) {
                    Ok(new) => allocation = new,
                    Err(error) => return finished(Err(error), 0, attempts, None),
                },
                Err(error) => {
                    return finished(Err(error.error), 0, attempts, error.http_status);
                }
            }
        }
        loop {
            let error = match open_destination(shared, &allocation) {
                Ok(destination) => break Some(destination),
                Err(error) => error,
            };
            let waited = match error.out_of_descriptors {
                true => running.wait_for_release(&error.error).await,
                false => Err(error.error),
            };
            if let Err(error) = waited {
                return finished(Err(error), 0, attempts, None);
            }
        }
    };
    loop {
        attempts += 1;
        // Boxed: an attempt's future holds the HTTP client's, which can open
        // a connection (TLS, a proxy tunnel) and so runs to kilobytes.
        // Inline, it would make every download task that large, and the
        // task is copied whole each time it is moved: into `timeout`, and
        // several times on its way into the loop's task table at spawn.
        let attempt = Box::pin(fetch_into(shared, index, &job, &mut destination));
        let error = match timeout(shared.timeouts.attempt, attempt).await {
            Ok(Ok(status)) => {
                let Destination {
                    part, final_path, ..
                } = destination.expect("a successful attempt has opened its file");
                let bytes = part.len();
                return match part.finish(&final_path) {
                    Ok(()) => finished(Ok(final_path), bytes, attempts, Some(status)),
                    Err(e) => {
                        let message = format!("saving {}: {e}", final_path.display());
                        let error = DownloadError::new(ErrorKind::Io, message);
                        finished(Err(error), bytes, attempts, Some(status))
                    }
                };
            }
            Ok(Err(error)) => error,
            Err(_elapsed) => AttemptError::attempt_timed_out(&shared.timeouts),
        };
        let error = match error.out_of_descriptors {
            true => match running.wait_for_release(&error.error).await {
                // Not the URL's fault: try again, uncounted, now that
                // another download has freed its descriptors.
                Ok(()) => {
                    attempts -= 1;
                    continue;
                }
                Err(out) => error.giving_up_with(out),
            },
            false => error,
        };
        if !shared.retry.should_retry(attempts, error.failure) {
            let bytes = destination.as_ref().map_or(0, |d| d.part.len());
            if let Some(destination) = destination {
                destination.part.abandon();
            }
            return finished(Err(error.error), bytes, attempts, error.http_status);
        }
        let delay = shared.retry.delay(attempts, &mut jitter, error.retry_after);
        shared.progress.borrow_mut().event(Event::Retrying {
            index,
            url: shown,
            attempt: attempts,
            delay,
            reason: &error.error,
        });
        sleep(delay).await;
    }
}
// ANCHOR_END: download

/// Parses the URL and takes its credentials out of it. Messages show the
/// URL as `shown`, credentials masked.
fn prepare<'a, P>(
    shared: &Shared<P>,
    raw: &str,
    shown: &str,
    options: &'a UrlOptions,
) -> Result<Job<'a>, DownloadError> {
    let invalid = |message| DownloadError::new(ErrorKind::InvalidUrl, message);
    let mut url = Url::parse(raw).map_err(|e| invalid(format!("invalid URL {shown:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "unsupported scheme {:?}: only http and https",
            url.scheme()
        )));
    }
    let credentials = take_credentials(&mut url).map_err(|e| invalid(format!("{shown}: {e}")))?;
    let has_own = shared
        .headers
        .iter()
        .chain(&options.headers)
        .any(|h| h.is("authorization"));
    let authorization = credentials.filter(|_| !has_own).map(|c| c.authorization());
    Ok(Job {
        url,
        authorization,
        options,
    })
}

/// Allocates the file name for `wanted`. With `--continue` and
/// `may_check`, that may be a finished file of an earlier run to check
/// ([`Start::CheckFinished`]); otherwise a name to download to.
fn allocate_name<P>(
    shared: &Shared<P>,
    wanted: &str,
    may_check: bool,
) -> Result<Allocation, DownloadError> {
    let mut names = shared.names.borrow_mut();
    let allocation = match names.allocate(wanted, &shared.output) {
        Ok(allocation) if allocation.start == Start::CheckFinished && !may_check => {
            names.allocate_new(wanted, &shared.output)
        }
        other => other,
    };
    allocation.map_err(|e| {
        let message = format!(
            "choosing a file name in {}: {e}",
            shared.output.path().display()
        );
        DownloadError::new(ErrorKind::Io, message)
    })
}

/// With `--continue`, asks whether the file at `path`, left under its
/// final name by an earlier run, is already whole: `Range: bytes=LEN-`,
/// retried like any attempt. `Some` (its length and the status) when it
/// is, and with a checksum its bytes match; `None` when it is not this
/// download's file. The file is only ever read.
async fn check_finished<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    shown: &str,
    job: &Job<'_>,
    path: &Path,
    running: &Running<'_>,
    attempts: &mut u32,
) -> Result<Option<(u64, u16)>, AttemptError> {
    let len = match std::fs::symlink_metadata(path) {
        Ok(found) if found.is_file() => found.len(),
        _ => return Ok(None), // a directory, a link: not a download of ours
    };
    let http = |e| AttemptError::from_http(e, &shared.timeouts);
    let mut jitter = Jitter::from_entropy();
    loop {
        *attempts += 1;
        let asked = async {
            let request = request(shared, job).header("Range", format!("bytes={len}-"));
            let response = request.send().await.map_err(http)?;
            let status = response.status();
            match judge_finished(len, status, response.headers().get("content-range")) {
                FinishedFile::Whole => Ok(Some(status)),
                FinishedFile::NotThisFile => Ok(None),
                FinishedFile::NotSuccess => Err(status_error(&response)),
            }
        };
        let error = match timeout(shared.timeouts.attempt, asked).await {
            Ok(Ok(None)) => return Ok(None),
            Ok(Ok(Some(status))) => {
                if let Some(checksum) = &job.options.checksum {
                    let hasher = hash_file(checksum, path, len).await?;
                    if let Err(mismatch) = checksum.verify(hasher) {
                        let message = format!(
                            "{} is already whole by its length, but {mismatch}; it was left as it is (remove it to download it again)",
                            path.display()
                        );
                        return Err(AttemptError {
                            http_status: Some(status),
                            ..AttemptError::fatal(ErrorKind::Checksum, message)
                        });
                    }
                }
                return Ok(Some((len, status)));
            }
            Ok(Err(error)) => error,
            Err(_elapsed) => AttemptError::attempt_timed_out(&shared.timeouts),
        };
        let error = match error.out_of_descriptors {
            true => match running.wait_for_release(&error.error).await {
                Ok(()) => {
                    *attempts -= 1;
                    continue;
                }
                Err(out) => error.giving_up_with(out),
            },
            false => error,
        };
        if !shared.retry.should_retry(*attempts, error.failure) {
            return Err(error);
        }
        let delay = shared
            .retry
            .delay(*attempts, &mut jitter, error.retry_after);
        shared.progress.borrow_mut().event(Event::Retrying {
            index,
            url: shown,
            attempt: *attempts,
            delay,
            reason: &error.error,
        });
        sleep(delay).await;
    }
}

/// Opens the `.part` file of `allocation` (new, or to resume).
fn open_destination<P>(
    shared: &Shared<P>,
    allocation: &Allocation,
) -> Result<Destination, AttemptError> {
    let final_path = shared.output.join(&allocation.name);
    let part_path = shared.output.join(&allocation.part_name());
    let opened = if allocation.start == Start::Resume {
        PartFile::open_existing(part_path.clone())
    } else {
        PartFile::create(part_path.clone()).map(|part| (part, None))
    };
    let (mut part, saved) = opened.map_err(|e| {
        let message = if Untrusted::is(&e) {
            e.to_string() // already names the file and what is wrong with it
        } else {
            format!("opening {}: {e}", part_path.display())
        };
        AttemptError {
            out_of_descriptors: is_out_of_descriptors(&e),
            ..AttemptError::fatal(ErrorKind::Io, message)
        }
    })?;
    // A `.meta` of several lines is a split download's: resume it segment
    // by segment, or not at all if it does not match the part.
    let (validator, split) = match saved {
        Some(text) if text.contains('\n') => match SplitState::decode(&text) {
            Some(state) if state.total() == part.len() => (None, Some(state)),
            _ => {
                let io = |e| {
                    AttemptError::fatal(
                        ErrorKind::Io,
                        format!("emptying {}: {e}", part_path.display()),
                    )
                };
                part.restart().map_err(io)?;
                part.set_validator(None).map_err(io)?;
                (None, None)
            }
        },
        other => (other, None),
    };
    Ok(Destination {
        part,
        part_path,
        validator,
        split,
        final_path,
    })
}

// ANCHOR: fetch_into
/// One attempt: request (a range, when resuming), check the answer, stream
/// the body into the `.part` file, check its digest. Returns the status
/// once the body is complete (and, with a checksum, verified).
async fn fetch_into<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    job: &Job<'_>,
    destination: &mut Option<Destination>,
) -> Result<u16, AttemptError> {
    if let Some(d) = destination.as_mut().filter(|d| d.split.is_some()) {
        // A split part from an earlier run was opened to append; made
        // "full length" again, it is reopened for writes in place.
        d.part.preallocate(d.part.len()).map_err(disk_error)?;
        return fetch_segments(shared, index, job, d, None, 206).await;
    }
    // Resume only bytes we can vouch for: everything in `part` came from
    // the response whose validator we hold (restarting the part forgets it).
    let held = Held {
        validator: destination.as_ref().and_then(|d| d.validator.as_deref()),
        part_len: destination.as_ref().map_or(0, |d| d.part.len()),
    };
    let mut request = request(shared, job);
    if let Some(range) = held.range_request() {
        request = request
            .header("Range", format!("bytes={}-", range.from))
            .header("If-Range", range.validator);
    }
    let http = |e| AttemptError::from_http(e, &shared.timeouts);
    let mut response = request.send().await.map_err(http)?;
    let status = response.status();
    let decision = decide(&held, status, response.headers().get("content-range"));
    if decision == Decision::NotSuccess {
        return Err(status_error(&response));
    }
    let d = match destination {
        Some(d) => d,
        None => {
            let wanted = response
                .headers()
                .get_bytes("content-disposition")
                .and_then(content_disposition::safe_filename)
                .unwrap_or_else(|| name_from_url_path(job.url.path()));
            let allocation = allocate_name(shared, &wanted, false)
                .map_err(|error| AttemptError::fatal(error.kind(), error.message()))?;
            let opened = open_destination(shared, &allocation).map_err(|error| AttemptError {
                http_status: Some(status),
                ..error
            })?;
            destination.insert(opened)
        }
    };
    let offset = match decision {
        Decision::Append { from } => from,
        Decision::Restart => {
            d.part.restart().map_err(disk_error)?;
            0
        }
        Decision::Complete => {
            if let Some(checksum) = &job.options.checksum {
                let hasher = hash_part(checksum, d).await?;
                verify(checksum, hasher, d, status)?;
            }
            return Ok(status);
        }
        Decision::Discard { kind, reason } => {
            d.part.restart().map_err(disk_error)?;
            d.validator = None;
            return Err(AttemptError {
                http_status: Some(status),
                ..AttemptError::new(Failure::Truncated, kind, reason)
            });
        }
        Decision::NotSuccess => unreachable!("returned above"),
    };
    d.validator = validator_of(&response);
    if let Some(segments) = split_plan(shared, &response, decision, d) {
        return fetch_split(shared, index, job, d, response, segments).await;
    }
    // Saving the validator costs a file per download. A small body is
    // cheaper to fetch again than to make resumable across runs (retries
    // within this run resume from memory either way).
    let worth_saving = response
        .content_length()
        .is_none_or(|len| len >= PERSIST_VALIDATOR_FROM);
    let saved = d.validator.as_deref().filter(|_| worth_saving);
    d.part.set_validator(saved).map_err(disk_error)?;
    // The digest covers the whole file: bytes resumed from earlier are read
    // back from disk, the rest is hashed as it streams.
    let mut hasher = match &job.options.checksum {
        Some(checksum) => Some(hash_part(checksum, d).await?),
        None => None,
    };
    let name = d
        .final_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    shared.progress.borrow_mut().event(Event::Started {
        index,
        name,
        total: response.content_length().map(|len| len + offset),
        resumed_from: offset,
    });
    while let Some(chunk) = response.chunk().await.map_err(http)? {
        d.part.write(chunk).map_err(disk_error)?;
        if let Some(hasher) = hasher.as_mut() {
            hasher.update(chunk);
        }
        let len = chunk.len() as u64;
        received(shared, index, len).await;
    }
    if let (Some(checksum), Some(hasher)) = (&job.options.checksum, hasher) {
        verify(checksum, hasher, d, status)?;
    }
    Ok(status)
}
// ANCHOR_END: fetch_into

/// A request for the job's URL, with the batch's and the URL's own header
/// fields and the URL's credentials.
fn request<P>(shared: &Shared<P>, job: &Job<'_>) -> RequestBuilder {
    let mut request = shared.client.get(job.url.as_str());
    for header in shared.headers.iter().chain(&job.options.headers) {
        request = request.header(header.name(), header.value());
    }
    if let Some(authorization) = &job.authorization {
        request = request.header("Authorization", authorization.as_str());
    }
    request
}

/// The segments to fetch the body of `response` in, if it should be split:
/// splitting is asked for, the response is a whole body of known length
/// from a server that takes ranges, it has a validator to hold every
/// segment to one version, and it is long enough for two segments.
fn split_plan<P>(
    shared: &Shared<P>,
    response: &Response,
    decision: Decision,
    d: &Destination,
) -> Option<Vec<Range<u64>>> {
    let takes_ranges = response.headers().get("accept-ranges").is_some_and(|v| {
        v.split(',')
            .any(|unit| unit.trim().eq_ignore_ascii_case("bytes"))
    });
    let whole = decision == Decision::Restart && response.status() == 200;
    if shared.split < 2 || !whole || !takes_ranges || d.validator.is_none() {
        return None;
    }
    let segments = split::plan(
        response.content_length()?,
        shared.split,
        shared.min_split_size,
    );
    (segments.len() > 1).then_some(segments)
}

/// A segment's future; boxed, since the first and the others differ.
type Piece<'a> = Pin<Box<dyn Future<Output = Result<(), AttemptError>> + 'a>>;

// ANCHOR: fetch_split
/// Starts a split download: `response` (asked for whole) brings the first
/// segment, every other segment comes over a request of its own, and the
/// `.part` file is made full length so each is written at its offset.
async fn fetch_split<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    job: &Job<'_>,
    d: &mut Destination,
    response: Response,
    segments: Vec<Range<u64>>,
) -> Result<u16, AttemptError> {
    let status = response.status();
    let validator = d.validator.take().unwrap_or_default();
    let state = SplitState::new(validator, segments);
    d.part.preallocate(state.total()).map_err(disk_error)?;
    // From here on the `.meta` holds the segments, never a bare validator:
    // a part with holes must not be resumed as a prefix.
    d.part
        .set_validator(Some(&state.encode()))
        .map_err(disk_error)?;
    d.split = Some(state);
    fetch_segments(shared, index, job, d, Some(response), status).await
}

/// Fetches every segment still missing, all at once, and settles the part:
/// complete (and verified), kept for the next attempt with what each
/// segment has, or emptied when its bytes cannot be trusted.
async fn fetch_segments<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    job: &Job<'_>,
    d: &mut Destination,
    mut first: Option<Response>,
    status: u16,
) -> Result<u16, AttemptError> {
    let Some(state) = d.split.as_ref() else {
        unreachable!("called for split downloads only");
    };
    let missing: u64 = state.missing().iter().map(|r| r.end - r.start).sum();
    let name = d.final_path.file_name().and_then(|n| n.to_str());
    shared.progress.borrow_mut().event(Event::Started {
        index,
        name: name.unwrap_or(""),
        total: Some(state.total()),
        resumed_from: state.total() - missing,
    });
    let part = &d.part;
    let mut pieces: Vec<Piece<'_>> = Vec::with_capacity(state.len());
    for i in 0..state.len() {
        let (range, from) = state.segment(i);
        if from == range.end {
            continue;
        }
        match first.take() {
            Some(response) if i == 0 => {
                pieces.push(Box::pin(first_segment(
                    shared, index, part, response, state,
                )));
            }
            unused => {
                first = unused;
                pieces.push(Box::pin(segment(shared, index, job, part, state, i)));
            }
        }
    }
    let fetched = spool::try_join_all(pieces).await;
    drop(first);
    if let Err(error) = fetched {
        if error.error.kind() == ErrorKind::Protocol {
            // Another version or another range: nothing here is trusted.
            d.part.restart().map_err(disk_error)?;
            d.part.set_validator(None).map_err(disk_error)?;
            d.split = None;
        } else if let Some(state) = &d.split {
            d.part
                .set_validator(Some(&state.encode()))
                .map_err(disk_error)?;
        }
        return Err(error);
    }
    if let Some(checksum) = &job.options.checksum {
        let hasher = hash_part(checksum, d).await?;
        verify(checksum, hasher, d, status)?;
    }
    Ok(status)
}
// ANCHOR_END: fetch_split

/// The first segment: the start of the response that was asked for whole.
/// The rest of that body belongs to other segments and is not read; the
/// response is dropped as soon as the segment is in, which frees its
/// connection for another segment (the batch's connection limit holds for
/// segments too).
async fn first_segment<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    part: &PartFile,
    mut response: Response,
    state: &SplitState,
) -> Result<(), AttemptError> {
    let http = |e| AttemptError::from_http(e, &shared.timeouts);
    let (range, mut at) = state.segment(0);
    while at < range.end {
        let Some(chunk) = response.chunk().await.map_err(http)? else {
            return Err(AttemptError::new(
                Failure::Truncated,
                ErrorKind::Connection,
                format!("the body ended after {at} bytes, in its first segment"),
            ));
        };
        let wanted = chunk.len().min((range.end - at) as usize);
        part.write_at(at, &chunk[..wanted]).map_err(disk_error)?;
        at += wanted as u64;
        state.advance(0, wanted as u64);
        received(shared, index, wanted as u64).await;
    }
    Ok(())
}

/// The missing bytes of segment `i`, over a request of their own, from
/// the version the state holds (`If-Range`).
async fn segment<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    job: &Job<'_>,
    part: &PartFile,
    state: &SplitState,
    i: usize,
) -> Result<(), AttemptError> {
    let http = |e| AttemptError::from_http(e, &shared.timeouts);
    let (range, from) = state.segment(i);
    let asked = format!("bytes={from}-{}", range.end - 1);
    let mut response = request(shared, job)
        .header("Range", asked)
        .header("If-Range", state.validator())
        .send()
        .await
        .map_err(http)?;
    let status = response.status();
    let start_over = |reason: &str| AttemptError {
        http_status: Some(status),
        ..AttemptError::new(
            Failure::Truncated,
            ErrorKind::Protocol,
            format!("{reason}; starting over"),
        )
    };
    match status {
        206 => {}
        200 => {
            return Err(start_over(
                "the file changed while its segments were fetched",
            ));
        }
        _ => return Err(status_error(&response)),
    }
    let answered = response
        .headers()
        .get("content-range")
        .and_then(parse_content_range);
    let same_version = validator_of(&response).is_none_or(|v| v == state.validator());
    if answered != Some((from..range.end, Some(state.total()))) || !same_version {
        return Err(start_over(
            "a segment came back as another range or version",
        ));
    }
    let mut at = from;
    while let Some(chunk) = response.chunk().await.map_err(http)? {
        let len = chunk.len() as u64;
        if at + len > range.end {
            return Err(start_over("a segment ran past its range"));
        }
        part.write_at(at, chunk).map_err(disk_error)?;
        at += len;
        state.advance(i, len);
        received(shared, index, len).await;
    }
    if at != range.end {
        return Err(AttemptError::new(
            Failure::Truncated,
            ErrorKind::Connection,
            format!(
                "a segment ended at byte {at} of {}..{}",
                range.start, range.end
            ),
        ));
    }
    Ok(())
}

/// Reports `len` bytes received and waits if the batch is over its rate.
async fn received<P: Progress>(shared: &Shared<P>, index: usize, len: u64) {
    shared
        .progress
        .borrow_mut()
        .event(Event::Progress { index, delta: len });
    if let Some(limiter) = &shared.limiter {
        limiter.take(len).await;
    }
}

/// A hasher that has seen the bytes already in the `.part` file, read back
/// on the blocking pool: a resumed prefix may be gigabytes.
async fn hash_part(checksum: &Checksum, d: &Destination) -> Result<Hasher, AttemptError> {
    hash_file(checksum, &d.part_path, d.part.len()).await
}

/// A hasher that has seen the first `len` bytes of the file at `path`.
async fn hash_file(checksum: &Checksum, path: &Path, len: u64) -> Result<Hasher, AttemptError> {
    let mut hasher = checksum.hasher();
    if len == 0 {
        return Ok(hasher);
    }
    let owned = path.to_path_buf();
    let read = spool::spawn_blocking(move || {
        let file = std::fs::File::open(&owned)?;
        hasher.update_from(file, len).map(|()| hasher)
    })
    .await;
    let reading = |e: &dyn std::fmt::Display| {
        AttemptError::fatal(
            ErrorKind::Io,
            format!("reading back {} to check its digest: {e}", path.display()),
        )
    };
    match read {
        Ok(Ok(hasher)) => Ok(hasher),
        Ok(Err(e)) => Err(AttemptError {
            out_of_descriptors: is_out_of_descriptors(&e),
            ..reading(&e)
        }),
        Err(e) => Err(reading(&e)),
    }
}

// ANCHOR: verify
/// Checks the digest. On a mismatch the part is emptied and its validator
/// forgotten, since any of its bytes (a resumed prefix too) may be the bad
/// ones: the retry starts from byte 0.
fn verify(
    checksum: &Checksum,
    hasher: Hasher,
    d: &mut Destination,
    status: u16,
) -> Result<(), AttemptError> {
    let Err(mismatch) = checksum.verify(hasher) else {
        return Ok(());
    };
    d.part.restart().map_err(disk_error)?;
    d.validator = None;
    d.split = None;
    d.part.set_validator(None).map_err(disk_error)?;
    Err(AttemptError {
        http_status: Some(status),
        ..AttemptError::new(Failure::Checksum, ErrorKind::Checksum, mismatch.to_string())
    })
}
// ANCHOR_END: verify

fn disk_error(e: std::io::Error) -> AttemptError {
    AttemptError {
        out_of_descriptors: is_out_of_descriptors(&e),
        ..AttemptError::fatal(ErrorKind::Io, format!("writing to disk: {e}"))
    }
}

fn status_error(response: &Response) -> AttemptError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let message = format!("HTTP {status} {}", response.reason());
    AttemptError {
        http_status: Some(status),
        retry_after,
        ..AttemptError::new(
            Failure::Status(status),
            ErrorKind::HttpStatus,
            message.trim_end(),
        )
    }
}

/// The validator to resume with: a strong ETag, else Last-Modified. A weak
/// ETag (`W/"…"`) may not be used in `If-Range` (RFC 9110 §13.1.5).
fn validator_of(response: &Response) -> Option<String> {
    let headers = response.headers();
    headers
        .get("etag")
        .filter(|tag| !tag.starts_with("W/"))
        .or_else(|| headers.get("last-modified"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::OutputDir;
    use crate::progress::Quiet;

    fn shared(output: OutputDir) -> Shared<Quiet> {
        Shared {
            client: Client::new(),
            output,
            names: RefCell::new(NameAllocator::new(false)),
            retry: crate::builder::DownloaderBuilder::DEFAULT_RETRY,
            timeouts: Timeouts::default(),
            progress: RefCell::new(Quiet),
            headers: Vec::new(),
            limiter: None,
            content_disposition: false,
            split: 1,
            min_split_size: 1 << 20,
            descriptors: Default::default(),
        }
    }

    /// A batch spawns one task per URL, and a task is copied whole each
    /// time it is moved; the HTTP client's future, kilobytes, must stay
    /// behind a box rather than inline in it.
    #[test]
    fn a_download_task_stays_small() {
        let dir = spool_tests::TempDir::new("fetch");
        let shared = shared(OutputDir::create(dir.path()).unwrap());
        let options = UrlOptions::default();
        let url = "http://127.0.0.1:9/a.bin";
        let task = download(&shared, 0, url, url, &options);
        let size = std::mem::size_of_val(&task);
        assert!(size <= 4096, "a download's future is {size} bytes");
        drop(task);
    }
}
