//! This version is deliberately naive: the whole file in memory, a `String` per word occurrence,
//! SipHash. It is the reference for correctness and the floor for speed.
//!
//! It is the literal port of the Go loop
//! `for _, w := range strings.Fields(string(data)) { counts[strings.ToLower(w)]++ }`:
//! `split_whitespace` is `strings.Fields`, `to_lowercase` is `strings.ToLower` (see
//! [`words`](crate::words) for the two small differences), `from_utf8_lossy` is what this crate
//! does with invalid UTF-8.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use crate::counts::WordCounts;

/// Counts `input` the obvious way: decode, split on white space, lower-case, count.
pub fn count_text_std(input: &[u8]) -> HashMap<String, u64> {
    let text = String::from_utf8_lossy(input);
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// [`count_text_std`] converted to a [`WordCounts`], for comparing with the fast paths.
pub fn count_text(input: &[u8]) -> WordCounts {
    let mut counts = WordCounts::new();
    for (word, n) in count_text_std(input) {
        counts.add_owned(word.into_boxed_str(), n);
    }
    counts
}

/// Reads the whole file, then [`count_text_std`].
pub fn count_file(path: &Path) -> io::Result<HashMap<String, u64>> {
    Ok(count_text_std(&std::fs::read(path)?))
}
