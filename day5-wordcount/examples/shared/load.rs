//! The server under load, for `examples/measure.rs`: `day5-wordcount serve` in a child process on
//! 127.0.0.1, driven by a small tokio + reqwest (hyper) client harness in this process. Bounded in
//! count and time; loopback only.
//!
//! The server's CPU time is read from `/proc/<pid>/stat` before and after each run, its peak RSS
//! from `/proc/<pid>/status` (`VmHWM`, reset between runs by writing `5` to
//! `/proc/<pid>/clear_refs`). The load generator shares the cores, so the comparison with the CLI
//! is in MB counted per CPU-second of the server's own process.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `day5-wordcount serve` in a child process.
pub(crate) struct ServerChild {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl ServerChild {
    /// Starts `me --as-server serve --addr 127.0.0.1:0 …` and reads the address it bound.
    pub(crate) fn spawn(me: &str, jobs: usize, queue: usize) -> io::Result<ServerChild> {
        let mut child = Command::new(me)
            .args([
                "--as-server",
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--max-body",
                "16MiB",
            ])
            .args(["--jobs", &jobs.to_string(), "--queue", &queue.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if stderr.read_line(&mut line)? == 0 {
                return Err(io::Error::other("the server exited before listening"));
            }
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                break addr.parse().map_err(io::Error::other)?;
            }
        };
        // Keep draining its standard error so that it never blocks on a full pipe.
        std::thread::spawn(move || io::copy(&mut stderr, &mut io::sink()));
        Ok(ServerChild { child, addr })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User + system CPU time of the server process so far.
    pub(crate) fn cpu(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name (which is in parentheses and may hold spaces).
        let rest = stat.rsplit_once(") ").map_or("", |r| r.1);
        let fields: Vec<u64> = rest.split(' ').map(|f| f.parse().unwrap_or(0)).collect();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let t = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
        Duration::from_nanos(t * 1_000_000_000 / ticks)
    }

    fn status_kib(&self, key: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    }

    /// Peak resident memory since the last [`reset_peak`](Self::reset_peak), bytes.
    pub(crate) fn peak_rss(&self) -> u64 {
        self.status_kib("VmHWM:") * 1024
    }

    /// Resident memory now, bytes.
    pub(crate) fn rss(&self) -> u64 {
        self.status_kib("VmRSS:") * 1024
    }

    /// Resets the peak resident memory to the current one.
    pub(crate) fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }

    /// SIGTERM, then waits: the graceful stop; returns its one-line summary.
    pub(crate) fn stop(mut self) -> io::Result<String> {
        // SAFETY: `pid` is our own child, not waited for yet, so the id names that process.
        let r = unsafe { libc::kill(self.pid() as libc::pid_t, libc::SIGTERM) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut summary = String::new();
        io::Read::read_to_string(&mut self.child.stdout.take().expect("piped"), &mut summary)?;
        let status = self.child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("the server exited with {status}")));
        }
        Ok(summary.trim().to_owned())
    }
}

/// What one run of the load generator saw.
#[derive(Debug, Default)]
pub(crate) struct Run {
    pub(crate) wall: Duration,
    pub(crate) latencies: Vec<Duration>,
    pub(crate) ok: u64,
    pub(crate) shed: u64,
    pub(crate) partial: u64,
    pub(crate) other: u64,
    pub(crate) bytes_ok: u64,
}

impl Run {
    pub(crate) fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort_unstable();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

/// `clients` clients, each posting `body` back to back, until `max_requests` were sent or
/// `max_time` passed.
pub(crate) async fn drive(
    addr: SocketAddr,
    clients: usize,
    body: Bytes,
    max_requests: u64,
    max_time: Duration,
) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("a client");
    let url = format!("http://{addr}/count?top=10");
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + max_time;
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, body, sent) =
                (client.clone(), url.clone(), body.clone(), Arc::clone(&sent));
            tokio::spawn(async move {
                let mut run = Run::default();
                // Relaxed: a ticket counter; no other memory depends on it.
                while Instant::now() < end && sent.fetch_add(1, Ordering::Relaxed) < max_requests {
                    let t = Instant::now();
                    let reply = client.post(&url).body(body.clone()).send().await;
                    match reply {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let text = r.text().await.unwrap_or_default();
                            run.latencies.push(t.elapsed());
                            match status {
                                200 if text.contains("\"partial\":true") => run.partial += 1,
                                200 => {
                                    run.ok += 1;
                                    run.bytes_ok += body.len() as u64;
                                }
                                503 => run.shed += 1,
                                _ => run.other += 1,
                            }
                        }
                        Err(_) => run.other += 1,
                    }
                }
                run
            })
        })
        .collect();
    let mut total = Run::default();
    for t in tasks {
        let r = t.await.expect("a client task panicked");
        total.latencies.extend(r.latencies);
        total.ok += r.ok;
        total.shed += r.shed;
        total.partial += r.partial;
        total.other += r.other;
        total.bytes_ok += r.bytes_ok;
    }
    total.wall = start.elapsed();
    total
}

/// A client that sends `part` of a body of `declared` bytes and hangs up.
pub(crate) async fn disconnect(addr: SocketAddr, part: &[u8], declared: usize) -> io::Result<()> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let head =
        format!("POST /count HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {declared}\r\n\r\n");
    s.write_all(head.as_bytes()).await?;
    s.write_all(part).await?;
    Ok(())
}

/// A client that trickles its body (a word every 20 ms) under a 1 s deadline; returns the status
/// line of the answer it got.
pub(crate) async fn trickle(addr: SocketAddr) -> io::Result<String> {
    let s = tokio::net::TcpStream::connect(addr).await?;
    let (mut read, mut write) = s.into_split();
    let head = format!(
        "POST /count?timeout=1s HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100000\r\n\r\n"
    );
    write.write_all(head.as_bytes()).await?;
    let writer = tokio::spawn(async move {
        loop {
            if write.write_all(b"slow ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut reply = vec![0u8; 4096];
    let n = read.read(&mut reply).await?;
    writer.abort();
    let text = String::from_utf8_lossy(&reply[..n]).into_owned();
    Ok(text.lines().next().unwrap_or_default().to_owned())
}
