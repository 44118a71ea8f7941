//! `--letters`: words as a reader of prose sees them (Unicode word boundaries), beside Go's rules.
//!
//! Go's `strings.Fields` splits at white space only, so Markdown's `|`, `--` and `**bold**` are
//! words and `end.` differs from `end`. With `--letters` a word is what Unicode's default word
//! boundaries (UAX #29, the [`unicode_segmentation`] crate) delimit and that holds at least one
//! letter or digit: `|` and `--` are not words, `end.` is `end`, `don't` and `e.g` stay whole. Words
//! are lower-cased exactly as in the default mode ([`words::to_lower`](crate::words::to_lower)), and
//! invalid UTF-8 becomes one `U+FFFD` per byte, as there.
//!
//! The stream is cut only where a word boundary is certain whatever comes next: after an ASCII
//! white-space byte followed by an ASCII byte (UAX #29 never joins white space to a following
//! ASCII character, nor anything before it to the white space: rules WB3–WB3d, WB4 and WB999). So
//! counting chunk by chunk, or piece by piece of a file split at ASCII white space
//! ([`pieces`](crate::pieces)), gives exactly the words of the whole text.
//!
//! Memory: the text since the last cut is held until the next one. A stretch longer than
//! `max_word` bytes without such a cut (a line of CJK text without spaces longer than `--max-word`,
//! or no white space at all) is dropped up to the next cut and reported as [`Overlong`].

use unicode_segmentation::UnicodeSegmentation;

use crate::chunked::{Overlong, Tokenizer};
use crate::counts::WordCounts;
use crate::words::{decode, is_ascii_space, lowercase_str_into};

/// Counts `--letters` words of a byte stream fed in chunks of any size.
#[derive(Debug)]
pub struct LetterCounter {
    /// The text since the last cut (`offset` is the input offset of its first byte).
    pending: Vec<u8>,
    /// The input offset of `pending[0]`.
    offset: u64,
    /// The longest stretch between two cuts that is counted.
    max_word: usize,
    /// Whether the stretch in progress is longer than `max_word` and being dropped.
    skipping: bool,
    overlong: Option<Overlong>,
    /// Scratch space for one lower-cased word.
    lower: String,
}

impl LetterCounter {
    /// A counter that drops stretches of more than `max_word` bytes without a cut; `offset` is the
    /// input offset of the first byte it will be fed (for the report of a dropped stretch).
    pub fn new(max_word: usize, offset: u64) -> Self {
        LetterCounter {
            pending: Vec::new(),
            offset,
            max_word: max_word.max(1),
            skipping: false,
            overlong: None,
            lower: String::new(),
        }
    }

    /// Counts the words of `pending[..end]` and removes those bytes; a stretch between two cuts
    /// longer than `max_word` is recorded as overlong instead.
    fn count_through(&mut self, end: usize, counts: &mut WordCounts) {
        let mut start = 0;
        while start < end {
            let stop = first_cut(&self.pending[start..end]).map_or(end, |cut| start + cut);
            if stop - start > self.max_word {
                Overlong::record(&mut self.overlong, self.offset + start as u64);
            } else {
                for word in decode(&self.pending[start..stop]).unicode_words() {
                    lowercase_str_into(word, &mut self.lower);
                    counts.add(&self.lower, 1);
                }
            }
            start = stop;
        }
        self.drop_through(end);
    }

    /// Removes `pending[..end]` uncounted.
    fn drop_through(&mut self, end: usize) {
        self.pending.drain(..end);
        self.offset += end as u64;
    }
}

/// Whether a word boundary is certain between the two bytes of `pair`: after ASCII white space,
/// before an ASCII byte.
fn is_cut(pair: &[u8]) -> bool {
    is_ascii_space(pair[0]) && pair[1].is_ascii()
}

/// The position after the first certain word boundary in `text`.
fn first_cut(text: &[u8]) -> Option<usize> {
    text.windows(2).position(is_cut).map(|p| p + 1)
}

/// The position after the last certain word boundary in `text`.
fn last_cut(text: &[u8]) -> Option<usize> {
    text.windows(2).rposition(is_cut).map(|p| p + 1)
}

impl Tokenizer for LetterCounter {
    fn feed(&mut self, chunk: &[u8], counts: &mut WordCounts) {
        // A cut may fall between the last byte held and the chunk's first: search from there.
        let mut from = self.pending.len().saturating_sub(1);
        self.pending.extend_from_slice(chunk);
        if self.skipping {
            // The stretch being dropped ends at the next cut.
            match first_cut(&self.pending[from..]) {
                Some(cut) => {
                    self.drop_through(from + cut);
                    self.skipping = false;
                    from = 0;
                }
                None => {
                    // Keep the last byte: with the next chunk's first byte it may make a cut.
                    self.drop_through(self.pending.len() - 1);
                    return;
                }
            }
        }
        if let Some(cut) = last_cut(&self.pending[from..]) {
            self.count_through(from + cut, counts);
        }
        if self.pending.len() > self.max_word {
            Overlong::record(&mut self.overlong, self.offset);
            self.skipping = true;
            self.drop_through(self.pending.len() - 1);
        }
    }

    fn finish(&mut self, counts: &mut WordCounts) {
        if self.skipping {
            self.skipping = false;
            self.drop_through(self.pending.len());
        } else {
            self.count_through(self.pending.len(), counts);
        }
    }

    fn discard(&mut self) {
        self.offset += self.pending.len() as u64;
        self.pending.clear();
        self.skipping = false;
    }

    fn overlong(&self) -> Option<Overlong> {
        self.overlong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &[u8], chunk: usize, max_word: usize) -> (WordCounts, Option<Overlong>) {
        let mut counts = WordCounts::new();
        let mut counter = LetterCounter::new(max_word, 0);
        for c in text.chunks(chunk) {
            counter.feed(c, &mut counts);
        }
        counter.finish(&mut counts);
        (counts, counter.overlong())
    }

    #[test]
    fn markdown_punctuation_is_not_a_word() {
        let text = "| Day | Words |\n|---|---|\n| The end. | don't STOP |\n**Bold** -- e.g. ΑΣ\n";
        let expected = WordCounts::from_words([
            "day", "words", "the", "end", "don't", "stop", "bold", "e.g", "ασ",
        ]);
        for chunk in 1..=text.len() {
            assert_eq!(
                count(text.as_bytes(), chunk, 1 << 20).0,
                expected,
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_stretch_without_a_cut_longer_than_max_word_is_dropped_and_reported() {
        let mut text = b"first ".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100));
        text.extend_from_slice(b" last\nword");
        for chunk in 1..=text.len() {
            let (counts, overlong) = count(&text, chunk, 50);
            assert_eq!(
                counts,
                WordCounts::from_words(["first", "last", "word"]),
                "chunk {chunk}"
            );
            assert_eq!(
                overlong,
                Some(Overlong { first: 6, count: 1 }),
                "chunk {chunk}"
            );
        }
    }
}
