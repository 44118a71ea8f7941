//! Step 1, the lesson: the word counter as the course's Go program writes it (`go/wc/main.go`),
//! in safe Rust. Run it with `cargo run -p day5-wordcount -- --lesson FILE...`.
//!
//! ```text
//!  files ──▶ day 3's Pool (NumCPU workers): a worker reads its file a line at a time, splits it
//!            into words, lower-cases them and counts them into a HashMap of its own
//!        ──▶ the pool's results channel, one map per file ──▶ main merges ──▶ top N
//! ```
//!
//! | Go (`go/wc/main.go`)                                   | Rust, here                                   |
//! |--------------------------------------------------------|----------------------------------------------|
//! | `strings.Fields(s)`, `strings.ToLower(w)`              | [`count_words`]: `split_whitespace`, `to_lower` |
//! | `counts := map[string]int{}`, `counts[w]++`            | `HashMap<String, usize>`, `*counts.entry(w).or_insert(0) += 1` |
//! | `for w, n := range r.counts { total[w] += n }`         | [`merge`]                                    |
//! | `runtime.NumCPU()` goroutines reading `queue`, sending on `results`, `wg.Wait(); close(results)` | [`count_on_pool`]: day 3's [`Pool`] |
//! | `sort.Slice(…)`, `[:n]`                                | [`top_n`]                                    |
//! | `ctx, cancel := context.WithTimeout(ctx, t)`, `defer cancel()` | [`count_files`]: day 2's [`Context::with_timeout`] |
//! | `ctxReader`: `ctx.Err()` before every read             | [`count_file`]: `ctx.is_done()` before every line |
//!
//! Words are Go's, so this step prints what `go/wc` and the fast step print: runs of non-white
//! space (`unicode.IsSpace`), each char lower-cased alone, each invalid UTF-8 byte one `U+FFFD`.
//!
//! What this step does not promise: memory follows the longest line (a file without a newline is
//! held whole), and a read already blocked on a pipe waits for its data (Go's too).
//!
//! The next step is the fast counter ([`run`](crate::run)): the same output on the same tests
//! (`tests/steps.rs`), and what each of its tricks buys, measured, in its docs.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use day2_context::{Context, ContextError};
use day3_worker_pool::Pool;

/// How reading one file ended.
#[derive(Debug)]
pub enum End {
    /// Read to its end and counted.
    Complete,
    /// The context was done first: the lines read before are counted.
    Stopped,
    /// It could not be read: the lines read before the error are counted.
    Failed(io::Error),
}

/// What a worker sends back for one file (Go's `result`): its own map, and how reading ended.
#[derive(Debug)]
pub struct FileCount {
    /// The file's words.
    pub counts: HashMap<String, usize>,
    /// Complete, stopped or failed.
    pub end: End,
}

/// The whole run, merged.
#[derive(Debug, Default)]
pub struct Report {
    /// Every word counted, from every file.
    pub counts: HashMap<String, usize>,
    /// How many files were read to their end.
    pub complete: usize,
    /// The files that could not be read, and why.
    pub failed: Vec<(PathBuf, io::Error)>,
    /// Why the result is partial (some file was stopped or never started), if it is.
    pub partial: Option<ContextError>,
}

/// Counts `files` on a pool of `jobs` workers under `parent`, giving up after `timeout`: Go's
/// `run`. What was counted before the deadline is kept, and the report says it is partial.
pub fn count_files(
    parent: &Context,
    files: &[PathBuf],
    jobs: usize,
    timeout: Option<Duration>,
) -> Report {
    // lab:begin day5/timeout
    let (ctx, cancel) = match timeout {
        Some(t) => Context::with_timeout(parent, t),
        None => Context::with_cancel(parent),
    };
    let _cancel = cancel.drop_guard(); // Go: `defer cancel()`
    let mut report = count_on_pool(&ctx, files, jobs);
    // A file neither read to its end nor failed was stopped, or never started: only `ctx`
    // stops the pool, and it says why.
    if report.complete + report.failed.len() < files.len() {
        report.partial = ctx.err();
    }
    report
    // lab:end day5/timeout
}

/// One job per file on day 3's pool; each worker sends its file's map on the pool's results
/// channel, and this thread merges them as they arrive (Go: `for r := range results`).
pub fn count_on_pool(ctx: &Context, files: &[PathBuf], jobs: usize) -> Report {
    // lab:begin day5/count-on-pool
    let mut pool = Pool::new(ctx, jobs, |ctx: &Context, path: PathBuf| {
        count_file(ctx, &path)
    });
    for path in files {
        pool.submit(path.clone());
    }
    pool.close(); // Go: `close(queue)`; the results end when the last worker is done
    let mut report = Report::default();
    for outcome in pool.results() {
        let path = files[outcome.index].clone();
        match outcome.result {
            Ok(file) => {
                merge(&mut report.counts, file.counts);
                match file.end {
                    End::Complete => report.complete += 1,
                    End::Stopped => {}
                    End::Failed(e) => report.failed.push((path, e)),
                }
            }
            Err(panicked) => report.failed.push((path, io::Error::other(panicked))),
        }
    }
    report
    // lab:end day5/count-on-pool
}

/// Counts one file (`-`: standard input) into a new map, a line at a time, and stops between
/// two lines once `ctx` is done: what a worker does with one job.
pub fn count_file(ctx: &Context, path: &Path) -> FileCount {
    let mut counts = HashMap::new();
    let end = count_lines(ctx, path, &mut counts).unwrap_or_else(End::Failed);
    FileCount { counts, end }
}

fn count_lines(ctx: &Context, path: &Path, counts: &mut HashMap<String, usize>) -> io::Result<End> {
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let mut input = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        if ctx.is_done() {
            return Ok(End::Stopped);
        }
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(End::Complete);
        }
        count_words(&line, counts);
    }
}

/// Adds the words of `text` to `counts`: Go's
/// `for _, w := range strings.Fields(string(text)) { counts[strings.ToLower(w)]++ }`.
pub fn count_words(text: &[u8], counts: &mut HashMap<String, usize>) {
    // lab:begin day5/count-one-file
    for word in decode(text).split_whitespace() {
        *counts.entry(to_lower(word)).or_insert(0) += 1;
    }
    // lab:end day5/count-one-file
}

/// Adds every count of `counts` to `total`: Go's `for w, n := range counts { total[w] += n }`.
pub fn merge(total: &mut HashMap<String, usize>, counts: HashMap<String, usize>) {
    // lab:begin day5/merge-maps
    for (word, n) in counts {
        *total.entry(word).or_insert(0) += n;
    }
    // lab:end day5/merge-maps
}

/// The `n` most frequent words, by count and then by word: a map's order is random, ties need a rule.
pub fn top_n(counts: &HashMap<String, usize>, n: usize) -> Vec<(&str, usize)> {
    // lab:begin day5/top-n
    let mut all: Vec<(&str, usize)> = counts.iter().map(|(w, &c)| (w.as_str(), c)).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    all.truncate(n);
    all
    // lab:end day5/top-n
}

/// Bytes as text the way Go's `string(data)` is read: each invalid UTF-8 byte is one `U+FFFD`
/// (`String::from_utf8_lossy` writes one per invalid *sequence*, so `a\xE2\x80` would differ).
fn decode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(chunk.invalid().iter().map(|_| char::REPLACEMENT_CHARACTER));
    }
    text
}

/// Go's `strings.ToLower`: each char lower-cased on its own, one char to one. Not
/// `str::to_lowercase`, which writes a final `Σ` as `ς` and `İ` as two chars (`i̇`); the first
/// char of `char::to_lowercase` is Go's `unicode.ToLower` for every char.
fn to_lower(word: &str) -> String {
    word.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}
