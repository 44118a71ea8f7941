//! The concurrent run: inputs → pieces → day 3's pool → per-worker maps → one merge.
//!
//! ```text
//!  main thread                    pool (--jobs threads, day 3)                 main thread
//!  stat + split ──(piece jobs)──▶ worker: take a map from `maps`, count the ──▶ Progress per piece
//!                                 piece into it, send the map back on `maps`    (results channel)
//!                                                         │
//!                                            after the pool: ≤ --jobs maps ──▶ merge ──▶ top N
//! ```
//!
//! Go's program sends one `map[string]int` per file on a results channel and merges them all. With
//! 16 files of 20 000 distinct words that is 320 000 merge steps, about as long as counting the
//! files on two cores. So here the maps travel on their own channel, `maps`, which is both the
//! results channel for maps and the pool of maps to reuse: a job *takes* a map from it (or makes
//! one), counts into it, and *sends it back*. At most `--jobs` jobs run at once, so at most `--jobs`
//! maps ever exist, and the final merge touches at most `--jobs` maps however many files or pieces
//! there were. The pool's own results channel carries a small [`Progress`] per piece.

use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use day2_context::{Context, ContextError};
use day3_worker_pool::Pool;

use crate::chunked::{ChunkCounter, DEFAULT_MAX_WORD, Overlong, Tokenizer};
use crate::counts::WordCounts;
use crate::letters::LetterCounter;
use crate::pieces::{self, Span};
use crate::source::{self, End, OpenOnRead, Progress, io_reason};

/// One input named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (no file given, or `-`).
    Stdin,
    /// A path.
    Path(PathBuf),
}

impl Input {
    /// The input for messages: `standard input`, or the path quoted and escaped as Rust's `{:?}`
    /// does (`"a b.txt"`, `"odd\nname\xFF"`), so that one message is always one line.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "standard input".to_owned(),
            Input::Path(p) => format!("{p:?}"),
        }
    }
}

/// Tuning knobs; [`Options::new`] gives the tool's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Worker threads in the pool (Go: `runtime.NumCPU()` by default).
    pub jobs: usize,
    /// Bytes per read ([`source::DEFAULT_CHUNK_SIZE`]).
    pub chunk_size: usize,
    /// A regular file is split into pieces no shorter than this (see [`pieces::piece_len`]).
    pub min_piece: u64,
    /// Words longer than this many bytes are skipped and reported (`--max-word`).
    pub max_word: usize,
    /// Count `--letters` words ([`letters`](crate::letters)) instead of Go's.
    pub letters: bool,
}

impl Options {
    /// `jobs` workers, default chunk size (128 KiB), minimum piece (1 MiB) and longest word
    /// (1 MiB), Go's words.
    pub fn new(jobs: usize) -> Self {
        Options {
            jobs,
            chunk_size: source::DEFAULT_CHUNK_SIZE,
            min_piece: 1 << 20,
            max_word: DEFAULT_MAX_WORD,
            letters: false,
        }
    }
}

/// How much of one input was counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Read to the end and counted.
    Full,
    /// Counting stopped (deadline or interrupt) after part of it.
    Partial,
    /// Counting stopped before any of it.
    NotCounted,
    /// It could not be read; the message says why (what was read before an error is counted).
    Failed(String),
}

/// What happened to one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReport {
    /// The input as the user named it.
    pub name: String,
    /// Its size when it was opened, for regular files.
    pub size: Option<u64>,
    /// Bytes counted.
    pub bytes: u64,
    /// Full, partial, not counted, or failed.
    pub status: Status,
    /// Words skipped for being longer than [`Options::max_word`] (the rest was counted).
    pub overlong: Option<Overlong>,
}

/// The outcome of a run: merged counts, one report per input, and the figures the benchmarks use.
#[derive(Debug)]
pub struct Tally {
    /// Every word counted, merged.
    pub counts: WordCounts,
    /// One report per input, in the order given.
    pub inputs: Vec<InputReport>,
    /// Why counting stopped early, if it did (some input is [`Status::Partial`] or
    /// [`Status::NotCounted`]).
    pub stopped: Option<ContextError>,
    /// How many per-worker maps were merged at the end (at most `jobs`).
    pub maps_merged: usize,
    /// How long that merge took.
    pub merge_time: Duration,
    /// How many pieces (pool jobs) the inputs were split into.
    pub pieces: usize,
}

impl Tally {
    /// Whether some input could not be read.
    pub fn any_failed(&self) -> bool {
        self.inputs
            .iter()
            .any(|r| matches!(r.status, Status::Failed(_)))
    }

    /// Whether some input held a word longer than [`Options::max_word`].
    pub fn any_overlong(&self) -> bool {
        self.inputs.iter().any(|r| r.overlong.is_some())
    }
}

/// One pool job: a piece of an input.
#[derive(Debug)]
struct Job {
    what: JobSource,
    chunk_size: usize,
    max_word: usize,
    letters: bool,
}

#[derive(Debug)]
enum JobSource {
    /// A span of a regular file, read by the worker itself.
    File { path: Arc<Path>, span: Span },
    /// A FIFO, character device or other non-regular file: read on a helper thread.
    Stream(Arc<Path>),
    /// Standard input, read on a helper thread.
    Stdin,
}

/// Counts every input under `ctx` with a pool of `opts.jobs` workers and merges the result.
///
/// Never fails as a whole: an input that cannot be read is reported in its [`InputReport`] and the
/// others are still counted; a done `ctx` (deadline, Ctrl-C) makes the result partial.
///
/// # Panics
/// Panics if `opts.jobs` or `opts.chunk_size` is 0.
pub fn count_inputs(ctx: &Context, inputs: &[Input], opts: &Options) -> Tally {
    assert!(
        opts.jobs > 0 && opts.chunk_size > 0,
        "count_inputs: jobs and chunk_size must be positive"
    );
    let mut reports: Vec<InputReport> = inputs
        .iter()
        .map(|i| InputReport {
            name: i.name(),
            size: None,
            bytes: 0,
            status: Status::Full,
            overlong: None,
        })
        .collect();
    let planned = plan(inputs, opts, &mut reports);
    let pieces = planned.len();

    let (maps_tx, maps_rx) = unbounded::<WordCounts>();
    let work = {
        let (tx, rx) = (maps_tx.clone(), maps_rx.clone());
        move |ctx: &Context, job: Job| {
            let mut map = MapLoan::take(&rx, &tx);
            run_job(ctx, job, &mut map.counts)
        }
    };
    // Which input each job index belongs to, and how many of each input's pieces completed.
    let mut owner = Vec::with_capacity(pieces);
    let mut pieces_of = vec![0usize; inputs.len()];
    let mut complete_of = vec![0usize; inputs.len()];
    {
        let mut pool = Pool::new(ctx, opts.jobs, work);
        for (input, job) in planned {
            owner.push(input);
            pieces_of[input] += 1;
            pool.submit(job);
        }
        pool.close();
        for outcome in pool.results() {
            let input = owner[outcome.index];
            let report = &mut reports[input];
            match outcome.result {
                Ok((Progress { bytes, end }, overlong)) => {
                    report.bytes += bytes;
                    report.overlong = Overlong::merge(report.overlong, overlong);
                    match end {
                        End::Complete => complete_of[input] += 1,
                        End::Stopped(_) => {}
                        End::Failed(e) => fail(report, &describe_read_error(&e, bytes)),
                    }
                }
                Err(panicked) => fail(report, &panicked.to_string()),
            }
        }
        // Every job either ran (its outcome was received above) or never started; the pool joins
        // its workers here, which also drops the work function and its clones of `maps`.
        let account = pool.finish();
        debug_assert!(
            account.completed.is_empty(),
            "the results loop drains every outcome"
        );
    }
    for (i, report) in reports.iter_mut().enumerate() {
        if matches!(report.status, Status::Failed(_)) {
            continue;
        }
        report.status = if complete_of[i] == pieces_of[i] {
            Status::Full
        } else if report.bytes > 0 || complete_of[i] > 0 {
            Status::Partial
        } else {
            Status::NotCounted
        };
    }
    let stopped = if reports
        .iter()
        .any(|r| matches!(r.status, Status::Partial | Status::NotCounted))
    {
        Some(ctx.err().unwrap_or(ContextError::Canceled))
    } else {
        None
    };

    drop(maps_tx);
    let maps: Vec<WordCounts> = maps_rx.try_iter().collect();
    let maps_merged = maps.len();
    let merge_start = Instant::now();
    let counts = merge_all(maps);
    let merge_time = merge_start.elapsed();
    Tally {
        counts,
        inputs: reports,
        stopped,
        maps_merged,
        merge_time,
        pieces,
    }
}

/// Merges maps into the largest one: every other map is walked once.
pub fn merge_all(mut maps: Vec<WordCounts>) -> WordCounts {
    maps.sort_unstable_by_key(WordCounts::len);
    let mut total = maps.pop().unwrap_or_default();
    for m in maps {
        total.merge(m);
    }
    total
}

/// Checks every input on the calling thread and turns the readable ones into jobs.
fn plan(inputs: &[Input], opts: &Options, reports: &mut [InputReport]) -> Vec<(usize, Job)> {
    let job = |what| Job {
        what,
        chunk_size: opts.chunk_size,
        max_word: opts.max_word,
        letters: opts.letters,
    };
    let mut regular = Vec::new(); // (input, path, size)
    let mut jobs = Vec::new();
    let mut stdin_taken = false;
    for (i, input) in inputs.iter().enumerate() {
        let path = match input {
            // Like `cat - -`: the first `-` reads standard input to its end, a later one finds it
            // empty (and is reported as counted in full, with 0 bytes).
            Input::Stdin if stdin_taken => continue,
            Input::Stdin => {
                stdin_taken = true;
                jobs.push((i, job(JobSource::Stdin)));
                continue;
            }
            Input::Path(p) => p,
        };
        match fs::metadata(path) {
            Err(e) => fail(&mut reports[i], &io_reason(&e)),
            Ok(meta) if meta.is_dir() => fail(&mut reports[i], "is a directory"),
            Ok(meta) if meta.is_file() => {
                reports[i].size = Some(meta.len());
                regular.push((i, Arc::<Path>::from(path.as_path()), meta.len()));
            }
            Ok(_) => jobs.push((i, job(JobSource::Stream(Arc::from(path.as_path()))))),
        }
    }
    let total: u64 = regular.iter().map(|r| r.2).sum();
    let piece_len = pieces::piece_len(total, opts.jobs, opts.min_piece);
    for (i, path, size) in regular {
        let spans = if opts.jobs > 1 && size >= 2 * piece_len {
            // A file we cannot open or seek is left whole: the worker then reports the error.
            File::open(&path)
                .and_then(|mut f| pieces::split(&mut f, size, piece_len))
                .unwrap_or(vec![Span::WHOLE])
        } else {
            vec![Span::WHOLE]
        };
        for span in spans {
            let path = Arc::clone(&path);
            jobs.push((i, job(JobSource::File { path, span })));
        }
    }
    jobs.sort_by_key(|(i, _)| *i); // submit in the order the inputs were given
    jobs
}

/// The work function: count one piece into the borrowed map, with the job's word rules; also
/// returns the words skipped as too long.
fn run_job(ctx: &Context, job: Job, counts: &mut WordCounts) -> (Progress, Option<Overlong>) {
    // Offsets in reports are offsets in the file, also for a piece that starts further in.
    let start = match &job.what {
        JobSource::File { span, .. } => span.start,
        JobSource::Stream(_) | JobSource::Stdin => 0,
    };
    if job.letters {
        let mut counter = LetterCounter::new(job.max_word, start);
        let progress = count_job(ctx, job, &mut counter, counts);
        (progress, counter.overlong())
    } else {
        let mut counter = ChunkCounter::with_max_word(job.max_word, start);
        let progress = count_job(ctx, job, &mut counter, counts);
        (progress, counter.overlong())
    }
}

/// Reads one piece and counts it with `counter`.
fn count_job(
    ctx: &Context,
    job: Job,
    counter: &mut impl Tokenizer,
    counts: &mut WordCounts,
) -> Progress {
    match job.what {
        JobSource::File { path, span } => {
            let mut file = match File::open(&path) {
                Ok(f) => f,
                Err(e) => {
                    return Progress {
                        bytes: 0,
                        end: End::Failed(e),
                    };
                }
            };
            if span.start > 0
                && let Err(e) = file.seek(SeekFrom::Start(span.start))
            {
                return Progress {
                    bytes: 0,
                    end: End::Failed(e),
                };
            }
            match span.end {
                Some(end) => source::count_reader(
                    ctx,
                    io::Read::take(file, end - span.start),
                    job.chunk_size,
                    counter,
                    counts,
                ),
                None => source::count_reader(ctx, file, job.chunk_size, counter, counts),
            }
        }
        JobSource::Stream(path) => {
            source::count_stream(ctx, OpenOnRead::new(&path), job.chunk_size, counter, counts)
        }
        JobSource::Stdin => source::count_stream(ctx, io::stdin(), job.chunk_size, counter, counts),
    }
}

/// A map borrowed from the `maps` channel for one job; sent back when dropped, also if the job
/// panicked (the pool turns the panic into a failed outcome; the counts made so far are kept).
struct MapLoan<'a> {
    counts: WordCounts,
    home: &'a Sender<WordCounts>,
}

impl<'a> MapLoan<'a> {
    fn take(maps: &Receiver<WordCounts>, home: &'a Sender<WordCounts>) -> Self {
        MapLoan {
            counts: maps.try_recv().unwrap_or_default(),
            home,
        }
    }
}

impl Drop for MapLoan<'_> {
    fn drop(&mut self) {
        // The run holds a receiver until every worker is joined, so this send cannot fail.
        let _ = self.home.send(std::mem::take(&mut self.counts));
    }
}

fn fail(report: &mut InputReport, reason: &str) {
    if !matches!(report.status, Status::Failed(_)) {
        report.status = Status::Failed(reason.to_owned());
    }
}

fn describe_read_error(e: &io::Error, bytes: u64) -> String {
    if bytes == 0 {
        io_reason(e)
    } else {
        format!("read failed after {bytes} bytes: {}", io_reason(e))
    }
}
