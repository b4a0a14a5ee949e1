//! The `Range` request header, for one byte range (RFC 9110 §14).
//!
//! A resuming downloader asks for `bytes=START-`; players and other tools
//! ask for `bytes=START-END` or the last N bytes, `bytes=-N`. Those three
//! forms are served. A request for several ranges at once would need a
//! `multipart/byteranges` body; the RFC lets a server ignore a Range header
//! it does not want to honour, so such requests, and malformed ones, get
//! the whole file with a 200.

/// What to send in answer to a `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeAnswer {
    /// Ignore the header and send the whole representation (200).
    Full,
    /// Send bytes `start..=end` (206).
    Part { start: u64, end: u64 },
    /// No requested byte exists (416).
    Unsatisfiable,
}

// ANCHOR: parse_range
/// Interprets a `Range` header value against a representation of `size`
/// bytes.
pub(crate) fn parse_range(value: &str, size: u64) -> RangeAnswer {
    let Some((unit, spec)) = value.trim().split_once('=') else {
        return RangeAnswer::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    match (number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 || size == 0 {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Part {
                    start: size.saturating_sub(suffix),
                    end: size - 1,
                }
            }
        }
        // bytes=A- and bytes=A-B; an end past the last byte is trimmed.
        (Some(start), end) if end.is_some() || last.is_empty() => {
            if end.is_some_and(|end| end < start) {
                RangeAnswer::Full
            } else if start >= size {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Part {
                    start,
                    end: end.map_or(size - 1, |end| end.min(size - 1)),
                }
            }
        }
        _ => RangeAnswer::Full,
    }
}
// ANCHOR_END: parse_range

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::RangeAnswer::*;
    use super::*;

    #[test]
    fn the_three_forms() {
        assert_eq!(parse_range("bytes=0-99", 1000), Part { start: 0, end: 99 });
        assert_eq!(
            parse_range("bytes=500-", 1000),
            Part {
                start: 500,
                end: 999
            }
        );
        assert_eq!(
            parse_range("bytes=-100", 1000),
            Part {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range(" Bytes = 1 - 1 ", 10),
            Part { start: 1, end: 1 }
        );
    }

    #[test]
    fn ends_are_trimmed_to_the_size() {
        assert_eq!(parse_range("bytes=5-5000", 10), Part { start: 5, end: 9 });
        assert_eq!(parse_range("bytes=-5000", 10), Part { start: 0, end: 9 });
        assert_eq!(parse_range("bytes=9-", 10), Part { start: 9, end: 9 });
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(parse_range("bytes=10-", 10), Unsatisfiable);
        assert_eq!(parse_range("bytes=10-20", 10), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 10), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), Unsatisfiable);
    }

    #[test]
    fn malformed_and_multiple_ranges_are_ignored() {
        for value in [
            "bytes=5-1",
            "bytes=0-1,3-4",
            "items=0-1",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
            "0-1",
        ] {
            assert_eq!(parse_range(value, 1000), Full, "{value}");
        }
    }
}
