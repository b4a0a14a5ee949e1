//! Writing one download to disk: `NAME.part` while it runs, `NAME` once the
//! body is complete.
//!
//! The rule that keeps users' data safe is simple: a file appears under its
//! final name only after the HTTP layer has confirmed the body is whole (its
//! `Content-Length` reached, its last chunk seen). Until then bytes go to
//! `NAME.part`. A crash, a reset or a timeout leaves a `.part` file that
//! `--continue` can resume, and never a truncated file that looks finished.
//!
//! To resume safely we must know the `.part` holds the start of the *same*
//! resource the server has now. So when a response begins, its validator
//! (`ETag`, else `Last-Modified`) is saved beside the data in
//! `NAME.part.meta`; the resumed request sends it back in `If-Range`, and a
//! server whose file changed answers `200` with the whole new body instead
//! of a `206` with a mismatched tail. Without a saved validator we start
//! over rather than guess — that costs bandwidth, never correctness. The
//! driver saves validators only for bodies of 1 MiB or more (or of unknown
//! size): for a batch of small files the extra file per download cost more
//! than refetching them ever would. (curl's `-C -` resumes without any check; aria2 keeps a control file much
//! like our `.meta`.)
//!
//! # Files planted in the output directory
//!
//! A download folder may be shared, and someone else may have put things
//! there under the names we use. Fresh downloads never meet them: the name
//! allocator skips any name that exists, and [`PartFile::create`] refuses
//! to open anything already there. `--continue` is different, since it
//! opens an existing `NAME.part` on purpose, and the validator file
//! `NAME.part.meta` is rewritten on every large download. So every existing
//! file we open is opened with `O_NOFOLLOW | O_NONBLOCK`, which fails on a
//! symbolic link instead of following it and returns at once instead of
//! waiting for a FIFO's other end, and is then checked through the open
//! descriptor (`fstat`, so nothing can be swapped in between): it must be a
//! regular file with exactly one name. A hard link would let our writes
//! land in a file that also lives elsewhere. (`O_NONBLOCK` changes nothing
//! for a regular file, so the descriptor is then used as usual.)
//!
//! What fails the check is never written, truncated or removed. A `.part`
//! or `.meta` that fails it makes that one download fail with an
//! [`Untrusted`] error naming the file, rather than continuing under a
//! fresh name: the user asked to resume that file, and a link or pipe where
//! it should be is worth knowing about, not quietly stepping around. A
//! `.meta` that cannot be written for the same reason is simply not
//! written: the download goes on, resumable within this run only.
//! Finally, a rename goes by path, so [`PartFile::finish`] checks that the
//! final name holds the file we wrote, not one swapped in meanwhile.
//!
//! Writes use `std::fs` on the loop's thread. A write of one chunk lands in
//! the page cache in microseconds; pushing each through the blocking pool
//! would cost more than it saves. We do not `fsync`: like curl and wget we
//! trust the kernel. An `fdatasync` per file, on the loop's thread, once
//! made a batch of 1,000 small files fourteen times slower than curl
//! (benches/README.md); the guarantee that matters — a failed or killed
//! download never appears under its final name — needs only the rename.
//! What `fsync` would add is survival of a power cut, which none of the
//! tools we compare with promise either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A download in progress.
#[derive(Debug)]
pub struct PartFile {
    file: File,
    part: PathBuf,
    meta: PathBuf,
    /// Whether `meta` may exist on disk, so that a download that never
    /// saved a validator spends no system calls removing one.
    has_meta: bool,
    /// Bytes in the `.part` file: where a resumed request starts.
    len: u64,
    /// Opened to append (a resumed part): positioned writes would land at
    /// the end, so [`preallocate`](PartFile::preallocate) reopens it.
    append: bool,
}

impl PartFile {
    /// Creates `part` for a fresh download. Fails if the file exists: names
    /// are allocated so that it never does, and if another program raced us
    /// to it, its file is not ours to overwrite.
    pub fn create(part: PathBuf) -> io::Result<PartFile> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)?;
        Ok(PartFile::new(file, part, 0))
    }

    /// Opens an existing `part` to append to, with the validator saved when
    /// its bytes were fetched. Without one (or with nothing in the file) it
    /// cannot be resumed safely, so it is emptied and `None` returned.
    ///
    /// Both files must be plain files of ours; anything else (a link, a
    /// FIFO, a file with a second name) fails with an [`Untrusted`] error,
    /// and neither file is touched.
    pub fn open_existing(part: PathBuf) -> io::Result<(PartFile, Option<String>)> {
        let file = open_plain(&part, OpenOptions::new().append(true))?;
        let len = file.metadata()?.len();
        let mut this = PartFile::new(file, part, len);
        this.append = true;
        let validator = match open_plain(&this.meta, OpenOptions::new().read(true)) {
            Ok(mut meta) => {
                let mut text = String::new();
                meta.read_to_string(&mut text).ok().map(|_| text)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        this.has_meta = validator.is_some();
        let validator = match validator {
            Some(v) if len > 0 && !v.trim().is_empty() => Some(v.trim().to_string()),
            _ => {
                this.restart()?;
                None
            }
        };
        Ok((this, validator))
    }

    fn new(file: File, part: PathBuf, len: u64) -> PartFile {
        let mut meta = part.clone().into_os_string();
        meta.push(".meta");
        PartFile {
            file,
            part,
            meta: meta.into(),
            has_meta: false,
            len,
            append: false,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties the file, for a response that starts the body from byte 0.
    pub fn restart(&mut self) -> io::Result<()> {
        if self.len == 0 {
            return Ok(()); // nothing written: already empty, at position 0
        }
        self.file.set_len(0)?;
        // Truncating does not move the write position: without the rewind,
        // a file created for a fresh download would take the next write at
        // its old end, after a hole of zeros.
        self.file.rewind()?;
        self.len = 0;
        Ok(())
    }

    /// Saves the validator of the response being written, or forgets the
    /// old one when the response has none.
    pub fn set_validator(&mut self, validator: Option<&str>) -> io::Result<()> {
        match validator {
            Some(v) => self.save_validator(v),
            None => self.forget_validator(),
        }
    }

    /// Writes `NAME.part.meta`, unless something that is not a plain file
    /// of ours is in the way: then the validator stays in memory only.
    fn save_validator(&mut self, validator: &str) -> io::Result<()> {
        // No `truncate(true)`: opening would empty a hard-linked file
        // before the check could refuse it.
        let opened = open_plain(&self.meta, OpenOptions::new().write(true).create(true));
        let mut meta = match opened {
            Ok(meta) => meta,
            Err(e) if Untrusted::is(&e) => return Ok(()),
            Err(e) => return Err(e),
        };
        self.has_meta = true;
        meta.set_len(0)?;
        meta.write_all(validator.as_bytes())
    }

    fn forget_validator(&mut self) -> io::Result<()> {
        if !std::mem::take(&mut self.has_meta) {
            return Ok(());
        }
        match fs::remove_file(&self.meta) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Makes the part `total` bytes long for a segmented download, whose
    /// segments are then written in place with
    /// [`write_at`](PartFile::write_at). [`len`](PartFile::len) is `total`
    /// from now on, holes included, so a segmented part must never be
    /// resumed as a prefix: its caller saves no validator for it.
    pub fn preallocate(&mut self, total: u64) -> io::Result<()> {
        if self.append {
            self.file = open_plain(&self.part, OpenOptions::new().write(true))?;
            self.append = false;
        }
        self.file.set_len(total)?;
        self.len = total;
        Ok(())
    }

    /// Writes a piece of a segment at `offset` of a
    /// [preallocated](PartFile::preallocate) part.
    pub fn write_at(&self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.write_all_at(bytes, offset)
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut written = 0;
            while written < bytes.len() {
                let at = offset + written as u64;
                written += self.file.seek_write(&bytes[written..], at)?;
            }
            Ok(())
        }
    }

    /// Appends a piece of the body.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Gives up on the download. A `.part` holding bytes stays for
    /// `--continue` to resume; an empty one (the server refused outright)
    /// is removed so failures leave no clutter.
    pub fn abandon(mut self) {
        if self.len == 0 {
            let _ = fs::remove_file(&self.part);
            let _ = self.forget_validator();
        }
    }

    // ANCHOR: finish
    /// Gives the completed file its final name, without replacing anything
    /// that appeared there meanwhile.
    ///
    /// A plain `rename` silently replaces its target, so we ask for
    /// "rename unless the target exists": on Linux that is one system call,
    /// `renameat2` with `RENAME_NOREPLACE`; elsewhere (or on a file system
    /// that lacks it) a hard link to the final name followed by removing
    /// the `.part`, which fails the same way if the name is taken.
    ///
    /// Renaming goes by path, and someone sharing the directory could have
    /// swapped another file in under `NAME.part` while we wrote to ours; so
    /// the final name is checked to hold the very file we wrote.
    ///
    /// The validator goes first: a crash between the two steps then leaves
    /// a `.part` without its `.meta`, which `--continue` simply starts over,
    /// rather than a finished file with a stray `.meta` beside it forever.
    pub fn finish(mut self, final_path: &Path) -> io::Result<()> {
        let _ = self.forget_validator();
        if !rename_noreplace(&self.part, final_path)? {
            match fs::hard_link(&self.part, final_path) {
                Ok(()) => fs::remove_file(&self.part)?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) => {
                    if final_path.exists() {
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!("{} appeared while downloading", final_path.display()),
                        ));
                    }
                    fs::rename(&self.part, final_path)?;
                }
            }
        }
        self.check_named(final_path)
    }
    // ANCHOR_END: finish

    /// Fails unless `path` names the file this `PartFile` wrote.
    #[cfg(unix)]
    fn check_named(&self, path: &Path) -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let ours = self.file.metadata()?;
        let named = fs::symlink_metadata(path)?;
        if (named.dev(), named.ino()) == (ours.dev(), ours.ino()) {
            return Ok(());
        }
        Err(io::Error::other(format!(
            "{} was replaced by another file while downloading; {} is not this download",
            self.part.display(),
            path.display()
        )))
    }

    #[cfg(not(unix))]
    fn check_named(&self, _: &Path) -> io::Result<()> {
        Ok(())
    }
}

// ANCHOR: open_plain
/// Opens `path` with `options` only if it is a plain file: not a symbolic
/// link (not followed), not a FIFO, socket or device (never waited on), not
/// a directory, and with no other name. Anything else is an [`Untrusted`]
/// error; a missing file is `NotFound`, as for any open.
fn open_plain(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // The open itself refuses most traps (a link: ELOOP; a FIFO opened
        // for writing with no reader: ENXIO); say what was found instead.
        Err(e) => {
            return match fs::symlink_metadata(path) {
                Ok(found) if !found.is_file() => Err(Untrusted::error(path, &found)),
                _ => Err(e),
            };
        }
    };
    let found = file.metadata()?;
    if !is_plain(&found) {
        return Err(Untrusted::error(path, &found));
    }
    Ok(file)
}
// ANCHOR_END: open_plain

#[cfg(unix)]
fn is_plain(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    metadata.is_file() && metadata.nlink() == 1
}

#[cfg(not(unix))]
fn is_plain(metadata: &fs::Metadata) -> bool {
    metadata.is_file()
}

/// An existing file in the output directory that is not a plain file of
/// ours, so it is neither resumed nor written: see the
/// [module documentation](self).
#[derive(Debug)]
pub struct Untrusted {
    path: PathBuf,
    what: String,
}

impl Untrusted {
    fn error(path: &Path, found: &fs::Metadata) -> io::Error {
        io::Error::other(Untrusted {
            path: path.to_path_buf(),
            what: describe(found),
        })
    }

    /// Whether `error` is an [`Untrusted`] file.
    pub fn is(error: &io::Error) -> bool {
        error.get_ref().is_some_and(|inner| inner.is::<Untrusted>())
    }
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not resuming: {} is {}, not a regular file with a single name; \
             remove it to download afresh",
            self.path.display(),
            self.what
        )
    }
}

impl std::error::Error for Untrusted {}

/// What kind of thing `metadata` describes, for a person.
fn describe(metadata: &fs::Metadata) -> String {
    let kind = metadata.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        if kind.is_fifo() {
            return "a named pipe (FIFO)".into();
        }
        if kind.is_socket() {
            return "a socket".into();
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device".into();
        }
        if kind.is_file() {
            return format!("a file with {} names (hard links)", metadata.nlink());
        }
    }
    if kind.is_symlink() {
        "a symbolic link".into()
    } else if kind.is_dir() {
        "a directory".into()
    } else {
        "not a regular file".into()
    }
}

/// Renames `from` to `to` unless `to` exists. `Ok(false)` means the
/// system cannot do that atomically and the caller must fall back.
#[cfg(target_os = "linux")]
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::EXIST => Err(io::Error::from(e)),
        // Old kernels and some file systems (NFS, FUSE) do not support the flag.
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => Err(io::Error::from(e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn rename_noreplace(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> spool_tests::TempDir {
        spool_tests::TempDir::new("part")
    }

    #[test]
    fn segments_written_in_place_in_any_order_make_the_file() {
        let d = dir();
        // A resumed part is opened to append; in-place writes must still
        // land where they are meant to.
        fs::write(d.join("s.bin.part"), b"old bytes").unwrap();
        fs::write(d.join("s.bin.part.meta"), b"\"v\"").unwrap();
        let (mut part, _) = PartFile::open_existing(d.join("s.bin.part")).unwrap();
        part.restart().unwrap();
        part.preallocate(12).unwrap();
        assert_eq!(part.len(), 12);
        part.write_at(8, b"IJKL").unwrap();
        part.write_at(0, b"ABCD").unwrap();
        part.write_at(4, b"EFGH").unwrap();
        part.finish(&d.join("s.bin")).unwrap();
        assert_eq!(fs::read(d.join("s.bin")).unwrap(), b"ABCDEFGHIJKL");
        // Restarting after a failed split leaves an empty file to append to.
        let mut part = PartFile::create(d.join("t.bin.part")).unwrap();
        part.preallocate(8).unwrap();
        part.write_at(4, b"tail").unwrap();
        part.restart().unwrap();
        part.write(b"whole").unwrap();
        part.finish(&d.join("t.bin")).unwrap();
        assert_eq!(fs::read(d.join("t.bin")).unwrap(), b"whole");
    }

    #[test]
    fn finish_moves_the_part_to_its_final_name() {
        let d = dir();
        let mut part = PartFile::create(d.join("a.bin.part")).unwrap();
        part.set_validator(Some("\"v1\"")).unwrap();
        part.write(b"hello").unwrap();
        part.finish(&d.join("a.bin")).unwrap();
        assert_eq!(fs::read(d.join("a.bin")).unwrap(), b"hello");
        assert!(!d.join("a.bin.part").exists());
        assert!(!d.join("a.bin.part.meta").exists());
    }

    #[test]
    fn finish_never_replaces_an_existing_file() {
        let d = dir();
        fs::write(d.join("b.bin"), b"precious").unwrap();
        let mut part = PartFile::create(d.join("b.bin.part")).unwrap();
        part.write(b"new").unwrap();
        let err = part.finish(&d.join("b.bin")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(d.join("b.bin")).unwrap(), b"precious");
    }

    #[test]
    fn abandon_removes_only_empty_parts() {
        let d = dir();
        PartFile::create(d.join("empty.part")).unwrap().abandon();
        assert!(!d.join("empty.part").exists());
        let mut part = PartFile::create(d.join("half.part")).unwrap();
        part.write(b"half").unwrap();
        part.abandon();
        assert_eq!(fs::read(d.join("half.part")).unwrap(), b"half");
    }

    #[test]
    fn a_restarted_part_holds_only_what_was_written_after() {
        let d = dir();
        let mut part = PartFile::create(d.join("r.part")).unwrap();
        part.write(b"stale bytes").unwrap();
        part.restart().unwrap();
        part.write(b"fresh").unwrap();
        assert_eq!(part.len(), 5);
        part.finish(&d.join("r")).unwrap();
        assert_eq!(fs::read(d.join("r")).unwrap(), b"fresh");
    }

    #[test]
    fn create_refuses_an_existing_part() {
        let d = dir();
        fs::write(d.join("c.part"), b"someone else's").unwrap();
        assert!(PartFile::create(d.join("c.part")).is_err());
        assert_eq!(fs::read(d.join("c.part")).unwrap(), b"someone else's");
    }

    /// Runs `f` on a thread and fails the test if it has not returned
    /// within five seconds: a FIFO opened the blocking way never would.
    fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("blocked on a planted file")
    }

    #[cfg(target_os = "linux")]
    fn mkfifo(path: &Path) {
        use rustix::fs::{CWD, FileType, Mode, mknodat};
        mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
    }

    /// A scratch directory holding a file outside the part's directory,
    /// and the part's directory; both go when the first is dropped.
    fn outside_and_dir(label: &str) -> (spool_tests::TempDir, PathBuf, PathBuf) {
        let scratch = dir();
        let d = scratch.join(label);
        fs::create_dir_all(&d).unwrap();
        let outside = d.with_extension("outside");
        fs::write(&outside, b"not yours").unwrap();
        (scratch, outside, d)
    }

    fn assert_untrusted(result: io::Result<(PartFile, Option<String>)>, what: &str) {
        let err = result.expect_err("a planted file must not be resumed");
        assert!(Untrusted::is(&err), "{err}");
        assert!(err.to_string().contains(what), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_part_is_not_followed() {
        let (_scratch, outside, d) = outside_and_dir("symlink-part");
        std::os::unix::fs::symlink(&outside, d.join("s.part")).unwrap();
        fs::write(d.join("s.part.meta"), "\"v1\"").unwrap();
        assert_untrusted(
            PartFile::open_existing(d.join("s.part")),
            "is a symbolic link",
        );
        assert_eq!(fs::read(&outside).unwrap(), b"not yours");
        assert!(d.join("s.part").is_symlink());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_part_does_not_block() {
        let (_scratch, _, d) = outside_and_dir("fifo-part");
        mkfifo(&d.join("f.part"));
        let part = d.join("f.part");
        let result = within_seconds(move || PartFile::open_existing(part));
        assert_untrusted(result, "is a named pipe (FIFO)");
    }

    #[test]
    fn a_hard_linked_part_is_not_written() {
        let (_scratch, outside, d) = outside_and_dir("hardlink-part");
        fs::hard_link(&outside, d.join("h.part")).unwrap();
        fs::write(d.join("h.part.meta"), "\"v1\"").unwrap();
        assert_untrusted(
            PartFile::open_existing(d.join("h.part")),
            "a file with 2 names",
        );
        assert_eq!(fs::read(&outside).unwrap(), b"not yours");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_or_hard_linked_meta_is_not_trusted() {
        let (_scratch, outside, d) = outside_and_dir("linked-meta");
        fs::write(&outside, "\"v1\"").unwrap();
        fs::write(d.join("a.part"), b"12345").unwrap();
        std::os::unix::fs::symlink(&outside, d.join("a.part.meta")).unwrap();
        assert_untrusted(
            PartFile::open_existing(d.join("a.part")),
            "is a symbolic link",
        );
        fs::write(d.join("b.part"), b"12345").unwrap();
        fs::hard_link(&outside, d.join("b.part.meta")).unwrap();
        assert_untrusted(
            PartFile::open_existing(d.join("b.part")),
            "a file with 2 names",
        );
        // Neither part was emptied, as a part without a validator would be.
        assert_eq!(fs::read(d.join("a.part")).unwrap(), b"12345");
        assert_eq!(fs::read(d.join("b.part")).unwrap(), b"12345");
        assert_eq!(fs::read(&outside).unwrap(), b"\"v1\"");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_meta_does_not_block() {
        let (_scratch, _, d) = outside_and_dir("fifo-meta");
        fs::write(d.join("m.part"), b"12345").unwrap();
        mkfifo(&d.join("m.part.meta"));
        let part = d.join("m.part");
        let result = within_seconds(move || PartFile::open_existing(part));
        assert_untrusted(result, "is a named pipe (FIFO)");
        assert_eq!(fs::read(d.join("m.part")).unwrap(), b"12345");
    }

    #[cfg(unix)]
    #[test]
    fn a_validator_is_never_written_through_a_planted_meta() {
        let (_scratch, outside, d) = outside_and_dir("planted-meta");
        std::os::unix::fs::symlink(&outside, d.join("l.part.meta")).unwrap();
        fs::hard_link(&outside, d.join("h.part.meta")).unwrap();
        for name in ["l", "h"] {
            let mut part = PartFile::create(d.join(format!("{name}.part"))).unwrap();
            part.set_validator(Some("\"v1\"")).unwrap();
            part.write(b"body").unwrap();
            part.finish(&d.join(name)).unwrap();
            assert_eq!(fs::read(d.join(name)).unwrap(), b"body");
        }
        assert_eq!(fs::read(&outside).unwrap(), b"not yours");
        // What was planted is left where it was, not removed as ours.
        assert!(d.join("l.part.meta").is_symlink());
        assert!(d.join("h.part.meta").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_part_swapped_for_a_link_while_downloading_is_not_finished_as_ours() {
        let (_scratch, outside, d) = outside_and_dir("swapped-part");
        let mut part = PartFile::create(d.join("w.part")).unwrap();
        part.write(b"our bytes").unwrap();
        fs::remove_file(d.join("w.part")).unwrap();
        std::os::unix::fs::symlink(&outside, d.join("w.part")).unwrap();
        let err = part.finish(&d.join("w")).unwrap_err();
        assert!(err.to_string().contains("was replaced"), "{err}");
        assert_eq!(fs::read(&outside).unwrap(), b"not yours");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_validator_is_never_written_into_a_fifo() {
        let (_scratch, _, d) = outside_and_dir("fifo-meta-write");
        mkfifo(&d.join("w.part.meta"));
        let part = d.join("w.part");
        within_seconds(move || {
            let mut part = PartFile::create(part).unwrap();
            part.set_validator(Some("\"v1\"")).unwrap();
        });
    }

    #[test]
    fn a_part_with_a_validator_is_resumable_and_one_without_restarts() {
        let d = dir();
        let mut part = PartFile::create(d.join("d.part")).unwrap();
        part.set_validator(Some("W/\"x\"")).unwrap();
        part.write(b"12345").unwrap();
        drop(part);
        let (part, validator) = PartFile::open_existing(d.join("d.part")).unwrap();
        assert_eq!(validator.as_deref(), Some("W/\"x\""));
        assert_eq!(part.len(), 5);

        fs::write(d.join("e.part"), b"orphan bytes").unwrap();
        let (part, validator) = PartFile::open_existing(d.join("e.part")).unwrap();
        assert_eq!(validator, None);
        assert!(part.is_empty());
        assert_eq!(fs::read(d.join("e.part")).unwrap(), b"");
    }
}
