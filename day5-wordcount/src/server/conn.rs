//! One connection's socket as the handler sees it: whether its client has hung up mid-body, and a
//! lingering close for a refused upload, which throws the rest of the body away without copying it.
//!
//! The connection task (`serve` in the parent module) owns the `TcpStream`; hyper reads it and
//! polls the request's handler inside that same task. Every request of the connection carries an
//! `Arc<Conn>` in its extensions, holding the socket's descriptor *number* (not a second
//! descriptor: a `dup` per connection would halve the connections the process can hold) and the
//! lingering-close request the handler leaves for the connection task.
//!
//! - [`Conn::hung_up`]: the handler asks the kernel (`poll` for `POLLRDHUP`, `FIONREAD`) whether
//!   the client has closed its side while fewer bytes are on their way than the body still lacks.
//!   Such a body can never complete: counting what is buffered of it is work for an answer nobody
//!   reads, so the request ends with 499 at once and frees its admission slot.
//! - [`Conn::linger`]: a shed request (503) asks for it instead of reading its body through hyper.
//!   The 503 says `Connection: close`; once hyper has written it, the connection task takes the
//!   socket back and discards what the client still uploads with `recv(MSG_TRUNC)` (the kernel
//!   drops the bytes, no copy, no frame, no task hop) until the client closes, `limit` bytes or
//!   [`LINGER_FOR`]. The client reads its 503 instead of a reset, as when the body was read and
//!   thrown away frame by frame, at a fraction of the cost.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::net::TcpStream;

/// How long a lingering close may wait for the client to finish its upload.
pub(super) const LINGER_FOR: Duration = Duration::from_secs(5);

/// What hyper may hold of a body beyond the kernel's queue: its read buffer and one chunk in the
/// body channel, each at most the connection's read buffer.
const HELD_BY_HYPER: u64 = 2 * super::READ_BUFFER as u64;

/// A connection's socket, as its requests see it.
#[derive(Debug)]
pub(super) struct Conn {
    /// The socket's descriptor, owned by the connection task's `TcpStream`.
    fd: RawFd,
    /// Bytes to discard in a lingering close once the answer is written; 0: close as usual.
    linger: AtomicU64,
}

impl Conn {
    pub(super) fn new(stream: &TcpStream) -> Conn {
        Conn {
            fd: stream.as_raw_fd(),
            linger: AtomicU64::new(0),
        }
    }

    /// Asks the connection task to discard up to `limit` more bytes from the client after the
    /// answer, instead of closing on unread bytes (which resets the connection under a client
    /// still uploading, and its answer is lost).
    pub(super) fn linger(&self, limit: u64) {
        // Relaxed: stored by the handler and loaded by the connection task after the connection
        // future that polled the handler has finished, in the same task (no other thread).
        self.linger.store(limit.max(1), Relaxed);
    }

    /// The lingering close asked for, if any (see [`linger`](Self::linger)).
    pub(super) fn lingers(&self) -> Option<u64> {
        // Relaxed: the pair of the store in `linger`.
        Some(self.linger.load(Relaxed)).filter(|&n| n > 0)
    }

    /// Whether the client has closed its side (or the connection is gone) while fewer bytes are
    /// queued than the `remaining` bytes its body still lacks: then the body can never complete.
    ///
    /// Call only from the connection's handler, while it is being polled: the connection task owns
    /// the socket for as long as it polls the handler, so the descriptor is open.
    pub(super) fn hung_up(&self, remaining: u64) -> bool {
        #[cfg(target_os = "linux")]
        {
            let mut fd = libc::pollfd {
                fd: self.fd,
                events: libc::POLLRDHUP,
                revents: 0,
            };
            // SAFETY: `fd` is one valid `pollfd` for the call (nfds 1), which only writes its
            // `revents`; the timeout 0 never blocks. The descriptor is the connection's open
            // socket (see above); were it not, the answer would be wrong, but no memory touched.
            let ready = unsafe { libc::poll(&mut fd, 1, 0) };
            let closed = libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR;
            if ready != 1 || fd.revents & closed == 0 {
                return false;
            }
            let mut queued: libc::c_int = 0;
            // SAFETY: FIONREAD writes one `c_int` through the pointer, which points to `queued`.
            if unsafe { libc::ioctl(self.fd, libc::FIONREAD, &mut queued) } != 0 {
                return false;
            }
            u64::try_from(queued).unwrap_or(0) + HELD_BY_HYPER < remaining
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = remaining;
            false
        }
    }
}

/// The lingering close: throws away what the client still sends, until it closes, `limit` bytes,
/// or [`LINGER_FOR`]; then the socket is dropped (closed).
pub(super) async fn linger(stream: TcpStream, limit: u64) {
    let drain = async {
        let mut left = limit;
        while left > 0 {
            if stream.readable().await.is_err() {
                return;
            }
            let most = usize::try_from(left).unwrap_or(usize::MAX).min(16 << 20);
            match drop_queued(&stream, most) {
                Ok(0) => return, // the client closed
                Ok(n) => left = left.saturating_sub(n as u64),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    // Timing out only ends the lingering early; the socket is closed either way.
    let _ = tokio::time::timeout(LINGER_FOR, drain).await;
}

/// Discards up to `most` bytes queued on the socket: the number discarded, 0 at the end of the
/// stream, `WouldBlock` when nothing is queued.
fn drop_queued(stream: &TcpStream, most: usize) -> io::Result<usize> {
    #[cfg(target_os = "linux")]
    {
        stream.try_io(tokio::io::Interest::READABLE, || {
            // SAFETY: with MSG_TRUNC, Linux discards a TCP socket's bytes instead of copying them
            // into the buffer (tcp(7)); the buffer pointer is null, so even a copy could only fail
            // with EFAULT, never write to memory. MSG_DONTWAIT: never blocks the async thread.
            let n = unsafe {
                libc::recv(
                    stream.as_raw_fd(),
                    std::ptr::null_mut(),
                    most,
                    libc::MSG_TRUNC | libc::MSG_DONTWAIT,
                )
            };
            usize::try_from(n).map_err(|_| io::Error::last_os_error())
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut buf = [0u8; 16 << 10];
        let most = most.min(buf.len());
        stream.try_read(&mut buf[..most])
    }
}
