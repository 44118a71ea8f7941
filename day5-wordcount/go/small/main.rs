//! The word counter in its plainest form: three "files" (here strings) counted at once, one
//! thread and one map each; the maps are sent on a channel and merged in `main`, and the top 3
//! printed, by count and then by word. Its Go twin is `main.go` next to this file
//! (`go run ./small` in `day5-wordcount/go`); the full program is the `day5-wordcount` crate.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;

fn main() {
    let files = [
        "the cat sat on the mat",
        "The dog sat on the log",
        "the end",
    ];
    let (results, maps) = mpsc::channel();
    for text in files {
        let results = results.clone();
        thread::spawn(move || {
            let mut counts: HashMap<String, u64> = HashMap::new();
            for word in text.split_whitespace() {
                // Go's `strings.ToLower` for these words (src/words.rs has the exact rule).
                *counts.entry(word.to_lowercase()).or_default() += 1;
            }
            results.send(counts).expect("main is receiving");
        });
    }
    drop(results); // `maps` ends once every thread has sent its map and dropped its sender

    let mut total: HashMap<String, u64> = HashMap::new();
    for counts in maps {
        for (word, n) in counts {
            *total.entry(word).or_default() += n;
        }
    }

    let mut words: Vec<(String, u64)> = total.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (word, n) in &words[..3] {
        println!("{word} {n}");
    }
}
