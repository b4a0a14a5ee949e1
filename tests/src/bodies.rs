//! Response bodies for tests that check what landed on disk.

/// The bytes a test server sends for `path`: distinct per path and long
/// enough to span several reads, so a mix-up or a truncation shows.
pub fn body_for(path: &str, len: usize) -> Vec<u8> {
    let seed = path
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) ^ seed).to_le_bytes()[1])
        .collect()
}
