//! Header-field rules that requests and responses share: comma lists,
//! decimal lengths, and whether a connection persists.

use crate::headers::Headers;
use crate::proto::Version;

/// The comma-separated elements of every `name` field, trimmed of
/// whitespace, empty elements included (`Connection: close, ,x` has three).
pub(crate) fn list_items<'a>(
    headers: &'a Headers,
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .flat_map(|value| value.split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
}

/// Why a message's `Content-Length` cannot be trusted.
pub(crate) enum BadLength<'a> {
    /// An element that is not ASCII digits only (no sign, no spaces).
    NotANumber(&'a [u8]),
    /// An element too large for a `u64`.
    TooLarge(&'a [u8]),
    /// Two elements that disagree (identical repeats are allowed).
    Conflicting(u64, u64),
}

/// The body length a message announces, from every `Content-Length`
/// field and comma-list element it carries (RFC 9112 §6.3): `None` when
/// there is none, an error when one is malformed or two disagree.
pub(crate) fn content_length(headers: &Headers) -> Result<Option<u64>, BadLength<'_>> {
    let mut length = None;
    for item in list_items(headers, "content-length") {
        if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
            return Err(BadLength::NotANumber(item));
        }
        let value = item
            .iter()
            .try_fold(0u64, |n, &digit| {
                n.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
            })
            .ok_or(BadLength::TooLarge(item))?;
        match length {
            Some(previous) if previous != value => {
                return Err(BadLength::Conflicting(previous, value));
            }
            _ => length = Some(value),
        }
    }
    Ok(length)
}

// ANCHOR: persists
/// The persistence rule of RFC 9112 §9.3, the same for either side's
/// message: HTTP/1.1 connections persist unless the message says
/// `Connection: close`; HTTP/1.0 connections only if it says
/// `Connection: keep-alive`. A message carrying both `Transfer-Encoding`
/// and `Content-Length` ends its connection, because intermediaries may
/// have framed it differently (request smuggling, RFC 9112 §6.3).
pub(crate) fn persists(version: Version, headers: &Headers) -> bool {
    if headers.contains("transfer-encoding") && headers.contains("content-length") {
        return false;
    }
    let mut close = false;
    let mut keep_alive = false;
    for option in list_items(headers, "connection") {
        close |= option.eq_ignore_ascii_case(b"close");
        keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
    }
    match version {
        _ if close => false,
        Version::Http11 => true,
        Version::Http10 => keep_alive,
    }
}
// ANCHOR_END: persists
