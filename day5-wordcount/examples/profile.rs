//! CPU profile of the word counter: a flame graph and a pprof profile.
//!
//! ```text
//! cargo run --release -p day5-wordcount --example profile -- [MEGABYTES] [OUT_DIR]
//! ```
//!
//! Counts a generated corpus of `MEGABYTES` (default 40) three times with `--jobs` = cores under the
//! `pprof` sampler and writes `OUT_DIR/flamegraph.svg` and `OUT_DIR/profile.pb` (default `OUT_DIR`:
//! `target/wordcount-profile`), then prints how to open them. The Go counterpart is
//! `go test -bench=. -cpuprofile cpu.out` + `go tool pprof cpu.out`.

#[path = "shared/profiling.rs"]
mod profiling;

use std::path::PathBuf;

use clap::Parser;

/// CPU profile of the word counter: a flame graph and a pprof profile.
#[derive(Debug, Parser)]
struct Args {
    /// Size of the generated corpus, in MB.
    #[arg(default_value_t = 40)]
    megabytes: usize,
    /// Where to write `flamegraph.svg` and `profile.pb` [default: target/wordcount-profile].
    out_dir: Option<PathBuf>,
}

fn main() -> std::io::Result<()> {
    let Args { megabytes, out_dir } = Args::parse();
    let out_dir = out_dir.unwrap_or_else(|| {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/wordcount-profile"
        ))
    });
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("profiling: {megabytes} MB counted 3 times with --jobs {jobs} …");
    let files = profiling::profile(megabytes << 20, 3, jobs, &out_dir)?;
    println!("{} samples", files.samples);
    println!("flame graph: {}", files.flamegraph.display());
    println!("pprof profile: {}", files.pprof.display());
    println!(
        "view it with: go tool pprof -http=: {}",
        files.pprof.display()
    );
    println!("          or: pprof -http=: {}", files.pprof.display());
    Ok(())
}
