//! `cargo xtask … | head`: a reader that stops reading ends xtask quietly, never with a panic.

#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_xtask_quietly() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    // The reader is gone before xtask writes its first line, every time.
    drop(reader);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["lab", "list"])
        .current_dir(workspace)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "xtask panicked on a closed stdout instead of ending quietly:\n{stderr}"
    );
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "xtask should end by SIGPIPE, as `cat` does; it ended with {:?}\n{stderr}",
        out.status
    );
}
