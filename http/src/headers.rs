//! An ordered, case-insensitive list of header fields.
//!
//! HTTP header names are case-insensitive (`Content-Length` and
//! `content-length` are the same field), a field may repeat (`Set-Cookie`
//! usually does), and the order of repeats matters. A `HashMap` gets two of
//! those three wrong, so [`Headers`] is a plain `Vec` of pairs searched
//! linearly. Responses carry a few dozen fields at most, where a linear scan
//! over a contiguous vector beats hashing; it is also what a reader expects
//! to see when they print a response.
//!
//! Names are kept in the spelling they arrived or were set in, so a request
//! goes out exactly as written. A received name in one of the usual
//! spellings of a common field (`Host`, `content-length`, …) is borrowed
//! from a table instead of copied, so most heads cost one allocation per
//! field (its value) rather than two; hyper's standard `HeaderName`s do
//! the same. Values are kept as raw bytes:
//! RFC 9110 allows non-ASCII octets in field values, servers do send Latin-1
//! in the wild, and a client must not panic or lose data on them.
//! [`Headers::get`] hands out `&str` for the common case and simply returns
//! `None` for a value that is not UTF-8; [`Headers::get_bytes`],
//! [`Headers::get_all`] and [`Headers::iter`] give the raw bytes.
//!
//! `Headers` does not validate what goes in. Response headers were already
//! checked by the parser, and request headers are checked when the request
//! is encoded, where a bad byte can be reported together with the request it
//! would have broken.

use std::borrow::Cow;
use std::fmt;

/// Header fields in order, looked up case-insensitively.
///
/// # Examples
///
/// ```
/// use spool_http::Headers;
///
/// let mut headers = Headers::new();
/// headers.append("Set-Cookie", "a=1");
/// headers.append("set-cookie", "b=2");
/// headers.insert("Content-Type", "text/plain");
///
/// assert_eq!(headers.get("content-type"), Some("text/plain"));
/// assert_eq!(headers.get("SET-COOKIE"), Some("a=1"));
/// let cookies: Vec<&[u8]> = headers.get_all("Set-Cookie").collect();
/// assert_eq!(cookies, [&b"a=1"[..], &b"b=2"[..]]);
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    entries: Vec<(Cow<'static, str>, Vec<u8>)>,
}

impl Headers {
    /// Creates an empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// The first value of `name`, if there is one and it is valid UTF-8.
    ///
    /// A value with non-UTF-8 bytes yields `None` here rather than an error
    /// or a lossy copy; use [`get_bytes`](Headers::get_bytes) to see it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_bytes(name)
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// The first value of `name` as raw bytes.
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        self.get_all(name).next()
    }

    /// Every value of `name`, in the order they appear, as raw bytes.
    pub fn get_all(&self, name: &str) -> impl Iterator<Item = &[u8]> {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// Whether `name` appears at least once.
    pub fn contains(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Sets `name` to this one value, replacing every earlier value.
    ///
    /// The field keeps the position of its first occurrence, so replacing a
    /// header does not reorder the request.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Some(first) => {
                let mut index = 0;
                self.entries.retain(|(n, _)| {
                    let keep = index <= first || !n.eq_ignore_ascii_case(&name);
                    index += 1;
                    keep
                });
                self.entries[first] = (Cow::Owned(name), value);
            }
            None => self.entries.push((Cow::Owned(name), value)),
        }
    }

    /// Adds a value for `name` after any existing ones.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) {
        self.entries.push((Cow::Owned(name.into()), value.into()));
    }

    /// [`append`](Headers::append) for a field as it was received: the
    /// name is borrowed from [`common_spelling`] when it is one, not
    /// copied.
    pub(crate) fn append_received(&mut self, name: &str, value: &[u8]) {
        let name = match common_spelling(name) {
            Some(spelling) => Cow::Borrowed(spelling),
            None => Cow::Owned(name.to_owned()),
        };
        self.entries.push((name, value.to_vec()));
    }

    /// Removes every value of `name`; returns whether there was any.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.entries.len() != before
    }

    /// All fields in order, names as they were spelled.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .map(|(name, value)| (&**name, value.as_slice()))
    }

    /// The number of fields, counting each repeat.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no fields at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// `name` as a `&'static str`, if it is spelled as common clients and
/// servers send it: title case or lower case, for the fields most heads
/// carry. Anything else is copied, as before; this only saves allocations.
fn common_spelling(name: &str) -> Option<&'static str> {
    Some(match name {
        "Host" => "Host",
        "host" => "host",
        "User-Agent" => "User-Agent",
        "user-agent" => "user-agent",
        "Accept" => "Accept",
        "accept" => "accept",
        "Accept-Encoding" => "Accept-Encoding",
        "accept-encoding" => "accept-encoding",
        "Accept-Language" => "Accept-Language",
        "accept-language" => "accept-language",
        "Accept-Ranges" => "Accept-Ranges",
        "accept-ranges" => "accept-ranges",
        "Authorization" => "Authorization",
        "authorization" => "authorization",
        "Cache-Control" => "Cache-Control",
        "cache-control" => "cache-control",
        "Connection" => "Connection",
        "connection" => "connection",
        "Content-Disposition" => "Content-Disposition",
        "content-disposition" => "content-disposition",
        "Content-Encoding" => "Content-Encoding",
        "content-encoding" => "content-encoding",
        "Content-Length" => "Content-Length",
        "content-length" => "content-length",
        "Content-Range" => "Content-Range",
        "content-range" => "content-range",
        "Content-Type" => "Content-Type",
        "content-type" => "content-type",
        "Cookie" => "Cookie",
        "cookie" => "cookie",
        "Date" => "Date",
        "date" => "date",
        "ETag" => "ETag",
        "etag" => "etag",
        "Expires" => "Expires",
        "expires" => "expires",
        "Keep-Alive" => "Keep-Alive",
        "keep-alive" => "keep-alive",
        "Last-Modified" => "Last-Modified",
        "last-modified" => "last-modified",
        "Location" => "Location",
        "location" => "location",
        "Range" => "Range",
        "range" => "range",
        "Referer" => "Referer",
        "referer" => "referer",
        "Retry-After" => "Retry-After",
        "retry-after" => "retry-after",
        "Server" => "Server",
        "server" => "server",
        "Set-Cookie" => "Set-Cookie",
        "set-cookie" => "set-cookie",
        "Transfer-Encoding" => "Transfer-Encoding",
        "transfer-encoding" => "transfer-encoding",
        "Vary" => "Vary",
        "vary" => "vary",
        _ => return None,
    })
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(name, value)| (name, String::from_utf8_lossy(value))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(headers: &Headers, name: &str) -> Vec<Vec<u8>> {
        headers.get_all(name).map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn lookups_ignore_case_and_return_the_first_value() {
        let mut h = Headers::new();
        h.append("Accept", "text/html");
        h.append("ACCEPT", "text/plain");
        assert_eq!(h.get("accept"), Some("text/html"));
        assert!(h.contains("aCcEpT"));
        assert!(!h.contains("Accept-Encoding"));
        assert_eq!(
            values(&h, "Accept"),
            [b"text/html".to_vec(), b"text/plain".to_vec()]
        );
    }

    #[test]
    fn insert_replaces_all_repeats_in_place_of_the_first() {
        let mut h = Headers::new();
        h.append("A", "1");
        h.append("X-Tag", "old-1");
        h.append("B", "2");
        h.append("x-tag", "old-2");
        h.insert("X-TAG", "new");
        let fields: Vec<(&str, &[u8])> = h.iter().collect();
        assert_eq!(
            fields,
            [("A", &b"1"[..]), ("X-TAG", &b"new"[..]), ("B", &b"2"[..])]
        );
    }

    #[test]
    fn insert_of_a_new_name_appends() {
        let mut h = Headers::new();
        h.insert("A", "1");
        h.insert("B", "2");
        assert_eq!(h.len(), 2);
        assert_eq!(h.get("b"), Some("2"));
    }

    #[test]
    fn remove_drops_every_repeat() {
        let mut h = Headers::new();
        h.append("Set-Cookie", "a");
        h.append("Keep", "k");
        h.append("set-cookie", "b");
        assert!(h.remove("SET-COOKIE"));
        assert!(!h.remove("Set-Cookie"));
        assert_eq!(h.len(), 1);
        assert_eq!(h.get("keep"), Some("k"));
    }

    #[test]
    fn non_utf8_values_are_kept_raw_and_get_returns_none() {
        let mut h = Headers::new();
        h.append("X-Latin1", &b"caf\xe9"[..]);
        assert_eq!(h.get("x-latin1"), None);
        assert_eq!(h.get_bytes("x-latin1"), Some(&b"caf\xe9"[..]));
        assert_eq!(format!("{h:?}"), "[(\"X-Latin1\", \"caf\u{fffd}\")]");
    }

    #[test]
    fn empty_list() {
        let h = Headers::new();
        assert!(h.is_empty());
        assert_eq!(h.get("anything"), None);
        assert_eq!(h.get_all("anything").count(), 0);
    }
}
