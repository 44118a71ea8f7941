//! The pool's contract beyond the checklist: exactly-once under load, the panic path, drop joins,
//! cancellation from a parent context, and misuse that must fail loudly. Every test runs on both
//! steps of the pool ([`common::for_each_pool!`]): `pool::lesson::<test>`, `pool::fast::<test>`;
//! batched submit, which only the fast step has, is tested on its own at the end.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::thread;

use crossbeam_channel::unbounded;
use day2_context::Context;
use day3_worker_pool::{InOrder, JobPanicked, NotStarted, Outcome};

use common::{Concurrency, Gates, Rendezvous, for_each_pool, watched};

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

/// A panic payload whose own `Drop` panics: the panic escapes a job twice over.
struct PanickyPayload;

impl Drop for PanickyPayload {
    fn drop(&mut self) {
        panic!("the panic payload panicked on drop");
    }
}

for_each_pool! {
    @not_in_lesson("the lesson's worker dies of a panic payload whose own drop panics, and the job's \
                   outcome with it; the fast step catches that second panic too (drop_payload)") {
        /// The stop path (`finish`): the job whose payload panics on drop still gets its outcome, its
        /// worker survives to run later jobs, and `finish` returns normally after joining every worker.
        #[test]
        fn a_panic_payload_that_panics_on_drop_loses_no_job_and_finish_joins_every_worker() {
            watched("payload bomb, finish", || {
                let (mut pool, alive) = pool_panicking_with_a_panicky_payload_at(2, 0);
                pool.submit_all(0..8);
                let account = pool.finish();
                let indices: Vec<usize> = account.completed.iter().map(|o| o.index).collect();
                assert_eq!(
                    indices,
                    (0..8).collect::<Vec<_>>(),
                    "a job's outcome was lost"
                );
                assert_eq!(
                    account.completed[0].result,
                    Err(JobPanicked {
                        message: "<non-string panic payload>".into()
                    })
                );
                assert!(
                    account.completed[1..]
                        .iter()
                        .all(|o| o.result == Ok(o.index))
                );
                assert_eq!(
                    Arc::strong_count(&alive),
                    1,
                    "a worker thread outlived finish()"
                );
            });
        }

        /// The drop path: with one worker, the jobs after the bad one still run on that same worker, and
        /// dropping the pool joins it.
        #[test]
        fn a_panic_payload_that_panics_on_drop_keeps_the_only_worker_and_drop_joins_it() {
            watched("payload bomb, drop", || {
                let (mut pool, alive) = pool_panicking_with_a_panicky_payload_at(1, 1);
                pool.submit_all(0..4);
                pool.close();
                let outcomes: Vec<_> = InOrder::new(pool.results().iter()).collect();
                assert_eq!(outcomes.len(), 4, "the only worker died with the payload");
                assert!(outcomes.iter().all(|o| o.worker == 0));
                assert!(outcomes[1].result.is_err() && outcomes[3].result == Ok(3));
                drop(pool);
                assert_eq!(
                    Arc::strong_count(&alive),
                    1,
                    "a worker thread outlived the pool"
                );
            });
        }
    }

    #[test]
    fn public_types_cross_threads() {
        assert_send::<Pool<String, Vec<u8>>>();
        assert_send_sync::<Outcome<Vec<u8>>>();
        assert_send_sync::<JobPanicked>();
        assert_send_sync::<day3_worker_pool::WaitGroup>();
    }

    #[test]
    fn every_job_runs_exactly_once() {
        watched("every_job_runs_exactly_once", || {
            const JOBS: usize = 2_000;
            let runs: Arc<Vec<AtomicU8>> = Arc::new((0..JOBS).map(|_| AtomicU8::new(0)).collect());
            let mut pool = pool(&Context::background(), 4, {
                let runs = Arc::clone(&runs);
                move |_: &Context, job: usize| {
                    runs[job].fetch_add(1, SeqCst);
                    job
                }
            });
            pool.submit_all(0..JOBS);
            pool.close();
            let mut indices: Vec<usize> = pool.results().iter().map(|o| o.result.unwrap()).collect();
            indices.sort_unstable();
            assert_eq!(
                indices,
                (0..JOBS).collect::<Vec<_>>(),
                "each result exactly once"
            );
            assert!(
                runs.iter().all(|r| r.load(SeqCst) == 1),
                "each job ran exactly once"
            );
        });
    }

    #[test]
    fn peak_concurrency_equals_pool_size_for_several_sizes() {
        watched(
            "peak_concurrency_equals_pool_size_for_several_sizes",
            || {
                for n in [1, 2, 5] {
                    let concurrency = Arc::new(Concurrency::default());
                    let rendezvous = Arc::new(Rendezvous::new(n));
                    let mut pool = pool(&Context::background(), n, {
                        let (concurrency, rendezvous) =
                            (Arc::clone(&concurrency), Arc::clone(&rendezvous));
                        move |_: &Context, ()| {
                            let _running = concurrency.enter();
                            rendezvous.wait();
                        }
                    });
                    pool.submit_all(std::iter::repeat_n((), 3 * n));
                    let account = pool.finish();
                    assert_eq!(account.completed.len(), 3 * n);
                    assert_eq!(concurrency.peak(), n, "pool of {n}");
                }
            },
        );
    }

    /// One worker, four panicking jobs among twelve: every job still gets an outcome, so the single
    /// worker survived each panic (had one killed it, the results would end early), and the
    /// collector did not hang.
    #[test]
    fn panicking_job_becomes_a_failed_outcome_and_the_pool_survives() {
        watched(
            "panicking_job_becomes_a_failed_outcome_and_the_pool_survives",
            || {
                let mut pool = pool(&Context::background(), 1, |_: &Context, job: usize| {
                    if job.is_multiple_of(3) {
                        panic!("job {job} failed on purpose");
                    }
                    job
                });
                pool.submit_all(0..12);
                pool.close();
                let outcomes: Vec<_> = InOrder::new(pool.results().iter()).collect(); // ends: the panics did not hang it
                assert_eq!(outcomes.len(), 12, "the only worker died in a panic");
                for o in &outcomes {
                    assert_eq!(o.worker, 0);
                    if o.index.is_multiple_of(3) {
                        let message = format!("job {} failed on purpose", o.index);
                        assert_eq!(o.result, Err(JobPanicked { message }));
                    } else {
                        assert_eq!(o.result, Ok(o.index));
                    }
                }
                assert!(pool.finish().not_started.is_empty());
            },
        );
    }

    #[test]
    fn drop_joins_the_worker_threads_after_the_job_in_hand() {
        watched(
            "drop_joins_the_worker_threads_after_the_job_in_hand",
            || {
                let gates = Arc::new(Gates::default());
                let finished = Arc::new(AtomicBool::new(false));
                let alive = Arc::new(());
                let mut pool = pool(&Context::background(), 2, {
                    let (gates, finished, alive) = (
                        Arc::clone(&gates),
                        Arc::clone(&finished),
                        Arc::clone(&alive),
                    );
                    move |_: &Context, job: usize| {
                        let _keep = &alive; // the closure, and so this Arc, lives as long as a worker does
                        gates.hold(job);
                        finished.store(true, SeqCst);
                    }
                });
                pool.submit_all(0..5);
                assert_eq!(gates.next_started_set(2), [0, 1]); // two workers, jobs 0 and 1 in hand
                let pool_ctx = pool.context().clone();
                let (dropped_tx, dropped_rx) = unbounded();
                let dropper = thread::spawn(move || {
                    drop(pool);
                    dropped_tx.send(()).unwrap();
                });
                // Drop cancels first: wait for that, so the workers see it when their jobs finish.
                assert!(
                    pool_ctx.done().recv().is_err(),
                    "done() is disconnected, never sent on"
                );
                gates.open(2);
                dropped_rx.recv().unwrap();
                assert!(
                    finished.load(SeqCst),
                    "drop returned before the job in hand finished"
                );
                assert_eq!(
                    Arc::strong_count(&alive),
                    1,
                    "a worker thread outlived the pool"
                );
                assert!(
                    gates.started_so_far().is_empty(),
                    "drop started a queued job"
                );
                dropper.join().unwrap();
            },
        );
    }

    #[test]
    fn cancelling_the_parent_context_ends_results_and_hands_back_jobs() {
        watched(
            "cancelling_the_parent_context_ends_results_and_hands_back_jobs",
            || {
                let gates = Arc::new(Gates::default());
                let (parent, cancel) = Context::with_cancel(&Context::background());
                let mut pool = pool(&parent, 1, {
                    let gates = Arc::clone(&gates);
                    move |_: &Context, job: char| {
                        gates.hold(0);
                        job
                    }
                });
                pool.submit_all(['a', 'b', 'c']);
                gates.next_started();
                cancel.cancel();
                assert!(
                    pool.context().is_done(),
                    "the pool's context is a child of the parent"
                );
                gates.open(1);
                let received: Vec<_> = InOrder::new(pool.results().iter()).collect();
                assert_eq!(
                    received,
                    [Outcome {
                        index: 0,
                        worker: 0,
                        result: Ok('a')
                    }]
                );
                let account = pool.shutdown();
                assert!(account.completed.is_empty());
                assert_eq!(
                    account.not_started,
                    [
                        NotStarted { index: 1, job: 'b' },
                        NotStarted { index: 2, job: 'c' }
                    ]
                );
            },
        );
    }

    #[test]
    fn jobs_submitted_after_cancel_are_handed_back_unrun() {
        watched("jobs_submitted_after_cancel_are_handed_back_unrun", || {
            let ran = Arc::new(AtomicUsize::new(0));
            let mut pool = pool(&Context::background(), 3, {
                let ran = Arc::clone(&ran);
                move |_: &Context, job: u8| {
                    ran.fetch_add(1, SeqCst);
                    job
                }
            });
            pool.cancel();
            pool.submit_all(0..5);
            assert_eq!(
                pool.results().iter().count(),
                0,
                "results end without any job"
            );
            let account = pool.shutdown();
            assert_eq!(ran.load(SeqCst), 0);
            assert_eq!(
                account
                    .not_started
                    .iter()
                    .map(|n| (n.index, n.job))
                    .collect::<Vec<_>>(),
                [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]
            );
        });
    }

    /// Idle workers see the cancel: nothing is queued and the jobs channel stays open (the pool is not
    /// closed), so only the context can end them, and with them the results channel. A worker that
    /// waits on the jobs channel alone (Go: `for job := range jobs` without `ctx.Done()`) hangs here.
    #[test]
    fn cancelling_an_idle_pool_ends_its_results() {
        watched("cancelling_an_idle_pool_ends_its_results", || {
            let pool = pool(&Context::background(), 2, |_: &Context, job: u8| job);
            pool.cancel();
            assert_eq!(
                pool.results().iter().count(),
                0,
                "results end once the idle workers have seen the cancel"
            );
            let account = pool.shutdown();
            assert!(account.completed.is_empty() && account.not_started.is_empty());
        });
    }

    /// An empty queue means "wait", not "done": workers that find no job yet stay, so the results
    /// channel stays open for the jobs still to come. A worker that quits on an empty queue (Go: a
    /// `select` whose `default:` returns) leaves the channel disconnected as soon as both have started;
    /// the wait below is the time the workers get to do that, not a synchronization.
    #[test]
    fn workers_wait_on_an_empty_queue_instead_of_quitting() {
        watched("workers_wait_on_an_empty_queue_instead_of_quitting", || {
            let mut pool = pool(&Context::background(), 2, |_: &Context, job: u8| job);
            assert_eq!(
                pool.results()
                    .recv_timeout(std::time::Duration::from_millis(500)),
                Err(crossbeam_channel::RecvTimeoutError::Timeout),
                "the results channel ended although no job had been submitted yet"
            );
            pool.submit(7);
            assert_eq!(pool.results().recv().map(|o| o.result.ok()), Ok(Some(7)));
            pool.close();
            let account = pool.finish();
            assert!(account.not_started.is_empty());
        });
    }

    /// Cancels from inside a job at a different point each round (or by `shutdown`, whichever comes
    /// first); counts every job in and out.
    #[test]
    fn cancel_mid_run_accounts_for_every_job_in_many_interleavings() {
        watched(
            "cancel_mid_run_accounts_for_every_job_in_many_interleavings",
            || {
                const JOBS: usize = 200;
                for round in 0..20 {
                    let cancel_at = round * 9;
                    let (parent, cancel) = Context::with_cancel(&Context::background());
                    let runs: Arc<Vec<AtomicU8>> =
                        Arc::new((0..JOBS).map(|_| AtomicU8::new(0)).collect());
                    let mut pool = pool(&parent, 3, {
                        let runs = Arc::clone(&runs);
                        move |_: &Context, job: usize| {
                            runs[job].fetch_add(1, SeqCst);
                            if job == cancel_at {
                                cancel.cancel();
                            }
                            job
                        }
                    });
                    pool.submit_all(0..JOBS);
                    let mut received: Vec<_> = pool.results().iter().take(round).collect();
                    let account = pool.shutdown();
                    received.extend(account.completed);
                    let ran: BTreeSet<usize> = received.iter().map(|o| o.index).collect();
                    assert_eq!(
                        ran.len(),
                        received.len(),
                        "round {round}: an outcome reported twice"
                    );
                    let unstarted: BTreeSet<usize> =
                        account.not_started.iter().map(|n| n.index).collect();
                    assert_eq!(
                        unstarted.len(),
                        account.not_started.len(),
                        "round {round}: a job handed back twice"
                    );
                    assert!(
                        ran.is_disjoint(&unstarted),
                        "round {round}: a job both ran and came back"
                    );
                    assert_eq!(
                        ran.union(&unstarted).count(),
                        JOBS,
                        "round {round}: a job was lost"
                    );
                    for (i, r) in runs.iter().enumerate() {
                        assert_eq!(
                            usize::from(r.load(SeqCst)),
                            usize::from(ran.contains(&i)),
                            "round {round}, job {i}"
                        );
                    }
                }
            },
        );
    }

    /// A cancel that happened before a worker looks for its next job wins over a job waiting in the
    /// queue: once the job in hand is done, no other starts. Go's `select` picks at random among
    /// ready cases, and so does `select!`: a worker written that way starts one about half of the
    /// time. Round `r` holds job `r` in hand, so the worker has looked for a job `r` times before
    /// (`select!` draws from a per-thread generator that each new worker starts from the same
    /// seed: the rounds put the deciding draw at a different place in its sequence).
    #[test]
    fn no_job_starts_after_the_cancel_in_many_rounds() {
        watched("no_job_starts_after_the_cancel_in_many_rounds", || {
            for round in 0..32 {
                let gates = Arc::new(Gates::default());
                let started = Arc::new(AtomicUsize::new(0));
                let mut pool = pool(&Context::background(), 1, {
                    let (gates, started) = (Arc::clone(&gates), Arc::clone(&started));
                    move |_: &Context, job: usize| {
                        started.fetch_add(1, SeqCst);
                        if job == round {
                            gates.hold(job);
                        }
                        job
                    }
                });
                pool.submit_all(0..round + 4);
                assert_eq!(gates.next_started(), round);
                pool.cancel();
                gates.open(1); // the job in hand may finish now, after the cancel
                let account = pool.shutdown();
                assert_eq!(
                    started.load(SeqCst),
                    round + 1,
                    "round {round}: a job started after the cancel"
                );
                let unstarted: Vec<usize> = account.not_started.iter().map(|n| n.index).collect();
                assert_eq!(unstarted, [1, 2, 3].map(|k| round + k), "round {round}");
            }
        });
    }

    /// `finish` with more results than the results channel holds and nobody reading: the worker
    /// blocks on a full `results` until `finish` reads it. `finish` does not cancel, so only reading
    /// the results while the workers run lets them end; a stop that joins the workers first and
    /// reads their results after (Go's `wg.Wait()` before `range results`) waits forever here.
    #[test]
    fn finish_reads_the_results_while_workers_still_send() {
        watched("finish_reads_the_results_while_workers_still_send", || {
            const CAPACITY: usize = 2;
            let mut pool =
                small_pool(&Context::background(), 1, CAPACITY, |_: &Context, job: usize| job);
            pool.submit_all(0..2 * CAPACITY); // the worker ends up blocked on result 2
            let account = pool.finish();
            assert_eq!(
                account.completed.iter().map(|o| o.index).collect::<Vec<_>>(),
                (0..2 * CAPACITY).collect::<Vec<_>>(),
                "finish must return every result, read while the workers were still sending"
            );
            assert!(account.not_started.is_empty(), "finish ran every queued job");
        });
    }

    /// Jobs come back from two places: queued before the cancel (no worker took them) and refused
    /// by `submit` after it. The account hands back both, each exactly once and in index order,
    /// although the refused ones (the higher indices) were set aside first.
    #[test]
    fn not_started_jobs_come_back_in_index_order_refused_and_queued_alike() {
        watched(
            "not_started_jobs_come_back_in_index_order_refused_and_queued_alike",
            || {
                let gates = Arc::new(Gates::default());
                let mut pool = pool(&Context::background(), 1, {
                    let gates = Arc::clone(&gates);
                    move |_: &Context, job: usize| {
                        gates.hold(job);
                        job
                    }
                });
                pool.submit_all(0..3); // 0 in hand, 1 and 2 queued
                assert_eq!(gates.next_started(), 0);
                pool.cancel();
                pool.submit_all(3..5); // refused: submitted after the cancel
                gates.open(1);
                let account = pool.shutdown();
                assert_eq!(
                    account.completed.iter().map(|o| o.index).collect::<Vec<_>>(),
                    [0],
                    "the job in hand finished and was reported"
                );
                assert_eq!(
                    account.not_started.iter().map(|n| n.index).collect::<Vec<_>>(),
                    [1, 2, 3, 4],
                    "expected the queued jobs (1, 2) and the refused ones (3, 4), each once, in index \
                     order: a job missing is usually one refused after the cancel and forgotten; out \
                     of order, the two lists were joined without sorting"
                );
            },
        );
    }

    #[test]
    #[should_panic(expected = "closed by Pool::close")]
    fn submit_after_close_panics_like_a_send_on_a_closed_channel() {
        watched(
            "submit_after_close_panics_like_a_send_on_a_closed_channel",
            || {
                let mut pool = pool(&Context::background(), 1, |_: &Context, (): ()| ());
                pool.close();
                pool.submit(());
            },
        );
    }

    #[test]
    #[should_panic(expected = "size must be at least 1 worker, got 0")]
    fn a_pool_of_zero_workers_is_refused() {
        watched("a_pool_of_zero_workers_is_refused", || {
            let _ = pool(&Context::background(), 0, |_: &Context, (): ()| ());
        });
    }

    /// The one panic a worker thread itself can raise: dropping the work function (on the last worker
    /// to exit). `shutdown` re-raises it, and only after joining every worker.
    #[test]
    fn a_work_function_whose_drop_panics_is_re_raised_by_shutdown_after_joining() {
        watched("work function drop bomb", || {
            let alive = Arc::new(());
            let bomb = PanickyPayload;
            let mut pool = pool(&Context::background(), 3, {
                let alive = Arc::clone(&alive);
                move |_: &Context, job: u8| {
                    let (_keep, _bomb) = (&alive, &bomb);
                    job
                }
            });
            pool.submit_all(0..6);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool.shutdown()));
            let payload = outcome.expect_err("the work function's panic on drop was swallowed");
            assert_eq!(
                JobPanicked::from_payload(&*payload).message,
                "the panic payload panicked on drop"
            );
            assert_eq!(
                Arc::strong_count(&alive),
                1,
                "a worker thread outlived shutdown()"
            );
        });
    }

    /// A pool of `workers` whose job `bad` panics with a [`PanickyPayload`] and every other job
    /// returns its input; the `Arc`'s count drops back to 1 once no worker holds the work function.
    fn pool_panicking_with_a_panicky_payload_at(
        workers: usize,
        bad: usize,
    ) -> (Pool<usize, usize>, Arc<()>) {
        let alive = Arc::new(());
        let pool = pool(&Context::background(), workers, {
            let alive = Arc::clone(&alive);
            move |_: &Context, job: usize| {
                let _keep = &alive;
                if job == bad {
                    std::panic::panic_any(PanickyPayload);
                }
                job
            }
        });
        (pool, alive)
    }
}

/// Batched submit is the fast step's alone (`src/batch.rs`).
mod batched {
    use super::*;
    use day3_worker_pool::Pool;

    #[test]
    fn batched_submit_keeps_item_order_within_and_across_chunks() {
        watched(
            "batched_submit_keeps_item_order_within_and_across_chunks",
            || {
                let mut pool =
                    Pool::batched(&Context::background(), 3, |_: &Context, x: u32| x + 1);
                let chunks = pool.submit_chunks(0..100, 7);
                assert_eq!(chunks, 0..15, "100 items in chunks of 7");
                pool.close();
                let items: Vec<u32> = pool
                    .results_in_order()
                    .flat_map(|o| o.result.unwrap())
                    .collect();
                assert_eq!(items, (1..=100).collect::<Vec<_>>());
            },
        );
    }

    #[test]
    #[should_panic(expected = "chunk_len must be at least 1, got 0")]
    fn a_chunk_of_zero_items_is_refused() {
        watched("a_chunk_of_zero_items_is_refused", || {
            let mut pool = Pool::batched(&Context::background(), 1, |_: &Context, (): ()| ());
            pool.submit_chunks([()], 0);
        });
    }
}
