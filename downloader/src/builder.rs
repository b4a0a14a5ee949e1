//! [`DownloaderBuilder`]: every setting of a [`Downloader`], and the
//! defaults they start from.
//!
//! The defaults live here and nowhere else. The command shows them in its
//! `--help` by reading these constants, so the library and the command can
//! never disagree about what "the default" is. Settings are plain values
//! ([`Timeouts`], [`RetryPolicy`], counts and paths); the command turns its
//! flags into them, and nothing in the library knows the flags exist.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use spool_http::{Client, Proxy};

use crate::backoff::{DEFAULT_CAP, RetryPolicy};
use crate::batch::Downloader;
use crate::header::Header;
use crate::naming::OutputDir;
use crate::rate_limit::Rate;

/// The time limits of one attempt.
///
/// The three limits catch different failures. `connect` catches a host that
/// never answers; `read` catches a transfer that stalls half way; `attempt`
/// caps the whole thing, so a server trickling one byte every few seconds
/// cannot hold a slot forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Limit for one whole attempt, connect to last byte.
    pub attempt: Duration,
    /// Limit for establishing the connection, TLS included.
    pub connect: Duration,
    /// Longest time without receiving a byte.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        DownloaderBuilder::DEFAULT_TIMEOUTS
    }
}

/// Settings for a [`Downloader`]; each starts from the default named
/// beside it.
#[derive(Debug, Clone)]
pub struct DownloaderBuilder {
    output_dir: PathBuf,
    concurrency: usize,
    /// `None`: as many as `concurrency`.
    per_host: Option<usize>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    resume: bool,
    extra_root_pem: Option<Vec<u8>>,
    user_agent: String,
    requests: RequestSettings,
    proxy: Proxy,
}

/// The settings that shape each request and body of a batch; the
/// downloader hands them to every download.
#[derive(Debug, Clone)]
pub(crate) struct RequestSettings {
    /// Sent with every request, before a URL's own fields.
    pub(crate) headers: Vec<Header>,
    /// One budget for the whole batch; `None` for no limit.
    pub(crate) limit_rate: Option<Rate>,
    /// Name files after the server's `Content-Disposition`.
    pub(crate) content_disposition: bool,
    /// Connections one file may be fetched over (1: no splitting).
    pub(crate) split: usize,
    /// The shortest segment worth its own connection.
    pub(crate) min_split_size: u64,
}

impl Default for RequestSettings {
    fn default() -> Self {
        RequestSettings {
            headers: Vec::new(),
            limit_rate: None,
            content_disposition: false,
            split: 1,
            min_split_size: DownloaderBuilder::DEFAULT_MIN_SPLIT_SIZE,
        }
    }
}

/// Why a [`Downloader`] could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The output directory could not be created.
    OutputDir {
        /// The directory asked for.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// The extra root certificate is not a usable PEM certificate.
    RootCertificate(spool_http::Error),
    /// The HTTP client could not be set up.
    Client(spool_http::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::OutputDir { path, source } => {
                write!(f, "creating {}: {source}", path.display())
            }
            BuildError::RootCertificate(e) => write!(f, "the extra root certificate: {e}"),
            BuildError::Client(e) => write!(f, "setting up the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::OutputDir { source, .. } => Some(source),
            BuildError::RootCertificate(e) | BuildError::Client(e) => Some(e),
        }
    }
}

impl Default for DownloaderBuilder {
    fn default() -> Self {
        DownloaderBuilder {
            output_dir: PathBuf::from(DownloaderBuilder::DEFAULT_OUTPUT_DIR),
            concurrency: DownloaderBuilder::DEFAULT_CONCURRENCY,
            per_host: None,
            timeouts: DownloaderBuilder::DEFAULT_TIMEOUTS,
            retry: DownloaderBuilder::DEFAULT_RETRY,
            resume: false,
            extra_root_pem: None,
            user_agent: DownloaderBuilder::DEFAULT_USER_AGENT.to_owned(),
            requests: RequestSettings::default(),
            proxy: Proxy::none(),
        }
    }
}

impl DownloaderBuilder {
    /// Where files go unless told otherwise.
    pub const DEFAULT_OUTPUT_DIR: &str = "downloads";
    /// Downloads in flight at once unless told otherwise: the tutorial's five.
    pub const DEFAULT_CONCURRENCY: usize = 5;
    /// Thirty seconds for an attempt, ten to connect, fifteen of silence.
    pub const DEFAULT_TIMEOUTS: Timeouts = Timeouts {
        attempt: Duration::from_secs(30),
        connect: Duration::from_secs(10),
        read: Duration::from_secs(15),
    };
    /// Two retries, the first after a second.
    pub const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
        retries: 2,
        first_delay: Duration::from_secs(1),
        cap: DEFAULT_CAP,
    };
    /// Segments of at least 1 MiB: smaller ones cost a request each for
    /// little gain.
    pub const DEFAULT_MIN_SPLIT_SIZE: u64 = crate::split::DEFAULT_MIN_SPLIT_SIZE;
    /// `spool-dl/VERSION`.
    pub const DEFAULT_USER_AGENT: &str = concat!("spool-dl/", env!("CARGO_PKG_VERSION"));

    /// Where files go; created if missing.
    pub fn output_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output_dir = dir.into();
        self
    }

    /// Downloads in flight at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Connections to one host at once (default: the concurrency).
    pub fn per_host(mut self, n: usize) -> Self {
        self.per_host = Some(n.max(1));
        self
    }

    /// The attempt, connect and read time limits.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How often to retry and how long to wait.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Resume `NAME.part` files left by an earlier run.
    pub fn resume(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// Also trust this PEM root certificate.
    pub fn extra_root_pem(mut self, pem: Vec<u8>) -> Self {
        self.extra_root_pem = Some(pem);
        self
    }

    /// Header fields to send with every request, in this order, before the
    /// fields a URL brings with it. A `User-Agent` here replaces the
    /// [`user_agent`](Self::user_agent); an `Authorization` replaces the
    /// credentials of a `user:pass@` URL.
    pub fn headers(mut self, headers: Vec<Header>) -> Self {
        self.requests.headers = headers;
        self
    }

    /// The `User-Agent` sent unless a header field sets one.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// At most this many bytes per second for the whole batch, shared by
    /// all its downloads; `None` (the default) for no limit.
    pub fn limit_rate(mut self, rate: Option<Rate>) -> Self {
        self.requests.limit_rate = rate;
        self
    }

    /// Name each file after the server's `Content-Disposition` header when
    /// it gives a usable name, made safe like a URL name; off by default.
    pub fn content_disposition(mut self, on: bool) -> Self {
        self.requests.content_disposition = on;
        self
    }

    /// Fetch one large file over up to `n` connections with range
    /// requests (at least 1, the default: one connection per file). See
    /// [`split`](crate::split) for when a file is split and when not.
    pub fn split(mut self, n: usize) -> Self {
        self.requests.split = n.max(1);
        self
    }

    /// The shortest segment of a split file (at least 1 byte); a file
    /// shorter than two of them is not split.
    pub fn min_split_size(mut self, bytes: u64) -> Self {
        self.requests.min_split_size = bytes.max(1);
        self
    }

    /// The HTTP proxy to download through (default: none; the command
    /// passes `Proxy::from_env()` unless told otherwise, as curl does).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Creates the output directory and the shared HTTP client.
    pub fn build(self) -> Result<Downloader, BuildError> {
        let output =
            OutputDir::create(&self.output_dir).map_err(|source| BuildError::OutputDir {
                path: self.output_dir.clone(),
                source,
            })?;
        // One client for the whole batch: its pool keeps connections alive
        // between downloads from the same host. Its total limit equals the
        // concurrency, so open sockets never exceed the concurrency.
        let mut client = Client::builder()
            .limit(self.concurrency)
            .per_host(self.per_host.unwrap_or(self.concurrency))
            .connect_timeout(self.timeouts.connect)
            .read_timeout(self.timeouts.read)
            .user_agent(self.user_agent)
            .proxy(self.proxy.clone());
        if let Some(pem) = &self.extra_root_pem {
            client = client
                .add_root_pem(pem)
                .map_err(BuildError::RootCertificate)?;
        }
        let client = client.build().map_err(BuildError::Client)?;
        Ok(Downloader::new(
            client,
            output,
            self.concurrency,
            self.retry,
            self.timeouts,
            self.resume,
            self.requests,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> spool_tests::TempDir {
        spool_tests::TempDir::new(label)
    }

    #[test]
    fn an_output_path_that_is_a_file_is_an_output_dir_error() {
        let dir = scratch("file");
        let file = dir.join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = Downloader::builder().output_dir(&file).build().unwrap_err();
        assert!(
            matches!(&err, BuildError::OutputDir { path, .. } if *path == file),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("creating "), "{err}");
    }

    #[test]
    fn a_root_certificate_that_is_not_pem_is_its_own_error_and_names_no_flag() {
        let dir = scratch("pem");
        let err = Downloader::builder()
            .output_dir(dir.path())
            .extra_root_pem(b"not a certificate".to_vec())
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::RootCertificate(_)), "{err:?}");
        assert!(!err.to_string().contains("--"), "{err}");
    }
}
