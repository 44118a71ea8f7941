//! End-to-end tests of the real binary: output, exit statuses, messages, bad input.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_day5-wordcount");

/// The binary, killed (and the test failed) if it runs longer than [`common::BOUND`].
fn bin() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.timeout(common::BOUND);
    cmd
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
    bin()
        .args(["--top", "0"])
        .write_stdin("a b")
        .assert()
        .success()
        .stdout("")
        .stderr("");
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
    // Names quoted, the system's reason without Rust's "(os error 2)".
    out.stdout("two 3\none 1\nthree 1\n")
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {missing:?}: No such file or directory\n"
        )))
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {:?}: is a directory\n",
            dir.path()
        )))
        .stderr(predicate::function(|s: &str| s.lines().count() == 2));
}

/// `--lesson` (the lesson step, `src/lesson.rs`) with the same inputs: the same output and exit
/// status, the same one line per bad input; and it refuses the flags only the fast step has.
#[test]
fn lesson_counts_the_same_and_names_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.txt", b"one two two");
    let no_newline = write(dir.path(), "no-newline.txt", b"two three");
    let missing = dir.path().join("missing.txt");
    bin()
        .arg("--lesson")
        .arg(&good)
        .arg(&missing)
        .arg(dir.path())
        .arg(&no_newline)
        .assert()
        .code(1)
        .stdout("two 3\none 1\nthree 1\n")
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {missing:?}: No such file or directory\n"
        )))
        .stderr(predicate::str::contains(format!(
            "day5-wordcount: {:?}: Is a directory\n",
            dir.path()
        )))
        .stderr(predicate::function(|s: &str| s.lines().count() == 2));
    bin()
        .args(["--lesson", "--json", "--top", "1"])
        .write_stdin("b a b")
        .assert()
        .success()
        .stdout("[{\"word\":\"b\",\"count\":2}]\n");
    bin().args(["--lesson", "--letters"]).assert().code(2);
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
            "day5-wordcount: {path:?}: {reason}\n"
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
        .args(["--jobs", "2", "--top", "1", "--max-word", "4MiB"])
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

/// Go's scanner stops at "token too long"; here the word is skipped, reported with its offset, and
/// everything else is counted (exit 1).
#[test]
fn a_word_longer_than_max_word_is_reported_and_the_rest_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"before ".to_vec();
    text.extend(std::iter::repeat_n(b'x', 3000));
    text.extend_from_slice(b" after before");
    let path = write(dir.path(), "long.txt", &text);
    bin()
        .args(["--max-word", "1KiB", "--jobs", "2"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout("before 2\nafter 1\n")
        .stderr(format!(
            "day5-wordcount: {path:?}: skipped a word longer than --max-word (1024 bytes) at byte \
             7; the rest was counted\n"
        ));
}

/// Input without white space: `/dev/zero`, stopped by `--timeout`, stays far below 100 MiB (a
/// finite file without white space is in the suite both steps share, `tests/steps.rs`).
#[test]
fn input_without_white_space_runs_in_bounded_memory() {
    let limit = common::rss_limit_mib();
    let (code, rss) = common::peak_rss_mib(std::process::Command::new(BIN).args([
        "--timeout",
        "1s",
        "--jobs",
        "2",
        "/dev/zero",
    ]));
    assert_eq!(code, 3, "a partial result on the deadline");
    assert!(rss < limit, "/dev/zero for 1 s: peak RSS {rss} MiB");
}

/// Standard error full (`/dev/full`) or a closed pipe: the messages are dropped, the result is
/// printed, the exit status keeps its meaning.
#[test]
fn a_failing_standard_error_does_not_stop_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.txt", b"one two two");
    let missing = dir.path().join("missing.txt");
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Stdio::from(writer)
    };
    for (what, stderr) in [
        ("/dev/full", Stdio::from(File::create("/dev/full").unwrap())),
        ("a closed pipe", closed()),
    ] {
        let out = common::output_within(
            std::process::Command::new(BIN)
                .arg(&good)
                .arg(&missing)
                .stdout(Stdio::piped())
                .stderr(stderr)
                .spawn()
                .unwrap(),
        );
        assert_eq!(out.status.code(), Some(1), "stderr into {what}");
        assert_eq!(out.stdout, b"two 2\none 1\n", "stderr into {what}");
    }
}

/// Standard output full or closed: exit 1, no panic; a full disk is reported, a closed pipe not.
#[test]
fn a_failing_standard_output_exits_1() {
    // With no input, `--json` still prints `[]`.
    let full = common::output_within(
        std::process::Command::new(BIN)
            .arg("--json")
            .stdin(Stdio::null())
            .stdout(File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    assert_eq!(full.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&full.stderr),
        "day5-wordcount: standard output: No space left on device\n"
    );
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let closed = common::output_within(
        std::process::Command::new(BIN)
            .arg("--json")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    assert_eq!(closed.status.code(), Some(1));
    assert_eq!(closed.stderr, b"", "a closed pipe is not reported");
}

/// A file name with a newline or invalid UTF-8 is quoted and escaped: one message, one line.
#[test]
fn file_names_are_quoted_so_each_message_is_one_line() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let odd = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"two\nlines \xFF.txt"));
    bin()
        .arg(&odd)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            r#"two\nlines \xFF.txt": No such file or directory"#,
        ))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
}

/// `--letters`: Unicode word boundaries, so Markdown punctuation is not a word.
#[test]
fn letters_counts_prose_words() {
    let text = "| Word | Count |\n|---|---|\n| The end. | THE end |\n";
    bin()
        .args(["--letters", "--top", "3"])
        .write_stdin(text)
        .assert()
        .success()
        .stdout("end 2\nthe 2\ncount 1\n");
    bin()
        .args(["--top", "1"])
        .write_stdin(text)
        .assert()
        .success()
        .stdout("| 6\n");
}

/// `cargo xtask tour` runs `day5-wordcount --quick` from the workspace root: it counts the journal
/// with `--letters`.
#[test]
fn quick_is_the_tour_of_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("journal")).unwrap();
    write(
        &dir.path().join("journal"),
        "day.md",
        b"| Pool | Pool |\n|---|---|\n| pool | done |\n",
    );
    write(&dir.path().join("journal"), "notes.txt", b"ignored ignored");
    bin()
        .arg("--quick")
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("pool 3\ndone 1\n"))
        .stdout(predicate::str::contains("--letters"))
        .stdout(predicate::str::contains("ignored").not());
    bin()
        .arg("--quick")
        .current_dir(dir.path().join("journal"))
        .assert()
        .success()
        .stdout(predicate::str::contains("No journal/*.md"));
    bin().args(["--quick", "file.txt"]).assert().code(2);
}
