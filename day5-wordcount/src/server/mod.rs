//! `day5-wordcount serve`: the word counter behind HTTP, where every pattern of the week meets load.
//!
//! ```text
//!  socket ─▶ hyper (tokio) ─▶ track (metrics) ─▶ POST /count ─▶ admission ─▶ request Context
//!                                                  (Mon)          (Wed)        (Tue: child of the
//!                                                                               root, deadline,
//!                                                                               cancel on drop)
//!  body frames ─▶ batch (≤ 256 KiB) ─▶ a pool job per batch, with the request's Tally ─▶ back
//!     (Thu: a stream with backpressure)   (Wed: day 3's Pool)   (Fri: the CLI's ChunkCounter)
//!                                                  └──▶ top N ─▶ JSON / text lines
//! ```
//!
//! | week's pattern | here |
//! |---|---|
//! | Mon: shared state, atomics | [`Load`] (a `watch` of admitted / queued / running / bytes counted), the memory budget, the Prometheus counters |
//! | Tue: `context` | one [`Context`] per request, child of the server's root: deadline = min(`timeout`, `--max-timeout`), cancelled when the client disconnects (the handler's drop guard) or at the end of the shutdown grace |
//! | Wed: worker pool | one day 3 `Pool` of `--jobs` threads for every request; a job is a batch of bytes that has arrived; admission of `--jobs + --queue` requests (and of the memory budget); beyond, a wait of at most `--admit-wait` (100 ms) for at most as many again, then 503 + `Retry-After` |
//! | Thu: pipeline | body frames → the batch being filled → the pool; the socket is not read while a request's batch is full |
//! | Fri: word count | the CLI's [`ChunkCounter`](crate::chunked::ChunkCounter) and [`top`](crate::WordCounts::top): identical words and output |
//!
//! # Who owns what, where the back-pressure is
//!
//! - The connection task (tokio, one per connection, spawned by `serve`) owns the socket and
//!   hyper's connection state, and polls the request's handler: the handler runs *inside* it, so
//!   reading a frame of the body and counting it hand over no task. Each request carries the
//!   connection's `conn::Conn`: the handler asks it whether the client hung up mid-body, and asks
//!   the connection task, through it, for a lingering close after a 503 (see `conn.rs`).
//! - The handler owns the request: its body, its batch being filled, and its `pool::Tally` (word
//!   table + tokenizer state) whenever no job is counting it.
//! - A pool worker owns a request's Tally only while it counts one batch, then sends it back. A
//!   request waiting for the network holds no worker, so clients that crawl cost nothing but their
//!   admission slot; each request has at most one job in the FIFO queue, so the pool is shared
//!   batch by batch (details and invariants in `pool.rs`).
//! - Back-pressure: a request reads its socket only while its batch has room (≤ 256 KiB beyond
//!   the batch being counted); admission bounds the requests (`--jobs + --queue`), and so the
//!   pool's queue (one job per request) and the bytes read but not counted. Of the admitted
//!   requests, at most 2 × `--jobs` count at once (a *counting slot* each, held while it has bytes
//!   read and not counted): the others read one frame and wait, so TCP pushes back on their
//!   clients and their tables do not grow. A connection's kernel receive buffer is fixed at
//!   `RECV_BUFFER` (2 MiB), which bounds what the kernel holds of the bytes not yet read.
//! - Admission is the other back-pressure: a request that finds `--jobs + --queue` admitted waits
//!   up to `--admit-wait` for one of them to finish, without a permit, a worker or a memory charge
//!   and without its body being read; at most `--jobs + --queue` wait, the rest get 503 at once.
//!   A client that retries a 503 at once (as the load generator's do) so waits for a permit
//!   instead of spinning through refusals, each with an upload to throw away.
//! - Work for nobody is not done. A client that hangs up mid-body (its FIN is behind the bytes
//!   it sent) is seen before its buffered bytes are counted: the request ends with 499 at once
//!   and frees its permit. A shed client still uploading gets its 503 with `Connection: close`,
//!   and the connection task then throws its upload away in the kernel (`recv(MSG_TRUNC)`, no
//!   copy) until it closes. A finished request's table, cleared, is kept for the next request
//!   (one per counting slot, at most 2 MiB each, charged to `--max-memory`): no growth and no
//!   fresh pages per request.
//!
//! # Memory
//!
//! Bounded whatever the clients send: per request, two batches and a read buffer (charged at
//! admission) and a word table of at most `--max-table` (48 MiB), charged as it grows; all
//! requests together within `--max-memory` (160 MiB). A request whose table reaches its budget
//! answers with what it counted, `partial: true` and `stopped: "table budget"` (or `"server memory
//! budget"`): work done is kept, as the CLI keeps it at a deadline. After a request whose table
//! held 8 MiB or more the allocator is asked to give the freed memory back (`malloc_trim`).
//! `?top` is at most 100 000.
//!
//! Under a soak at saturation every request is answered, 200 or 503 when shed, and memory stays
//! flat: a shed request's body is thrown away after its 503 by a lingering close (at most
//! `--max-body`, 5 s; in the kernel, never copied), so an uploading client reads its answer
//! instead of a reset; a connection idle for `--idle-timeout` is closed; a connection's read
//! buffer is capped at 64 KiB. A slow client holds no worker, since a job is one batch, not one
//! request. Mixed load (steady clients beside hang-ups and tricklers):
//! `cargo run --release -p day5-wordcount --example day5-measure -- --mix 15`.

mod conn;
mod http;
mod metrics;
mod page;
mod pool;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::num::NonZero;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use clap::Parser;
use day2_context::{CancelHandle, Context};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use self::conn::Conn;
use self::http::ApiError;
use self::metrics::Metrics;
pub use self::pool::Load;
use self::pool::{BATCH, Charge, Counter, Memory, Tally};

/// `day5-wordcount serve`: count words of HTTP request bodies.
#[derive(Clone, Debug, Parser)]
#[command(name = "day5-wordcount serve", version)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: SocketAddr,
    /// Counting threads (day 3's pool); the default is the number of available CPUs.
    #[arg(long, short, value_name = "N", default_value_t = default_jobs(), value_parser = parse_jobs)]
    pub jobs: usize,
    /// Requests in flight beyond `--jobs` (receiving, or waiting for a worker); more wait up to
    /// `--admit-wait` for one to finish (at most as many again), then get 503.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub queue: usize,
    /// How long a request that finds `--jobs + --queue` in flight may wait to be admitted before
    /// it is refused with 503 (`0s`: refused at once).
    #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = humantime::parse_duration)]
    pub admit_wait: Duration,
    /// Largest word table of one request (distinct words × their size); past it the request
    /// answers with what it counted, `stopped: "table budget"`.
    #[arg(long, value_name = "SIZE", default_value = "48MiB", value_parser = parse_size)]
    pub max_table: u64,
    /// What all requests in flight may hold together (their buffers and word tables); a request
    /// that finds no room is refused with 503, a table that finds no room to grow stops with
    /// `stopped: "server memory budget"`.
    #[arg(long, value_name = "SIZE", default_value = "160MiB", value_parser = parse_size)]
    pub max_memory: u64,
    /// Largest request body, e.g. `64KiB`, `8MiB`, `1GiB` (`KB`, `MB`: powers of 1000), or a
    /// number of bytes; larger gets 413.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_body: u64,
    /// Deadline of a request that names none (`?timeout=`), e.g. `30s`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Longest deadline a request may ask for.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub max_timeout: Duration,
    /// How long a connection may wait for a request's headers, also between the requests of a
    /// kept-alive connection, before it is closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub idle_timeout: Duration,
    /// On SIGTERM / Ctrl-C: how long requests in flight may take before they are cancelled (they
    /// still get their partial result).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub grace: Duration,
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, NonZero::get)
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n @ 1..=4096) => Ok(n),
        _ => Err(format!("`{s}`: expected a whole number from 1 to 4096")),
    }
}

/// `123`, `64KiB`, `8MiB`, `1GiB` (`KB`, `MB`, `GB`: powers of 1000), read by the `parse-size`
/// crate as the CLI's `--max-word` is.
fn parse_size(s: &str) -> Result<u64, parse_size::Error> {
    parse_size::parse_size(s)
}

impl Config {
    /// The defaults of the command line, on `addr`.
    pub fn new(addr: SocketAddr) -> Config {
        let mut config = Config::parse_from(["serve"]);
        config.addr = addr;
        config
    }
}

/// After the grace period, how long the cancelled requests' answers may take to be written.
const LAST_WRITES: Duration = Duration::from_secs(5);

/// What admission charges a request on the memory budget before its table grows: the batch being
/// counted, the one being filled (each up to [`BATCH`] plus a frame), and its connection's read
/// buffer.
const REQUEST_BASE: usize = 2 * (BATCH + READ_BUFFER) + READ_BUFFER;

/// The largest read buffer of a connection (hyper's default is about 400 KiB): a large body streams
/// through it in frames, and every open connection keeps the buffer it grew to.
const READ_BUFFER: usize = 64 << 10;

/// The receive buffer of every connection (set on the listening socket, which its connections
/// inherit; Linux doubles it for its bookkeeping, and caps it at `net.core.rmem_max`).
///
/// Fixed rather than left to the kernel's autotuning, which starts a new connection at about
/// 128 KiB: a client's upload up to this size is then in the kernel at once, so when the client
/// hangs up mid-body its FIN arrives right behind the bytes and the handler sees it
/// ([`Conn::hung_up`](conn::Conn::hung_up)) before it counts them for nothing. Autotuning would
/// let a connection grow up to `tcp_rmem`'s maximum (32 MiB on some systems); this bounds it.
const RECV_BUFFER: u32 = 2 << 20;

/// Binds `addr` with [`RECV_BUFFER`] (as `TcpListener::bind` does otherwise: `SO_REUSEADDR` on
/// Unix, a backlog of 1024).
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.set_recv_buffer_size(RECV_BUFFER)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Accepts and serves connections until `stopping` is done; then stops accepting (the listener is
/// dropped), lets each connection finish the request it is serving, and returns once all are closed.
///
/// A connection waiting for a request's headers longer than `idle` is closed (`--idle-timeout`): an
/// idle connection keeps its read buffer, and a client pool may keep hundreds of them open, which
/// without this bound were held for the life of the server.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    stopping: Context,
    idle: Duration,
) -> io::Result<()> {
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection that failed before it was accepted, or no file descriptor left:
                // the listener itself is fine, so keep accepting (after a pause if it is the
                // process that is short of something).
                Err(e) => {
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            _ = stopping.cancelled() => break,
        };
        let conn = Arc::new(Conn::new(&stream));
        let router = hyper_util::service::TowerToHyperService::new(router.clone());
        let service = {
            let conn = Arc::clone(&conn);
            hyper::service::service_fn(move |mut request: hyper::Request<_>| {
                request.extensions_mut().insert(Arc::clone(&conn));
                // Boxed: the connection is polled without its shutdown (to take the socket back
                // for a lingering close), which needs an `Unpin` future.
                Box::pin(hyper::service::Service::call(&router, request))
            })
        };
        let stopping = stopping.clone();
        connections.spawn(async move {
            let mut connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(idle)
                .max_buf_size(READ_BUFFER)
                // A client may close its writing side once its body is sent and still read the
                // answer; one that closes it before (a hang-up) is told apart by `Conn::hung_up`.
                .half_close(true)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let done = tokio::select! {
                done = std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)) => Some(done),
                _ = stopping.cancelled() => None,
            };
            let done = match done {
                Some(done) => done,
                None => {
                    std::pin::Pin::new(&mut connection).graceful_shutdown();
                    std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)).await
                }
            };
            // A connection error is the client's (it went away, or sent garbage): nothing to do
            // but close. Otherwise the socket is closed when dropped here, or after lingering.
            if done.is_ok()
                && let Some(limit) = conn.lingers()
            {
                conn::linger(connection.into_parts().io.into_inner(), limit).await;
            }
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

/// State shared by every request.
struct App {
    config: Config,
    /// Every request's context is a child of this one; cancelled at the end of the grace period.
    root: Context,
    counter: Counter,
    admission: Arc<Semaphore>,
    /// Requests waiting for an admission permit ([`App::admit`]): at most `--jobs + --queue`.
    waiting: Semaphore,
    /// `--max-memory`: what admitted requests' buffers and tables may hold together.
    memory: Arc<Memory>,
    load: Arc<watch::Sender<Load>>,
    metrics: Metrics,
}

/// An admitted request: holds one of the `--jobs + --queue` permits until answered, and its
/// charge on the memory budget until its Tally takes it.
struct Admitted {
    _permit: OwnedSemaphorePermit,
    load: Arc<watch::Sender<Load>>,
    charge: Option<Charge>,
    max_table: usize,
}

impl Admitted {
    /// The request's counting state, which carries its memory charge from here on.
    fn tally(&mut self) -> Box<Tally> {
        let charge = self.charge.take().expect("one Tally per request");
        Tally::new(charge, self.max_table)
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.load.send_modify(|l| l.requests -= 1);
    }
}

impl App {
    /// Admits a request, or refuses it: never an unbounded queue. A request that finds every
    /// permit taken waits up to `--admit-wait` for one, if fewer than `--jobs + --queue`
    /// requests are waiting already; otherwise, or after that wait, it is refused with 503.
    ///
    /// The short wait turns a client that retries a 503 at once (ignoring `Retry-After`) from a
    /// loop of refusals, each with a body to throw away, into a request counted as soon as a permit
    /// frees; a waiting request holds no permit, no memory charge and no worker, only its
    /// connection, which is not read meanwhile.
    async fn admit(&self) -> Result<Admitted, ApiError> {
        let busy = |why: String| {
            self.metrics.shed();
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("busy: {why}; retry later"),
            ))
        };
        let permit = match Arc::clone(&self.admission).try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) if self.config.admit_wait.is_zero() => None,
            Err(_) => match self.waiting.try_acquire() {
                Ok(_waiting) => {
                    self.load.send_modify(|l| l.waiting += 1);
                    // Decremented on every way out, a dropped handler (client gone) included.
                    let _gauge = Gauge(&self.load);
                    let permit = Arc::clone(&self.admission).acquire_owned();
                    match tokio::time::timeout(self.config.admit_wait, permit).await {
                        Ok(Ok(permit)) => Some(permit),
                        _ => None,
                    }
                }
                Err(_) => None,
            },
        };
        let Some(permit) = permit else {
            return busy(format!(
                "{} requests admitted (--jobs {} + --queue {})",
                self.config.jobs + self.config.queue,
                self.config.jobs,
                self.config.queue
            ));
        };
        let Some(charge) = Charge::admit(&self.memory, REQUEST_BASE) else {
            return busy(format!(
                "the server's memory budget is in use (--max-memory {} bytes)",
                self.config.max_memory
            ));
        };
        self.load.send_modify(|l| l.requests += 1);
        Ok(Admitted {
            _permit: permit,
            load: Arc::clone(&self.load),
            charge: Some(charge),
            max_table: usize::try_from(self.config.max_table).unwrap_or(usize::MAX),
        })
    }
}

/// Takes a request waiting for admission off the load gauge when dropped.
struct Gauge<'a>(&'a watch::Sender<Load>);

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|l| l.waiting -= 1);
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .field("load", &*self.load.borrow())
            .finish_non_exhaustive()
    }
}

/// A running server: [`Server::start`] binds and serves on the current tokio runtime.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    app: Arc<App>,
    cancel_root: CancelHandle,
    stop: CancelHandle,
    served: tokio::task::JoinHandle<io::Result<()>>,
    started: Instant,
}

/// What [`Server::shutdown`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Answers per HTTP status (499: the client went away first).
    pub answers: Vec<(u16, u64)>,
    /// Requests still in flight when the grace period ended (they got their partial result).
    pub cut_short: usize,
    /// How long the server ran.
    pub uptime: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.answers.iter().map(|a| a.1).sum();
        let by_status: Vec<String> = self
            .answers
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        write!(
            f,
            "stopped after {:.1?}: {total} requests ({}); {} cut short by the end of the grace period",
            self.uptime,
            by_status.join(", "),
            self.cut_short
        )
    }
}

impl Server {
    /// Binds `config.addr` and starts serving on the current tokio runtime.
    pub async fn start(config: Config) -> io::Result<Server> {
        let listener = listen(config.addr)?;
        let addr = listener.local_addr()?;
        let (root, cancel_root) = Context::with_cancel(&Context::background());
        let (stopping, stop) = Context::with_cancel(&Context::background());
        let load = Arc::new(watch::Sender::new(Load::default()));
        let app = Arc::new(App {
            counter: Counter::new(config.jobs, Arc::clone(&load)),
            admission: Arc::new(Semaphore::new(config.jobs + config.queue)),
            waiting: Semaphore::new(config.jobs + config.queue),
            memory: Memory::new(usize::try_from(config.max_memory).unwrap_or(usize::MAX)),
            load,
            metrics: Metrics::new(),
            root,
            config,
        });
        let router = http::router(Arc::clone(&app));
        let served = tokio::spawn(serve(listener, router, stopping, app.config.idle_timeout));
        Ok(Server {
            addr,
            app,
            cancel_root,
            stop,
            served,
            started: Instant::now(),
        })
    }

    /// The address bound (the port chosen for `:0`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The load right now, and every change to it: requests admitted, jobs queued, jobs running.
    pub fn load(&self) -> watch::Receiver<Load> {
        self.app.load.subscribe()
    }

    /// Stops accepting, lets requests in flight finish within `--grace`, then cancels the rest
    /// (each still gets its partial result), and waits for every answer to be written.
    pub async fn shutdown(mut self) -> io::Result<Summary> {
        self.stop.cancel();
        let mut cut_short = 0;
        let grace = self.app.config.grace;
        let served = match tokio::time::timeout(grace, &mut self.served).await {
            Ok(done) => done,
            Err(_) => {
                cut_short = self.app.load.borrow().requests;
                self.cancel_root.cancel();
                // Every request now answers at once with what it counted. A client that does not
                // read its answer must not keep the server up: after this bound its connection is
                // dropped.
                match tokio::time::timeout(LAST_WRITES, &mut self.served).await {
                    Ok(done) => done,
                    Err(_) => {
                        self.served.abort();
                        Ok(Ok(()))
                    }
                }
            }
        };
        served.map_err(io::Error::other)??;
        Ok(Summary {
            answers: self.app.metrics.answers(),
            cut_short,
            uptime: self.started.elapsed(),
        })
    }
}

/// `day5-wordcount serve …` (`argv` starts with `serve`): serve until SIGTERM or Ctrl-C, then shut
/// down gracefully and print a one-line summary. A second signal exits at once with 130.
pub fn main_from(argv: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let config = Config::parse_from(argv);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("day5-wordcount serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let server = match Server::start(config.clone()).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "day5-wordcount serve: cannot listen on {}: {e}",
                    config.addr
                );
                return ExitCode::FAILURE;
            }
        };
        eprintln!(
            "day5-wordcount serve: listening on http://{} (--jobs {}, --queue {})",
            server.addr(),
            config.jobs,
            config.queue
        );
        if let Err(e) = signal().await {
            eprintln!("day5-wordcount serve: cannot wait for signals: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!(
            "day5-wordcount serve: stopping: finishing requests in flight (--grace {})",
            humantime::format_duration(config.grace)
        );
        tokio::spawn(async {
            if signal().await.is_ok() {
                std::process::exit(130);
            }
        });
        match server.shutdown().await {
            Ok(summary) => {
                println!("day5-wordcount serve: {summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("day5-wordcount serve: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Waits for Ctrl-C or (on Unix) SIGTERM.
async fn signal() -> io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}

/// `cargo xtask tour`'s look at the server, shaped as a step of [`crate::tour`]: start on
/// 127.0.0.1:0, send one request, stop gracefully, printing each on `out`. The request is written
/// by hand on a plain TCP stream, so the tour shows HTTP/1.1 as it is. `ctx` is not needed: the
/// step takes well under a second.
pub fn tour_demo(_ctx: &Context, out: &mut dyn io::Write) -> io::Result<crate::report::Exit> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        config.jobs = 1;
        config.queue = 1;
        let server = Server::start(config).await?;
        writeln!(out, "The server (`day5-wordcount serve`): listening on http://{}", server.addr())?;
        let body = "the quick brown fox jumps over the lazy dog The DOG sleeps";
        let request = format!(
            "POST /count?top=3 HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.addr(),
            body.len()
        );
        writeln!(out, "  POST /count?top=3 with {body:?}")?;
        let mut stream = tokio::net::TcpStream::connect(server.addr()).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        let status = response.lines().next().unwrap_or_default();
        let json = response.rsplit("\r\n\r\n").next().unwrap_or_default();
        writeln!(out, "  {status} {json}")?;
        let summary = server.shutdown().await?;
        writeln!(out, "  graceful stop: {summary}")?;
        Ok(crate::report::Exit::Complete)
    })
}
