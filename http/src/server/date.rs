//! The `Date` field of every response, formatted once a second.
//!
//! A server must send `Date` with every response (RFC 9110 §6.6.1), and
//! its resolution is one second, so all the responses of one second carry
//! the same text. Formatting it is a calendar conversion and a `format!`,
//! which for a small response costs more than writing the rest of the head;
//! so the connections of a thread share the text of the current second and
//! format it again only when the second changes. hyper keeps the same
//! kind of cache.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    /// The second last formatted (seconds since the Unix epoch), and its
    /// text. `u64::MAX` is no second a `SystemTime` can be formatted for.
    static LAST: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// The value of a `Date` field for `now`.
pub(crate) fn http_date(now: SystemTime) -> Vec<u8> {
    let Ok(since_epoch) = now.duration_since(UNIX_EPOCH) else {
        return httpdate::fmt_http_date(now).into_bytes();
    };
    let second = since_epoch.as_secs();
    LAST.with_borrow_mut(|(last, text)| {
        if *last != second {
            *text = httpdate::fmt_http_date(now);
            *last = second;
        }
        text.as_bytes().to_vec()
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
            assert_eq!(
                http_date(at(seconds, millis)),
                text,
                "at {seconds}.{millis:03}"
            );
        }
    }
}
