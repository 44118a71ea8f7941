//! Splitting one large file into pieces at white space, so `--jobs 2` counts it on both cores.
//!
//! Go's version gives each file to one goroutine, so one big file keeps one core busy. Here a
//! regular file is cut into pieces of about [`piece_len`] bytes; each piece is a job of the pool.
//! Every cut is placed on an **ASCII white-space byte**, found by reading a small window after the
//! nominal offset. That makes the pieces' counts add up to the whole file's exactly:
//!
//! - an ASCII byte is never part of a multi-byte UTF-8 sequence, valid or not (continuation bytes
//!   are `0x80..=0xBF`), so the cut never splits a character and never changes how the lossy
//!   decoder groups invalid bytes;
//! - white space ends a word, so no word straddles two pieces.
//!
//! If the window holds no ASCII white space (a huge word, or text spaced only with `U+3000`), that
//! cut is skipped and the neighbouring pieces stay joined: correctness never depends on finding one.

use std::io::{self, Read, Seek, SeekFrom};

use crate::words::{BYTE_CLASS, SPACE};

/// How far past a nominal cut to look for white space.
pub const WINDOW: usize = 64 * 1024;

/// A byte range of a file: `start..end`, or `start..` to the end of the file for the last piece
/// (so a file that grew since it was measured is still read to its end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The first byte.
    pub start: u64,
    /// One past the last byte, or `None` for "to the end of the file".
    pub end: Option<u64>,
}

impl Span {
    /// The whole file.
    pub const WHOLE: Span = Span {
        start: 0,
        end: None,
    };
}

/// The target piece length: the total input spread over eight pieces per worker, but never below
/// `min_piece`. Workers take pieces as they become free, so when one worker is slowed down (the
/// cores are shared, or its pieces are denser) the others take more pieces; the last piece then
/// keeps at most one eighth of a worker's share waiting, at the cost of one `open` + `seek` per
/// piece (microseconds against milliseconds of counting).
pub fn piece_len(total_bytes: u64, jobs: usize, min_piece: u64) -> u64 {
    (total_bytes / (jobs as u64 * 8).max(1))
        .max(min_piece)
        .max(1)
}

/// Cuts a file of `size` bytes into spans of about `piece_len` bytes at ASCII white space.
///
/// The spans cover `0..` without gaps or overlaps, in order; the last one is open-ended.
pub fn split<R: Read + Seek>(file: &mut R, size: u64, piece_len: u64) -> io::Result<Vec<Span>> {
    let mut starts = vec![0u64];
    let mut window = vec![0u8; WINDOW];
    let mut nominal = piece_len.max(1);
    while nominal < size {
        file.seek(SeekFrom::Start(nominal))?;
        let n = read_full(file, &mut window)?;
        if let Some(pos) = window[..n]
            .iter()
            .position(|&b| BYTE_CLASS[usize::from(b)] == SPACE)
        {
            let cut = nominal + pos as u64;
            if cut < size {
                starts.push(cut);
            }
            nominal = cut + piece_len;
        } else {
            nominal += piece_len;
        }
    }
    let mut spans: Vec<Span> = starts
        .windows(2)
        .map(|w| Span {
            start: w[0],
            end: Some(w[1]),
        })
        .collect();
    spans.push(Span {
        start: *starts.last().expect("starts holds 0"),
        end: None,
    });
    Ok(spans)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn pieces(text: &[u8], len: u64) -> Vec<&[u8]> {
        let spans = split(&mut Cursor::new(text), text.len() as u64, len).unwrap();
        spans
            .iter()
            .map(|s| &text[s.start as usize..s.end.map_or(text.len(), |e| e as usize)])
            .collect()
    }

    #[test]
    fn cuts_land_on_white_space_and_cover_everything() {
        let text = b"alpha beta gamma delta epsilon zeta eta theta";
        let parts = pieces(text, 8);
        assert!(parts.len() > 3, "{parts:?}");
        assert_eq!(parts.concat(), text);
        for p in &parts[1..] {
            assert_eq!(p[0], b' ', "{p:?}");
        }
    }

    #[test]
    fn no_white_space_means_no_cut() {
        assert_eq!(pieces(&[b'x'; 1000], 10), [&[b'x'; 1000][..]]);
        // Only U+3000 between words: no ASCII white space, so one piece.
        assert_eq!(pieces("a\u{3000}b\u{3000}c".as_bytes(), 2).len(), 1);
    }

    #[test]
    fn small_files_are_one_piece() {
        assert_eq!(pieces(b"a b c", 100), [&b"a b c"[..]]);
        assert_eq!(pieces(b"", 100), [&b""[..]]);
    }

    #[test]
    fn piece_len_spreads_over_eight_pieces_per_worker() {
        assert_eq!(piece_len(40 << 20, 2, 1 << 20), 5 << 19);
        assert_eq!(piece_len(3 << 20, 2, 1 << 20), 1 << 20);
    }
}
