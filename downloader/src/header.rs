//! Extra request header fields: `-H 'Name: value'` on the command line,
//! `header=Name: value` under a URL in the list file, and the user agent
//! (`-A`; by default
//! [`DownloaderBuilder::DEFAULT_USER_AGENT`](crate::DownloaderBuilder::DEFAULT_USER_AGENT)).
//!
//! A header typed by a user goes straight into every request of the batch,
//! so it is checked once, when the flags are read, rather than failing each
//! download in turn: a mistake is a usage error (exit 2) naming the field.
//! The rules are the HTTP client's own (RFC 9110 §5): the name must be a
//! token, and the value may hold any visible byte, space and tab, but no
//! CR, LF, NUL or other control byte, which could smuggle extra header
//! lines into the request. Spaces around the value are dropped, as a
//! server would drop them.
//!
//! Some fields are refused because the downloader or its client must set
//! them to do their job: `Range` and `If-Range` (resuming), the framing
//! fields `Content-Length` and `Transfer-Encoding`, and the fields that
//! manage the connection (`Connection`, `Keep-Alive`, `TE`, `Upgrade`,
//! `Trailer`), since connections are pooled and shared by the whole batch.
//! A `Host` is allowed, for testing a virtual host by address, as in curl.
//!
//! curl reads `-H 'Name:'` (nothing after the colon) as "remove this
//! field"; here it sends the field with an empty value, because the client
//! adds no field a download could do without.
//!
//! Credentials set this way (`Authorization`, `Cookie`) are dropped by the
//! client when a redirect leads to another origin; any other field follows
//! redirects, since nothing can tell which custom field holds a secret.

use std::fmt;
use std::str::FromStr;

/// Fields the user may not set, with the reason given in the error.
const RESERVED: [(&str, &str); 9] = [
    ("range", "spool-dl sets it to resume a download"),
    ("if-range", "spool-dl sets it to resume a download"),
    (
        "content-length",
        "it frames a request body, and a download sends none",
    ),
    (
        "transfer-encoding",
        "it frames a request body, and a download sends none",
    ),
    (
        "connection",
        "connections are managed (and reused) by spool-dl",
    ),
    (
        "keep-alive",
        "connections are managed (and reused) by spool-dl",
    ),
    ("te", "connections are managed (and reused) by spool-dl"),
    (
        "upgrade",
        "connections are managed (and reused) by spool-dl",
    ),
    (
        "trailer",
        "it describes a request body, and a download sends none",
    ),
];

/// One header field to send with every request it applies to.
///
/// # Examples
///
/// ```
/// use spool_dl::header::Header;
///
/// let header: Header = "Accept-Language:  en, fr ".parse()?;
/// assert_eq!((header.name(), header.value()), ("Accept-Language", "en, fr"));
/// assert!("X-Evil: a\r\nHost: b".parse::<Header>().is_err());
/// # Ok::<(), spool_dl::header::HeaderError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    name: String,
    value: String,
}

impl Header {
    /// Checks a field given as a name and a value (`-A` gives only the value).
    pub fn new(name: &str, value: &str) -> Result<Header, HeaderError> {
        if !is_token(name) {
            return Err(HeaderError::BadName(name.to_owned()));
        }
        let lower = name.to_ascii_lowercase();
        if let Some((_, reason)) = RESERVED.iter().find(|(reserved, _)| *reserved == lower) {
            return Err(HeaderError::Reserved {
                name: name.to_owned(),
                reason,
            });
        }
        let value = value.trim_matches([' ', '\t']);
        if let Some(byte) = value
            .bytes()
            .find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            return Err(HeaderError::ControlByte {
                name: name.to_owned(),
                byte,
            });
        }
        Ok(Header {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }

    /// The `User-Agent` field for `-A VALUE`.
    pub fn user_agent(value: &str) -> Result<Header, HeaderError> {
        Header::new("User-Agent", value)
    }

    /// The field name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, without surrounding spaces.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether this field is called `name`, ignoring case as HTTP does.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

impl FromStr for Header {
    type Err = HeaderError;

    /// Parses `Name: value`.
    fn from_str(text: &str) -> Result<Header, HeaderError> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| HeaderError::NoColon(text.to_owned()))?;
        Header::new(name, value)
    }
}

impl fmt::Display for Header {
    /// `Name: value`, the form it was given in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.value)
    }
}

/// Why a header argument was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// No `:` between name and value.
    NoColon(String),
    /// The name is empty or not an HTTP token (a space, say).
    BadName(String),
    /// The value holds a control byte (CR, LF, NUL, …).
    ControlByte {
        /// The field's name.
        name: String,
        /// The first offending byte.
        byte: u8,
    },
    /// The field is one spool-dl must set itself.
    Reserved {
        /// The field's name, as given.
        name: String,
        /// Why it cannot be set by hand.
        reason: &'static str,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::NoColon(text) => {
                write!(f, "expected 'Name: value', found no ':' in {text:?}")
            }
            HeaderError::BadName(name) => write!(
                f,
                "invalid header name {name:?}: a name is letters, digits and !#$%&'*+-.^_`|~, with no spaces"
            ),
            HeaderError::ControlByte { name, byte } => {
                let what = match byte {
                    b'\r' => "CR",
                    b'\n' => "LF",
                    0 => "NUL",
                    _ => "a control byte",
                };
                write!(
                    f,
                    "the value of {name} contains {what} (0x{byte:02x}), which could inject header lines"
                )
            }
            HeaderError::Reserved { name, reason } => {
                write!(f, "{name} cannot be set by hand: {reason}")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Header, HeaderError> {
        text.parse()
    }

    #[test]
    fn name_and_value_are_split_at_the_first_colon_and_trimmed() {
        let h = parse("X-Time:  12:30:00 \t").unwrap();
        assert_eq!((h.name(), h.value()), ("X-Time", "12:30:00"));
        assert_eq!(h.to_string(), "X-Time: 12:30:00");
        let h = parse("Accept:text/csv").unwrap();
        assert_eq!((h.name(), h.value()), ("Accept", "text/csv"));
    }

    #[test]
    fn an_empty_value_is_sent_empty() {
        let h = parse("X-Empty:").unwrap();
        assert_eq!((h.name(), h.value()), ("X-Empty", ""));
        assert_eq!(parse("X-Empty:   ").unwrap().value(), "");
    }

    #[test]
    fn utf8_and_tabs_inside_a_value_are_kept() {
        let h = parse("X-Name: Zoë\tand Ørjan").unwrap();
        assert_eq!(h.value(), "Zoë\tand Ørjan");
    }

    #[test]
    fn a_missing_colon_is_refused() {
        assert_eq!(
            parse("Authorization Bearer x"),
            Err(HeaderError::NoColon("Authorization Bearer x".into()))
        );
        assert!(
            parse("X")
                .unwrap_err()
                .to_string()
                .contains("expected 'Name: value'")
        );
    }

    #[test]
    fn names_must_be_tokens() {
        for bad in [
            ": v",
            " X: v",
            "X Y: v",
            "X\u{e9}: v",
            "X\0: v",
            "(x): v",
            "X\r\n: v",
        ] {
            assert!(
                matches!(parse(bad), Err(HeaderError::BadName(_))),
                "{bad:?}"
            );
        }
        assert!(parse("X-a.b_c~!#$%&'*+^`|: v").is_ok());
    }

    #[test]
    fn control_bytes_in_values_are_refused() {
        for (bad, byte) in [
            ("X: a\r\nHost: evil", b'\r'),
            ("X: a\nb", b'\n'),
            ("X: a\0b", 0),
            ("X: a\x1bb", 0x1b),
            ("X: a\x7f", 0x7f),
        ] {
            assert_eq!(
                parse(bad),
                Err(HeaderError::ControlByte {
                    name: "X".into(),
                    byte
                }),
                "{bad:?}"
            );
        }
        let message = parse("X: a\r\nb").unwrap_err().to_string();
        assert!(message.contains("contains CR (0x0d)"), "{message}");
    }

    #[test]
    fn fields_spool_dl_sets_itself_are_refused_in_any_case() {
        for name in [
            "Range",
            "if-range",
            "CONTENT-LENGTH",
            "Transfer-Encoding",
            "Connection",
            "Keep-Alive",
            "TE",
            "Upgrade",
            "Trailer",
        ] {
            let err = parse(&format!("{name}: x")).unwrap_err();
            assert!(
                matches!(&err, HeaderError::Reserved { name: n, .. } if n == name),
                "{name}: {err:?}"
            );
        }
        assert_eq!(
            parse("Range: bytes=0-").unwrap_err().to_string(),
            "Range cannot be set by hand: spool-dl sets it to resume a download"
        );
    }

    #[test]
    fn host_and_credentials_are_allowed() {
        for ok in [
            "Host: example.test",
            "Authorization: Bearer t",
            "Cookie: a=b",
        ] {
            parse(ok).unwrap();
        }
    }

    #[test]
    fn user_agent() {
        assert_eq!(
            crate::DownloaderBuilder::DEFAULT_USER_AGENT,
            format!("spool-dl/{}", env!("CARGO_PKG_VERSION"))
        );
        let ua = Header::user_agent(" my-bot/1.0 ").unwrap();
        assert!(ua.is("user-agent"));
        assert_eq!(ua.value(), "my-bot/1.0");
        assert!(Header::user_agent("bot\r\nX: y").is_err());
    }
}
