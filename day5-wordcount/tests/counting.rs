//! Differential tests: every fast path against the naive reference (`split_whitespace` +
//! `to_lowercase` over lossy UTF-8), over random bytes, multi-byte UTF-8, every Unicode white-space
//! character and every chunk size; and the concurrent run against the same reference for any
//! `--jobs`, chunk size and piece size.

use day2_context::Context;
use day5_wordcount::baseline::{naive, sequential};
use day5_wordcount::chunked::{ChunkCounter, count_chunked};
use day5_wordcount::corpus::Corpus;
use day5_wordcount::{Input, Options, WordCounts, count_inputs};
use proptest::prelude::*;

/// Every `White_Space` character, plus near misses (zero-width space, U+180E, U+FEFF).
const SPACES: &[&str] = &[
    "\t", "\n", "\u{b}", "\u{c}", "\r", " ", "\u{85}", "\u{a0}", "\u{1680}", "\u{2000}",
    "\u{2001}", "\u{2002}", "\u{2003}", "\u{2004}", "\u{2005}", "\u{2006}", "\u{2007}", "\u{2008}",
    "\u{2009}", "\u{200a}", "\u{2028}", "\u{2029}", "\u{202f}", "\u{205f}", "\u{3000}", "\u{200b}",
    "\u{180e}", "\u{feff}",
];
const PIECES: &[&str] = &[
    "a", "B", "ß", "İ", "Σ", "σ", "ς", "é", "É", "ﬁ", "Ǆ", "日本", "😀", "\u{301}", "word", "WORD",
    "\r\n", // Latin-1 edges of the byte-level path:
    "À", "Þ", "×", "ÿ", "µ", "Ã",
];

/// Truncated sequences: prefixes of white space and of a 4-byte character.
const TRUNCATED: &[&[u8]] = &[
    &[0xE2, 0x80],
    &[0xE3, 0x80],
    &[0xC2],
    &[0xE1, 0x9A],
    &[0xF0, 0x9F],
];

/// Text built from words, white space and stray bytes (invalid or truncated UTF-8).
fn texts() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => proptest::sample::select(PIECES).prop_map(|s| s.as_bytes().to_vec()),
        3 => proptest::sample::select(SPACES).prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..4),
        1 => proptest::sample::select(TRUNCATED).prop_map(<[u8]>::to_vec),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn chunked_counter_equals_naive_for_any_chunk_size(text in texts(), size in 1usize..12) {
        prop_assert_eq!(count_chunked(&text, size), naive::count_text(&text));
    }

    #[test]
    fn chunked_counter_equals_naive_on_random_bytes(text in proptest::collection::vec(any::<u8>(), 0..200), size in 1usize..40) {
        prop_assert_eq!(count_chunked(&text, size), naive::count_text(&text));
    }

    /// Chunks of varying size in one stream, as a pipe delivers them.
    #[test]
    fn uneven_chunks_equal_naive(text in texts(), cuts in proptest::collection::vec(0usize..64, 0..10)) {
        let mut counts = WordCounts::new();
        let mut counter = ChunkCounter::new();
        let mut rest = &text[..];
        for cut in cuts {
            let (head, tail) = rest.split_at(cut.min(rest.len()));
            counter.feed(head, &mut counts);
            rest = tail;
        }
        counter.feed(rest, &mut counts);
        counter.finish(&mut counts);
        prop_assert_eq!(counts, naive::count_text(&text));
    }

    /// The sequential baseline is exact on ASCII text without `\v` (it splits on Rust's
    /// `is_ascii_whitespace`, which leaves out `\v`).
    #[test]
    fn sequential_baseline_equals_naive_on_ascii(text in "[a-zA-Z,. \t\n\r]{0,300}") {
        let fast = sequential::count_reader(text.as_bytes()).unwrap();
        let naive = naive::count_text_std(text.as_bytes());
        prop_assert_eq!(fast.len(), naive.len());
        for (w, n) in naive {
            prop_assert_eq!(fast.get(w.as_bytes()), Some(&n));
        }
    }
}

/// The whole run — split into pieces, a pool, per-worker maps, merge — equals the reference, for
/// several `--jobs`, chunk sizes and (tiny) piece sizes, so the output cannot depend on them.
#[test]
fn concurrent_run_is_identical_for_any_jobs_chunk_and_piece_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = Corpus::generate(3, 100_000);
    text.extend_from_slice("ΣΊΣΥΦΟΣ\u{3000}naïve\u{2028}NAÏVE \u{85}x".as_bytes());
    text.extend_from_slice(b"\xFF\xFEy end");
    let whole = dir.path().join("whole.txt");
    std::fs::write(&whole, &text).unwrap();
    let mut inputs = vec![Input::Path(whole)];
    for (i, part) in text.chunks(30_000).enumerate() {
        let p = dir.path().join(format!("part{i}.txt"));
        std::fs::write(&p, part).unwrap();
        inputs.push(Input::Path(p));
    }
    // The parts are cut anywhere, so each is counted on its own: the whole file plus every part.
    let mut expected = naive::count_text(&text);
    for part in text.chunks(30_000) {
        expected.merge(naive::count_text(part));
    }
    for jobs in [1, 2, 3, 8] {
        for chunk_size in [3, 4096, 128 * 1024] {
            let opts = Options {
                jobs,
                chunk_size,
                min_piece: 1000,
            };
            let tally = count_inputs(&Context::background(), &inputs, &opts);
            assert!(tally.stopped.is_none() && !tally.any_failed());
            if jobs > 1 {
                assert!(
                    tally.pieces > inputs.len(),
                    "the large file was split: {} pieces",
                    tally.pieces
                );
            }
            assert_eq!(
                tally.counts.top(usize::MAX),
                expected.top(usize::MAX),
                "jobs {jobs}, chunk {chunk_size}"
            );
        }
    }
}
