//! Exercise solution ("The downloader", exercise 1): a file name from a
//! server that cannot climb out of the output directory.
//!
//! A `Content-Disposition` name is chosen by the server, so it is untrusted
//! input that becomes a path. The test that matters is not a list of bad
//! strings but a property: whatever comes in, what goes out is exactly one
//! ordinary path component, so `dir.join(name)` stays inside `dir`.

// ANCHOR: safe_name
/// `wanted` made safe to join onto the output directory, or `None` if
/// nothing usable is left (the caller then falls back to the URL's name).
pub fn safe_name(wanted: &str) -> Option<String> {
    let name: String = wanted
        .chars()
        .map(|c| match c {
            '/' | '\\' | '\0' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let name = name.trim();
    // With every separator gone, only a whole name of dots can still mean
    // "this directory" or "the parent".
    if name.is_empty() || name.chars().all(|c| c == '.') {
        return None;
    }
    Some(name.to_string())
}
// ANCHOR_END: safe_name

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Component, Path};

    /// True if `name` joined onto a directory names a file directly in it.
    fn stays_inside(name: &str) -> bool {
        let mut components = Path::new(name).components();
        matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none()
    }

    #[test]
    fn hostile_names_stay_inside() {
        let hostile = [
            "../../etc/passwd",
            "..",
            ".",
            "/etc/passwd",
            "..\\..\\boot.ini",
            "a/../../b",
            "report\0.pdf",
            "  ../  ",
            "line\nbreak",
        ];
        for wanted in hostile {
            if let Some(name) = safe_name(wanted) {
                assert!(stays_inside(&name), "{wanted:?} became {name:?}");
                assert!(!name.contains(['/', '\\', '\0', '\n']), "{name:?}");
            }
        }
    }

    #[test]
    fn nothing_usable_is_none() {
        for wanted in ["", "  ", ".", "..", "...."] {
            assert_eq!(safe_name(wanted), None, "{wanted:?}");
        }
    }

    #[test]
    fn ordinary_names_pass_unchanged() {
        for wanted in ["report.pdf", ".bashrc", "notes..txt", "été.txt"] {
            assert_eq!(safe_name(wanted).as_deref(), Some(wanted));
        }
        assert_eq!(safe_name("../x").as_deref(), Some(".._x"));
    }
}
