//! The day's measured tables: throughput, wall time, cores busy, peak memory and merge share of the
//! word counter beside the naive and the optimized sequential baselines.
//!
//! ```text
//! cargo run --release -p day5-wordcount --example day5-measure [-- --quick] [-- --gib 1]
//!     [-- --soak SECS] [-- --server-only] [-- --mix SECS]
//! ```
//!
//! Inputs, written once under `target/wordcount-corpus/` (regenerated when their size is wrong):
//! a seeded English-like corpus (Zipf word frequencies, about 10 words a line) as one 40 MB file and
//! as the same bytes in 16 files; and, if `../shared/corpus/kjvbible.txt` exists next to the
//! workspace, the King James Bible ten times over, also as one file and as 16. `--quick` uses 8 MB.
//!
//! Every contender runs as a child process (this example re-runs itself: `--as-tool` runs
//! `day5_wordcount::cli`, the whole of the binary's `main`; `--baseline` a baseline). `wait4` gives
//! each run's CPU time; its peak resident memory is the child's own `VmHWM` from
//! `/proc/self/status`, which it prints on standard error as it exits. (`ru_maxrss` cannot be used
//! directly: Linux carries the parent's high-water mark into a child across `vfork` + `exec`, so
//! every child would report at least this example's own peak.)
//!
//! The Go rows are the course's Go version of the counter, `day5-wordcount/go/wc` (one file per
//! job, one map per file), built once with `go build` into the example's own folder and run on the
//! same files with the same `--jobs`. Before the timed runs, both counters' top 10 must be the same
//! bytes (the example panics with both outputs if not). The Go program does not print its own
//! `VmHWM`, so each Go run goes through a small intermediate, this example again (`--go-child`),
//! which spawns it and prints its `ru_maxrss` from `wait4`: what Linux carries into it is the
//! intermediate's own high-water mark (about 3 MiB), not this example's. The intermediate also
//! times the Go program itself, from spawn to exit, so its own start is not in the Go rows (ours
//! include the start of this example's binary, a few ms). Without `go` on `PATH` the Go rows say
//! `SKIPPED`.
//!
//! The merge share comes from an in-process [`count_inputs`] run:
//! [`Tally::merge_time`](day5_wordcount::Tally::merge_time) over that run's wall time. The CPU column (all threads) shows what scaling costs in work, which stays
//! readable when other processes share the cores and wall-clock speed-ups do not.
//!
//! `--gib N` adds the memory check: an N GiB generated file counted with `--jobs` = cores; the peak
//! resident memory must stay under 64 MiB plus the distinct-word tables.
//!
//! Then the server under load (`shared/load.rs`): `day5-wordcount serve` in a child process
//! (`--as-server`) on 127.0.0.1, 1, 8 and 64 clients with 64 KiB and 8 MiB bodies, beside the CLI on
//! the same bytes. `--soak SECS` adds a soak at saturation with disconnecting and slow clients;
//! `--server-only` skips the CLI tables.
//!
//! The jobs and server tables are rows (`labkit::rows`): with `BENCH_ROWS=<file>` in the
//! environment (as `cargo xtask bench day5-wordcount` runs it) they are written there as JSON
//! lines, and xtask renders the tables and charts from them; without it they are printed as
//! Markdown. The optional tables (`--gib`, `--soak`, `--mix`) go to standard output as Markdown;
//! progress to standard error.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Parser;

#[path = "shared/load.rs"]
mod load;

use day2_context::Context;
use day5_wordcount::baseline::{naive, sequential};
use day5_wordcount::corpus::Corpus;
use day5_wordcount::{Input, Options, count_inputs};
use labkit::go::{GoError, GoRows};
use labkit::rows::{
    Column, Figure, Lang, Line, Row, Rows, Show, TableSpec, Unit, Versus, Writer, X,
};
use labkit::{Sample, Table, measure, median};

const CORPUS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/wordcount-corpus");
const GO_MODULE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/go");
const KJV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpus/kjvbible.txt"
);

/// The jobs table's name in the rows.
const JOBS: &str = "jobs";
/// The server table's name in the rows.
const SERVER: &str = "server";

/// A row of `table`: `series` read `bytes` in `sample` on `threads` threads (its rate is bytes per
/// second).
fn read(table: &str, series: &str, threads: usize, bytes: u64, sample: Sample) -> Row {
    Row {
        bytes: Some(bytes),
        ..Row::new(table, series, threads, bytes, sample)
    }
}

/// The day's measured tables (rows, or Markdown on standard output; progress on standard error).
#[derive(Parser, Debug)]
#[command(name = "day5-measure")]
struct Args {
    /// 8 MB inputs and 3 runs a row instead of 40 MB and 5.
    #[arg(long)]
    quick: bool,
    /// Also count an N GiB generated file with `--jobs` = cores (the memory check).
    #[arg(long, value_name = "N")]
    gib: Option<u64>,
    /// Also run a soak of SECS seconds at saturation (disconnecting and slow clients mixed in).
    #[arg(long, value_name = "SECS")]
    soak: Option<u64>,
    /// The server tables only, not the CLI's.
    #[arg(long)]
    server_only: bool,
    /// Only issue 20's mixed load, SECS seconds per row: 64 clients × 1 MiB alone, then with 8
    /// clients hanging up and 4 trickling (`serve --jobs 2`).
    #[arg(long, value_name = "SECS")]
    mix: Option<u64>,
}

fn main() -> io::Result<()> {
    // This example re-runs itself as each measured child; those modes take the child's own
    // arguments as they are, so they are told apart before the command line is parsed.
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--baseline") => return run_baseline(&args[1], &args[2..]),
        Some("--as-tool") => {
            // The tool itself: `day5_wordcount::cli` is all of the binary's `main`.
            let argv =
                std::iter::once("day5-wordcount".into()).chain(args[1..].iter().map(Into::into));
            let status = day5_wordcount::cli::main_from(argv);
            report_peak_rss();
            return if status == ExitCode::SUCCESS {
                Ok(())
            } else {
                Err(io::Error::other("the tool failed"))
            };
        }
        Some("--go-child") => return go_child(&args[1..]),
        Some("--as-server") => {
            // `day5-wordcount serve …`, the server the load table drives.
            let status = day5_wordcount::server::main_from(args[1..].iter().map(Into::into));
            return if status == ExitCode::SUCCESS {
                Ok(())
            } else {
                Err(io::Error::other("the server failed"))
            };
        }
        _ => {}
    }
    let Args {
        quick,
        gib,
        soak,
        server_only,
        mix,
    } = Args::parse();
    if let Some(secs) = mix {
        return mix_table(secs);
    }
    let mut out = Writer::from_env()?;
    if server_only {
        return server_tables(&mut out, quick, soak);
    }
    let mb = if quick { 8 } else { 40 };
    let runs = if quick { 3 } else { 5 };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = PathBuf::from(CORPUS_DIR);

    let mut sets = Vec::new();
    eprintln!("generating the corpus under {} …", dir.display());
    let generated = Corpus::generate(42, mb << 20);
    sets.push((
        "generated",
        write_set(&dir.join(format!("generated-{mb}mb")), &generated)?,
    ));
    if Path::new(KJV).exists() {
        let bible = fs::read(KJV)?;
        let times = if quick { 2 } else { 10 };
        let text: Vec<u8> = (0..times).flat_map(|_| bible.iter().copied()).collect();
        sets.push((
            "kjvbible",
            write_set(&dir.join(format!("kjvbible-x{times}")), &text)?,
        ));
    } else {
        eprintln!("skipped the King James Bible corpus: {KJV} does not exist");
    }

    let go = go_counter();
    if let Ok(g) = &go {
        for (name, set) in &sets {
            for (shape, files) in set.shapes() {
                check_agreement(&g.bin, files, &format!("{name}, {shape}"))?;
            }
        }
    }
    let mut intro = format!(
        "Command: `cargo run --release -p day5-wordcount --example day5-measure{}`\n\n\
         Median of {runs} runs, each a child process (CPU time from `wait4`, all threads; cores busy = CPU / wall; peak RSS = the child's `VmHWM`, for Go its `ru_maxrss`); {cores} cores. \
         Merge % of wall: `Tally::merge_time` (the final merge of the per-worker maps, timed inside `count_inputs`) over the wall time of that whole in-process `count_inputs` call, median of {runs} runs.",
        if quick { " -- --quick" } else { "" }
    );
    if let Ok(g) = &go {
        intro.push_str(&format!(
            " Go: `day5-wordcount/go/wc`, the course's Go program (one file per job, one map per file; {}), with `-jobs N` on the same files; it printed the same top 10 as ours on every input. × Go = Go's wall time ÷ ours with the same jobs (higher: ours is faster).",
            g.version
        ));
    }
    intro.push_str(&format!("\n\n{LESSON_ROWS}"));
    let mut rows = Vec::new();
    for (name, set) in &sets {
        for (shape, files) in set.shapes() {
            let label = format!("{name}, {} MB, {shape}", set.bytes >> 20);
            let mut contenders: Vec<Contender> = vec![
                (
                    "naive (baseline)",
                    baseline_args("naive", files),
                    None,
                    1,
                    None,
                ),
                (
                    "sequential (baseline)",
                    baseline_args("sequential", files),
                    None,
                    1,
                    None,
                ),
            ];
            for jobs in dedup([1, cores]) {
                contenders.push((
                    "day5-wordcount",
                    tool_args(jobs, files),
                    Some(jobs),
                    jobs,
                    Some(jobs),
                ));
            }
            contenders.extend(lesson_contenders(files, cores));
            for (counter, argv, merge_jobs, threads, jobs) in contenders {
                eprintln!("{label}: {counter} {jobs:?} …");
                let (s, rss) = run_child(&argv, runs)?;
                let mut row = read(JOBS, counter, threads, set.bytes, s)
                    .in_group(&label)
                    .with("peak rss", rss as f64);
                row.x = jobs.map(|j| X::Num(j as u64));
                if let Some(j) = merge_jobs {
                    row = row.with("merge", merge_share(files, j, runs));
                }
                rows.push(row);
            }
            // Go's counter gives each file to one goroutine: on one file, one of them counts.
            if let Ok(g) = &go {
                for jobs in dedup([1, cores]) {
                    eprintln!("{label}: go/wc -jobs {jobs} …");
                    let (s, rss) = run_child(&go_args(&g.bin, jobs, files), runs)?;
                    let row = read(JOBS, "wc", jobs.min(files.len()), set.bytes, s)
                        .in_group(&label)
                        .at(X::Num(jobs as u64))
                        .with("peak rss", rss as f64);
                    rows.push(Row {
                        lang: Lang::Go,
                        ..row
                    });
                }
            }
        }
    }
    let spec = TableSpec::list(
        JOBS,
        "Word count: MB/s by jobs",
        vec![
            Column::new("input", Show::Group),
            Column::new("counter", Show::Series),
            Column::new("jobs", Show::X),
            Column::figure("MB/s", Figure::MbPerS),
            Column::figure("wall ms", Figure::WallMs),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
            Column::figure("CPU ms", Figure::CpuMs),
            Column::figure("cores busy", Figure::CoresBusy),
            Column::figure("peak RSS MiB", Figure::value("peak rss", Unit::Mib)),
            Column::figure("merge % of wall", Figure::value("merge", Unit::Percent)),
        ],
    )
    .with_intro(intro);
    let mut table = Rows::default();
    table.push(Line::Table(spec)).extend(rows);
    if let Err(why) = &go {
        table.push(Line::go_skipped(JOBS, &["wc"], &why.to_string()));
    }
    out.write(&table)?;

    if let Some(gib) = gib {
        memory_check(&dir, gib, cores)?;
        println!();
    }
    server_tables(&mut out, quick, soak)
}

/// The server under load (`shared/load.rs`): 1, 8 and 64 clients with 64 KiB and 8 MiB bodies,
/// beside the CLI on the same 8 MiB, as rows to `out`; then, with `--soak SECS`, a soak at
/// saturation with disconnecting and slow clients mixed in.
fn server_tables(out: &mut Writer, quick: bool, soak: Option<u64>) -> io::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = PathBuf::from(CORPUS_DIR);
    fs::create_dir_all(&dir)?;
    let big = bytes::Bytes::from(Corpus::generate(42, 8 << 20));
    let small = big.slice(..64 << 10);
    let file = dir.join("server-body-8mib.txt");
    write_if_changed(&file, &big)?;
    let runs = if quick { 3 } else { 5 };
    eprintln!("server: the CLI on the same 8 MiB …");
    let (cli, _) = run_child(&tool_args(2, std::slice::from_ref(&file)), runs)?;
    let cli_x = X::Name("the CLI, `--jobs 2`".to_owned());
    // The CLI answers no request: its row's operations are none, its bytes the file's.
    let cli = Row {
        bytes: Some(big.len() as u64),
        ..Row::new(SERVER, "day5-wordcount", 2, 0, cli).at(cli_x.clone())
    };
    let mut rows = vec![cli];
    let runtime = tokio::runtime::Runtime::new()?;
    let server = load::ServerChild::spawn(&me(), cores, 64)?;
    let time = Duration::from_secs(if quick { 2 } else { 6 });
    for (label, body, max) in [("64 KiB", &small, 4000), ("8 MiB", &big, 160)] {
        for clients in [1, 8, 64] {
            eprintln!("server: {label} × {clients} clients …");
            server.reset_peak();
            let cpu0 = server.cpu();
            let run = runtime.block_on(load::drive(server.addr, clients, body.clone(), max, time));
            let sample = Sample {
                wall: run.wall,
                cpu: server.cpu().saturating_sub(cpu0),
            };
            let nanos = |d: Duration| d.as_nanos() as f64;
            rows.push(
                Row {
                    bytes: Some(run.bytes_ok),
                    ..Row::new(SERVER, "serve", clients, run.ok, sample)
                }
                .in_group(&label)
                .with(
                    "requests",
                    (run.ok + run.shed + run.partial + run.other) as f64,
                )
                .with("503", run.shed as f64)
                .with("p50", nanos(run.percentile(0.5)))
                .with("p99", nanos(run.percentile(0.99)))
                .with("peak rss", server.peak_rss() as f64),
            );
        }
    }
    let summary = server.stop()?;
    let spec = TableSpec::list(
        SERVER,
        "The server under load",
        vec![
            Column::new("body", Show::Group),
            Column::new("clients", Show::X),
            Column::figure("requests", Figure::value("requests", Unit::Count)),
            Column::figure("200", Figure::Ops),
            Column::figure("503", Figure::value("503", Unit::Count)),
            Column::figure("req/s", Figure::Rate),
            Column::figure("MB/s", Figure::MbPerS),
            Column::figure("p50 ms", Figure::value("p50", Unit::Ms)),
            Column::figure("p99 ms", Figure::value("p99", Unit::Ms)),
            Column::figure("server CPU s", Figure::CpuS),
            Column::figure("MB / server CPU-s", Figure::MbPerCpuS),
            Column::new(
                "% of CLI per CPU-s",
                Show::Versus(Versus {
                    figure: Figure::MbPerCpuS,
                    percent: true,
                    ..Versus::at(Lang::Rust, cli_x)
                }),
            ),
            Column::figure("peak RSS MiB", Figure::value("peak rss", Unit::Mib)),
        ],
    )
    .with_intro(format!(
        "Server: `day5-wordcount serve --jobs {cores} --queue 64` in a child process on 127.0.0.1; clients: tokio + reqwest in this process, each posting its body back to back (`?top=10`), bounded by a request count and a time. MB/s = body bytes answered 200 / wall; server CPU from `/proc/<pid>/stat`; peak RSS = the server's `VmHWM`, reset before each row. The first line is the CLI, `--jobs 2` on the same 8 MiB in a file (median of {runs}), its CPU time the child's.\n\n\
         Server's summary at SIGTERM: `{summary}`"
    ));
    out.write(&Rows::table(spec, rows, &GoRows::default(), &[]))?;
    if let Some(secs) = soak {
        println!();
        soak_table(&runtime, &big, &small, cores, secs)?;
    }
    Ok(())
}

/// Issue 20's mixed load, `secs` seconds per row, `serve --jobs 2 --queue 64`: 64 clients posting
/// 1 MiB back to back ("steady"), alone, then beside 8 clients that each send 1 MiB of a declared
/// 8 MiB and hang up, 20 times a second each, and 4 clients that trickle a word every 20 ms under
/// a 1 s deadline, in a loop. The CLI's MB per CPU-second: `--jobs 2` on 64 MiB of the same text.
fn mix_table(secs: u64) -> io::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    let dir = PathBuf::from(CORPUS_DIR);
    fs::create_dir_all(&dir)?;
    let text = Corpus::generate(42, 64 << 20);
    let file = dir.join("server-mix-64mib.txt");
    write_if_changed(&file, &text)?;
    let body = bytes::Bytes::from(text[..1 << 20].to_vec());
    drop(text);
    eprintln!("mix: the CLI on 64 MiB …");
    let (cli, _) = run_child(&tool_args(2, std::slice::from_ref(&file)), 3)?;
    let cli_mb_cpu = 64.0 * 1.048_576 / cli.cpu.as_secs_f64();
    let runtime = tokio::runtime::Runtime::new()?;
    let server = load::ServerChild::spawn(&me(), 2, 64)?;
    let addr = server.addr;
    println!(
        "Mixed load, {secs} s per row, `serve --jobs 2 --queue 64` in a child process on 127.0.0.1; steady: 64 clients × 1 MiB back to back; hang-ups: 8 clients × 20/s, 1 MiB of a declared 8 MiB; tricklers: 4 clients, a word every 20 ms under `?timeout=1s`. The CLI, `--jobs 2` on 64 MiB of the same text (median of 3): {cli_mb_cpu:.0} MB per CPU-second. Cores busy = server CPU / wall."
    );
    println!();
    let mut table = Table::new([
        "load",
        "steady 200",
        "steady MB/s",
        "p50 ms",
        "p99 ms",
        "hang-ups",
        "trickles",
        "server CPU s",
        "cores busy",
        "MB / server CPU-s",
        "× CLI",
        "peak RSS MiB",
    ]);
    for mixed in [false, true] {
        eprintln!(
            "mix: steady{} …",
            if mixed {
                " + hang-ups + tricklers"
            } else {
                " alone"
            }
        );
        server.reset_peak();
        let cpu0 = server.cpu();
        let (hangups, trickles) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let end = std::time::Instant::now() + Duration::from_secs(secs);
        let run = runtime.block_on(async {
            let mut side = Vec::new();
            if mixed {
                for _ in 0..8 {
                    let (body, n) = (body.clone(), Arc::clone(&hangups));
                    side.push(tokio::spawn(async move {
                        let mut tick = tokio::time::interval(Duration::from_millis(50));
                        while std::time::Instant::now() < end {
                            tick.tick().await; // pacing: 20 a second
                            if load::disconnect(addr, &body, 8 << 20).await.is_ok() {
                                // Relaxed: a tally read after the tasks are joined.
                                n.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }));
                }
                for _ in 0..4 {
                    let n = Arc::clone(&trickles);
                    side.push(tokio::spawn(async move {
                        while std::time::Instant::now() < end {
                            if load::trickle(addr).await.is_ok() {
                                // Relaxed: as above.
                                n.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }));
                }
            }
            let run =
                load::drive(addr, 64, body.clone(), u64::MAX, Duration::from_secs(secs)).await;
            for task in side {
                let _ = task.await;
            }
            run
        });
        let cpu = server.cpu().saturating_sub(cpu0).as_secs_f64();
        let mb = run.bytes_ok as f64 / 1e6;
        table.row([
            if mixed {
                "steady + hang-ups + tricklers"
            } else {
                "steady alone"
            }
            .to_owned(),
            run.ok.to_string(),
            format!("{:.0}", mb / run.wall.as_secs_f64()),
            format!("{:.0}", run.percentile(0.5).as_secs_f64() * 1e3),
            format!("{:.0}", run.percentile(0.99).as_secs_f64() * 1e3),
            hangups.load(Ordering::Relaxed).to_string(),
            trickles.load(Ordering::Relaxed).to_string(),
            format!("{cpu:.1}"),
            format!("{:.2}", cpu / run.wall.as_secs_f64()),
            format!("{:.0}", mb / cpu),
            format!("{:.2}", mb / cpu / cli_mb_cpu),
            format!("{:.1}", mib(server.peak_rss())),
        ]);
    }
    print!("{table}");
    println!();
    println!("Server's summary at SIGTERM: `{}`", server.stop()?);
    Ok(())
}

/// `secs` seconds at saturation: 48 clients posting 64 KiB and 8 MiB bodies into `--queue 16`
/// (so some are shed), plus a client hanging up mid-body and a client trickling its body under a
/// 1 s deadline, each in a loop; the server's RSS sampled every second.
fn soak_table(
    runtime: &tokio::runtime::Runtime,
    big: &bytes::Bytes,
    small: &bytes::Bytes,
    cores: usize,
    secs: u64,
) -> io::Result<()> {
    let server = load::ServerChild::spawn(&me(), cores, 16)?;
    let addr = server.addr;
    let time = Duration::from_secs(secs);
    let (disconnects, trickles, small_run, big_run, rss) = runtime.block_on(async {
        let end = std::time::Instant::now() + time;
        let small_run = tokio::spawn(load::drive(addr, 40, small.clone(), u64::MAX, time));
        let big_run = tokio::spawn(load::drive(addr, 8, big.clone(), u64::MAX, time));
        let part = small.clone();
        let disconnects = tokio::spawn(async move {
            let mut n = 0u64;
            while std::time::Instant::now() < end {
                if load::disconnect(addr, &part, part.len() * 4).await.is_ok() {
                    n += 1;
                }
            }
            n
        });
        let trickles = tokio::spawn(async move {
            let mut lines = Vec::new();
            while std::time::Instant::now() < end {
                lines.push(load::trickle(addr).await.unwrap_or_else(|e| e.to_string()));
            }
            lines
        });
        let mut rss = Vec::new();
        while std::time::Instant::now() < end {
            tokio::time::sleep(Duration::from_secs(1)).await;
            rss.push(server.rss());
        }
        (
            disconnects.await.expect("no panic"),
            trickles.await.expect("no panic"),
            small_run.await.expect("no panic"),
            big_run.await.expect("no panic"),
            rss,
        )
    });
    let trickled_ok = trickles.iter().filter(|l| l.contains(" 200 ")).count();
    let trickled_shed = trickles.iter().filter(|l| l.contains(" 503 ")).count();
    let summary = server.stop()?;
    println!(
        "Soak: {secs} s at saturation, `serve --jobs {cores} --queue 16`: 40 clients × 64 KiB and 8 clients × 8 MiB back to back, one client hanging up mid-body in a loop, one trickling a word every 20 ms under `?timeout=1s` in a loop."
    );
    println!();
    let mut table = Table::new(["clients", "requests", "200", "200 partial", "503", "other"]);
    for (name, run) in [("64 KiB × 40", &small_run), ("8 MiB × 8", &big_run)] {
        table.row([
            name.to_owned(),
            (run.ok + run.partial + run.shed + run.other).to_string(),
            run.ok.to_string(),
            run.partial.to_string(),
            run.shed.to_string(),
            run.other.to_string(),
        ]);
    }
    table.row([
        "trickling, 1 s deadline".to_owned(),
        trickles.len().to_string(),
        "–".to_owned(),
        trickled_ok.to_string(),
        trickled_shed.to_string(),
        (trickles.len() - trickled_ok - trickled_shed).to_string(),
    ]);
    table.row([
        "hanging up mid-body".to_owned(),
        disconnects.to_string(),
        "–".to_owned(),
        "–".to_owned(),
        "–".to_owned(),
        "–".to_owned(),
    ]);
    print!("{table}");
    let at = |f: f64| {
        rss.get(((rss.len() as f64 - 1.0) * f) as usize)
            .map_or(0.0, |&b| mib(b))
    };
    println!();
    println!(
        "Server RSS (MiB) at 10 % / 25 % / 50 % / 75 % / 100 % of the soak: {:.1} / {:.1} / {:.1} / {:.1} / {:.1}; max {:.1}. Summary at SIGTERM: `{summary}`",
        at(0.1),
        at(0.25),
        at(0.5),
        at(0.75),
        at(1.0),
        rss.iter().copied().max().map_or(0.0, mib)
    );
    Ok(())
}

/// One corpus on disk: the whole text as one file, and the same bytes in 16 files.
struct Set {
    bytes: u64,
    one: PathBuf,
    parts: Vec<PathBuf>,
}

impl Set {
    /// The two shapes of the set, named: one file, and 16.
    fn shapes(&self) -> [(&'static str, &[PathBuf]); 2] {
        [
            ("1 file", std::slice::from_ref(&self.one)),
            ("16 files", &self.parts[..]),
        ]
    }
}

fn write_set(dir: &Path, text: &[u8]) -> io::Result<Set> {
    fs::create_dir_all(dir)?;
    let one = dir.join("all.txt");
    write_if_changed(&one, text)?;
    // 16 parts of about equal size, cut after a newline.
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 0..16 {
        let mut end = if i == 15 {
            text.len()
        } else {
            (text.len() * (i + 1) / 16).max(start)
        };
        while end < text.len() && text[end - 1] != b'\n' {
            end += 1;
        }
        let path = dir.join(format!("part-{i:02}.txt"));
        write_if_changed(&path, &text[start..end])?;
        parts.push(path);
        start = end;
    }
    Ok(Set {
        bytes: text.len() as u64,
        one,
        parts,
    })
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    fs::write(path, bytes)
}

fn dedup(jobs: [usize; 2]) -> Vec<usize> {
    if jobs[0] == jobs[1] {
        vec![jobs[0]]
    } else {
        jobs.to_vec()
    }
}

fn paths(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| p.display().to_string()).collect()
}

fn me() -> String {
    std::env::current_exe()
        .expect("the example knows its own path")
        .display()
        .to_string()
}

fn baseline_args(which: &str, files: &[PathBuf]) -> Vec<String> {
    let mut argv = vec![me(), "--baseline".into(), which.into()];
    argv.extend(paths(files));
    argv
}

fn tool_args(jobs: usize, files: &[PathBuf]) -> Vec<String> {
    let mut argv = vec![me(), "--as-tool".into(), "--jobs".into(), jobs.to_string()];
    argv.extend(paths(files));
    argv
}

/// What the `lesson` rows are, for the heading.
const LESSON_ROWS: &str = "lesson, jobs N: the lesson step (`src/lesson.rs`, the tool's `--lesson`): \
one job per file, a line at a time, a `HashMap<String, usize>` per file, on the same files in the \
same run; its top 10 equals the fast step's (`tests/steps.rs`).";

/// A contender of the jobs table: its counter (the series), its command line, `--jobs` for the
/// merge share, the threads that can compute, and its x (`--jobs`; none for a baseline).
type Contender = (
    &'static str,
    Vec<String>,
    Option<usize>,
    usize,
    Option<usize>,
);

/// The lesson step's rows, `lesson` at the fast rows' jobs: the tool with `--lesson`. (No
/// `--jobs` for the merge column: that is the fast step's.) One job per file, so on one file one
/// worker computes, as in Go's rows.
fn lesson_contenders(files: &[PathBuf], cores: usize) -> Vec<Contender> {
    dedup([1, cores])
        .into_iter()
        .map(|jobs| {
            let mut argv = tool_args(jobs, files);
            argv.insert(2, "--lesson".into());
            ("lesson", argv, None, jobs.min(files.len()), Some(jobs))
        })
        .collect()
}

/// The course's Go counter, `go/wc`, built by [`go_counter`].
struct GoCounter {
    bin: PathBuf,
    /// `go version`, for the table's heading.
    version: String,
}

/// Builds `go/wc` once, next to this example's own binary.
///
/// # Panics
/// When Go is installed but `go version` or the build fails: a broken Go program must fail the
/// measurement, not vanish from the table. Without `go` on `PATH` it is [`GoError::Missing`].
fn go_counter() -> Result<GoCounter, GoError> {
    let bin = std::env::current_exe()
        .expect("the example knows its own path")
        .with_file_name("day5-wordcount-go");
    let go = |args: &[&std::ffi::OsStr]| labkit::go::go(GO_MODULE.as_ref(), args);
    let built = go(&["version".as_ref()]).and_then(|version| {
        eprintln!("building {} …", bin.display());
        go(&[
            "build".as_ref(),
            "-o".as_ref(),
            bin.as_os_str(),
            "./wc".as_ref(),
        ])?;
        Ok(String::from_utf8_lossy(&version).trim().to_owned())
    });
    match built {
        Ok(version) => Ok(GoCounter { bin, version }),
        Err(GoError::Missing) => Err(GoError::Missing),
        Err(e) => panic!("the Go counter: {e}"),
    }
}

/// The Go counter on `files` with `-jobs jobs`, through `--go-child` (see [`go_child`]).
fn go_args(bin: &Path, jobs: usize, files: &[PathBuf]) -> Vec<String> {
    let mut argv = vec![
        me(),
        "--go-child".into(),
        bin.display().to_string(),
        "-jobs".into(),
        jobs.to_string(),
    ];
    argv.extend(paths(files));
    argv
}

/// Panics, showing both outputs, unless the Go counter and ours print the same top 10 of `files`.
fn check_agreement(go: &Path, files: &[PathBuf], label: &str) -> io::Result<()> {
    let stdout = |program: &str, args: Vec<String>| -> io::Result<Vec<u8>> {
        let out = Command::new(program)
            .args(&args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "{program} {} failed: {}",
                args.join(" "),
                out.status
            )));
        }
        Ok(out.stdout)
    };
    let mut ours_args = vec!["--as-tool".into(), "--top".into(), "10".into()];
    ours_args.extend(paths(files));
    let ours = stdout(&me(), ours_args)?;
    let mut go_args = vec!["-top".into(), "10".into()];
    go_args.extend(paths(files));
    let theirs = stdout(&go.display().to_string(), go_args)?;
    if ours != theirs {
        panic!(
            "{label}: the Go counter and ours print different top 10s\n--- go/wc\n{}--- day5-wordcount\n{}",
            String::from_utf8_lossy(&theirs),
            String::from_utf8_lossy(&ours)
        );
    }
    eprintln!("{label}: go/wc and day5-wordcount print the same top 10");
    Ok(())
}

/// `--go-child BIN ARGS…`: runs the Go counter (standard output and error passed through), waits
/// for it with `wait4`, and prints on standard error its wall time from spawn to exit, its CPU
/// time and its peak RSS, so that the Go rows time the Go program alone, not this intermediate's
/// start. Its `ru_maxrss` is clean because this process is small: across `vfork` + `exec` Linux
/// carries only this process's high-water mark into it, not the measuring parent's.
fn go_child(argv: &[String]) -> io::Result<()> {
    let (usage, s) = measure(|| {
        let child = Command::new(&argv[0]).args(&argv[1..]).spawn()?;
        wait_for(&child, argv)
    });
    let usage = usage?;
    eprintln!("inner-wall-ns {}", s.wall.as_nanos());
    eprintln!("inner-cpu-ns {}", cpu_time(&usage).as_nanos());
    eprintln!("peak-rss-kib {}", usage.ru_maxrss);
    Ok(())
}

/// The baselines, run in a child process: count every file, print the distinct-word count.
fn run_baseline(which: &str, files: &[String]) -> io::Result<()> {
    let mut distinct = 0;
    for f in files {
        distinct += match which {
            "naive" => naive::count_file(Path::new(f))?.len(),
            "sequential" => sequential::count_file(Path::new(f))?.len(),
            other => panic!("unknown baseline {other:?}"),
        };
    }
    println!("{distinct}");
    report_peak_rss();
    Ok(())
}

/// Prints this process's peak resident memory (`VmHWM`, KiB) as the last line of standard error.
fn report_peak_rss() {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map_or("0", |v| v.trim().trim_end_matches(" kB"));
    eprintln!("peak-rss-kib {kib}");
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// Runs `argv` `runs` times; the median sample (wall, and the child's CPU time) and the largest
/// peak RSS seen. For `--go-child`, the sample is the one the intermediate took of the Go program.
fn run_child(argv: &[String], runs: usize) -> io::Result<(Sample, u64)> {
    let mut samples = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (out, mut s) = measure(|| child_rusage(argv));
        let (cpu, rss, inner) = out?;
        s.cpu = cpu; // cores busy of the child, not of this process
        samples.push(inner.unwrap_or(s));
        peak = peak.max(rss);
    }
    Ok((median(&samples), peak))
}

/// Spawns `argv`, waits with `wait4`, returns the child's CPU time (user + system), the peak RSS
/// it reported and, from `--go-child`, the sample it took of its own child.
fn child_rusage(argv: &[String]) -> io::Result<(Duration, u64, Option<Sample>)> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stderr = String::new();
    // The child writes a line or two; reading to the end returns when it exits.
    io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)?;
    let usage = wait_for(&child, argv)?;
    let line = |name: &str| -> Option<u64> {
        stderr
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    };
    let kib = line("peak-rss-kib").ok_or_else(|| {
        io::Error::other(format!("no peak-rss-kib line from the child: {stderr}"))
    })?;
    let inner = line("inner-wall-ns")
        .zip(line("inner-cpu-ns"))
        .map(|(wall, cpu)| Sample {
            wall: Duration::from_nanos(wall),
            cpu: Duration::from_nanos(cpu),
        });
    Ok((cpu_time(&usage), kib * 1024, inner))
}

/// User + system CPU time of a `wait4` result.
fn cpu_time(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Waits for `child` (spawned from `argv`) with `wait4`: its resource usage, which covers the
/// children it waited for too; an error unless it exited with status 0.
fn wait_for(child: &std::process::Child, argv: &[String]) -> io::Result<libc::rusage> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain old data, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not waited for yet (the callers never wait on or kill
    // `child`); `status` and `usage` are valid for writes for the duration of the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        return Err(io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(io::Error::other(format!(
            "{} failed with status {status}",
            argv.join(" ")
        )));
    }
    Ok(usage)
}

/// The share of wall time spent merging the per-worker maps, median of `runs` in-process runs.
fn merge_share(files: &[PathBuf], jobs: usize, runs: usize) -> f64 {
    let inputs: Vec<Input> = files.iter().map(|p| Input::Path(p.clone())).collect();
    let mut shares: Vec<f64> = (0..runs)
        .map(|_| {
            let (tally, s) =
                measure(|| count_inputs(&Context::background(), &inputs, &Options::new(jobs)));
            tally.merge_time.as_secs_f64() / s.wall.as_secs_f64()
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    shares[shares.len() / 2]
}

/// Writes an N GiB generated file (streamed, never held in memory) and reports the tool's peak RSS.
fn memory_check(dir: &Path, gib: u64, cores: usize) -> io::Result<()> {
    let path = dir.join(format!("generated-{gib}gib.txt"));
    let bytes = gib << 30;
    if fs::metadata(&path).map(|m| m.len()).unwrap_or(0) < bytes {
        eprintln!("writing {} …", path.display());
        let mut out = io::BufWriter::new(fs::File::create(&path)?);
        let mut corpus = Corpus::new(42);
        let mut buf = Vec::with_capacity(1 << 20);
        let mut written = 0;
        while written < bytes {
            buf.clear();
            corpus.fill(&mut buf, 1 << 20);
            out.write_all(&buf)?;
            written += buf.len() as u64;
        }
        out.flush()?;
    }
    let files = [path.clone()];
    eprintln!("counting {} with --jobs {cores} …", path.display());
    let (s, rss) = run_child(&tool_args(cores, &files), 1)?;
    let tally = count_inputs(
        &Context::background(),
        &[Input::Path(path)],
        &Options::new(1),
    );
    let table_bytes = tally.counts.heap_bytes() as u64 * cores as u64;
    let mut t = Table::new([
        "input",
        "jobs",
        "MB/s",
        "cores busy",
        "peak RSS MiB",
        "budget: 64 MiB + tables MiB",
    ]);
    let size = fs::metadata(&files[0])?.len();
    t.row([
        format!("generated, {gib} GiB, 1 file"),
        cores.to_string(),
        format!("{:.0}", size as f64 / 1e6 / s.wall.as_secs_f64()),
        format!("{:.2}", s.cores_busy()),
        format!("{:.1}", mib(rss)),
        format!("{:.1}", 64.0 + mib(table_bytes)),
    ]);
    println!(
        "Memory check, `cargo run --release -p day5-wordcount --example day5-measure -- --gib {gib}`:"
    );
    println!();
    print!("{t}");
    Ok(())
}
