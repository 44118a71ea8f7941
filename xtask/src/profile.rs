//! `cargo xtask profile CRATE [-- ARGS]`: a CPU profile of a day's hot path, as
//! `go test -cpuprofile cpu.out` gives one for any package.
//!
//! Runs the crate's `examples/profile.rs` in release under labkit's sampler
//! (`labkit::profile`, feature `profile`: pprof at 997 Hz, the hot path repeated for `PROFILE_SECONDS`, 5 by
//! default, and until it has 2,000 samples). The example prints its sample count and writes
//! `profile.pb` and `flamegraph.svg` under `<target>/profile/<crate>[-<args>]/`; where `go` is
//! installed, `go tool pprof -top` then shows the top of the profile.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cmd::{Cmd, cargo};
use crate::{go, ws};

/// How many lines of `go tool pprof -top` to show.
const TOP: &str = "-nodecount=15";

pub(crate) fn run(krate: &str, args: &[String]) -> Result<()> {
    let ws = ws::current()?;
    let package = ws.package(krate)?;
    let source = package.dir.join("examples/profile.rs");
    let Some((_, example)) = package
        .sources
        .iter()
        .find(|(src, name)| *src == source && package.examples.contains(name))
    else {
        let with: Vec<&str> = ws
            .packages
            .iter()
            .filter(|p| {
                p.sources
                    .iter()
                    .any(|(s, _)| *s == p.dir.join("examples/profile.rs"))
            })
            .map(|p| p.name.as_str())
            .collect();
        bail!(
            "profile: {krate} has no profile example (examples/profile.rs); these crates have one: {}",
            with.join(", ")
        );
    };
    let label: String = std::iter::once(krate)
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-")
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
    let dir: PathBuf = ws.target_subdir("profile").join(label);
    cargo()
        .args(["run", "--release", "-p", krate, "--example", example, "--"])
        .args(args)
        .env("PROFILE_DIR", &dir)
        .run(&format!("profile {krate}"))?;
    if go::version()?.is_some() {
        Cmd::new("go")
            .args(["tool", "pprof", "-top", TOP])
            .arg(dir.join("profile.pb"))
            .run("profile: go tool pprof")?;
    }
    Ok(())
}
