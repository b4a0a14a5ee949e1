//! URL → file name: `sanitize`, `name_from_url_path`, and the path of a
//! URL parsed by the `url` crate, on arbitrary text.
//!
//! Input: any bytes, read as UTF-8 (lossily).
//!
//! Asserts: `sanitize` refuses exactly the empty string, `.` and `..`, and
//! otherwise returns a safe name (`spool_fuzz::assert_safe_name`, at most `MAX_NAME` bytes) no longer
//! than its input that sanitizes to itself; every name from a URL path is
//! safe; and `OutputDir::join`, the last line of defence, accepts them all.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_dl::naming::{MAX_NAME, OutputDir, name_from_url_path, sanitize};
use spool_fuzz::assert_safe_name;
use std::sync::OnceLock;

fn check(name: &str) {
    static DIR: OnceLock<OutputDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| OutputDir::create(std::env::temp_dir()).unwrap());
    assert_safe_name(name);
    assert!(name.len() <= MAX_NAME, "{} bytes: {name:?}", name.len());
    assert_eq!(dir.join(name).parent(), Some(dir.path()));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match sanitize(&text) {
        None => assert!(text.is_empty() || text == "." || text == "..", "{text:?}"),
        Some(safe) => {
            check(&safe);
            assert!(safe.len() <= text.len());
            assert_eq!(sanitize(&safe).as_deref(), Some(safe.as_str()));
        }
    }
    check(&name_from_url_path(&text));
    for base in ["http://example.com/", "http://example.com/dir/", ""] {
        if let Ok(url) = url::Url::parse(&format!("{base}{text}")) {
            check(&name_from_url_path(url.path()));
        }
    }
});
