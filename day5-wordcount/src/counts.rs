//! The word-frequency map, its merge, and the top N: Go's `map[string]int` and the code around it.
//!
//! | Go                                             | Rust, here                                  |
//! |------------------------------------------------|---------------------------------------------|
//! | `counts := map[string]int{}`                   | [`WordCounts::new`]                         |
//! | `counts[w]++`                                  | [`WordCounts::add`] (no allocation once `w` is known) |
//! | `for w, n := range other { counts[w] += n }`   | [`WordCounts::merge`]                       |
//! | `sort.Slice(…)` then `[:10]`                   | [`WordCounts::top`]: selection, then a sort of the N winners |
//!
//! The map is a [`hashbrown::HashTable`] of slots, hashed with foldhash (a fast non-cryptographic
//! hash, randomly seeded per map). Three choices make a lookup cheap, all from the profile in the
//! docs of [`run`](crate::run):
//!
//! 1. **Short words live in the slot.** A word of at most [`INLINE`] bytes (nearly every word of
//!    English text) is stored in the slot itself as a [`ShortWord`], zero-padded to 16 bytes, so a
//!    hit is decided by comparing 17 bytes of the cache line the probe already loaded. A
//!    `Box<str>` key costs a second, random memory access (to the key's bytes) and a `memcmp` call
//!    per hit. Longer words keep a `Box<str>`.
//! 2. **A short word is hashed as one `u128`** (foldhash's `write_u128`: one folded multiply, no
//!    branch on the length) and a long one with one `Hasher::write` of its bytes; the hot path
//!    computes the hash once and hands it to the table's raw
//!    [`find_mut`](hashbrown::HashTable::find_mut).
//! 3. **The probe is built with a few word-wide operations**: [`ShortWord::ascii_lowercase`] loads
//!    16 bytes of the chunk, masks off what follows the word and lower-cases it, so the chunk is
//!    never copied or rewritten.
//!
//! Each map gets its own random seed, which keeps [`merge`](WordCounts::merge) from hitting the
//! slow path of inserting one table's keys into another table in hash order.
//!
//! Invariants: every key is valid UTF-8 (a [`ShortWord`] is made from a `&str` or from ASCII
//! bytes; a long key is a `Box<str>`); a word is inline if and only if it is at most [`INLINE`]
//! bytes, so two slots hold the same word exactly when their keys are equal.

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashTable;

/// The hash used by every map: foldhash's fast variant, randomly seeded per map.
pub type FastHash = foldhash::fast::RandomState;

/// Words of at most this many bytes are stored inside the table's slot.
pub const INLINE: usize = 16;

/// A word of at most [`INLINE`] bytes, zero-padded: the table's inline key and the hot path's
/// probe. Always valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortWord {
    len: u8,
    bytes: [u8; INLINE],
}

impl ShortWord {
    /// `word` as a short word, if it has at most [`INLINE`] bytes.
    pub fn new(word: &str) -> Option<ShortWord> {
        (word.len() <= INLINE).then(|| ShortWord {
            len: word.len() as u8,
            bytes: pad(word.as_bytes(), word.len()),
        })
    }

    /// The ASCII lower case of `text[..len]`, which must be ASCII and at most [`INLINE`] bytes;
    /// what follows the word in `text` is only read (a chunk's next bytes let the word be loaded
    /// with one 16-byte read).
    ///
    /// # Panics
    /// Panics if `text[..len]` is not ASCII (one AND of the loaded bytes checks it), or if
    /// `len > INLINE` or `len > text.len()`.
    #[inline(always)]
    pub fn ascii_lowercase(text: &[u8], len: usize) -> ShortWord {
        const ONES: u128 = u128::from_ne_bytes([0x01; 16]);
        const HIGH_BITS: u128 = u128::from_ne_bytes([0x80; 16]);
        assert!(len <= INLINE, "a short word has at most {INLINE} bytes");
        let x = u128::from_le_bytes(pad(text, len));
        assert!(x & HIGH_BITS == 0, "not ASCII: {:?}", &text[..len]);
        // Bytes are below 0x80, so these additions never carry from one byte into the next:
        // bit 7 of a byte of `ge_a` is set where the byte is ≥ b'A', of `gt_z` where it is > b'Z'.
        let ge_a = x + ONES * u128::from(0x80 - b'A');
        let gt_z = x + ONES * u128::from(0x80 - b'Z' - 1);
        let upper = ge_a & !gt_z & HIGH_BITS;
        ShortWord {
            len: len as u8,
            // 0x80 >> 2 is 0x20, the bit that separates `A` from `a`.
            bytes: (x | upper >> 2).to_le_bytes(),
        }
    }

    /// The lower case of `text[..len]` if it is at most [`INLINE`] bytes of ASCII and Latin-1
    /// Supplement characters (U+0080..=U+00FF, UTF-8 `C2 xx` and `C3 xx`: `é`, `Ü`, `ß`, …);
    /// `None` for any other word, which then takes the general path
    /// ([`lowercase_into`](crate::words::lowercase_into)).
    ///
    /// In that range Unicode's lower case is one-to-one and the same length: `À`..=`Þ`
    /// (U+00C0..=U+00DE, `C3 80..=9E`) map to the char 0x20 above, except `×` (U+00D7); every
    /// other char maps to itself (`ß`, `ÿ`, `µ` included). A unit test checks this against
    /// [`str::to_lowercase`] for all 256 chars.
    #[inline]
    pub fn latin1_lowercase(text: &[u8], len: usize) -> Option<ShortWord> {
        if len > INLINE {
            return None;
        }
        let mut bytes = pad(text, len);
        let mut i = 0;
        while i < len {
            match bytes[i] {
                b @ b'A'..=b'Z' => bytes[i] = b + 0x20,
                0x00..=0x7F => {}
                lead @ (0xC2 | 0xC3) => {
                    let next = if i + 1 < len { bytes[i + 1] } else { 0 };
                    if !(0x80..=0xBF).contains(&next) {
                        return None;
                    }
                    if lead == 0xC3 && next <= 0x9E && next != 0x97 {
                        bytes[i + 1] = next + 0x20;
                    }
                    i += 1;
                }
                _ => return None,
            }
            i += 1;
        }
        Some(ShortWord {
            len: len as u8,
            bytes,
        })
    }

    /// The word.
    pub fn as_str(&self) -> &str {
        // Never fails (the type's invariant); checked rather than trusted, as only `iter`, `top`
        // and `get` come here, at most once per distinct word.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("a word is UTF-8")
    }

    /// The word's hash under `hasher`: one `u128` (the zero padding makes it a function of the
    /// word alone).
    #[inline(always)]
    fn hash(&self, hasher: &FastHash) -> u64 {
        let mut h = hasher.build_hasher();
        h.write_u128(u128::from_le_bytes(self.bytes));
        h.finish()
    }
}

/// The first `len` (≤ [`INLINE`]) bytes of `text`, zero-padded to 16 bytes.
///
/// When `text` holds 16 bytes or more (a word inside a chunk, with the chunk's next bytes after
/// it) this is one 16-byte load and a mask, instead of a variable-length copy.
#[inline(always)]
fn pad(text: &[u8], len: usize) -> [u8; INLINE] {
    match text.first_chunk::<INLINE>() {
        Some(head) => {
            // Keep the low `len` bytes (little-endian: the first ones); `len` is 0..=16.
            let keep = u128::MAX
                .checked_shr(8 * (INLINE - len) as u32)
                .unwrap_or(0);
            (u128::from_le_bytes(*head) & keep).to_le_bytes()
        }
        None => {
            let mut raw = [0u8; INLINE];
            raw[..len].copy_from_slice(&text[..len]);
            raw
        }
    }
}

/// A word as the table stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    /// At most [`INLINE`] bytes, in the slot.
    Inline(ShortWord),
    /// A longer word.
    Heap(Box<str>),
}

impl Key {
    fn new(word: &str) -> Key {
        ShortWord::new(word).map_or_else(|| Key::Heap(word.into()), Key::Inline)
    }

    fn as_str(&self) -> &str {
        match self {
            Key::Inline(w) => w.as_str(),
            Key::Heap(s) => s,
        }
    }

    /// The word's bytes, without the UTF-8 check of [`as_str`](Self::as_str).
    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline(w) => &w.bytes[..usize::from(w.len)],
            Key::Heap(s) => s.as_bytes(),
        }
    }

    /// The key's hash: [`ShortWord::hash`], or one `Hasher::write` of a long word's bytes.
    fn hash(&self, hasher: &FastHash) -> u64 {
        match self {
            Key::Inline(w) => w.hash(hasher),
            Key::Heap(s) => hash_long(hasher, s),
        }
    }
}

/// The hash of a word longer than [`INLINE`] bytes.
fn hash_long(hasher: &FastHash, word: &str) -> u64 {
    let mut h = hasher.build_hasher();
    h.write(word.as_bytes());
    h.finish()
}

/// One entry of the table: a word and how often it occurred.
#[derive(Clone, Debug)]
struct Slot {
    key: Key,
    count: u64,
}

/// Word frequencies: each distinct (lower-cased) word and how often it occurred.
#[derive(Clone, Debug, Default)]
pub struct WordCounts {
    table: HashTable<Slot>,
    hasher: FastHash,
    /// Bytes of the long words' keys (`Key::Heap`), kept as they are inserted so that
    /// [`heap_bytes`](Self::heap_bytes) never walks the table.
    long_bytes: usize,
}

impl WordCounts {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts each word of `words` once, as given (no splitting or lower-casing).
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut counts = Self::new();
        for w in words {
            counts.add(w, 1);
        }
        counts
    }

    /// Adds `n` occurrences of `word`. Allocates only the first time a word longer than
    /// [`INLINE`] bytes is seen (and when the table grows).
    pub fn add(&mut self, word: &str, n: u64) {
        match ShortWord::new(word) {
            Some(short) => self.add_short(short, n),
            None => {
                let hash = hash_long(&self.hasher, word);
                let found = self
                    .table
                    .find_mut(hash, |s| matches!(&s.key, Key::Heap(h) if **h == *word));
                match found {
                    Some(slot) => slot.count += n,
                    None => self.insert_new(hash, Key::Heap(word.into()), n),
                }
            }
        }
    }

    /// Adds `n` occurrences of a short word: the hot path (a hash, a probe, a 17-byte compare).
    #[inline(always)]
    pub fn add_short(&mut self, word: ShortWord, n: u64) {
        let hash = word.hash(&self.hasher);
        match self
            .table
            .find_mut(hash, |s| matches!(s.key, Key::Inline(w) if w == word))
        {
            Some(slot) => slot.count += n,
            None => self.insert_new(hash, Key::Inline(word), n),
        }
    }

    /// Inserts a word known to be absent (rehashing every slot when the table grows).
    #[cold]
    fn insert_new(&mut self, hash: u64, key: Key, count: u64) {
        if let Key::Inline(w) = &key {
            // Every constructor already guarantees UTF-8; checked once per distinct word anyway,
            // so a broken invariant fails here, where it happened, not later in `iter`.
            // ASCII first: one 16-byte test (the padding is zeros) instead of the decoder.
            assert!(
                w.bytes.is_ascii() || std::str::from_utf8(&w.bytes[..usize::from(w.len)]).is_ok(),
                "a counted word is UTF-8: {w:?}"
            );
        }
        if let Key::Heap(h) = &key {
            self.long_bytes += h.len();
        }
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, Slot { key, count }, |s| s.key.hash(hasher));
    }

    /// Adds `n` occurrences of an owned word, reusing its allocation if the word is new and long
    /// (used for very long words, so they are never copied).
    pub fn add_owned(&mut self, word: Box<str>, n: u64) {
        match ShortWord::new(&word) {
            Some(short) => self.add_short(short, n),
            None => self.add_key(Key::Heap(word), n),
        }
    }

    /// Adds `n` occurrences of a word already in its stored form.
    fn add_key(&mut self, key: Key, n: u64) {
        let hash = key.hash(&self.hasher);
        match self.table.find_mut(hash, |s| s.key == key) {
            Some(slot) => slot.count += n,
            None => self.insert_new(hash, key, n),
        }
    }

    /// How often `word` occurred (0 if never).
    pub fn get(&self, word: &str) -> u64 {
        let key = Key::new(word);
        self.table
            .find(key.hash(&self.hasher), |s| s.key == key)
            .map_or(0, |s| s.count)
    }

    /// Forgets every word but keeps the table's memory, for a next count of about the same
    /// size (the server reuses tables between requests: no growth, no fresh pages).
    pub fn clear(&mut self) {
        self.table.clear();
        self.long_bytes = 0;
    }

    /// How many distinct words the table holds before it grows.
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The number of distinct words.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no word was counted.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The number of word occurrences: the sum of all counts.
    pub fn total(&self) -> u64 {
        self.table.iter().map(|s| s.count).sum()
    }

    /// Every word with its count, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.table.iter().map(|s| (s.key.as_str(), s.count))
    }

    /// Approximate heap bytes held by the table and its keys: the "distinct-word table size".
    /// Constant time: the server measures a growing table often.
    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * (size_of::<Slot>() + 1) + self.long_bytes
    }

    /// Adds every count of `other` to `self`: Go's `for w, n := range other { counts[w] += n }`.
    ///
    /// The smaller map is walked and the larger one kept, so merging is `O(min(len))` lookups; the
    /// slots move over whole (a long word's `Box<str>` is not copied). Merging is associative and
    /// commutative and equals counting the concatenated input (property-tested in
    /// `tests/merge.rs`).
    pub fn merge(&mut self, mut other: WordCounts) {
        if other.len() > self.len() {
            std::mem::swap(self, &mut other);
        }
        for slot in other.table {
            self.add_key(slot.key, slot.count);
        }
    }

    /// The `n` most frequent words, by count descending and then word ascending (byte order, as
    /// Go compares strings), so the result is the same whatever order the counting happened in.
    ///
    /// Selects the winners in `O(len)` with [`select_nth_unstable_by`](slice::select_nth_unstable_by)
    /// on the raw key bytes (the same order as `str`'s), sorts only those, and turns only those
    /// into `&str`. For a small `n` (a quarter of the words or fewer) the candidates are kept in a
    /// buffer of `2n`, cut back to the best `n` whenever it fills: past the first cut, a word
    /// counted fewer times than the `n`-th best so far is skipped with one comparison, and the
    /// table is never copied whole (the server answers a top 10 of every request).
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        if n == 0 {
            return Vec::new();
        }
        let order = |a: &(&Key, u64), b: &(&Key, u64)| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
        };
        let mut all: Vec<(&Key, u64)> = if n <= self.len() / 4 {
            let mut best = Vec::with_capacity(2 * n);
            // Every word counted fewer times is beaten by the `n` kept: it cannot win.
            let mut floor = 0;
            for s in &self.table {
                if s.count < floor {
                    continue;
                }
                best.push((&s.key, s.count));
                if best.len() == 2 * n {
                    best.select_nth_unstable_by(n - 1, order);
                    best.truncate(n);
                    floor = best[n - 1].1;
                }
            }
            best
        } else {
            self.table.iter().map(|s| (&s.key, s.count)).collect()
        };
        if n < all.len() {
            all.select_nth_unstable_by(n - 1, order);
            all.truncate(n);
        }
        all.sort_unstable_by(order);
        all.into_iter().map(|(k, n)| (k.as_str(), n)).collect()
    }
}

impl PartialEq for WordCounts {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(w, n)| other.get(w) == n)
    }
}

impl Eq for WordCounts {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_lowercase_of_every_byte_at_every_position() {
        for b in 0..0x80u8 {
            for pos in 0..INLINE {
                let mut text = *b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
                text[pos] = b;
                for len in pos + 1..=INLINE {
                    let w = ShortWord::ascii_lowercase(&text, len);
                    let expected = text[..len].to_ascii_lowercase();
                    assert_eq!(
                        w.as_str().as_bytes(),
                        expected,
                        "{b:#x} at {pos}, len {len}"
                    );
                    // The same key whether or not bytes follow the word.
                    assert_eq!(w, ShortWord::ascii_lowercase(&text[..len], len));
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "not ASCII")]
    fn ascii_lowercase_refuses_a_non_ascii_byte() {
        ShortWord::ascii_lowercase("café".as_bytes(), 5);
    }

    #[test]
    fn latin1_lowercase_matches_str_to_lowercase() {
        for c in (0x80..=0xFF).filter_map(char::from_u32) {
            let word = format!("Ab{c}{c}");
            let w = ShortWord::latin1_lowercase(word.as_bytes(), word.len()).expect("Latin-1");
            assert_eq!(w.as_str(), word.to_lowercase(), "U+{:04X}", u32::from(c));
        }
        // Anything else, and a lead byte cut off at the end of the word, takes the general path.
        for other in [
            "ΣΑ".as_bytes(),
            b"a\xC3",
            b"a\xC3A",
            b"\xC3\xA9\xE2\x82\xAC",
        ] {
            assert_eq!(
                ShortWord::latin1_lowercase(other, other.len()),
                None,
                "{other:?}"
            );
        }
        let sixteen = "aaaaaaaaaaaaaaa\u{e9}"; // 17 bytes: too long to be inline
        assert_eq!(
            ShortWord::latin1_lowercase(sixteen.as_bytes(), sixteen.len()),
            None
        );
        let cut = b"aaaaaaaaaaaaaaa\xC3\xA9"; // the lead byte is the 16th byte of the word
        assert_eq!(ShortWord::latin1_lowercase(cut, 16), None);
    }

    #[test]
    fn inline_and_long_words_and_padding_are_distinct_keys() {
        let words = [
            "a",
            "a\0",
            "\0",
            "",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "ü",
        ];
        let mut c = WordCounts::from_words(words);
        c.add_owned("abcdefghijklmnopq".into(), 2);
        assert_eq!(c.len(), words.len());
        for w in words {
            let expected = if w.len() > INLINE { 3 } else { 1 };
            assert_eq!(c.get(w), expected, "{w:?}");
        }
        let mut listed: Vec<&str> = c.iter().map(|(w, _)| w).collect();
        listed.sort_unstable();
        let mut expected = words.to_vec();
        expected.sort_unstable();
        assert_eq!(listed, expected);
    }

    #[test]
    fn add_get_len_total() {
        let mut c = WordCounts::new();
        c.add("go", 1);
        c.add("rust", 2);
        c.add("go", 3);
        assert_eq!((c.get("go"), c.get("rust"), c.get("zig")), (4, 2, 0));
        assert_eq!((c.len(), c.total()), (2, 6));
        c.add_owned("go".into(), 1);
        assert_eq!(c.get("go"), 5);
    }

    #[test]
    fn merge_adds_counts_and_keeps_disjoint_words() {
        let mut a = WordCounts::from_words(["a", "b", "b"]);
        let b = WordCounts::from_words(["b", "c", "c", "c", "d"]);
        a.merge(b);
        assert_eq!(
            a,
            WordCounts::from_words(["a", "b", "b", "b", "c", "c", "c", "d"])
        );
    }

    #[test]
    fn merge_into_empty_and_of_empty() {
        let mut a = WordCounts::new();
        a.merge(WordCounts::from_words(["x"]));
        a.merge(WordCounts::new());
        assert_eq!(a, WordCounts::from_words(["x"]));
    }

    #[test]
    fn top_orders_by_count_then_word_and_truncates() {
        let c = WordCounts::from_words(["b", "a", "c", "c", "b", "d", "d", "e"]);
        assert_eq!(c.top(3), [("b", 2), ("c", 2), ("d", 2)]);
        assert_eq!(
            c.top(10),
            [("b", 2), ("c", 2), ("d", 2), ("a", 1), ("e", 1)]
        );
        assert!(c.top(0).is_empty());
        assert_eq!(c.top(5), c.top(10));
        // Sixty-four ties: the table's own order matches the words' order with probability
        // 1/64!, so an order by count alone cannot pass by luck.
        let words: Vec<String> = (0..64).map(|i| format!("w{i:02}")).collect();
        let ties = WordCounts::from_words(words.iter().map(String::as_str));
        let top: Vec<&str> = ties.top(64).into_iter().map(|(w, _)| w).collect();
        assert_eq!(top, words);
        let top: Vec<&str> = ties.top(8).into_iter().map(|(w, _)| w).collect();
        assert_eq!(top, words[..8]);
    }

    /// The small-`n` path (a buffer of `2n` cut back as it fills) against a full sort, on counts
    /// with many ties, for every `n` up to past the switch to the full path.
    #[test]
    fn top_of_a_few_equals_the_full_sort() {
        let mut c = WordCounts::new();
        for i in 0u64..500 {
            // Counts 1..=13 in a scrambled order: ties at every cut.
            c.add(&format!("w{i}"), (i * 7919) % 13 + 1);
        }
        let mut sorted: Vec<(&str, u64)> = c.iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for n in 1..=130 {
            assert_eq!(c.top(n), sorted[..n], "n = {n}");
        }
    }
}
