//! What every file name the downloader hands out must be, and names that
//! collide often, shared by two checkers: the property tests
//! (`properties.rs`, as `mod naming_checks`) and the fuzz targets
//! (`fuzz/src/lib.rs` includes this file by path, since the fuzz crate
//! lives outside the workspace).

use spool_dl::naming::Disk;
use std::collections::HashSet;
use std::io;
use std::path::{Component, Path};

/// Names from a small pool, so that wanted names, numbered names, `.part`
/// names and names on disk collide often.
pub const POOL: [&str; 16] = [
    "a",
    "a.txt",
    "a.1.txt",
    "a.2.txt",
    "a.txt.part",
    "a.1.txt.part",
    "a.part",
    "a.part.part",
    "b",
    "b.1",
    "b.part",
    "b.1.part",
    "index.html",
    "index.1.html",
    "x.tar.gz",
    "x.tar.1.gz",
];

/// A disk holding exactly these names.
pub struct Holding(pub HashSet<String>);

impl Disk for Holding {
    fn exists(&self, name: &str) -> io::Result<bool> {
        Ok(self.0.contains(name))
    }
}

/// Panics unless `name` keeps the promises of `spool_dl::naming` that hold
/// for every name it hands out: one ordinary path component, never empty,
/// `.` or `..`, no leading dot, no separator, NUL, control or
/// text-reordering character, and inside the output directory once joined
/// to it. (Length is the caller's check: `sanitize` keeps to `MAX_NAME`,
/// and the allocator may add `.N` to that.)
pub fn assert_safe_name(name: &str) {
    assert!(!name.is_empty(), "empty name");
    assert!(name != "." && name != "..", "{name:?}");
    assert!(!name.starts_with('.'), "dot name {name:?}");
    for c in name.chars() {
        let reorders = matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        );
        assert!(
            !matches!(c, '/' | '\\' | '\0') && !c.is_control() && !reorders,
            "{c:?} in {name:?}"
        );
    }
    let mut components = Path::new(name).components();
    assert!(
        matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        ),
        "not one component: {name:?}"
    );
    let dir = Path::new("/downloads");
    assert_eq!(dir.join(name).parent(), Some(dir), "{name:?} escapes");
}
