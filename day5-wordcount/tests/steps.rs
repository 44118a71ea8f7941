//! One suite, both steps: the lesson counter (`src/lesson.rs`, `--lesson`) and the fast one
//! (`run.rs`, the default), driven through the same tests, as crossbeam tests every channel
//! flavour and *Rust Atomics and Locks* every step. `steps::lesson::*` are the lab's checks for the
//! day's exercises; `steps::fast::*` hold the fast step to the same answers.
//!
//! Each step is a [`Step`]: how to count one text, merge maps, take the top N and count files
//! under a context. The reference is the naive counter (`baseline::naive`, Go's loop in Rust),
//! which neither step is built on. A test one step is not meant to pass says so where the suite is
//! instantiated, with the reason.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use common::{output_within, patience, within};
use crossbeam_channel::{Receiver, RecvTimeoutError, bounded, select};
use day2_context::{Context, ContextError};
use day5_wordcount::baseline::naive;
use day5_wordcount::chunked::count_chunked;
use day5_wordcount::corpus::Corpus;
use day5_wordcount::source::DEFAULT_CHUNK_SIZE;
use day5_wordcount::{self as wc, WordCounts, cli, run};

const BIN: &str = env!("CARGO_BIN_EXE_day5-wordcount");

/// Word counts in a form both steps convert to, ordered for readable failures.
type Counts = BTreeMap<String, u64>;

/// What counting files gave: the counts, whether the result is partial, how many files failed.
#[derive(Debug)]
struct Counted {
    counts: Counts,
    partial: Option<ContextError>,
    failed: usize,
}

/// One step of the counter, as the suite drives it.
trait Step {
    /// The binary's flags that select the step.
    const FLAGS: &'static [&'static str];
    /// Counts one text, as a worker counts a file.
    fn count_text(text: &[u8]) -> Counts;
    /// Counts each text into a map of its own, then merges the maps with the step's merge.
    fn count_and_merge(texts: &[&[u8]]) -> Counts;
    /// The step's top `n` of `counts`.
    fn top(counts: &Counts, n: usize) -> Vec<(String, u64)>;
    /// Counts `files` with `jobs` workers under `parent`, stopped by `timeout`.
    fn count_files(
        parent: &Context,
        files: &[PathBuf],
        jobs: usize,
        timeout: Option<Duration>,
    ) -> Counted;
}

/// Step 1, `src/lesson.rs`.
struct Lesson;

impl Step for Lesson {
    const FLAGS: &'static [&'static str] = &["--lesson"];

    fn count_text(text: &[u8]) -> Counts {
        let mut counts = HashMap::new();
        wc::lesson::count_words(text, &mut counts);
        from_lesson(counts)
    }

    fn count_and_merge(texts: &[&[u8]]) -> Counts {
        let mut total = HashMap::new();
        for text in texts {
            let mut counts = HashMap::new();
            wc::lesson::count_words(text, &mut counts);
            wc::lesson::merge(&mut total, counts);
        }
        from_lesson(total)
    }

    fn top(counts: &Counts, n: usize) -> Vec<(String, u64)> {
        let map: HashMap<String, usize> = counts
            .iter()
            .map(|(w, &n)| (w.clone(), n as usize))
            .collect();
        wc::lesson::top_n(&map, n)
            .into_iter()
            .map(|(w, n)| (w.to_owned(), n as u64))
            .collect()
    }

    fn count_files(
        parent: &Context,
        files: &[PathBuf],
        jobs: usize,
        timeout: Option<Duration>,
    ) -> Counted {
        let report = wc::lesson::count_files(parent, files, jobs, timeout);
        Counted {
            failed: report.failed.len(),
            partial: report.partial,
            counts: from_lesson(report.counts),
        }
    }
}

fn from_lesson(counts: HashMap<String, usize>) -> Counts {
    counts.into_iter().map(|(w, n)| (w, n as u64)).collect()
}

/// Step 2, the fast counter: `chunked` counts, `run::merge_all` merges, `WordCounts::top`, and
/// `cli::count` (the binary's own `--timeout` and `count_inputs`).
struct Fast;

impl Step for Fast {
    const FLAGS: &'static [&'static str] = &[];

    fn count_text(text: &[u8]) -> Counts {
        from_fast(&count_chunked(text, DEFAULT_CHUNK_SIZE))
    }

    fn count_and_merge(texts: &[&[u8]]) -> Counts {
        let maps = texts
            .iter()
            .map(|t| count_chunked(t, DEFAULT_CHUNK_SIZE))
            .collect();
        from_fast(&run::merge_all(maps))
    }

    fn top(counts: &Counts, n: usize) -> Vec<(String, u64)> {
        let mut map = WordCounts::new();
        for (w, &n) in counts {
            map.add(w, n);
        }
        map.top(n)
            .into_iter()
            .map(|(w, n)| (w.to_owned(), n))
            .collect()
    }

    fn count_files(
        parent: &Context,
        files: &[PathBuf],
        jobs: usize,
        timeout: Option<Duration>,
    ) -> Counted {
        let mut argv = vec!["day5-wordcount".into(), format!("--jobs={jobs}")];
        if let Some(t) = timeout {
            argv.push(format!("--timeout={}ns", t.as_nanos()));
        }
        argv.extend(files.iter().map(|f| f.display().to_string()));
        let tally = cli::count(parent, &cli::Args::try_parse_from(argv).unwrap());
        Counted {
            failed: tally
                .inputs
                .iter()
                .filter(|r| matches!(r.status, run::Status::Failed(_)))
                .count(),
            partial: tally.stopped,
            counts: from_fast(&tally.counts),
        }
    }
}

fn from_fast(counts: &WordCounts) -> Counts {
    counts.iter().map(|(w, n)| (w.to_owned(), n)).collect()
}

/// The reference: Go's loop, `baseline::naive`.
fn reference(text: &[u8]) -> Counts {
    from_fast(&naive::count_text(text))
}

fn counts(pairs: &[(&str, u64)]) -> Counts {
    pairs.iter().map(|&(w, n)| (w.to_owned(), n)).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A named pipe: a "file" whose reader waits until the test writes, so the test decides when
/// (and whether) each worker gets its data.
fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c_path` is a NUL-terminated path that outlives the call; mkfifo only reads it.
    let r = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(r, 0, "mkfifo {}", path.display());
    path
}

/// Opens a FIFO for writing, which waits until a reader opens it; `None` if none did within
/// `wait` (the opening thread then finishes, and closes it at once, when a reader comes). Fails
/// at once if the run (`run`) ends first, so a run that panics does not cost the whole wait.
fn open_writer(path: &Path, run: &Receiver<Counted>, wait: Duration) -> Option<File> {
    let (tx, rx) = bounded(1);
    let owned = path.to_owned();
    thread::spawn(move || {
        let _ = tx.send(OpenOptions::new().write(true).open(owned).unwrap());
    });
    select! {
        recv(rx) -> file => file.ok(),
        recv(run) -> ended => panic!("the run ended before it opened {}: {ended:?}", path.display()),
        default(wait) => None,
    }
}

/// Runs `S::count_files` on its own thread; the receiver gets the result.
fn spawn_count<S: Step>(
    parent: &Context,
    files: Vec<PathBuf>,
    jobs: usize,
    timeout: Option<Duration>,
) -> Receiver<Counted> {
    let (tx, rx) = bounded(1);
    let parent = parent.clone();
    thread::spawn(move || {
        let _ = tx.send(S::count_files(&parent, &files, jobs, timeout));
    });
    rx
}

/// Go's `strings.Fields` + `strings.ToLower`: Unicode white space (U+3000, U+0085, U+00A0), each
/// char lower-cased alone (`ΑΣ` → `ασ`, not `ας`; `İ` → `i`), one U+FFFD per invalid byte.
fn single_file_counting_follows_go_rules<S: Step>() {
    let text = [
        "Go go GO\tgo\r\nHello, hello!\u{3000}ΑΣ ασ İstanbul ISTANBUL ".as_bytes(),
        b"a\xE2\x80 a\xE2\x80",
        "\u{3000}naïve NAÏVE\u{85}end\u{a0}END\n".as_bytes(),
    ]
    .concat();
    let expected = counts(&[
        ("go", 4),
        ("hello,", 1),
        ("hello!", 1),
        ("ασ", 2),
        ("istanbul", 2),
        ("a\u{FFFD}\u{FFFD}", 2),
        ("naïve", 2),
        ("end", 2),
    ]);
    assert_eq!(S::count_text(&text), expected);
    assert_eq!(reference(&text), expected, "the reference itself");
    assert_eq!(S::count_text(b""), Counts::new());
    assert_eq!(S::count_text(b" \n\t "), Counts::new());
}

/// Files on the pool, merged: the reference's counts and top 10 for any `jobs`; a missing file is
/// reported and the others counted.
fn counting_files_equals_the_reference<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let mut texts: Vec<Vec<u8>> = (0..5)
        .map(|i| Corpus::generate(i, 20_000 * (i as usize + 1)))
        .collect();
    texts.push(
        [
            "ΣΊΣΥΦΟΣ naïve\u{2028}NAÏVE \u{85}x ".as_bytes(),
            b"\xFF\xFEy",
        ]
        .concat(),
    );
    texts.push(Vec::new());
    let mut files: Vec<PathBuf> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| write(dir.path(), &format!("{i}.txt"), t))
        .collect();
    let mut expected = Counts::new();
    for t in &texts {
        for (w, n) in reference(t) {
            *expected.entry(w).or_insert(0) += n;
        }
    }
    let expected_top = Fast::top(&expected, 10);
    assert_eq!(expected_top.len(), 10);
    for jobs in [1, 2, 4] {
        let got = within({
            let files = files.clone();
            move || S::count_files(&Context::background(), &files, jobs, None)
        });
        assert_eq!((got.partial, got.failed), (None, 0), "jobs {jobs}");
        assert_eq!(got.counts, expected, "jobs {jobs}");
        assert_eq!(S::top(&got.counts, 10), expected_top, "jobs {jobs}");
    }
    files.insert(2, dir.path().join("missing.txt"));
    let got = within(move || S::count_files(&Context::background(), &files, 2, None));
    assert_eq!((got.partial, got.failed), (None, 1));
    assert_eq!(got.counts, expected);
}

/// The merge adds: a word in several maps gets the sum of its counts.
fn merge_adds_the_counts_of_every_map<S: Step>() {
    let merged = S::count_and_merge(&[b"a b b", b"b c", b"", b"c c d B"]);
    assert_eq!(merged, counts(&[("a", 1), ("b", 4), ("c", 3), ("d", 1)]));
    assert_eq!(S::count_and_merge(&[]), Counts::new());
}

/// By count, highest first, then by word; the cut at N takes the smallest words among ties.
fn top_n_orders_by_count_then_word<S: Step>() {
    let c = counts(&[("b", 2), ("a", 1), ("c", 2), ("d", 2), ("e", 1)]);
    let top = |c: &Counts, n| S::top(c, n);
    let own = |pairs: &[(&str, u64)]| -> Vec<(String, u64)> {
        pairs.iter().map(|&(w, n)| (w.to_owned(), n)).collect()
    };
    assert_eq!(top(&c, 3), own(&[("b", 2), ("c", 2), ("d", 2)]));
    assert_eq!(
        top(&c, 10),
        own(&[("b", 2), ("c", 2), ("d", 2), ("a", 1), ("e", 1)])
    );
    assert!(top(&c, 0).is_empty());
    // Sixty-four ties: a map's own order matches the words' order with probability 1/64!, so
    // an order by count alone, or a cut before the sort, cannot pass by luck.
    let words: Vec<String> = (0..64).map(|i| format!("w{i:02}")).collect();
    let mut ties: Counts = words.iter().map(|w| (w.clone(), 3)).collect();
    let names = |v: Vec<(String, u64)>| v.into_iter().map(|(w, _)| w).collect::<Vec<_>>();
    assert_eq!(names(top(&ties, 64)), words);
    assert_eq!(names(top(&ties, 8)), words[..8]);
    ties.insert("zz".into(), 4);
    assert_eq!(names(top(&ties, 3)), ["zz", "w00", "w01"]);
}

/// A deadline already passed: nothing is counted, and the result says it is partial.
fn a_zero_timeout_gives_an_empty_partial_result<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        write(dir.path(), "a.txt", b"one two"),
        write(dir.path(), "b.txt", b"three"),
    ];
    let got = within({
        let files = files.clone();
        move || S::count_files(&Context::background(), &files, 2, Some(Duration::ZERO))
    });
    assert_eq!(
        (got.partial, got.counts),
        (Some(ContextError::DeadlineExceeded), Counts::new()),
        "a zero timeout is a deadline already passed: nothing is counted and the result is \
         partial; a full count usually means the deadline never reached the pool (zero taken \
         as \"no timeout\", or the pool run under `parent` instead of the run's context)"
    );
    // The binary: exit status 3 and the partial-result line.
    let out = output_within(
        Command::new(BIN)
            .args(S::FLAGS)
            .args(["--timeout", "0s"])
            .args(&files)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("PARTIAL RESULT: deadline exceeded (--timeout 0s)"),
        "{stderr}"
    );
}

/// The run's deadline is derived from the context it was given: cancelling that parent (Ctrl-C)
/// stops a run that has a timeout of its own.
fn cancelling_the_parent_stops_a_run_with_a_timeout<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![write(dir.path(), "a.txt", b"one two")];
    let (parent, cancel) = Context::with_cancel(&Context::background());
    cancel.cancel();
    let hour = Some(Duration::from_secs(3600));
    let got = within(move || S::count_files(&parent, &files, 2, hour));
    assert_eq!(
        (got.partial, got.counts),
        (Some(ContextError::Canceled), Counts::new()),
        "a run under a cancelled parent counts nothing, and its reason is the run's context's \
         own (`Canceled`, not a deadline); a full count means the run's context was not derived \
         from `parent`"
    );
}

/// No timeout, and the parent cancelled: the run's scope is still derived from the parent, so the
/// run stops at once and says why.
fn cancelling_the_parent_stops_a_run_without_a_timeout<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![write(dir.path(), "a.txt", b"one two")];
    let (parent, cancel) = Context::with_cancel(&Context::background());
    cancel.cancel();
    let got = within(move || S::count_files(&parent, &files, 2, None));
    assert_eq!(
        (got.partial, got.counts),
        (Some(ContextError::Canceled), Counts::new()),
        "a run without --timeout under a cancelled parent must count nothing and be partial \
         (Canceled); a full count means the run's context was not derived from `parent` (a \
         fresh `Context::background()` instead?)"
    );
}

/// Go's `defer cancel()`: once the run returns, its scope is cancelled and gone from the parent
/// (no child registration, no timer entry left behind), with or without a timeout.
fn a_finished_run_leaves_no_scope_under_its_parent<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![write(dir.path(), "a.txt", b"one two")];
    let (parent, _cancel_parent) = Context::with_cancel(&Context::background());
    for timeout in [Some(Duration::from_secs(3600)), None] {
        let got = within({
            let (parent, files) = (parent.clone(), files.clone());
            move || S::count_files(&parent, &files, 2, timeout)
        });
        assert_eq!(got.partial, None, "timeout {timeout:?}");
        assert_eq!(
            parent.child_scopes(),
            0,
            "after a run with timeout {timeout:?} returned, its context is still registered \
             under the parent: it was never cancelled. Keep the guard of \
             `cancel.drop_guard()` alive to the end of the function (Go: `defer cancel()`); \
             dropping a `CancelHandle` alone does not cancel"
        );
    }
}

/// A pipe that never ends: the deadline stops the run, and what was read before is kept — the
/// other file in full, the pipe's lines up to the stop.
fn a_run_cut_by_the_deadline_keeps_what_it_counted<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let done = write(dir.path(), "done.txt", b"apple apple banana\n");
    let pipe = fifo(dir.path(), "pipe");
    let deadline = Duration::from_secs(1);
    let start = Instant::now();
    let result = spawn_count::<S>(
        &Context::background(),
        vec![done, pipe.clone()],
        2,
        Some(deadline),
    );
    let mut writer = open_writer(&pipe, &result, patience()).expect("a worker opens the pipe");
    writer.write_all(b"cherry cherry cherry apple\n").unwrap();
    // A line now and then, as `tail -f` gives them: a worker blocked in a read (the lesson's)
    // sees the deadline after its next line. Written until the run returns, never after.
    let got = loop {
        match result.recv_timeout(Duration::from_millis(50)) {
            Ok(got) => break got,
            Err(RecvTimeoutError::Timeout) if start.elapsed() < patience() => {
                let _ = writer.write_all(b"tick\n"); // fails once the reader is gone
            }
            Err(e) => panic!("no result after {:?}: {e}", start.elapsed()),
        }
    };
    let elapsed = start.elapsed();
    drop(writer);
    assert_eq!(
        got.partial,
        Some(ContextError::DeadlineExceeded),
        "the pipe was cut short by the deadline, so the result is partial, for that reason; \
         `None` usually means the stopped file was counted as complete or as failed (so every \
         file looked accounted for), `Canceled` that the run's context was cancelled early"
    );
    assert!(elapsed >= deadline, "stopped after {elapsed:?}");
    let mut kept = got.counts;
    kept.remove("tick");
    assert_eq!(kept, counts(&[("apple", 3), ("banana", 1), ("cherry", 3)]));
}

/// Two workers, two pipes: both files are open at once. Counting one file after the other (on
/// the calling thread, or with one worker) leaves the second pipe without a reader.
fn files_are_counted_at_once_on_the_pool<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (fifo(dir.path(), "a"), fifo(dir.path(), "b"));
    let result = spawn_count::<S>(&Context::background(), vec![a.clone(), b.clone()], 2, None);
    let mut to_a = open_writer(&a, &result, patience()).expect("a worker opens the first pipe");
    // Both files are open at once within 10 s, however busy the machine; one after the other,
    // never: the first is still open here.
    let to_b = open_writer(&b, &result, Duration::from_secs(10));
    to_a.write_all(b"x y\n").unwrap();
    drop(to_a); // ends the first file, so that a one-at-a-time count can go on and finish
    let mut to_b = to_b.expect("the second pipe is opened while the first is still being read");
    to_b.write_all(b"y z\n").unwrap();
    drop(to_b);
    let got = result
        .recv_timeout(patience())
        .expect("the run ends once both pipes are closed: a run that never returns is waiting for results that never end (was the pool closed?)");
    assert_eq!(got.counts, counts(&[("x", 1), ("y", 2), ("z", 1)]));
}

/// 32 MB without white space or newline: one word, in bounded memory.
fn a_line_without_white_space_stays_in_bounded_memory<S: Step>() {
    let dir = tempfile::tempdir().unwrap();
    let ff = write(dir.path(), "ff.bin", &vec![0xFF; 32 << 20]);
    let (code, rss) = common::peak_rss_mib(Command::new(BIN).args(S::FLAGS).arg(&ff));
    assert!(code == 0 || code == 1, "status {code}");
    let limit = common::rss_limit_mib();
    assert!(rss < limit, "32 MB of 0xFF: peak RSS {rss} MiB");
}

/// The binary prints the reference's top 10, `word count` per line, read from standard input.
fn the_binary_prints_the_top_ten<S: Step>() {
    let text = Corpus::generate(7, 200_000);
    let mut child = Command::new(BIN)
        .args(S::FLAGS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = output_within(child);
    assert!(out.status.success(), "{out:?}");
    let expected: String = Fast::top(&reference(&text), 10)
        .into_iter()
        .map(|(w, n)| format!("{w} {n}\n"))
        .collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

/// The suite for one step: a `#[test]` per test above, in a module named for the step; `memory`
/// marks the bounded-memory test (`#[ignore = "why"]` for a step that is not meant to pass it).
macro_rules! suite {
    ($step:ident: $impl:ident, memory: #[$memory:meta]) => {
        suite!(@tests $step, $impl, $memory,
            single_file_counting_follows_go_rules,
            counting_files_equals_the_reference,
            merge_adds_the_counts_of_every_map,
            top_n_orders_by_count_then_word,
            a_zero_timeout_gives_an_empty_partial_result,
            cancelling_the_parent_stops_a_run_with_a_timeout,
            cancelling_the_parent_stops_a_run_without_a_timeout,
            a_finished_run_leaves_no_scope_under_its_parent,
            a_run_cut_by_the_deadline_keeps_what_it_counted,
            files_are_counted_at_once_on_the_pool,
            the_binary_prints_the_top_ten);
    };
    (@tests $step:ident, $impl:ident, $memory:meta, $($test:ident),*) => {
        mod $step {
            $(
                #[test]
                fn $test() {
                    super::$test::<super::$impl>();
                }
            )*
            #[test]
            #[$memory]
            fn a_line_without_white_space_stays_in_bounded_memory() {
                super::a_line_without_white_space_stays_in_bounded_memory::<super::$impl>();
            }
        }
    };
}

suite!(lesson: Lesson, memory: #[ignore = "not meant to pass: the lesson reads a line at a time, so \
    a file without a newline is held whole (32 MB of 0xFF decode to 96 MB of U+FFFD, and the \
    lower-cased word is another copy); the fast step reads 128 KiB chunks and skips a word longer \
    than --max-word"]);
suite!(fast: Fast, memory: #[doc = "The fast step reads 128 KiB chunks and skips words longer than --max-word."]);

/// The lesson's own report (`lesson::Report`), beyond what both steps share: which file failed,
/// and when a result is partial.
mod lesson_only {
    use std::time::Duration;

    use day2_context::Context;
    use day5_wordcount::lesson;

    use super::{common::within, write};

    /// Four files, the missing one last, two workers: the failure is reported under the missing
    /// file's own path, whichever worker read it.
    #[test]
    fn a_failed_file_is_reported_under_its_own_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<_> = (0..3)
            .map(|i| write(dir.path(), &format!("{i}.txt"), b"one two"))
            .collect();
        let missing = dir.path().join("missing.txt");
        files.push(missing.clone());
        let report = within(move || lesson::count_files(&Context::background(), &files, 2, None));
        let failed: Vec<_> = report.failed.iter().map(|(path, _)| path.clone()).collect();
        assert_eq!(
            failed,
            [missing],
            "the one file that cannot be read is files[3]; another path here usually means the \
             path was taken from the outcome's `worker` (which thread ran the job) instead of its \
             `index` (which job it was)"
        );
        assert_eq!((report.complete, report.partial), (3, None));
    }

    /// Partial means some file was stopped or never started, not "the deadline has passed": a
    /// run with nothing to read cut nothing short, even with a deadline already passed.
    #[test]
    fn a_run_with_nothing_cut_short_is_complete_after_its_deadline() {
        let report =
            within(|| lesson::count_files(&Context::background(), &[], 2, Some(Duration::ZERO)));
        assert_eq!(
            (report.complete, report.failed.len(), report.partial),
            (0, 0, None),
            "no file was given, so none was cut short, yet the report says partial: a report is \
             partial only when a file was stopped or never started (complete + failed < files), \
             not whenever the run's context is done"
        );
    }
}
