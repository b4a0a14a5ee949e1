//! The `spool-dl` command: parse the flags, pick a display, run the batch,
//! print the summary, write the report, and exit 0 (all downloaded), 1 (any
//! failed) or 2 (usage error).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

mod cli;
mod demo;
mod flag_hints;

use spool::stream::{Stream, unfold};
use spool::sync::Queue;
use spool_dl::Downloader;
use spool_dl::input::{Entry, InputFile, Origin, UrlSource};
use spool_dl::progress::{Bars, Lines, Progress, Quiet};
use spool_dl::report::Report;

use crate::cli::{Config, Source};
use crate::flag_hints::WithFlags;

fn main() -> ExitCode {
    let config = Config::try_parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let (arguments, input_file) = match &config.source {
        Source::Demo => return demo::run(&config),
        Source::Urls {
            arguments,
            input_file,
        } => (arguments.clone(), input_file.clone()),
    };
    let input = match input_file.as_ref().map(InputFile::open).transpose() {
        Ok(input) => input,
        Err(e) => return usage_error(&e.to_string()),
    };
    let downloader = match config
        .settings()
        .and_then(|settings| config.build(settings))
    {
        Ok(downloader) => downloader,
        Err(e) => return usage_error(&e.to_string()),
    };
    if !config.quiet {
        let limit = spool_dl::descriptors::open_files_limit();
        if let Some(note) = flag_hints::descriptor_note(config.concurrency, config.split, limit) {
            eprintln!("spool-dl: {note}");
        }
    }
    // Without a list file, the count is known and the bar can show a percentage.
    let known_count = input.is_none().then_some(arguments.len() as u64);
    // `-O` and `--checksum` belong to the one URL argument (the command
    // line refuses them otherwise).
    let url_options = config.url_options.clone();
    let source = UrlSource::new(arguments, input).map(move |entry| {
        entry.map(|mut entry| {
            if entry.origin == Origin::Argument(1) {
                entry.options = url_options.clone();
            }
            entry
        })
    });
    let report = if config.quiet {
        run(&downloader, source, Quiet)
    } else if std::io::stderr().is_terminal() {
        let bars = Bars::new(known_count, config.concurrency);
        run(&downloader, source, WithFlags(bars))
    } else {
        run(
            &downloader,
            source,
            WithFlags(Lines::new(std::io::stderr())),
        )
    };
    let (mut report, input_error) = match report {
        Ok(report) => report,
        Err(e) => {
            // Nothing was downloaded: without a loop no request can start.
            eprintln!("spool-dl: {}", no_loop(&e));
            return ExitCode::from(1);
        }
    };
    flag_hints::add_to_report(&mut report);
    print!("{}", report.summary());
    if let Some(path) = &config.report {
        let written = std::fs::File::create(path).and_then(|f| report.write_json(f));
        if let Err(e) = written {
            eprintln!("spool-dl: writing the report to {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    if let Some(e) = input_error {
        // The list could not be read to its end: what was read is done and
        // reported, but the batch is not complete.
        eprintln!("spool-dl: {e}");
        return ExitCode::from(1);
    }
    if report.any_failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

// ANCHOR: reader
/// Runs the batch, reading the URL list on its own thread so that a slow
/// pipe on stdin never stalls the loop. Lines travel through a small
/// `spool::sync::Queue`: the reader thread blocks on `put` while the queue
/// is full (an event loop of its own on that thread, `try_block_on`), and
/// the batch pulls from it as slots free up. Fails, having downloaded nothing, when the process has
/// no descriptors left for the batch's own loop.
fn run<S, P>(
    downloader: &Downloader,
    source: S,
    progress: P,
) -> std::io::Result<(Report, Option<String>)>
where
    S: Iterator<Item = std::io::Result<Entry>> + Send + 'static,
    P: Progress + 'static,
{
    let queue = Arc::new(Queue::new(256));
    let reader = std::thread::spawn({
        let queue = queue.clone();
        move || -> Result<(), String> {
            // However the thread ends, an error or a panic included (its
            // own loop cannot be created without two free descriptors),
            // the batch must see the list end, or it would wait for it
            // forever.
            let _close = CloseOnDrop(&queue);
            let read = spool::try_block_on(async {
                for entry in source {
                    if queue.put(entry?).await.is_err() {
                        break; // the batch stopped reading
                    }
                }
                Ok::<(), std::io::Error>(())
            });
            match read {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("reading the URL list: {e}")),
                Err(e) => Err(format!("{}; the URL list was not read", no_loop(&e))),
            }
        }
    });
    let report = spool::try_block_on(downloader.download_batch(entries(queue.clone()), progress));
    queue.close();
    // Without a loop for the batch, nothing was started. The reader may be
    // blocked reading stdin, so it is not waited for: exiting ends it.
    let report = report?;
    let input_error = match reader.join() {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some("the thread reading the URL list panicked".into()),
    };
    Ok((report, input_error))
}
// ANCHOR_END: reader

/// What to say when a thread's event loop cannot be created: the process
/// has no descriptors left for its epoll instance and eventfd.
fn no_loop(e: &std::io::Error) -> String {
    let limit = match spool_dl::descriptors::open_files_limit() {
        Some(limit) => format!(" (ulimit -n is {limit})"),
        None => String::new(),
    };
    format!(
        "could not start the event loop: {e}. It needs two file descriptors \
         of its own{limit}; raise the limit and run again"
    )
}

/// Closes the queue when dropped.
struct CloseOnDrop<'a>(&'a Queue<Entry>);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

fn entries(queue: Arc<Queue<Entry>>) -> impl Stream<Item = Entry> + Unpin {
    unfold(queue, |queue| async move {
        let entry = queue.get().await?;
        Some((entry, queue))
    })
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("spool-dl: {message}");
    ExitCode::from(2)
}
