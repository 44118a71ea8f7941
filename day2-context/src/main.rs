//! Tuesday's tour: every checklist item of the context day, run with short narration.
//!
//! `cargo run -p day2-context [-- --quick]`. `--quick` makes fewer contexts in the leak check.

#[cfg(not(loom))]
fn main() -> std::process::ExitCode {
    tour::main()
}

/// Built with `--cfg loom` for the model checks, the binary has nothing to narrate.
#[cfg(loom)]
fn main() {
    eprintln!("day2-context: the tour is not built under --cfg loom; run the loom models instead");
}

#[cfg(not(loom))]
mod tour {
    use std::time::{Duration, Instant};

    use crossbeam_channel::unbounded;
    use day2_context::tokio_side::{self, Member};
    use day2_context::values::{RequestId, anti_pattern, right_design};
    use day2_context::{Context, chain, deadline, http, leak, worker};

    pub(crate) fn main() -> std::process::ExitCode {
        let mut quick = false;
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--quick" => quick = true,
                other => {
                    eprintln!(
                        "day2-context: unknown argument `{other}` (the only option is --quick)"
                    );
                    return std::process::ExitCode::FAILURE;
                }
            }
        }
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(err) => {
                eprintln!("day2-context: cannot start a tokio runtime: {err}");
                return std::process::ExitCode::FAILURE;
            }
        };
        background_chain();
        cancel_a_thread();
        runtime.block_on(abort_http_request());
        deadline_versus_timeout();
        runtime.block_on(request_id_chain());
        mutable_state_anti_pattern();
        side_by_side(&runtime);
        leak_check(if quick { 10_000 } else { 100_000 });
        std::process::ExitCode::SUCCESS
    }

    fn background_chain() {
        println!("1. context.Background() through three functions (ctx: &Context first, as in Go)");
        match chain::handle_request(&Context::background(), "gopher") {
            Ok(trace) => trace.levels.iter().for_each(|l| println!("   {l}")),
            Err(err) => println!("   unexpected: {err}"),
        }
    }

    fn cancel_a_thread() {
        println!("\n2. with_cancel stops a long-running thread, which leaves through done()");
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let (jobs, jobs_rx) = unbounded();
        let (results_tx, results) = unbounded();
        let handle = worker::spawn_worker(&ctx, jobs_rx, results_tx);
        for job in 1..=3 {
            let _ = jobs.send(job);
        }
        let squares: Vec<u64> = results.iter().take(3).collect();
        println!("   worker squared {squares:?}; its job channel is still open. cancel()…");
        cancel.cancel();
        match handle.join() {
            Ok(exit) => println!(
                "   worker exited via done(): processed {}, ctx.err() = {}",
                exit.processed, exit.reason
            ),
            Err(_) => println!("   the worker panicked"),
        }
    }

    async fn abort_http_request() {
        println!("\n3. with_timeout(200 ms) aborts a real HTTP request to a slow axum server");
        let mut server = match http::start_slow_server(Duration::from_secs(3600)).await {
            Ok(server) => server,
            Err(err) => return println!("   cannot start the server: {err}"),
        };
        let client = reqwest::Client::new();
        let (ctx, cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(200));
        let started = Instant::now();
        let outcome = http::fetch(&ctx, &client, &server.url()).await;
        println!(
            "   reqwest GET {} -> {} after {:.0?}; ctx.err() = {:?}",
            server.url(),
            match &outcome {
                Ok(body) => body.clone(),
                Err(err) => err.to_string(),
            },
            started.elapsed(),
            ctx.err()
        );
        for _ in 0..2 {
            match tokio::time::timeout(Duration::from_secs(5), server.events.recv()).await {
                Ok(Some(event)) => println!("   server handler: {event:?}"),
                _ => println!("   server handler: (no event)"),
            }
        }
        cancel.cancel();
    }

    fn deadline_versus_timeout() {
        println!("\n4. with_deadline (absolute) versus with_timeout (relative)");
        let bg = Context::background();
        let limit = Duration::from_millis(100);
        let (t, ct) = Context::with_timeout(&bg, limit);
        let (t_err, t_took) = deadline::time_until_done(&t, Duration::from_secs(5));
        let (d, cd) = Context::with_deadline(&bg, Instant::now() + limit);
        let (d_err, d_took) = deadline::time_until_done(&d, Duration::from_secs(5));
        println!("   with_timeout(100 ms): {t_err:?} after {t_took:.0?}");
        println!("   with_deadline(now + 100 ms): {d_err:?} after {d_took:.0?} (the same thing)");
        ct.cancel();
        cd.cancel();
        let end = Instant::now() + Duration::from_secs(60);
        let batch = deadline::batch(&bg, 3, end, Duration::from_secs(60));
        let offsets = |ds: &[Option<Instant>]| -> Vec<String> {
            ds.iter()
                .map(|d| {
                    d.map_or("none".into(), |d| {
                        format!("{:?}", d.duration_since(end.min(d)))
                    })
                })
                .collect()
        };
        println!(
            "   items started one after another: with_deadline(end) ends each {:?} after `end`; \
             with_timeout(60 s) ends each {:?} after `end` — one window per item",
            offsets(&batch.absolute),
            offsets(&batch.relative)
        );
    }

    async fn request_id_chain() {
        println!("\n5. with_value carries a request ID through axum middleware into a handler");
        let (root, shutdown) = Context::with_cancel(&Context::background());
        let addr = match http::start_request_id_server(root.clone()).await {
            Ok(addr) => addr,
            Err(err) => return println!("   cannot start the server: {err}"),
        };
        let client = reqwest::Client::new();
        for id in [Some("abc-123"), None] {
            let mut request = client.get(format!("http://{addr}/profile"));
            if let Some(id) = id {
                request = request.header(http::REQUEST_ID_HEADER, id);
            }
            let body = match request.send().await {
                Ok(response) => response.text().await.unwrap_or_else(|e| e.to_string()),
                Err(err) => err.to_string(),
            };
            println!("   header {id:?} -> {body:?}");
        }
        println!(
            "   per-request scopes still registered under the server's root: {}",
            root.child_scopes()
        );
        shutdown.cancel();
    }

    fn mutable_state_anti_pattern() {
        println!("\n6. The anti-pattern: mutable state in a context value");
        let root = anti_pattern::server_root();
        println!(
            "   request 1 adds apple, sees {:?}",
            anti_pattern::handle_request(&root, "apple")
        );
        println!(
            "   request 2 adds bread, sees {:?} <- request 1's item leaked in",
            anti_pattern::handle_request(&root, "bread")
        );
        let server = Context::background();
        for (id, item) in [("r1", "apple"), ("r2", "bread")] {
            let ctx = Context::with_value::<RequestId>(&server, id.into());
            let mut state = right_design::RequestState::default();
            println!(
                "   right design, {id}: sees {:?} (state passed as &mut, only the ID in the context)",
                right_design::handle_request(&ctx, &mut state, item)
            );
        }
    }

    fn side_by_side(runtime: &tokio::runtime::Runtime) {
        println!(
            "\n7. The same tree with CancellationToken: which of [root, child, grandchild, sibling] end"
        );
        for which in [
            Member::Root,
            Member::Child,
            Member::Grandchild,
            Member::Sibling,
        ] {
            println!(
                "   cancel {which:?}: Context {:?}, token {:?}",
                tokio_side::tree_with_context(which),
                tokio_side::tree_with_token(which)
            );
        }
        let (long, short) = (Duration::from_secs(3600), Duration::from_millis(30));
        let (by_ctx, by_tokio) = runtime.block_on(async {
            let token = tokio_util::sync::CancellationToken::new();
            (
                tokio_side::work_with_context(&Context::background(), long, short).await,
                tokio_side::work_with_tokio(&token, long, short).await,
            )
        });
        println!(
            "   1 h of work under a 30 ms limit: Context {by_ctx:?}, tokio::time::timeout {by_tokio:?}"
        );
    }

    fn leak_check(n: usize) {
        println!("\n8. Leak check: {n} timed contexts created, then cancelled");
        let (parent, stop) = Context::with_cancel(&Context::background());
        let churn = leak::churn(&parent, n, Duration::from_secs(3600));
        for (label, c) in [
            ("before", churn.before),
            ("peak", churn.peak),
            ("after", churn.after),
        ] {
            println!(
                "   {label:>6}: children {:>6}, timer entries {:>6}, live scopes {:>6}, threads {}",
                c.children,
                c.timer_entries,
                c.live_scopes,
                c.threads.map_or("?".into(), |t| t.to_string())
            );
        }
        stop.cancel();
    }
}
