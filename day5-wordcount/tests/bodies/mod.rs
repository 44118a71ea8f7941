//! Request bodies shared by the server's test files.

/// `w0 w1 w2 …`: `n` distinct words.
pub(crate) fn distinct_words(n: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(n * 9);
    for i in 0..n {
        body.extend_from_slice(format!("w{i} ").as_bytes());
    }
    body
}
