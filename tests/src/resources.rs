//! What a process holds (descriptors, memory), read from `/proc`, for
//! tests that bound it. `None` where there is no `/proc`, or once the
//! process has gone.

use std::fs;

/// Open file descriptors of this process (entries of `/proc/self/fd`).
pub fn open_fds() -> Option<usize> {
    open_fds_in("self")
}

/// A `kB` field of `/proc/self/status`, such as `VmRSS` or `VmHWM`.
pub fn status_kib(field: &str) -> Option<u64> {
    status_kib_in("self", field)
}

/// Like [`open_fds`], for another process: a child running the command.
pub fn open_fds_of(pid: u32) -> Option<usize> {
    open_fds_in(&pid.to_string())
}

/// Like [`status_kib`], for another process.
pub fn status_kib_of(pid: u32, field: &str) -> Option<u64> {
    status_kib_in(&pid.to_string(), field)
}

fn open_fds_in(process: &str) -> Option<usize> {
    Some(fs::read_dir(format!("/proc/{process}/fd")).ok()?.count())
}

fn status_kib_in(process: &str, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}
