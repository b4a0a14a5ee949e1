//! Turning URLs into file names that are safe and never collide.
//!
//! The tutorial names each file after the last part of its URL path. That is
//! the right idea and a dangerous implementation: the name comes from a
//! server or a list we did not write. `%2F` decodes to a slash, `..` climbs
//! out of the output directory, a NUL byte truncates the name in C APIs, and
//! two URLs ending in `/download` would overwrite each other. This module
//! applies the idea with those holes closed.
//!
//! # From URL to name
//!
//! [`name_from_url_path`] takes the last `/`-separated segment of the path
//! (a query or fragment is ignored: `report.pdf?session=1` names
//! `report.pdf`), percent-decodes it, and passes it through [`sanitize`]. A
//! path that ends in `/`, is empty, or whose last segment is `.` or `..`
//! names a directory listing, and becomes `index.html` as in wget.
//!
//! # What [`sanitize`] guarantees
//!
//! The result is a single, ordinary path component:
//!
//! - `/`, `\`, NUL, control characters, and the Unicode controls that
//!   reorder text (used to make `evil\u{202E}txt.exe` display as
//!   `evilexe.txt`) are each replaced by `_`.
//! - A leading `.` becomes `_`. Downloads are meant to be seen: a server
//!   should not be able to plant `.bashrc` or `.git` in the user's directory,
//!   and the rule also rules out `.` and `..` themselves.
//! - The name is at most [`MAX_NAME`] bytes, cut on a character boundary,
//!   keeping a short extension so `very-long….pdf` still opens as a PDF.
//!   Most file systems allow 255 bytes; the 55 left over are for the
//!   allocator's `.N` and the `.part` suffix.
//! - On Windows, the characters `<>:"|?*` are replaced too, trailing dots and
//!   spaces (which Windows silently drops) become `_`, and the reserved
//!   device names (`CON`, `NUL`, `COM1`, … with any extension) get a `_`
//!   prefix. On Unix those are legal names and are kept, as wget does.
//!
//! # Never two downloads on one path, never over an existing file
//!
//! [`NameAllocator`] hands out names for one batch. The policy:
//!
//! - A name is taken if an earlier URL of the batch was given it, or if it
//!   already exists in the output directory. Then `name.1.ext`, `name.2.ext`,
//!   … are tried: numbered like wget, but with the counter before the
//!   extension (wget appends it: `name.ext.1`), so the copy still opens
//!   with the right program.
//!   A file that was there before the run is never overwritten.
//! - Every download is written to `NAME.part` and renamed when complete, so
//!   a name is only free if `NAME.part` is free as well. An existing
//!   `NAME.part` therefore also counts as taken: it may be a half-finished
//!   download the user wants to resume later.
//! - With `--continue`, that last rule flips: if `NAME.part` exists and
//!   `NAME` does not, the allocator gives out `NAME` marked
//!   [`Start::Resume`], so the driver appends to the partial file with a
//!   range request.
//! - With `--continue`, a `NAME` with no `NAME.part` beside it is given
//!   out too, marked [`Start::CheckFinished`]: it may be the finished file
//!   of an earlier run of the same list. The driver asks the server whether
//!   it is whole and writes nothing to it either way; if it is not, it asks
//!   again with [`NameAllocator::allocate_new`], which never hands out a
//!   name on disk. So a file that was there before the run is still never
//!   overwritten.
//!
//! Memory per URL is one `String` (the allocated name) in a `HashSet`, plus
//! one counter per base name that collided; a counter per name, rather than
//! counting up from 1 each time, keeps 100,000 URLs that all end in
//! `/download` linear instead of quadratic.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;

/// The longest name [`sanitize`] returns, in bytes.
pub const MAX_NAME: usize = 200;

/// An extension longer than this (dot included) is not kept when a name is
/// shortened; it is more likely the tail of a long name than a file type.
const MAX_EXTENSION: usize = 16;

/// The name for a URL whose path names a directory rather than a file.
pub const INDEX_NAME: &str = "index.html";

/// The suffix of a download in progress.
pub const PART_SUFFIX: &str = ".part";

// ANCHOR: name_from_url_path
/// The file name for a URL, from its path (`Url::path()`, or a request
/// target with its query).
///
/// # Examples
///
/// ```
/// use spool_dl::naming::name_from_url_path;
///
/// assert_eq!(name_from_url_path("/files/report%20v2.pdf"), "report v2.pdf");
/// assert_eq!(name_from_url_path("/files/"), "index.html");
/// assert_eq!(name_from_url_path("/a/..%2F..%2Fetc%2Fpasswd"), "_._.._etc_passwd");
/// assert_eq!(name_from_url_path("/get?file=x.zip"), "get");
/// ```
pub fn name_from_url_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segment = path.rsplit('/').next().unwrap_or_default();
    let decoded = percent_decode_str(segment).decode_utf8_lossy();
    if decoded == "." || decoded == ".." {
        return INDEX_NAME.to_owned();
    }
    sanitize(&decoded).unwrap_or_else(|| INDEX_NAME.to_owned())
}
// ANCHOR_END: name_from_url_path

/// Makes a proposed file name (from a URL or a `Content-Disposition`
/// header) safe to create in the output directory, or `None` if nothing
/// usable is left (it was empty, `.` or `..`) and the caller should fall
/// back to another name.
///
/// See the [module documentation](self) for the rules.
///
/// # Examples
///
/// ```
/// use spool_dl::naming::sanitize;
///
/// assert_eq!(sanitize("report.pdf").as_deref(), Some("report.pdf"));
/// assert_eq!(sanitize("../../etc/passwd").as_deref(), Some("_._.._etc_passwd"));
/// assert_eq!(sanitize(".bashrc").as_deref(), Some("_bashrc"));
/// assert_eq!(sanitize(".."), None);
/// ```
pub fn sanitize(name: &str) -> Option<String> {
    sanitize_for(name, cfg!(windows))
}

/// [`sanitize`] with the platform as a parameter, so the Windows rules are
/// tested everywhere.
fn sanitize_for(name: &str, windows: bool) -> Option<String> {
    if name.is_empty() || name == "." || name == ".." {
        return None;
    }
    let mut safe: String = name
        .chars()
        .map(|c| if is_unsafe(c, windows) { '_' } else { c })
        .collect();
    if safe.starts_with('.') {
        safe.replace_range(..1, "_");
    }
    if windows {
        if safe.ends_with(['.', ' ']) {
            safe.pop();
            safe.push('_');
        }
        if is_windows_device(&safe) {
            safe.insert(0, '_');
        }
    }
    let safe = shorten(&safe, MAX_NAME);
    debug_assert!(is_single_component(&safe), "{safe:?}");
    Some(safe)
}

/// Characters that must not appear in a file name we create.
fn is_unsafe(c: char, windows: bool) -> bool {
    let separator_or_control = matches!(c, '/' | '\\') || c.is_control();
    // Explicit direction marks, embeddings, overrides and isolates.
    let reorders_text =
        matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let windows_reserved = windows && matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*');
    separator_or_control || reorders_text || windows_reserved
}

/// Whether Windows would treat the name as a device, whatever its extension.
fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && matches!(upper.as_bytes()[3], b'1'..=b'9'))
}

/// Splits `name` before its extension: `("archive.tar", ".gz")`. A leading
/// dot or a final dot does not start an extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 && dot + 1 < name.len() => name.split_at(dot),
        _ => (name, ""),
    }
}

/// Cuts `name` to at most `max` bytes on a character boundary, keeping a
/// short extension.
fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = split_extension(name);
    let ext = if ext.len() <= MAX_EXTENSION { ext } else { "" };
    let stem = if ext.is_empty() { name } else { stem };
    let mut cut = max - ext.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &stem[..cut])
}

/// Whether `name`, joined to a directory, names an entry directly inside it.
fn is_single_component(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) && !name.contains(['/', '\\', '\0'])
}

/// The name under which a download is written while in progress.
///
/// # Examples
///
/// ```
/// assert_eq!(spool_dl::naming::part_name("a.zip"), "a.zip.part");
/// ```
pub fn part_name(name: &str) -> String {
    format!("{name}{PART_SUFFIX}")
}

/// What the allocator found on disk under a candidate name.
pub trait Disk {
    /// Whether something (file, directory, link, anything) is at `name` in
    /// the output directory.
    ///
    /// When the answer is unknown, return the error rather than a guess:
    /// "free" could cost a file, and "taken" would make the allocator try
    /// `.1`, `.2`, … forever when the directory itself is unreadable.
    fn exists(&self, name: &str) -> io::Result<bool>;
}

/// A name handed out by [`NameAllocator::allocate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The final file name, a single path component.
    pub name: String,
    /// What is on disk under the name, and so how the download starts.
    pub start: Start,
}

/// How a download starts, from what its allocated name holds on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Neither `NAME` nor `NAME.part` exists: a fresh download.
    New,
    /// `NAME.part` exists and `NAME` does not (`--continue`): append to it.
    Resume,
    /// `NAME` exists and `NAME.part` does not (`--continue`): it may be the
    /// finished file of an earlier run. Ask the server whether it is whole
    /// before fetching anything, and never write to it.
    CheckFinished,
}

impl Allocation {
    /// The name to write to while the download is in progress.
    pub fn part_name(&self) -> String {
        part_name(&self.name)
    }
}

/// Hands out distinct, non-clobbering file names for one batch.
///
/// # Examples
///
/// ```
/// use spool_dl::naming::{Disk, NameAllocator};
///
/// struct Empty;
/// impl Disk for Empty {
///     fn exists(&self, _: &str) -> std::io::Result<bool> { Ok(false) }
/// }
///
/// let mut names = NameAllocator::new(false);
/// assert_eq!(names.allocate("data.csv", &Empty)?.name, "data.csv");
/// assert_eq!(names.allocate("data.csv", &Empty)?.name, "data.1.csv");
/// assert_eq!(names.allocate("data.csv", &Empty)?.name, "data.2.csv");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct NameAllocator {
    /// `--continue`: an existing `NAME.part` is resumed instead of avoided.
    resume: bool,
    /// Final names given out so far. A name's `.part` companion is implied.
    given: HashSet<String>,
    /// For base names that collided: the next counter to try.
    next_counter: HashMap<String, u64>,
}

impl NameAllocator {
    /// An allocator for a fresh batch; `resume` is `--continue`.
    pub fn new(resume: bool) -> NameAllocator {
        NameAllocator {
            resume,
            ..NameAllocator::default()
        }
    }

    /// Gives out `wanted` (an already [sanitized](sanitize) name), or the
    /// first usable `stem.N.ext` after it: free, or with `--continue` a
    /// `.part` to resume or a finished file to check.
    ///
    /// Fails only if `disk` cannot tell whether a name is free.
    pub fn allocate(&mut self, wanted: &str, disk: &impl Disk) -> io::Result<Allocation> {
        self.allocate_as(wanted, disk, self.resume)
    }

    /// Gives out the first name for `wanted` that is free on disk, neither
    /// `NAME` nor `NAME.part` there, whatever `--continue` says: for a
    /// download whose [`Start::CheckFinished`] file turned out not to be
    /// the finished one.
    pub fn allocate_new(&mut self, wanted: &str, disk: &impl Disk) -> io::Result<Allocation> {
        self.allocate_as(wanted, disk, false)
    }

    // ANCHOR: allocate
    fn allocate_as(
        &mut self,
        wanted: &str,
        disk: &impl Disk,
        resume: bool,
    ) -> io::Result<Allocation> {
        if !self.clashes_in_batch(wanted) {
            if let Some(start) = usable_on_disk(wanted, disk, resume)? {
                return Ok(self.give(wanted.to_owned(), start));
            }
        }
        // The name is taken. Count up from where the last search for this
        // base name stopped; every counter below it is known to be taken.
        let (stem, ext) = split_extension(wanted);
        let mut counter = self.next_counter.get(wanted).copied().unwrap_or(1);
        loop {
            let candidate = format!("{stem}.{counter}{ext}");
            counter += 1;
            if !self.clashes_in_batch(&candidate) {
                if let Some(start) = usable_on_disk(&candidate, disk, resume)? {
                    self.next_counter.insert(wanted.to_owned(), counter);
                    return Ok(self.give(candidate, start));
                }
            }
        }
    }
    // ANCHOR_END: allocate

    /// Whether `candidate`, or the `.part` file it would use, collides with
    /// a name given earlier or that name's `.part` file.
    fn clashes_in_batch(&self, candidate: &str) -> bool {
        self.given.contains(candidate)
            || self.given.contains(&part_name(candidate))
            || candidate
                .strip_suffix(PART_SUFFIX)
                .is_some_and(|base| self.given.contains(base))
    }

    fn give(&mut self, name: String, start: Start) -> Allocation {
        self.given.insert(name.clone());
        Allocation { name, start }
    }
}

/// How a download could start under `candidate`, or `None` if the disk
/// rules it out; `resume` is `--continue`.
fn usable_on_disk(candidate: &str, disk: &impl Disk, resume: bool) -> io::Result<Option<Start>> {
    let exists = disk.exists(candidate)?;
    let part_exists = disk.exists(&part_name(candidate))?;
    Ok(match (exists, part_exists, resume) {
        (false, false, _) => Some(Start::New),
        (false, true, true) => Some(Start::Resume),
        (true, false, true) => Some(Start::CheckFinished),
        _ => None,
    })
}

/// The output directory: where names are checked and paths are built.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates the directory, with its parents, if missing (`-o`).
    pub fn create(path: impl Into<PathBuf>) -> io::Result<OutputDir> {
        let path = path.into();
        fs::create_dir_all(&path)?;
        Ok(OutputDir { path })
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` inside the directory.
    ///
    /// # Panics
    ///
    /// If `name` is not a single ordinary path component. Names from
    /// [`sanitize`] and [`NameAllocator`] always are; the check is the last
    /// line of defence against a bug that would write outside the directory,
    /// and costs nothing next to a download.
    pub fn join(&self, name: &str) -> PathBuf {
        assert!(
            is_single_component(name),
            "bug: {name:?} is not a single file name"
        );
        self.path.join(name)
    }
}

impl Disk for OutputDir {
    /// `symlink_metadata`, not `exists`: a dangling symlink is something too,
    /// and writing through it could create a file anywhere.
    fn exists(&self, name: &str) -> io::Result<bool> {
        match fs::symlink_metadata(self.join(name)) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk that holds exactly the listed names.
    struct Holding(&'static [&'static str]);

    impl Disk for Holding {
        fn exists(&self, name: &str) -> io::Result<bool> {
            Ok(self.0.contains(&name))
        }
    }

    /// A disk that cannot be read at all.
    struct Unreadable;

    impl Disk for Unreadable {
        fn exists(&self, _: &str) -> io::Result<bool> {
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        }
    }

    fn alloc(names: &mut NameAllocator, wanted: &str, disk: &impl Disk) -> Allocation {
        names.allocate(wanted, disk).expect("disk probe failed")
    }

    const EMPTY: Holding = Holding(&[]);

    fn assert_safe(name: &str) {
        assert!(is_single_component(name), "{name:?}");
        assert!(!name.is_empty() && name != "." && name != "..");
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(name.len() <= MAX_NAME, "{} bytes", name.len());
        assert!(!name.chars().any(char::is_control), "{name:?}");
    }

    #[test]
    fn ordinary_names() {
        assert_eq!(name_from_url_path("/a/b/file.tar.gz"), "file.tar.gz");
        assert_eq!(name_from_url_path("file.txt"), "file.txt");
        assert_eq!(name_from_url_path("/r%C3%A9sum%C3%A9.pdf"), "résumé.pdf");
        assert_eq!(name_from_url_path("/日本語.txt"), "日本語.txt");
        assert_eq!(name_from_url_path("/a%20b"), "a b");
    }

    #[test]
    fn directories_become_index_html() {
        for path in [
            "", "/", "/dir/", "/a/.", "/a/..", "/%2e", "/%2E%2e", "?q=1", "/#frag",
        ] {
            assert_eq!(name_from_url_path(path), "index.html", "{path:?}");
        }
    }

    #[test]
    fn query_and_fragment_are_ignored() {
        assert_eq!(name_from_url_path("/dl/file.zip?token=a/b.exe"), "file.zip");
        assert_eq!(name_from_url_path("/dl/file.zip#../../x"), "file.zip");
        assert_eq!(name_from_url_path("/dl/?name=evil"), "index.html");
    }

    #[test]
    fn hostile_paths_stay_inside_the_directory() {
        let cases = [
            ("/..", "index.html"),
            ("/%2e%2e", "index.html"),
            ("/a%2Fb", "a_b"),
            ("/..%2F..%2Fetc%2Fpasswd", "_._.._etc_passwd"),
            ("/%2F", "_"),
            ("/%2Fetc%2Fpasswd", "_etc_passwd"),
            ("/..\\..\\windows\\system.ini", "_._.._windows_system.ini"),
            ("/a%5Cb", "a_b"),
            ("/evil%00.txt", "evil_.txt"),
            ("/a%0Ab%0D%09c%7F", "a_b__c_"),
            ("/%C2%85next-line", "_next-line"),
            ("/.hidden", "_hidden"),
            ("/%2Ebashrc", "_bashrc"),
            ("/...", "_.."),
            ("/.%2F", "__"),
            ("/evil%E2%80%AEtxt.exe", "evil_txt.exe"),
            ("/%FF%FE.bin", "\u{FFFD}\u{FFFD}.bin"),
        ];
        for (path, expected) in cases {
            let name = name_from_url_path(path);
            assert_eq!(name, expected, "{path:?}");
            assert_safe(&name);
        }
    }

    #[test]
    fn sanitize_rejects_what_cannot_be_a_name() {
        assert_eq!(sanitize(""), None);
        assert_eq!(sanitize("."), None);
        assert_eq!(sanitize(".."), None);
        assert_eq!(sanitize("/").as_deref(), Some("_"));
        assert_eq!(sanitize("\0").as_deref(), Some("_"));
    }

    #[test]
    fn sanitize_handles_content_disposition_style_names() {
        assert_eq!(
            sanitize("C:\\Users\\x\\a.txt").as_deref(),
            Some("C:_Users_x_a.txt")
        );
        assert_eq!(sanitize("/etc/passwd").as_deref(), Some("_etc_passwd"));
        assert_eq!(
            sanitize("quarterly report.xlsx").as_deref(),
            Some("quarterly report.xlsx")
        );
    }

    #[test]
    fn unix_keeps_characters_windows_forbids() {
        assert_eq!(sanitize_for("a:b?.txt", false).as_deref(), Some("a:b?.txt"));
        assert_eq!(sanitize_for("CON.txt", false).as_deref(), Some("CON.txt"));
        assert_eq!(sanitize_for("name.", false).as_deref(), Some("name."));
    }

    #[test]
    fn windows_rules() {
        let w = |name| sanitize_for(name, true);
        assert_eq!(w("a<b>c:d\"e|f?g*h").as_deref(), Some("a_b_c_d_e_f_g_h"));
        assert_eq!(w("CON").as_deref(), Some("_CON"));
        assert_eq!(w("nul.txt").as_deref(), Some("_nul.txt"));
        assert_eq!(w("Com1.tar.gz").as_deref(), Some("_Com1.tar.gz"));
        assert_eq!(w("LPT9").as_deref(), Some("_LPT9"));
        assert_eq!(w("COM0").as_deref(), Some("COM0"));
        assert_eq!(w("CONSOLE").as_deref(), Some("CONSOLE"));
        assert_eq!(w("trailing.").as_deref(), Some("trailing_"));
        assert_eq!(w("trailing ").as_deref(), Some("trailing_"));
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let name = name_from_url_path(&format!("/{}.pdf", "a".repeat(500)));
        assert_eq!(name.len(), MAX_NAME);
        assert!(name.ends_with("aaa.pdf"));
        assert_safe(&name);
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        // 'é' is two bytes; 150 of them cannot be cut at byte 196 exactly.
        let name = sanitize(&format!("{}.jpeg", "é".repeat(150))).unwrap();
        assert!(name.len() <= MAX_NAME && name.len() >= MAX_NAME - 1);
        assert!(name.ends_with("é.jpeg"));
        let name = sanitize(&"日".repeat(100)).unwrap();
        assert_eq!(name.len(), 198);
    }

    #[test]
    fn a_huge_extension_is_not_kept() {
        let name = sanitize(&format!("a.{}", "b".repeat(400))).unwrap();
        assert_eq!(name.len(), MAX_NAME);
        assert!(name.starts_with("a.bbb"));
    }

    #[test]
    fn many_hostile_encodings_all_come_out_safe() {
        let pieces = [
            "%2e",
            ".",
            "%2F",
            "/",
            "%5C",
            "\\",
            "%00",
            "%0a",
            "a",
            "%C3%A9",
            "%E2%80%AE",
            " ",
        ];
        // Every three-piece combination as the final segment.
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let path = format!("/dir/{a}{b}{c}");
                    assert_safe(&name_from_url_path(&path));
                }
            }
        }
    }

    #[test]
    fn extension_splitting() {
        assert_eq!(split_extension("a.tar.gz"), ("a.tar", ".gz"));
        assert_eq!(split_extension("noext"), ("noext", ""));
        assert_eq!(split_extension("_bashrc"), ("_bashrc", ""));
        assert_eq!(split_extension(".x"), (".x", ""));
        assert_eq!(split_extension("end."), ("end.", ""));
    }

    #[test]
    fn collisions_within_a_batch_are_numbered() {
        let mut names = NameAllocator::new(false);
        let given: Vec<String> = ["file.txt", "file.txt", "noext", "file.txt", "noext"]
            .iter()
            .map(|n| alloc(&mut names, n, &EMPTY).name)
            .collect();
        assert_eq!(
            given,
            ["file.txt", "file.1.txt", "noext", "file.2.txt", "noext.1"]
        );
    }

    #[test]
    fn a_url_that_already_looks_numbered_does_not_steal_a_name() {
        let mut names = NameAllocator::new(false);
        assert_eq!(alloc(&mut names, "a.txt", &EMPTY).name, "a.txt");
        assert_eq!(alloc(&mut names, "a.1.txt", &EMPTY).name, "a.1.txt");
        assert_eq!(alloc(&mut names, "a.txt", &EMPTY).name, "a.2.txt");
        assert_eq!(alloc(&mut names, "a.1.txt", &EMPTY).name, "a.1.1.txt");
    }

    #[test]
    fn existing_files_are_never_clobbered() {
        let disk = Holding(&["report.pdf", "report.1.pdf"]);
        let mut names = NameAllocator::new(false);
        let got = alloc(&mut names, "report.pdf", &disk);
        assert_eq!(
            got,
            Allocation {
                name: "report.2.pdf".into(),
                start: Start::New
            }
        );
    }

    #[test]
    fn with_continue_an_existing_file_is_handed_out_to_be_checked() {
        let disk = Holding(&["report.pdf", "report.1.pdf"]);
        let mut names = NameAllocator::new(true);
        let got = alloc(&mut names, "report.pdf", &disk);
        assert_eq!(
            got,
            Allocation {
                name: "report.pdf".into(),
                start: Start::CheckFinished
            }
        );
        // Not the finished file after all: a new name, never one on disk.
        let fresh = names.allocate_new("report.pdf", &disk).unwrap();
        assert_eq!(
            fresh,
            Allocation {
                name: "report.2.pdf".into(),
                start: Start::New
            }
        );
    }

    #[test]
    fn a_finished_file_beside_its_part_is_neither_checked_nor_resumed() {
        let disk = Holding(&["report.pdf", "report.pdf.part"]);
        let got = alloc(&mut NameAllocator::new(true), "report.pdf", &disk);
        assert_eq!(
            got,
            Allocation {
                name: "report.1.pdf".into(),
                start: Start::New
            }
        );
    }

    #[test]
    fn a_leftover_part_file_is_kept_unless_continuing() {
        let disk = Holding(&["big.iso.part"]);
        let fresh = alloc(&mut NameAllocator::new(false), "big.iso", &disk);
        assert_eq!(
            fresh,
            Allocation {
                name: "big.1.iso".into(),
                start: Start::New
            }
        );
        let resumed = alloc(&mut NameAllocator::new(true), "big.iso", &disk);
        assert_eq!(
            resumed,
            Allocation {
                name: "big.iso".into(),
                start: Start::Resume
            }
        );
        assert_eq!(resumed.part_name(), "big.iso.part");
    }

    #[test]
    fn a_part_file_is_resumed_only_once_per_batch() {
        let disk = Holding(&["big.iso.part"]);
        let mut names = NameAllocator::new(true);
        assert_eq!(alloc(&mut names, "big.iso", &disk).start, Start::Resume);
        let second = alloc(&mut names, "big.iso", &disk);
        assert_eq!(
            second,
            Allocation {
                name: "big.1.iso".into(),
                start: Start::New
            }
        );
    }

    #[test]
    fn names_and_part_files_never_overlap() {
        // "x" downloads into "x.part"; a URL named "x.part" must not get
        // that name, nor may "x" be given after "x.part" was.
        let mut names = NameAllocator::new(false);
        assert_eq!(alloc(&mut names, "x", &EMPTY).name, "x");
        assert_eq!(alloc(&mut names, "x.part", &EMPTY).name, "x.1.part");

        let mut names = NameAllocator::new(false);
        assert_eq!(alloc(&mut names, "y.part", &EMPTY).name, "y.part");
        assert_eq!(alloc(&mut names, "y", &EMPTY).name, "y.1");
    }

    #[test]
    fn every_allocation_is_distinct_including_part_files() {
        let mut names = NameAllocator::new(false);
        let wanted = [
            "a", "a.part", "a.1", "a.1.part", "a", "a.part", "b.c", "b.c", "b.c.part",
        ];
        let mut paths = HashSet::new();
        for w in wanted {
            let got = alloc(&mut names, w, &EMPTY);
            assert!(paths.insert(got.name.clone()), "{} reused", got.name);
            assert!(paths.insert(got.part_name()), "{} reused", got.part_name());
        }
    }

    #[test]
    fn a_hundred_thousand_identical_names_stay_linear() {
        let mut names = NameAllocator::new(false);
        let mut last = String::new();
        for _ in 0..100_000 {
            last = alloc(&mut names, "download", &EMPTY).name;
        }
        assert_eq!(last, "download.99999");
        assert_eq!(names.given.len(), 100_000);
    }

    #[test]
    fn output_dir_checks_the_real_disk() {
        let root = std::env::temp_dir().join(format!("spool-dl-naming-{}", std::process::id()));
        let dir = OutputDir::create(root.join("nested/out")).unwrap();
        fs::write(dir.join("taken.bin"), b"old").unwrap();
        fs::write(dir.join("half.bin.part"), b"ha").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("nowhere"), dir.join("dangling")).unwrap();

        let mut names = NameAllocator::new(false);
        assert_eq!(alloc(&mut names, "taken.bin", &dir).name, "taken.1.bin");
        assert_eq!(alloc(&mut names, "half.bin", &dir).name, "half.1.bin");
        assert_eq!(alloc(&mut names, "new.bin", &dir).name, "new.bin");
        #[cfg(unix)]
        assert_eq!(alloc(&mut names, "dangling", &dir).name, "dangling.1");
        assert_eq!(dir.join("x"), root.join("nested/out/x"));
        assert_eq!(fs::read(dir.join("taken.bin")).unwrap(), b"old");

        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_unreadable_disk_is_an_error_not_an_endless_search() {
        let mut names = NameAllocator::new(false);
        let err = names.allocate("a.txt", &Unreadable).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(names.given.is_empty());
    }

    #[test]
    #[should_panic(expected = "not a single file name")]
    fn join_refuses_a_path() {
        OutputDir { path: "out".into() }.join("../escape");
    }

    #[test]
    fn single_component_check() {
        assert!(is_single_component("a.txt"));
        assert!(is_single_component("_.."));
        for bad in ["", ".", "..", "a/b", "/a", "a\\b", "a\0", "./a"] {
            assert!(!is_single_component(bad), "{bad:?}");
        }
    }
}
