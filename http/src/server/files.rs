//! [`ServeDir`]: static files from one directory, safely.
//!
//! Serving files is mostly about what *not* to serve. A URL path is
//! attacker-controlled text, and the classic mistake is to join it onto
//! the root directory and open the result: `/../../etc/passwd` walks out
//! of the root, and so do its percent-encoded spellings (`/%2e%2e/`,
//! `/..%2f`) if the check happens before decoding. So the path is decoded
//! first, then checked one segment at a time, and the file that would be
//! opened is resolved through any symlinks and checked again against the
//! root (see [`relative_path`] and [`open_inside`]). Only regular files
//! are opened: a FIFO would block the thread that opens it until some
//! writer comes along, and a device file may do anything when opened.
//!
//! Files are read with `std::fs` on the blocking pool
//! ([`spool::spawn_blocking`]), one 64 KiB chunk per job, and streamed to
//! the client as they are read, so a large file neither blocks the loop
//! nor sits in memory.
//!
//! For downloaders, every file carries validators: a strong `ETag` made of
//! its size and modification time, and `Last-Modified`. A client resuming
//! a download sends `Range: bytes=N-` with `If-Range: <validator>` and gets
//! either the rest of the file (206) or, if the file changed since, the
//! whole new file (200), never a mix of two versions.

use super::range::{RangeAnswer, parse_range};
use super::{Body, Handler, Request, Response};
use crate::proto::escapes_are_well_formed;
use percent_encoding::percent_decode_str;
use spool::stream::Stream;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes read from disk per blocking job and sent per body chunk.
const CHUNK: u64 = 64 * 1024;

/// A [`Handler`] serving the files under one directory.
///
/// - `GET` and `HEAD` only (others get 405). A directory is served as its
///   `index.html` if it has one, else 404.
/// - Paths are percent-decoded, then refused (404) if any segment is `..`
///   or starts with `.` (hidden files such as `.git` or `.env` are not
///   served), and refused (400) if they hold a NUL byte or a bad `%`
///   escape. A name too long for the file system is a 404 as well.
/// - Only regular files are served: FIFOs, sockets and devices get a 404
///   without ever being opened.
/// - Symlinks are followed only if their target is inside the root. The
///   check and the open are separate steps, so someone who can create
///   symlinks inside the root while the server runs could race them; the
///   root is meant to be a directory only its owner writes to.
/// - One byte range per request (`bytes=A-B`, `bytes=A-`, `bytes=-N`),
///   answered with 206 and `Content-Range`, or 416 if it lies past the end;
///   `If-Range` with the file's `ETag` or `Last-Modified` value (exact
///   match), else the whole file. Several ranges in one request are
///   answered with the whole file.
///
/// # Examples
///
/// ```no_run
/// use spool_http::server::{Server, ServeDir};
///
/// spool::block_on(async {
///     let server = Server::bind("127.0.0.1:8080".parse().unwrap())?;
///     server.serve(ServeDir::new("public")?).await;
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ServeDir {
    /// Canonical (absolute, symlinks resolved), so that a resolved file
    /// path can be checked against it with a plain prefix test.
    root: PathBuf,
}

impl ServeDir {
    /// Serves the directory `root`.
    ///
    /// # Errors
    ///
    /// If `root` does not exist or is not a directory.
    pub fn new(root: impl AsRef<Path>) -> io::Result<ServeDir> {
        let root = root.as_ref().canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(ServeDir { root })
    }

    /// The directory served, canonicalized.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers `request` from the directory. Useful from a handler of your
    /// own that serves files under some paths and other things elsewhere.
    pub async fn respond(&self, request: &Request) -> Response {
        let method = request.method();
        if method != "GET" && method != "HEAD" {
            return Response::text(405, "Method Not Allowed\n").header("Allow", "GET, HEAD");
        }
        let relative = match relative_path(request.path()) {
            Ok(relative) => relative,
            Err(status) => return refusal(status),
        };
        let root = self.root.clone();
        let (file, metadata, path) =
            match spool::spawn_blocking(move || open_inside(&root, &relative)).await {
                Ok(Ok(opened)) => opened,
                Ok(Err(err)) => return refusal(status_for(&err)),
                Err(_) => return refusal(500),
            };

        let size = metadata.len();
        let validators = Validators::of(&metadata);
        let answer = match request.headers().get("range") {
            Some(range) if method == "GET" && validators.if_range_holds(request) => {
                parse_range(range, size)
            }
            _ => RangeAnswer::Full,
        };
        let response = match answer {
            RangeAnswer::Full => {
                Response::new(200).body(Body::sized_stream(size, file_chunks(file, 0, size)))
            }
            RangeAnswer::Part { start, end } => {
                let len = end - start + 1;
                Response::new(206)
                    .header("Content-Range", format!("bytes {start}-{end}/{size}"))
                    .body(Body::sized_stream(len, file_chunks(file, start, len)))
            }
            RangeAnswer::Unsatisfiable => {
                return Response::new(416).header("Content-Range", format!("bytes */{size}"));
            }
        };
        let mut response = response
            .header("Content-Type", content_type(&path))
            .header("Accept-Ranges", "bytes")
            .header("ETag", validators.etag);
        if let Some(last_modified) = validators.last_modified {
            response = response.header("Last-Modified", last_modified);
        }
        response
    }
}

impl Handler for ServeDir {
    async fn call(&self, request: Request) -> Response {
        self.respond(&request).await
    }
}

// ANCHOR: path_safety
/// Turns the path of a request URL into a path relative to the root, or
/// the status code to refuse it with.
///
/// Decoding comes first, so every spelling of a dangerous segment is seen
/// in its final form: `%2e%2e` is `..` and `%2f` is a separator by the time
/// the segments are checked. After that, the result is only ever a list of
/// plain names: no `..`, no root or drive prefix (segments never contain
/// a separator, and `\` and `:` are refused for Windows' sake), nothing
/// hidden.
fn relative_path(url_path: &str) -> Result<PathBuf, u16> {
    if !escapes_are_well_formed(url_path.as_bytes()) {
        return Err(400);
    }
    let decoded: Vec<u8> = percent_decode_str(url_path).collect();
    if decoded.contains(&0) {
        return Err(400);
    }
    let decoded = String::from_utf8(decoded).map_err(|_| 404u16)?;
    let mut relative = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            _ if segment.starts_with('.') => return Err(404),
            _ if segment.contains(['\\', ':']) => return Err(404),
            _ => relative.push(segment),
        }
    }
    Ok(relative)
}

/// Opens `root/relative` (or its `index.html` if it is a directory), as
/// long as the path, with every symlink resolved, is still inside `root`.
/// Runs on the blocking pool.
fn open_inside(root: &Path, relative: &Path) -> io::Result<(File, Metadata, PathBuf)> {
    let inside = |path: &Path| -> io::Result<PathBuf> {
        let resolved = path.canonicalize()?;
        if resolved.starts_with(root) {
            Ok(resolved)
        } else {
            Err(io::ErrorKind::NotFound.into())
        }
    };
    let mut path = inside(&root.join(relative))?;
    if path.is_dir() {
        path = inside(&path.join("index.html"))?;
    }
    let (file, metadata) = open_regular(&path)?;
    Ok((file, metadata, path))
}

/// Opens `path` for reading if it is a regular file, and never blocks on
/// anything else.
///
/// The type is checked before opening, so a FIFO or a device is never
/// opened at all. Someone could swap in a FIFO between the check and the
/// open, so the open itself does not wait (`O_NONBLOCK`: opening a FIFO
/// then returns at once) and does not follow a symlink that appeared
/// meanwhile (`O_NOFOLLOW`), and the opened file is checked again. On a
/// regular file `O_NONBLOCK` changes nothing, so reads are as usual.
fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let not_regular = || io::Error::from(io::ErrorKind::NotFound);
    if !std::fs::symlink_metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    Ok((file, metadata))
}
// ANCHOR_END: path_safety

/// The status for a failure to find or open a file. A name longer than
/// the file system allows, or a symlink loop, is a name that leads to no
/// file: 404, like a missing one.
fn status_for(err: &io::Error) -> u16 {
    match err.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidInput => 404,
        io::ErrorKind::PermissionDenied => 403,
        _ if leads_nowhere(err) => 404,
        _ => 500,
    }
}

#[cfg(unix)]
fn leads_nowhere(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::ENAMETOOLONG | libc::ELOOP))
}

#[cfg(not(unix))]
fn leads_nowhere(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::InvalidFilename
}

fn refusal(status: u16) -> Response {
    let reason = crate::proto::reason_phrase(status);
    Response::text(status, format!("{reason}\n"))
}

/// The two validators a client can quote back in `If-Range`.
struct Validators {
    etag: String,
    last_modified: Option<String>,
}

impl Validators {
    fn of(metadata: &Metadata) -> Validators {
        let modified = metadata.modified().ok();
        let nanos = modified
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos());
        // A modification time in the future must be given as now (RFC 9110
        // §8.8.2.1); one before 1970 has no HTTP date and is given as 1970.
        let last_modified = modified
            .map(|time| time.clamp(UNIX_EPOCH, SystemTime::now()))
            .map(httpdate::fmt_http_date);
        Validators {
            etag: format!("\"{:x}-{nanos:x}\"", metadata.len()),
            last_modified,
        }
    }

    // ANCHOR: if_range
    /// Whether a `Range` header should be honoured: yes without
    /// `If-Range`, and with one only if it names the current version of the
    /// file exactly. An entity tag starts with a quote; anything else is a
    /// date. Weak tags (`W/"..."`) never match, as RFC 9110 §13.1.5 asks.
    fn if_range_holds(&self, request: &Request) -> bool {
        let Some(value) = request.headers().get("if-range") else {
            return true;
        };
        let value = value.trim();
        if value.starts_with('"') {
            value == self.etag
        } else {
            self.last_modified.as_deref() == Some(value)
        }
    }
    // ANCHOR_END: if_range
}

/// `len` bytes of `file` from `start`, one blocking read per chunk.
fn file_chunks(file: File, start: u64, len: u64) -> impl Stream<Item = io::Result<Vec<u8>>> {
    spool::stream::unfold(Some((file, Some(start), len)), |state| async move {
        let (file, seek_to, remaining) = state?;
        if remaining == 0 {
            return None;
        }
        let want = remaining.min(CHUNK);
        match spool::spawn_blocking(move || read_chunk(file, seek_to, want)).await {
            Ok(Ok((file, chunk))) => {
                let left = remaining - chunk.len() as u64;
                Some((Ok(chunk), Some((file, None, left))))
            }
            Ok(Err(err)) => Some((Err(err), None)),
            Err(join) => Some((Err(io::Error::other(join.to_string())), None)),
        }
    })
}

fn read_chunk(mut file: File, seek_to: Option<u64>, want: u64) -> io::Result<(File, Vec<u8>)> {
    if let Some(position) = seek_to.filter(|&position| position > 0) {
        file.seek(SeekFrom::Start(position))?;
    }
    let mut chunk = Vec::with_capacity(want as usize);
    (&mut file).take(want).read_to_end(&mut chunk)?;
    if chunk.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file shrank while it was being sent",
        ));
    }
    Ok((file, chunk))
}

/// A media type from the file extension, for the handful of types a
/// browser cares about; everything else is `application/octet-stream`.
fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" | "md" | "rs" | "toml" => "text/plain; charset=utf-8",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_become_relative_paths() {
        assert_eq!(relative_path("/a/b.txt"), Ok(PathBuf::from("a/b.txt")));
        assert_eq!(relative_path("/"), Ok(PathBuf::new()));
        assert_eq!(relative_path("//a//./b"), Ok(PathBuf::from("a/b")));
        assert_eq!(
            relative_path("/with%20space.txt"),
            Ok(PathBuf::from("with space.txt"))
        );
        assert_eq!(relative_path("/caf%C3%A9"), Ok(PathBuf::from("café")));
        // Decoding happens once: %25 is a literal percent sign.
        assert_eq!(relative_path("/%252e%252e"), Ok(PathBuf::from("%2e%2e")));
    }

    #[test]
    fn traversal_in_every_spelling_is_refused() {
        for path in [
            "/..",
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/..%2fetc%2fpasswd",
            "/a%2f..%2f..%2fetc",
            "/.%2e/x",
            "/..\\etc",
            "/a\\..\\..\\x",
            "/C:/Windows",
        ] {
            assert_eq!(relative_path(path), Err(404), "{path}");
        }
    }

    #[test]
    fn hidden_files_nul_and_bad_escapes_are_refused() {
        assert_eq!(relative_path("/.git/config"), Err(404));
        assert_eq!(relative_path("/a/.env"), Err(404));
        assert_eq!(relative_path("/a%00.txt"), Err(400));
        assert_eq!(relative_path("/a%2"), Err(400));
        assert_eq!(relative_path("/a%zz"), Err(400));
        assert_eq!(relative_path("/%ff"), Err(404));
    }

    #[test]
    fn content_types_by_extension() {
        let of = |path: &str| content_type(Path::new(path));
        assert_eq!(of("/srv/index.HTML"), "text/html; charset=utf-8");
        assert_eq!(of("/srv/a.tar.gz"), "application/octet-stream");
        assert_eq!(of("/srv/noext"), "application/octet-stream");
        assert_eq!(of("/srv/.hidden"), "application/octet-stream");
    }
}
