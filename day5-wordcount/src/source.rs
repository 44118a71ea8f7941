//! Reading an input chunk by chunk and stopping between chunks when the [`Context`] is done.
//!
//! Two ways to read, one per kind of input:
//!
//! - [`count_reader`]: the worker reads itself. Right for regular files, whose reads return
//!   promptly: the context is checked between chunks (Go: `select { case <-ctx.Done(): … default: }`
//!   before each `Read`).
//! - [`count_stream`]: a helper thread reads and hands full buffers over a channel, while the
//!   worker waits on *either* the next buffer or `ctx.done()`. Right for standard input, pipes and
//!   terminals, whose `read` can block forever: a blocked `read` cannot be interrupted (in Go
//!   neither), but the worker no longer waits for it, so the deadline still produces a result. The
//!   reader thread is left to finish its `read`; it exits at the next one because the channel is
//!   gone, or with the process.
//!
//! Both count with the caller's [`Tokenizer`] into the caller's [`WordCounts`], so a stopped input
//! leaves what it counted so far, and the tokenizer tells afterwards which words were too long; a
//! word cut by the stop is dropped rather than counted as a shorter word.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::thread;

use crossbeam_channel::{bounded, select};
use day2_context::{Context, ContextError};

use crate::chunked::Tokenizer;
use crate::counts::WordCounts;

/// The default size of one read: large enough that a system call and a context check per chunk
/// cost nothing measurable, small enough that `--jobs` buffers stay far below the memory budget.
pub const DEFAULT_CHUNK_SIZE: usize = 128 * 1024;

/// How much of an input was counted, and why counting ended.
#[derive(Debug)]
pub struct Progress {
    /// Bytes read and counted.
    pub bytes: u64,
    /// Why counting ended.
    pub end: End,
}

/// Why counting an input ended.
#[derive(Debug)]
pub enum End {
    /// The input was read to its end (or to the end of its piece) and fully counted.
    Complete,
    /// The context was done first (deadline or cancel); the counts hold what was read before.
    Stopped(ContextError),
    /// Reading failed; the counts hold what was read before.
    Failed(io::Error),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Complete => f.write_str("complete"),
            End::Stopped(e) => write!(f, "stopped: {e}"),
            End::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Counts `reader` with `counter` into `counts`, reading `chunk_size` bytes at a time in this
/// thread and checking `ctx` before every read.
///
/// # Panics
/// Panics if `chunk_size` is 0.
pub fn count_reader(
    ctx: &Context,
    mut reader: impl Read,
    chunk_size: usize,
    counter: &mut impl Tokenizer,
    counts: &mut WordCounts,
) -> Progress {
    assert!(
        chunk_size > 0,
        "count_reader: chunk_size must be at least 1"
    );
    let mut buf = vec![0u8; chunk_size];
    let mut bytes = 0;
    loop {
        if let Some(err) = ctx.err() {
            return conclude(counter, counts, bytes, End::Stopped(err));
        }
        match reader.read(&mut buf) {
            Ok(0) => return conclude(counter, counts, bytes, End::Complete),
            Ok(n) => {
                counter.feed(&buf[..n], counts);
                bytes += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return conclude(counter, counts, bytes, End::Failed(e)),
        }
    }
}

/// Counts `reader` with `counter` into `counts` with a separate reader thread, so that a `read` that
/// blocks does not keep this thread from noticing that `ctx` is done.
///
/// Two buffers of `chunk_size` bytes circulate between the threads (one being filled, one being
/// counted), so memory stays bounded whatever the input.
///
/// # Panics
/// Panics if `chunk_size` is 0 or the reader thread cannot be spawned.
pub fn count_stream<R>(
    ctx: &Context,
    reader: R,
    chunk_size: usize,
    counter: &mut impl Tokenizer,
    counts: &mut WordCounts,
) -> Progress
where
    R: Read + Send + 'static,
{
    assert!(
        chunk_size > 0,
        "count_stream: chunk_size must be at least 1"
    );
    let (full_tx, full_rx) = bounded::<io::Result<Vec<u8>>>(2);
    let (empty_tx, empty_rx) = bounded::<Vec<u8>>(2);
    for _ in 0..2 {
        empty_tx
            .send(Vec::with_capacity(chunk_size))
            .expect("the receiver is alive");
    }
    thread::Builder::new()
        .name("wordcount-reader".into())
        .spawn(move || read_loop(reader, chunk_size, &empty_rx, &full_tx))
        .expect("count_stream: failed to spawn the reader thread");

    let mut bytes = 0;
    loop {
        if let Some(err) = ctx.err() {
            return conclude(counter, counts, bytes, End::Stopped(err));
        }
        select! {
            // `done()` carries no value; it disconnects when the context is done.
            recv(ctx.done()) -> _ => {}
            recv(full_rx) -> msg => match msg {
                Ok(Ok(buf)) if buf.is_empty() => {
                    return conclude(counter, counts, bytes, End::Complete);
                }
                Ok(Ok(buf)) => {
                    counter.feed(&buf, counts);
                    bytes += buf.len() as u64;
                    // The reader may have exited after an error; then the buffer is simply dropped.
                    let _ = empty_tx.send(buf);
                }
                Ok(Err(e)) => return conclude(counter, counts, bytes, End::Failed(e)),
                Err(_) => {
                    let e = io::Error::other("the reader thread panicked");
                    return conclude(counter, counts, bytes, End::Failed(e));
                }
            },
        }
    }
}

/// Ends a count. The word in progress is counted only when the input really ended: after a cancel
/// or a read error it might be the front of a longer word, so it is dropped.
fn conclude(
    counter: &mut impl Tokenizer,
    counts: &mut WordCounts,
    bytes: u64,
    end: End,
) -> Progress {
    match end {
        End::Complete => counter.finish(counts),
        End::Stopped(_) | End::Failed(_) => counter.discard(),
    }
    Progress { bytes, end }
}

/// The reader thread: fill each empty buffer and send it back full; an empty buffer means end of
/// input. Ends at end of input, on an error, or when the counting side has gone away.
fn read_loop(
    mut reader: impl Read,
    chunk_size: usize,
    empty: &crossbeam_channel::Receiver<Vec<u8>>,
    full: &crossbeam_channel::Sender<io::Result<Vec<u8>>>,
) {
    for mut buf in empty.iter() {
        buf.resize(chunk_size, 0);
        let read = loop {
            match reader.read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        match read {
            Ok(n) => {
                buf.truncate(n);
                if full.send(Ok(buf)).is_err() || n == 0 {
                    return;
                }
            }
            Err(e) => {
                let _ = full.send(Err(e));
                return;
            }
        }
    }
}

/// A file that is opened by its first `read`: a FIFO's `open` blocks until a writer appears, so it
/// must happen on the reader thread of [`count_stream`], not on a worker.
#[derive(Debug)]
pub struct OpenOnRead {
    path: PathBuf,
    file: Option<File>,
}

impl OpenOnRead {
    /// A reader for `path`, not opened yet.
    pub fn new(path: &Path) -> Self {
        OpenOnRead {
            path: path.to_owned(),
            file: None,
        }
    }
}

impl Read for OpenOnRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let file = match &mut self.file {
            Some(file) => file,
            none => none.insert(File::open(&self.path)?),
        };
        file.read(buf)
    }
}

/// An I/O error as a reason for a message: the system's text without Rust's ` (os error N)` tail
/// (`No such file or directory`, not `No such file or directory (os error 2)`).
pub fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => match text.strip_suffix(&format!(" (os error {code})")) {
            Some(reason) => reason.to_owned(),
            None => text,
        },
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunked::ChunkCounter;

    /// [`count_stream`] of `reader`, failing the test after 60 s (a hang between the threads).
    fn stream_within_bound(
        reader: impl Read + Send + 'static,
        chunk_size: usize,
    ) -> (Progress, WordCounts) {
        let (tx, rx) = bounded(1);
        thread::spawn(move || {
            let mut counts = WordCounts::new();
            let ctx = Context::background();
            let p = count_stream(
                &ctx,
                reader,
                chunk_size,
                &mut ChunkCounter::new(),
                &mut counts,
            );
            let _ = tx.send((p, counts));
        });
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("count_stream returns within 60 s")
    }

    #[test]
    fn reader_and_stream_count_the_same() {
        let text = "one two two three three three ".repeat(1000);
        let ctx = Context::background();
        let mut a = WordCounts::new();
        let pa = count_reader(&ctx, text.as_bytes(), 7, &mut ChunkCounter::new(), &mut a);
        let (pb, b) = stream_within_bound(io::Cursor::new(text.clone().into_bytes()), 7);
        assert!(matches!(pa.end, End::Complete) && matches!(pb.end, End::Complete));
        assert_eq!((pa.bytes, pb.bytes), (text.len() as u64, text.len() as u64));
        assert_eq!(a, b);
        assert_eq!(a.get("three"), 3000);
    }

    #[test]
    fn a_done_context_stops_before_the_first_read() {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        cancel.cancel();
        let mut counts = WordCounts::new();
        let p = count_reader(
            &ctx,
            &b"never read"[..],
            4,
            &mut ChunkCounter::new(),
            &mut counts,
        );
        assert!(matches!(p.end, End::Stopped(ContextError::Canceled)));
        assert_eq!((p.bytes, counts.len()), (0, 0));
    }

    #[test]
    fn read_errors_are_reported_with_the_bytes_before_them() {
        struct FailAfter(usize);
        impl Read for FailAfter {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk on fire"));
                }
                self.0 -= 1;
                buf[..4].copy_from_slice(b"abc ");
                Ok(4)
            }
        }
        let ctx = Context::background();
        for stream in [false, true] {
            let mut counts = WordCounts::new();
            let p = if stream {
                let (p, c) = stream_within_bound(FailAfter(2), 16);
                counts = c;
                p
            } else {
                count_reader(
                    &ctx,
                    FailAfter(2),
                    16,
                    &mut ChunkCounter::new(),
                    &mut counts,
                )
            };
            assert!(
                matches!(&p.end, End::Failed(e) if e.to_string() == "disk on fire"),
                "{p:?}"
            );
            assert_eq!((p.bytes, counts.get("abc")), (8, 2));
        }
    }

    #[test]
    fn open_on_read_reports_a_missing_file_at_the_first_read() {
        let mut r = OpenOnRead::new(Path::new("/nonexistent/day5-wordcount"));
        assert_eq!(
            r.read(&mut [0; 4]).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}
