//! Header-field rules that requests and responses share: what a name and
//! a value may hold, comma lists, decimal lengths, and whether a
//! connection persists.
//!
//! Both encoders check fields with [`check_field`] and both parsers read
//! lists with [`list_items`], so a rule such as "a value must not hold a
//! control byte" is written once for either direction.

use crate::headers::Headers;
use crate::proto::error::{Error, ErrorKind, Result};
use crate::proto::head::Version;

/// Whether `s` is an HTTP token (RFC 9110 §5.6.2), as methods and field
/// names must be.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| TOKEN_BYTES[usize::from(b)])
}

/// The bytes a token may hold. Every field name of every message is
/// checked, so the rule is a table lookup per byte rather than a search
/// through the list of punctuation.
const TOKEN_BYTES: [bool; 256] = letters_digits_and(b"!#$%&'*+-.^_`|~");

/// A byte table that holds the ASCII letters and digits and `others`.
pub(crate) const fn letters_digits_and(others: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
}

/// What a token is, for error messages.
pub(crate) const TOKEN_RULE: &str = "a non-empty HTTP token (letters, digits and !#$%&'*+-.^_`|~)";

// ANCHOR: check_field
/// Checks a field about to be written into a `message` ("request" or
/// "response"): the name must be a token, and the value must not hold a
/// byte that would end the field early and let the rest pose as fields of
/// its own (header injection, request smuggling).
pub(crate) fn check_field(name: &str, value: &[u8], message: &str) -> Result<()> {
    if !is_token(name) {
        return Err(Error::new(
            ErrorKind::InvalidMessage,
            format!("invalid header name {name:?}: a name must be {TOKEN_RULE}"),
        ));
    }
    // Field values may hold any visible byte, space and tab (RFC 9110
    // §5.5). Every other control byte is refused, not only CR and LF: NUL
    // truncates values in C servers, and a lone CR is read as a line end by
    // some of them.
    if let Some(&byte) = value
        .iter()
        .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        let what = match byte {
            b'\r' => "CR",
            b'\n' => "LF",
            0 => "NUL",
            _ => "a control byte",
        };
        return Err(Error::new(
            ErrorKind::InvalidMessage,
            format!(
                "value of header {name} contains {what} (0x{byte:02x}), which would let it inject headers into the {message}"
            ),
        ));
    }
    Ok(())
}
// ANCHOR_END: check_field

/// Whether `name` is one of the fields that frame a body, which the
/// encoders write themselves and never take from their caller.
pub(crate) fn is_framing_field(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding")
}

/// Appends `name: value` and CRLF.
pub(crate) fn write_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

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

/// Whether a `Connection` field of `headers` says `close`.
pub(crate) fn says_close(headers: &Headers) -> bool {
    list_items(headers, "connection").any(|option| option.eq_ignore_ascii_case(b"close"))
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

/// Appends a `Content-Length: LEN` line, for the encoders, which own the
/// framing fields.
pub(crate) fn write_content_length(out: &mut Vec<u8>, len: u64) {
    out.extend_from_slice(b"Content-Length: ");
    write_decimal(len, out);
    out.extend_from_slice(b"\r\n");
}

/// Appends `n` in decimal, without the allocation of `to_string`.
fn write_decimal(n: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_as_to_string_writes_them() {
        for n in [0, 7, 10, 99, 100, 1_234_567_890, u64::MAX - 1, u64::MAX] {
            let mut out = b"len=".to_vec();
            write_decimal(n, &mut out);
            assert_eq!(out, format!("len={n}").as_bytes());
        }
    }
}
