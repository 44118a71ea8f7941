//! Wednesday's checklist, one test per item (names as in `journal/checklist.md`). The items about
//! the pool run on both of its steps, the lesson and the fast pool ([`common::for_each_pool!`]):
//! `checklist::lesson::<item>` and `checklist::fast::<item>`.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;
#[cfg(feature = "contenders")]
use std::time::Duration;

use crossbeam_channel::{Select, TryRecvError, bounded, unbounded};
use day2_context::Context;
#[cfg(feature = "contenders")]
use day3_worker_pool::demo::{collect_in_order, sleep_durations, sleeping_job};
use day3_worker_pool::results_close::{r1_last_sender, r2_wait_group};
#[cfg(feature = "contenders")]
use day3_worker_pool::throughput::{self, Config};
use day3_worker_pool::{NotStarted, Outcome};
#[cfg(feature = "contenders")]
use labkit::go::GoRows;

use common::{Concurrency, Gates, PATIENCE, Rendezvous, for_each_pool, watched};

/// Results close after — not before — the last worker finishes, both ways: the last `Sender`
/// dropped, and the WaitGroup with a closer thread. One job is held in hand to make "the last
/// worker" observable without timing.
#[test]
fn results_close_after_all_workers_finish() {
    watched("results_close_after_all_workers_finish", || {
        type Spawn = fn(
            &crossbeam_channel::Receiver<usize>,
            usize,
            Arc<dyn Fn(usize) -> usize + Send + Sync>,
        ) -> (
            crossbeam_channel::Receiver<usize>,
            Vec<thread::JoinHandle<()>>,
        );
        let ways: [(&str, Spawn); 2] = [
            ("last Sender dropped", |jobs, n, work| {
                r1_last_sender::spawn_workers(jobs, n, move |j| work(j))
            }),
            ("WaitGroup + closer", |jobs, n, work| {
                r2_wait_group::spawn_workers(jobs, n, move |j| work(j))
            }),
        ];
        for (way, spawn) in ways {
            const N: usize = 3;
            let gates = Arc::new(Gates::default());
            let (jobs_tx, jobs_rx) = unbounded();
            let work: Arc<dyn Fn(usize) -> usize + Send + Sync> = {
                let gates = Arc::clone(&gates);
                Arc::new(move |job| {
                    gates.hold(job);
                    job
                })
            };
            let (results, handles) = spawn(&jobs_rx, N, work);
            drop(jobs_rx);
            for job in 0..N {
                jobs_tx.send(job).unwrap();
            }
            drop(jobs_tx); // Go: close(jobs)
            for _ in 0..N {
                gates.next_started();
            }
            gates.open(N - 1);
            let mut got: Vec<usize> = (0..N - 1).map(|_| results.recv().unwrap()).collect();
            // One worker still holds its job: the channel must still be open.
            assert_eq!(
                results.try_recv(),
                Err(TryRecvError::Empty),
                "{way}: closed while a worker still ran"
            );
            gates.open(1);
            got.push(results.recv().unwrap());
            // The last worker is done: the channel closes (recv returns instead of hanging).
            assert!(
                results.recv().is_err(),
                "{way}: results not closed after the last worker"
            );
            got.sort_unstable();
            assert_eq!(got, (0..N).collect::<Vec<_>>(), "{way}");
            for h in handles {
                h.join().unwrap();
            }
        }
    });
}

/// More jobs than workers, both ways: every job is run and its result arrives before `results`
/// closes. A worker that takes one job and exits (Go's `job := <-jobs` without the `for`) leaves
/// the rest unrun, and `results` closes after as many results as there are workers.
#[test]
fn results_close_after_every_job_with_more_jobs_than_workers() {
    watched(
        "results_close_after_every_job_with_more_jobs_than_workers",
        || {
            const WORKERS: usize = 2;
            const JOBS: usize = 5 * WORKERS;
            for way in ["last Sender dropped", "WaitGroup + closer"] {
                let (jobs_tx, jobs_rx) = unbounded();
                for job in 0..JOBS {
                    jobs_tx.send(job).unwrap();
                }
                drop(jobs_tx); // Go: close(jobs)
                let double = |j: usize| 2 * j;
                let (results, handles) = match way {
                    "last Sender dropped" => {
                        r1_last_sender::spawn_workers(&jobs_rx, WORKERS, double)
                    }
                    _ => r2_wait_group::spawn_workers(&jobs_rx, WORKERS, double),
                };
                drop(jobs_rx);
                let mut got: Vec<usize> = results.iter().collect(); // ends when results close
                got.sort_unstable();
                assert_eq!(
                    got,
                    (0..JOBS).map(double).collect::<Vec<_>>(),
                    "{way}: {JOBS} jobs on {WORKERS} workers: expected every job's result before \
                 `results` closed; fewer usually means a worker stopped after its first job \
                 instead of looping until `jobs` is closed and drained"
                );
                for h in handles {
                    h.join().unwrap();
                }
            }
        },
    );
}

for_each_pool! {
    /// N workers, one shared jobs channel: jobs rendezvous in groups of N, so the pool must run N at
    /// once, and the peak never exceeds N because only N threads read the channel.
    #[test]
    fn fixed_size_pool_reads_one_shared_jobs_channel() {
        watched("fixed_size_pool_reads_one_shared_jobs_channel", || {
            const N: usize = 3;
            let concurrency = Arc::new(Concurrency::default());
            let rendezvous = Arc::new(Rendezvous::new(N));
            let mut pool = pool(&Context::background(), N, {
                let (concurrency, rendezvous) = (Arc::clone(&concurrency), Arc::clone(&rendezvous));
                move |_: &Context, job: usize| {
                    let _running = concurrency.enter();
                    rendezvous.wait(); // blocks until N jobs are running at once
                    (job, thread::current().name().map(str::to_owned))
                }
            });
            pool.submit_all(0..4 * N);
            pool.close();
            let outcomes: Vec<_> = pool.results().iter().collect();

            assert_eq!(concurrency.peak(), N, "peak of concurrently running jobs");
            assert_eq!(outcomes.len(), 4 * N);
            let workers: BTreeSet<usize> = outcomes.iter().map(|o| o.worker).collect();
            assert_eq!(
                workers,
                (0..N).collect(),
                "every worker took jobs from the one channel"
            );
            for o in &outcomes {
                let (job, name) = o.result.as_ref().unwrap();
                assert_eq!(*job, o.index);
                assert_eq!(
                    name.as_deref(),
                    Some(format!("pool-worker-{}", o.worker).as_str())
                );
            }
        });
    }

    /// Every job's result arrives on the results channel, tagged with its index and worker.
    #[test]
    fn each_worker_sends_results_on_the_results_channel() {
        watched("each_worker_sends_results_on_the_results_channel", || {
            let mut pool = pool(&Context::background(), 4, |_: &Context, x: u64| x * x);
            let indices = pool.submit_all((0..20).map(|i| i + 100));
            assert_eq!(indices, 0..20);
            pool.close();
            let mut seen = BTreeSet::new();
            for outcome in pool.results() {
                assert!(outcome.worker < 4);
                let x = outcome.index as u64 + 100;
                assert_eq!(outcome.result, Ok(x * x));
                assert!(
                    seen.insert(outcome.index),
                    "index {} reported twice",
                    outcome.index
                );
            }
            assert_eq!(seen, (0..20).collect());
        });
    }
    /// 100 jobs sleeping 1–5 ms (seeded) finish out of order and are released in job order as soon as
    /// the prefix is complete — not after the last job. (The seeded jobs are the `contenders` feature's.)
    #[cfg(feature = "contenders")]
    #[test]
    fn hundred_sleeping_jobs_collected_in_order() {
        watched("hundred_sleeping_jobs_collected_in_order", || {
            let durations =
                sleep_durations(42, 100, Duration::from_millis(1)..Duration::from_millis(5));
            assert_eq!(
                durations,
                sleep_durations(42, 100, Duration::from_millis(1)..Duration::from_millis(5)),
                "seeded"
            );
            assert_ne!(
                durations,
                sleep_durations(43, 100, Duration::from_millis(1)..Duration::from_millis(5))
            );

            let mut pool = pool(&Context::background(), 8, sleeping_job);
            pool.submit_all(durations.iter().copied());
            pool.close();
            let (arrivals, in_order) = collect_in_order(pool.results());

            let indices: Vec<usize> = in_order.iter().map(|o| o.index).collect();
            assert_eq!(indices, (0..100).collect::<Vec<_>>());
            for o in &in_order {
                assert_eq!(
                    o.result,
                    Ok(durations[o.index]),
                    "job {} slept its own duration",
                    o.index
                );
            }
            // Released as they arrive: after each arrival, everything below the lowest missing index has
            // been released, and nothing else.
            let mut arrived = BTreeSet::new();
            let mut released_up_to = 0;
            for a in &arrivals {
                assert!(arrived.insert(a.index));
                let lowest_missing = (0..=100).find(|i| !arrived.contains(i)).unwrap();
                assert_eq!(a.released.start, released_up_to);
                assert_eq!(a.released.end, lowest_missing, "arrival of job {}", a.index);
                released_up_to = a.released.end;
            }
            assert_eq!(released_up_to, 100);
        });
    }
    /// Cancel with two jobs in hand: they finish with results, no other job starts, the rest come back
    /// unrun with their indices, and nothing runs after `shutdown` returns.
    #[test]
    fn graceful_shutdown_drains_in_flight_jobs() {
        watched("graceful_shutdown_drains_in_flight_jobs", || {
            let gates = Arc::new(Gates::default());
            let concurrency = Arc::new(Concurrency::default());
            let (parent, cancel) = Context::with_cancel(&Context::background());
            let mut pool = pool(&parent, 2, {
                let (gates, concurrency) = (Arc::clone(&gates), Arc::clone(&concurrency));
                move |_: &Context, job: usize| {
                    let _running = concurrency.enter();
                    gates.hold(job);
                    job * 10
                }
            });
            pool.submit_all(0..10);
            assert_eq!(gates.next_started_set(2), [0, 1]);

            cancel.cancel(); // Go: cancel() on the parent context
            gates.open(2); // the jobs in hand may now finish
            let received: Vec<_> = pool.results().iter().collect(); // ends: workers stop after cancel
            let account = pool.shutdown();

            assert_eq!(
                concurrency.running(),
                0,
                "a job still ran after shutdown returned"
            );
            assert_eq!(
                gates.started_so_far(),
                Vec::<usize>::new(),
                "a job started after the cancel"
            );
            let mut completed: Vec<_> = received.into_iter().chain(account.completed).collect();
            completed.sort_unstable_by_key(|o| o.index);
            assert_eq!(
                completed
                    .iter()
                    .map(|o| (o.index, o.result.clone()))
                    .collect::<Vec<_>>(),
                [(0, Ok(0)), (1, Ok(10))]
            );
            assert_eq!(
                account.not_started,
                (2..10)
                    .map(|i| NotStarted { index: i, job: i })
                    .collect::<Vec<_>>()
            );
        });
    }
    /// Cancel while a worker is blocked sending a result nobody reads (a rendezvous results channel):
    /// the worker must not stay stuck there. It returns, and shutdown still hands back the result of
    /// the job it had run. (The fast step's results channel is unbounded, so its worker never blocks
    /// there; on it this checks that a cancel ends a worker whose result nobody read.)
    #[test]
    fn graceful_shutdown_frees_a_worker_blocked_on_a_full_results_channel() {
        watched("graceful_shutdown_frees_a_worker_blocked_on_a_full_results_channel", || {
            // The work function holds `gone`, never sent on: it is disconnected once the worker that
            // owns the function's last reference has exited.
            let (gone_tx, gone) = bounded::<()>(0);
            let (started_tx, started) = unbounded();
            let mut pool = rendezvous_pool(&Context::background(), 1, move |_: &Context, job: u32| {
                let _gone = &gone_tx;
                started_tx.send(job).unwrap();
                job * 2
            });
            pool.submit(21);
            assert_eq!(started.recv_timeout(PATIENCE), Ok(21));
            // Wait until the result is offered: on the rendezvous channel, until the worker is
            // blocked sending it (a receive would now succeed; `ready` does not perform it). Only
            // then cancel, so the cancel comes while the send waits, never before it.
            let mut offered = Select::new();
            offered.recv(pool.results());
            assert!(
                offered.ready_timeout(PATIENCE).is_ok(),
                "the worker ran the job but never offered its result on `results`"
            );
            pool.cancel();
            assert_eq!(
                gone.recv_timeout(PATIENCE),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected),
                "after the cancel the worker stayed blocked sending a result nobody reads: a send \
                 that must end on a cancel has to be selected against `ctx.done()` (a look at \
                 done() before a plain send misses a cancel that comes while it waits)"
            );
            let account = pool.shutdown();
            assert_eq!(
                account.completed,
                [Outcome { index: 0, worker: 0, result: Ok(42) }],
                "the result of the job the worker had run was lost"
            );
            assert!(account.not_started.is_empty());
        });
    }
}

/// The throughput tables, as the tour prints them: one per job kind, a column for every executor
/// that runs that kind, a row for each pool size 1, 2, 4, 8 with a figure in every cell; and every
/// run completed all its jobs. (Speed is a benchmark's business, not a test's: no figure is
/// asserted.)
#[cfg(feature = "contenders")]
#[test]
fn throughput_table_for_pool_sizes_1_2_4_8() {
    watched("throughput_table_for_pool_sizes_1_2_4_8", || {
        let config = Config {
            sizes: vec![1, 2, 4, 8],
            io_jobs: 16,
            io_sleep: Duration::from_millis(1),
            cpu_jobs: 16,
            cpu_job: Duration::from_micros(200),
            runs: 1,
        };
        let calibration = throughput::calibrate(&config);
        let mut steps = 0;
        let rows = throughput::measure_table(&config, &calibration, |_| steps += 1);
        assert_eq!(rows.len(), config.cell_count());
        assert_eq!(steps, rows.len());
        for r in &rows {
            assert_eq!(r.completed, r.jobs, "{r:?}");
            assert!(
                r.per_second().is_finite() && r.per_second() > 0.0 && r.ideal > 0.0,
                "{r:?}"
            );
        }

        // No Go asked for (the tour's table): the Rust columns only.
        let measured = throughput::by_pool_size(&rows, &GoRows::default());
        let text = measured.grid(measured.tables().next().expect("the table"));
        let mut lines = text.lines();
        let header = concat!(
            "| jobs | workers | ideal jobs/s | day3 Pool | rayon ThreadPool | tokio spawn_blocking | ",
            "tokio async + Semaphore(n) | cores busy, Rust (least) |"
        );
        assert_eq!(lines.next(), Some(header), "{text}");
        let columns = header.matches(" | ").count() + 1;
        lines.next(); // the |---:| line
        let mut keys = Vec::new();
        for line in lines {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), columns, "{line}");
            // Spinning jobs have no async row: its cell is a dash.
            for cell in &cells[1..] {
                assert!(
                    cell.starts_with(|c: char| c.is_ascii_digit()) || *cell == "—",
                    "a cell without a figure in {line}"
                );
            }
            keys.push((cells[0], cells[1]));
        }
        let want: Vec<(&str, &str)> = ["Sleeping jobs (I/O-bound)", "Spinning jobs (CPU-bound)"]
            .into_iter()
            .flat_map(|jobs| ["1", "2", "4", "8"].map(|n| (jobs, n)))
            .collect();
        assert_eq!(keys, want, "one line per job kind and pool size");
    });
}
