//! The counting core: a streaming tokenizer fed one chunk at a time, with a byte-level fast path.
//!
//! Go's version reads a whole file with `bufio.Scanner` + `ScanWords` and allocates a string per
//! word. Here the input arrives in fixed-size chunks (a 10 GB file never needs 10 GB of memory) and
//! each chunk is scanned once, in place, never copied or rewritten:
//!
//! 1. The end of a word is found eight bytes at a time ([`not_word_mask`]); the common word — ASCII,
//!    ended by ASCII white space — takes one short path through the scan loop.
//! 2. A short ASCII word (at most [`INLINE`] bytes) becomes its map key with one 16-byte load, a
//!    mask and a word-wide lower-casing ([`ShortWord::ascii_lowercase`]), and is looked up with no
//!    copy and no allocation ([`WordCounts::add_short`]).
//! 3. A short word of ASCII and Latin-1 letters (`café`) is lower-cased the same way, byte by byte
//!    ([`ShortWord::latin1_lowercase`]). Any other word holding a byte ≥ `0x80` (or a word
//!    longer than [`INLINE`] bytes) goes through [`lowercase_into`] and one reused `String`;
//!    non-ASCII bytes are classified with one table lookup ([`BYTE_CLASS`]), and
//!    UTF-8 is decoded only at the four lead bytes that can start non-ASCII white space.
//! 4. A word (or a multi-byte character) cut by the end of a chunk is kept in `pending` and
//!    finished with the next chunk, so it is counted exactly once whatever the chunk size.
//!
//! Invariants of [`ChunkCounter`] between two calls:
//! 1. `pending` holds the bytes of the word in progress, from its first byte; empty when the last
//!    chunk ended in white space.
//! 2. Its last `undecided` bytes (0, 1 or 2) are a prefix of a multi-byte white-space character
//!    that the chunk ended inside; the next chunk decides whether they end the word or belong to it.
//!
//! 3. `skipping` is set while the word in progress is longer than `max_word`: then `pending` holds
//!    only the undecided bytes, and the word is dropped when it ends.
//!
//! # Words longer than `--max-word`
//!
//! Go's `bufio.Scanner` stops at a token longer than its buffer ("token too long"). Here a word
//! longer than `max_word` bytes ([`DEFAULT_MAX_WORD`], 1 MiB, by default) is not counted: its bytes
//! are skipped up to the next white space, the rest of the input is counted as usual, and
//! [`overlong`](ChunkCounter::overlong) tells where the first such word started and how many there
//! were. So memory stays bounded on any input, also one without white space (`/dev/zero`).
//!
//! A word of at least [`LONG_WORD`] bytes (with `--max-word` raised above it) is never copied: its
//! bytes grow `pending` by an eighth at a time and become the map's key in place (lower-cased in
//! place when it is ASCII; a non-ASCII one is lower-cased into one new string).

use crate::counts::{INLINE, ShortWord, WordCounts};
use crate::words::{
    BYTE_CLASS, HIGH, MAYBE_SPACE, SPACE, Space, WORD, is_ascii_space, is_ascii_word_byte,
    lowercase_into, not_word_mask, space_len,
};

/// Words at least this long are counted without the copy through the scratch buffer.
pub const LONG_WORD: usize = 1 << 20;

/// The default longest word, in bytes of input (`--max-word`): 1 MiB.
pub const DEFAULT_MAX_WORD: usize = 1 << 20;

/// A streaming word counter: fed chunks of any size, then finished, or discarded when the input
/// was cut short. [`ChunkCounter`] counts Go's words, [`LetterCounter`](crate::letters::LetterCounter)
/// `--letters` words.
pub trait Tokenizer {
    /// Counts every word of `chunk` that ends inside it into `counts` and keeps the unfinished one.
    fn feed(&mut self, chunk: &[u8], counts: &mut WordCounts);
    /// End of input: counts the word in progress, if any.
    fn finish(&mut self, counts: &mut WordCounts);
    /// Drops the word in progress without counting it (the input was cut short: the word might be
    /// the front of a longer one).
    fn discard(&mut self);
    /// The words skipped so far for being longer than the limit.
    fn overlong(&self) -> Option<Overlong>;
}

/// Words skipped for being longer than `--max-word`: where the first one starts, and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overlong {
    /// The input offset, in bytes, of the first skipped word.
    pub first: u64,
    /// How many words were skipped.
    pub count: u64,
}

impl Overlong {
    /// Adds a skipped word starting at offset `at` to `seen`.
    pub fn record(seen: &mut Option<Overlong>, at: u64) {
        *seen = Overlong::merge(
            *seen,
            Some(Overlong {
                first: at,
                count: 1,
            }),
        );
    }

    /// Two records as one (of two pieces of a file, say): the earliest offset, the counts added.
    pub fn merge(a: Option<Overlong>, b: Option<Overlong>) -> Option<Overlong> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Overlong {
                first: a.first.min(b.first),
                count: a.count + b.count,
            }),
            (one, None) | (None, one) => one,
        }
    }
}

/// Counts the words of a byte stream fed in chunks of any size, including 1 byte.
#[derive(Debug)]
pub struct ChunkCounter {
    /// The word in progress (invariant 1).
    pending: Vec<u8>,
    /// How many bytes at the end of `pending` are an undecided white-space prefix (invariant 2).
    undecided: usize,
    /// Whether the word in progress is longer than `max_word` and being skipped (invariant 3).
    skipping: bool,
    /// The longest word counted, in bytes of input.
    max_word: usize,
    /// The input offset of the next byte to be fed (of the current chunk's first, during `feed`).
    offset: u64,
    /// The input offset of the first byte of `pending`.
    pending_start: u64,
    overlong: Option<Overlong>,
    /// Scratch space for the lower-cased word, reused for every word.
    lower: String,
}

impl Default for ChunkCounter {
    fn default() -> Self {
        ChunkCounter::with_max_word(DEFAULT_MAX_WORD, 0)
    }
}

/// Where the word starting at some index of a chunk ends.
enum WordEnd {
    /// At this index, where white space starts; `ascii` says whether the word is all ASCII.
    At { end: usize, ascii: bool },
    /// Not in this chunk; the chunk's last `undecided` bytes may start white space.
    NotHere { undecided: usize },
}

impl ChunkCounter {
    /// A counter with nothing pending that skips words longer than [`DEFAULT_MAX_WORD`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter that skips words longer than `max_word` bytes (at least 1); `offset` is the input
    /// offset of the first byte it will be fed, for [`overlong`](Self::overlong).
    pub fn with_max_word(max_word: usize, offset: u64) -> Self {
        ChunkCounter {
            pending: Vec::new(),
            undecided: 0,
            skipping: false,
            max_word: max_word.max(1),
            offset,
            pending_start: offset,
            overlong: None,
            lower: String::new(),
        }
    }

    /// The words skipped so far for being longer than the limit.
    pub fn overlong(&self) -> Option<Overlong> {
        self.overlong
    }

    /// Counts every word of `chunk` that ends inside it into `counts` and keeps the unfinished one.
    pub fn feed(&mut self, chunk: &[u8], counts: &mut WordCounts) {
        self.feed_here(chunk, counts);
        self.offset += chunk.len() as u64;
    }

    /// [`feed`](Self::feed), with `offset` at the chunk's first byte.
    fn feed_here(&mut self, chunk: &[u8], counts: &mut WordCounts) {
        let mut i = 0;
        if self.undecided > 0 {
            match self.decide_pending_space(chunk) {
                Decided::Space { consumed } => {
                    let start = self.pending.len() - self.undecided;
                    self.pending.truncate(start);
                    self.undecided = 0;
                    self.count_pending(counts);
                    i = consumed;
                }
                Decided::Word => {
                    self.undecided = 0;
                    if self.skipping {
                        self.pending.clear(); // they belong to the word being skipped
                    }
                }
                Decided::NeedMore => {
                    self.pending.extend_from_slice(chunk);
                    self.undecided += chunk.len();
                    return;
                }
            }
        }
        if !self.pending.is_empty() || self.skipping {
            // Still inside the word cut by the previous chunk.
            match word_end(chunk, 0) {
                WordEnd::At { end, .. } => {
                    self.extend_pending(&chunk[..end], 0);
                    self.count_pending(counts);
                    i = end;
                }
                WordEnd::NotHere { undecided } => {
                    self.extend_pending(chunk, undecided);
                    self.undecided = undecided;
                    return;
                }
            }
        }
        self.scan(chunk, i, counts);
    }

    /// End of input: counts the word in progress, if any (an unfinished UTF-8 sequence in it is
    /// invalid and becomes `U+FFFD`).
    pub fn finish(&mut self, counts: &mut WordCounts) {
        self.undecided = 0;
        self.count_pending(counts);
    }

    /// Drops the word in progress without counting it (the input was cut short: the word might be
    /// the front of a longer one).
    pub fn discard(&mut self) {
        self.pending.clear();
        self.undecided = 0;
        self.skipping = false;
    }

    /// The hot loop over a chunk, from `i`, with nothing pending.
    fn scan(&mut self, chunk: &[u8], mut i: usize, counts: &mut WordCounts) {
        let n = chunk.len();
        let short = INLINE.min(self.max_word);
        loop {
            // Skip white space (usually none: the fast path below steps over one space byte).
            while i < n {
                let b = chunk[i];
                if is_ascii_word_byte(b) {
                    break;
                }
                if is_ascii_space(b) {
                    i += 1;
                    continue;
                }
                if BYTE_CLASS[usize::from(b)] != MAYBE_SPACE {
                    break;
                }
                match space_len(&chunk[i..]) {
                    Space::Yes(len) => i += len,
                    Space::No => break,
                    Space::NeedMore => {
                        self.pending_start = self.offset + i as u64;
                        self.pending.extend_from_slice(&chunk[i..]);
                        self.undecided = n - i;
                        return;
                    }
                }
            }
            if i == n {
                return;
            }
            let start = i;
            let end = skip_ascii_word_bytes(chunk, start);
            // The common case: a short ASCII word ended by an ASCII white-space byte.
            if end < n && is_ascii_space(chunk[end]) && end - start <= short {
                counts.add_short(ShortWord::ascii_lowercase(&chunk[start..], end - start), 1);
                i = end + 1;
                continue;
            }
            match word_end(chunk, end) {
                WordEnd::At { end, ascii } => {
                    if end - start > self.max_word {
                        Overlong::record(&mut self.overlong, self.offset + start as u64);
                    } else {
                        count_word(&chunk[start..], end - start, ascii, &mut self.lower, counts);
                    }
                    i = end;
                }
                WordEnd::NotHere { undecided } => {
                    self.pending_start = self.offset + start as u64;
                    self.extend_pending(&chunk[start..], undecided);
                    self.undecided = undecided;
                    return;
                }
            }
        }
    }

    /// Completes the undecided bytes at the end of `pending` with the first bytes of `chunk`.
    fn decide_pending_space(&self, chunk: &[u8]) -> Decided {
        let mut probe = [0u8; 3];
        let have = self.undecided;
        probe[..have].copy_from_slice(&self.pending[self.pending.len() - have..]);
        let take = (3 - have).min(chunk.len());
        probe[have..have + take].copy_from_slice(&chunk[..take]);
        match space_len(&probe[..have + take]) {
            Space::Yes(len) => Decided::Space {
                consumed: len - have,
            },
            Space::No => Decided::Word,
            Space::NeedMore => Decided::NeedMore,
        }
    }

    /// Appends to the word in progress, of which the last `undecided` bytes of `bytes` may start
    /// white space. A word that grows past `max_word` is recorded as overlong and skipped from here
    /// on: only those undecided bytes are kept. A long word grows by an eighth, not by doubling.
    fn extend_pending(&mut self, bytes: &[u8], undecided: usize) {
        if !self.skipping && self.pending.len() + bytes.len() - undecided > self.max_word {
            Overlong::record(&mut self.overlong, self.pending_start);
            self.skipping = true;
        }
        if self.skipping {
            self.pending.clear();
            self.pending
                .extend_from_slice(&bytes[bytes.len() - undecided..]);
            return;
        }
        let len = self.pending.len();
        if len >= LONG_WORD && len + bytes.len() > self.pending.capacity() {
            self.pending.reserve_exact(bytes.len().max(len / 8));
        }
        self.pending.extend_from_slice(bytes);
    }

    /// Counts the word in `pending` (if any; not if it is being skipped) and empties it.
    fn count_pending(&mut self, counts: &mut WordCounts) {
        if self.skipping {
            self.skipping = false;
            self.pending.clear();
            return;
        }
        if self.pending.is_empty() {
            return;
        }
        if self.pending.len() > self.max_word {
            // Undecided bytes that turned out to belong to the word made it too long.
            Overlong::record(&mut self.overlong, self.pending_start);
            self.pending.clear();
            return;
        }
        if self.pending.len() < LONG_WORD {
            count_word(
                &self.pending,
                self.pending.len(),
                self.pending.is_ascii(),
                &mut self.lower,
                counts,
            );
            self.pending.clear();
            return;
        }
        let mut bytes = std::mem::take(&mut self.pending);
        let word = if bytes.is_ascii() {
            bytes.make_ascii_lowercase();
            String::from_utf8(bytes).expect("ASCII bytes are valid UTF-8")
        } else {
            let mut word = String::new();
            lowercase_into(&bytes, &mut word);
            word
        };
        counts.add_owned(word.into_boxed_str(), 1);
    }
}

impl Tokenizer for ChunkCounter {
    fn feed(&mut self, chunk: &[u8], counts: &mut WordCounts) {
        ChunkCounter::feed(self, chunk, counts);
    }

    fn finish(&mut self, counts: &mut WordCounts) {
        ChunkCounter::finish(self, counts);
    }

    fn discard(&mut self) {
        ChunkCounter::discard(self);
    }

    fn overlong(&self) -> Option<Overlong> {
        ChunkCounter::overlong(self)
    }
}

/// The result of completing an undecided white-space prefix.
enum Decided {
    /// It is white space; the first `consumed` bytes of the new chunk belong to it.
    Space { consumed: usize },
    /// It is part of the word.
    Word,
    /// The new chunk is too short to tell.
    NeedMore,
}

/// Finds the end of the word that continues at `from`; the bytes of the word before `from` (if any)
/// are ASCII word bytes.
#[inline(always)]
fn word_end(chunk: &[u8], from: usize) -> WordEnd {
    let n = chunk.len();
    let mut j = from;
    let mut ascii = true;
    loop {
        // The common case: a run of ASCII word bytes, eight at a time.
        j = skip_ascii_word_bytes(chunk, j);
        if j == n {
            return WordEnd::NotHere { undecided: 0 };
        }
        match BYTE_CLASS[usize::from(chunk[j])] {
            SPACE => return WordEnd::At { end: j, ascii },
            // A control byte that is not white space: part of the (still ASCII) word.
            WORD => j += 1,
            HIGH => {
                ascii = false;
                j += 1;
            }
            _ => match space_len(&chunk[j..]) {
                Space::Yes(_) => return WordEnd::At { end: j, ascii },
                Space::No => {
                    ascii = false;
                    j += 1;
                }
                Space::NeedMore => return WordEnd::NotHere { undecided: n - j },
            },
        }
    }
}

/// The index of the first byte at or after `i` that is not an ASCII word byte, or `chunk.len()`.
///
/// Eight bytes per step ([`not_word_mask`]): a word of English text usually ends in the first
/// step, so the loop's exit branch does not depend on the word's length (a byte-at-a-time loop
/// mispredicts its exit once per word).
#[inline(always)]
fn skip_ascii_word_bytes(chunk: &[u8], mut i: usize) -> usize {
    while let Some(block) = chunk[i..].first_chunk::<8>() {
        let mask = not_word_mask(u64::from_le_bytes(*block));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < chunk.len() && is_ascii_word_byte(chunk[i]) {
        i += 1;
    }
    i
}

/// Counts the word `text[..len]`; `ascii` says it is all ASCII. The bytes after the word (the rest
/// of the chunk) let a short word be loaded in one go.
#[inline(always)]
fn count_word(text: &[u8], len: usize, ascii: bool, lower: &mut String, counts: &mut WordCounts) {
    if ascii && len <= INLINE {
        counts.add_short(ShortWord::ascii_lowercase(text, len), 1);
    } else if let Some(word) = ShortWord::latin1_lowercase(text, len) {
        // Western European text (`café`, `Müller`) without the general path's decoding.
        counts.add_short(word, 1);
    } else {
        lowercase_into(&text[..len], lower);
        counts.add(lower, 1);
    }
}

/// Counts all of `input` in chunks of `chunk_size` bytes (a convenience for tests and benches).
///
/// # Panics
/// Panics if `chunk_size` is 0.
pub fn count_chunked(input: &[u8], chunk_size: usize) -> WordCounts {
    let mut counts = WordCounts::new();
    let mut counter = ChunkCounter::new();
    for chunk in input.chunks(chunk_size) {
        counter.feed(chunk, &mut counts);
    }
    counter.finish(&mut counts);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::naive::count_text;

    fn check_all_chunk_sizes(input: &[u8]) {
        let expected = count_text(input);
        for size in 1..=input.len().max(1) + 1 {
            assert_eq!(
                count_chunked(input, size),
                expected,
                "chunk size {size} of {input:?}"
            );
        }
    }

    #[test]
    fn ascii_words_across_every_chunk_size() {
        check_all_chunk_sizes(b"The quick brown fox  jumps\tover the\r\nlazy dog. THE end");
    }

    #[test]
    fn multi_byte_space_cut_by_a_chunk_boundary() {
        // U+3000 IDEOGRAPHIC SPACE, U+2028 LINE SEPARATOR, U+00A0 NO-BREAK SPACE, U+0085 NEL.
        check_all_chunk_sizes("a\u{3000}b\u{2028}c\u{a0}d\u{85}e".as_bytes());
        check_all_chunk_sizes("\u{3000}\u{3000}x\u{2000}".as_bytes());
    }

    #[test]
    fn near_misses_of_white_space_stay_in_the_word() {
        // E2 80 8B is U+200B ZERO WIDTH SPACE, which is *not* White_Space; E2 80 alone is invalid.
        check_all_chunk_sizes(b"a\xE2\x80\x8Bb c\xE2\x80 d\xC2e \xE3\x80");
    }

    #[test]
    fn unicode_case_and_invalid_bytes() {
        check_all_chunk_sizes("ΣΊΣΥΦΟΣ σίσυφος İSTANBUL Straße STRASSE".as_bytes());
        check_all_chunk_sizes(b"caf\xC3\xA9 CAF\xC3\x89 \xFF\xFEabc abc\xF0\x9F");
    }

    #[test]
    fn a_long_word_is_one_word() {
        let mut input = vec![b'A'; LONG_WORD + 10];
        input.extend_from_slice(b" tail ");
        input.extend(vec![b'a'; LONG_WORD + 10]);
        let mut counts = WordCounts::new();
        let mut counter = ChunkCounter::with_max_word(2 * LONG_WORD, 0);
        for chunk in input.chunks(64 * 1024) {
            counter.feed(chunk, &mut counts);
        }
        counter.finish(&mut counts);
        assert_eq!(counts.len(), 2);
        assert_eq!(counts.get(&"a".repeat(LONG_WORD + 10)), 2);
        assert_eq!(counts.get("tail"), 1);
        assert_eq!(counter.overlong(), None);
    }

    /// 32 MiB without white space (as from `/dev/zero`) holds at most `max_word` bytes, and the
    /// words after it are counted.
    #[test]
    fn a_word_without_end_is_skipped_in_bounded_memory() {
        let chunk = vec![0u8; 128 * 1024];
        let mut counts = WordCounts::new();
        let mut counter = ChunkCounter::new();
        counter.feed(b"first ", &mut counts);
        for _ in 0..256 {
            counter.feed(&chunk, &mut counts);
            assert!(
                counter.pending.capacity() <= DEFAULT_MAX_WORD + chunk.len(),
                "{} bytes held",
                counter.pending.capacity()
            );
        }
        counter.feed(b"\xFF\xFF end", &mut counts);
        counter.finish(&mut counts);
        assert_eq!(counts, WordCounts::from_words(["first", "end"]));
        assert_eq!(counter.overlong(), Some(Overlong { first: 6, count: 1 }));
    }
}
