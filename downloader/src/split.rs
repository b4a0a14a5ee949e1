//! Segmented downloads: one large file over several connections, as
//! aria2c's `-s N` does.
//!
//! A server, or a path to it, often limits each connection rather than the
//! client; then N connections move N times as much. The downloader asks
//! for the file as usual, and when the answer shows that splitting is safe
//! and worth it, it keeps that response for the first segment and asks for
//! each other segment with its own `Range` request, every segment written
//! at its offset of the `.part` file.
//!
//! Splitting is safe only when every segment comes from the same version
//! of the file. So the first response must carry a validator (a strong
//! `ETag` or `Last-Modified`), and every segment request sends it in
//! `If-Range`: a server whose file changed answers `200` with the whole new
//! file, which fails the attempt, and the retry starts over from byte 0.
//! A segment must also come back as exactly the range asked for.
//!
//! It is worth it only for a body of known length that is large: [`plan`]
//! makes no segment shorter than the minimum split size (1 MiB unless told
//! otherwise; aria2c uses 20 MiB), so a small file stays one stream. A
//! server that does not say `Accept-Ranges: bytes` is not asked for ranges
//! at all.
//!
//! A split download is resumed segment by segment. Its `.part` file has
//! holes until every segment is in, so it must never be taken for a
//! prefix: instead of a bare validator, its `.meta` holds a
//! [`SplitState`], the validator and how much of each segment is on disk.
//! The state is written when the split starts and whenever an attempt
//! fails; the retry, or a later `--continue` (with or without `-s`), asks
//! only for what each segment still lacks, under the same validator. A
//! segment answered with another version or range empties the part and
//! the download starts over. A run killed outright resumes from the last
//! saved state, which never claims more than is on disk.
//!
//! With a checksum, the digest of a split file is computed by reading it
//! back once it is complete, since its segments arrive out of order.

use std::cell::Cell;
use std::ops::Range;

/// The shortest segment [`plan`] makes unless told otherwise.
pub const DEFAULT_MIN_SPLIT_SIZE: u64 = 1 << 20;

/// The byte ranges of a `total`-byte body fetched over at most `split`
/// connections, none shorter than `min_size`: consecutive, covering
/// `0..total` exactly, in order, sizes differing by at most one byte. One
/// range means "do not split".
///
/// # Examples
///
/// ```
/// use spool_dl::split::plan;
///
/// assert_eq!(plan(10, 3, 1), [0..4, 4..7, 7..10]);
/// assert_eq!(plan(10, 3, 4), [0..5, 5..10]);
/// assert_eq!(plan(10, 3, 100), [0..10]);
/// ```
pub fn plan(total: u64, split: usize, min_size: u64) -> Vec<Range<u64>> {
    let by_size = (total / min_size.max(1)).max(1);
    let count = by_size.min(split.max(1) as u64);
    let (base, extra) = (total / count, total % count);
    let mut start = 0;
    (0..count)
        .map(|i| {
            let len = base + u64::from(i < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// Where a split download stands: its version, and how much of each
/// segment is on disk. Kept in `NAME.part.meta` so that `--continue`
/// fetches only what is missing, segment by segment.
///
/// In the file it is the validator on the first line (the whole content
/// of a `.meta` for a download that is not split), then `split TOTAL`,
/// then one `START END DONE` line per segment.
///
/// # Examples
///
/// ```
/// use spool_dl::split::SplitState;
///
/// let state = SplitState::new("\"v1\"".into(), vec![0..50, 50..100]);
/// state.advance(1, 20);
/// let text = state.encode();
/// assert_eq!(text, "\"v1\"\nsplit 100\n0 50 0\n50 100 20\n");
/// let back = SplitState::decode(&text).unwrap();
/// assert_eq!(back.missing(), [0..50, 70..100]);
/// ```
#[derive(Debug)]
pub struct SplitState {
    validator: String,
    segments: Vec<(Range<u64>, Cell<u64>)>,
}

impl SplitState {
    /// A state with nothing on disk yet.
    pub fn new(validator: String, segments: Vec<Range<u64>>) -> SplitState {
        let segments = segments.into_iter().map(|r| (r, Cell::new(0))).collect();
        SplitState {
            validator,
            segments,
        }
    }

    /// The validator every segment must come from.
    pub fn validator(&self) -> &str {
        &self.validator
    }

    /// The length of the whole file.
    pub fn total(&self) -> u64 {
        self.segments.last().map_or(0, |(r, _)| r.end)
    }

    /// How many segments there are.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Whether there are no segments (never, for a decoded state).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Segment `i`'s range, and where its missing bytes start.
    pub fn segment(&self, i: usize) -> (Range<u64>, u64) {
        let (range, done) = &self.segments[i];
        (range.clone(), range.start + done.get())
    }

    /// Records `bytes` more of segment `i` written to disk.
    pub fn advance(&self, i: usize, bytes: u64) {
        let done = &self.segments[i].1;
        done.set(done.get() + bytes);
    }

    /// The byte ranges still to fetch, in order.
    pub fn missing(&self) -> Vec<Range<u64>> {
        (0..self.segments.len())
            .map(|i| self.segment(i))
            .filter(|(range, from)| *from < range.end)
            .map(|(range, from)| from..range.end)
            .collect()
    }

    /// The `.meta` text; see the type's documentation.
    pub fn encode(&self) -> String {
        let mut text = format!("{}\nsplit {}\n", self.validator, self.total());
        for (range, done) in &self.segments {
            text.push_str(&format!("{} {} {}\n", range.start, range.end, done.get()));
        }
        text
    }

    /// Reads a `.meta` text back; `None` if it is not a split state or is
    /// not consistent (segments that do not tile `0..TOTAL`, more done
    /// than a segment holds), in which case nothing in the part is kept.
    pub fn decode(text: &str) -> Option<SplitState> {
        let mut lines = text.lines();
        let validator = lines.next()?.trim();
        let total: u64 = lines.next()?.strip_prefix("split ")?.trim().parse().ok()?;
        let mut segments = Vec::new();
        let mut expected_start = 0;
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let numbers: Vec<u64> = line
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let [start, end, done] = numbers[..] else {
                return None;
            };
            if start != expected_start || end <= start || done > end - start {
                return None;
            }
            expected_start = end;
            segments.push((start..end, Cell::new(done)));
        }
        let tiles = expected_start == total && !segments.is_empty();
        (tiles && !validator.is_empty()).then(|| SplitState {
            validator: validator.to_owned(),
            segments,
        })
    }
}

/// `Content-Range: bytes FIRST-LAST/TOTAL` → the range `FIRST..LAST+1` and
/// the total, if it is known (`*`).
pub fn parse_content_range(value: &str) -> Option<(Range<u64>, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    if last < first {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse().ok()?),
    };
    Some((first..last.checked_add(1)?, total))
}

/// A size in bytes: a whole number with an optional `K`, `M` or `G`
/// (powers of 1024, either case), at least 1.
///
/// # Examples
///
/// ```
/// use spool_dl::split::parse_size;
///
/// assert_eq!(parse_size("1M"), Ok(1 << 20));
/// assert_eq!(parse_size("512k"), Ok(512 << 10));
/// assert!(parse_size("0").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("expected a size like 1M, 512K or 65536 (K = 1024), got {text:?}");
    let (number, shift) = match text.trim().char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_lowercase() {
                'k' => 10,
                'm' => 20,
                'g' => 30,
                _ => return Err(bad()),
            };
            (&text.trim()[..at], shift)
        }
        _ => (text.trim(), 0),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = number.parse().map_err(|_| bad())?;
    let size = n
        .checked_shl(shift)
        .filter(|s| s >> shift == n)
        .ok_or_else(bad)?;
    if size == 0 {
        return Err("must be at least 1 byte".to_owned());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_covers_the_body_exactly_in_order() {
        for total in [1, 2, 3, 10, 999, 1 << 20, (1 << 30) + 7] {
            for split in 1..=9 {
                for min in [1, 2, 100, 1 << 20] {
                    let ranges = plan(total, split, min);
                    assert!(!ranges.is_empty() && ranges.len() <= split);
                    assert_eq!(ranges[0].start, 0);
                    assert_eq!(ranges.last().unwrap().end, total);
                    assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
                    let lens: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
                    let (lo, hi) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
                    assert!(hi - lo <= 1, "{total} {split} {min}: {lens:?}");
                    if ranges.len() > 1 {
                        assert!(*lo >= min, "{total} {split} {min}: {lens:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn small_bodies_and_a_split_of_one_stay_whole() {
        let whole = |end| vec![Range { start: 0, end }];
        assert_eq!(plan(3 << 20, 1, 1 << 20), whole(3 << 20));
        assert_eq!(plan((2 << 20) - 1, 4, 1 << 20), whole((2 << 20) - 1));
        assert_eq!(plan(0, 4, 1), whole(0));
        assert_eq!(plan(100, 0, 1), whole(100));
    }

    #[test]
    fn the_minimum_size_limits_the_number_of_segments() {
        assert_eq!(plan(4 << 20, 8, 1 << 20).len(), 4);
        assert_eq!(plan(5 << 20, 4, 2 << 20).len(), 2);
        assert_eq!(plan(100 << 20, 4, 1 << 20).len(), 4);
    }

    #[test]
    fn a_state_survives_its_file_and_tracks_what_is_missing() {
        let state = SplitState::new("\"e\"".into(), plan(10, 3, 1));
        assert_eq!(state.missing(), [0..4, 4..7, 7..10]);
        state.advance(0, 4);
        state.advance(2, 1);
        let back = SplitState::decode(&state.encode()).unwrap();
        assert_eq!(back.validator(), "\"e\"");
        assert_eq!((back.total(), back.len()), (10, 3));
        assert_eq!(back.missing(), [4..7, 8..10]);
        assert_eq!(back.segment(2), (7..10, 8));
    }

    #[test]
    fn a_state_that_does_not_add_up_is_refused() {
        for text in [
            "",
            "\"e\"",
            "\"e\"\nsplit 10\n",
            "\"e\"\nsplit 10\n0 5 0\n",
            "\"e\"\nsplit 10\n0 5 0\n6 10 0\n",
            "\"e\"\nsplit 10\n0 5 6\n5 10 0\n",
            "\"e\"\nsplit 10\n5 0 0\n",
            "\"e\"\nsplit 10\n0 10\n",
            "\"e\"\nsplit 10\n0 10 x\n",
            "\nsplit 10\n0 10 0\n",
            "\"e\"\nsplat 10\n0 10 0\n",
        ] {
            assert!(SplitState::decode(text).is_none(), "{text:?}");
        }
        assert!(SplitState::decode("\"e\"\nsplit 10\n0 4 4\n4 10 6\n").is_some());
    }

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-9/10"), Some((0..10, Some(10))));
        assert_eq!(parse_content_range(" bytes 5-5/*"), Some((5..6, None)));
        for bad in [
            "bytes 9-0/10",
            "bytes */10",
            "0-9/10",
            "bytes 0-9",
            "bytes a-9/10",
            "bytes 0-18446744073709551615/1",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1"), Ok(1));
        assert_eq!(parse_size("20M"), Ok(20 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        for bad in ["", "K", "1.5M", "-1", "1X", "1 M", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_size("0K"), Err("must be at least 1 byte".to_owned()));
    }
}
