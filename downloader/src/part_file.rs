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
use std::io::{self, Seek, Write};
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
    pub fn open_existing(part: PathBuf) -> io::Result<(PartFile, Option<String>)> {
        let file = OpenOptions::new().append(true).open(&part)?;
        let len = file.metadata()?.len();
        let mut this = PartFile::new(file, part, len);
        let validator = fs::read_to_string(&this.meta).ok();
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
            Some(v) => {
                self.has_meta = true;
                fs::write(&self.meta, v)
            }
            None => self.forget_validator(),
        }
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
    pub fn finish(mut self, final_path: &Path) -> io::Result<()> {
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
        let _ = self.forget_validator();
        Ok(())
    }
    // ANCHOR_END: finish
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

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "spool-dl-part-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
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
