//! Where the URLs come from: the command line, then a list file or stdin.
//!
//! The tutorial downloads a Python list of URLs held in memory. A real
//! batch may be a file of a hundred thousand lines, or the output of another
//! program arriving on a pipe, so [`UrlSource`] is an iterator that reads one
//! line at a time. The driver pulls from it only as fast as download slots
//! free up, and memory stays flat however long the list is.
//!
//! Order is fixed and documented: the positional `URL` arguments first, in
//! the order given, then the lines of the `--input-file`. Every [`Entry`]
//! carries its place in that order as [`Entry::index`]; the report is
//! assembled by it even though downloads finish in any order.
//!
//! An entry is a raw string, not a parsed URL. Parsing belongs to the HTTP
//! layer, and doing it later means a malformed line becomes one failed
//! download with a reason in the report, not an error that stops the batch.
//! The same goes for the two things that can be wrong with a line before
//! parsing even starts, recorded as an [`InputProblem`]: bytes that are not
//! UTF-8, and a line so long it is surely not a URL.
//!
//! Line rules for the list file:
//!
//! - Leading and trailing whitespace is trimmed (so `\r\n` line ends work).
//! - Blank lines are skipped.
//! - A line whose first non-blank character is `#` is a comment and skipped.
//!   A `#` later in a line is left alone: it starts a URL fragment.
//! - A UTF-8 byte order mark at the start of the file is ignored, because
//!   editors on Windows like to write one.
//! - An indented line of the form `name=value` (the name made of letters,
//!   digits and `-`) is an option of the URL above it, in aria2c's format:
//!
//!   ```text
//!   https://mirror.test/big.iso
//!     out=debian.iso
//!     checksum=sha-256=5f0d…
//!     header=Authorization: Bearer abc
//!   ```
//!
//!   [`UrlOptions`] says which options exist. A bad option fails its URL
//!   (with the option's line number in the reason) rather than being
//!   dropped, and an option line with no URL above it is a failed entry of
//!   its own. Any other indented line is a URL, as before: `  http://x/?a=b`
//!   cannot be an option, since its text before `=` is not a name.
//!
//! Because a URL's options follow it, a URL is handed out only once the
//! next URL line (or the end of the input) has been read. From a pipe, that
//! means each URL waits for the line after it; aria2c reads its lists the
//! same way.
//!
//! Positional arguments are taken exactly as given, even when empty: the user
//! typed them one by one, and an empty one should show up as a failure rather
//! than vanish.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use crate::url_options::UrlOptions;

/// The longest line accepted as a URL, in bytes.
///
/// Browsers and servers give up on URLs somewhere between 8 KiB and 2 MiB;
/// 64 KiB is generous for any real link and still bounds what one line of a
/// hostile or corrupt file (say, a binary with no newlines) can make us hold.
pub const MAX_LINE: usize = 64 * 1024;

/// How much of an over-long line is kept, to name it in the report.
const SHOWN_PREFIX: usize = 256;

/// One URL to download, as read from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the input: positional arguments from 0, then file lines.
    /// The report lists downloads in this order.
    pub index: usize,
    /// Where the entry came from, for error messages.
    pub origin: Origin,
    /// The URL text, trimmed. For an entry with a [`problem`](Entry::problem)
    /// it is a lossy rendering, only good for showing to a person.
    pub raw: String,
    /// Set when the line cannot be a URL at all, or one of its options is
    /// bad; such an entry is reported as failed without being attempted.
    pub problem: Option<InputProblem>,
    /// The option lines under the URL (none for a positional argument).
    pub options: UrlOptions,
}

/// Where an [`Entry`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The n-th positional argument, counting from 1.
    Argument(usize),
    /// Line n of the input file or stdin, counting from 1.
    Line(u64),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Argument(n) => write!(f, "argument {n}"),
            Origin::Line(n) => write!(f, "input line {n}"),
        }
    }
}

/// What made an entry unusable before any URL parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputProblem {
    /// The line contains bytes that are not UTF-8.
    NotUtf8,
    /// The line is longer than [`MAX_LINE`] bytes.
    TooLong,
    /// An option line under the URL was refused.
    BadOption {
        /// The option's line, counting from 1.
        line: u64,
        /// Why it was refused.
        reason: String,
    },
    /// An option line with no URL above it.
    OptionWithoutUrl,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputProblem::NotUtf8 => f.write_str("line is not valid UTF-8"),
            InputProblem::TooLong => write!(f, "line is longer than {MAX_LINE} bytes"),
            InputProblem::BadOption { line, reason } => {
                write!(f, "option on input line {line}: {reason}")
            }
            InputProblem::OptionWithoutUrl => {
                f.write_str("an indented option line with no URL above it")
            }
        }
    }
}

/// Where to read the list of URLs from (`--input-file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFile {
    /// Standard input, spelled `-` on the command line.
    Stdin,
    /// A file on disk.
    Path(PathBuf),
}

impl InputFile {
    /// Interprets an `--input-file` argument: `-` means stdin.
    pub fn from_arg(arg: PathBuf) -> InputFile {
        if arg.as_os_str() == "-" {
            InputFile::Stdin
        } else {
            InputFile::Path(arg)
        }
    }

    /// Opens the input for line-by-line reading.
    ///
    /// A missing or unreadable file fails here, before anything is
    /// downloaded, so the binary can exit with a usage error. A directory is
    /// refused here too: on Unix opening one succeeds and only the first read
    /// fails, which would be too late.
    ///
    /// The reader is `Send`, so the driver may move the reading onto a
    /// blocking thread: a slow producer on a pipe must not stall the event
    /// loop. That is also why stdin is wrapped in a `BufReader` rather than
    /// locked: a `StdinLock` is tied to the thread that took it.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, InputError> {
        match self {
            InputFile::Stdin => Ok(Box::new(BufReader::new(io::stdin()))),
            InputFile::Path(path) => {
                let fail = |source| InputError {
                    path: path.clone(),
                    source,
                };
                let file = File::open(path).map_err(fail)?;
                let meta = file.metadata().map_err(fail)?;
                if meta.is_dir() {
                    return Err(fail(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "is a directory",
                    )));
                }
                Ok(Box::new(BufReader::new(file)))
            }
        }
    }
}

/// The input file could not be opened.
#[derive(Debug)]
pub struct InputError {
    /// The file we tried to open.
    pub path: PathBuf,
    /// What the operating system said.
    pub source: io::Error,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read input file {}: {}",
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The URLs of one batch, in input order, read lazily.
///
/// Yields `io::Result<Entry>`: an `Err` means reading the file failed part
/// way (a disk error, a closed pipe). It is yielded once and the iteration
/// ends; the driver decides whether the downloads already started still
/// count.
///
/// # Examples
///
/// ```
/// use spool_dl::input::UrlSource;
///
/// let list = "# mirrors\nhttp://a.example/1\n\n  http://a.example/2  \n";
/// let source = UrlSource::new(vec!["http://b.example/".into()], Some(list.as_bytes()));
/// let raws: Vec<String> = source.map(|e| e.unwrap().raw).collect();
/// assert_eq!(raws, ["http://b.example/", "http://a.example/1", "http://a.example/2"]);
/// ```
#[derive(Debug)]
pub struct UrlSource<R> {
    arguments: std::vec::IntoIter<String>,
    lines: Option<Lines<R>>,
    /// The URL line after the one being assembled, read to learn that the
    /// options of the one before it are complete.
    lookahead: Option<Line>,
    /// A read error met while looking ahead; yielded after the entry it
    /// cut short.
    deferred_error: Option<io::Error>,
    next_index: usize,
}

impl<R: BufRead> UrlSource<R> {
    /// Positional URLs first, then the lines of `file` if there is one.
    pub fn new(arguments: Vec<String>, file: Option<R>) -> UrlSource<R> {
        UrlSource {
            arguments: arguments.into_iter(),
            lines: file.map(Lines::new),
            lookahead: None,
            deferred_error: None,
            next_index: 0,
        }
    }

    /// The next line of the file: the one read ahead, or a new one.
    fn next_line(&mut self) -> Option<io::Result<Line>> {
        if let Some(line) = self.lookahead.take() {
            return Some(Ok(line));
        }
        if let Some(e) = self.deferred_error.take() {
            return Some(Err(e));
        }
        self.lines.as_mut()?.next_line().transpose()
    }

    // ANCHOR: options
    /// Reads the option lines under a URL, up to the next URL line (kept
    /// for the next call) or the end. The first bad option is the problem.
    fn read_options(&mut self) -> (UrlOptions, Option<InputProblem>) {
        let mut options = UrlOptions::default();
        let mut problem = None;
        while let Some(next) = self.lines.as_mut().and_then(|l| l.next_line().transpose()) {
            match next {
                Ok(Line::Option {
                    line, name, value, ..
                }) => {
                    let applied = value
                        .map_err(|p| p.to_string())
                        .and_then(|value| options.set(&name, &value).map_err(|e| e.to_string()));
                    if let (Err(reason), None) = (applied, &problem) {
                        problem = Some(InputProblem::BadOption { line, reason });
                    }
                }
                Ok(url @ Line::Url { .. }) => {
                    self.lookahead = Some(url);
                    break;
                }
                Err(e) => {
                    self.deferred_error = Some(e);
                    break;
                }
            }
        }
        (options, problem)
    }
    // ANCHOR_END: options
}

impl<R: BufRead> Iterator for UrlSource<R> {
    type Item = io::Result<Entry>;

    fn next(&mut self) -> Option<io::Result<Entry>> {
        let index = self.next_index;
        if let Some(raw) = self.arguments.next() {
            self.next_index += 1;
            return Some(Ok(Entry {
                index,
                origin: Origin::Argument(index + 1),
                raw,
                problem: None,
                options: UrlOptions::default(),
            }));
        }
        let entry = match self.next_line() {
            None => {
                self.lines = None;
                return None;
            }
            Some(Err(e)) => {
                self.lines = None;
                return Some(Err(e));
            }
            Some(Ok(Line::Option { line, shown, .. })) => Entry {
                index,
                origin: Origin::Line(line),
                raw: shown,
                problem: Some(InputProblem::OptionWithoutUrl),
                options: UrlOptions::default(),
            },
            Some(Ok(Line::Url { line, raw, problem })) => {
                let (options, bad_option) = self.read_options();
                Entry {
                    index,
                    origin: Origin::Line(line),
                    raw,
                    problem: problem.or(bad_option),
                    options,
                }
            }
        };
        self.next_index += 1;
        Some(Ok(entry))
    }
}

/// One meaningful line of the list file.
#[derive(Debug)]
enum Line {
    /// A URL (or what should have been one).
    Url {
        line: u64,
        /// The trimmed text; lossy when there is a problem.
        raw: String,
        problem: Option<InputProblem>,
    },
    /// An indented `name=value` option line.
    Option {
        line: u64,
        name: String,
        /// The value, or why it cannot be read.
        value: Result<String, InputProblem>,
        /// The trimmed line, for an error message.
        shown: String,
    },
}

/// The list-file half of [`UrlSource`]: the line rules, with bounded memory.
#[derive(Debug)]
struct Lines<R> {
    reader: R,
    /// Reused for every line, so reading allocates only when a line is longer
    /// than any before it (and never past `MAX_LINE + 1`).
    buf: Vec<u8>,
    line: u64,
    /// The end was reached; a terminal on stdin would wait for more if
    /// asked again.
    ended: bool,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Lines<R> {
        Lines {
            reader,
            buf: Vec::new(),
            line: 0,
            ended: false,
        }
    }

    /// The next line that holds a URL or an option. `None` at the end of
    /// the input.
    fn next_line(&mut self) -> io::Result<Option<Line>> {
        while !self.ended {
            self.buf.clear();
            // `take` stops the read one byte past the limit, so a line with
            // no newline in sight costs MAX_LINE bytes of memory, not the
            // rest of the file.
            let limit = MAX_LINE as u64 + 1;
            let read = Read::take(&mut self.reader, limit).read_until(b'\n', &mut self.buf)?;
            if read == 0 {
                self.ended = true;
                return Ok(None);
            }
            self.line += 1;
            let too_long = self.buf.last() != Some(&b'\n') && self.buf.len() > MAX_LINE;
            if too_long {
                self.skip_rest_of_line()?;
            }

            let mut bytes = self.buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let indented = bytes.first().is_some_and(|&b| b == b' ' || b == b'\t');
            let bytes = bytes.trim_ascii();
            if bytes.is_empty() || bytes[0] == b'#' {
                continue;
            }

            // A problem line is still an entry, so the report can say which
            // line was bad; its text is cut to something a person can read.
            let text = match std::str::from_utf8(bytes) {
                Ok(text) if !too_long => Ok(text.to_owned()),
                Ok(_) => Err(InputProblem::TooLong),
                Err(_) if too_long => Err(InputProblem::TooLong),
                Err(_) => Err(InputProblem::NotUtf8),
            };
            if let Some(name) = indented.then(|| option_name(bytes)).flatten() {
                let value = text.map(|text| text[name.len() + 1..].to_owned());
                return Ok(Some(Line::Option {
                    line: self.line,
                    name: name.to_owned(),
                    value,
                    shown: shown_prefix(bytes),
                }));
            }
            let (raw, problem) = match text {
                Ok(text) => (text, None),
                Err(problem) => (shown_prefix(bytes), Some(problem)),
            };
            return Ok(Some(Line::Url {
                line: self.line,
                raw,
                problem,
            }));
        }
        Ok(None)
    }

    /// Discards input up to and including the next newline, a buffer at a time.
    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(());
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    self.reader.consume(at + 1);
                    return Ok(());
                }
                None => {
                    let all = chunk.len();
                    self.reader.consume(all);
                }
            }
        }
    }
}

/// The option name of a trimmed line `name=value`, if it has that form.
fn option_name(bytes: &[u8]) -> Option<&str> {
    let end = bytes.iter().position(|&b| b == b'=')?;
    let name = &bytes[..end];
    let is_name = !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-');
    // All ASCII, so this cannot fail.
    is_name.then(|| std::str::from_utf8(name).ok()).flatten()
}

/// The start of a bad line, lossily decoded, for the report.
fn shown_prefix(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN_PREFIX)]);
    if bytes.len() > SHOWN_PREFIX {
        format!("{text}…")
    } else {
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn from_text(text: &str) -> Vec<Entry> {
        UrlSource::new(Vec::new(), Some(text.as_bytes()))
            .map(|e| e.expect("in-memory reads do not fail"))
            .collect()
    }

    fn raws(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.raw.as_str()).collect()
    }

    #[test]
    fn skips_blanks_and_comments_and_trims() {
        let entries =
            from_text("\n# comment\n  http://x/a  \n\t\n   # indented comment\nhttp://x/b");
        assert_eq!(raws(&entries), ["http://x/a", "http://x/b"]);
    }

    #[test]
    fn a_hash_inside_a_line_is_a_fragment_not_a_comment() {
        let entries = from_text("http://x/page#section\n");
        assert_eq!(raws(&entries), ["http://x/page#section"]);
    }

    #[test]
    fn crlf_line_ends() {
        let entries = from_text("http://x/a\r\nhttp://x/b\r\n");
        assert_eq!(raws(&entries), ["http://x/a", "http://x/b"]);
    }

    #[test]
    fn byte_order_mark_is_ignored_on_the_first_line_only() {
        let entries = from_text("\u{FEFF}http://x/a\n\u{FEFF}http://x/b\n");
        assert_eq!(raws(&entries), ["http://x/a", "\u{FEFF}http://x/b"]);
    }

    #[test]
    fn a_commented_first_line_after_a_bom_is_still_a_comment() {
        assert_eq!(
            raws(&from_text("\u{FEFF}# list\nhttp://x/a\n")),
            ["http://x/a"]
        );
    }

    #[test]
    fn arguments_come_first_and_indices_follow_input_order() {
        let source = UrlSource::new(
            vec!["http://arg/1".into(), "http://arg/2".into()],
            Some("http://file/1\n\n#c\nhttp://file/2\n".as_bytes()),
        );
        let entries: Vec<Entry> = source.map(Result::unwrap).collect();
        let seen: Vec<(usize, Origin, &str)> = entries
            .iter()
            .map(|e| (e.index, e.origin, e.raw.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (0, Origin::Argument(1), "http://arg/1"),
                (1, Origin::Argument(2), "http://arg/2"),
                (2, Origin::Line(1), "http://file/1"),
                (3, Origin::Line(4), "http://file/2"),
            ]
        );
    }

    #[test]
    fn arguments_are_kept_verbatim_even_when_blank() {
        let source = UrlSource::<&[u8]>::new(vec![" http://x/ ".into(), String::new()], None);
        let entries: Vec<Entry> = source.map(Result::unwrap).collect();
        assert_eq!(raws(&entries), [" http://x/ ", ""]);
    }

    #[test]
    fn no_input_at_all_is_empty() {
        assert_eq!(UrlSource::<&[u8]>::new(Vec::new(), None).count(), 0);
        assert!(from_text("").is_empty());
        assert!(from_text("\n\n# only comments\n").is_empty());
    }

    #[test]
    fn invalid_utf8_becomes_a_problem_entry_and_reading_goes_on() {
        let bytes = b"http://x/a\nhttp://x/\xFF\xFE\nhttp://x/c\n";
        let entries: Vec<Entry> = UrlSource::new(Vec::new(), Some(&bytes[..]))
            .map(Result::unwrap)
            .collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].problem, Some(InputProblem::NotUtf8));
        assert_eq!(entries[1].origin, Origin::Line(2));
        assert_eq!(entries[1].raw, "http://x/\u{FFFD}\u{FFFD}");
        assert_eq!(entries[2].raw, "http://x/c");
        assert_eq!(entries[2].problem, None);
    }

    #[test]
    fn a_line_at_the_limit_is_accepted() {
        let url = format!("http://x/{}", "a".repeat(MAX_LINE - 9));
        assert_eq!(url.len(), MAX_LINE);
        let entries = from_text(&format!("{url}\nhttp://x/next\n"));
        assert_eq!(entries[0].raw, url);
        assert_eq!(entries[0].problem, None);
        assert_eq!(entries[1].raw, "http://x/next");
    }

    #[test]
    fn an_over_long_line_is_skipped_to_its_end_and_reported() {
        let long = format!("http://x/{}", "a".repeat(3 * MAX_LINE));
        let entries = from_text(&format!("{long}\nhttp://x/after\n"));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].problem, Some(InputProblem::TooLong));
        assert!(entries[0].raw.starts_with("http://x/aaa") && entries[0].raw.ends_with('…'));
        assert!(entries[0].raw.len() < 300);
        assert_eq!(
            (entries[1].origin, entries[1].raw.as_str()),
            (Origin::Line(2), "http://x/after")
        );
    }

    #[test]
    fn an_over_long_final_line_without_newline() {
        let entries = from_text(&"b".repeat(MAX_LINE + 10));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].problem, Some(InputProblem::TooLong));
    }

    #[test]
    fn an_over_long_comment_is_still_a_comment() {
        let text = format!("#{}\nhttp://x/a\n", "c".repeat(2 * MAX_LINE));
        assert_eq!(raws(&from_text(&text)), ["http://x/a"]);
    }

    /// A reader that produces `count` URL lines on demand and counts how
    /// many bytes have been pulled from it: if the source read ahead, the
    /// count would run ahead of the entries taken.
    struct Generated {
        next: usize,
        count: usize,
        pending: Cursor<Vec<u8>>,
        produced: std::rc::Rc<std::cell::Cell<usize>>,
    }

    impl Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            loop {
                let n = self.pending.read(out)?;
                if n > 0 {
                    self.produced.set(self.produced.get() + n);
                    return Ok(n);
                }
                if self.next == self.count {
                    return Ok(0);
                }
                self.pending = Cursor::new(format!("http://x/{}\n", self.next).into_bytes());
                self.next += 1;
            }
        }
    }

    #[test]
    fn streams_instead_of_reading_everything_first() {
        let produced = std::rc::Rc::new(std::cell::Cell::new(0));
        let reader = BufReader::with_capacity(
            64,
            Generated {
                next: 0,
                count: 100_000,
                pending: Cursor::new(Vec::new()),
                produced: produced.clone(),
            },
        );
        let mut source = UrlSource::new(Vec::new(), Some(reader));
        let first: Vec<String> = source.by_ref().take(3).map(|e| e.unwrap().raw).collect();
        assert_eq!(first, ["http://x/0", "http://x/1", "http://x/2"]);
        assert!(
            produced.get() <= 128,
            "read {} bytes for 3 lines",
            produced.get()
        );

        let rest = source.map(Result::unwrap).last().unwrap();
        assert_eq!((rest.index, rest.raw.as_str()), (99_999, "http://x/99999"));
    }

    /// Yields one good line, then fails.
    struct Failing {
        sent: bool,
    }

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.sent {
                return Err(io::Error::other("disk on fire"));
            }
            self.sent = true;
            let line = b"http://x/a\n";
            out[..line.len()].copy_from_slice(line);
            Ok(line.len())
        }
    }

    #[test]
    fn a_read_error_is_yielded_once_then_the_source_ends() {
        let reader = BufReader::new(Failing { sent: false });
        let mut source = UrlSource::new(vec!["http://arg/".into()], Some(reader));
        assert_eq!(source.next().unwrap().unwrap().raw, "http://arg/");
        assert_eq!(source.next().unwrap().unwrap().raw, "http://x/a");
        let err = source.next().unwrap().unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
        assert!(source.next().is_none());
        assert!(source.next().is_none());
    }

    #[test]
    fn dash_means_stdin() {
        assert_eq!(InputFile::from_arg("-".into()), InputFile::Stdin);
        assert_eq!(
            InputFile::from_arg("./-".into()),
            InputFile::Path("./-".into())
        );
    }

    #[test]
    fn a_missing_file_fails_at_open_with_its_name() {
        let path = std::env::temp_dir().join("spool-dl-no-such-list-6a1f.txt");
        let err = InputFile::Path(path.clone()).open().err().unwrap();
        assert_eq!(err.source.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("spool-dl-no-such-list-6a1f.txt"));
        assert!(err.to_string().starts_with("cannot read input file"));
    }

    #[test]
    fn a_directory_fails_at_open() {
        let err = InputFile::Path(std::env::temp_dir()).open().err().unwrap();
        assert!(err.to_string().contains("is a directory"), "{err}");
    }

    #[test]
    fn a_real_file_streams_through_open() {
        let dir = std::env::temp_dir().join(format!("spool-dl-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("list.txt");
        std::fs::write(&path, "http://x/1\n# skip\nhttp://x/2\n").unwrap();
        let reader = InputFile::Path(path).open().unwrap();
        let raws: Vec<String> = UrlSource::new(Vec::new(), Some(reader))
            .map(|e| e.unwrap().raw)
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(raws, ["http://x/1", "http://x/2"]);
    }

    const SHA1: &str = "sha-1=a9993e364706816aba3e25717850c26c9cd0d89d";

    #[test]
    fn indented_option_lines_belong_to_the_url_above() {
        let text = format!(
            "http://x/a\n  out=first.bin\n\tchecksum={SHA1}\n  header=X-A: 1\n  header=X-B: 2\n\
             http://x/b\n# comment between\nhttp://x/c\n   out=c.bin\n"
        );
        let entries = from_text(&text);
        assert_eq!(raws(&entries), ["http://x/a", "http://x/b", "http://x/c"]);
        let a = &entries[0].options;
        assert_eq!(a.out.as_deref(), Some("first.bin"));
        assert_eq!(a.checksum, Some(SHA1.parse().unwrap()));
        let headers: Vec<String> = a.headers.iter().map(ToString::to_string).collect();
        assert_eq!(headers, ["X-A: 1", "X-B: 2"]);
        assert_eq!(entries[1].options, UrlOptions::default());
        assert_eq!(entries[2].options.out.as_deref(), Some("c.bin"));
        assert!(entries.iter().all(|e| e.problem.is_none()));
        let seen: Vec<(usize, Origin)> = entries.iter().map(|e| (e.index, e.origin)).collect();
        assert_eq!(
            seen,
            [
                (0, Origin::Line(1)),
                (1, Origin::Line(6)),
                (2, Origin::Line(8))
            ]
        );
    }

    #[test]
    fn blank_lines_and_comments_may_sit_among_the_options() {
        let entries = from_text("http://x/a\n\n  # note\n  out=a.bin\n\r\n  header=X: y\r\n");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].options.out.as_deref(), Some("a.bin"));
        assert_eq!(entries[0].options.headers.len(), 1);
    }

    #[test]
    fn indented_urls_are_still_urls() {
        let entries = from_text("  http://x/?a=b\n\thttp://x/c=d\n  https://x/\n");
        assert_eq!(
            raws(&entries),
            ["http://x/?a=b", "http://x/c=d", "https://x/"]
        );
        assert!(entries.iter().all(|e| e.options == UrlOptions::default()));
    }

    #[test]
    fn an_unindented_option_is_a_url_line() {
        // aria2c's rule: options must be indented. Left flush, `out=x` is
        // an entry of its own, which then fails as a URL.
        let entries = from_text("http://x/a\nout=x\n");
        assert_eq!(raws(&entries), ["http://x/a", "out=x"]);
        assert_eq!(entries[0].options.out, None);
    }

    #[test]
    fn a_bad_option_fails_its_url_with_the_line_number() {
        let text = "http://x/a\n  out=ok.bin\n  checksum=sha-256=abc\n  out=../evil\nhttp://x/b\n";
        let entries = from_text(text);
        assert_eq!(raws(&entries), ["http://x/a", "http://x/b"]);
        let problem = entries[0].problem.clone().unwrap();
        assert!(
            matches!(&problem, InputProblem::BadOption { line: 3, reason } if reason.starts_with("checksum=: a sha-256 digest")),
            "{problem:?}"
        );
        assert!(
            problem
                .to_string()
                .starts_with("option on input line 3: checksum=:")
        );
        assert_eq!(entries[1].problem, None);
    }

    #[test]
    fn unknown_and_repeated_options_are_problems() {
        let entries = from_text("http://x/a\n  checksun=md5=00\nhttp://x/b\n  out=a\n  out=b\n");
        let reasons: Vec<String> = entries
            .iter()
            .map(|e| e.problem.as_ref().unwrap().to_string())
            .collect();
        assert!(
            reasons[0].contains("unknown option \"checksun\""),
            "{}",
            reasons[0]
        );
        assert!(reasons[1].contains("out= is given twice"), "{}", reasons[1]);
    }

    #[test]
    fn an_option_with_no_url_above_is_an_entry_of_its_own() {
        let entries = from_text("  out=x.bin\nhttp://x/a\n  out=a.bin\n");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].problem, Some(InputProblem::OptionWithoutUrl));
        assert_eq!(
            (entries[0].origin, entries[0].raw.as_str()),
            (Origin::Line(1), "out=x.bin")
        );
        assert_eq!(entries[1].options.out.as_deref(), Some("a.bin"));
    }

    #[test]
    fn an_option_that_is_not_utf8_fails_its_url() {
        let bytes = b"http://x/a\n  out=caf\xE9.txt\nhttp://x/b\n";
        let entries: Vec<Entry> = UrlSource::new(Vec::new(), Some(&bytes[..]))
            .map(Result::unwrap)
            .collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].problem,
            Some(InputProblem::BadOption {
                line: 2,
                reason: "line is not valid UTF-8".into()
            })
        );
    }

    #[test]
    fn a_read_error_after_a_url_comes_after_that_url() {
        // The error arrives while looking for the URL's options: the URL is
        // still handed out first, then the error, then nothing.
        let reader = BufReader::new(Failing { sent: false });
        let mut source = UrlSource::new(Vec::new(), Some(reader));
        assert_eq!(source.next().unwrap().unwrap().raw, "http://x/a");
        assert!(source.next().unwrap().is_err());
        assert!(source.next().is_none());
    }

    /// A reader that hands out its lines one `read` at a time and then
    /// reports the end only once; a second read after the end panics, as a
    /// terminal would block.
    struct EndsOnce {
        lines: Vec<&'static [u8]>,
        ended: bool,
    }

    impl Read for EndsOnce {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.lines.is_empty() {
                assert!(!self.ended, "read again after the end");
                self.ended = true;
                return Ok(0);
            }
            let line = self.lines.remove(0);
            out[..line.len()].copy_from_slice(line);
            Ok(line.len())
        }
    }

    #[test]
    fn the_end_of_the_input_is_read_once() {
        let reader = BufReader::new(EndsOnce {
            lines: vec![b"http://x/a\n", b"  out=a\n"],
            ended: false,
        });
        let mut source = UrlSource::new(Vec::new(), Some(reader));
        assert_eq!(
            source.next().unwrap().unwrap().options.out.as_deref(),
            Some("a")
        );
        assert!(source.next().is_none());
        assert!(source.next().is_none());
    }

    #[test]
    fn problems_and_origins_read_well() {
        assert_eq!(Origin::Line(7).to_string(), "input line 7");
        assert_eq!(Origin::Argument(2).to_string(), "argument 2");
        assert_eq!(InputProblem::NotUtf8.to_string(), "line is not valid UTF-8");
        assert_eq!(
            InputProblem::TooLong.to_string(),
            "line is longer than 65536 bytes"
        );
    }
}
