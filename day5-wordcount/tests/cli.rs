//! End-to-end tests of the real binary: output, exit statuses, messages, bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_day5-wordcount"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn counts_standard_input_when_no_file_is_given() {
    bin()
        .write_stdin("b a B\nc b")
        .assert()
        .success()
        .stdout("b 3\na 1\nc 1\n")
        .stderr("");
    bin()
        .arg("-")
        .write_stdin("x X")
        .assert()
        .success()
        .stdout("x 2\n");
}

#[test]
fn top_n_and_json() {
    bin()
        .args(["--top", "2"])
        .write_stdin("a b b c c c")
        .assert()
        .success()
        .stdout("c 3\nb 2\n");
    bin()
        .args(["--top", "2", "--json"])
        .write_stdin("a b b c c c \"q\"")
        .assert()
        .success()
        .stdout("[{\"word\":\"c\",\"count\":3},{\"word\":\"b\",\"count\":2}]\n");
    bin()
        .args(["--json"])
        .write_stdin("")
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn output_is_identical_for_jobs_1_and_8_and_any_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let text = day5_wordcount::corpus::Corpus::generate(9, 3 << 20);
    let big = write(dir.path(), "big.txt", &text);
    let small = write(
        dir.path(),
        "small.txt",
        "Zebra zebra ÉCOLE école\u{3000}end".as_bytes(),
    );
    let run = |extra: &[&str]| {
        let out = bin()
            .args(["--top", "50"])
            .args(extra)
            .arg(&big)
            .arg(&small)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        out.stdout
    };
    let reference = run(&["--jobs", "1"]);
    assert_eq!(String::from_utf8_lossy(&reference).lines().count(), 50);
    assert_eq!(run(&["--jobs", "8"]), reference);
    assert_eq!(run(&["--jobs", "2", "--chunk-size", "1000"]), reference);
    assert_eq!(run(&["--jobs", "8", "--chunk-size", "17"]), reference);
}

#[test]
fn bad_inputs_are_named_and_the_rest_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.txt", b"one two two");
    let empty = write(dir.path(), "empty.txt", b"");
    let no_newline = write(dir.path(), "no-newline.txt", b"two three");
    let missing = dir.path().join("missing.txt");
    let out = bin()
        .arg(&good)
        .arg(&missing)
        .arg(dir.path())
        .arg(&empty)
        .arg(&no_newline)
        .assert()
        .code(1);
    out.stdout("two 3\none 1\nthree 1\n")
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {}: No such file or directory",
            missing.display()
        )))
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {}: is a directory",
            dir.path().display()
        )))
        .stderr(predicate::function(|s: &str| s.lines().count() == 2));
}

#[test]
fn an_unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = write(dir.path(), "locked.txt", b"secret");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (path, reason) = if std::fs::File::open(&locked).is_err() {
        (locked, "Permission denied")
    } else {
        // Running as root, permissions do not stop a read; `/proc/self/mem` is a regular file
        // whose read at offset 0 fails for everyone.
        (PathBuf::from("/proc/self/mem"), "Input/output error")
    };
    let good = write(dir.path(), "good.txt", b"fine");
    bin()
        .arg(&path)
        .arg(&good)
        .assert()
        .code(1)
        .stdout("fine 1\n")
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {}: {reason}",
            path.display()
        )));
}

#[test]
fn one_long_line_without_white_space_is_one_word() {
    let dir = tempfile::tempdir().unwrap();
    // 3 MiB of one word (longer than any chunk), twice, the second time in upper case.
    let word = "x".repeat(3 << 20);
    let text = format!("{word}\n{}\nend", word.to_uppercase());
    let path = write(dir.path(), "long.txt", text.as_bytes());
    let out = bin()
        .args(["--jobs", "2", "--top", "1"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), word.len() + " 2\n".len());
    assert!(out.stdout.ends_with(b"x 2\n"));
}

#[test]
fn usage_errors_exit_2() {
    bin()
        .args(["--jobs", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--jobs"));
    bin()
        .args(["--timeout", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timeout"));
    bin().arg("--frobnicate").assert().code(2);
}

#[test]
fn help_documents_the_exit_statuses() {
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit status:"))
        .stdout(predicate::str::contains("3  partial result"))
        .stdout(predicate::str::contains("--timeout <DURATION>"));
}

#[test]
fn a_generous_timeout_changes_nothing() {
    bin()
        .args(["--timeout", "1m"])
        .write_stdin("a a b")
        .assert()
        .success()
        .stdout("a 2\nb 1\n")
        .stderr("");
}
