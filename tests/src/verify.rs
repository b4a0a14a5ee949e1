//! Checking what `spool-dl` left in its output directory against what the
//! [`FaultServer`](crate::faults::FaultServer) meant to send.
//!
//! The promise under test: a file under its final name (`ID.bin`) holds
//! exactly the catalog's bytes (SHA-256 compared) and exists only for a URL
//! that ended `ok`; a failed URL may leave a `.part` (and its `.meta`) for
//! `--continue`, an `ok` one may not; nothing else appears.

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::faults::Catalog;

/// How a URL ended, as far as the caller knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Reported (or found) saved.
    Ok,
    /// Reported failed.
    Failed,
    /// Not settled at all; its files are reported as problems.
    Unknown,
}

/// What [`check_dir`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirCheck {
    /// Files under a final name whose SHA-256 matched.
    pub verified: usize,
    /// Files under a final name that are wrong: other bytes, or there for a
    /// URL that did not end `ok`. Must be zero.
    pub corrupt: usize,
    /// `.part` files kept for failed URLs.
    pub parts_kept: usize,
    /// Every broken promise, one line each (corrupt files included).
    pub problems: Vec<String>,
}

/// Checks every entry of `out` against `catalog`, given how each ID ended.
///
/// # Panics
///
/// If `out` cannot be listed.
pub fn check_dir(out: &Path, catalog: Catalog, settled: impl Fn(usize) -> Settled) -> DirCheck {
    let mut check = DirCheck::default();
    let mut seen = vec![false; catalog.count];
    let entries = fs::read_dir(out).expect("listing the output directory");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((id, suffix)) = split_name(&name).filter(|(id, _)| *id < catalog.count) else {
            check
                .problems
                .push(format!("{name}: a file no URL should have made"));
            continue;
        };
        let ok = settled(id) == Settled::Ok;
        match suffix {
            "" => {
                seen[id] = true;
                if !ok {
                    check.corrupt += 1;
                    check.problems.push(format!(
                        "{name} is under its final name, but its URL did not end ok"
                    ));
                    continue;
                }
                let bytes = fs::read(entry.path()).unwrap_or_default();
                let digest: [u8; 32] = Sha256::digest(&bytes).into();
                if digest == catalog.sha256(id) {
                    check.verified += 1;
                } else {
                    check.corrupt += 1;
                    check.problems.push(format!(
                        "{name}: {} bytes whose SHA-256 is not the server's ({} bytes sent)",
                        bytes.len(),
                        catalog.size(id)
                    ));
                }
            }
            ".part" | ".part.meta" if ok => check
                .problems
                .push(format!("{name} left behind for a URL that is ok")),
            ".part" => check.parts_kept += 1,
            ".part.meta" => {}
            _ => check
                .problems
                .push(format!("{name}: a file no URL should have made")),
        }
    }
    for (id, seen) in seen.into_iter().enumerate() {
        if !seen && settled(id) == Settled::Ok {
            check.problems.push(format!(
                "{} ended ok but is not on disk",
                Catalog::file_name(id)
            ));
        }
    }
    check
}

/// `"17.bin.part"` → `(17, ".part")`.
fn split_name(name: &str) -> Option<(usize, &str)> {
    let end = name.find(".bin")?;
    let id = name[..end].parse().ok()?;
    Some((id, &name[end + ".bin".len()..]))
}
