//! The profiling routine shared by `examples/profile.rs` and the checklist test
//! `profile_writes_a_flame_graph_and_a_pprof_profile` (included in both with `#[path]`).
//!
//! Go: `go test -bench=. -cpuprofile cpu.out` then `go tool pprof cpu.out`. Rust: the `pprof` crate
//! samples the process's stacks (a `SIGPROF` timer, like Go's profiler) while the counter runs, then
//! writes an SVG flame graph (via `inferno`) and the same protobuf format Go's pprof reads.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use day2_context::Context;
use day5_wordcount::corpus::Corpus;
use day5_wordcount::{Input, Options, count_inputs};
use pprof::protos::Message;

/// Where the profile went.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the checklist test does not print the sample count"
)]
pub(crate) struct ProfileFiles {
    /// The SVG flame graph.
    pub(crate) flamegraph: PathBuf,
    /// The pprof protobuf (`go tool pprof -http=: profile.pb`).
    pub(crate) pprof: PathBuf,
    /// How many stack samples were taken.
    pub(crate) samples: usize,
}

/// Writes a generated corpus of `bytes` bytes to `out_dir`, counts it `rounds` times with
/// `--jobs jobs` under the profiler (sampling at 999 Hz), and writes `flamegraph.svg` and
/// `profile.pb` to `out_dir`.
pub(crate) fn profile(
    bytes: usize,
    rounds: usize,
    jobs: usize,
    out_dir: &Path,
) -> io::Result<ProfileFiles> {
    fs::create_dir_all(out_dir)?;
    let corpus = out_dir.join("corpus.txt");
    fs::write(&corpus, Corpus::generate(42, bytes))?;
    let inputs = [Input::Path(corpus.clone())];

    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(999)
        .blocklist(&["libc", "libgcc", "pthread", "vdso"])
        .build()
        .map_err(io::Error::other)?;
    for _ in 0..rounds.max(1) {
        let tally = count_inputs(&Context::background(), &inputs, &Options::new(jobs));
        assert!(
            tally.stopped.is_none() && !tally.any_failed(),
            "the profiled run must complete"
        );
    }
    let report = guard.report().build().map_err(io::Error::other)?;
    fs::remove_file(&corpus)?;

    let samples = report.data.values().sum::<isize>().max(0) as usize;
    let flamegraph = out_dir.join("flamegraph.svg");
    report
        .flamegraph(File::create(&flamegraph)?)
        .map_err(io::Error::other)?;
    let pprof = out_dir.join("profile.pb");
    let mut bytes = Vec::new();
    report
        .pprof()
        .map_err(io::Error::other)?
        .encode(&mut bytes)
        .map_err(io::Error::other)?;
    File::create(&pprof)?.write_all(&bytes)?;
    Ok(ProfileFiles {
        flamegraph,
        pprof,
        samples,
    })
}
