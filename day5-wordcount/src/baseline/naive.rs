//! This version is deliberately naive: the whole file in memory, a `String` per word occurrence,
//! SipHash. It is the reference for correctness and the floor for speed.
//!
//! It is the literal port of the Go loop
//! `for _, w := range strings.Fields(string(data)) { counts[strings.ToLower(w)]++ }`:
//! [`decode`] is Go's reading of `string(data)` (one `U+FFFD` per invalid byte), `split_whitespace`
//! is `strings.Fields`, [`to_lower`] per char is `strings.ToLower` (see [`words`](crate::words)).

use std::collections::HashMap;
use std::io;
use std::path::Path;

use crate::counts::WordCounts;
use crate::words::{decode, to_lower};

/// Counts `input` the obvious way: decode, split on white space, lower-case, count.
pub fn count_text_std(input: &[u8]) -> HashMap<String, u64> {
    let text = decode(input);
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts
            .entry(word.chars().map(to_lower).collect())
            .or_insert(0) += 1;
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
