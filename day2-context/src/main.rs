//! Tuesday's tour: every checklist item of the context day, run with short narration.
//!
//! `cargo run -p day2-context [-- --quick]`; `--help` lists the options.

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

    /// Tuesday's tour: every checklist item of the context day, run with short narration.
    #[derive(Debug, clap::Parser)]
    #[command(name = "day2-context")]
    struct Args {
        /// The same tour with short parameters: shorter visible delays, fewer contexts in the
        /// leak check.
        #[arg(long)]
        quick: bool,
    }

    /// The tour's sizes: the full ones, or the short ones of `--quick`.
    struct Sizes {
        /// The timeout and deadline of the deadline-versus-timeout demo.
        limit: Duration,
        /// How long each item of that demo's batch works.
        item_work: Duration,
        /// Contexts in the leak check.
        leak_contexts: usize,
    }

    pub(crate) fn main() -> std::process::ExitCode {
        let args = <Args as clap::Parser>::parse();
        let sizes = if args.quick {
            Sizes {
                limit: Duration::from_millis(500),
                item_work: Duration::from_millis(250),
                leak_contexts: 10_000,
            }
        } else {
            Sizes {
                limit: Duration::from_secs(2),
                item_work: Duration::from_secs(1),
                leak_contexts: 100_000,
            }
        };
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
        deadline_versus_timeout(&sizes);
        runtime.block_on(request_id_chain());
        mutable_state_anti_pattern();
        side_by_side(&runtime);
        leak_check(sizes.leak_contexts);
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

    fn deadline_versus_timeout(sizes: &Sizes) {
        println!("\n4. with_deadline (absolute) versus with_timeout (relative)");
        let bg = Context::background();
        let limit = sizes.limit;
        let patience = limit * 4;
        println!("   with_timeout({limit:?}): waiting for it…");
        let (t, ct) = Context::with_timeout(&bg, limit);
        let (t_err, t_took) = deadline::time_until_done(&t, patience);
        println!("   … {t_err:?} after {t_took:.2?}");
        println!("   with_deadline(now + {limit:?}): waiting for it…");
        let (d, cd) = Context::with_deadline(&bg, Instant::now() + limit);
        let (d_err, d_took) = deadline::time_until_done(&d, patience);
        println!("   … {d_err:?} after {d_took:.2?} (the same thing)");
        ct.cancel();
        cd.cancel();
        let items = 3;
        let work = sizes.item_work;
        println!(
            "   {items} items, each working {work:?}, one after another, each with its own context…"
        );
        let end = Instant::now() + Duration::from_secs(60);
        let batch = deadline::batch(&bg, items, end, Duration::from_secs(60), work);
        // Each item's deadline, counted from the first item's.
        let offsets = |ds: &[Option<Instant>]| -> Vec<String> {
            let first = ds.first().copied().flatten();
            ds.iter()
                .map(|d| match (d, first) {
                    (Some(d), Some(first)) => {
                        format!("+{} ms", d.duration_since(first).as_millis())
                    }
                    _ => "none".into(),
                })
                .collect()
        };
        println!(
            "   with_deadline(end): every item ends at the same instant {:?};",
            offsets(&batch.absolute)
        );
        println!(
            "   with_timeout(60 s): each item ends later than the one before {:?} — one window per item",
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
