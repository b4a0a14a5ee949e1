//! A download over HTTPS cut by a bare TCP close must not be reported `ok`.
//!
//! A response without a length runs until the connection closes. Over TLS
//! the server ends it with `close_notify`; a FIN without one may come from
//! anyone on the path (RFC 9112 §9.8), so a body ended that way is a failed
//! attempt, retried like any other cut body, and never saved under its
//! final name.

use spool_dl::report::Status;
use spool_tests::pki::{self, Pki};
use spool_tests::{RawServer, TempDir, names_in, quick};

/// Answers every request with a close-delimited body over TLS, then
/// closes `close_notify` first only if `confirm` is set.
fn server(pki: &Pki, confirm: bool) -> RawServer {
    let config = pki::server_config(pki, rustls::DEFAULT_VERSIONS);
    RawServer::start_tls(config, move |mut c| {
        if c.read_request().is_some() {
            c.write(b"HTTP/1.1 200 OK\r\n\r\n");
            c.write(&[b'x'; 4000]);
            if confirm {
                let _ = c.close_notify();
            }
        }
    })
}

fn url(server: &RawServer, path: &str) -> String {
    server
        .url(path)
        .replace("http://127.0.0.1", "https://localhost")
}

#[test]
fn a_close_delimited_body_cut_without_close_notify_is_a_failed_download() {
    let pki = pki::pki();
    let server = server(&pki, false);
    let dir = TempDir::new("tls-truncation");
    let report = quick(dir.path())
        .extra_root_pem(pki.ca_pem.clone().into_bytes())
        .build()
        .unwrap()
        .run([url(&server, "/data.bin")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Failed, "{d:?}");
    assert_eq!(d.attempts, 3, "retried like any cut body: {d:?}");
    assert!(
        d.error
            .as_deref()
            .unwrap_or_default()
            .contains("close_notify"),
        "{d:?}"
    );
    assert!(!dir.join("data.bin").exists());
    assert_eq!(names_in(dir.path()), ["data.bin.part"]);
}

#[test]
fn a_close_delimited_body_ended_by_close_notify_is_saved() {
    let pki = pki::pki();
    let server = server(&pki, true);
    let dir = TempDir::new("tls-close-notify");
    let report = quick(dir.path())
        .extra_root_pem(pki.ca_pem.clone().into_bytes())
        .build()
        .unwrap()
        .run([url(&server, "/data.bin")]);
    let d = &report.downloads[0];
    assert_eq!(d.status, Status::Ok, "{d:?}");
    assert_eq!(std::fs::read(dir.join("data.bin")).unwrap(), [b'x'; 4000]);
}
