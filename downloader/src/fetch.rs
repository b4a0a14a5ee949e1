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

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use spool::time::{sleep, timeout};
use spool_http::{Client, Response, TimeoutKind};
use url::Url;

use crate::backoff::{Failure, Jitter, RetryPolicy, parse_retry_after};
use crate::builder::Timeouts;
use crate::error::{DownloadError, ErrorKind, Limit};
use crate::naming::{NameAllocator, OutputDir, name_from_url_path};
use crate::part_file::{PartFile, Untrusted};
use crate::progress::{Event, Progress};
use crate::report::Finished;
use crate::resume::{Decision, Held, decide};

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
}

/// Why one attempt failed: the class that decides about retrying, the
/// error to report if it is the last, and what the server said, if it
/// said anything.
struct AttemptError {
    failure: Failure,
    error: DownloadError,
    http_status: Option<u16>,
    retry_after: Option<Duration>,
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
        }
    }

    /// Classifies an HTTP-layer error, for retrying and for the report.
    /// Timeouts are reworded with the limit that ran out: the client's own
    /// message names its builder methods, which a user of ours never sees.
    fn from_http(error: spool_http::Error, timeouts: &Timeouts) -> AttemptError {
        use spool_http::ErrorKind as Http;
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
            _ => error.to_string(),
        };
        AttemptError::new(failure, kind, message)
    }
}

// ANCHOR: download
/// Downloads `raw` (input position `index`) and says how it went.
pub(crate) async fn download<P: Progress>(shared: &Shared<P>, index: usize, raw: &str) -> Finished {
    let started = Instant::now();
    let finished = |result, bytes, attempts, http_status| Finished {
        result,
        bytes,
        attempts,
        http_status,
        elapsed: started.elapsed(),
    };
    let url = match parse_url(raw) {
        Ok(url) => url,
        Err(error) => return finished(Err(error), 0, 0, None),
    };
    let (mut part, mut validator, final_path) = match open_target(shared, &url) {
        Ok(target) => target,
        Err(error) => return finished(Err(error), 0, 0, None),
    };
    let mut jitter = Jitter::from_entropy();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let name = final_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let attempt = fetch_into(shared, index, name, &url, &mut part, &mut validator);
        let error = match timeout(shared.timeouts.attempt, attempt).await {
            Ok(Ok(status)) => {
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
            Err(_elapsed) => AttemptError::new(
                Failure::Timeout,
                ErrorKind::Timeout(Limit::Attempt),
                format!(
                    "the attempt took longer than {:.1} s: the attempt timeout ran out",
                    shared.timeouts.attempt.as_secs_f64()
                ),
            ),
        };
        if !shared.retry.should_retry(attempts, error.failure) {
            let bytes = part.len();
            part.abandon();
            return finished(Err(error.error), bytes, attempts, error.http_status);
        }
        let delay = shared.retry.delay(attempts, &mut jitter, error.retry_after);
        shared.progress.borrow_mut().event(Event::Retrying {
            index,
            url: raw,
            attempt: attempts,
            delay,
            reason: &error.error,
        });
        sleep(delay).await;
    }
}
// ANCHOR_END: download

fn parse_url(raw: &str) -> Result<Url, DownloadError> {
    let invalid = |message| DownloadError::new(ErrorKind::InvalidUrl, message);
    let url = Url::parse(raw).map_err(|e| invalid(format!("invalid URL {raw:?}: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(invalid(format!(
            "unsupported scheme {other:?}: only http and https"
        ))),
    }
}

/// Picks the file name and opens its `.part` file (new, or to resume).
fn open_target<P>(
    shared: &Shared<P>,
    url: &Url,
) -> Result<(PartFile, Option<String>, PathBuf), DownloadError> {
    let wanted = name_from_url_path(url.path());
    let allocation = shared
        .names
        .borrow_mut()
        .allocate(&wanted, &shared.output)
        .map_err(|e| {
            let message = format!(
                "choosing a file name in {}: {e}",
                shared.output.path().display()
            );
            DownloadError::new(ErrorKind::Io, message)
        })?;
    let final_path = shared.output.join(&allocation.name);
    let part_path = shared.output.join(&allocation.part_name());
    let opened = if allocation.resume {
        PartFile::open_existing(part_path.clone())
    } else {
        PartFile::create(part_path.clone()).map(|part| (part, None))
    };
    let (part, validator) = opened.map_err(|e| {
        let message = if Untrusted::is(&e) {
            e.to_string() // already names the file and what is wrong with it
        } else {
            format!("opening {}: {e}", part_path.display())
        };
        DownloadError::new(ErrorKind::Io, message)
    })?;
    Ok((part, validator, final_path))
}

// ANCHOR: fetch_into
/// One attempt: request (a range, when resuming), check the answer, stream
/// the body into `part`. Returns the status once the body is complete.
async fn fetch_into<P: Progress>(
    shared: &Shared<P>,
    index: usize,
    name: &str,
    url: &Url,
    part: &mut PartFile,
    validator: &mut Option<String>,
) -> Result<u16, AttemptError> {
    // Resume only bytes we can vouch for: everything in `part` came from
    // the response whose validator we hold (restarting the part forgets it).
    let held = Held {
        validator: validator.as_deref(),
        part_len: part.len(),
    };
    let mut request = shared.client.get(url.as_str());
    if let Some(range) = held.range_request() {
        request = request
            .header("Range", format!("bytes={}-", range.from))
            .header("If-Range", range.validator);
    }
    let http = |e| AttemptError::from_http(e, &shared.timeouts);
    let mut response = request.send().await.map_err(http)?;
    let status = response.status();
    let offset = match decide(&held, status, response.headers().get("content-range")) {
        Decision::Append { from } => from,
        Decision::Restart => {
            part.restart().map_err(disk_error)?;
            0
        }
        Decision::Complete => return Ok(status),
        Decision::Discard { kind, reason } => {
            part.restart().map_err(disk_error)?;
            *validator = None;
            return Err(AttemptError {
                http_status: Some(status),
                ..AttemptError::new(Failure::Truncated, kind, reason)
            });
        }
        Decision::NotSuccess => return Err(status_error(&response)),
    };
    *validator = validator_of(&response);
    // Saving the validator costs a file per download. A small body is
    // cheaper to fetch again than to make resumable across runs (retries
    // within this run resume from memory either way).
    let worth_saving = response
        .content_length()
        .is_none_or(|len| len >= PERSIST_VALIDATOR_FROM);
    let saved = validator.as_deref().filter(|_| worth_saving);
    part.set_validator(saved).map_err(disk_error)?;
    shared.progress.borrow_mut().event(Event::Started {
        index,
        name,
        total: response.content_length().map(|len| len + offset),
        resumed_from: offset,
    });
    while let Some(chunk) = response.chunk().await.map_err(http)? {
        part.write(chunk).map_err(disk_error)?;
        shared.progress.borrow_mut().event(Event::Progress {
            index,
            delta: chunk.len() as u64,
        });
    }
    Ok(status)
}
// ANCHOR_END: fetch_into

fn disk_error(e: std::io::Error) -> AttemptError {
    AttemptError::fatal(ErrorKind::Io, format!("writing to disk: {e}"))
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
