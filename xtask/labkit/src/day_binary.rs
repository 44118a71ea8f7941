//! The command line every day binary keeps for `cargo xtask tour`: it answers `--help`, naming
//! `--quick` (the flag the tour passes), and rejects what it does not know with a usage error
//! (exit 2) before doing any work. The days' `tests/cli.rs` call these checks with their binary's
//! name.

use std::time::Duration;

use assert_cmd::Command;

/// Bound for one run of the binary: `--help` and a usage error return at once, while a binary that
/// ignored its arguments would start the whole narrated day.
const LIMIT: Duration = Duration::from_secs(60);

fn run(bin: &str, arg: &str) -> std::process::Output {
    Command::cargo_bin(bin)
        .expect("the day binary is built")
        .timeout(LIMIT)
        .arg(arg)
        .output()
        .expect("ran the binary")
}

/// `<bin> --help` succeeds and its usage names `--quick`.
pub fn help_names_the_quick_flag(bin: &str) {
    let out = run(bin, "--help");
    assert!(out.status.success(), "--help failed: {out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains(&format!("Usage: {bin}")), "{help}");
    assert!(help.contains("--quick"), "{help}");
}

/// `<bin> --fast` exits 2, names the argument, and prints nothing on standard output.
pub fn an_unknown_argument_is_a_usage_error(bin: &str) {
    let out = run(bin, "--fast");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--fast"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing done after a usage error");
}
