//! Ten thousand URLs from a list file: the batch finishes, memory does not
//! grow with the list, and open file descriptors stay bounded by `-j`.
//!
//! Alone in its test binary, so no other test's sockets or files are
//! counted in `/proc/self/fd`. The server runs in this process too, so its
//! side of each connection counts against the bound as well. The files go
//! to memory (`/dev/shm`) where possible: ten thousand file creations on a
//! busy disk would time the disk, not the downloader.

use std::cell::RefCell;
use std::fs;
use std::io::BufReader;
use std::rc::Rc;

use spool_dl::input::UrlSource;
use spool_dl::progress::{Event, Progress};
use spool_http::server::{Request, Response};
use spool_tests::{TempDir, TestServer, open_fds, quick, status_kib};

const URLS: usize = 10_000;
const JOBS: usize = 8;

/// Samples descriptors and resident memory as downloads finish.
#[derive(Default)]
struct Sampler {
    finished: usize,
    max_fds: usize,
    rss_after_warmup: u64,
    max_rss: u64,
}

/// The batch owns its progress; the test keeps a second handle to read it.
struct Shared(Rc<RefCell<Sampler>>);

impl Progress for Shared {
    fn event(&mut self, event: Event<'_>) {
        let mut s = self.0.borrow_mut();
        if let Event::Finished { .. } = event {
            s.finished += 1;
            if s.finished % 100 == 0 {
                s.max_fds = s.max_fds.max(open_fds().unwrap_or(0));
                let rss = status_kib("VmRSS").unwrap_or(0);
                if s.finished == 1_000 {
                    s.rss_after_warmup = rss;
                }
                s.max_rss = s.max_rss.max(rss);
            }
        }
    }
}

#[test]
fn ten_thousand_urls_in_bounded_memory_and_descriptors() {
    let baseline_fds = open_fds().expect("/proc/self/fd");
    let server = TestServer::start(|request: Request| async move {
        Response::bytes(200, request.path().as_bytes().to_vec())
    });
    let work = TempDir::in_memory("scale");
    let list = work.join("urls.txt");
    let mut text = String::from("# ten thousand small files\n");
    for i in 0..URLS {
        text.push_str(&server.url(&format!("/file-{i}.txt\n")));
    }
    fs::write(&list, text).unwrap();
    let out = work.join("out");
    let downloader = quick(&out).concurrency(JOBS).build().unwrap();

    let file = BufReader::new(fs::File::open(&list).unwrap());
    let entries = UrlSource::new(Vec::new(), Some(file)).map_while(Result::ok);
    let sampler = Rc::new(RefCell::new(Sampler::default()));
    let report = spool::block_on(
        downloader.download_batch(spool::stream::iter(entries), Shared(sampler.clone())),
    );
    let sampler = sampler.borrow();

    assert_eq!(report.downloads.len(), URLS);
    assert_eq!(report.succeeded(), URLS, "{}", report.summary());
    assert_eq!(
        fs::read(out.join("file-9999.txt")).unwrap(),
        b"/file-9999.txt"
    );
    // Per download in flight: a client socket, the server's end of it and
    // the .part file. The rest (loops, wakers, listener) is a constant.
    let fd_bound = baseline_fds + 3 * JOBS + 16;
    assert!(
        sampler.max_fds <= fd_bound,
        "{} descriptors open, bound {fd_bound}",
        sampler.max_fds
    );
    // What legitimately grows is a report entry and a name per URL, a few
    // MiB for the whole list; a buffer or task leaked per download would
    // be hundreds.
    let growth_kib = sampler.max_rss.saturating_sub(sampler.rss_after_warmup);
    assert!(
        growth_kib < 32 * 1024,
        "resident memory grew by {growth_kib} KiB after the first 1,000 downloads"
    );
    eprintln!(
        "scale: {URLS} URLs in {} ms, at most {} fds (baseline {baseline_fds}), RSS {} -> {} KiB",
        report.elapsed_ms, sampler.max_fds, sampler.rss_after_warmup, sampler.max_rss
    );
}
