//! An optimized sequential counter, the bar the concurrent tool must clear with `--jobs 1`.
//!
//! The classic single-threaded recipe (as in Ben Hoyt's "count words" comparisons): read 64 KiB at a
//! time into one reused buffer, keep the unfinished word at the front, lower-case ASCII in place,
//! look words up as byte slices in a foldhash map so only a new word allocates.
//!
//! It splits on ASCII white space only and lower-cases ASCII only, which is exact for ASCII text
//! (the corpora it is timed on) and *not* for general Unicode: it is a speed baseline, not a
//! second implementation of the tool (a test checks it against [`naive`](super::naive) on ASCII).

use std::io::{self, Read};
use std::path::Path;

use hashbrown::HashMap;

use crate::counts::FastHash;

/// The read size.
pub const BUF_SIZE: usize = 64 * 1024;

/// Counts the words of `reader`, splitting and lower-casing ASCII only.
pub fn count_reader(mut reader: impl Read) -> io::Result<HashMap<Vec<u8>, u64, FastHash>> {
    let mut counts: HashMap<Vec<u8>, u64, FastHash> = HashMap::default();
    let mut buf = vec![0u8; BUF_SIZE];
    // `buf[..kept]` is the front of a word cut by the previous read.
    let mut kept = 0;
    loop {
        if kept == buf.len() {
            buf.resize(buf.len() * 2, 0); // a word longer than the buffer
        }
        let n = match reader.read(&mut buf[kept..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let end = kept + n;
        let data = &mut buf[..end];
        data.make_ascii_lowercase();
        // The last white space: everything before it is complete words.
        let last_space = if n == 0 {
            end
        } else {
            data.iter()
                .rposition(|b| b.is_ascii_whitespace())
                .map_or(0, |p| p + 1)
        };
        for word in data[..last_space]
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
        {
            match counts.get_mut(word) {
                Some(c) => *c += 1,
                None => {
                    counts.insert(word.to_vec(), 1);
                }
            }
        }
        if n == 0 {
            return Ok(counts);
        }
        buf.copy_within(last_space..end, 0);
        kept = end - last_space;
    }
}

/// Opens `path` and [`count_reader`]s it.
pub fn count_file(path: &Path) -> io::Result<HashMap<Vec<u8>, u64, FastHash>> {
    count_reader(std::fs::File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::naive::count_text_std;

    #[test]
    fn equals_naive_on_ascii_text() {
        let text = "The cat saw THE dog.\nthe  end\tof the\r\nstory ".repeat(5000);
        let fast = count_reader(text.as_bytes()).unwrap();
        let naive = count_text_std(text.as_bytes());
        assert_eq!(fast.len(), naive.len());
        for (w, n) in naive {
            assert_eq!(fast.get(w.as_bytes()), Some(&n), "{w}");
        }
    }
}
