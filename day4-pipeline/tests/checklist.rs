//! Thursday's checklist, one test per item (see `journal/checklist.md`), plus the Go blog's
//! pipeline examples ported from <https://go.dev/blog/pipelines>.
//!
//! No test sleeps to let a thread run: teardown is proved by joining (`Pipeline::wait`) under a
//! watchdog — the bound on teardown time is the behaviour, so it is asserted with a wide margin —
//! and by counting live stage threads and live items.

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::ControlFlow;
use std::panic;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Barrier, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError, bounded};
use day2_context::{Context, ContextError};
use day4_pipeline::fan_out::fan_out_ordered;
use day4_pipeline::merge::{m1_waitgroup, m2_last_sender};
use day4_pipeline::{Pipeline, PipelineError, Stop, fan_out, generate, process, sink, try_process};

/// Teardown must finish within this; a healthy pipeline needs milliseconds.
const BOUND: Duration = Duration::from_secs(10);

/// A whole test's bound: each needs well under a second, and a merge that never closes or a
/// stage that never returns would hang it.
const TEST_BOUND: Duration = Duration::from_secs(60);

/// Runs `f` on another thread and returns its result, failing the test if it takes over `BOUND`.
fn within_bound<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    labkit::within(what, BOUND, f)
}

/// Runs a whole test body under a watchdog of [`TEST_BOUND`].
fn watched(what: &str, body: impl FnOnce() + Send + 'static) {
    labkit::within(what, TEST_BOUND, body);
}

/// Spins until `cond` holds (an observable state change, not a guess at timing) or `BOUND` passes.
fn await_condition(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < BOUND,
            "{what}: not reached within {BOUND:?}"
        );
        thread::yield_now();
    }
}

/// Silences panics whose message contains `marker`; every other panic goes to the default hook.
fn quiet_panics_containing(marker: &'static str) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied());
            if !message.is_some_and(|m| m.contains(marker)) {
                default(info);
            }
        }));
    });
}

/// Collects everything `input` delivers, on the calling thread.
fn collect<T>(p: &Pipeline, input: Receiver<T>) -> Vec<T> {
    let mut got = Vec::new();
    sink(p, input, |x| {
        got.push(x);
        ControlFlow::Continue(())
    });
    got
}

/// An item that counts how many of its kind are alive, to prove no item is leaked in a channel.
struct Tracked {
    value: u64,
    alive: Arc<AtomicUsize>,
}

impl Tracked {
    fn new(value: u64, alive: &Arc<AtomicUsize>) -> Tracked {
        alive.fetch_add(1, SeqCst);
        Tracked {
            value,
            alive: Arc::clone(alive),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.alive.fetch_sub(1, SeqCst);
    }
}

#[test]
fn three_stage_pipeline_with_typed_channels() {
    watched("three_stage_pipeline_with_typed_channels", || {
        for capacity in [0, 1, 64] {
            let p = Pipeline::new(&Context::background(), capacity);
            let counts = p.counts();
            // Typed end to end: u32 in, String out; a type mismatch between stages does not compile.
            let numbers: Receiver<u32> = generate(&p, 1..=1000u32);
            let labels: Receiver<String> = process(&p, numbers, |n| format!("#{n}"));
            let got = collect(&p, labels);
            p.wait().unwrap();

            // A single chain delivers every value, in order (the blog's first property).
            let want: Vec<String> = (1..=1000).map(|n| format!("#{n}")).collect();
            assert_eq!(got, want, "capacity {capacity}");
            let rows = counts.snapshot();
            let flow: Vec<(&str, u64, u64)> = rows
                .iter()
                .map(|s| (s.name.as_str(), s.received, s.sent))
                .collect();
            assert_eq!(
                flow,
                [
                    ("generate", 0, 1000),
                    ("process", 1000, 1000),
                    ("sink", 1000, 0)
                ]
            );
            assert_eq!(counts.live_threads(), 0);
        }
    });
}

/// The sink stops short: when its function returns `Break` it returns at once, and dropping its
/// input lets the upstream stages finish even on an endless source (Go: the blog's "stopping short",
/// where a consumer that leaves early must not strand its senders).
#[test]
fn a_sink_that_breaks_stops_short_and_the_upstream_finishes() {
    watched(
        "a_sink_that_breaks_stops_short_and_the_upstream_finishes",
        || {
            let p = Pipeline::new(&Context::background(), 1);
            let counts = p.counts();
            let squares = process(&p, generate(&p, 1u64..), |n| n * n);
            let mut got = Vec::new();
            sink(&p, squares, |x| {
                // Kept bounded: a sink that ignored `Break` would call this forever.
                if got.len() < 3 {
                    got.push(x);
                }
                if got.len() == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            assert_eq!(got, [1, 4, 9]);
            within_bound("the upstream stages after the sink stopped", move || {
                p.wait()
            })
            .unwrap();
            let sink_received = counts
                .snapshot()
                .iter()
                .find(|s| s.name == "sink")
                .map(|s| s.received);
            assert_eq!(sink_received, Some(3));
            assert_eq!(counts.live_threads(), 0, "a stage thread leaked");
        },
    );
}

#[test]
fn fan_out_process_across_n_workers() {
    watched("fan_out_process_across_n_workers", || {
        // Nothing lost, nothing duplicated: the output is a permutation of the mapped input.
        let p = Pipeline::new(&Context::background(), 8);
        let counts = p.counts();
        let mut got = collect(&p, fan_out(&p, generate(&p, 0..10_000u64), 4, |n| n * 3));
        p.wait().unwrap();
        got.sort_unstable();
        assert_eq!(got, (0..10_000).map(|n| n * 3).collect::<Vec<_>>());
        let process = counts.get("process").unwrap();
        assert_eq!(
            (process.threads, process.received, process.sent),
            (4, 10_000, 10_000)
        );

        // All N workers really read the same input concurrently: the first 3 items each wait at a
        // 3-party barrier, which only opens if 3 different workers hold one of them at once.
        let workers = within_bound("3 workers meeting at a barrier", || {
            let p = Pipeline::new(&Context::background(), 0);
            let barrier = Arc::new(Barrier::new(3));
            let seen = Arc::new(Mutex::new(HashSet::new()));
            let (b, s) = (Arc::clone(&barrier), Arc::clone(&seen));
            let out = fan_out(&p, generate(&p, 0..3), 3, move |n: u32| {
                s.lock().unwrap().insert(thread::current().id());
                b.wait();
                n
            });
            assert_eq!(collect(&p, out).len(), 3);
            p.wait().unwrap();
            seen.lock().unwrap().len()
        });
        assert_eq!(workers, 3);

        // The order-preserving fan-out: uneven work per item, yet the output is in input order.
        let p = Pipeline::new(&Context::background(), 4);
        let out = fan_out_ordered(&p, generate(&p, 0..2000u64), 4, |n| {
            for _ in 0..n % 7 {
                thread::yield_now();
            }
            n
        });
        let got = collect(&p, out);
        p.wait().unwrap();
        assert_eq!(got, (0..2000).collect::<Vec<_>>());
    });
}

type Merge = fn(&Pipeline, Vec<Receiver<(usize, u32)>>) -> Receiver<(usize, u32)>;

/// The merged output closes after every input has closed, never before, and the merge tears down
/// on a cancel that finds its forwarders blocked.
#[test]
fn fan_in_merge_closes_after_every_input() {
    watched("fan_in_merge_closes_after_every_input", || {
        // (name, merge, threads left while one input is open: its forwarder, plus m1's closer)
        let merges: [(&str, Merge, usize); 2] = [
            ("m1_waitgroup", m1_waitgroup::merge, 2),
            ("m2_last_sender", m2_last_sender::merge, 1),
        ];
        for (name, merge, left) in merges {
            let p = Pipeline::new(&Context::background(), 4);
            let (senders, receivers): (Vec<_>, Vec<_>) = (0..3).map(|_| bounded(4)).unzip();
            let merged = merge(&p, receivers);
            let feeders: Vec<_> = senders
                .iter()
                .enumerate()
                .map(|(i, tx)| {
                    let tx = tx.clone();
                    thread::spawn(move || (0..100).for_each(|n| tx.send((i, n)).unwrap()))
                })
                .collect();
            let got: Vec<(usize, u32)> = (0..300)
                .map(|_| merged.recv_timeout(BOUND).unwrap())
                .collect();
            feeders.into_iter().for_each(|f| f.join().unwrap());

            // Every item once, and each input's own order kept.
            for i in 0..3 {
                let from_i: Vec<u32> = got
                    .iter()
                    .filter(|(j, _)| *j == i)
                    .map(|&(_, n)| n)
                    .collect();
                assert_eq!(from_i, (0..100).collect::<Vec<_>>(), "{name}: input {i}");
            }

            // Close inputs 0 and 1 and wait until their forwarders have exited: the output must still
            // be open (empty, not disconnected) because input 2 is.
            let mut senders = senders.into_iter();
            drop((senders.next(), senders.next()));
            await_condition("forwarders of closed inputs exit", || {
                p.live_threads() == left
            });
            assert_eq!(
                merged.try_recv(),
                Err(TryRecvError::Empty),
                "{name}: closed too early"
            );

            // Close the last input: now, and only now, the output closes.
            drop(senders);
            assert_eq!(
                merged.recv_timeout(BOUND),
                Err(RecvTimeoutError::Disconnected),
                "{name}"
            );
            within_bound("merge teardown", move || p.wait()).unwrap();

            // Zero inputs: closed at once.
            let p = Pipeline::new(&Context::background(), 4);
            assert_eq!(
                merge(&p, Vec::new()).recv_timeout(BOUND),
                Err(RecvTimeoutError::Disconnected),
                "{name}"
            );
            p.wait().unwrap();

            // Cancelled while its forwarders are blocked, one on a send to a rendezvous output that
            // nobody reads, one on an open and empty input: the merge still tears down, because each
            // forwarder selects on `done()` (Go: `select { case out <- n: case <-done: return }`).
            let p = Pipeline::new(&Context::background(), 0);
            let (full_tx, full) = bounded(1);
            full_tx.send((0, 0)).unwrap();
            let (open_tx, open) = bounded::<(usize, u32)>(1);
            let merged = merge(&p, vec![full, open]);
            await_condition("the forwarder of the full input takes its item", || {
                full_tx.is_empty()
            });
            p.cancel();
            let result = within_bound("merge teardown after cancel", move || p.wait());
            assert!(
                matches!(result, Err(PipelineError::Context(ContextError::Canceled))),
                "{name}: {result:?}"
            );
            drop((full_tx, open_tx, merged));
        }
    });
}

#[test]
fn cancellation_tears_down_every_stage() {
    watched("cancellation_tears_down_every_stage", || {
        // Every kind of stage, endless input, capacity 1, and a final receiver kept alive but never
        // read: stages block on full channels, so only cancellation can stop them.
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let p = Pipeline::new(&ctx, 1);
        let counts = p.counts();
        let alive = Arc::new(AtomicUsize::new(0));
        let a = Arc::clone(&alive);
        let tracked = process(&p, generate(&p, 0u64..), move |n| Tracked::new(n, &a));
        let fanned = fan_out(&p, tracked, 3, |t| t);
        let ordered = fan_out_ordered(&p, fanned, 2, |t| t);
        let left = process(&p, ordered.clone(), |t| t);
        let right = process(&p, ordered, |t| t);
        let merged = m1_waitgroup::merge(&p, vec![left, right]);
        let out = m2_last_sender::merge(&p, vec![merged]);
        let first: HashSet<u64> = (0..5)
            .map(|_| out.recv_timeout(BOUND).unwrap().value)
            .collect();
        assert_eq!(first.len(), 5, "fan-out duplicated an item");
        // generate, process, 3 fan-out workers, numbering, 2 workers, reorder, left, right,
        // m1's 2 forwarders and closer, m2's forwarder: all alive, none can finish on its own.
        assert_eq!(p.live_threads(), 15);

        cancel.cancel();
        let result = within_bound("teardown after cancel", move || p.wait());
        assert!(
            matches!(result, Err(PipelineError::Context(ContextError::Canceled))),
            "{result:?}"
        );
        assert_eq!(counts.live_threads(), 0);
        // Nothing panicked on a closed channel, and every item still buffered was dropped with its
        // channel once the last end went away (the test's `out` is the last one).
        drop(out);
        assert_eq!(alive.load(SeqCst), 0, "items leaked in channels");

        // A stage blocked on an *empty* input sees cancellation too.
        let p = Pipeline::new(&Context::background(), 1);
        let (held, input) = bounded::<u32>(1);
        let out = process(&p, input, |n| n);
        p.cancel();
        let result = within_bound("teardown of a stage waiting for input", move || p.wait());
        assert!(
            matches!(result, Err(PipelineError::Context(ContextError::Canceled))),
            "{result:?}"
        );
        drop((held, out));

        // A deadline ends an endless pipeline with DeadlineExceeded.
        let (ctx, _cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(20));
        let p = Pipeline::new(&ctx, 1);
        let out = fan_out(&p, generate(&p, 0u64..), 2, |n| n);
        let result = within_bound("teardown at the deadline", move || p.wait());
        assert!(
            matches!(
                result,
                Err(PipelineError::Context(ContextError::DeadlineExceeded))
            ),
            "{result:?}"
        );
        drop(out);

        // The first error from a stage cancels the rest and is the one returned; the sink (draining
        // the merged output) is stopped by that cancel too.
        let result = within_bound("teardown after a stage error", || {
            let p = Pipeline::new(&Context::background(), 1);
            let failing = try_process(&p, generate(&p, 0u64..), |n| {
                if n == 100 {
                    Err(format!("item {n} is bad"))
                } else {
                    Ok(n)
                }
            });
            let endless = generate(&p, 0u64..);
            collect(&p, m2_last_sender::merge(&p, vec![failing, endless]));
            p.wait()
        });
        match result {
            Err(PipelineError::Stage { stage, source }) => {
                assert_eq!(stage, "process");
                assert_eq!(source.to_string(), "item 100 is bad");
            }
            other => panic!("expected the stage error, got {other:?}"),
        }

        // A panicking stage is reported, and cancels the rest as well. The panic hook runs on the
        // panicking thread *before* it unwinds, and printing a backtrace (RUST_BACKTRACE=1) takes
        // seconds under ThreadSanitizer, so this expected panic is kept quiet.
        quiet_panics_containing("boom at");
        let result = within_bound("teardown after a panic", || {
            let p = Pipeline::new(&Context::background(), 1);
            let out = process(&p, generate(&p, 0u64..), |n| {
                if n == 3 { panic!("boom at {n}") } else { n }
            });
            let endless = generate(&p, 0u64..);
            collect(&p, m2_last_sender::merge(&p, vec![out, endless]));
            p.wait()
        });
        match result {
            Err(PipelineError::Panicked { stage, message }) => {
                assert_eq!((stage.as_str(), message.as_str()), ("process", "boom at 3"));
            }
            other => panic!("expected the panic, got {other:?}"),
        }
    });
}

/// The examples of <https://go.dev/blog/pipelines>, ported. `gen`, `sq` and `merge` keep the
/// blog's names and shapes; `&Pipeline` carries the blog's `done` channel (the context).
#[test]
fn go_blog_pipeline_examples_ported() {
    watched("go_blog_pipeline_examples_ported", || {
        // func gen(nums ...int) <-chan int
        fn r#gen(p: &Pipeline, nums: &[i64]) -> Receiver<i64> {
            generate(p, nums.to_vec())
        }
        // func sq(done <-chan struct{}, in <-chan int) <-chan int
        fn sq(p: &Pipeline, input: Receiver<i64>) -> Receiver<i64> {
            process(p, input, |n| n * n)
        }
        // func merge(done <-chan struct{}, cs ...<-chan int) <-chan int — the blog's own shape.
        let merge = m1_waitgroup::merge::<i64>;
        // The blog's channels are unbuffered: `make(chan int)`.
        let unbuffered = |ctx: &Context| Pipeline::new(ctx, 0);

        // "Squaring numbers": for n := range sq(sq(gen(2, 3))) { fmt.Println(n) } // 16 then 81
        let p = unbuffered(&Context::background());
        let out = sq(&p, sq(&p, r#gen(&p, &[2, 3])));
        assert_eq!(collect(&p, out), [16, 81]);
        p.wait().unwrap();

        // "Fan-out, fan-in": in := gen(2, 3); c1 := sq(in); c2 := sq(in); range merge(c1, c2) // 4, 9
        let p = unbuffered(&Context::background());
        let input = r#gen(&p, &[2, 3]);
        let (c1, c2) = (sq(&p, input.clone()), sq(&p, input));
        let mut got = collect(&p, merge(&p, vec![c1, c2]));
        got.sort_unstable();
        assert_eq!(got, [4, 9]);
        p.wait().unwrap();

        // "Stopping short": out := merge(c1, c2); fmt.Println(<-out) // 4 or 9 — then return.
        // In Go the other senders block forever; here the dropped receiver makes their sends fail.
        let p = unbuffered(&Context::background());
        let counts = p.counts();
        let input = r#gen(&p, &[2, 3]);
        let out = merge(&p, vec![sq(&p, input.clone()), sq(&p, input)]);
        let first = out.recv_timeout(BOUND).unwrap();
        assert!(first == 4 || first == 9, "{first}");
        drop(out);
        within_bound("stopping short", move || p.wait()).unwrap();
        assert_eq!(counts.live_threads(), 0, "a stage thread leaked");

        // "Explicit cancellation": done := make(chan struct{}); defer close(done) — read one value,
        // then cancel. The second value is stuck in an unbuffered send, so cancellation is what stops
        // its sender, and the pipeline reports it.
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let p = unbuffered(&ctx);
        let input = r#gen(&p, &[2, 3]);
        let out = merge(&p, vec![sq(&p, input.clone()), sq(&p, input)]);
        let first = out.recv_timeout(BOUND).unwrap();
        assert!(first == 4 || first == 9, "{first}");
        cancel.cancel();
        let result = within_bound("explicit cancellation", move || p.wait());
        assert!(
            matches!(result, Err(PipelineError::Context(ContextError::Canceled))),
            "{result:?}"
        );
        drop(out);

        // "Bounded parallelism": walkFiles → a fixed number of digesters → collect a map; an error
        // from the walk stops the digesters and is returned (MD5 of files becomes a hash of bytes).
        let files: Vec<(String, Vec<u8>)> = (0..50)
            .map(|i| (format!("dir/file{i}"), vec![i as u8; i]))
            .collect();
        let digest = |data: &[u8]| {
            let mut h = DefaultHasher::new();
            data.hash(&mut h);
            h.finish()
        };
        const NUM_DIGESTERS: usize = 20;
        let walk = |p: &Pipeline, files: Vec<(String, Vec<u8>)>, fail_at: Option<usize>| {
            let (out, paths) = p.channel();
            p.spawn("walkFiles", move |stage| {
                for (i, file) in files.into_iter().enumerate() {
                    if Some(i) == fail_at {
                        return Err(Stop::Failed(
                            format!("walk {}: permission denied", file.0).into(),
                        ));
                    }
                    stage.send(&out, file)?;
                }
                Ok(())
            });
            paths
        };
        let p = Pipeline::new(&Context::background(), 0);
        let sums = fan_out(
            &p,
            walk(&p, files.clone(), None),
            NUM_DIGESTERS,
            move |(path, data): (String, Vec<u8>)| {
                let sum = digest(&data);
                (path, sum)
            },
        );
        let got: BTreeMap<String, u64> = collect(&p, sums).into_iter().collect();
        p.wait().unwrap();
        let want: BTreeMap<String, u64> = files
            .iter()
            .map(|(path, data)| (path.clone(), digest(data)))
            .collect();
        assert_eq!(got, want);

        let p = Pipeline::new(&Context::background(), 0);
        let sums = fan_out(
            &p,
            walk(&p, files, Some(25)),
            NUM_DIGESTERS,
            move |(path, data): (String, Vec<u8>)| {
                let sum = digest(&data);
                (path, sum)
            },
        );
        let got = collect(&p, sums);
        assert!(
            got.len() <= 25,
            "no file after the failing one was digested"
        );
        match within_bound("bounded parallelism with a walk error", move || p.wait()) {
            Err(e @ PipelineError::Stage { .. }) => assert_eq!(
                e.to_string(),
                "stage `walkFiles` failed: walk dir/file25: permission denied"
            ),
            other => panic!("expected the walk error, got {other:?}"),
        }
    });
}

#[test]
fn pipeline_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Pipeline>();
    assert_send_sync::<day4_pipeline::Counts>();
    assert_send_sync::<PipelineError>();
}
