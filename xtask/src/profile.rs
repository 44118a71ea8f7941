//! `cargo xtask profile CRATE [-- ARGS]`: a CPU flame graph and a pprof profile of the crate's
//! `examples/profile.rs` (the example writes `flamegraph.svg` and `profile.pb` and prints the
//! command that opens them).

use anyhow::{Result, bail};

use crate::cmd::cargo;
use crate::ws;

pub(crate) fn run(krate: &str, args: &[String]) -> Result<()> {
    let package = ws::current()?.package(krate)?;
    if !package.examples.iter().any(|e| e == "profile") {
        bail!("profile: {krate} has no `profile` example (examples/profile.rs)");
    }
    cargo()
        .args([
            "run",
            "--release",
            "-p",
            krate,
            "--example",
            "profile",
            "--",
        ])
        .args(args)
        .run(&format!("profile {krate}"))
}
