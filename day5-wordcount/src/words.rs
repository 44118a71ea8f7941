//! What a word is: Go's `strings.Fields` + `strings.ToLower`, in Rust, on raw bytes.
//!
//! A word is a maximal run of characters that are not white space, lower-cased one character at a
//! time. The counts are exactly the ones a Go program gets from
//! `for _, w := range strings.Fields(string(data)) { counts[strings.ToLower(w)]++ }`:
//!
//! | Go                                   | Rust, here                                             |
//! |--------------------------------------|--------------------------------------------------------|
//! | `unicode.IsSpace(r)`                 | [`char::is_whitespace`] (both are Unicode `White_Space`) |
//! | `strings.Fields(s)`                  | [`str::split_whitespace`]                              |
//! | `unicode.ToLower(r)`: simple case mapping, one rune to one rune | [`to_lower`] (not [`char::to_lowercase`], the *full* mapping: `İ` → `i̇`, two chars) |
//! | `strings.ToLower(w)` = `strings.Map(unicode.ToLower, w)` | [`lowercase_into`]: [`to_lower`] per char, no final-sigma rule (`ΑΣ` → `ασ`, where [`str::to_lowercase`] gives `ας`) |
//! | invalid UTF-8: `range` yields `RuneError` of width 1, `Map` writes `U+FFFD` | [`decode`]: one `U+FFFD` per invalid *byte* (`61 E2 80` → `61 EFBFBD EFBFBD`; [`String::from_utf8_lossy`] would write one per maximal invalid sequence) |
//!
//! The one difference left is the version of the Unicode tables: Go 1.19 has Unicode 13.0.0, Rust's
//! standard library the version in [`char::UNICODE_VERSION`] (17.0.0 for Rust 1.95). `White_Space`
//! is the same set in both; lower-case mappings differ only for characters added after 13.0.0.
//! Invalid bytes are never white space, so they stay inside their word.
//!
//! The tokenizer in [`chunked`](crate::chunked) never decodes UTF-8 in its hot loop; it classifies
//! bytes with [`BYTE_CLASS`]. That is exact because every white-space character is either one ASCII
//! byte or starts with one of four lead bytes (`C2`, `E1`, `E2`, `E3`), and a lead byte can never be
//! the continuation of a preceding sequence, so a UTF-8 decoder (also Go's) is always
//! re-synchronised at it. [`space_len`] then looks at most two bytes further.

use std::borrow::Cow;

/// The byte is part of a word and ASCII: the common case, one compare in the hot loop.
pub const WORD: u8 = 0;
/// The byte is ASCII white space: `\t`, `\n`, `\v`, `\f`, `\r` or `' '`.
pub const SPACE: u8 = 1;
/// The byte leads the UTF-8 encoding of some non-ASCII white space (`C2`, `E1`, `E2`, `E3`); the
/// next one or two bytes decide (see [`space_len`]).
pub const MAYBE_SPACE: u8 = 2;
/// The byte is part of a word and not ASCII (`0x80..=0xFF` other than the four lead bytes above):
/// the word needs the full Unicode lower-casing.
pub const HIGH: u8 = 3;

/// The class of every byte: [`WORD`], [`SPACE`], [`MAYBE_SPACE`] or [`HIGH`].
pub static BYTE_CLASS: [u8; 256] = {
    let mut t = [WORD; 256];
    let mut b = 0x80;
    while b <= 0xFF {
        t[b] = HIGH;
        b += 1;
    }
    t[b'\t' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[0x0B] = SPACE; // \v
    t[0x0C] = SPACE; // \f
    t[b'\r' as usize] = SPACE;
    t[b' ' as usize] = SPACE;
    t[0xC2] = MAYBE_SPACE; // U+0085, U+00A0
    t[0xE1] = MAYBE_SPACE; // U+1680
    t[0xE2] = MAYBE_SPACE; // U+2000..=U+200A, U+2028, U+2029, U+202F, U+205F
    t[0xE3] = MAYBE_SPACE; // U+3000
    t
};

/// Whether `b` is an ASCII byte that belongs to a word (`!` to DEL): the hot loop's test, one
/// subtraction and one compare, no memory access. (Control bytes below `' '` that are not white
/// space also belong to words; they take the slow path through [`BYTE_CLASS`].)
#[inline(always)]
pub fn is_ascii_word_byte(b: u8) -> bool {
    b.wrapping_sub(0x21) < 0x5F
}

/// Eight bytes at once: bit 7 of byte *k* of the result is set if byte *k* of `block` (read
/// little-endian, so byte 0 is the first in memory) is **not** an ASCII word byte
/// ([`is_ascii_word_byte`]) — it is below `!` (white space, control) or `0x80` and above.
///
/// Exact for the *lowest* flagged byte, which is all the tokenizer asks
/// (`mask.trailing_zeros() / 8`): the subtraction borrows out of a byte only when that byte is
/// below `0x21`, i.e. flagged itself, so a borrow can only spoil the bytes after a flagged one.
#[inline(always)]
pub fn not_word_mask(block: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    // `byte - 0x21` has bit 7 set for bytes below 0x21; `block` itself for bytes from 0x80.
    (block.wrapping_sub(0x21 * ONES) | block) & HIGH_BITS
}

/// Whether `b` is ASCII white space (`\t`, `\n`, `\v`, `\f`, `\r`, `' '`), without a table load.
#[inline(always)]
pub fn is_ascii_space(b: u8) -> bool {
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// Whether the bytes at the start of `s` (whose first byte is [`MAYBE_SPACE`]) encode white space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// Yes: a white-space character of this many bytes.
    Yes(usize),
    /// No: the lead byte belongs to a word.
    No,
    /// `s` ends too early to tell; at most two more bytes are needed.
    NeedMore,
}

/// Classifies the bytes at the start of `s`, whose first byte is [`MAYBE_SPACE`].
///
/// The non-ASCII white space of Unicode (`White_Space`, unchanged since Unicode 6.3, the same set
/// as Go's `unicode.IsSpace`): `C2 85`, `C2 A0`, `E1 9A 80`, `E2 80 80..=8A`, `E2 80 A8`,
/// `E2 80 A9`, `E2 80 AF`, `E2 81 9F`, `E3 80 80`. A unit test checks this list against
/// [`char::is_whitespace`] for every `char`.
#[inline]
pub fn space_len(s: &[u8]) -> Space {
    let need = if s[0] == 0xC2 { 2 } else { 3 };
    if s.len() < need {
        // Decide early when the bytes present already rule white space out.
        return match (s[0], s.get(1)) {
            (_, None) => Space::NeedMore,
            (0xE1, Some(0x9A)) | (0xE2, Some(0x80 | 0x81)) | (0xE3, Some(0x80)) => Space::NeedMore,
            _ => Space::No,
        };
    }
    let yes = matches!(
        (s[0], s[1], s.get(2).copied().unwrap_or(0)),
        (0xC2, 0x85 | 0xA0, _)
            | (0xE1, 0x9A, 0x80)
            | (0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF)
            | (0xE2, 0x81, 0x9F)
            | (0xE3, 0x80, 0x80)
    );
    if yes { Space::Yes(need) } else { Space::No }
}

/// Go's `unicode.ToLower`: Unicode's simple lower-case mapping, one char to one char.
///
/// [`char::to_lowercase`] is the full mapping, which is one char too for every char but `İ`
/// (U+0130): that one becomes `i̇` (two chars), whose first, `i`, is its simple mapping. So the
/// first char of the full mapping is the simple one (a unit test checks every char).
#[inline]
pub fn to_lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Raw bytes as text the way Go's `range` over a string reads them: every invalid byte is one
/// `U+FFFD` (borrowed when `bytes` is valid UTF-8).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                text.extend(chunk.invalid().iter().map(|_| char::REPLACEMENT_CHARACTER));
            }
            Cow::Owned(text)
        }
    }
}

/// Appends the lower-cased form of one word's raw bytes to `out` (cleared first): Go's
/// `strings.ToLower(w)` for the `string(bytes)` of [`decode`], without allocating.
pub fn lowercase_into(word: &[u8], out: &mut String) {
    out.clear();
    if word.is_ascii() {
        // Every byte is < 0x80, so the bytes are valid UTF-8 one-to-one.
        out.extend(word.iter().map(|&b| char::from(b.to_ascii_lowercase())));
        return;
    }
    for chunk in word.utf8_chunks() {
        out.extend(chunk.valid().chars().map(to_lower));
        out.extend(chunk.invalid().iter().map(|_| char::REPLACEMENT_CHARACTER));
    }
}

/// Appends the lower-cased form of `word` to `out` (cleared first): [`to_lower`] per char.
pub fn lowercase_str_into(word: &str, out: &mut String) {
    out.clear();
    out.extend(word.chars().map(to_lower));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte table plus [`space_len`] agree with `char::is_whitespace` on every char.
    #[test]
    fn byte_classes_match_char_is_whitespace_for_every_char() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let ours = match BYTE_CLASS[usize::from(bytes[0])] {
                SPACE => true,
                MAYBE_SPACE => space_len(bytes) == Space::Yes(bytes.len()),
                _ => false,
            };
            let b = bytes[0];
            assert_eq!(is_ascii_space(b), BYTE_CLASS[usize::from(b)] == SPACE);
            if is_ascii_word_byte(b) {
                assert_eq!(BYTE_CLASS[usize::from(b)], WORD);
            }
            // Only ASCII bytes are `WORD`, so an all-`WORD` word is ASCII.
            assert_eq!(
                BYTE_CLASS[usize::from(bytes[0])] == WORD,
                c.is_ascii() && !c.is_whitespace()
            );
            assert_eq!(ours, c.is_whitespace(), "U+{:04X}", u32::from(c));
        }
    }

    /// The lowest flagged byte of [`not_word_mask`] is the first non-word byte, whatever follows.
    #[test]
    fn not_word_mask_finds_the_first_non_word_byte() {
        for first in 0..=255u8 {
            for pos in 0..8 {
                for after in [b'a', 0x00, b' ', 0x20, 0x21, 0x7F, 0x80, 0xFF] {
                    let mut block = [b'x'; 8];
                    block[pos] = first;
                    block[pos + 1..].fill(after);
                    let expected = block
                        .iter()
                        .position(|&b| !is_ascii_word_byte(b))
                        .map_or(64, |p| 8 * p as u32 + 7);
                    let mask = not_word_mask(u64::from_le_bytes(block));
                    assert_eq!(mask.trailing_zeros().min(64), expected, "{block:x?}");
                }
            }
        }
    }

    #[test]
    fn short_input_needs_more_only_when_it_could_still_be_space() {
        assert_eq!(space_len(&[0xE2]), Space::NeedMore);
        assert_eq!(space_len(&[0xE2, 0x80]), Space::NeedMore);
        assert_eq!(space_len(&[0xE2, 0x82]), Space::No);
        assert_eq!(space_len(&[0xC2]), Space::NeedMore);
        assert_eq!(space_len(&[0xC2, 0x41]), Space::No);
        assert_eq!(space_len(&[0xE3, 0x80, 0x80]), Space::Yes(3));
        assert_eq!(space_len(&[0xE1, 0x9A, 0x81]), Space::No);
    }

    /// Go's `unicode.ToLower` is one char to one char; `char::to_lowercase` agrees except for `İ`.
    #[test]
    fn to_lower_is_the_simple_mapping_for_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let full: Vec<char> = c.to_lowercase().collect();
            if c == '\u{130}' {
                assert_eq!(full, ['i', '\u{307}']);
                assert_eq!(to_lower(c), 'i');
            } else {
                assert_eq!(full, [to_lower(c)], "U+{:04X}", u32::from(c));
            }
        }
    }

    /// Vectors from Go 1.19: `fmt.Printf("%x", strings.ToLower(w))`.
    #[test]
    fn lowercase_equals_gos_strings_to_lower() {
        let mut out = String::new();
        for (word, go) in [
            (&b"HeLLo"[..], "hello"),
            ("ΑΣ".as_bytes(), "ασ"),
            ("ΣΊΣΥΦΟΣ".as_bytes(), "σίσυφοσ"),
            ("İstanbul".as_bytes(), "istanbul"),
            ("STRAẞE".as_bytes(), "straße"),
            ("ǅ".as_bytes(), "ǆ"),
            (b"a\xE2\x80", "a\u{FFFD}\u{FFFD}"),
            (b"a\xE2", "a\u{FFFD}"),
            (b"\xED\xA0\x80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"\xF4\x90\x80\x80", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"AB\xFF\xE2\x80C", "ab\u{FFFD}\u{FFFD}\u{FFFD}c"),
            ("\u{FFFD}Ä".as_bytes(), "\u{FFFD}ä"),
        ] {
            lowercase_into(word, &mut out);
            assert_eq!(out, go, "{word:x?}");
            assert_eq!(decode(word).chars().map(to_lower).collect::<String>(), go);
        }
    }
}
