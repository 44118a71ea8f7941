//! What a learner reads under a ✗: the first lines of a failure, made readable.
//!
//! - Strings as strings: a word kept as bytes (`Vec<u8>`, `[u8]`) is printed by `{:?}` as a list
//!   of numbers; a list of two or more numbers that are all bytes and spell printable UTF-8 is
//!   shown as the quoted string it spells.
//! - No noise: proptest's notes about where it saves failures, backtraces and the hint to set
//!   `RUST_BACKTRACE` are left out.
//! - A ThreadSanitizer report starts at the learner's code: its header, then for each access only
//!   the frames in the workspace's own crates (std's, libtest's and the registry's are left out),
//!   then its summary.
//! - A loom deadlock (`deadlock; threads = [...]`) is said in words under loom's line.
//! - Never empty: a failure whose output has nothing left says so.

/// How many lines of a failure are shown.
const LINES: usize = 10;

/// What loom's `deadlock; threads = [...]` means, said under it.
const LOOM_DEADLOCK: &str = "(loom found an interleaving in which every thread still running is \
     blocked: a deadlock, or a waiter that nothing wakes — a missed or single notify where several \
     wait, a check made before the wait instead of under its lock)";

/// The excerpt of a failed test's output (`output` is what libtest printed for it, or a binary's
/// stderr for a failure that no test owns).
pub(crate) fn failure(output: &str) -> String {
    if let Some(report) = tsan(output) {
        return report;
    }
    let lines: Vec<String> = output
        .lines()
        .take_while(|l| !l.starts_with("stack backtrace:"))
        .filter(|l| !l.trim().is_empty() && !is_noise(l))
        .take(LINES)
        .flat_map(|l| {
            let gloss = l
                .starts_with("deadlock; threads =")
                .then(|| LOOM_DEADLOCK.to_string());
            std::iter::once(strings_for_bytes(l)).chain(gloss)
        })
        .collect();
    if lines.is_empty() {
        return "(the test printed nothing about why; run it alone to see more)".to_string();
    }
    lines.join("\n")
}

/// Lines that say nothing about the failure.
fn is_noise(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("note: run with `RUST_BACKTRACE")
        || l.starts_with("note: Some details are omitted")
        // proptest: "proptest: FileFailurePersistence::SourceParallel set, but failed to find
        // lib.rs or main.rs", "proptest: Saving this and future failures in …", and the seed
        // note that follows.
        || l.starts_with("proptest: ")
        || l.starts_with("proptest-regressions")
}

/// A condensed ThreadSanitizer report, if `output` holds one: the `WARNING:` line, each access or
/// location line with the workspace frames under it, and the `SUMMARY:` line.
fn tsan(output: &str) -> Option<String> {
    let start = output
        .lines()
        .position(|l| l.contains("WARNING: ThreadSanitizer"))?;
    let mut out = Vec::new();
    let mut frames_kept = 0;
    for line in output.lines().skip(start) {
        let t = line.trim();
        if t.starts_with("WARNING: ThreadSanitizer") {
            out.push(t.trim_start_matches('=').to_string());
        } else if t.starts_with("SUMMARY: ThreadSanitizer") {
            out.push(t.to_string());
            break;
        } else if t.starts_with('#') {
            if is_own_frame(t) {
                out.push(format!("  {}", short_frame(t)));
                frames_kept += 1;
            }
        } else if !t.is_empty() && !t.starts_with("==") && !t.starts_with("ThreadSanitizer:") {
            // "Write of size 8 at 0x… by thread T2:", "Previous read …", "Location is heap
            // block …", "Thread T2 (tid=…) created by …".
            out.push(t.to_string());
        }
    }
    if frames_kept == 0 {
        out.push("(no frame of this workspace's code in the report; run `cargo xtask race` for all of it)".into());
    }
    Some(out.join("\n"))
}

/// A stack frame in the workspace's own code: not std / core / alloc (`/rustc/…`, `library/`),
/// not a registry or git dependency, not libtest, not the sanitizer runtime.
fn is_own_frame(frame: &str) -> bool {
    let Some(path) = frame.split_whitespace().find(|w| w.contains(".rs:")) else {
        return false;
    };
    !(path.starts_with("/rustc/")
        || path.contains("/library/")
        || path.contains("/.cargo/registry/")
        || path.contains("/.cargo/git/")
        || path.contains("/rust-src/"))
}

/// `#3 day1::stack::pop /w/day1/src/stack.rs:80:9 (binary+0x1234)` → `day1::stack::pop at
/// /w/day1/src/stack.rs:80:9`.
fn short_frame(frame: &str) -> String {
    let words: Vec<&str> = frame.split_whitespace().collect();
    let path = words.iter().position(|w| w.contains(".rs:"));
    match path {
        Some(p) if p >= 2 => format!("{} at {}", words[1..p].join(" "), words[p]),
        Some(p) => words[p].to_string(),
        None => frame.to_string(),
    }
}

/// `line` with each list of numbers that spells a printable UTF-8 string (`[104, 105]`) replaced
/// by that string, quoted (`"hi"`).
fn strings_for_bytes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find(']')
            .and_then(|close| spelled(&after[..close]).map(|s| (s, close)))
        {
            Some((text, close)) => {
                out.push_str(&format!("{text:?}"));
                rest = &after[close + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The string that `list` (`104, 105`) spells, if it is two or more bytes of printable UTF-8.
fn spelled(list: &str) -> Option<String> {
    let bytes: Vec<u8> = list
        .split(',')
        .map(|n| n.trim().parse::<u8>().ok())
        .collect::<Option<_>>()?;
    if bytes.len() < 2 {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || c == ' ')
        .then_some(text)
}

/// The errors among cargo's rendered diagnostics (its stderr): each `error…` diagnostic, without
/// the warnings (a stub's unused arguments, for one), cargo's progress lines and its closing lines.
pub(crate) fn compile_errors(stderr: &str) -> String {
    let starts = |l: &&str| l.starts_with("error") || l.starts_with("warning");
    let errors: Vec<String> = stderr
        .split("\n\n")
        .filter_map(|paragraph| {
            let lines: Vec<&str> = paragraph.lines().skip_while(|l| !starts(l)).collect();
            let first = lines.first()?;
            let error = first.starts_with("error")
                && !first.starts_with("error: could not compile")
                && !first.starts_with("error: aborting");
            error.then(|| lines.join("\n"))
        })
        .collect();
    if errors.is_empty() {
        // Not rustc's diagnostics (a cargo error, a missing file): all of it.
        return stderr.trim_end().to_string();
    }
    errors.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` of day 1 with every exercise stubbed and `count.fetch_add(1)` (the ordering
    /// left out) in `day1/atomic-counter`, as cargo rendered it (warnings cut to three).
    const BUILD: &str = "   Compiling day1-sync-atomic v0.1.0 (/w/day1-sync-atomic)
warning: unused imports: `Acquire` and `Release`
  --> day1-sync-atomic/src/stack/s1_leaky.rs:38:35
   |
38 | use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
   |                                   ^^^^^^^           ^^^^^^^
   |
   = note: `#[warn(unused_imports)]` (part of `#[warn(unused)]`) on by default

warning: unused variable: `key`
   --> day1-sync-atomic/src/map.rs:190:33
    |
190 |     pub fn load_or_store(&self, key: K, value: V) -> (V, bool)
    |                                 ^^^ help: if this is intentional, prefix it with an underscore: `_key`

error[E0061]: this method takes 2 arguments but 1 argument was supplied
  --> day1-sync-atomic/src/counter.rs:94:31
   |
94 |                         count.fetch_add(1);
   |                               ^^^^^^^^^--- argument #2 of type `std::sync::atomic::Ordering` is missing
   |
help: provide the argument
   |
94 |                         count.fetch_add(1, /* std::sync::atomic::Ordering */);
   |                                          +++++++++++++++++++++++++++++++++++

warning: method `retire` is never used
   --> day1-sync-atomic/src/stack/s1_leaky.rs:116:8
    |
116 |     fn retire(&self, unlinked: *mut Node<T>) {
    |        ^^^^^^

For more information about this error, try `rustc --explain E0061`.
warning: `day1-sync-atomic` (lib) generated 3 warnings
error: could not compile `day1-sync-atomic` (lib) due to 1 previous error; 3 warnings emitted
";

    #[test]
    fn a_loom_deadlock_is_said_in_words() {
        let got = failure(
            "thread 'two_waiters' (1) panicked at loom-0.7.3/src/rt/execution.rs:215:13:\n\
             deadlock; threads = [(Id(0), Blocked(Location(None)))]\n\
             stack backtrace:\n   0: loom::rt::execution::Execution::schedule\n",
        );
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 3, "{got}");
        assert!(lines[1].starts_with("deadlock; threads ="), "{got}");
        assert!(lines[2].starts_with("(loom found an interleaving"), "{got}");
    }

    #[test]
    fn a_compile_error_is_shown_once_without_the_stubs_warnings() {
        let got = compile_errors(BUILD);
        assert!(
            got.starts_with("error[E0061]: this method takes 2 arguments")
                && got.contains("--> day1-sync-atomic/src/counter.rs:94:31")
                && got.ends_with("+++++++++++++++++++++++++++++++++++"),
            "{got}"
        );
        assert!(
            !got.contains("warning") && !got.contains("could not compile"),
            "{got}"
        );
        assert_eq!(got.matches("error").count(), 1, "{got}");
        // Without warnings, cargo's closing line follows rustc's note in the same paragraph.
        let no_warnings = BUILD.replace(
            "warning: `day1-sync-atomic` (lib) generated 3 warnings\n",
            "",
        );
        assert_eq!(compile_errors(&no_warnings), got);
        // A cargo failure that is no rustc diagnostic is shown whole.
        let cargo = "error: failed to load manifest for workspace member `/w/x`\n";
        assert_eq!(compile_errors(cargo), cargo.trim_end());
    }

    #[test]
    fn words_kept_as_bytes_read_as_strings_and_numbers_stay_numbers() {
        // day 5's top-N with the ties broken the wrong way: `(word bytes, count)` pairs.
        let output =
            "thread 'top_n_breaks_ties_by_bytes' panicked at day5-wordcount/src/top.rs:90:9:
assertion `left == right` failed
  left: [([98, 101, 116, 97], 2), ([97, 108, 112, 104, 97], 2)]
 right: [([97, 108, 112, 104, 97], 2), ([98, 101, 116, 97], 2)]";
        let got = failure(output);
        assert!(
            got.contains("left: [(\"beta\", 2), (\"alpha\", 2)]")
                && got.contains("right: [(\"alpha\", 2), (\"beta\", 2)]"),
            "{got}"
        );
        // Counts, control bytes, a lone byte and numbers above 255 are left alone; UTF-8 is
        // decoded.
        assert_eq!(
            strings_for_bytes("[1, 2, 3] [7] [300, 301]"),
            "[1, 2, 3] [7] [300, 301]"
        );
        assert_eq!(
            strings_for_bytes("w: [195, 169, 116, 195, 169]"),
            "w: \"été\""
        );
        assert_eq!(strings_for_bytes("[104, 105"), "[104, 105");
    }

    #[test]
    fn proptest_notes_and_backtrace_hints_are_left_out() {
        // A proptest failure in day 5 with every case failing, as libtest kept it.
        let output = "proptest: FileFailurePersistence::SourceParallel set, but failed to find lib.rs or main.rs
proptest: Saving this and future failures in /w/day5-wordcount/proptest-regressions/counting.txt
proptest: If this test was run on a CI system, you may wish to add the following line to your copy of the file. (You may need to create it.)
cc 9a1e4c0e2d3f

thread 'chunked_matches_whole' panicked at day5-wordcount/tests/counting.rs:40:5:
Test failed: assertion failed: counts == whole.
minimal failing input: text = \"a b\"
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
        let got = failure(output);
        assert!(
            !got.contains("proptest:") && !got.contains("RUST_BACKTRACE"),
            "{got}"
        );
        assert!(
            got.starts_with("cc 9a1e4c0e2d3f\nthread 'chunked_matches_whole' panicked"),
            "{got}"
        );
        assert!(
            got.ends_with("minimal failing input: text = \"a b\""),
            "{got}"
        );
    }

    #[test]
    fn an_output_with_nothing_to_say_is_never_an_empty_excerpt() {
        for quiet in ["", "\n\n", "stack backtrace:\n  0: std::rt::lang_start"] {
            assert!(
                failure(quiet).starts_with("(the test printed nothing"),
                "{quiet:?}"
            );
        }
    }

    /// A ThreadSanitizer report in the shape the `race` step's runs print it (pid, addresses and
    /// the std frames shortened).
    const TSAN: &str = "running 3 tests
==================
WARNING: ThreadSanitizer: data race (pid=4242)
  Write of size 8 at 0x7b0800000010 by thread T2:
    #0 core::ptr::write /rustc/abc/library/core/src/ptr/mod.rs:1600:9 (stress-1+0x1234)
    #1 day1_sync_atomic::stack::s1_leaky::LeakyStack<T>::pop /w/day1-sync-atomic/src/stack/s1_leaky.rs:131:21 (stress-1+0x2345)
    #2 stress::leaky_stack_conserves_the_multiset::{{closure}} /w/day1-sync-atomic/tests/stress.rs:40:17 (stress-1+0x3456)
    #3 std::sys::backtrace::__rust_begin_short_backtrace /rustc/abc/library/std/src/sys/backtrace.rs:152:18 (stress-1+0x4567)
    #4 test::run_test::{{closure}} /rustc/abc/library/test/src/lib.rs:600:5 (stress-1+0x5678)

  Previous read of size 8 at 0x7b0800000010 by thread T3:
    #0 day1_sync_atomic::stack::s1_leaky::LeakyStack<T>::pop /w/day1-sync-atomic/src/stack/s1_leaky.rs:120:24 (stress-1+0x6789)
    #1 crossbeam_utils::thread::scope /root/.cargo/registry/src/index.crates.io-1/crossbeam-utils-0.8.21/src/thread.rs:160:9 (stress-1+0x789a)

SUMMARY: ThreadSanitizer: data race /w/day1-sync-atomic/src/stack/s1_leaky.rs:131:21 in day1_sync_atomic::stack::s1_leaky::LeakyStack<T>::pop
==================
ThreadSanitizer: reported 1 warnings";

    #[test]
    fn a_tsan_report_starts_at_the_learners_code() {
        let got = failure(TSAN);
        assert_eq!(
            got,
            "WARNING: ThreadSanitizer: data race (pid=4242)
Write of size 8 at 0x7b0800000010 by thread T2:
  day1_sync_atomic::stack::s1_leaky::LeakyStack<T>::pop at /w/day1-sync-atomic/src/stack/s1_leaky.rs:131:21
  stress::leaky_stack_conserves_the_multiset::{{closure}} at /w/day1-sync-atomic/tests/stress.rs:40:17
Previous read of size 8 at 0x7b0800000010 by thread T3:
  day1_sync_atomic::stack::s1_leaky::LeakyStack<T>::pop at /w/day1-sync-atomic/src/stack/s1_leaky.rs:120:24
SUMMARY: ThreadSanitizer: data race /w/day1-sync-atomic/src/stack/s1_leaky.rs:131:21 in day1_sync_atomic::stack::s1_leaky::LeakyStack<T>::pop"
        );
        // A report with no frame of the workspace still says something.
        let std_only: String = TSAN
            .lines()
            .filter(|l| !l.contains("/w/day1") || l.starts_with("SUMMARY"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(failure(&std_only).contains("no frame of this workspace's code"));
    }
}
