//! `spool-dl`: a batch downloader, the tutorial's `AsyncDownloader` rebuilt.
//!
//! The tutorial ends with a class that downloads a list of URLs with at most
//! `max_concurrent` in flight (a semaphore), gives each attempt a `timeout`,
//! retries failures `max_retries` times with exponential backoff, streams
//! each body to a file in `output_dir`, and prints a report. This crate is
//! that program on the `spool` runtime and the `spool-http` client.
//!
//! Most of a downloader is not asynchronous at all. Deciding what to call a
//! file, whether a 503 deserves another try, how long to wait, or how to
//! lay out the report are pure functions of their inputs, and they are where
//! the bugs that lose data live (two URLs writing one file, `..` escaping
//! the output directory). So those decisions are kept out of the async
//! driver, each in its own module, each testable without a network:
//!
//! - [`DownloaderBuilder`]: every setting and its default, in one place.
//! - [`input`]: URLs from arguments and a list file, streamed line by line.
//! - [`naming`]: safe, unique file names from URLs.
//! - [`backoff`]: which failures to retry and how long to wait.
//! - [`resume`]: whether the bytes of a `.part` file may be kept.
//! - [`error`]: why a download failed, as a kind and a message.
//! - [`descriptors`]: waiting for file descriptors rather than failing
//!   when the process runs out of them.
//! - [`report`]: the JSON report and the human summary.
//!
//! And the settings users of curl, wget and aria2c reach for, each checked
//! before anything is fetched:
//!
//! - [`header`]: extra header fields and the user agent.
//! - [`url_options`]: what one URL may carry: a name, a checksum, fields.
//! - [`output_name`]: names given by the user.
//! - [`content_disposition`]: names from the server's header.
//! - [`checksum`]: digests computed while the body streams.
//! - [`rate_limit`]: one bandwidth budget for the batch.
//! - [`split`]: one large file over several connections.
//! - [`credentials`]: `user:pass@` in a URL, sent to its origin only and
//!   masked wherever a URL is shown.
//!
//! The `spool-dl` command is a user of this library like any other:
//! `main.rs` parses its flags (`cli.rs`, with clap) into these settings and
//! runs `--demo` (`demo.rs`); none of that is library API, and nothing in
//! the library names a flag.
//!
//! # Third-party crates, and why
//!
//! The runtime and the HTTP client are the lesson, so they are built by
//! hand. Command-line parsing, percent-decoding, JSON and date parsing are
//! not, and getting them subtly wrong would teach nothing, so this crate uses
//! small, widely used crates for them:
//!
//! - **clap** (derive): the standard for Rust command lines. It gives
//!   `--help`, error messages that name the bad flag, and exit status 2 on
//!   misuse for free, and the derive keeps the flags and their docs in one
//!   struct.
//! - **percent-encoding**: decodes `%2F`-style escapes in URL paths. It is
//!   the decoder the `url` crate itself uses, so names are decoded exactly
//!   as the HTTP layer encodes them.
//! - **serde** and **serde_json**: the report's JSON. Deriving `Serialize`
//!   keeps the format next to the struct that documents it, and `serde_json`
//!   escapes whatever a hostile URL or error message contains.
//! - **httpdate**: parses the HTTP date form of `Retry-After`, including the
//!   two obsolete formats servers still send, and nothing else.
//! - **indicatif**: the live progress display. Redrawing several bars in
//!   place, at a bounded rate, without tearing when lines are printed
//!   between them, is fiddly terminal work that has nothing to do with
//!   async I/O.
//!
//! - **sha2**, **sha1**, **md-5** (RustCrypto) and **hex**: the digests
//!   for checksums. Hash functions are the textbook case for not writing
//!   your own.
//! - **base64**: the encoding of `Authorization: Basic`.
//!
//! - **rustix** (Linux only): a safe wrapper for `renameat2` with
//!   `RENAME_NOREPLACE`, which gives a finished file its name in one system
//!   call without ever replacing an existing file, and for `getrlimit`, the
//!   open-files limit an error names (see [`descriptors`]). Calling them
//!   through raw FFI would need `unsafe`; std has neither.
//! - **libc** (Unix): the values of `O_NOFOLLOW` and `O_NONBLOCK`, for
//!   opening files that may have been planted in the output directory
//!   (see [`part_file`]); std has the call but not the names.
//!
//! Random jitter for backoff needs no crate: a ten-line xorshift generator
//! in [`backoff`] is enough, since jitter needs spread, not secrecy.

#![warn(missing_docs, missing_debug_implementations)]

pub mod backoff;
mod batch;
mod builder;
pub mod checksum;
pub mod content_disposition;
pub mod credentials;
pub mod descriptors;
pub mod error;
mod fetch;
pub mod header;
pub mod input;
pub mod naming;
pub mod output_name;
pub mod part_file;
pub mod progress;
pub mod rate_limit;
pub mod report;
pub mod resume;
pub mod split;
pub mod url_options;

pub use batch::{Downloader, Target};
pub use builder::{BuildError, DownloaderBuilder, Timeouts};
/// The proxy setting of [`DownloaderBuilder::proxy`], from spool-http.
pub use spool_http::Proxy;
