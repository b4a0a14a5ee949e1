//! Names given by the user: `-O NAME` for a single URL, `out=NAME` under a
//! URL in the list file.
//!
//! Such a name goes through the same [`sanitize`] as a name taken from a
//! URL, and then through the same allocator, so it never overwrites a file
//! already there (it becomes `NAME.1` instead; wget's `-O` and curl's `-o`
//! overwrite). One thing is stricter than for URL names: a path separator
//! is an error rather than an `_`. A URL's path is the server's to choose,
//! but `-O sub/file` or `out=../file` is the user asking for a place
//! outside the output directory, and a quiet `sub_file` would hide that
//! the request was not met. `\` counts as a separator on every system, so a
//! list written on Windows means the same everywhere.

use std::fmt;

use crate::naming::sanitize;

/// Checks a name given with `-O` or `out=` and returns the name to
/// allocate: the same name, made safe by [`sanitize`].
///
/// # Examples
///
/// ```
/// use spool_dl::output_name::{NameError, output_name};
///
/// assert_eq!(output_name("report.pdf").as_deref(), Ok("report.pdf"));
/// assert_eq!(output_name(".env").as_deref(), Ok("_env"));
/// assert_eq!(output_name("../x"), Err(NameError::Separator("../x".into())));
/// ```
pub fn output_name(name: &str) -> Result<String, NameError> {
    if name.contains(['/', '\\']) {
        return Err(NameError::Separator(name.to_owned()));
    }
    sanitize(name).ok_or_else(|| NameError::NotAName(name.to_owned()))
}

/// Why a `-O` or `out=` name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name holds `/` or `\`.
    Separator(String),
    /// The name is empty, `.` or `..`.
    NotAName(String),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Separator(name) => write!(
                f,
                "{name:?} is a path, not a file name: files go into the output directory, so leave out '/' and '\\'"
            ),
            NameError::NotAName(name) => write!(f, "{name:?} is not a file name"),
        }
    }
}

impl std::error::Error for NameError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::MAX_NAME;

    #[test]
    fn plain_names_pass_unchanged() {
        for name in ["a.txt", "résumé v2.pdf", "日本語", "a..b", "x.part.zip"] {
            assert_eq!(output_name(name).as_deref(), Ok(name));
        }
    }

    #[test]
    fn separators_are_errors_not_subdirectories() {
        for name in [
            "a/b",
            "/etc/passwd",
            "../x",
            "..\\x",
            "dir\\file",
            "a/",
            "/",
        ] {
            assert_eq!(
                output_name(name),
                Err(NameError::Separator(name.into())),
                "{name:?}"
            );
        }
        let message = output_name("sub/f").unwrap_err().to_string();
        assert!(message.contains("not a file name") && message.contains("output directory"));
    }

    #[test]
    fn empty_dot_and_dot_dot_are_not_names() {
        for name in ["", ".", ".."] {
            assert_eq!(output_name(name), Err(NameError::NotAName(name.into())));
        }
    }

    #[test]
    fn the_url_name_rules_apply_to_the_rest() {
        assert_eq!(output_name(".bashrc").as_deref(), Ok("_bashrc"));
        assert_eq!(output_name("...").as_deref(), Ok("_.."));
        assert_eq!(output_name("a\0b").as_deref(), Ok("a_b"));
        assert_eq!(output_name("a\nb").as_deref(), Ok("a_b"));
        assert_eq!(
            output_name("evil\u{202E}txt.exe").as_deref(),
            Ok("evil_txt.exe")
        );
        let long = output_name(&format!("{}.iso", "n".repeat(1000))).unwrap();
        assert_eq!(long.len(), MAX_NAME);
        assert!(long.ends_with(".iso"));
    }
}
