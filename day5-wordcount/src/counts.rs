//! The word-frequency map, its merge, and the top N: Go's `map[string]int` and the code around it.
//!
//! | Go                                             | Rust, here                                  |
//! |------------------------------------------------|---------------------------------------------|
//! | `counts := map[string]int{}`                   | [`WordCounts::new`]                         |
//! | `counts[w]++`                                  | [`WordCounts::add`] (no allocation once `w` is known) |
//! | `for w, n := range other { counts[w] += n }`   | [`WordCounts::merge`]                       |
//! | `sort.Slice(…)` then `[:10]`                   | [`WordCounts::top`]: selection, then a sort of the N winners |
//!
//! The map is a `hashbrown::HashMap<Box<str>, u64>` with foldhash, a fast non-cryptographic hash.
//! Looking a word up with [`entry_ref`](hashbrown::HashMap::entry_ref) borrows the caller's `&str`,
//! so a word already in the map costs a hash and a compare, never an allocation; a new word costs
//! one `Box<str>`. Each map gets its own random seed, which keeps [`merge`](WordCounts::merge) from
//! hitting the slow path of inserting one table's keys into another table in hash order.

use hashbrown::HashMap;

/// The hash used by every map: foldhash's fast variant, randomly seeded per map.
pub type FastHash = foldhash::fast::RandomState;

/// Word frequencies: each distinct (lower-cased) word and how often it occurred.
#[derive(Clone, Debug, Default)]
pub struct WordCounts {
    map: HashMap<Box<str>, u64, FastHash>,
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

    /// Adds `n` occurrences of `word`. Allocates only the first time `word` is seen.
    #[inline(always)]
    pub fn add(&mut self, word: &str, n: u64) {
        // `get_mut` first: measured faster than `entry_ref` on the hot path (a hit is the common
        // case); a miss pays a second probe once per distinct word.
        match self.map.get_mut(word) {
            Some(count) => *count += n,
            None => {
                self.map.insert(word.into(), n);
            }
        }
    }

    /// Adds `n` occurrences of an owned word, reusing its allocation if the word is new (used for
    /// very long words, so they are never copied).
    pub fn add_owned(&mut self, word: Box<str>, n: u64) {
        *self.map.entry(word).or_insert(0) += n;
    }

    /// How often `word` occurred (0 if never).
    pub fn get(&self, word: &str) -> u64 {
        self.map.get(word).copied().unwrap_or(0)
    }

    /// The number of distinct words.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no word was counted.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The number of word occurrences: the sum of all counts.
    pub fn total(&self) -> u64 {
        self.map.values().sum()
    }

    /// Every word with its count, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.map.iter().map(|(w, &n)| (&**w, n))
    }

    /// Approximate heap bytes held by the table and its keys: the "distinct-word table size".
    pub fn heap_bytes(&self) -> usize {
        let slots = self.map.capacity() * (size_of::<(Box<str>, u64)>() + 1);
        slots + self.map.keys().map(|k| k.len()).sum::<usize>()
    }

    /// Adds every count of `other` to `self`: Go's `for w, n := range other { counts[w] += n }`.
    ///
    /// The smaller map is walked and the larger one kept, so merging is `O(min(len))` lookups.
    /// Merging is associative and commutative and equals counting the concatenated input
    /// (property-tested in `tests/merge.rs`).
    pub fn merge(&mut self, mut other: WordCounts) {
        if other.map.len() > self.map.len() {
            std::mem::swap(self, &mut other);
        }
        for (word, n) in other.map {
            *self.map.entry(word).or_insert(0) += n;
        }
    }

    /// The `n` most frequent words, by count descending and then word ascending (byte order, as
    /// Go compares strings), so the result is the same whatever order the counting happened in.
    ///
    /// Selects the winners in `O(len)` with [`select_nth_unstable_by`](slice::select_nth_unstable_by)
    /// and sorts only those.
    pub fn top(&self, n: usize) -> Vec<(&str, u64)> {
        let mut all: Vec<(&str, u64)> = self.iter().collect();
        let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if n == 0 {
            return Vec::new();
        }
        if n < all.len() {
            all.select_nth_unstable_by(n - 1, order);
            all.truncate(n);
        }
        all.sort_unstable_by(order);
        all
    }
}

impl PartialEq for WordCounts {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl Eq for WordCounts {}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
