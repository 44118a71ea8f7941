//! A seeded, English-like corpus for benchmarks, profiles and large tests.
//!
//! Word frequencies follow Zipf's law (the word of rank `r` is about `1/r` as frequent as the most
//! common one), as in real English text, so a few short words dominate and a long tail of rare
//! ones fills the table: the same shape as the King James Bible that `examples/measure.rs` also
//! uses when it is available. Lines hold 5 to 15 words (about 10), the first one capitalized, and
//! a few words in a hundred carry an accented letter (`mé`), so the Unicode path is exercised too.
//! The generator is a tiny SplitMix64, so the same seed gives the same bytes everywhere.

/// The number of distinct words in the generated vocabulary (before lower-casing).
pub const VOCABULARY: usize = 20_000;

const SYLLABLES: [&str; 32] = [
    "a", "an", "the", "in", "on", "er", "re", "st", "th", "ing", "and", "ou", "es", "ti", "or",
    "te", "of", "ed", "is", "it", "al", "ar", "to", "nt", "ha", "en", "ve", "se", "wor", "ld",
    "co", "mé",
];

/// SplitMix64: small, fast, and good enough for shuffling words.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Generates English-like text: whole lines, at least `bytes` bytes, the same for the same seed.
#[derive(Clone, Debug)]
pub struct Corpus {
    words: Vec<String>,
    /// Cumulative Zipf weights, scaled to `u64`, for a binary search per word.
    cumulative: Vec<u64>,
    rng: Rng,
}

impl Corpus {
    /// A generator whose vocabulary and word sequence are fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut seen = std::collections::HashSet::new();
        let mut words = Vec::with_capacity(VOCABULARY);
        while words.len() < VOCABULARY {
            // Frequent words are short: the syllable count grows with the rank.
            let rank = words.len();
            let syllables = 1 + u64::from((rank + 1).ilog2() / 4) + rng.below(2);
            let word: String = (0..syllables)
                .map(|_| SYLLABLES[rng.below(32) as usize])
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let weights: Vec<f64> = (1..=VOCABULARY)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        let cumulative = weights
            .iter()
            .map(|w| (w / total * u64::MAX as f64) as u64)
            .collect();
        Corpus {
            words,
            cumulative,
            rng,
        }
    }

    /// Appends one line (5 to 15 words and a newline) to `out`.
    pub fn line(&mut self, out: &mut Vec<u8>) {
        let n = 5 + self.rng.below(11);
        for i in 0..n {
            let x = self.rng.next_u64();
            let rank = self
                .cumulative
                .partition_point(|&c| c < x)
                .min(VOCABULARY - 1);
            let word = self.words[rank].as_bytes();
            if i == 0 {
                // Capitalize the first word of a line (ASCII first letter in this vocabulary).
                out.push(word[0].to_ascii_uppercase());
                out.extend_from_slice(&word[1..]);
            } else {
                out.extend_from_slice(word);
            }
            out.push(if i + 1 == n { b'\n' } else { b' ' });
        }
    }

    /// Appends whole lines to `out` until it has grown by at least `bytes`.
    pub fn fill(&mut self, out: &mut Vec<u8>, bytes: usize) {
        let target = out.len() + bytes;
        while out.len() < target {
            self.line(out);
        }
    }

    /// `bytes` (rounded up to a whole line) of text from a new generator seeded with `seed`.
    pub fn generate(seed: u64, bytes: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes + 256);
        Corpus::new(seed).fill(&mut out, bytes);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_text_and_about_ten_words_a_line() {
        let a = Corpus::generate(7, 100_000);
        assert_eq!(a, Corpus::generate(7, 100_000));
        assert_ne!(a, Corpus::generate(8, 100_000));
        let text = String::from_utf8(a).unwrap();
        let (lines, words) = (text.lines().count(), text.split_whitespace().count());
        let per_line = words as f64 / lines as f64;
        assert!((8.0..12.0).contains(&per_line), "{per_line} words per line");
    }

    #[test]
    fn frequencies_are_zipf_like() {
        let text = Corpus::generate(1, 1_000_000);
        let counts = crate::chunked::count_chunked(&text, 1 << 16);
        let top = counts.top(10);
        // Zipf: the first word is about twice as frequent as the second and ten times the tenth.
        let ratio = top[0].1 as f64 / top[9].1 as f64;
        assert!((5.0..20.0).contains(&ratio), "{top:?}");
        assert!(
            counts.len() > 5_000,
            "a long tail of rare words: {}",
            counts.len()
        );
    }
}
