//! `https://user:password@host/file`: credentials in a URL.
//!
//! Two duties, both about keeping a secret where it belongs.
//!
//! **Sending.** [`take_credentials`] removes the user name and password
//! from the URL and turns them into `Authorization: Basic …` (RFC 7617),
//! sent with the first request only. The URL handed to the HTTP client no
//! longer holds them, so no error message of the client can repeat them.
//! If a redirect leads to another origin (scheme, host or port), the
//! client drops `Authorization` before following it, so the password goes
//! only to the origin it was written for (as curl does since
//! CVE-2022-27776). A `-H 'Authorization: …'` given by the user is sent
//! instead of the URL's credentials, not beside them.
//!
//! **Showing.** The URL is echoed in progress lines, error messages and
//! the JSON report, and those end up in terminals, CI logs and files.
//! [`mask`] replaces the whole user-info part with `***`: the user name
//! too, since it is often a token itself (`https://TOKEN@host/`).
//!
//! The user name and password are percent-decoded before encoding, so
//! `p%40ss` sends the password `p@ss`, as curl and browsers do.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use url::Url;

/// What [`mask`] puts in place of `user:password`.
pub const MASK: &str = "***";

/// A user name and password for Basic authentication.
///
/// Its `Debug` does not show the password, so the value can sit in
/// structs that are debug-printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    user: Vec<u8>,
    password: Vec<u8>,
}

impl Credentials {
    /// The value of the `Authorization` field: `Basic base64(user:password)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut url = url::Url::parse("http://Aladdin:open%20sesame@example.test/")?;
    /// let credentials = spool_dl::credentials::take_credentials(&mut url)?.unwrap();
    /// assert_eq!(credentials.authorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    /// assert_eq!(url.as_str(), "http://example.test/");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorization(&self) -> String {
        let mut pair = self.user.clone();
        pair.push(b':');
        pair.extend_from_slice(&self.password);
        format!("Basic {}", STANDARD.encode(pair))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &String::from_utf8_lossy(&self.user))
            .field("password", &MASK)
            .finish()
    }
}

/// Removes `user:password@` from `url` and returns it as [`Credentials`];
/// `None` if the URL has none.
///
/// # Errors
///
/// A user name that holds `:` once decoded (`%3A`): Basic authentication
/// cannot tell where such a name would end.
pub fn take_credentials(url: &mut Url) -> Result<Option<Credentials>, CredentialsError> {
    if url.username().is_empty() && url.password().is_none() {
        return Ok(None);
    }
    let user: Vec<u8> = percent_decode_str(url.username()).collect();
    let password: Vec<u8> = percent_decode_str(url.password().unwrap_or_default()).collect();
    if user.contains(&b':') {
        return Err(CredentialsError::ColonInUser);
    }
    // Cannot fail: a URL that has credentials has a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(Some(Credentials { user, password }))
}

/// Why the credentials in a URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    /// The decoded user name holds `:`.
    ColonInUser,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::ColonInUser => f.write_str(
                "the user name in the URL contains ':' (%3A), which Basic authentication cannot carry",
            ),
        }
    }
}

impl std::error::Error for CredentialsError {}

// ANCHOR: mask
/// The URL as it may be shown: `user:password@` replaced by `***@`.
///
/// A URL without credentials comes back unchanged (borrowed). One with
/// credentials comes back as the URL parser reads it, since that is what
/// would be sent: the parser accepts odd spellings (`http:u:p@host`,
/// backslashes, leading spaces) that a search of the text could miss. A
/// string that does not parse is masked by its text: everything between
/// `scheme:` and the last `@` before the path.
///
/// # Examples
///
/// ```
/// use spool_dl::credentials::mask;
///
/// assert_eq!(mask("https://me:s3cret@host.test/f?x=@"), "https://***@host.test/f?x=@");
/// assert_eq!(mask("https://host.test/a@b"), "https://host.test/a@b");
/// ```
pub fn mask(raw: &str) -> Cow<'_, str> {
    match Url::parse(raw) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_password(None);
            let _ = url.set_username(MASK);
            Cow::Owned(url.into())
        }
        Ok(_) => Cow::Borrowed(raw),
        Err(_) => mask_text(raw),
    }
}
// ANCHOR_END: mask

/// [`mask`] for a string the URL parser refuses.
fn mask_text(raw: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = raw.split_once(':') else {
        return Cow::Borrowed(raw);
    };
    if !is_scheme(scheme.trim_start()) {
        return Cow::Borrowed(raw);
    }
    let slashes = rest.len() - rest.trim_start_matches(['/', '\\']).len();
    let authority_start = scheme.len() + 1 + slashes;
    let authority_len = raw[authority_start..]
        .find(['/', '\\', '?', '#'])
        .unwrap_or(raw.len() - authority_start);
    let authority = &raw[authority_start..authority_start + authority_len];
    match authority.rfind('@') {
        Some(at) => Cow::Owned(format!(
            "{}{MASK}{}",
            &raw[..authority_start],
            &raw[authority_start + at..]
        )),
        None => Cow::Borrowed(raw),
    }
}

fn is_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(text: &str) -> (Option<Credentials>, String) {
        let mut url = Url::parse(text).unwrap();
        let credentials = take_credentials(&mut url).unwrap();
        (credentials, url.to_string())
    }

    #[test]
    fn user_and_password_become_basic_auth_and_leave_the_url() {
        let (credentials, url) = take("https://alice:pa55@files.test:8443/a?b#c");
        assert_eq!(url, "https://files.test:8443/a?b#c");
        // base64("alice:pa55")
        assert_eq!(
            credentials.unwrap().authorization(),
            "Basic YWxpY2U6cGE1NQ=="
        );
    }

    #[test]
    fn a_user_alone_sends_an_empty_password() {
        let (credentials, url) = take("http://token@h.test/");
        assert_eq!(url, "http://h.test/");
        // base64("token:")
        assert_eq!(credentials.unwrap().authorization(), "Basic dG9rZW46");
        let (credentials, _) = take("http://:pw@h.test/");
        // base64(":pw")
        assert_eq!(credentials.unwrap().authorization(), "Basic OnB3");
    }

    #[test]
    fn escapes_are_decoded_before_encoding() {
        let (credentials, _) = take("http://us%C3%A9r:p%40ss%3Aword@h.test/");
        let expected = STANDARD.encode("usér:p@ss:word");
        assert_eq!(
            credentials.unwrap().authorization(),
            format!("Basic {expected}")
        );
    }

    #[test]
    fn no_credentials_no_change() {
        let (credentials, url) = take("http://h.test/a@b");
        assert_eq!((credentials, url.as_str()), (None, "http://h.test/a@b"));
    }

    #[test]
    fn a_colon_in_the_user_name_is_refused() {
        let mut url = Url::parse("http://a%3Ab:c@h.test/").unwrap();
        assert_eq!(
            take_credentials(&mut url),
            Err(CredentialsError::ColonInUser)
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let (credentials, _) = take("http://alice:hunter2@h.test/");
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("alice") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn mask_hides_the_whole_user_info() {
        let cases = [
            ("http://u:p@h.test/x", "http://***@h.test/x"),
            ("http://u@h.test", "http://***@h.test/"),
            ("https://:p@h.test:81/", "https://***@h.test:81/"),
            ("http://a@b:c@d@h.test/", "http://***@h.test/"),
            ("http://u:p@h.test?q=a@b", "http://***@h.test/?q=a@b"),
            ("http://u:p@h.test#@", "http://***@h.test/#@"),
            ("http://u:p@h.test\\x@y", "http://***@h.test/x@y"),
            ("http:u:p@h.test/", "http://***@h.test/"),
            ("HTTPS:u:p@h.test/", "https://***@h.test/"),
            // Unparseable, masked by its text.
            ("http://u: p@[bad/", "http://***@[bad/"),
            ("http:///u:p@[bad", "http:///***@[bad"),
            ("x-y://u:p@h.test:99999/", "x-y://***@h.test:99999/"),
        ];
        for (raw, shown) in cases {
            assert_eq!(mask(raw), shown, "{raw}");
        }
    }

    #[test]
    fn mask_leaves_everything_else_alone() {
        for raw in [
            "http://h.test/a@b",
            "http://h.test/?mail=a@b",
            "not a url",
            "",
            "mailto@x",
            "/relative@x",
            "http://h.test",
        ] {
            assert!(matches!(mask(raw), Cow::Borrowed(s) if s == raw), "{raw}");
        }
    }

    #[test]
    fn every_parsed_url_with_credentials_is_masked() {
        // Whatever form the parser accepted, the secret never survives.
        for raw in [
            "http://user:SECRET@h.test/",
            "http:user:SECRET@h.test/",
            "http:/user:SECRET@h.test/",
            "http:\\\\user:SECRET@h.test/",
            "HTTP://user:SECRET@h.test/",
            "http://user:SECRET@@h.test/",
            " http://user:SECRET@h.test/",
        ] {
            let url = Url::parse(raw).unwrap();
            assert!(
                url.password().is_some_and(|p| p.starts_with("SECRET")),
                "{raw}"
            );
            assert!(!mask(raw).contains("SECRET"), "{raw} -> {}", mask(raw));
        }
    }
}
