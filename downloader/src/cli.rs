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
use spool_dl::input::InputFile;
use spool_dl::{BuildError, Downloader, DownloaderBuilder, Timeouts};

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
    /// URLs to download, before any from --input-file
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// URLs one per line ('-' = stdin); blank lines and '#' comments skipped
    #[arg(short = 'i', long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,

    /// Directory for the downloaded files, created if missing
    #[arg(short = 'o', long, value_name = "DIR",
          default_value = DownloaderBuilder::DEFAULT_OUTPUT_DIR)]
    pub output_dir: PathBuf,

    /// Downloads in flight
    #[arg(short = 'j', long, value_name = "N",
          default_value_t = DownloaderBuilder::DEFAULT_CONCURRENCY,
          value_parser = parse_count, allow_negative_numbers = true)]
    pub concurrency: usize,

    /// Connections per host [default: same as -j]
    #[arg(long, value_name = "N", value_parser = parse_count, allow_negative_numbers = true)]
    pub per_host: Option<usize>,

    /// Limit for one whole attempt
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_TIMEOUTS.attempt),
          value_parser = parse_timeout, allow_hyphen_values = true)]
    pub timeout: Secs,

    /// Limit for establishing a connection
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_TIMEOUTS.connect),
          value_parser = parse_timeout, allow_hyphen_values = true)]
    pub connect_timeout: Secs,

    /// Longest silence while receiving
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_TIMEOUTS.read),
          value_parser = parse_timeout, allow_hyphen_values = true)]
    pub read_timeout: Secs,

    /// Attempts after the first
    #[arg(long, value_name = "N",
          default_value_t = DownloaderBuilder::DEFAULT_RETRY.retries,
          allow_negative_numbers = true)]
    pub retries: u32,

    /// First backoff; doubled each retry, jittered, capped
    #[arg(long, value_name = "SECS",
          default_value_t = Secs(DownloaderBuilder::DEFAULT_RETRY.first_delay),
          value_parser = parse_delay, allow_hyphen_values = true)]
    pub retry_delay: Secs,

    /// Resume NAME.part files with Range + If-Range
    #[arg(short = 'c', long = "continue")]
    pub resume: bool,

    /// Also trust this PEM root certificate
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Write the JSON report
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// No progress display
    #[arg(short = 'q', long)]
    pub quiet: bool,

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
    /// Where to write the JSON report (`--report`), if anywhere.
    pub report: Option<PathBuf>,
    /// `-q`: no progress display.
    pub quiet: bool,
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
            report: args.report,
            quiet: args.quiet,
        })
    }

    /// The library settings these flags stand for. Reads `--ca-cert`.
    pub fn settings(&self) -> Result<DownloaderBuilder, String> {
        let mut settings = Downloader::builder()
            .output_dir(&self.output_dir)
            .concurrency(self.concurrency)
            .per_host(self.per_host)
            .timeouts(self.timeouts)
            .retry(self.retry)
            .resume(self.resume);
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| format!("reading --ca-cert {}: {e}", path.display()))?;
            settings = settings.extra_root_pem(pem);
        }
        Ok(settings)
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
                report: None,
                quiet: false,
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
        assert_eq!(c.report, Some(PathBuf::from("r.json")));
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
