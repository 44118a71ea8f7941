//! The sampler behind `cargo xtask profile` (feature `profile`): each day's `examples/profile.rs`
//! hands [`profile`] the day's hot path.
//!
//! Go: `go test -cpuprofile cpu.out` samples a package's benchmark and `go tool pprof cpu.out` reads
//! it. Rust: the `pprof` crate samples this process's stacks on a `SIGPROF` timer (Go's profiler
//! does the same) while [`profile`] runs the hot path again and again for a fixed time, then writes
//! the same protobuf format Go's pprof reads and an SVG flame graph. Day 5's checklist test
//! (`profile_writes_a_flame_graph_and_a_pprof_profile`) runs [`sample`] too.
//!
//! The timer counts the process's CPU time, so the samples are at most `HZ × CPU seconds`; where
//! the kernel's timer is coarser than asked for (a 100 Hz tick gives 100 per CPU-second), the run
//! goes on past its time until it has [`MIN_SAMPLES`], up to [`LIMIT`].
//!
//! Settings, from the environment (`cargo xtask profile` sets `PROFILE_DIR`):
//! - `PROFILE_SECONDS`: how long to sample, at least 3 (default 5);
//! - `PROFILE_DIR`: where `profile.pb` and `flamegraph.svg` go (default `profile-<example>` in the
//!   current directory).

use std::env;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pprof::protos::Message;

/// Samples per second of CPU time: a prime, so that the timer does not beat with a periodic hot
/// loop (Go's profiler samples at 100 Hz; more samples here make a short run readable).
const HZ: i32 = 997;

/// Samples [`profile`] waits for: enough for a `-top` whose lower lines are not noise.
const MIN_SAMPLES: isize = 2000;

/// The longest a run waits for its samples (a timer coarser than asked for, or an idle hot path).
const LIMIT: Duration = Duration::from_secs(180);

/// Libraries whose frames are not unwound from the signal handler (unwinding inside them can
/// deadlock, pprof's documented caveat).
const BLOCKLIST: [&str; 4] = ["libc", "libgcc", "pthread", "vdso"];

/// How long to sample: `PROFILE_SECONDS`, at least 3 s (default 5 s).
fn seconds() -> io::Result<Duration> {
    let Ok(text) = env::var("PROFILE_SECONDS") else {
        return Ok(Duration::from_secs(5));
    };
    match text.parse::<f64>() {
        Ok(s) if (3.0..=3600.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(io::Error::other(format!(
            "PROFILE_SECONDS={text:?}: expected a number of seconds from 3 to 3600"
        ))),
    }
}

/// What [`sample`] wrote.
#[derive(Debug)]
pub struct Profiled {
    /// Stack samples taken.
    pub samples: isize,
    /// Times the hot path ran.
    pub rounds: u64,
    /// How long it ran, under the sampler.
    pub wall: Duration,
    /// The pprof protobuf (`go tool pprof -top profile.pb`).
    pub pprof: PathBuf,
    /// The SVG flame graph.
    pub flamegraph: PathBuf,
}

/// Samples this process while `round` runs again and again until `time` is up and `min_samples`
/// were taken (looking once a second after `time`), or [`LIMIT`] passed; the last round finishes.
/// Then writes `dir/profile.pb` and `dir/flamegraph.svg`.
pub fn sample(
    dir: &Path,
    time: Duration,
    min_samples: isize,
    mut round: impl FnMut(),
) -> io::Result<Profiled> {
    fs::create_dir_all(dir)?;
    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(HZ)
        .blocklist(&BLOCKLIST)
        .build()
        .map_err(io::Error::other)?;
    let taken = || -> io::Result<isize> {
        let so_far = guard
            .report()
            .build_unresolved()
            .map_err(io::Error::other)?;
        Ok(so_far.data.values().sum())
    };
    let start = Instant::now();
    let (mut rounds, mut look_at) = (0_u64, time);
    loop {
        round();
        rounds += 1;
        let elapsed = start.elapsed();
        if elapsed >= look_at {
            if elapsed >= LIMIT.max(time) || taken()? >= min_samples {
                break;
            }
            look_at = elapsed + Duration::from_secs(1);
        }
    }
    let wall = start.elapsed();
    let report = guard.report().build().map_err(io::Error::other)?;
    drop(guard);

    let pprof = dir.join("profile.pb");
    let profile = report.pprof().map_err(io::Error::other)?;
    fs::write(&pprof, profile.encode_to_vec())?;
    let flamegraph = dir.join("flamegraph.svg");
    report
        .flamegraph(File::create(&flamegraph)?)
        .map_err(io::Error::other)?;
    Ok(Profiled {
        samples: report.data.values().sum(),
        rounds,
        wall,
        pprof,
        flamegraph,
    })
}

/// [`sample`] with the settings from the environment, printing what it wrote. `what` names the
/// hot path in the output.
pub fn profile(what: &str, round: impl FnMut()) -> io::Result<()> {
    let time = seconds()?;
    let dir = env::var_os("PROFILE_DIR").map_or_else(
        || {
            let exe = env::current_exe().unwrap_or_default();
            let name = exe.file_stem().unwrap_or_default().to_string_lossy();
            PathBuf::from(format!("profile-{name}"))
        },
        PathBuf::from,
    );
    eprintln!("profiling {what} for {time:?} at {HZ} Hz …");
    let p = sample(&dir, time, MIN_SAMPLES, round)?;
    println!(
        "{} samples of {what}: {} rounds in {:.2?}",
        p.samples, p.rounds, p.wall
    );
    if p.samples < MIN_SAMPLES {
        println!(
            "(fewer than {MIN_SAMPLES} samples after {LIMIT:?}: read the lower lines as noise)"
        );
    }
    println!("pprof profile: {}", p.pprof.display());
    println!("flame graph:   {}", p.flamegraph.display());
    println!("read it with:  go tool pprof -top {}", p.pprof.display());
    println!("           or: go tool pprof -http=: {}", p.pprof.display());
    Ok(())
}
