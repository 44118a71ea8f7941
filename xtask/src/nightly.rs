//! The nightly toolchain, which `race` (ThreadSanitizer) and `miri` need: finding it, its
//! components, and a cargo that runs on it.

use std::path::Path;
use std::process::Command;

use crate::cmd::Cmd;

/// `rustup run nightly cargo`.
pub(crate) fn cargo() -> Cmd {
    Cmd::new("rustup").args(["run", "nightly", "cargo"])
}

/// The nightly toolchain's host triple, or why there is none (the reason a step is skipped).
pub(crate) fn host() -> Result<String, String> {
    let out = Command::new("rustup")
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

/// Makes sure nightly has `rust-src` (for `-Zbuild-std` and Miri's sysroot), installing it once if
/// it can; else the reason a step is skipped.
pub(crate) fn ensure_rust_src(step: &str) -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .output()
        .map_err(|e| format!("rustup is not available ({e})"))?;
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if Path::new(&sysroot)
        .join("lib/rustlib/src/rust/library")
        .is_dir()
    {
        return Ok(());
    }
    println!("{step}: nightly has no rust-src; installing it once");
    Cmd::new("rustup")
        .args(["component", "add", "rust-src", "--toolchain", "nightly"])
        .run(&format!("{step}: rustup component add rust-src"))
        .map_err(|e| format!("rust-src for nightly is missing and could not be installed ({e:#})"))
}

/// Whether nightly has the component `name` (`miri`) installed; else the reason a step is skipped.
pub(crate) fn has_component(name: &str) -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", "nightly"])
        .output()
        .map_err(|e| format!("rustup is not available ({e})"))?;
    let listed = String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l == name || l.starts_with(&format!("{name}-")));
    if listed {
        Ok(())
    } else {
        Err(format!(
            "nightly has no `{name}` component (install it with `rustup component add {name} \
             --toolchain nightly`)"
        ))
    }
}
