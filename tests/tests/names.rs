//! File names chosen from hostile or colliding URLs, end to end: what the
//! server is asked for, and what ends up where on disk.

use std::fs;
use std::path::Path;

use spool_dl::report::Status;
use spool_http::server::{Request, Response};
use spool_tests::{RequestLog, TempDir, TestServer, body_for, names_in, quick};

/// Answers every path with `body_for(path)`, and, to show it is ignored,
/// a `Content-Disposition` naming a file the user never asked for.
fn echo(log: RequestLog) -> impl Fn(Request) -> std::future::Ready<Response> + Send {
    move |request: Request| {
        log.record(&request);
        std::future::ready(
            Response::bytes(200, body_for(request.path(), 2000))
                .header("Content-Disposition", "attachment; filename=\"../evil.sh\""),
        )
    }
}

#[test]
fn traversal_in_the_url_stays_inside_the_output_directory() {
    let server = TestServer::start(echo(RequestLog::new()));
    let parent = TempDir::new("traversal");
    fs::write(parent.join("sentinel"), b"untouched").unwrap();
    let out = parent.join("out");
    let urls = [
        "/..%2F..%2Fetc%2Fpasswd",
        "/a/..%2f..%2fsentinel",
        "/a/%2e%2e/%2e%2e/%2e%2e/sentinel",
        "/x/%2e%2e",
        "/..%5C..%5Csentinel",
        "/a\\..\\..\\sentinel",
        "/nul%00byte.txt",
        "/%2e%2e%2f%2e%2e%2f.bashrc",
    ]
    .map(|path| server.url(path));
    let report = quick(&out).build().unwrap().run(urls.clone());

    // The parent directory holds what it held, plus the output directory.
    assert_eq!(names_in(parent.path()), ["out", "sentinel"]);
    assert_eq!(fs::read(parent.join("sentinel")).unwrap(), b"untouched");
    assert_eq!(report.downloads.len(), urls.len());
    for d in &report.downloads {
        assert_eq!(d.status, Status::Ok, "{d:?}");
        let path = d.path.as_deref().unwrap();
        assert_eq!(path.parent(), Some(out.as_path()), "{d:?}");
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(!name.contains(['/', '\\', '\0']), "{name:?}");
        assert!(fs::metadata(path).unwrap().is_file());
    }
    let names = names_in(&out);
    assert_eq!(names.len(), urls.len(), "{names:?}");
    assert!(names.contains(&"_._.._etc_passwd".to_string()), "{names:?}");
    assert!(names.contains(&"nul_byte.txt".to_string()), "{names:?}");
    assert!(names.contains(&"index.html".to_string()), "{names:?}");
}

#[test]
fn same_name_urls_in_one_batch_get_numbered_names() {
    let server = TestServer::start(echo(RequestLog::new()));
    let dir = TempDir::new("collide");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/a/data.bin"), server.url("/b/data.bin")]);
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(names_in(dir.path()), ["data.1.bin", "data.bin"]);
    // Input order decides who gets the plain name.
    assert_eq!(
        report.downloads[0].path.as_deref(),
        Some(dir.join("data.bin").as_path())
    );
    assert_eq!(
        fs::read(dir.join("data.bin")).unwrap(),
        body_for("/a/data.bin", 2000)
    );
    assert_eq!(
        fs::read(dir.join("data.1.bin")).unwrap(),
        body_for("/b/data.bin", 2000)
    );
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let server = TestServer::start(echo(RequestLog::new()));
    let dir = TempDir::new("existing");
    fs::write(dir.join("data.bin"), b"the user's own file").unwrap();
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/data.bin")]);
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(
        fs::read(dir.join("data.bin")).unwrap(),
        b"the user's own file"
    );
    assert_eq!(
        fs::read(dir.join("data.1.bin")).unwrap(),
        body_for("/data.bin", 2000)
    );
    assert_eq!(names_in(dir.path()), ["data.1.bin", "data.bin"]);
}

/// `Content-Disposition` is ignored: the name always comes from the URL
/// the user gave, so a server cannot choose what lands in the directory
/// (curl without `-J` and wget without `--content-disposition` behave the
/// same way).
#[test]
fn a_server_supplied_file_name_is_ignored() {
    let server = TestServer::start(echo(RequestLog::new()));
    let dir = TempDir::new("disposition");
    let report = quick(dir.path())
        .build()
        .unwrap()
        .run([server.url("/download?id=7")]);
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(names_in(dir.path()), ["download"]);
    assert!(!Path::new(&dir.join("evil.sh")).exists());
}
