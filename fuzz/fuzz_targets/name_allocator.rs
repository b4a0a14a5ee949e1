//! `NameAllocator`: the naming half of the resume decision. With
//! `--continue` an existing `NAME.part` (and no `NAME`) is resumed, and an
//! existing `NAME` (and no `NAME.part`) is handed out to be checked;
//! otherwise both are avoided like any taken name.
//!
//! Input: one flags byte (bit 0: `--continue`), two bytes whose sixteen
//! bits say which names of a small pool are on disk, then the wanted names, one per
//! line (lossy UTF-8, sanitized first; a line of one byte below 16 picks a
//! pool name instead, so collisions are common).
//!
//! Asserts: each allocation is a safe name, never equals an earlier
//! allocation or its `.part`, and leaves room for `.part` within 255
//! bytes; a name or `.part` on disk is only ever handed out with
//! `--continue`, never both, and `start` says which (`Resume` for the
//! `.part`, `CheckFinished` for the name).

#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_dl::naming::{NameAllocator, PART_SUFFIX, Start, part_name, sanitize};
use spool_fuzz::{Holding, POOL, assert_safe_name};

fuzz_target!(|data: &[u8]| {
    let [flags, low, high, wanted @ ..] = data else {
        return;
    };
    let resume = flags & 1 == 1;
    let on_disk = u16::from_le_bytes([*low, *high]);
    let disk = Holding(
        (0..16)
            .filter(|&i| on_disk & (1 << i) != 0)
            .map(|i| POOL[i].to_owned())
            .collect(),
    );

    let mut names = NameAllocator::new(resume);
    let mut given: Vec<String> = Vec::new();
    for line in wanted.split(|&b| b == b'\n') {
        let wanted = match line {
            [pick] if *pick < 16 => POOL[usize::from(*pick)].to_owned(),
            _ => match sanitize(&String::from_utf8_lossy(line)) {
                Some(name) => name,
                None => continue,
            },
        };
        let allocation = names
            .allocate(&wanted, &disk)
            .expect("the disk always answers");
        let name = &allocation.name;
        assert_safe_name(name);
        assert!(name.len() + PART_SUFFIX.len() <= 255, "{name:?}");
        // On disk already: only with --continue, as a `.part` to resume
        // or a finished file to check, never both.
        let on_disk = disk.0.contains(name);
        let part_on_disk = disk.0.contains(&part_name(name));
        assert!(resume || !(on_disk || part_on_disk), "{name:?} is on disk");
        let expected = match (on_disk, part_on_disk) {
            (false, false) => Start::New,
            (false, true) => Start::Resume,
            (true, false) => Start::CheckFinished,
            (true, true) => panic!("{name:?} and its .part are both on disk"),
        };
        assert_eq!(allocation.start, expected, "{name:?}");
        for earlier in &given {
            assert_ne!(earlier, name);
            assert_ne!(&part_name(earlier), name);
            assert_ne!(earlier, &part_name(name));
        }
        given.push(allocation.name);
    }
});
