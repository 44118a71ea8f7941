//! One test per Tuesday checklist item (`journal/checklist.md` names them). A test that waits on
//! another thread or on the network runs under `support::bounded`.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::unbounded;
use day2_context::http::{self, FetchError, HandlerEvent, REQUEST_ID_HEADER};
use day2_context::values::{self, RequestId, anti_pattern, right_design};
use day2_context::{Context, ContextError, chain, deadline, worker};
use support::{PATIENCE, bounded};

/// One thread runs server and client alike: the sockets are real, and ThreadSanitizer does not
/// see tokio's I/O driver hand a registration from one thread to another through epoll (which
/// it cannot model, and reports as a race inside tokio).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn background_flows_through_three_functions() {
    let ctx = Context::background();
    let trace = chain::handle_request(&ctx, "gopher").expect("background is never done");
    assert_eq!(trace.levels.len(), 3, "{trace:?}");
    assert!(trace.levels[0].starts_with("handle_request: err=None"));
    assert!(trace.levels[2].contains("row for gopher (deadline: None)"));

    // The same chain with a cancelled context stops at the leaf and reports why.
    let (cancelled, cancel) = Context::with_cancel(&ctx);
    cancel.cancel();
    assert_eq!(
        chain::handle_request(&cancelled, "gopher"),
        Err(ContextError::Canceled)
    );
}

/// The leaf returns the context's own error: a chain whose deadline passed says so.
#[test]
fn a_chain_that_timed_out_reports_deadline_exceeded() {
    let (expired, _cancel) = Context::with_timeout(&Context::background(), Duration::ZERO);
    assert_eq!(
        chain::handle_request(&expired, "gopher"),
        Err(ContextError::DeadlineExceeded),
        "the context's deadline had passed: the leaf must return the context's own error \
         (`ctx.err()`), not a fixed one and not a row"
    );
    let (timed, cancel) = Context::with_timeout(&Context::background(), Duration::from_secs(3600));
    let trace = chain::handle_request(&timed, "gopher").expect("a live context: a row");
    let shown = format!("(deadline: {:?})", timed.deadline());
    assert!(
        trace.levels[2].contains(&shown),
        "the row should name the context's deadline, {shown}: {trace:?}"
    );
    cancel.cancel();
}

/// Joins `worker`, failing with `meaning` if it has not exited within half the test's patience
/// (so this message, not the watchdog's, is what a learner sees).
fn join_worker(worker: thread::JoinHandle<worker::Exit>, meaning: &str) -> worker::Exit {
    let (exited, exit) = crossbeam_channel::bounded(1);
    thread::spawn(move || {
        let _ = exited.send(worker.join());
    });
    exit.recv_timeout(PATIENCE / 2)
        .unwrap_or_else(|_| {
            panic!(
                "the worker did not exit within {:?}: {meaning}",
                PATIENCE / 2
            )
        })
        .expect("the worker did not panic")
}

/// The cluster "a plain blocking send": nobody reads the results (a rendezvous channel), so the
/// worker's send of its first square can only end by racing `done()`.
#[test]
fn a_worker_blocked_on_sending_a_result_exits_when_cancelled() {
    bounded(PATIENCE * 2, || {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let (jobs_tx, jobs_rx) = crossbeam_channel::bounded(0);
        let (results_tx, results_rx) = crossbeam_channel::bounded(0);
        let worker = worker::spawn_worker(&ctx, jobs_rx, results_tx);
        // A rendezvous: when this returns, the worker holds job 7; its result has no reader.
        jobs_tx.send(7).expect("the worker is running");
        cancel.cancel();
        let exit = join_worker(
            worker,
            "after the cancel it is still blocked — most likely in a plain `results.send(…)` that \
             nobody will ever receive; the send must be an arm of a `select!` with \
             `recv(ctx.done())`",
        );
        assert_eq!(exit.reason, ContextError::Canceled);
        assert!(
            results_rx.try_recv().is_err(),
            "the result was never read, so it cannot have been delivered"
        );
        drop(jobs_tx);
    });
}

/// `done()` fires for a deadline too: the worker's exit names the error that ended it.
#[test]
fn a_worker_whose_deadline_passes_reports_deadline_exceeded() {
    bounded(PATIENCE * 2, || {
        let (ctx, _cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(50));
        let (jobs_tx, jobs_rx) = unbounded();
        let (results_tx, _results_rx) = unbounded();
        let worker = worker::spawn_worker(&ctx, jobs_rx, results_tx);
        let exit = join_worker(
            worker,
            "its context's 50 ms deadline passed while it waited for jobs: it should have \
             seen `done()` fire",
        );
        assert_eq!(
            exit.reason,
            ContextError::DeadlineExceeded,
            "the worker was ended by its deadline: `Exit::reason` must be `ctx.err()`, the \
             context's own error, not a fixed `Canceled`"
        );
        drop(jobs_tx);
    });
}

#[test]
fn with_cancel_stops_a_long_running_thread() {
    bounded(PATIENCE * 2, || {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let (jobs_tx, jobs_rx) = unbounded();
        let (results_tx, results_rx) = unbounded();
        let worker = worker::spawn_worker(&ctx, jobs_rx, results_tx);

        for job in 1..=3 {
            jobs_tx.send(job).expect("worker is running");
        }
        let squares: Vec<u64> = (0..3)
            .map(|_| results_rx.recv_timeout(PATIENCE).expect("a result"))
            .collect();
        assert_eq!(squares, [1, 4, 9]);

        cancel.cancel(); // from the parent; the jobs channel stays open
        let exit = worker.join().expect("worker did not panic");
        assert_eq!(exit.reason, ContextError::Canceled);
        assert_eq!(exit.processed, 3);
        assert!(jobs_tx.send(4).is_err(), "the worker's receiver is gone");
    });
}

/// A server whose handler answers after an hour (it reports when a request reaches it and when it
/// is dropped), and a client for it.
async fn hour_long_server() -> (http::SlowServer, reqwest::Client) {
    let server = http::start_slow_server(Duration::from_secs(3600))
        .await
        .expect("bind 127.0.0.1:0");
    (server, reqwest::Client::new())
}

#[test]
fn with_timeout_aborts_a_slow_http_request() {
    bounded(PATIENCE * 3, || {
        runtime().block_on(async {
            let (mut server, client) = hour_long_server().await;
            // Long enough for the request to reach the handler first even under ThreadSanitizer.
            let timeout = Duration::from_secs(3);
            // Before the context: its deadline is counted from its creation, so `elapsed >= timeout`.
            let started = Instant::now();
            let (ctx, cancel) = Context::with_timeout(&Context::background(), timeout);

            let outcome = http::fetch(&ctx, &client, &server.url()).await;

            let elapsed = started.elapsed();
            assert!(
                matches!(
                    outcome,
                    Err(FetchError::Context(ContextError::DeadlineExceeded))
                ),
                "{outcome:?}"
            );
            assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
            assert!(elapsed >= timeout, "returned after {elapsed:?}");
            assert!(elapsed < PATIENCE, "returned after {elapsed:?}");

            // The server saw the request arrive and then saw the client go: its handler was dropped.
            for expected in [HandlerEvent::Started, HandlerEvent::Dropped] {
                let event = tokio::time::timeout(PATIENCE, server.events.recv())
                    .await
                    .expect("the handler reports promptly (Started comes before the deadline)");
                assert_eq!(event, Some(expected));
            }
            cancel.cancel();
        });
    });
}

/// A cancel, not a deadline, while the request waits on the server: the request is abandoned at
/// once and reports `Canceled`. The cancel comes when the handler reports `Started`, so the
/// request is in flight.
#[test]
fn cancelling_the_context_aborts_an_in_flight_http_request() {
    bounded(PATIENCE * 3, || {
        runtime().block_on(async {
            let (mut server, client) = hour_long_server().await;
            let url = server.url();
            let (ctx, cancel) = Context::with_cancel(&Context::background());
            let canceller = async {
                let event = tokio::time::timeout(PATIENCE, server.events.recv())
                    .await
                    .expect("the request reaches the handler promptly");
                assert_eq!(event, Some(HandlerEvent::Started));
                cancel.cancel();
            };
            let fetched = async {
                tokio::time::timeout(PATIENCE / 2, http::fetch(&ctx, &client, &url))
                    .await
                    .expect(
                        "fetch did not return after its context was cancelled (the server takes \
                         an hour): the request must race `ctx.cancelled()` — a deadline-only \
                         timeout, or a check of `ctx.err()` before or after the request, never \
                         sees a cancel",
                    )
            };
            let (outcome, ()) = tokio::join!(fetched, canceller);
            assert!(
                matches!(outcome, Err(FetchError::Context(ContextError::Canceled))),
                "expected the request abandoned with the context's error, Canceled; got \
                 {outcome:?}"
            );
            let event = tokio::time::timeout(PATIENCE, server.events.recv())
                .await
                .expect("the server notices the client went away promptly");
            assert_eq!(
                event,
                Some(HandlerEvent::Dropped),
                "the abandoned request's future must be dropped, which closes the connection"
            );
        });
    });
}

#[test]
fn with_deadline_compared_with_with_timeout() {
    let bg = Context::background();
    let limit = Duration::from_millis(100);

    // Same behaviour: both end with DeadlineExceeded once the instant passes, not before.
    let (by_timeout, cancel_t) = Context::with_timeout(&bg, limit);
    let (by_deadline, cancel_d) = Context::with_deadline(&bg, Instant::now() + limit);
    for ctx in [&by_timeout, &by_deadline] {
        let (err, waited) = deadline::time_until_done(ctx, PATIENCE);
        assert_eq!(err, Some(ContextError::DeadlineExceeded));
        assert!(waited < PATIENCE, "took {waited:?}");
        assert!(ctx.deadline().expect("has a deadline") <= Instant::now());
    }
    cancel_t.cancel();
    cancel_d.cancel();
    assert_eq!(
        by_timeout.err(),
        Some(ContextError::DeadlineExceeded),
        "first error wins"
    );

    // Different anchoring: an absolute deadline is shared by items that start at different
    // times; a timeout restarts for each.
    let end = Instant::now() + Duration::from_secs(3600);
    let batch = deadline::batch(&bg, 4, end, Duration::from_secs(60), Duration::ZERO);
    assert!(batch.absolute.iter().all(|d| *d == Some(end)));
    assert!(batch.relative.windows(2).all(|w| w[0] < w[1]), "{batch:?}");

    // Both are capped by the parent: a child never outlives its parent's deadline.
    let (parent, cancel_p) = Context::with_timeout(&bg, Duration::from_secs(60));
    let (late, cancel_l) = Context::with_deadline(&parent, end);
    assert_eq!(late.deadline(), parent.deadline());
    cancel_l.cancel();
    cancel_p.cancel();

    // And both are done at once when the time is already up.
    assert!(Context::with_timeout(&bg, Duration::ZERO).0.is_done());
    assert!(Context::with_deadline(&bg, Instant::now()).0.is_done());
}

#[test]
fn with_value_passes_request_id_through_handler_chain() {
    bounded(PATIENCE * 3, || {
        runtime().block_on(async {
            let (root, shutdown) = Context::with_cancel(&Context::background());
            let addr = http::start_request_id_server(root.clone())
                .await
                .expect("bind 127.0.0.1:0");
            let client = reqwest::Client::new();
            let url = format!("http://{addr}/profile");

            for id in ["abc-1", "abc-2"] {
                let body = client
                    .get(&url)
                    .header(REQUEST_ID_HEADER, id)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .expect("request succeeds")
                    .text()
                    .await
                    .expect("a body");
                assert_eq!(body, format!("profile loaded for request {id}"));
            }
            let generated = client
                .get(&url)
                .send()
                .await
                .expect("request succeeds")
                .text()
                .await
                .expect("a body");
            assert!(
                generated.starts_with("profile loaded for request req-"),
                "{generated}"
            );

            // Each request's scope was cancelled and unregistered when its response was built.
            assert_eq!(root.child_scopes(), 0);
            // The key is a type: a different key type never sees the request ID.
            struct OtherKey;
            impl day2_context::Key for OtherKey {
                type Value = String;
            }
            let ctx = Context::with_value::<RequestId>(&root, "x".into());
            assert_eq!(values::request_id(&ctx), Some("x"));
            assert_eq!(ctx.value::<OtherKey>(), None);
            shutdown.cancel();
        });
    });
}

#[test]
fn mutable_state_in_context_value_is_an_anti_pattern() {
    bounded(PATIENCE * 2, || {
        // The surprise: two requests, each with "its own" derived context, share one cart.
        let root = anti_pattern::server_root();
        assert_eq!(anti_pattern::handle_request(&root, "apple"), ["apple"]);
        let second = anti_pattern::handle_request(&root, "bread");
        assert_eq!(
            second,
            ["apple", "bread"],
            "request 2 sees request 1's item"
        );

        // From other threads it is worse: the order depends on scheduling.
        let mut seen: Vec<usize> = thread::scope(|s| {
            let handles: Vec<_> = ["milk", "eggs"]
                .map(|item| s.spawn(|| anti_pattern::handle_request(&root, item).len()))
                .into_iter()
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("no panic"))
                .collect()
        });
        seen.sort_unstable();
        assert_eq!(seen, [3, 4], "each request saw everyone else's items");

        // The right design: state has an owner and is passed as `&mut`; the context carries only the
        // request ID.
        let server = Context::background();
        let request = |id: &str, item: &str| {
            let ctx = Context::with_value::<RequestId>(&server, id.to_owned());
            let mut state = right_design::RequestState::default();
            right_design::handle_request(&ctx, &mut state, item)
        };
        assert_eq!(request("r1", "apple"), ["apple (r1)"]);
        assert_eq!(request("r2", "bread"), ["bread (r2)"]);
    });
}
