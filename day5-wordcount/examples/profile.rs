//! CPU profile of day 5's hot paths: the word counter on a generated corpus, or — with `server` —
//! the HTTP server counting request bodies under a bounded local load.
//!
//! ```text
//! cargo xtask profile day5-wordcount [-- counter|server]
//! ```
//!
//! `counter` (the default) counts a generated 16 MiB file with `--jobs` = cores, again and again.
//! `server` starts `serve` in this process on 127.0.0.1 (an ephemeral port) and drives it with 4
//! clients, each posting a 256 KiB body back to back: a bounded load, loopback only. The Go
//! counterpart is `go test -bench=. -cpuprofile cpu.out` + `go tool pprof cpu.out`.

use labkit::profile as sampler;

#[path = "shared/load.rs"]
#[allow(
    dead_code,
    reason = "only `drive` is used here: the server runs in this process, not as a child"
)]
mod load;

use std::io;
use std::time::Duration;

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use day2_context::Context;
use day5_wordcount::corpus::Corpus;
use day5_wordcount::server::{Config, Server};
use day5_wordcount::{Input, Options, count_inputs};

/// The counter's corpus.
const CORPUS: usize = 16 << 20;
/// Each request's body, for the server.
const BODY: usize = 256 << 10;
/// Clients posting at once: the server's load stays bounded.
const CLIENTS: usize = 4;
/// How long each round drives the server.
const ROUND: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Target {
    /// The word counter on a file (`count_inputs`).
    Counter,
    /// The HTTP server under a bounded local load.
    Server,
}

/// CPU profile of day 5's hot paths.
#[derive(Debug, Parser)]
struct Args {
    #[arg(value_enum, default_value_t = Target::Counter)]
    target: Target,
}

fn jobs() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

fn counter() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let corpus = dir.path().join("corpus.txt");
    std::fs::write(&corpus, Corpus::generate(42, CORPUS))?;
    let inputs = [Input::Path(corpus)];
    let jobs = jobs();
    let what = format!("the counter on 16 MiB with --jobs {jobs}");
    sampler::profile(&what, || {
        let tally = count_inputs(&Context::background(), &inputs, &Options::new(jobs));
        assert!(
            tally.stopped.is_none() && !tally.any_failed(),
            "the profiled run must complete"
        );
    })
}

fn server() -> io::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let server = runtime.block_on(Server::start(Config::new(([127, 0, 0, 1], 0).into())))?;
    let addr = server.addr();
    let body = Bytes::from(Corpus::generate(7, BODY));
    let what = format!("the server on {addr}, {CLIENTS} clients posting 256 KiB bodies");
    let (mut ok, mut other) = (0, 0);
    sampler::profile(&what, || {
        let run = runtime.block_on(load::drive(addr, CLIENTS, body.clone(), u64::MAX, ROUND));
        ok += run.ok;
        other += run.shed + run.partial + run.other;
    })?;
    println!("{ok} requests counted, {other} shed, partial or failed");
    let summary = runtime.block_on(server.shutdown())?;
    println!("server {summary}");
    if ok == 0 {
        return Err(io::Error::other(
            "no request was counted: nothing to profile",
        ));
    }
    Ok(())
}

fn main() -> io::Result<()> {
    match Args::parse().target {
        Target::Counter => counter(),
        Target::Server => server(),
    }
}
