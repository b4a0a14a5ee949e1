//! The `Date` field of every response, formatted once a second.
//!
//! A server must send `Date` with every response (RFC 9110 §6.6.1), and
//! its resolution is one second, so all the responses of one second carry
//! the same text. Formatting it is a calendar conversion and a `format!`,
//! which for a small response costs more than writing the rest of the head;
//! so the exchanges of a thread share the text of the current second and
//! format it again only when the second changes. hyper keeps the same
//! kind of cache. It is memory, not I/O: the clock is still read by the
//! driver, which passes `now` in.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    /// The second last formatted (seconds since the Unix epoch), and its
    /// text. `u64::MAX` is no second a `SystemTime` can be formatted for.
    static LAST: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Appends the value of a `Date` field for `now` to `out`.
pub(crate) fn write_http_date(now: SystemTime, out: &mut Vec<u8>) {
    let Ok(since_epoch) = now.duration_since(UNIX_EPOCH) else {
        out.extend_from_slice(httpdate::fmt_http_date(now).as_bytes());
        return;
    };
    let second = since_epoch.as_secs();
    LAST.with_borrow_mut(|(last, text)| {
        if *last != second {
            *text = httpdate::fmt_http_date(now);
            *last = second;
        }
        out.extend_from_slice(text.as_bytes());
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis)
    }

    #[test]
    fn the_text_follows_the_clock_second_by_second() {
        // In order, since the text is cached from one call to the next.
        let steps: [(u64, u64, &[u8]); 5] = [
            (1_700_000_000, 0, b"Tue, 14 Nov 2023 22:13:20 GMT"),
            (1_700_000_000, 999, b"Tue, 14 Nov 2023 22:13:20 GMT"),
            (1_700_000_001, 0, b"Tue, 14 Nov 2023 22:13:21 GMT"),
            // A clock set back is followed too.
            (1_600_000_000, 500, b"Sun, 13 Sep 2020 12:26:40 GMT"),
            (1_700_000_001, 0, b"Tue, 14 Nov 2023 22:13:21 GMT"),
        ];
        for (seconds, millis, text) in steps {
            let mut out = Vec::new();
            write_http_date(at(seconds, millis), &mut out);
            assert_eq!(out, text, "at {seconds}.{millis:03}");
        }
    }
}
