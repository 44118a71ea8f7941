//! The server, end to end: a real server on 127.0.0.1:0, a real HTTP client (reqwest, or a raw TCP
//! stream where the test needs to break the connection itself).
//!
//! No sleeps as synchronization: tests wait on the server's [`Load`] watch (requests admitted,
//! jobs queued, jobs running) and on channels; every test is bounded by [`bounded`].
#![cfg(feature = "server")]

mod bodies;

use bodies::distinct_words;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use bytes::Bytes;
use day5_wordcount::corpus::Corpus;
use day5_wordcount::server::{Config, Load, Server};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};

/// Every test's watchdog: generous, for ThreadSanitizer on a busy machine.
async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(120), f)
        .await
        .expect("the test did not finish within 120 s")
}

fn config(jobs: usize, queue: usize) -> Config {
    let mut c = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    c.jobs = jobs;
    c.queue = queue;
    c
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

/// The CLI's standard output for `args` (the real binary).
fn cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_day5-wordcount"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Text with the cases a tokenizer gets wrong: mixed case, Unicode white space and case mapping,
/// invalid UTF-8.
fn tricky_text(seed: u64, bytes: usize) -> Vec<u8> {
    let mut text = Corpus::generate(seed, bytes);
    text.extend_from_slice("  Straße STRASSE\u{2003}ÉTÉ été İstanbul ".as_bytes());
    text.extend_from_slice(b"bro\xffken \xe2\x82 tail");
    text
}

/// Starts `POST path` with a body fed from a channel: the test decides when each piece is sent
/// and whether the body ends (when the sender is dropped).
fn streaming_post(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
) -> (
    mpsc::Sender<Bytes>,
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    streaming(client.post(url(server, path)))
}

/// [`streaming_post`] for a request built by the caller (headers).
fn streaming(
    request: reqwest::RequestBuilder,
) -> (
    mpsc::Sender<Bytes>,
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    });
    let body = reqwest::Body::wrap_stream(stream);
    let reply = tokio::spawn(request.body(body).send());
    (tx, reply)
}

async fn wait_load(load: &mut watch::Receiver<Load>, what: impl FnMut(&Load) -> bool) {
    load.wait_for(what).await.expect("the server is alive");
}

async fn scrape(client: &reqwest::Client, server: &Server) -> String {
    let reply = client.get(url(server, "/metrics")).send().await.unwrap();
    reply.text().await.unwrap()
}

/// The value of the sample `name` (with its labels) in a scrape; 0 if absent.
fn value(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_is_counted_as_the_cli_counts_it() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let text = tricky_text(1, 200_000);
        let file = write(dir.path(), "text", &text);
        let expected = cli(&["--top", "100000", file.to_str().unwrap()]);
        let server = Server::start(config(2, 4)).await.unwrap();
        let client = reqwest::Client::new();
        // Whole, then in 4093-byte frames so that words and UTF-8 sequences are cut between frames.
        for framed in [false, true] {
            let body = if framed {
                let frames: Vec<Result<Bytes, std::io::Error>> = text
                    .chunks(4093)
                    .map(|c| Ok(Bytes::copy_from_slice(c)))
                    .collect();
                reqwest::Body::wrap_stream(futures_util::stream::iter(frames))
            } else {
                reqwest::Body::from(text.clone())
            };
            let reply = client
                .post(url(&server, "/count?top=100000"))
                .header("accept", "text/plain")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), StatusCode::OK);
            assert_eq!(reply.text().await.unwrap(), expected, "framed: {framed}");
        }
        let json: Value = client
            .post(url(&server, "/count?top=3"))
            .body(text.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let lines: Vec<(&str, u64)> = expected
            .lines()
            .map(|l| {
                let (w, n) = l.rsplit_once(' ').unwrap();
                (w, n.parse().unwrap())
            })
            .collect();
        assert_eq!(json["top"], serde_json::json!(lines[..3]));
        assert_eq!(json["words"], lines.iter().map(|l| l.1).sum::<u64>());
        assert_eq!(json["distinct"], lines.len());
        assert_eq!(json["bytes"], text.len());
        assert_eq!(json["partial"], false);
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_of_several_files_is_counted_as_the_cli_counts_them() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let texts: Vec<Vec<u8>> = (0..3).map(|i| tricky_text(10 + i, 60_000)).collect();
        let files: Vec<PathBuf> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| write(dir.path(), &format!("f{i}.txt"), t))
            .collect();
        let mut args = vec!["--top", "100000"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let expected = cli(&args);
        let server = Server::start(config(2, 4)).await.unwrap();
        let client = reqwest::Client::new();
        let form = || {
            texts
                .iter()
                .enumerate()
                .fold(reqwest::multipart::Form::new(), |form, (i, t)| {
                    let part =
                        reqwest::multipart::Part::bytes(t.clone()).file_name(format!("f{i}.txt"));
                    form.part("file", part)
                })
        };
        let reply = client
            .post(url(&server, "/count?top=100000"))
            .header("accept", "text/plain")
            .multipart(form())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.text().await.unwrap(), expected);
        let json: Value = client
            .post(url(&server, "/count"))
            .multipart(form())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let parts = json["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 3);
        for (i, part) in parts.iter().enumerate() {
            assert_eq!(part["name"], format!("f{i}.txt"));
            assert_eq!(part["bytes"], texts[i].len());
            assert_eq!(part["status"], "full");
        }
        assert_eq!(json["partial"], false);
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_answers_with_the_partial_result() {
    bounded(async {
        let server = Server::start(config(1, 1)).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (tx, reply) = streaming_post(&client, &server, "/count?timeout=2s");
        // "gam" is the front of a word the deadline cuts: dropped, as the CLI drops it.
        tx.send(Bytes::from_static(b"Alpha beta alpha gam"))
            .await
            .unwrap();
        wait_load(&mut load, |l| l.counted == 20).await;
        let json: Value = reply.await.unwrap().unwrap().json().await.unwrap();
        assert_eq!(json["partial"], true);
        assert_eq!(json["stopped"], "context deadline exceeded");
        assert_eq!(json["top"], serde_json::json!([["alpha", 2], ["beta", 1]]));
        assert_eq!(json["bytes"], 20);
        drop(tx); // the body never ended: the client was cut off by the deadline
        wait_load(&mut load, Load::is_idle).await;
        server.shutdown().await.unwrap();
    })
    .await;
}

/// Issue 20: three uploaders trickling a few bytes at a time under a long deadline hold neither
/// the worker of `--jobs 1` nor one of its 2 counting slots: each of their pieces is counted, and
/// a 64 KiB body is counted at once beside them. (Time is the behaviour: the body waited 20 s when
/// a request held its worker between its chunks; the bound is 1 s. A request that kept its slot
/// while waiting for the network would leave the third uploader's piece uncounted: the bound of
/// the test.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_uploaders_hold_no_worker() {
    bounded(async {
        let mut c = config(1, 8);
        c.timeout = Duration::from_secs(3600);
        c.max_timeout = c.timeout;
        let server = Server::start(c).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let words = ["slow", "crawl", "creep"];
        let uploads: Vec<_> = words
            .iter()
            .map(|_| streaming_post(&client, &server, "/count"))
            .collect();
        let mut sent = 0;
        for _ in 0..3 {
            for ((upload, _), word) in uploads.iter().zip(words) {
                upload.send(Bytes::from(format!("{word} "))).await.unwrap();
                sent += word.len() as u64 + 1;
            }
            // Every piece counted: the requests are now waiting for their next bytes.
            wait_load(&mut load, |l| l.counted == sent).await;
        }
        let now = *load.borrow();
        assert_eq!((now.requests, now.queued, now.running), (3, 0, 0));
        let body = Corpus::generate(7, 64 << 10);
        let expected = day5_wordcount::chunked::count_chunked(&body, 4096).total();
        let start = std::time::Instant::now();
        let reply = client
            .post(url(&server, "/count"))
            .body(body)
            .send()
            .await
            .unwrap();
        let json: Value = reply.json().await.unwrap();
        let took = start.elapsed();
        assert_eq!(json["words"], expected);
        assert!(
            took < Duration::from_secs(1),
            "the 64 KiB body took {took:?}"
        );
        for ((upload, reply), word) in uploads.into_iter().zip(words) {
            drop(upload);
            let json: Value = reply.await.unwrap().unwrap().json().await.unwrap();
            assert_eq!(json["top"], serde_json::json!([[word, 3]]));
            assert_eq!(json["partial"], false);
        }
        server.shutdown().await.unwrap();
    })
    .await;
}

/// A partial answer says so in each format: text/plain opens with the CLI's `PARTIAL RESULT:`
/// line, JSON has `partial` and `stopped`; and a word longer than `--max-word` is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_result_is_unmistakable_in_every_format() {
    bounded(async {
        let server = Server::start(config(1, 2)).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (tx, reply) = streaming(
            client
                .post(url(&server, "/count?timeout=1s"))
                .header("accept", "text/plain"),
        );
        tx.send(Bytes::from_static(b"one two two ")).await.unwrap();
        wait_load(&mut load, |l| l.counted == 12).await;
        let reply = reply.await.unwrap().unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(
            reply.text().await.unwrap(),
            "PARTIAL RESULT: context deadline exceeded; the counts cover only what was read before\n\
             two 2\none 1\n"
        );
        drop(tx);
        let mut body = b"a ".to_vec();
        body.extend(vec![b'x'; day5_wordcount::chunked::DEFAULT_MAX_WORD + 1]);
        body.extend_from_slice(b" b");
        let json: Value = client
            .post(url(&server, "/count"))
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json["skipped_words"], 1, "{json}");
        assert_eq!(json["top"], serde_json::json!([["a", 1], ["b", 1]]));
        assert_eq!(json["partial"], false);
        server.shutdown().await.unwrap();
    })
    .await;
}

/// Past `--max-table` a request answers with what it counted, `stopped: "table budget"`; past
/// the server's `--max-memory`, `stopped: "server memory budget"`, or 503 at admission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_budgets_stop_a_table_with_a_clear_answer() {
    bounded(async {
        let body = distinct_words(200_000);
        let client = reqwest::Client::new();
        let cases = [
            (1 << 20, 1 << 30, "table budget"),
            (1 << 30, 2 << 20, "server memory budget"),
        ];
        for (max_table, max_memory, why) in cases {
            let mut c = config(1, 1);
            c.max_table = max_table;
            c.max_memory = max_memory;
            let server = Server::start(c).await.unwrap();
            let reply = client
                .post(url(&server, "/count"))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), StatusCode::OK);
            let json: Value = reply.json().await.unwrap();
            assert_eq!(json["partial"], true, "{why}");
            assert_eq!(json["stopped"], why);
            let distinct = json["distinct"].as_u64().unwrap();
            assert!((1..200_000).contains(&distinct), "{why}: {distinct}");
            let text = client
                .post(url(&server, "/count"))
                .header("accept", "text/plain")
                .body(body.clone())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                text.starts_with(&format!("PARTIAL RESULT: {why};")),
                "{text:.200}"
            );
            server.shutdown().await.unwrap();
        }
        let mut c = config(1, 1);
        c.max_memory = 1000;
        let server = Server::start(c).await.unwrap();
        let reply = client
            .post(url(&server, "/count"))
            .body("a")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
        let json: Value = reply.json().await.unwrap();
        assert!(
            json["error"].as_str().unwrap().contains("--max-memory"),
            "{json}"
        );
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_frees_its_worker() {
    bounded(async {
        // A deadline far past the watchdog: only the disconnect can end the job in time.
        let mut c = config(1, 1);
        c.timeout = Duration::from_secs(3600);
        c.max_timeout = c.timeout;
        let server = Server::start(c).await.unwrap();
        let mut load = server.load();
        let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        stream
            .write_all(
                b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nhello world ",
            )
            .await
            .unwrap();
        wait_load(&mut load, |l| l.counted == 12).await;
        drop(stream);
        // The handler sees the body fail, its context is cancelled, the request ends.
        wait_load(&mut load, Load::is_idle).await;
        // Recorded as 499 (the client closed the request), not as a bad request.
        let client = reqwest::Client::new();
        let closed = "wordcount_requests_total{status=\"499\"}";
        // The status is recorded just after the request is released: poll the scrape.
        let mut text = scrape(&client, &server).await;
        while value(&text, closed) == 0.0 {
            tokio::task::yield_now().await;
            text = scrape(&client, &server).await;
        }
        assert_eq!(value(&text, closed), 1.0, "{text}");
        assert_eq!(
            value(&text, "wordcount_requests_total{status=\"400\"}"),
            0.0,
            "{text}"
        );
        // The worker is free: the next request is counted.
        let reply = reqwest::Client::new()
            .post(url(&server, "/count?timeout=30s"))
            .body("a b a")
            .send()
            .await
            .unwrap();
        let json: Value = reply.json().await.unwrap();
        assert_eq!(json["top"], serde_json::json!([["a", 2], ["b", 1]]));
        server.shutdown().await.unwrap();
    })
    .await;
}

/// Sends `head` and `body` on a raw connection, closes its writing side (FIN), and reads the
/// whole answer: its status line and its body.
async fn post_and_half_close(server: &Server, head: &str, body: &[u8]) -> (String, String) {
    use tokio::io::AsyncReadExt;
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    // The server closes the connection after this answer: the client closed its side.
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// A client that sends its whole body and then closes its writing side is counted in full: the
/// hang-up check (`Conn::hung_up`) ends only a body that can no longer arrive. The body is larger
/// than what hyper buffers, so the check's count of queued bytes decides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_half_closes_after_its_body_is_counted_in_full() {
    bounded(async {
        let server = Server::start(config(1, 1)).await.unwrap();
        let body = "alpha beta alpha ".repeat(40_000);
        let head = format!(
            "POST /count?top=2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let (status, json) = post_and_half_close(&server, &head, body.as_bytes()).await;
        assert!(status.contains(" 200 "), "{status}");
        let json: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            json["top"],
            serde_json::json!([["alpha", 80_000], ["beta", 40_000]])
        );
        assert_eq!(json["partial"], false);
        server.shutdown().await.unwrap();
    })
    .await;
}

/// A client that hangs up with its body incomplete gets 499, whether the server sees it at the
/// end of the bytes or (`Conn::hung_up`) before counting those it buffered; the server is then
/// idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_mid_body_gets_499() {
    bounded(async {
        let server = Server::start(config(1, 1)).await.unwrap();
        let mut load = server.load();
        let head = "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n";
        let part = "gamma delta ".repeat(30_000);
        let (status, _) = post_and_half_close(&server, head, part.as_bytes()).await;
        assert!(status.contains(" 499 "), "{status}");
        wait_load(&mut load, Load::is_idle).await;
        server.shutdown().await.unwrap();
    })
    .await;
}

/// A request that finds every admission permit taken waits for one (`--admit-wait`), and is
/// counted when one frees, instead of a 503 its client would retry at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waits_for_admission_and_is_counted() {
    bounded(async {
        let mut c = config(1, 0);
        c.admit_wait = Duration::from_secs(3600);
        let server = Server::start(c).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (a, first) = streaming_post(&client, &server, "/count");
        wait_load(&mut load, |l| l.requests == 1).await;
        let second = tokio::spawn(client.post(url(&server, "/count")).body("b c b").send());
        wait_load(&mut load, |l| l.waiting == 1).await;
        drop(a);
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        let reply = second.await.unwrap().unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        let json: Value = reply.json().await.unwrap();
        assert_eq!(json["top"], serde_json::json!([["b", 2], ["c", 1]]));
        let text = scrape(&client, &server).await;
        assert_eq!(value(&text, "wordcount_shed_total"), 0.0);
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_with_413() {
    bounded(async {
        let mut c = config(1, 1);
        c.max_body = 1000;
        let server = Server::start(c).await.unwrap();
        let client = reqwest::Client::new();
        let big = vec![b'a'; 4000];
        // Declared too large: refused before reading.
        let declared = client
            .post(url(&server, "/count"))
            .body(big.clone())
            .send()
            .await
            .unwrap();
        // Chunked, no length: refused once the limit is passed.
        let frames: Vec<Result<Bytes, std::io::Error>> = big
            .chunks(500)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let chunked = client
            .post(url(&server, "/count"))
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                frames,
            )))
            .send()
            .await
            .unwrap();
        let form = reqwest::multipart::Form::new().part(
            "f",
            reqwest::multipart::Part::bytes(big.clone()).file_name("f"),
        );
        let multipart = client
            .post(url(&server, "/count"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        for reply in [declared, chunked, multipart] {
            assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
            let json: Value = reply.json().await.unwrap();
            assert!(json["error"].as_str().unwrap().contains("1000"), "{json}");
        }
        // At the limit is fine.
        let ok = client
            .post(url(&server, "/count"))
            .body(vec![b'a'; 1000])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_and_queue_answer_503_at_once() {
    bounded(async {
        let server = Server::start(config(1, 1)).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (a, first) = streaming_post(&client, &server, "/count");
        let (b, second) = streaming_post(&client, &server, "/count");
        wait_load(&mut load, |l| l.requests == 2).await;
        let shed = client
            .post(url(&server, "/count"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(shed.headers()["retry-after"], "1");
        let json: Value = shed.json().await.unwrap();
        assert!(json["error"].as_str().unwrap().contains("busy"), "{json}");
        let text = scrape(&client, &server).await;
        assert_eq!(value(&text, "wordcount_shed_total"), 1.0);
        for (tx, text) in [(a, "one two"), (b, "three")] {
            tx.send(Bytes::from_static(text.as_bytes())).await.unwrap();
        }
        // Dropping the senders ends both bodies; both are counted.
        for reply in [first, second] {
            let reply = reply.await.unwrap().unwrap();
            assert_eq!(reply.status(), StatusCode::OK);
        }
        server.shutdown().await.unwrap();
    })
    .await;
}

/// A shed client that is still uploading gets its 503: the server reads the refused body and
/// throws it away instead of closing the connection on unread bytes (which resets it under the
/// client, and the answer is lost). The body is larger than loopback's socket buffers, so the
/// client is mid-upload when the answer comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shed_client_still_uploading_reads_its_503() {
    bounded(async {
        let server = Server::start(config(1, 0)).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (a, first) = streaming_post(&client, &server, "/count");
        wait_load(&mut load, |l| l.requests == 1).await;
        for round in 0..3 {
            let shed = client
                .post(url(&server, "/count"))
                .body(vec![b'w'; 24 << 20])
                .send()
                .await
                .unwrap_or_else(|e| panic!("round {round}: no answer, the upload was cut: {e}"));
            assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        drop(a);
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        server.shutdown().await.unwrap();
    })
    .await;
}

/// An idle connection is closed after `--idle-timeout`: one that never sends a request, and a
/// kept-alive one after its request was answered. (Time is the behaviour here: 200 ms of idleness,
/// and the close must come within the test's bound.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    use tokio::io::AsyncReadExt;
    bounded(async {
        let mut c = config(1, 0);
        c.idle_timeout = Duration::from_millis(200);
        let server = Server::start(c).await.unwrap();
        let mut silent = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let mut kept = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        // `read_to_end` returns once the server closes the connection.
        silent.read_to_end(&mut Vec::new()).await.unwrap();
        let mut answer = Vec::new();
        kept.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_4xx_naming_the_problem() {
    bounded(async {
        let server = Server::start(config(1, 1)).await.unwrap();
        let client = reqwest::Client::new();
        let cases = [
            ("/count?top=abc", "text/plain", "x", 400, "top"),
            ("/count?timeout=-1", "text/plain", "x", 400, "timeout=-1"),
            ("/count?color=red", "text/plain", "x", 400, "color"),
            ("/count?timeout=0", "text/plain", "x", 400, "timeout=0"),
            (
                "/count?top=100001",
                "text/plain",
                "x",
                400,
                "at most 100000",
            ),
            (
                "/count",
                "multipart/form-data; boundary=XYZ",
                "--XYZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nno closing boundary",
                400,
                "multipart",
            ),
            ("/count", "multipart/form-data", "x", 400, "boundary"),
            ("/nowhere", "text/plain", "x", 404, "no such path"),
        ];
        for (path, content_type, body, status, names) in cases {
            let reply = client
                .post(url(&server, path))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status().as_u16(), status, "{path} {content_type}");
            let json: Value = reply.json().await.unwrap();
            let error = json["error"].as_str().unwrap().to_lowercase();
            assert!(error.contains(names), "{path}: {error}");
        }
        let get = client.get(url(&server, "/count")).send().await.unwrap();
        assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
        let health = client.get(url(&server, "/healthz")).send().await.unwrap();
        assert_eq!(health.text().await.unwrap(), "ok\n");
        let icon = client
            .get(url(&server, "/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(icon.status(), StatusCode::NO_CONTENT);
        let page = client.get(url(&server, "/")).send().await.unwrap();
        assert!(page.text().await.unwrap().contains("multipart/form-data"));
        server.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_and_refuses_new_ones() {
    bounded(async {
        let mut c = config(1, 1);
        c.grace = Duration::from_secs(60);
        let server = Server::start(c).await.unwrap();
        let addr = server.addr();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (tx, reply) = streaming_post(&client, &server, "/count");
        tx.send(Bytes::from_static(b"before ")).await.unwrap();
        wait_load(&mut load, |l| l.counted == 7).await;
        let stopping = tokio::spawn(server.shutdown());
        // New connections are refused once the listener is closed (polled, no sleep).
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            tokio::task::yield_now().await;
        }
        tx.send(Bytes::from_static(b"after")).await.unwrap();
        drop(tx);
        let json: Value = reply.await.unwrap().unwrap().json().await.unwrap();
        assert_eq!(json["partial"], false);
        assert_eq!(
            json["top"],
            serde_json::json!([["after", 1], ["before", 1]])
        );
        let summary = stopping.await.unwrap().unwrap();
        assert_eq!(summary.cut_short, 0);
        assert!(summary.answers.contains(&(200, 1)), "{summary}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_after_the_grace_period_answers_with_partial_results() {
    bounded(async {
        let mut c = config(1, 1);
        c.grace = Duration::ZERO;
        let server = Server::start(c).await.unwrap();
        let mut load = server.load();
        let client = reqwest::Client::new();
        let (tx, reply) = streaming_post(&client, &server, "/count");
        tx.send(Bytes::from_static(b"counted cut")).await.unwrap();
        wait_load(&mut load, |l| l.counted == 11).await;
        let summary = server.shutdown().await.unwrap();
        assert_eq!(summary.cut_short, 1);
        let json: Value = reply.await.unwrap().unwrap().json().await.unwrap();
        assert_eq!(json["partial"], true);
        assert_eq!(json["stopped"], "context canceled");
        // The word the cancel cuts ("cut") is dropped, as the CLI drops it.
        assert_eq!(json["bytes"], 11);
        assert_eq!(json["top"], serde_json::json!([["counted", 1]]));
        drop(tx);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_bytes_and_words() {
    bounded(async {
        let server = Server::start(config(1, 1)).await.unwrap();
        let client = reqwest::Client::new();
        let ok = "wordcount_requests_total{status=\"200\"}";
        let not_found = "wordcount_requests_total{status=\"404\"}";
        let histogram = "wordcount_request_duration_seconds_count";
        let names = [
            ok,
            not_found,
            histogram,
            "wordcount_bytes_counted_total",
            "wordcount_words_counted_total",
        ];
        let before = scrape(&client, &server).await;
        let body = "one two two three three three";
        client
            .post(url(&server, "/count"))
            .body(body)
            .send()
            .await
            .unwrap();
        client.get(url(&server, "/missing")).send().await.unwrap();
        let after = scrape(&client, &server).await;
        let moved: Vec<f64> = names
            .iter()
            .map(|n| value(&after, n) - value(&before, n))
            .collect();
        // Between the two scrapes: the first scrape itself (recorded once answered), the count,
        // the 404.
        assert_eq!(moved, [2.0, 1.0, 3.0, body.len() as f64, 6.0]);
        for gauge in [
            "wordcount_requests_in_flight 0",
            "wordcount_jobs_queued 0",
            "wordcount_jobs_running 0",
        ] {
            assert!(after.lines().any(|l| l == gauge), "{gauge} in\n{after}");
        }
        server.shutdown().await.unwrap();
    })
    .await;
}

#[test]
fn the_tour_starts_counts_once_and_stops() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let exit =
            day5_wordcount::server::tour_demo(&day2_context::Context::background(), &mut out);
        tx.send((exit.map_err(|e| e.to_string()), out)).unwrap();
    });
    let (exit, out) = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the tour step did not finish within 120 s");
    assert_eq!(exit, Ok(day5_wordcount::report::Exit::Complete));
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("HTTP/1.1 200 OK"), "{out}");
    assert!(
        out.contains(r#""top":[["the",3],["dog",2],["brown",1]]"#),
        "{out}"
    );
    assert!(out.contains("graceful stop: stopped after"), "{out}");
}

/// The upload form's answers are pages a person can read (`Accept: text/html`, as a browser
/// sends): the top words with a bar each, each file's status, a binary file flagged, the form's
/// top-N field obeyed, a link back; an empty form is a 400 page saying "no file chosen".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_answers_with_html_pages() {
    bounded(async {
        let server = Server::start(config(1, 2)).await.unwrap();
        let client = reqwest::Client::new();
        let html = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
        let form = reqwest::multipart::Form::new()
            .text("top", "2")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"b a b <c> <c> <c>".to_vec()).file_name("t.txt"),
            )
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"\x7fELF\x00\x01 x".to_vec()).file_name("a.out"),
            );
        let reply = client
            .post(url(&server, "/count"))
            .header("accept", html)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert!(
            reply.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = reply.text().await.unwrap();
        assert!(page.contains("<h2>Top 2 words</h2>"), "{page}");
        assert!(
            page.contains("<td>&lt;c&gt;</td><td class=\"n\">3</td>"),
            "{page}"
        );
        assert!(
            page.contains("class=\"bar\" style=\"width:100.0%\""),
            "{page}"
        );
        assert!(page.contains("style=\"width:66.6%\""), "{page}");
        let binary = page.lines().find(|l| l.contains("<td>a.out</td>")).unwrap();
        assert!(binary.contains("looks binary"), "{binary}");
        let text = page.lines().find(|l| l.contains("<td>t.txt</td>")).unwrap();
        assert!(
            !text.contains("looks binary") && text.contains("full"),
            "{text}"
        );
        assert!(page.contains("<a href=\"/\">"), "{page}");
        assert!(!page.contains("id=\"partial\""), "{page}");
        // What a browser sends for a form with no file chosen: one part, no name, no bytes.
        let empty = reqwest::multipart::Form::new().text("top", "20").part(
            "file",
            reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
        );
        let reply = client
            .post(url(&server, "/count"))
            .header("accept", html)
            .multipart(empty)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
        let page = reply.text().await.unwrap();
        assert!(page.contains("id=\"error\">no file chosen"), "{page}");
        // Other errors are pages too; JSON clients still get JSON.
        let missing = client
            .get(url(&server, "/nowhere"))
            .header("accept", html)
            .send()
            .await
            .unwrap();
        assert!(missing.text().await.unwrap().contains("no such path"));
        let json = client.get(url(&server, "/nowhere")).send().await.unwrap();
        assert!(
            json.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("json")
        );
        server.shutdown().await.unwrap();
    })
    .await;
}
