//! HTTP dates (`Sun, 06 Nov 1994 08:49:37 GMT`), for `Date` and
//! `Last-Modified`.
//!
//! The conversion from seconds since 1970 to a calendar date is the
//! well-known "days to civil" arithmetic on 400-year eras, written out here
//! instead of pulling in a date crate for one format. The `Date` header of
//! every response changes once a second, so the formatted string is cached
//! per thread and rebuilt only when the second changes.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// Formats `time` as an IMF-fixdate (RFC 9110 §5.6.7), truncated to the
/// second. Times before 1970 are clamped to 1970.
pub(crate) fn http_date(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    format_secs(secs)
}

/// The current time as an HTTP date, cached for the second.
pub(crate) fn now() -> String {
    thread_local! {
        static CACHE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    CACHE.with_borrow_mut(|(cached_secs, text)| {
        if *cached_secs != secs {
            *cached_secs = secs;
            *text = format_secs(secs);
        }
        text.clone()
    })
}

fn format_secs(secs: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let time_of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        time_of_day / 3600,
        time_of_day / 60 % 60,
        time_of_day % 60,
    )
}

/// Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01.
///
/// Shifts the epoch to 0000-03-01 so that the leap day is the last day of
/// the "year", splits into 400-year eras (146 097 days each, the Gregorian
/// cycle), and reads year, month and day off the day within the era.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> String {
        http_date(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn known_dates() {
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(951_868_799), "Tue, 29 Feb 2000 23:59:59 GMT");
        assert_eq!(at(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 GMT");
        assert_eq!(at(4_102_444_800), "Fri, 01 Jan 2100 00:00:00 GMT");
        // 2100 is not a leap year: February ends on the 28th.
        assert_eq!(at(4_107_456_000), "Sun, 28 Feb 2100 00:00:00 GMT");
        assert_eq!(at(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT");
    }

    #[test]
    fn sub_second_parts_and_times_before_1970_are_dropped() {
        assert_eq!(
            http_date(UNIX_EPOCH + Duration::from_millis(1_999)),
            "Thu, 01 Jan 1970 00:00:01 GMT"
        );
        assert_eq!(
            http_date(UNIX_EPOCH - Duration::from_secs(5)),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn now_is_a_well_formed_date() {
        let now = now();
        assert_eq!(now.len(), 29, "{now}");
        assert!(now.ends_with(" GMT"));
    }
}
