//! [`Downloader`]: the tutorial's `AsyncDownloader`, for a whole batch.
//!
//! The batch loop is the tutorial's semaphore pattern with two changes that
//! matter at scale. URLs are *pulled* from a stream as slots free up, rather
//! than turned into a list of tasks up front, so a list of 100,000 URLs
//! costs 100,000 small report entries and never 100,000 tasks or sockets.
//! And the loop waits for the last downloads with
//! [`Semaphore::all_returned`]: when all `-j` permits are home, nothing is
//! in flight.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spool::stream::{Stream, StreamExt};
use spool::sync::Semaphore;
use spool_http::Client;

use crate::backoff::RetryPolicy;
use crate::builder::{DownloaderBuilder, RequestSettings, Timeouts};
use crate::credentials::mask;
use crate::descriptors::Descriptors;
use crate::error::{DownloadError, ErrorKind};
use crate::fetch::{Shared, download};
use crate::input::Entry;
use crate::naming::{NameAllocator, OutputDir};
use crate::progress::{Event, Progress, Quiet};
use crate::rate_limit::RateLimiter;
use crate::report::{Finished, Report, ReportBuilder};
use crate::url_options::UrlOptions;

/// Downloads batches of URLs into one directory.
///
/// # Examples
///
/// ```no_run
/// use spool_dl::Downloader;
///
/// let downloader = Downloader::builder().output_dir("downloads").concurrency(5).build()?;
/// let report = downloader.run(["https://example.com/a.zip", "https://example.com/b.zip"]);
/// print!("{}", report.summary());
/// # Ok::<(), spool_dl::BuildError>(())
/// ```
pub struct Downloader {
    client: Client,
    output: OutputDir,
    concurrency: usize,
    retry: RetryPolicy,
    timeouts: Timeouts,
    resume: bool,
    requests: RequestSettings,
}

impl std::fmt::Debug for Downloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The HTTP client holds a pool and TLS state, and shows none of it.
        f.debug_struct("Downloader")
            .field("output", &self.output)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("resume", &self.resume)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

/// One item of a batch: a URL, or an input line that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A URL to download (parsed, and possibly rejected, when its turn
    /// comes), with the options given for it alone (a name, a checksum,
    /// header fields).
    Url(String, UrlOptions),
    /// A line of input that is not a URL at all (not UTF-8, far too long);
    /// it becomes a failed entry with `reason`.
    Unusable {
        /// The line as it can be shown to a person.
        shown: String,
        /// Why it cannot be downloaded.
        reason: String,
    },
}

impl From<String> for Target {
    fn from(url: String) -> Target {
        Target::Url(url, UrlOptions::default())
    }
}

impl From<&str> for Target {
    fn from(url: &str) -> Target {
        Target::Url(url.to_string(), UrlOptions::default())
    }
}

impl From<Entry> for Target {
    fn from(entry: Entry) -> Target {
        match entry.problem {
            None => Target::Url(entry.raw, entry.options),
            Some(problem) => Target::Unusable {
                shown: mask(&entry.raw).into_owned(),
                reason: format!("{}: {problem}", entry.origin),
            },
        }
    }
}

impl Downloader {
    /// A builder, starting from the defaults.
    pub fn builder() -> DownloaderBuilder {
        DownloaderBuilder::default()
    }

    /// A downloader with settings checked by [`DownloaderBuilder::build`].
    pub(crate) fn new(
        client: Client,
        output: OutputDir,
        concurrency: usize,
        retry: RetryPolicy,
        timeouts: Timeouts,
        resume: bool,
        requests: RequestSettings,
    ) -> Downloader {
        Downloader {
            client,
            output,
            concurrency,
            retry,
            timeouts,
            resume,
            requests,
        }
    }

    /// Downloads `urls` and returns the report: for callers outside a spool
    /// loop. It runs its own loop until the batch is done.
    pub fn run<I>(&self, urls: I) -> Report
    where
        I: IntoIterator,
        I::Item: Into<Target>,
    {
        let targets: Vec<Target> = urls.into_iter().map(Into::into).collect();
        spool::block_on(self.download_batch(spool::stream::iter(targets), Quiet))
    }

    // ANCHOR: download_batch
    /// Downloads every URL of `urls`, at most `concurrency` at a time,
    /// reporting to `progress`; for spool programs. The report lists the
    /// URLs in the order the stream gave them.
    pub async fn download_batch<S, P>(&self, targets: S, progress: P) -> Report
    where
        S: Stream + Unpin,
        S::Item: Into<Target>,
        P: Progress + 'static,
    {
        let started = Instant::now();
        let shared = Rc::new(Shared {
            client: self.client.clone(),
            output: self.output.clone(),
            names: RefCell::new(NameAllocator::new(self.resume)),
            retry: self.retry,
            timeouts: self.timeouts,
            progress: RefCell::new(progress),
            headers: self.requests.headers.clone(),
            limiter: self.requests.limit_rate.map(RateLimiter::new),
            content_disposition: self.requests.content_disposition,
            split: self.requests.split,
            min_split_size: self.requests.min_split_size,
            descriptors: Descriptors::default(),
        });
        let report = Rc::new(RefCell::new(ReportBuilder::new()));
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut targets = targets;
        while let Some(target) = targets.next().await {
            let (url, options) = match target.into() {
                Target::Url(url, options) => (url, options),
                Target::Unusable { shown, reason } => {
                    let shown = mask(&shown).into_owned();
                    let index = report.borrow_mut().enqueue(shown.clone());
                    let outcome = Finished {
                        result: Err(DownloadError::new(ErrorKind::InvalidUrl, reason)),
                        bytes: 0,
                        attempts: 0,
                        http_status: None,
                        already_complete: false,
                        elapsed: Duration::ZERO,
                    };
                    finish_one(&shared, &report, index, &shown, outcome);
                    continue;
                }
            };
            // The URL as progress lines and the report show it: without
            // the credentials it may hold.
            let shown = mask(&url).into_owned();
            let index = report.borrow_mut().enqueue(shown.clone());
            // Wait for a free slot before even starting the task: the
            // stream is read no faster than downloads finish.
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break; // never closed; nothing to do but stop reading
            };
            let (shared, report) = (shared.clone(), report.clone());
            spool::spawn(async move {
                let outcome = download(&shared, index, &url, &shown, &options).await;
                finish_one(&shared, &report, index, &shown, outcome);
                drop(permit);
            });
        }
        // Every permit home means every download finished.
        slots.all_returned().await;
        shared.progress.borrow_mut().finish();
        let report = std::mem::take(&mut *report.borrow_mut());
        report.finish(started.elapsed())
    }
    // ANCHOR_END: download_batch
}

fn finish_one<P: Progress>(
    shared: &Shared<P>,
    report: &RefCell<ReportBuilder>,
    index: usize,
    url: &str,
    outcome: Finished,
) {
    shared.progress.borrow_mut().event(Event::Finished {
        index,
        url,
        outcome: &outcome,
    });
    report.borrow_mut().complete(index, outcome);
}
