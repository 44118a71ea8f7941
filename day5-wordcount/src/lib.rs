//! Week 6, Friday: `day5-wordcount`, a concurrent word counter built on the week's pool and context.
//!
//! ```text
//! day5-wordcount [FILE]... [--top N] [--jobs N] [--timeout DURATION] [--json] [--letters] [--max-word SIZE]
//! day5-wordcount --quick      # the tour: the journal's pages, counted with --letters
//! ```
//!
//! counts the words of every file (standard input if none, or `-`) on a pool of `--jobs` threads
//! (default: every CPU), merges the counts and prints the `--top` (default 10) most frequent, one
//! `word count` per line, by count descending and then word ascending — the same output for any
//! `--jobs`. It is meant to be kept and used: it streams (a 10 GB file needs no more memory than a
//! small one), it splits a single large file across the workers, and it is faster than a
//! well-written sequential counter (numbers in `journal/measured/day5-wordcount.md`).
//!
//! # Go → Rust
//!
//! The curriculum's version itself is `go/wc/main.go` in this crate: `go run ./wc -top 10 FILE…`
//! (in `day5-wordcount/go`) prints what `day5-wordcount --top 10 FILE…` prints, byte for byte, and
//! `cargo xtask bench` times the two on the same input.
//!
//! | Go (the curriculum's version)                        | Rust, here                                   |
//! |------------------------------------------------------|----------------------------------------------|
//! | `os.Args[1:]`, `flag.Duration("timeout", …)`         | [`cli::Args`] (clap, humantime durations)    |
//! | a pool of `runtime.NumCPU()` goroutines              | day 3's [`Pool`](day3_worker_pool::Pool) with [`available_parallelism`](std::thread::available_parallelism) workers |
//! | one file per job                                     | one *piece* per job: large files are cut at white space ([`pieces`]) |
//! | `map[string]int` per worker, sent on `results`       | [`WordCounts`] per worker, sent back on a channel of maps and reused ([`run`]) |
//! | `bufio.Scanner` + `ScanWords`, `strings.ToLower`     | [`chunked::ChunkCounter`]: fixed-size chunks, byte-level fast path |
//! | merge in `main`, `sort.Slice`, `[:10]`               | [`WordCounts::merge`], [`WordCounts::top`]   |
//! | `context.WithTimeout`, `<-ctx.Done()` between reads  | day 2's [`Context::with_timeout`](day2_context::Context::with_timeout), checked between chunks ([`source`]) |
//! | `signal.NotifyContext(ctx, os.Interrupt)`            | a `ctrlc` handler that cancels the context   |
//! | `go test -race`                                      | ThreadSanitizer (`cargo xtask race`)         |
//! | `go test -bench . -benchmem -cpuprofile cpu.out`     | `benches/count.rs` (criterion, bytes/s, allocations per run) and `examples/profile.rs` (pprof: flame graph + `profile.pb`) |
//! | `go tool pprof cpu.out`                              | `go tool pprof -http=: profile.pb` or `pprof -http=: profile.pb` |
//!
//! # Two steps: the lesson, then the fast counter
//!
//! 1. [`lesson`] (`src/lesson.rs`, `--lesson`): the program the course's Go writes, in safe Rust
//!    on day 3's pool and day 2's context — one job per file, a line at a time, a
//!    `HashMap<String, usize>` per file, merged in the calling thread. The day's exercises
//!    (`cargo xtask lab start day5`) are cut from it, and it reads top to bottom on its own.
//! 2. [`run`] and the modules below: the fast counter the tool runs by default. Same words, same
//!    output (one test suite runs against both, `tests/steps.rs`); [`run`]'s docs say what each
//!    trick buys, measured, from the SWAR tokenizer to the per-worker maps.
//!
//! # Modules of the fast counter, by checklist item
//!
//! - *Accept file paths; process each file concurrently in a worker pool*: [`cli`] (the command
//!   line), [`run`] (inputs → pool jobs → results), [`pieces`] (one big file, several jobs).
//! - *Each worker counts word frequencies and sends its map on a results channel*: [`words`] (what
//!   a word is), [`chunked`] (the counting core), [`source`] (reading in chunks, stopping on the
//!   context), [`run`] (the channel of per-worker maps).
//! - *Merge all maps; print the top 10 sorted by count*: [`counts`] (the map, merge, top N),
//!   [`report`] (output, diagnostics, exit status).
//! - *Respect `--timeout`; print a partial result*: [`source`], [`run`], [`report`].
//! - *Tour*: [`tour`] (`--quick`, what `cargo xtask tour` runs); [`letters`] (`--letters`).
//! - *Profile*: [`baseline`] (the naive and the optimized sequential counters it is measured
//!   against), `examples/profile.rs`, `examples/measure.rs`, `benches/count.rs`.
//!
//! # Words and invalid UTF-8
//!
//! A word is exactly Go's `strings.Fields` + `strings.ToLower`, so a Go program gets the same counts:
//! a maximal run of non-white-space characters (Unicode `White_Space`), each character lower-cased
//! on its own with Unicode's simple case mapping (`İ` → `i`, `Σ` → `σ` everywhere), and each
//! invalid UTF-8 byte one `U+FFFD`, as Go's `range` reads it. The only difference left is the
//! Unicode version of the tables (Go 1.19: 13.0.0; Rust: [`char::UNICODE_VERSION`]); see [`words`].
//!
//! `--letters` counts prose instead ([`letters`]): words are Unicode word boundaries (UAX #29)
//! holding a letter or digit, so Markdown's `|` is not a word.
//!
//! A word longer than `--max-word` (1 MiB by default) is skipped, like Go's `bufio.Scanner`
//! stopping at "token too long", but the rest of the input is still counted; standard error names
//! the input and the offset of the word (see [`chunked`]).
//!
//! # Exit status
//!
//! | status | meaning |
//! |-------:|---------|
//! | 0 | every input was read to its end and counted |
//! | 1 | some input could not be read (missing, a directory, unreadable, a read error), or held a word longer than `--max-word`, or standard output failed (full, or a closed pipe, which is not reported); everything else was counted |
//! | 2 | usage error (unknown flag, bad `--jobs` or `--timeout`) |
//! | 3 | partial result: the `--timeout` deadline passed or Ctrl-C was pressed; takes precedence over 1 |
//! | 130 | a second Ctrl-C while the first was being handled |
//!
//! A partial run still prints its top N (of what was counted) on standard output; standard error
//! says `PARTIAL RESULT` and lists the inputs counted in full, in part, and not at all.
//!
//! # Memory
//!
//! Each worker holds one read buffer (128 KiB) and one map; a word cut by a chunk boundary is
//! carried over, up to `--max-word` bytes. Peak memory is a few MiB plus `--jobs` copies of the
//! distinct-word table and of the longest word, whatever the input: also on input without white
//! space (`/dev/zero`), which is skipped in flat memory.
//!
//! # Messages
//!
//! One line each on standard error, the input named: `standard input`, or the path quoted and
//! escaped (`"odd\nname.txt"`). A standard error that cannot be written (full, closed) drops the
//! messages and changes nothing else.

pub mod baseline;
pub mod chunked;
pub mod cli;
pub mod corpus;
pub mod counts;
pub mod lesson;
pub mod letters;
pub mod pieces;
pub mod report;
pub mod run;
#[cfg(feature = "server")]
pub mod server;
pub mod source;
pub mod tour;
pub mod words;

pub use counts::WordCounts;
pub use run::{Input, Options, Tally, count_inputs};
