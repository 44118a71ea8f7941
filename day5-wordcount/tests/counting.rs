//! Differential tests: every fast path against the naive reference (Go's decoding, `Fields`,
//! `ToLower`), over random bytes, multi-byte UTF-8, every Unicode white-space character and every
//! chunk size; the concurrent run against the same reference for any `--jobs`, chunk size and piece
//! size; and all of them against counts a real Go program printed.

mod common;

use common::within;
use day2_context::Context;
use day5_wordcount::baseline::{naive, sequential};
use day5_wordcount::chunked::{ChunkCounter, Overlong, count_chunked};
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
                chunk_size,
                min_piece: 1000,
                ..Options::new(jobs)
            };
            let all = inputs.clone();
            let tally = within(move || count_inputs(&Context::background(), &all, &opts));
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

/// Text and the counts Go 1.19 printed for it, word as hex, with
/// `for _, w := range strings.Fields(string(data)) { counts[strings.ToLower(w)]++ }`.
const GO_TEXT: &[u8] = b"HeLLo hello \xCE\x91\xCE\xA3 \xCE\xB1\xCF\x83 \xC4\xB0stanbul ISTANBUL \
a\xE2\x80 a\xE2 a\xE2\x80\xE3\x80\x80a\xE2 \xED\xA0\x80 STRA\xE1\xBA\x9EE \xC7\x85 AB\xFF\xE2\x80C";
const GO_COUNTS: &[(&str, u64)] = &[
    ("61efbfbd", 2),
    ("61efbfbdefbfbd", 2),
    ("6162efbfbdefbfbdefbfbd63", 1),
    ("68656c6c6f", 2),
    ("697374616e62756c", 2),
    ("ceb1cf83", 2),
    ("c786", 1),
    ("efbfbdefbfbdefbfbd", 1),
    ("73747261c39f65", 1),
];

fn hex(word: &str) -> String {
    word.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The counts equal Go's, byte for byte: simple case mapping (`İ` → `i`, `Σ` → `σ` everywhere) and
/// one `U+FFFD` per invalid byte (`a\xE2\x80` and `a\xE2` are different words).
#[test]
fn counts_equal_go_1_19_on_its_own_output() {
    let mut expected: Vec<(String, u64)> =
        GO_COUNTS.iter().map(|&(h, n)| (h.to_owned(), n)).collect();
    expected.sort();
    let as_hex = |counts: &WordCounts| {
        let mut got: Vec<(String, u64)> = counts.iter().map(|(w, n)| (hex(w), n)).collect();
        got.sort();
        got
    };
    assert_eq!(as_hex(&naive::count_text(GO_TEXT)), expected, "naive");
    for size in 1..=GO_TEXT.len() {
        assert_eq!(
            as_hex(&count_chunked(GO_TEXT, size)),
            expected,
            "chunk {size}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("go.txt");
    std::fs::write(&path, GO_TEXT).unwrap();
    for jobs in [1, 2] {
        let opts = Options {
            chunk_size: 5,
            min_piece: 8,
            ..Options::new(jobs)
        };
        let inputs = [Input::Path(path.clone())];
        let tally = within(move || count_inputs(&Context::background(), &inputs, &opts));
        assert_eq!(as_hex(&tally.counts), expected, "--jobs {jobs}");
    }
}

/// Words of every length, with multi-byte and invalid bytes, joined by assorted white space.
const RAW_WORDS: &[&[u8]] = &[
    b"ab",
    b"abcdef",
    "ΣΣΣ".as_bytes(),
    b"x\xE2\x80",
    b"\xFF\xFF\xFF\xFF\xFF",
    b"abcdefghijklmnopqrstuvwxyz",
    b"q",
    "naïve".as_bytes(),
];
const SEPARATORS: &[&str] = &[" ", "\u{3000}", "\n", "\u{85}", "  \t"];

/// A word longer than `max_word` bytes of input is skipped and reported at its offset; every other
/// word is counted exactly as if the long ones were not there, for every chunk size and limit.
#[test]
fn words_longer_than_max_word_are_skipped_reported_and_the_rest_counted() {
    let mut text = Vec::new();
    let mut starts = Vec::new();
    for (i, w) in RAW_WORDS.iter().enumerate() {
        text.extend_from_slice(SEPARATORS[i % SEPARATORS.len()].as_bytes());
        starts.push(text.len() as u64);
        text.extend_from_slice(w);
    }
    for max_word in 1..=27 {
        let kept: Vec<&[u8]> = RAW_WORDS
            .iter()
            .copied()
            .filter(|w| w.len() <= max_word)
            .collect();
        let expected = naive::count_text(&kept.join(&b' '));
        let long: Vec<u64> = (0..RAW_WORDS.len())
            .filter(|&i| RAW_WORDS[i].len() > max_word)
            .map(|i| starts[i])
            .collect();
        let expected_overlong = long.first().map(|&first| Overlong {
            first,
            count: long.len() as u64,
        });
        for size in 1..=text.len() {
            let mut counts = WordCounts::new();
            let mut counter = ChunkCounter::with_max_word(max_word, 0);
            for chunk in text.chunks(size) {
                counter.feed(chunk, &mut counts);
            }
            counter.finish(&mut counts);
            assert_eq!(counts, expected, "max {max_word}, chunk {size}");
            assert_eq!(
                counter.overlong(),
                expected_overlong,
                "max {max_word}, chunk {size}"
            );
        }
    }
}
