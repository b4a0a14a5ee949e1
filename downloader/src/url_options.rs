//! The settings one URL may carry of its own: a file name, a checksum and
//! extra header fields.
//!
//! In the list file they are aria2c's option lines, indented under their
//! URL (see [`input`](crate::input)):
//!
//! ```text
//! https://mirror.test/big.iso
//!   out=debian.iso
//!   checksum=sha-256=5f0d…
//!   header=Authorization: Bearer abc
//! ```
//!
//! On the command line, `-O NAME` and `--checksum` give the same settings
//! to the one URL of a single download. Each value is checked when it is
//! read, by the same rules as its flag, so a typo in a checksum fails that
//! URL with a reason instead of downloading an unchecked file. For the
//! same reason an option name this crate does not know is an error, not
//! ignored: `checksun=` must not pass silently.

use std::fmt;

use crate::checksum::{Checksum, ChecksumError};
use crate::header::{Header, HeaderError};
use crate::output_name::{NameError, output_name};

/// The options of one URL; the default is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlOptions {
    /// `out=NAME`: the file name to use instead of the URL's, already
    /// sanitised; still allocated, so an existing file is not overwritten.
    pub out: Option<String>,
    /// `checksum=ALGORITHM=HEX`: the digest the body must have.
    pub checksum: Option<Checksum>,
    /// `header=Name: value`, repeatable: sent with this URL's requests,
    /// after the batch's own `-H` fields.
    pub headers: Vec<Header>,
}

impl UrlOptions {
    /// Applies one `name=value` option line.
    ///
    /// # Examples
    ///
    /// ```
    /// use spool_dl::url_options::UrlOptions;
    ///
    /// let mut options = UrlOptions::default();
    /// options.set("out", "debian.iso")?;
    /// options.set("header", "X-Mirror: eu")?;
    /// assert_eq!(options.out.as_deref(), Some("debian.iso"));
    /// assert!(options.set("dir", "/tmp").is_err());
    /// # Ok::<(), spool_dl::url_options::OptionError>(())
    /// ```
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), OptionError> {
        match name {
            "out" => {
                if self.out.is_some() {
                    return Err(OptionError::Twice("out"));
                }
                self.out = Some(output_name(value).map_err(OptionError::Out)?);
            }
            "checksum" => {
                if self.checksum.is_some() {
                    return Err(OptionError::Twice("checksum"));
                }
                self.checksum = Some(value.parse().map_err(OptionError::Checksum)?);
            }
            "header" => self
                .headers
                .push(value.parse().map_err(OptionError::Header)?),
            other => return Err(OptionError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

/// Why an option line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionError {
    /// An option this crate does not know.
    Unknown(String),
    /// `out` or `checksum` given twice for one URL.
    Twice(&'static str),
    /// A bad `out=` name.
    Out(NameError),
    /// A bad `checksum=` value.
    Checksum(ChecksumError),
    /// A bad `header=` field.
    Header(HeaderError),
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionError::Unknown(name) => write!(
                f,
                "unknown option {name:?}: the options under a URL are out=, checksum= and header="
            ),
            OptionError::Twice(name) => write!(f, "{name}= is given twice for one URL"),
            OptionError::Out(e) => write!(f, "out=: {e}"),
            OptionError::Checksum(e) => write!(f, "checksum=: {e}"),
            OptionError::Header(e) => write!(f, "header=: {e}"),
        }
    }
}

impl std::error::Error for OptionError {}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1: &str = "sha-1=a9993e364706816aba3e25717850c26c9cd0d89d";

    #[test]
    fn each_option_lands_in_its_field() {
        let mut options = UrlOptions::default();
        options.set("out", ".hidden").unwrap();
        options.set("checksum", SHA1).unwrap();
        options.set("header", "A: 1").unwrap();
        options.set("header", "B: 2").unwrap();
        assert_eq!(options.out.as_deref(), Some("_hidden"));
        assert_eq!(options.checksum, Some(SHA1.parse().unwrap()));
        let names: Vec<&str> = options.headers.iter().map(Header::name).collect();
        assert_eq!(names, ["A", "B"]);
    }

    #[test]
    fn bad_values_say_which_option() {
        let mut options = UrlOptions::default();
        let err = options.set("out", "../x").unwrap_err();
        assert!(matches!(err, OptionError::Out(NameError::Separator(_))));
        assert!(
            err.to_string().starts_with("out=: \"../x\" is a path"),
            "{err}"
        );
        let err = options.set("checksum", "sha-256=abc").unwrap_err();
        assert!(
            err.to_string().starts_with("checksum=: a sha-256 digest"),
            "{err}"
        );
        let err = options.set("header", "Range: bytes=0-").unwrap_err();
        assert!(
            err.to_string().starts_with("header=: Range cannot be set"),
            "{err}"
        );
        assert_eq!(options, UrlOptions::default());
    }

    #[test]
    fn out_and_checksum_may_be_given_once() {
        let mut options = UrlOptions::default();
        options.set("out", "a").unwrap();
        assert_eq!(options.set("out", "b"), Err(OptionError::Twice("out")));
        options.set("checksum", SHA1).unwrap();
        assert_eq!(
            options.set("checksum", SHA1),
            Err(OptionError::Twice("checksum"))
        );
        assert_eq!(options.out.as_deref(), Some("a"));
    }

    #[test]
    fn unknown_options_are_errors() {
        for name in ["checksun", "dir", "OUT", "split", ""] {
            assert_eq!(
                UrlOptions::default().set(name, "x"),
                Err(OptionError::Unknown(name.into()))
            );
        }
    }
}
