//! The second wave of `spool-dl` flags, end to end through the command:
//! header fields and the user agent, checksums, the rate limit, names
//! from `-O`, `out=` and `Content-Disposition`, and credentials in URLs,
//! against servers on 127.0.0.1 that record what they were sent.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr};

use std::process::{Command, Output};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use spool_http::server::{Handler, Request, Response, Server, ShutdownHandle};
use spool_tests::{TempDir, names_in, read_report, spool_dl, stderr};

/// A server for one test, on its own thread and loop, stopped on drop.
struct Site {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    thread: Option<thread::JoinHandle<()>>,
}

impl Site {
    fn start<H: Handler + Send + 'static>(handler: H) -> Site {
        let (tx, rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            spool::block_on(async move {
                let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
                let _ = tx.send((server.local_addr(), server.shutdown_handle()));
                server.serve(handler).await;
            })
        });
        let (addr, shutdown) = rx.recv().unwrap();
        Site {
            addr,
            shutdown,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.shutdown.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What a server was sent: for each request, its path and its header
/// fields as `name: value` lines, names in lower case.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl Seen {
    fn record(&self, request: &Request) -> String {
        let mut fields = String::new();
        for (name, value) in request.headers().iter() {
            fields.push_str(&format!(
                "{}: {}\n",
                name.to_ascii_lowercase(),
                String::from_utf8_lossy(value)
            ));
        }
        let mut all = self.0.lock().unwrap();
        all.push((request.path().to_owned(), fields.clone()));
        fields
    }

    fn requests(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }

    fn fields_for(&self, path: &str) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|(p, _)| p == path)
            .map(|(_, fields)| fields)
            .collect()
    }
}

/// The `-o` argument for a test's directory: its `out` folder.
fn out(dir: &TempDir) -> String {
    dir.join("out").to_str().unwrap().to_owned()
}

fn run(args: &[&str]) -> Output {
    spool_dl(env!("CARGO_BIN_EXE_spool-dl"), &["-q"])
        .args(args)
        .output()
        .unwrap()
}

/// Answers every request with the header fields it carried.
fn header_echo(seen: Seen) -> impl Fn(Request) -> std::future::Ready<Response> + Send {
    move |request: Request| {
        let fields = seen.record(&request);
        std::future::ready(Response::text(200, fields))
    }
}

// ---------------------------------------------------------------- headers

#[test]
fn header_fields_and_the_user_agent_reach_the_server() {
    let seen = Seen::default();
    let site = Site::start(header_echo(seen.clone()));
    let dir = TempDir::new("headers");
    let output = run(&[
        "-o",
        &out(&dir),
        "-H",
        "X-Token: abc 123",
        "--header",
        "Accept-Language: fr",
        "-A",
        "test-bot/2.0",
        &site.url("/with-flags"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sent = fs::read_to_string(dir.join("out/with-flags")).unwrap();
    for line in [
        "x-token: abc 123\n",
        "accept-language: fr\n",
        "user-agent: test-bot/2.0\n",
    ] {
        assert!(sent.contains(line), "{line:?} not in\n{sent}");
    }
    assert_eq!(sent.matches("user-agent:").count(), 1, "{sent}");

    let output = run(&["-o", &out(&dir), &site.url("/plain")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sent = fs::read_to_string(dir.join("out/plain")).unwrap();
    let default = format!("user-agent: spool-dl/{}\n", env!("CARGO_PKG_VERSION"));
    assert!(sent.contains(&default), "{sent}");
}

#[test]
fn a_header_flag_overrides_the_user_agent_flag() {
    let seen = Seen::default();
    let site = Site::start(header_echo(seen.clone()));
    let dir = TempDir::new("ua-header");
    let output = run(&[
        "-o",
        &out(&dir),
        "-A",
        "from-a",
        "-H",
        "User-Agent: from-h",
        &site.url("/ua"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sent = fs::read_to_string(dir.join("out/ua")).unwrap();
    assert!(sent.contains("user-agent: from-h\n"), "{sent}");
    assert_eq!(sent.matches("user-agent:").count(), 1, "{sent}");
}

#[test]
fn bad_header_flags_are_usage_errors_and_nothing_is_fetched() {
    let seen = Seen::default();
    let site = Site::start(header_echo(seen.clone()));
    let dir = TempDir::new("bad-headers");
    let url = site.url("/never");
    for (flag, value, says) in [
        ("-H", "No colon here", "expected 'Name: value'"),
        ("-H", "Bad Name: x", "invalid header name"),
        ("-H", "X-Evil: a\r\nHost: b", "contains CR"),
        ("-H", "Range: bytes=0-", "Range cannot be set by hand"),
        ("-A", "bot\nX: y", "contains LF"),
    ] {
        let output = run(&["-o", &out(&dir), flag, value, &url]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{value:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(says),
            "{value:?}: {}",
            stderr(&output)
        );
    }
    assert!(seen.requests().is_empty());
    assert!(!dir.join("out").exists());
}

#[test]
fn header_lines_in_the_list_apply_to_their_url_only() {
    let seen = Seen::default();
    let site = Site::start(header_echo(seen.clone()));
    let dir = TempDir::new("list-headers");
    let list = dir.join("list.txt");
    fs::write(
        &list,
        format!(
            "{}\n  header=X-Which: one\n{}\n\theader=X-Which: two\n  header=X-More: yes\n{}\n",
            site.url("/one"),
            site.url("/two"),
            site.url("/none")
        ),
    )
    .unwrap();
    let output = run(&[
        "-o",
        &out(&dir),
        "-H",
        "X-All: 1",
        "-i",
        list.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let one = &seen.fields_for("/one")[0];
    let two = &seen.fields_for("/two")[0];
    let none = &seen.fields_for("/none")[0];
    assert!(
        one.contains("x-which: one\n") && one.contains("x-all: 1\n"),
        "{one}"
    );
    assert!(
        two.contains("x-which: two\n") && two.contains("x-more: yes\n"),
        "{two}"
    );
    assert!(
        !none.contains("x-which") && none.contains("x-all: 1\n"),
        "{none}"
    );
}

// -------------------------------------------------------------- checksums

/// SHA-256 of one million `a` (FIPS 180-2, appendix B.3).
const MILLION_A_SHA256: &str = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

/// `/good` is a million `a`; `/bad` is a million `a` with one `b`;
/// `/flaky` is `/bad` the first time and `/good` after.
fn mirror(seen: Seen) -> impl Fn(Request) -> std::future::Ready<Response> + Send {
    move |request: Request| {
        seen.record(&request);
        let mut body = vec![b'a'; 1_000_000];
        let corrupt = match request.path() {
            "/bad" => true,
            "/flaky" => seen.fields_for("/flaky").len() == 1,
            _ => false,
        };
        if corrupt {
            body[500_000] = b'b';
        }
        std::future::ready(Response::bytes(200, body))
    }
}

#[test]
fn a_matching_checksum_saves_the_file() {
    let site = Site::start(mirror(Seen::default()));
    let dir = TempDir::new("sum-ok");
    let report = dir.join("report.json");
    let output = run(&[
        "-o",
        &out(&dir),
        "--report",
        report.to_str().unwrap(),
        "--checksum",
        &format!("sha-256={}", MILLION_A_SHA256.to_uppercase()),
        &site.url("/good"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        fs::read(dir.join("out/good")).unwrap(),
        vec![b'a'; 1_000_000]
    );
    assert_eq!(read_report(&report)["downloads"][0]["status"], "ok");
}

#[test]
fn a_mismatch_never_reaches_the_final_name_and_is_retried_from_zero() {
    let seen = Seen::default();
    let site = Site::start(mirror(seen.clone()));
    let dir = TempDir::new("sum-bad");
    let report = dir.join("report.json");
    let output = run(&[
        "-o",
        &out(&dir),
        "--retries",
        "2",
        "--report",
        report.to_str().unwrap(),
        "--checksum",
        &format!("sha-256={MILLION_A_SHA256}"),
        &site.url("/bad"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        names_in(&dir.join("out")).is_empty(),
        "{:?}",
        names_in(&dir.join("out"))
    );
    // Three attempts, each from the first byte.
    let requests = seen.fields_for("/bad");
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|fields| !fields.contains("range:")));
    let entry = &read_report(&report)["downloads"][0];
    assert_eq!(entry["status"], "failed");
    assert_eq!(entry["error_kind"], "checksum");
    assert_eq!(entry["attempts"], 3);
    let error = entry["error"].as_str().unwrap();
    assert!(error.contains(MILLION_A_SHA256), "{error}");
    assert!(
        error.contains("expected") && error.contains("got"),
        "{error}"
    );
}

#[test]
fn a_mirror_that_corrects_itself_passes_on_the_retry() {
    let seen = Seen::default();
    let site = Site::start(mirror(seen.clone()));
    let dir = TempDir::new("sum-flaky");
    let report = dir.join("report.json");
    let output = run(&[
        "-o",
        &out(&dir),
        "--report",
        report.to_str().unwrap(),
        "--checksum",
        &format!("sha-256={MILLION_A_SHA256}"),
        &site.url("/flaky"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(read_report(&report)["downloads"][0]["attempts"], 2);
    assert_eq!(
        fs::read(dir.join("out/flaky")).unwrap(),
        vec![b'a'; 1_000_000]
    );
}

#[test]
fn checksums_and_names_per_url_in_the_list() {
    let site = Site::start(mirror(Seen::default()));
    let dir = TempDir::new("sum-list");
    let list = dir.join("list.txt");
    fs::write(
        &list,
        format!(
            "{good}\n  checksum=sha-256={MILLION_A_SHA256}\n  out=verified.bin\n\
             {bad}\n  checksum=sha-256={MILLION_A_SHA256}\n  out=rejected.bin\n\
             {good}\n  checksum=sha-256=1234\n",
            good = site.url("/good"),
            bad = site.url("/bad"),
        ),
    )
    .unwrap();
    let report = dir.join("report.json");
    let output = run(&[
        "-o",
        &out(&dir),
        "--retries",
        "0",
        "--report",
        report.to_str().unwrap(),
        "-i",
        list.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(names_in(&dir.join("out")), ["verified.bin"]);
    let report = read_report(&report);
    let downloads = report["downloads"].as_array().unwrap();
    assert_eq!(downloads[0]["status"], "ok");
    assert_eq!(downloads[1]["error_kind"], "checksum");
    // A malformed checksum fails its URL before anything is fetched.
    assert_eq!(downloads[2]["attempts"], 0);
    let error = downloads[2]["error"].as_str().unwrap();
    assert!(
        error.contains("input line 7") && error.contains("64 hex digits"),
        "{error}"
    );
}

#[test]
fn bad_checksum_flags_are_usage_errors() {
    let dir = TempDir::new("sum-usage");
    for (value, says) in [
        ("sha-256", "expected ALGORITHM=HEX"),
        ("crc32=00000000", "unknown checksum algorithm"),
        ("sha-256=abcd", "64 hex digits"),
    ] {
        let output = run(&[
            "-o",
            &out(&dir),
            "--checksum",
            value,
            "http://127.0.0.1:9/x",
        ]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{value}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(says),
            "{value}: {}",
            stderr(&output)
        );
    }
    let sum = format!("sha-256={MILLION_A_SHA256}");
    let output = run(&[
        "-o",
        &out(&dir),
        "--checksum",
        &sum,
        "http://127.0.0.1:9/a",
        "http://127.0.0.1:9/b",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("one URL"), "{}", stderr(&output));
}

// -------------------------------------------------------------- rate limit

#[test]
fn the_rate_limit_holds_for_the_whole_batch() {
    // Two files of 768 KiB, two at a time, 512 KiB/s in all: 3 s. The
    // lower bound is the limit's promise less one burst; the upper bound
    // only catches a limit applied per download or twice over.
    let site = Site::start(|_: Request| async { Response::bytes(200, vec![7u8; 768 * 1024]) });
    let dir = TempDir::new("rate");
    let started = Instant::now();
    let output = run(&[
        "-o",
        &out(&dir),
        "-j",
        "2",
        "--limit-rate",
        "512K",
        &site.url("/one"),
        &site.url("/two"),
    ]);
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs::metadata(dir.join("out/one")).unwrap().len(), 768 * 1024);
    assert!(elapsed >= Duration::from_millis(2700), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(6000), "{elapsed:?}");
}

#[test]
fn bad_rates_are_usage_errors() {
    for (value, says) in [
        ("fast", "expected bytes per second"),
        ("0", "at least 1 byte"),
    ] {
        let output = run(&["--limit-rate", value, "http://127.0.0.1:9/x"]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{value}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(says),
            "{value}: {}",
            stderr(&output)
        );
    }
}

// ------------------------------------------------------------------ names

#[test]
fn output_names_from_the_flag_and_the_list() {
    let site =
        Site::start(
            |request: Request| async move { Response::text(200, request.path().to_owned()) },
        );
    let dir = TempDir::new("out-names");
    fs::create_dir_all(dir.join("out")).unwrap();
    fs::write(dir.join("out/taken.txt"), "old").unwrap();
    let output = run(&["-o", &out(&dir), "-O", "chosen.txt", &site.url("/dl?id=1")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        fs::read_to_string(dir.join("out/chosen.txt")).unwrap(),
        "/dl"
    );

    let list = dir.join("list.txt");
    fs::write(
        &list,
        format!(
            "{}\n  out=taken.txt\n{}\n  out=.hidden\n",
            site.url("/a"),
            site.url("/b")
        ),
    )
    .unwrap();
    let output = run(&["-o", &out(&dir), "-i", list.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // An existing file is never replaced; a leading dot is not kept.
    assert_eq!(
        fs::read_to_string(dir.join("out/taken.txt")).unwrap(),
        "old"
    );
    assert_eq!(
        fs::read_to_string(dir.join("out/taken.1.txt")).unwrap(),
        "/a"
    );
    assert_eq!(fs::read_to_string(dir.join("out/_hidden")).unwrap(), "/b");
}

#[test]
fn an_output_name_with_a_separator_is_a_usage_error() {
    let dir = TempDir::new("out-bad");
    for name in ["../escape", "sub/file", "a\\b", "..", ""] {
        let output = run(&["-o", &out(&dir), "-O", name, "http://127.0.0.1:9/x"]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name:?}: {}",
            stderr(&output)
        );
    }
    let output = run(&[
        "-o",
        &out(&dir),
        "-O",
        "one.bin",
        "http://127.0.0.1:9/a",
        "http://127.0.0.1:9/b",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!dir.join("out").exists());
}

/// `/cd/N` answers with the N-th hostile `Content-Disposition`.
const DISPOSITIONS: [(&str, Option<&str>); 9] = [
    (
        "attachment; filename=\"../../etc/passwd\"",
        Some("_._.._etc_passwd"),
    ),
    ("attachment; filename=\"a/b\"", Some("a_b")),
    ("attachment; filename=\"\"", None),
    ("attachment; filename=\"..\"", None),
    (
        "attachment; filename*=UTF-8''nul%00byte.txt",
        Some("nul_byte.txt"),
    ),
    (
        "attachment; filename*=UTF-8''..%2F..%2Fsentinel",
        Some("_._.._sentinel"),
    ),
    ("attachment; filename=\".bashrc\"", Some("_bashrc")),
    (
        "attachment; filename=\"plain.txt\"; filename*=UTF-8''%E2%82%AC.txt",
        Some("€.txt"),
    ),
    ("inline; filename=report.pdf", Some("report.pdf")),
];

#[test]
fn content_disposition_names_never_leave_the_output_directory() {
    let long = format!("attachment; filename=\"{}.bin\"", "x".repeat(5000));
    let site = Site::start(move |request: Request| {
        let index: usize = request
            .path()
            .trim_start_matches("/cd/")
            .parse()
            .unwrap_or(99);
        let value = match DISPOSITIONS.get(index) {
            Some((value, _)) => (*value).to_owned(),
            None => long.clone(),
        };
        std::future::ready(
            Response::text(200, request.path().to_owned()).header("Content-Disposition", value),
        )
    });
    let dir = TempDir::new("cd");
    fs::write(dir.join("sentinel"), "untouched").unwrap();
    let mut args = vec![
        "-o".to_owned(),
        out(&dir),
        "--content-disposition".to_owned(),
    ];
    for index in 0..=DISPOSITIONS.len() {
        args.push(site.url(&format!("/cd/{index}")));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    assert_eq!(names_in(dir.path()), ["out", "sentinel"]);
    assert_eq!(
        fs::read_to_string(dir.join("sentinel")).unwrap(),
        "untouched"
    );
    let out = dir.join("out");
    for (index, (value, expected)) in DISPOSITIONS.iter().enumerate() {
        // No usable name: the URL's name, `N`, is used instead.
        let name = expected.map_or_else(|| index.to_string(), str::to_owned);
        let body = fs::read_to_string(out.join(&name))
            .unwrap_or_else(|e| panic!("{value}: {name}: {e}; have {:?}", names_in(&out)));
        assert_eq!(body, format!("/cd/{index}"), "{value}");
    }
    let long_name = names_in(&out)
        .into_iter()
        .find(|n| n.starts_with("xxx"))
        .unwrap();
    assert!(
        long_name.len() <= 200 && long_name.ends_with(".bin"),
        "{long_name}"
    );
    assert_eq!(names_in(&out).len(), DISPOSITIONS.len() + 1);
}

#[test]
fn without_the_flag_content_disposition_is_ignored() {
    let site = Site::start(|_: Request| async {
        Response::text(200, "x").header("Content-Disposition", "attachment; filename=\"evil.sh\"")
    });
    let dir = TempDir::new("cd-off");
    let output = run(&["-o", &out(&dir), &site.url("/report.pdf")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(names_in(&dir.join("out")), ["report.pdf"]);
}

// ------------------------------------------------------------ credentials

/// The origin that holds the files: `/private` needs the credentials,
/// `/hop` redirects to `/private` on the same origin, and `/away`
/// redirects to `elsewhere` (another port, so another origin).
fn vault(seen: Seen, elsewhere: String) -> impl Fn(Request) -> std::future::Ready<Response> + Send {
    move |request: Request| {
        let fields = seen.record(&request);
        let response = match request.path() {
            "/hop" => Response::new(302).header("Location", "/private"),
            "/away" => Response::new(302).header("Location", elsewhere.clone()),
            _ if fields.contains("authorization: Basic YWxpY2U6czNjcmV0\n") => {
                Response::text(200, "treasure")
            }
            _ => Response::new(401),
        };
        std::future::ready(response)
    }
}

#[test]
fn url_credentials_go_to_their_origin_only_and_are_never_shown() {
    let elsewhere_seen = Seen::default();
    let elsewhere = Site::start(header_echo(elsewhere_seen.clone()));
    let vault_seen = Seen::default();
    let vault = Site::start(vault(vault_seen.clone(), elsewhere.url("/landing")));
    let with_secret = |path: &str| {
        vault
            .url(path)
            .replacen("http://", "http://alice:s3cret@", 1)
    };
    let dir = TempDir::new("auth");
    let report = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_spool-dl"))
        .args(["--retry-delay", "0.01", "-o", &out(&dir)])
        .args(["--report", report.to_str().unwrap()])
        .args([
            with_secret("/private"),
            with_secret("/hop"),
            with_secret("/away"),
        ])
        .arg(vault.url("/private"))
        .output()
        .unwrap();
    // The last URL has no credentials and gets a 401.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        fs::read_to_string(dir.join("out/private")).unwrap(),
        "treasure"
    );
    assert_eq!(fs::read_to_string(dir.join("out/hop")).unwrap(), "treasure");

    // Sent to the vault, kept across its own redirect (the third request
    // for /private is the URL given without credentials)...
    let private = vault_seen.fields_for("/private");
    let with_auth = private
        .iter()
        .filter(|f| f.contains("authorization: Basic YWxpY2U6czNjcmV0\n"))
        .count();
    assert_eq!((private.len(), with_auth), (3, 2), "{private:?}");
    // ...and dropped on the way to another origin.
    let landing = &elsewhere_seen.fields_for("/landing")[0];
    assert!(!landing.contains("authorization"), "{landing}");
    let away = fs::read_to_string(dir.join("out/away")).unwrap();
    assert!(!away.contains("authorization"), "{away}");

    // Never shown: not on the terminal, not in the report.
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    let written = fs::read_to_string(&report).unwrap();
    for text in [&printed, &written] {
        assert!(
            !text.contains("s3cret") && !text.contains("alice"),
            "{text}"
        );
    }
    let report = read_report(&report);
    assert_eq!(
        report["downloads"][0]["url"],
        format!("http://***@{}/private", vault.addr)
    );
}

#[test]
fn header_credentials_are_not_sent_across_origins_either() {
    let elsewhere_seen = Seen::default();
    let elsewhere = Site::start(header_echo(elsewhere_seen.clone()));
    let vault = Site::start(vault(Seen::default(), elsewhere.url("/landing")));
    let dir = TempDir::new("auth-header");
    let output = run(&[
        "-o",
        &out(&dir),
        "-H",
        "Authorization: Bearer t0ken",
        "-H",
        "Cookie: session=c00kie",
        "-H",
        "X-Visible: yes",
        &vault.url("/away"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let landing = &elsewhere_seen.fields_for("/landing")[0];
    assert!(
        !landing.contains("t0ken") && !landing.contains("c00kie"),
        "{landing}"
    );
    assert!(landing.contains("x-visible: yes\n"), "{landing}");
}

// ------------------------------------------------------------------- help

#[test]
fn help_groups_the_options_like_curl_and_aria2c() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    let mut last = 0;
    for heading in [
        "Input:",
        "Output:",
        "HTTP:",
        "Limits:",
        "Retries and resuming:",
    ] {
        let at = help
            .find(heading)
            .unwrap_or_else(|| panic!("no {heading:?} in\n{help}"));
        assert!(at > last, "{heading:?} out of order in\n{help}");
        last = at;
    }
    for flag in [
        "-H, --header <NAME: VALUE>",
        "-A, --user-agent <UA>",
        "--checksum <ALGORITHM=HEX>",
        "--limit-rate <RATE>",
        "-O, --output <NAME>",
        "--content-disposition",
    ] {
        assert!(help.contains(flag), "no {flag:?} in\n{help}");
    }
}

// ------------------------------------------------------------------ split

#[test]
fn split_fetches_one_file_over_several_range_requests() {
    let root = TempDir::new("split-root");
    let body: Vec<u8> = (0..3u32 << 20).map(|i| (i % 251) as u8).collect();
    fs::write(root.join("big.bin"), &body).unwrap();
    let files = spool_http::server::ServeDir::new(root.path()).unwrap();
    let seen = Seen::default();
    let site = Site::start({
        let seen = seen.clone();
        move |request: Request| {
            seen.record(&request);
            let files = files.clone();
            async move { files.respond(&request).await }
        }
    });
    let dir = TempDir::new("split");
    let output = run(&[
        "-o",
        &out(&dir),
        "-s",
        "3",
        "--min-split-size",
        "1M",
        &site.url("/big.bin"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(fs::read(dir.join("out/big.bin")).unwrap() == body);
    let requests = seen.fields_for("/big.bin");
    assert_eq!(requests.len(), 3, "{requests:?}");
    let ranged = requests
        .iter()
        .filter(|f| f.contains("range: bytes="))
        .count();
    assert_eq!(ranged, 2, "{requests:?}");
}
