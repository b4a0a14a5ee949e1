//! File names from `Content-Disposition` (`--content-disposition`).
//!
//! A download URL often says nothing about the file (`/download?id=42`);
//! the server's `Content-Disposition: attachment; filename="report.pdf"`
//! does. Using it is opt-in, as in wget and `curl -J`, because the name is
//! then chosen by the server outright, not only through the URL we asked
//! for. It is read by [`filename`] and made safe by the same
//! [`sanitize`] as a URL name, so whatever the server sends, the file
//! lands directly in the output directory, and a name already taken gets
//! a number as usual.
//!
//! # What is parsed (RFC 6266, RFC 8187)
//!
//! - `filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`, the extended form, is
//!   preferred over `filename=` when both are present and it decodes: that
//!   is how a server sends a name that is not ASCII, with `filename=` as
//!   the fallback for old clients. Charsets `UTF-8` and `ISO-8859-1` are
//!   understood (any case); a name in another charset, or whose bytes are
//!   not valid in the one it claims, is skipped.
//! - `filename="…"` as a quoted string (`\"` and `\\` are escapes) or a
//!   bare token. It is not percent-decoded: RFC 6266 leaves `%` literal
//!   there. Raw UTF-8 bytes, which many servers send, are accepted; other
//!   bytes become U+FFFD.
//! - Parameter names ignore case; the disposition type (`attachment`,
//!   `inline`, anything) is not checked, as in wget and curl.
//! - When a parameter is repeated, the first one counts. Parsing stops at
//!   an unterminated quoted string, keeping the parameters before it.
//!
//! A name that sanitises to nothing (empty, `.`, `..`) is no name: the
//! caller falls back to the URL's.

use std::borrow::Cow;

use percent_encoding::percent_decode;

use crate::naming::sanitize;

/// The file name a `Content-Disposition` value asks for, made safe, or
/// `None` if it names none usable.
///
/// # Examples
///
/// ```
/// use spool_dl::content_disposition::safe_filename;
///
/// let value = br#"attachment; filename="plain.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#;
/// assert_eq!(safe_filename(value).as_deref(), Some("€ rates.txt"));
/// assert_eq!(safe_filename(b"attachment; filename=\"../../etc/passwd\"").as_deref(),
///            Some("_._.._etc_passwd"));
/// assert_eq!(safe_filename(b"attachment; filename=\"..\""), None);
/// ```
pub fn safe_filename(value: &[u8]) -> Option<String> {
    sanitize(&filename(value)?)
}

// ANCHOR: filename
/// The file name a `Content-Disposition` value asks for, as sent (not yet
/// safe to use): `filename*` if present and decodable, else `filename`.
pub fn filename(value: &[u8]) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for (name, param) in Params::new(value) {
        if name.eq_ignore_ascii_case(b"filename*") {
            if extended.is_none() {
                extended = Some(decode_ext_value(&param));
            }
        } else if name.eq_ignore_ascii_case(b"filename") && plain.is_none() {
            plain = Some(String::from_utf8_lossy(&param).into_owned());
        }
    }
    extended.flatten().or(plain)
}
// ANCHOR_END: filename

/// `charset'language'percent-encoded` (RFC 8187 §3.2) → text.
fn decode_ext_value(value: &[u8]) -> Option<String> {
    let mut parts = value.splitn(3, |&b| b == b'\'');
    let (charset, _language, encoded) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes: Vec<u8> = percent_decode(encoded).collect();
    if charset.eq_ignore_ascii_case(b"utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case(b"iso-8859-1") {
        // Latin-1 bytes are the first 256 code points.
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        None
    }
}

/// The `name=value` parameters after the disposition type, values
/// unquoted. Names are returned as sent; malformed pieces are skipped.
struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> Params<'a> {
    fn new(value: &'a [u8]) -> Params<'a> {
        // The disposition type is a token, so the first `;` ends it.
        let rest = match value.iter().position(|&b| b == b';') {
            Some(at) => &value[at + 1..],
            None => &[],
        };
        Params { rest }
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a [u8], Cow<'a, [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.rest.trim_ascii_start();
            if rest.is_empty() {
                return None;
            }
            let name_end = rest
                .iter()
                .position(|&b| b == b'=' || b == b';')
                .unwrap_or(rest.len());
            let name = rest[..name_end].trim_ascii();
            if rest.get(name_end) != Some(&b'=') {
                // `; flag;` or a trailing name with no value: skip it.
                self.rest = rest.get(name_end + 1..).unwrap_or_default();
                continue;
            }
            let after = rest[name_end + 1..].trim_ascii_start();
            let (value, rest) = if after.first() == Some(&b'"') {
                let Some((value, len)) = quoted_string(after) else {
                    self.rest = &[];
                    return None;
                };
                let rest = &after[len..];
                let rest = match rest.iter().position(|&b| b == b';') {
                    Some(at) => &rest[at + 1..],
                    None => &[],
                };
                (value, rest)
            } else {
                let end = after.iter().position(|&b| b == b';');
                let value = after[..end.unwrap_or(after.len())].trim_ascii();
                let rest = end.map_or(&[][..], |at| &after[at + 1..]);
                (Cow::Borrowed(value), rest)
            };
            self.rest = rest;
            return Some((name, value));
        }
    }
}

/// Unquotes the quoted string at the start of `input` (which begins with
/// `"`): its content and the bytes it took, or `None` if it never ends.
fn quoted_string(input: &[u8]) -> Option<(Cow<'_, [u8]>, usize)> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 1;
    while i < input.len() {
        match input[i] {
            b'"' => {
                let value = match out {
                    Some(unescaped) => Cow::Owned(unescaped),
                    None => Cow::Borrowed(&input[1..i]),
                };
                return Some((value, i + 1));
            }
            b'\\' if i + 1 < input.len() => {
                let unescaped = out.get_or_insert_with(|| input[1..i].to_vec());
                unescaped.push(input[i + 1]);
                i += 2;
            }
            byte => {
                if let Some(unescaped) = out.as_mut() {
                    unescaped.push(byte);
                }
                i += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::MAX_NAME;

    fn raw(value: &str) -> Option<String> {
        filename(value.as_bytes())
    }

    fn safe(value: &str) -> Option<String> {
        safe_filename(value.as_bytes())
    }

    #[test]
    fn quoted_and_token_forms() {
        assert_eq!(
            raw("attachment; filename=\"a b.txt\"").as_deref(),
            Some("a b.txt")
        );
        assert_eq!(
            raw("attachment; filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            raw("attachment;filename=x.bin;size=3").as_deref(),
            Some("x.bin")
        );
        assert_eq!(
            raw("inline; FILENAME = \"up.txt\" ").as_deref(),
            Some("up.txt")
        );
        assert_eq!(raw("attachment; filename=\"\"").as_deref(), Some(""));
    }

    #[test]
    fn quoted_strings_unescape_and_may_hold_semicolons() {
        assert_eq!(
            raw(r#"attachment; filename="say \"hi\"; ok.txt"; x=1"#).as_deref(),
            Some(r#"say "hi"; ok.txt"#)
        );
        assert_eq!(
            raw(r#"attachment; filename="a\\b""#).as_deref(),
            Some(r"a\b")
        );
    }

    #[test]
    fn the_extended_form_wins_when_it_decodes() {
        let both = "attachment; filename=\"EURO rates\"; filename*=utf-8''%e2%82%ac%20rates";
        assert_eq!(raw(both).as_deref(), Some("€ rates"));
        // Order does not matter.
        let reversed = "attachment; filename*=UTF-8''%e2%82%ac; filename=\"EUR\"";
        assert_eq!(raw(reversed).as_deref(), Some("€"));
        // Latin-1, with a language tag.
        assert_eq!(
            raw("attachment; filename*=iso-8859-1'en'%A3%20rates").as_deref(),
            Some("£ rates")
        );
    }

    #[test]
    fn an_undecodable_extended_form_falls_back_to_the_plain_one() {
        for ext in [
            "filename*=UTF-8''%FF%FE",
            "filename*=KOI8-R''%C1",
            "filename*=no-quotes",
            "filename*=UTF-8'only-one-quote",
        ] {
            let value = format!("attachment; {ext}; filename=\"fallback.txt\"");
            assert_eq!(raw(&value).as_deref(), Some("fallback.txt"), "{ext}");
        }
        assert_eq!(raw("attachment; filename*=UTF-8''%FF"), None);
    }

    #[test]
    fn the_plain_form_is_not_percent_decoded() {
        assert_eq!(
            raw("attachment; filename=\"100%25.txt\"").as_deref(),
            Some("100%25.txt")
        );
    }

    #[test]
    fn raw_utf8_in_the_plain_form_is_kept() {
        assert_eq!(
            filename("attachment; filename=\"résumé.pdf\"".as_bytes()).as_deref(),
            Some("résumé.pdf")
        );
        assert_eq!(
            filename(b"attachment; filename=\"\xFFx\"").as_deref(),
            Some("\u{FFFD}x")
        );
    }

    #[test]
    fn the_first_of_repeated_parameters_counts() {
        assert_eq!(
            raw("attachment; filename=first.txt; filename=second.txt").as_deref(),
            Some("first.txt")
        );
    }

    #[test]
    fn no_name_at_all() {
        for value in [
            "",
            "attachment",
            "attachment;",
            "inline; size=12",
            "attachment; filename",
            "attachment; filenamex=\"a\"",
            "filename=\"a.txt\"",
            "attachment; filename=\"never closed",
        ] {
            assert_eq!(raw(value), None, "{value:?}");
        }
        // Parameters before an unterminated string still count.
        assert_eq!(
            raw("attachment; filename=ok.txt; x=\"open").as_deref(),
            Some("ok.txt")
        );
    }

    #[test]
    fn hostile_names_come_out_as_one_safe_component() {
        let cases = [
            (
                "attachment; filename=\"../../etc/passwd\"",
                Some("_._.._etc_passwd"),
            ),
            ("attachment; filename=\"a/b\"", Some("a_b")),
            ("attachment; filename=\"/etc/passwd\"", Some("_etc_passwd")),
            (
                "attachment; filename=\"..\\\\..\\\\boot.ini\"",
                Some("_._.._boot.ini"),
            ),
            (
                "attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd",
                Some("_._.._etc_passwd"),
            ),
            ("attachment; filename*=UTF-8''a%00b.txt", Some("a_b.txt")),
            (
                "attachment; filename*=UTF-8''x%0D%0AHost%3A%20y",
                Some("x__Host: y"),
            ),
            ("attachment; filename=\".bashrc\"", Some("_bashrc")),
            (
                "attachment; filename*=UTF-8''evil%E2%80%AEtxt.exe",
                Some("evil_txt.exe"),
            ),
            ("attachment; filename=\"\"", None),
            ("attachment; filename=\"..\"", None),
            ("attachment; filename=.", None),
            ("attachment; filename*=UTF-8''%2E%2E", None),
        ];
        for (value, expected) in cases {
            assert_eq!(safe(value).as_deref(), expected, "{value:?}");
        }
    }

    #[test]
    fn a_very_long_name_is_cut() {
        let value = format!("attachment; filename=\"{}.tar.gz\"", "x".repeat(100_000));
        let name = safe(&value).unwrap();
        assert_eq!(name.len(), MAX_NAME);
        assert!(name.ends_with("x.gz"));
    }

    #[test]
    fn every_slice_of_a_tricky_value_parses_without_panicking() {
        let value = br#"attachment; filename="a\"b;c"; filename*=UTF-8'en'%C3%A9%; x="\"#;
        for end in 0..=value.len() {
            for start in 0..=end {
                let _ = filename(&value[start..end]);
            }
        }
    }
}
