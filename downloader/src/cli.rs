//! The command line: what the user may say, and the [`Config`] it becomes.
//!
//! This is the command's module, not the library's: it turns flags into
//! the library's settings ([`DownloaderBuilder`]) and takes its defaults
//! from there, so `--help` cannot disagree with the library. (The flag
//! names the library never mentions are added to its messages by
//! `flag_hints.rs`.)
//!
//! The tutorial's `AsyncDownloader(max_concurrent, timeout, max_retries,
//! output_dir)` takes four knobs as constructor arguments. Here they are
//! flags, plus the ones a real batch needs (separate connect and read
//! timeouts, a per-host limit, resuming, a report).
//!
//! Parsing is split in two on purpose. [`Args`] is what clap derives: one
//! field per flag, close to the text the user typed. [`Config`] is what the
//! downloader runs on: defaults resolved (`--per-host` follows `-j`), `-`
//! turned into stdin, the retry settings gathered into a
//! [`RetryPolicy`], and "demo or URLs" made an enum so the two cannot be
//! mixed. The downloader never sees clap types.
//!
//! Every mistake on the command line is a clap error, so it is reported in
//! clap's format and exits with status 2, the convention for usage errors
//! (1 is left for "some downloads failed"). That includes the checks clap
//! cannot express declaratively, such as "nothing to download", which
//! [`Config::from_args`] raises as clap errors too.
//!
//! Durations are seconds with optional fractions (`--timeout 2.5`). Values
//! that are negative, not a number, infinite, or longer than
//! [`MAX_SECS`] are refused with a message saying which; the ceiling keeps
//! `Instant::now() + timeout` from overflowing, which would panic. The
//! duration flags take the next word as their value even when it starts
//! with `-`: otherwise `--timeout -inf` would be read as the flags `-i -n -f`
//! and the user would get a puzzling message instead of "must be finite".

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use spool_dl::backoff::RetryPolicy;
use spool_dl::checksum::Checksum;
use spool_dl::header::Header;
use spool_dl::input::InputFile;
use spool_dl::output_name::output_name;
use spool_dl::rate_limit::Rate;
use spool_dl::url_options::UrlOptions;
use spool_dl::{BuildError, Downloader, DownloaderBuilder, Timeouts};
use spool_http::Proxy;

/// The longest duration any flag accepts: one year, in seconds.
const MAX_SECS: f64 = 365.0 * 24.0 * 3600.0;

/// The command line as typed. Defaults come from [`DownloaderBuilder`].
#[derive(Debug, Clone, Parser)]
#[command(
    name = "spool-dl",
    version,
    about = "Download many URLs at once, with timeouts, retries and a report.",
    // Without this, clap would print this struct's rustdoc as the long help.
    long_about = None
)]
pub struct Args {
    /// URLs to download, before any from --input-file; user:pass@ in one is sent to its origin only
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// URLs one per line ('-' = stdin); indented out=, checksum=, header= lines set options for the URL above
    #[arg(short = 'i', long, value_name = "FILE", help_heading = "Input")]
    pub input_file: Option<PathBuf>,

    /// Directory for the downloaded files, created if missing
    #[arg(short = 'o', long, value_name = "DIR",
          default_value = DownloaderBuilder::DEFAULT_OUTPUT_DIR, help_heading = "Output")]
    pub output_dir: PathBuf,

    /// File name for the one URL given (no '/'; never replaces a file)
    #[arg(short = 'O', long = "output", value_name = "NAME", value_parser = output_name,
          help_heading = "Output")]
    pub output_name: Option<String>,

    /// Name files as the server's Content-Disposition says, made safe
    #[arg(long, help_heading = "Output")]
    pub content_disposition: bool,

    /// Save the one URL given only if its digest matches (sha-256, sha-512, sha-1, md5)
    #[arg(long, value_name = "ALGORITHM=HEX", help_heading = "Output")]
    pub checksum: Option<Checksum>,

    /// Write the JSON report
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub report: Option<PathBuf>,

    /// No progress display
    #[arg(short = 'q', long, help_heading = "Output")]
    pub quiet: bool,

    /// Extra request header, repeatable; Authorization and Cookie stay with the URL's origin
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        help_heading = "HTTP"
    )]
    pub headers: Vec<Header>,

    /// User-Agent to send
    #[arg(short = 'A', long, value_name = "UA", value_parser = Header::user_agent,
          default_value = DownloaderBuilder::DEFAULT_USER_AGENT, help_heading = "HTTP")]
    pub user_agent: Header,

    /// Also trust this PEM root certificate
    #[arg(long, value_name = "FILE", help_heading = "HTTP")]
    pub ca_cert: Option<PathBuf>,

    /// Download through this HTTP proxy, [user:pass@]host[:port] ('' = none)
    /// [default: $http_proxy / $https_proxy / $all_proxy]
    #[arg(long, value_name = "URL", value_parser = parse_proxy, help_heading = "HTTP")]
    pub proxy: Option<String>,

    /// Hosts to reach without the proxy: a,b.example,10.0.0.0/8 ('*' = all)
    /// [default: $no_proxy]
    #[arg(long, value_name = "LIST", help_heading = "HTTP")]
    pub noproxy: Option<String>,

    /// Downloads in flight
    #[arg(short = 'j', long, value_name = "N",
          default_value_t = DownloaderBuilder::DEFAULT_CONCURRENCY,
          value_parser = parse_count, allow_negative_numbers = true, help_heading = "Limits")]
    pub concurrency: usize,

    /// Connections per host [default: same as -j]
    #[arg(long, value_name = "N", value_parser = parse_count, allow_negative_numbers = true,
          help_heading = "Limits")]
    pub per_host: Option<usize>,

    /// Fetch one large file over up to N connections with Range requests
    #[arg(short = 's', long, value_name = "N", default_value_t = 1,
          value_parser = parse_count, allow_negative_numbers = true, help_heading = "Limits")]
    pub split: usize,

    /// Smallest segment when splitting; smaller files stay one stream
    #[arg(long, value_name = "SIZE",
          default_value_t = DownloaderBuilder::DEFAULT_MIN_SPLIT_SIZE,
          value_parser = spool_dl::split::parse_size, help_heading = "Limits")]
    pub min_split_size: u64,

    /// Bytes per second for the whole batch: 500K, 2M (K = 1024)
    #[arg(long, value_name = "RATE", help_heading = "Limits")]
    pub limit_rate: Option<Rate>,

    /// Limit for one whole attempt
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_TIMEOUTS.attempt),
          value_parser = parse_timeout, allow_hyphen_values = true, help_heading = "Limits")]
    pub timeout: Secs,

    /// Limit for establishing a connection
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_TIMEOUTS.connect),
          value_parser = parse_timeout, allow_hyphen_values = true, help_heading = "Limits")]
    pub connect_timeout: Secs,

    /// Longest silence while receiving
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_TIMEOUTS.read),
          value_parser = parse_timeout, allow_hyphen_values = true, help_heading = "Limits")]
    pub read_timeout: Secs,

    /// Attempts after the first
    #[arg(long, value_name = "N",
          default_value_t = DownloaderBuilder::DEFAULT_RETRY.retries,
          allow_negative_numbers = true, help_heading = "Retries and resuming")]
    pub retries: u32,

    /// First backoff; doubled each retry, jittered, capped
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_RETRY.first_delay),
          value_parser = parse_delay, allow_hyphen_values = true,
          help_heading = "Retries and resuming")]
    pub retry_delay: Secs,

    /// Resume NAME.part files (Range + If-Range); skip files already whole
    #[arg(short = 'c', long = "continue", help_heading = "Retries and resuming")]
    pub resume: bool,

    /// Serve demo files on 127.0.0.1 and download them; no network needed
    #[arg(long, conflicts_with_all = ["urls", "input_file"])]
    pub demo: bool,
}

/// A duration flag's value: typed as seconds (`2.5`), and shown the same
/// way in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secs(pub Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// Everything the command needs to run one batch, with defaults resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// What to download.
    pub source: Source,
    /// Where files go (`-o`); created if missing.
    pub output_dir: PathBuf,
    /// Downloads in flight at once (`-j`); at least 1.
    pub concurrency: usize,
    /// Connections to one host at once (`--per-host`); at least 1. A value
    /// above `concurrency` has no further effect.
    pub per_host: usize,
    /// `--timeout`, `--connect-timeout` and `--read-timeout`.
    pub timeouts: Timeouts,
    /// `--retries` and `--retry-delay`.
    pub retry: RetryPolicy,
    /// `--continue`: resume `NAME.part` files with a range request.
    pub resume: bool,
    /// An extra trusted root certificate (`--ca-cert`), PEM.
    pub ca_cert: Option<PathBuf>,
    /// `--proxy`: `None` means the environment decides, `""` no proxy.
    pub proxy: Option<String>,
    /// `--noproxy`: `None` means the environment's `no_proxy`.
    pub noproxy: Option<String>,
    /// Where to write the JSON report (`--report`), if anywhere.
    pub report: Option<PathBuf>,
    /// `-q`: no progress display.
    pub quiet: bool,
    /// `-H`: fields sent with every request, in the order given.
    pub headers: Vec<Header>,
    /// `-A`: the user agent, unless a `-H 'User-Agent: …'` overrides it.
    pub user_agent: String,
    /// `--limit-rate`: the batch's bandwidth, if limited.
    pub limit_rate: Option<Rate>,
    /// `--content-disposition`: names from the server's header.
    pub content_disposition: bool,
    /// `-O` and `--checksum`: the options of the single URL argument.
    pub url_options: UrlOptions,
    /// `-s`: connections one file may be fetched over.
    pub split: usize,
    /// `--min-split-size`: the shortest segment, in bytes.
    pub min_split_size: u64,
}

/// What a batch downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--demo`: files served by a built-in server on 127.0.0.1.
    Demo,
    /// URLs from the command line, then from a list file or stdin.
    Urls {
        /// The positional `URL` arguments, in order.
        arguments: Vec<String>,
        /// `--input-file`, if given.
        input_file: Option<InputFile>,
    },
}

impl Config {
    /// Parses a command line (the first item is the program name) into a
    /// config. The binary calls this with `std::env::args_os()` and, on
    /// error, `err.exit()`, which prints the message and exits with status 2
    /// (0 for `--help` and `--version`).
    pub fn try_parse_from<I, T>(argv: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Config::from_args(Args::try_parse_from(argv)?)
    }

    /// Resolves defaults and checks what clap's declarations cannot.
    ///
    /// Fails, as a usage error, only when there is nothing to download:
    /// no `URL`, no `--input-file` and no `--demo`.
    pub fn from_args(args: Args) -> Result<Config, clap::Error> {
        let source = if args.demo {
            Source::Demo
        } else if args.urls.is_empty() && args.input_file.is_none() {
            return Err(Args::command().error(
                ErrorKind::MissingRequiredArgument,
                "nothing to download: give URLs, --input-file FILE, or --demo",
            ));
        } else {
            let for_one_url = args.output_name.is_some() || args.checksum.is_some();
            if for_one_url && (args.urls.len() != 1 || args.input_file.is_some()) {
                return Err(Args::command().error(
                    ErrorKind::ArgumentConflict,
                    "-O and --checksum describe one file: give exactly one URL and no \
                     --input-file (in a list, put out= and checksum= lines under each URL)",
                ));
            }
            Source::Urls {
                arguments: args.urls,
                input_file: args.input_file.map(InputFile::from_arg),
            }
        };
        Ok(Config {
            source,
            output_dir: args.output_dir,
            concurrency: args.concurrency,
            per_host: args.per_host.unwrap_or(args.concurrency),
            timeouts: Timeouts {
                attempt: args.timeout.0,
                connect: args.connect_timeout.0,
                read: args.read_timeout.0,
            },
            retry: RetryPolicy::new(args.retries, args.retry_delay.0),
            resume: args.resume,
            ca_cert: args.ca_cert,
            proxy: args.proxy,
            noproxy: args.noproxy,
            report: args.report,
            quiet: args.quiet,
            headers: args.headers,
            user_agent: args.user_agent.value().to_owned(),
            limit_rate: args.limit_rate,
            content_disposition: args.content_disposition,
            url_options: UrlOptions {
                out: args.output_name,
                checksum: args.checksum,
                headers: Vec::new(),
            },
            split: args.split,
            min_split_size: args.min_split_size,
        })
    }

    /// The library settings these flags stand for. Reads `--ca-cert`, and
    /// the proxy variables unless `--proxy` is given.
    pub fn settings(&self) -> Result<DownloaderBuilder, String> {
        let mut settings = Downloader::builder()
            .output_dir(&self.output_dir)
            .concurrency(self.concurrency)
            .per_host(self.per_host)
            .timeouts(self.timeouts)
            .retry(self.retry)
            .resume(self.resume)
            .headers(self.headers.clone())
            .user_agent(self.user_agent.clone())
            .limit_rate(self.limit_rate)
            .content_disposition(self.content_disposition)
            .split(self.split)
            .min_split_size(self.min_split_size);
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| format!("reading --ca-cert {}: {e}", path.display()))?;
            settings = settings.extra_root_pem(pem);
        }
        Ok(settings.proxy(self.proxy()?))
    }

    /// Builds the downloader, naming the flag behind a failure.
    pub fn build(&self, settings: DownloaderBuilder) -> Result<Downloader, String> {
        settings.build().map_err(|e| match (&e, &self.ca_cert) {
            (BuildError::RootCertificate(cause), Some(path)) => {
                format!("--ca-cert {}: {cause}", path.display())
            }
            _ => e.to_string(),
        })
    }
}

impl Config {
    /// The proxy to download through, as curl picks it: `--proxy` for
    /// every URL (`--proxy ''` for none), else the environment's
    /// `http_proxy`, `https_proxy` and `all_proxy` (see
    /// [`Proxy::from_env`]); `--noproxy` in place of `no_proxy`.
    fn proxy(&self) -> Result<Proxy, String> {
        let proxy = match self.proxy.as_deref() {
            Some("") => Proxy::none(),
            Some(url) => Proxy::all(url).map_err(|e| format!("--proxy: {e}"))?,
            None => Proxy::from_env().map_err(|e| e.to_string())?,
        };
        Ok(match &self.noproxy {
            Some(list) => proxy.no_proxy(list),
            None => proxy,
        })
    }
}

/// `--proxy`: a usable proxy URL, or empty for none.
fn parse_proxy(text: &str) -> Result<String, String> {
    if !text.is_empty() {
        Proxy::all(text).map_err(|e| e.to_string())?;
    }
    Ok(text.to_owned())
}

/// A count that must be at least 1 (`-j`, `--per-host`).
fn parse_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("expected a whole number, at least 1".to_owned()),
    }
}

/// A time limit: a positive number of seconds.
fn parse_timeout(text: &str) -> Result<Secs, String> {
    let duration = parse_secs(text)?;
    if duration.is_zero() {
        return Err("must be greater than 0 (a zero limit would fail every attempt)".to_owned());
    }
    Ok(Secs(duration))
}

/// A wait: zero or more seconds.
fn parse_delay(text: &str) -> Result<Secs, String> {
    parse_secs(text).map(Secs)
}

/// Seconds, fractions allowed, as a `Duration`.
///
/// `f64`'s parser accepts `nan`, `inf` and `-1`, so each is caught here
/// with its own message rather than turned into a nonsense duration.
fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| "expected a number of seconds, like 30 or 2.5".to_owned())?;
    if secs.is_nan() {
        return Err("expected a number of seconds, not NaN".to_owned());
    }
    if secs.is_infinite() {
        return Err("must be finite".to_owned());
    }
    if secs < 0.0 {
        return Err("must not be negative".to_owned());
    }
    if secs > MAX_SECS {
        return Err(format!("must be at most {MAX_SECS} seconds (a year)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(argv: &[&str]) -> Config {
        let mut full = vec!["spool-dl"];
        full.extend_from_slice(argv);
        Config::try_parse_from(full).unwrap_or_else(|e| panic!("{argv:?}: {e}"))
    }

    fn usage_error(argv: &[&str]) -> clap::Error {
        let mut full = vec!["spool-dl"];
        full.extend_from_slice(argv);
        let err = Config::try_parse_from(full).expect_err("should be refused");
        assert_eq!(err.exit_code(), 2, "{argv:?}: {err}");
        err
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let c = config(&["http://x/a"]);
        assert_eq!(
            c,
            Config {
                source: Source::Urls {
                    arguments: vec!["http://x/a".into()],
                    input_file: None,
                },
                output_dir: "downloads".into(),
                concurrency: 5,
                per_host: 5,
                timeouts: Timeouts {
                    attempt: secs(30),
                    connect: secs(10),
                    read: secs(15),
                },
                retry: RetryPolicy {
                    retries: 2,
                    first_delay: secs(1),
                    cap: spool_dl::backoff::DEFAULT_CAP,
                },
                resume: false,
                ca_cert: None,
                proxy: None,
                noproxy: None,
                report: None,
                quiet: false,
                headers: Vec::new(),
                user_agent: format!("spool-dl/{}", env!("CARGO_PKG_VERSION")),
                limit_rate: None,
                content_disposition: false,
                url_options: UrlOptions::default(),
                split: 1,
                min_split_size: DownloaderBuilder::DEFAULT_MIN_SPLIT_SIZE,
            }
        );
    }

    #[test]
    fn every_flag_long_form() {
        let c = config(&[
            "--input-file",
            "list.txt",
            "--output-dir",
            "out",
            "--concurrency",
            "9",
            "--per-host",
            "3",
            "--timeout",
            "60",
            "--connect-timeout",
            "2.5",
            "--read-timeout",
            "0.25",
            "--retries",
            "0",
            "--retry-delay",
            "0.5",
            "--continue",
            "--ca-cert",
            "ca.pem",
            "--proxy",
            "http://u:p@proxy.test:3128",
            "--noproxy",
            "localhost,.internal",
            "--report",
            "r.json",
            "--quiet",
            "http://x/a",
        ]);
        assert_eq!(
            c.source,
            Source::Urls {
                arguments: vec!["http://x/a".into()],
                input_file: Some(InputFile::Path("list.txt".into())),
            }
        );
        assert_eq!(c.output_dir, PathBuf::from("out"));
        assert_eq!((c.concurrency, c.per_host), (9, 3));
        assert_eq!(
            c.timeouts,
            Timeouts {
                attempt: secs(60),
                connect: Duration::from_millis(2500),
                read: Duration::from_millis(250),
            }
        );
        assert_eq!(c.retry, RetryPolicy::new(0, Duration::from_millis(500)));
        assert!(c.resume && c.quiet);
        assert_eq!(c.ca_cert, Some(PathBuf::from("ca.pem")));
        assert_eq!(c.proxy.as_deref(), Some("http://u:p@proxy.test:3128"));
        assert_eq!(c.noproxy.as_deref(), Some("localhost,.internal"));
        assert_eq!(c.report, Some(PathBuf::from("r.json")));
    }

    #[test]
    fn proxy_flags_pick_the_proxy_and_a_bad_one_is_a_usage_error() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        let c = config(&[
            "--proxy",
            "proxy.test:3128",
            "--noproxy",
            "direct.test",
            "http://x/",
        ]);
        let proxy = c.proxy().unwrap();
        assert!(proxy.is_used_for(&url("https://x.test/")));
        assert!(!proxy.is_used_for(&url("https://a.direct.test/")));
        assert_eq!(
            proxy,
            Proxy::all("proxy.test:3128")
                .unwrap()
                .no_proxy("direct.test")
        );
        // An empty --proxy turns the proxy off, whatever the environment says.
        let c = config(&["--proxy", "", "http://x/"]);
        assert_eq!(c.proxy().unwrap(), Proxy::none());

        let err = usage_error(&["--proxy", "socks5://p.test:1080", "http://x/"]);
        assert!(
            err.to_string().contains("socks5 proxies are not supported"),
            "{err}"
        );
    }

    #[test]
    fn short_forms() {
        let c = config(&["-i", "l", "-o", "d", "-j", "2", "-c", "-q"]);
        assert_eq!(
            c.source,
            Source::Urls {
                arguments: vec![],
                input_file: Some(InputFile::Path("l".into())),
            }
        );
        assert_eq!(c.output_dir, PathBuf::from("d"));
        assert_eq!((c.concurrency, c.per_host), (2, 2));
        assert!(c.resume && c.quiet);
    }

    #[test]
    fn dash_input_is_stdin() {
        let c = config(&["-i", "-"]);
        assert_eq!(
            c.source,
            Source::Urls {
                arguments: vec![],
                input_file: Some(InputFile::Stdin),
            }
        );
    }

    #[test]
    fn urls_and_flags_mix_in_any_order() {
        let c = config(&["http://x/1", "-j", "3", "http://x/2", "--", "-weird"]);
        assert_eq!(
            c.source,
            Source::Urls {
                arguments: vec!["http://x/1".into(), "http://x/2".into(), "-weird".into()],
                input_file: None,
            }
        );
    }

    #[test]
    fn per_host_follows_concurrency_unless_given() {
        assert_eq!(config(&["-j", "8", "u"]).per_host, 8);
        assert_eq!(config(&["-j", "8", "--per-host", "2", "u"]).per_host, 2);
        assert_eq!(config(&["--per-host", "20", "u"]).per_host, 20);
    }

    #[test]
    fn demo_needs_no_urls() {
        assert_eq!(config(&["--demo"]).source, Source::Demo);
        assert_eq!(config(&["--demo", "-j", "2"]).concurrency, 2);
    }

    #[test]
    fn demo_cannot_be_mixed_with_urls() {
        let err = usage_error(&["--demo", "http://x/"]);
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
        let err = usage_error(&["--demo", "-i", "list"]);
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
    }

    #[test]
    fn nothing_to_download_is_a_usage_error() {
        let err = usage_error(&[]);
        assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
        assert!(err.to_string().contains("nothing to download"), "{err}");
        usage_error(&["-j", "3", "-q"]);
    }

    #[test]
    fn fractional_seconds() {
        let c = config(&["--timeout", "0.001", "--retry-delay", "1.5", "u"]);
        assert_eq!(c.timeouts.attempt, Duration::from_millis(1));
        assert_eq!(c.retry.first_delay, Duration::from_millis(1500));
        assert_eq!(config(&["--timeout=1e2", "u"]).timeouts.attempt, secs(100));
        assert_eq!(
            config(&["--read-timeout", ".5", "u"]).timeouts.read,
            Duration::from_millis(500)
        );
    }

    #[test]
    fn zero_delay_is_allowed_but_zero_timeouts_are_not() {
        assert_eq!(
            config(&["--retry-delay", "0", "u"]).retry.first_delay,
            Duration::ZERO
        );
        for flag in ["--timeout", "--connect-timeout", "--read-timeout"] {
            let err = usage_error(&[flag, "0", "u"]);
            assert!(err.to_string().contains("must be greater than 0"), "{err}");
            usage_error(&[flag, "1e-12", "u"]);
        }
    }

    #[test]
    fn bad_seconds_are_refused_with_a_reason() {
        let cases = [
            ("-1", "must not be negative"),
            ("-0.5", "must not be negative"),
            ("NaN", "not NaN"),
            ("nan", "not NaN"),
            ("inf", "must be finite"),
            ("-inf", "must be finite"),
            ("infinity", "must be finite"),
            ("1e300", "must be at most"),
            ("ten", "expected a number of seconds"),
            ("", "expected a number of seconds"),
            ("5s", "expected a number of seconds"),
        ];
        for flag in [
            "--timeout",
            "--connect-timeout",
            "--read-timeout",
            "--retry-delay",
        ] {
            for (value, reason) in cases {
                let err = usage_error(&[flag, value, "u"]);
                assert_eq!(err.kind(), ErrorKind::ValueValidation, "{flag} {value}");
                assert!(err.to_string().contains(reason), "{flag} {value}: {err}");
                let joined = format!("{flag}={value}");
                usage_error(&[joined.as_str(), "u"]);
            }
        }
    }

    #[test]
    fn counts_must_be_at_least_one() {
        for flag in ["-j", "--concurrency", "--per-host"] {
            let err = usage_error(&[flag, "0", "u"]);
            assert!(err.to_string().contains("must be at least 1"), "{err}");
            for bad in ["-2", "many", "1.5", ""] {
                let err = usage_error(&[flag, bad, "u"]);
                assert_eq!(err.kind(), ErrorKind::ValueValidation, "{flag} {bad}");
            }
        }
    }

    #[test]
    fn retries_are_a_non_negative_whole_number() {
        assert_eq!(config(&["--retries", "0", "u"]).retry.retries, 0);
        assert_eq!(config(&["--retries", "10", "u"]).retry.retries, 10);
        for bad in ["-1", "two", "1.5"] {
            usage_error(&["--retries", bad, "u"]);
        }
    }

    #[test]
    fn unknown_flags_and_missing_values_exit_2() {
        usage_error(&["--bogus", "u"]);
        usage_error(&["-Z", "u"]);
        usage_error(&["u", "-j"]);
        usage_error(&["u", "--timeout"]);
        usage_error(&["u", "--demo=yes"]);
    }

    #[test]
    fn header_and_user_agent_flags() {
        let c = config(&["-H", "X-A: 1", "--header", "X-B:2", "-A", "bot/1", "u"]);
        let headers: Vec<String> = c.headers.iter().map(ToString::to_string).collect();
        assert_eq!(headers, ["X-A: 1", "X-B: 2"]);
        assert_eq!(c.user_agent, "bot/1");
        for bad in ["nocolon", "Bad Name: x", "X: a\r\nb", "Connection: close"] {
            let err = usage_error(&["-H", bad, "u"]);
            assert_eq!(err.kind(), ErrorKind::ValueValidation, "{bad:?}");
        }
        usage_error(&["-A", "a\nb", "u"]);
    }

    #[test]
    fn split_flags() {
        let c = config(&["-s", "4", "--min-split-size", "256K", "u"]);
        assert_eq!((c.split, c.min_split_size), (4, 256 * 1024));
        assert_eq!(config(&["--split=2", "u"]).split, 2);
        usage_error(&["-s", "0", "u"]);
        usage_error(&["--min-split-size", "0", "u"]);
        usage_error(&["--min-split-size", "1.5M", "u"]);
    }

    #[test]
    fn rate_and_content_disposition_flags() {
        let c = config(&["--limit-rate", "500K", "--content-disposition", "u"]);
        assert_eq!(c.limit_rate, Rate::new(512_000));
        assert!(c.content_disposition);
        let err = usage_error(&["--limit-rate", "0", "u"]);
        assert!(err.to_string().contains("at least 1 byte"), "{err}");
    }

    #[test]
    fn output_name_and_checksum_belong_to_one_url() {
        let sum = "md5=900150983cd24fb0d6963f7d28e17f72";
        let c = config(&["-O", "a.bin", "--checksum", sum, "u"]);
        assert_eq!(c.url_options.out.as_deref(), Some("a.bin"));
        assert_eq!(c.url_options.checksum, Some(sum.parse().unwrap()));
        for argv in [
            &["-O", "a.bin", "u1", "u2"][..],
            &["-O", "a.bin", "-i", "list"],
            &["-O", "a.bin", "-i", "list", "u"],
            &["--checksum", sum, "u1", "u2"],
        ] {
            let err = usage_error(argv);
            assert_eq!(err.kind(), ErrorKind::ArgumentConflict, "{argv:?}");
            assert!(err.to_string().contains("exactly one URL"), "{err}");
        }
        for bad in ["a/b", "..", ""] {
            usage_error(&["-O", bad, "u"]);
        }
        usage_error(&["--checksum", "sha-256=00", "u"]);
    }

    #[test]
    fn help_groups_options_by_what_they_are_for() {
        let help = Args::command().render_help().to_string();
        let headings = [
            "Input:",
            "Output:",
            "HTTP:",
            "Limits:",
            "Retries and resuming:",
        ];
        let at: Vec<usize> = headings
            .iter()
            .map(|h| help.find(h).unwrap_or_else(|| panic!("no {h} in\n{help}")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{help}");
        let limits = &help[at[3]..at[4]];
        assert!(limits.contains("--limit-rate <RATE>"), "{limits}");
        let http = &help[at[2]..at[3]];
        assert!(http.contains("-H, --header <NAME: VALUE>"), "{http}");
        assert!(http.contains("[default: spool-dl/"), "{http}");
    }

    #[test]
    fn help_and_version_are_not_errors() {
        for flag in ["--help", "-h", "--version", "-V"] {
            let err = Config::try_parse_from(["spool-dl", flag]).unwrap_err();
            assert_eq!(err.exit_code(), 0, "{flag}");
        }
    }

    #[test]
    fn help_shows_the_contract_and_not_the_rustdoc() {
        let help = Args::command().render_long_help().to_string();
        assert!(!help.contains("# Examples"), "{help}");
        assert!(help.starts_with("Download many URLs at once"), "{help}");
        for expected in [
            "Usage: spool-dl [OPTIONS] [URL]...",
            "-i, --input-file <FILE>",
            "-o, --output-dir <DIR>",
            "[default: downloads]",
            "-j, --concurrency <N>",
            "--per-host <N>",
            "[default: same as -j]",
            "--timeout <SECS>",
            "[default: 30]",
            "--connect-timeout <SECS>",
            "[default: 10]",
            "--read-timeout <SECS>",
            "[default: 15]",
            "--retries <N>",
            "[default: 2]",
            "--retry-delay <SECS>",
            "[default: 1]",
            "-c, --continue",
            "--ca-cert <FILE>",
            "--report <FILE>",
            "-q, --quiet",
            "--demo",
        ] {
            assert!(help.contains(expected), "missing {expected:?} in\n{help}");
        }
    }
}
