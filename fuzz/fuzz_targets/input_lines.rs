//! The list-file line parser (`UrlSource`) on arbitrary bytes, read in
//! arbitrary sizes.
//!
//! Input: one byte giving the read size (1 to 64 bytes), then the file.
//! Lines near the 64 KiB limit are out of reach of inputs of fuzzing size,
//! so each 0x01 byte in the file stands for `MAX_LINE / 2` bytes of `a`:
//! two of them make a line at the limit, one more byte a line over it.
//!
//! Asserts: no panic; the same entries whatever the read size; indices
//! counting from 0 and line numbers rising; entries never empty, never a
//! comment, never holding a newline; text of problem-free entries the
//! trimmed, valid UTF-8 line and at most `MAX_LINE` bytes, and of entries
//! whose own line was bad a short prefix; a bad option (an indented
//! `name=value` line) is named by a line between its URL's and the next
//! entry's, and an option line with no URL above it carries no options.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_dl::input::{Entry, InputProblem, MAX_LINE, Origin, UrlSource};
use spool_dl::url_options::UrlOptions;
use std::io::BufReader;

fn read(file: &[u8], read_size: usize) -> Vec<Entry> {
    UrlSource::new(Vec::new(), Some(BufReader::with_capacity(read_size, file)))
        .map(|entry| entry.expect("in-memory reads do not fail"))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, data)) = data.split_first() else {
        return;
    };
    let mut file = Vec::with_capacity(data.len());
    for &byte in data {
        match byte {
            0x01 => file.resize(file.len() + MAX_LINE / 2, b'a'),
            _ => file.push(byte),
        }
    }

    let entries = read(&file, usize::from(size % 64) + 1);
    assert_eq!(read(&file, 64 * 1024), entries);

    let lines = file.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let mut last_line = 0;
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry.index, i);
        let Origin::Line(line) = entry.origin else {
            panic!("no arguments were given");
        };
        assert!(line > last_line && line <= lines, "line {line}");
        last_line = line;
        let raw = &entry.raw;
        assert!(
            !raw.is_empty() && !raw.starts_with('#') && !raw.contains('\n'),
            "{raw:?}"
        );
        assert_eq!(
            raw.trim_start_matches(|c: char| c.is_ascii_whitespace()),
            raw
        );
        let next_line = entries
            .get(i + 1)
            .map_or(lines + 1, |next| match next.origin {
                Origin::Line(line) => line,
                Origin::Argument(_) => panic!("no arguments were given"),
            });
        let short = 3 * 256 + '…'.len_utf8();
        match &entry.problem {
            None => {
                assert!(raw.len() <= MAX_LINE);
                assert_eq!(raw.trim_end_matches(|c: char| c.is_ascii_whitespace()), raw);
            }
            Some(InputProblem::BadOption { line: option, .. }) => {
                // The URL itself was fine; one of the lines under it was not.
                assert!(raw.len() <= MAX_LINE);
                assert!(
                    *option > line && *option < next_line,
                    "option line {option}"
                );
            }
            Some(InputProblem::OptionWithoutUrl) => {
                assert_eq!(entry.options, UrlOptions::default());
                assert!(raw.len() <= short, "{} bytes", raw.len());
            }
            Some(_) => assert!(raw.len() <= short, "{} bytes", raw.len()),
        }
    }
});
