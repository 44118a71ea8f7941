//! Friday's checklist, one test per item (`journal/checklist.md` names them).

mod common;
use labkit::profile as sampler;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use common::{output_within, within};
use crossbeam_channel::{Receiver, unbounded};
use day2_context::{Context, ContextError};
use day5_wordcount::baseline::naive;
use day5_wordcount::chunked::ChunkCounter;
use day5_wordcount::cli::Args;
use day5_wordcount::corpus::Corpus;
use day5_wordcount::run::{Status, merge_all};
use day5_wordcount::source::{End, count_stream};
use day5_wordcount::{Input, Options, WordCounts, count_inputs};

const BIN: &str = env!("CARGO_BIN_EXE_day5-wordcount");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Go: `for _, path := range os.Args[1:] { jobs <- path }` with `runtime.NumCPU()` workers.
#[test]
fn cli_counts_files_concurrently_in_a_pool() {
    // The pool size defaults to the number of CPUs, like `runtime.NumCPU()`.
    let args = Args::try_parse_from(["day5-wordcount", "a.txt"]).unwrap();
    assert_eq!(args.jobs(), thread::available_parallelism().unwrap().get());
    assert_eq!(
        Args::try_parse_from(["day5-wordcount", "-j", "3"])
            .unwrap()
            .jobs(),
        3
    );

    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..6)
        .map(|i| {
            write(
                dir.path(),
                &format!("f{i}.txt"),
                &format!("go rust {}\n", "pool ".repeat(i + 1)),
            )
        })
        .collect();
    let out = output_within(
        Command::new(BIN)
            .args(["--jobs", "3"])
            .args(&files)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "pool 21\ngo 6\nrust 6\n"
    );

    // The same run through the library: six inputs, six pool jobs, all counted in full.
    let inputs: Vec<Input> = files.iter().cloned().map(Input::Path).collect();
    let tally = within(move || count_inputs(&Context::background(), &inputs, &Options::new(3)));
    assert_eq!(tally.pieces, 6);
    assert!(
        tally.inputs.iter().all(|r| r.status == Status::Full),
        "{:?}",
        tally.inputs
    );
}

/// Go: each worker sends its `map[string]int` on `results`; here a worker's map goes back on the
/// channel of maps after every job and at most `--jobs` maps are ever made.
#[test]
fn each_worker_sends_its_file_counts_on_a_results_channel() {
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<String> = (0..8)
        .map(|i| format!("shared word{i} ").repeat(100 + i))
        .collect();
    let inputs: Vec<Input> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Input::Path(write(dir.path(), &format!("{i}.txt"), t)))
        .collect();
    for jobs in [1, 2, 4] {
        let inputs = inputs.clone();
        let tally =
            within(move || count_inputs(&Context::background(), &inputs, &Options::new(jobs)));
        assert!(
            (1..=jobs).contains(&tally.maps_merged),
            "{jobs} workers sent {} maps",
            tally.maps_merged
        );
        assert_eq!(tally.counts, naive::count_text(texts.concat().as_bytes()));
        for (report, text) in tally.inputs.iter().zip(&texts) {
            assert_eq!(
                (report.bytes, &report.status),
                (text.len() as u64, &Status::Full)
            );
        }
    }
}

/// Go: merge in `main`, `sort.Slice` by count, print `[:10]`.
#[test]
fn merged_top_ten_sorted_by_count() {
    let maps = vec![
        WordCounts::from_words("a b c d e f g h i j k l".split(' ')),
        WordCounts::from_words("l l l k k j".split(' ')),
        WordCounts::from_words("a a a a l".split(' ')),
    ];
    let merged = merge_all(maps);
    let top = merged.top(10);
    assert_eq!(
        top,
        [
            ("a", 5),
            ("l", 5),
            ("k", 3),
            ("j", 2),
            ("b", 1),
            ("c", 1),
            ("d", 1),
            ("e", 1),
            ("f", 1),
            ("g", 1)
        ]
    );
    // The binary prints exactly ten `word count` lines by default.
    let text: String = (0..30).map(|i| format!("w{i:02} ").repeat(i + 1)).collect();
    let out = Command::new(BIN)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = feed_and_wait(out, text.as_bytes());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[0], "w29 30");
    assert_eq!(lines[9], "w20 21");
}

fn feed_and_wait(mut child: std::process::Child, input: &[u8]) -> String {
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = output_within(child);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Go: `ctx, cancel := context.WithTimeout(ctx, *timeout)`; print a partial result on the deadline.
#[test]
fn timeout_prints_a_partial_result() {
    let dir = tempfile::tempdir().unwrap();
    let done = write(dir.path(), "done.txt", "apple apple banana\n");
    // Standard input is a pipe we keep open: its reader never sees the end. The deadline is
    // generous so that, even under ThreadSanitizer on a busy machine, `done.txt` and the piped
    // bytes are read before it: only the deadline ends the run.
    let start = Instant::now();
    let mut child = Command::new(BIN)
        .args(["--timeout", "3s", "--jobs", "2"])
        .arg(&done)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"cherry cherry cherry apple ").unwrap();
    stdin.flush().unwrap();
    let out = output_within(child);
    let elapsed = start.elapsed();
    drop(stdin);
    let (status, stdout, stderr) = (
        out.status,
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );

    assert_eq!(
        status.code(),
        Some(3),
        "partial exit status; stderr: {stderr}"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "took {elapsed:?} for a 3 s deadline"
    );
    assert_eq!(stdout, "apple 3\ncherry 3\nbanana 1\n");
    assert!(
        stderr.contains("PARTIAL RESULT: deadline exceeded (--timeout 3s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("counted in full: {done:?}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("counted in part: standard input (27 bytes)"),
        "{stderr}"
    );
}

#[test]
fn test_merge_logic() {
    let mut a = WordCounts::from_words(["x", "y", "y"]);
    a.merge(WordCounts::from_words(["y", "z"]));
    assert_eq!(a, WordCounts::from_words(["x", "y", "y", "y", "z"]));
    // Merging per-file maps equals counting the files' concatenation.
    let (f1, f2) = ("The cat\nthe hat ", "A cat,\tTHE end");
    let mut m = naive::count_text(f1.as_bytes());
    m.merge(naive::count_text(f2.as_bytes()));
    assert_eq!(m, naive::count_text(format!("{f1}{f2}").as_bytes()));
    assert_eq!(merge_all(Vec::new()), WordCounts::new());
}

#[test]
fn test_single_file_word_counting() {
    let text = "Hello, world! HELLO world\r\nnaïve NAÏVE café\u{3000}Café\u{a0}end\tΣΊΣΥΦΟΣ\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "one.txt", text);
    let tally = within(|| {
        count_inputs(
            &Context::background(),
            &[Input::Path(path)],
            &Options::new(1),
        )
    });
    assert_eq!(tally.counts, naive::count_text(text.as_bytes()));
    assert_eq!(tally.counts.get("hello,"), 1);
    assert_eq!(tally.counts.get("hello"), 1);
    assert_eq!(tally.counts.get("world"), 1);
    assert_eq!(tally.counts.get("naïve"), 2);
    assert_eq!(tally.counts.get("café"), 2);
    // Go's `strings.ToLower` maps `Σ` to `σ` wherever it stands (no final `ς`).
    assert_eq!(tally.counts.get("σίσυφοσ"), 1);
    assert_eq!(tally.counts.total(), 10);
}

/// A reader that yields one message per `read` from a channel, and blocks while none is queued:
/// the test decides exactly when data arrives (and it never needs a sleep).
struct ChannelReader(Receiver<Vec<u8>>);

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.recv() {
            Ok(bytes) => {
                buf[..bytes.len()].copy_from_slice(&bytes);
                Ok(bytes.len())
            }
            Err(_) => Ok(0), // sender dropped: end of input
        }
    }
}

#[test]
fn test_timeout_behaviour() {
    let (tx, rx) = unbounded();
    tx.send(b"alpha beta ".to_vec()).unwrap();
    tx.send(b"alpha gam".to_vec()).unwrap(); // "gam" may continue: it must not be counted
    // Long enough for the reader thread to hand both buffers over first, even under TSan.
    let deadline = Duration::from_secs(2);
    // Before the context: its deadline is counted from its creation, so `elapsed >= deadline`.
    let start = Instant::now();
    let (ctx, _cancel) = Context::with_timeout(&Context::background(), deadline);
    // The reader then blocks forever (until `tx` is dropped below): only the deadline ends this.
    let (progress, counts) = within(move || {
        let mut counts = WordCounts::new();
        let reader = ChannelReader(rx);
        let progress = count_stream(&ctx, reader, 64, &mut ChunkCounter::new(), &mut counts);
        (progress, counts)
    });
    let elapsed = start.elapsed();
    drop(tx); // lets the blocked reader thread finish

    assert!(
        matches!(progress.end, End::Stopped(ContextError::DeadlineExceeded)),
        "{progress:?}"
    );
    assert!(
        elapsed >= deadline,
        "stopped after {elapsed:?}, before the deadline"
    );
    assert!(
        elapsed < deadline + Duration::from_secs(5),
        "stopped {elapsed:?} after a {deadline:?} deadline"
    );
    assert_eq!(progress.bytes, 20);
    assert_eq!(counts, WordCounts::from_words(["alpha", "beta", "alpha"]));
}

#[test]
fn profile_writes_a_flame_graph_and_a_pprof_profile() {
    // The sampler of `cargo xtask profile day5-wordcount`, on the counter, for a short time.
    let dir = tempfile::tempdir().unwrap();
    let corpus = write(dir.path(), "corpus.txt", "");
    std::fs::write(&corpus, Corpus::generate(42, 2 << 20)).unwrap();
    let out_dir = dir.path().to_owned();
    let time = Duration::from_millis(300);
    let profiled = within(move || {
        let inputs = [Input::Path(corpus)];
        sampler::sample(&out_dir, time, 1, || {
            let tally = count_inputs(&Context::background(), &inputs, &Options::new(2));
            assert!(tally.stopped.is_none() && !tally.any_failed());
        })
    })
    .unwrap();
    // It ran for its time, at least once, and stopped once it had a sample.
    assert!(
        profiled.wall >= time && profiled.rounds >= 1,
        "{profiled:?}"
    );
    let svg = std::fs::read_to_string(&profiled.flamegraph).unwrap();
    assert!(
        svg.starts_with("<?xml") && svg.contains("<svg"),
        "not an SVG: {}",
        &svg[..svg.len().min(100)]
    );
    let pb = std::fs::read(&profiled.pprof).unwrap();
    // The protobuf decodes as a pprof `Profile` whose samples add up to the count reported.
    let profile = <pprof::protos::Profile as pprof::protos::Message>::decode(&pb[..]).unwrap();
    assert!(!profile.sample_type.is_empty() && !profile.string_table.is_empty());
    let in_file: i64 = profile.sample.iter().map(|s| s.value[0]).sum();
    assert!(profiled.samples >= 1, "{profiled:?}");
    assert_eq!(in_file, profiled.samples as i64);
}
