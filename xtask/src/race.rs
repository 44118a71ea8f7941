//! `cargo xtask race`: every day's tests under ThreadSanitizer — Rust's `go test -race`.
//!
//! Safe Rust already rules out data races at compile time (`Send`/`Sync`); TSan checks the
//! `unsafe` code and the orderings the type system cannot see. It needs the nightly toolchain
//! (`-Zsanitizer=thread`) and a std rebuilt with the sanitizer (`-Zbuild-std`, which needs the
//! `rust-src` component): an uninstrumented std makes its own locks look like races. The build goes
//! to `<target>/tsan`.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cmd::{Cmd, append_flags};
use crate::step::{Done, Step, summarise};
use crate::{nightly, suite, ws};

/// The sanitizer, and `cfg(tsan)` for the few tests that say why they do not run under it.
const SANITIZER: &str = "-Zsanitizer=thread --cfg tsan";

/// Where the instrumented builds go.
pub(crate) fn target_dir() -> Result<PathBuf> {
    Ok(ws::current()?.target_subdir("tsan"))
}

/// `cargo test` under ThreadSanitizer for the host triple `host` (from [`nightly::host`]), without
/// a package selection; run it with [`options`] as `TSAN_OPTIONS`.
pub(crate) fn cargo_test(host: &str) -> Result<Cmd> {
    Ok(nightly::cargo()
        .env("RUSTFLAGS", append_flags("RUSTFLAGS", SANITIZER))
        .args(["test", "-Zbuild-std", "--target", host, "--target-dir"])
        .arg(target_dir()?))
}

/// `TSAN_OPTIONS` for the workspace's tests: a distinct exit code, and the known false positives in
/// dependencies (each explained in `xtask/tsan-suppressions.txt`) suppressed.
pub(crate) fn options() -> Result<String> {
    let suppressions = ws::current()?.root.join("xtask/tsan-suppressions.txt");
    Ok(format!(
        "exitcode=66 suppressions={}",
        suppressions.display()
    ))
}

/// No backtrace for the panics tests make on purpose: symbolizing one under ThreadSanitizer takes
/// seconds (ten for each `should_panic` test here), and a data race comes with TSan's own stacks.
pub(crate) const QUIET_PANICS: (&str, &str) = ("RUST_BACKTRACE", "0");

/// Runs the canary under TSan (without suppressions) and checks that TSan reported its race.
fn detector_is_live(host: &str) -> Result<()> {
    let ws = ws::current()?;
    let out = nightly::cargo()
        .env("RUSTFLAGS", append_flags("RUSTFLAGS", SANITIZER))
        .env("TSAN_OPTIONS", "exitcode=66")
        .args(["run", "-Zbuild-std", "--target", host, "--target-dir"])
        .arg(target_dir()?)
        .arg("--manifest-path")
        .arg(ws.root.join("xtask/race-canary/Cargo.toml"))
        .tee("race: canary", |_| true)?;
    let reported = out.stderr.contains("WARNING: ThreadSanitizer: data race");
    match (reported, out.success) {
        (true, false) => {
            println!("race: the detector is live: it reported the canary's deliberate data race\n");
            Ok(())
        }
        (false, _) => {
            bail!("race: ThreadSanitizer did not report the canary's deliberate data race")
        }
        (true, true) => bail!("race: the canary's race was reported but the run exited 0"),
    }
}

/// `cargo xtask race [CRATE]`.
pub(crate) fn run(krate: Option<&str>) -> Step {
    // The days and labkit (whose `parallel` and watchdog synchronize threads by hand), not this
    // runner: its own tests share no memory between threads, and building it and its dependencies
    // under the sanitizer would only lengthen the step.
    let ws = ws::current()?;
    let mut packages = ws.selected(krate)?;
    if krate.is_none() {
        packages.push(ws.package("labkit")?);
    }
    let selection: Vec<String> = packages
        .into_iter()
        .flat_map(|p| ["-p".to_string(), p.name.clone()])
        .collect();
    let ready = nightly::host().and_then(|h| nightly::ensure_rust_src("race").map(|()| h));
    let host = match ready {
        Ok(h) => h,
        Err(why) => {
            suite::clear("race")?;
            return Ok(Done::Skipped(why));
        }
    };
    detector_is_live(&host)?;
    let build = cargo_test(&host)?
        .args(["--lib", "--tests"])
        .args(selection);
    let report = suite::run(
        "race",
        build,
        &[
            ("TSAN_OPTIONS", options()?),
            (QUIET_PANICS.0, QUIET_PANICS.1.to_string()),
        ],
    )?;
    summarise("race", &report)
}
