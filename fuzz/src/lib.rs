//! What the fuzz targets share: how a fuzz input is cut into reads, the
//! loops that feed reads to the protocol core the way the I/O layer does
//! (the same file the property tests in `http/tests` use), and the checks
//! every file name must pass with a pool of names that collide (the same
//! file `downloader/tests` uses).
//!
//! A target that compares "fed whole" with "fed in pieces" takes its cut
//! points from the front of the input (see [`take_reads`]), so libFuzzer
//! mutates where reads split as freely as what they hold.

#[path = "../../http/tests/proto_drivers/mod.rs"]
mod proto_drivers;
pub use proto_drivers::{BodyRead, End, ResponseRead, cut_at, read_body, read_response};

#[path = "../../downloader/tests/naming_checks/mod.rs"]
mod naming_checks;
pub use naming_checks::{Holding, POOL, assert_safe_name};

/// Splits a fuzz input into cut points and the bytes to cut: the first
/// byte gives the number of cuts (0 to 7), then two bytes per cut, little
/// endian, taken modulo the length of what remains. Returns the bytes and
/// their pieces, in order; repeated cuts give empty reads.
pub fn take_reads(data: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let Some((&count, rest)) = data.split_first() else {
        return (data, vec![data]);
    };
    let count = usize::from(count % 8);
    let (cuts, bytes) = rest.split_at((count * 2).min(rest.len()));
    let at = cuts
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (bytes.len() + 1))
        .collect();
    (bytes, cut_at(bytes, at))
}
