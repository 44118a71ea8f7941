//! `cargo xtask race`: the workspace's tests under ThreadSanitizer — Rust's `go test -race`.
//!
//! Safe Rust already rules out data races at compile time (`Send`/`Sync`); TSan checks the
//! `unsafe` code and the orderings the type system cannot see. It needs the nightly toolchain
//! (`-Zsanitizer=thread`) and a std rebuilt with the sanitizer (`-Zbuild-std`, which needs the
//! `rust-src` component): an uninstrumented std makes its own locks look like races.

use std::path::Path;

use crate::cmd::{Cmd, append_flags, root};
use crate::{Done, Step, select, suite, summarise};

const SANITIZER: &str = "-Zsanitizer=thread";

fn nightly_cargo() -> Cmd {
    Cmd::new("rustup").args(["run", "nightly", "cargo"])
}

/// The nightly toolchain's host triple, or why there is none.
fn nightly_host() -> Result<String, String> {
    let out = std::process::Command::new("rustup")
        .args(["run", "nightly", "rustc", "-vV"])
        .output()
        .map_err(|e| format!("rustup is not available ({e})"))?;
    if !out.status.success() {
        return Err(
            "no nightly toolchain (install it with `rustup toolchain install nightly`)".into(),
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .ok_or_else(|| "`rustc +nightly -vV` printed no host triple".into())
}

/// Makes sure nightly has `rust-src` (needed by `-Zbuild-std`), installing it once if it can.
fn ensure_rust_src() -> Result<(), String> {
    let out = std::process::Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .output()
        .map_err(|e| format!("rustup is not available ({e})"))?;
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let library = Path::new(&sysroot).join("lib/rustlib/src/rust/library");
    if library.is_dir() {
        return Ok(());
    }
    println!("race: nightly has no rust-src; installing it once");
    Cmd::new("rustup")
        .args(["component", "add", "rust-src", "--toolchain", "nightly"])
        .run("race: rustup component add rust-src")
        .map_err(|e| format!("rust-src for nightly is missing and could not be installed ({e})"))
}

/// Runs the canary under TSan and checks that TSan reported its race.
fn detector_is_live(host: &str) -> Result<(), String> {
    let out = nightly_cargo()
        .env("RUSTFLAGS", append_flags("RUSTFLAGS", SANITIZER))
        .env("TSAN_OPTIONS", "exitcode=66")
        .args(["run", "-Zbuild-std", "--target", host, "--target-dir"])
        .arg(root().join("target/tsan"))
        .arg("--manifest-path")
        .arg(root().join("xtask/race-canary/Cargo.toml"))
        .tee("race: canary", |_| true)?;
    let reported = out.stderr.contains("WARNING: ThreadSanitizer: data race");
    match (reported, out.success) {
        (true, false) => {
            println!("race: the detector is live: it reported the canary's deliberate data race\n");
            Ok(())
        }
        (false, _) => {
            Err("race: ThreadSanitizer did not report the canary's deliberate data race".into())
        }
        (true, true) => Err("race: the canary's race was reported but the run exited 0".into()),
    }
}

pub(crate) fn run(krate: Option<&str>) -> Step {
    let host = match nightly_host() {
        Ok(h) => h,
        Err(why) => {
            suite::clear("race");
            return Ok(Done::Skipped(why));
        }
    };
    if let Err(why) = ensure_rust_src() {
        suite::clear("race");
        return Ok(Done::Skipped(why));
    }
    detector_is_live(&host)?;
    let build = nightly_cargo()
        .env("RUSTFLAGS", append_flags("RUSTFLAGS", SANITIZER))
        .args([
            "test",
            "-Zbuild-std",
            "--target",
            &host,
            "--target-dir",
            "target/tsan",
            "--lib",
            "--tests",
        ])
        .args(select(krate));
    // Known false positives in dependencies, each explained in the file, are suppressed; the
    // canary above ran without suppressions.
    let suppressions = root().join("xtask/tsan-suppressions.txt");
    let options = format!("exitcode=66 suppressions={}", suppressions.display());
    let report = suite::run("race", build, &[("TSAN_OPTIONS", options)])?;
    summarise("race", &report)
}
