//! The day's measured tables as rows (see [`labkit::rows`]): the 90/10
//! maps, the counters and the stacks, each beside the same experiment in Go (`go/bench`). The
//! measure example writes them, `cargo xtask bench` renders them into the journal, and the tour
//! prints their grids with the Rust columns alone.

use crate::counter::{CounterConfig, CounterKind, CounterRow, GO_COUNTERS};
use crate::read_heavy::{GO_MAPS, ReadHeavyConfig, ReadHeavyRow};
use crate::stack::throughput::{GO_STACK, StackConfig, StackKind, StackRow};
use labkit::go::GoRows;
use labkit::rows::{Figure, Line, Ratio, Row, Rows, TableSpec, go_skipped, go_twin};

/// The maps' table.
pub const MAPS: &str = "maps";
/// The counters' table.
pub const COUNTERS: &str = "counters";
/// The stacks' table.
pub const STACKS: &str = "stacks";

/// A table of ops/s by threads.
fn spec(table: &str, title: &str, ratios: Vec<Ratio>) -> TableSpec {
    TableSpec::grid(table, title, "threads", Figure::Rate).with_ratios(ratios)
}

/// `rust` then, beside each, its Go twins `(case, series)` from `go` (or their skip).
fn beside_go(
    spec: TableSpec,
    rust: Vec<Row>,
    go: &GoRows,
    twins: &[(&str, &str)],
    case: impl Fn(&str, &Row) -> String,
) -> Rows {
    let table = spec.table.clone();
    let mut rows = Rows::default();
    rows.push(Line::Table(spec));
    let mut seen: Vec<(Option<String>, usize)> = Vec::new();
    let mut go_rows = Vec::new();
    for r in &rust {
        if seen.contains(&(r.group.clone(), r.threads)) {
            continue;
        }
        seen.push((r.group.clone(), r.threads));
        for &(c, series) in twins {
            go_rows.extend(go_twin(go, &case(c, r), series, r));
        }
    }
    rows.extend(rust).extend(go_rows);
    let series: Vec<&str> = twins.iter().map(|t| t.1).collect();
    if let Some(skip) = go_skipped(go, &table, &series) {
        rows.push(skip);
    }
    rows
}

/// The 90/10 table: ops/s of every map by key space and threads, Go's maps beside them, the
/// ratios `ConcurrentMap × RwLock<HashMap>`, `ConcurrentMap × Go sync.Map` and
/// `RwLock<HashMap> × Go map+RWMutex`.
///
/// # Panics
/// Panics if Go ran but printed no row, or one of another size, for a cell (it was not run with
/// [`ReadHeavyConfig::go_args`] of `cfg`).
pub fn maps(cfg: &ReadHeavyConfig, measured: &[ReadHeavyRow], go: &GoRows) -> Rows {
    const CONCURRENT: &str = "ConcurrentMap (this crate)";
    const RWLOCK: &str = "RwLock<HashMap>";
    let mut spec = spec(
        MAPS,
        &format!(
            "90 % reads / 10 % writes, u64 keys: ops/s ({} ops per thread, median of {})",
            cfg.ops_per_thread, cfg.runs
        ),
        vec![
            Ratio::new("ConcurrentMap × RwLock<HashMap>", CONCURRENT, RWLOCK),
            Ratio::new("ConcurrentMap × Go sync.Map", CONCURRENT, "Go sync.Map"),
            Ratio::new("RwLock<HashMap> × Go map+RWMutex", RWLOCK, "Go map+RWMutex"),
        ],
    );
    spec.group = Some("keys".to_owned());
    let rust = measured
        .iter()
        .map(|r| {
            Row::new(MAPS, r.map, r.threads, r.median.ops(), r.median.sample).in_group(&r.key_space)
        })
        .collect();
    let twins = GO_MAPS.map(|(case, heading)| (case, heading.trim_start_matches("Go ")));
    beside_go(spec, rust, go, &twins, |case, r| {
        format!("{case}/{}", r.group.as_deref().unwrap_or_default())
    })
}

/// The counters' table: increments/s of every [`CounterKind`] by threads, Go's two beside them,
/// the ratios `fetch_add × Mutex<i64>`, `fetch_add × Go atomic.AddInt64` and
/// `Mutex<i64> × Go sync.Mutex`.
///
/// # Panics
/// As [`maps`], with [`CounterConfig::go_args`].
pub fn counters(cfg: &CounterConfig, measured: &[CounterRow], go: &GoRows) -> Rows {
    let (atomic, mutex) = (CounterKind::Atomic.name(), CounterKind::Mutex.name());
    let spec = spec(
        COUNTERS,
        &format!(
            "Counting: increments/s ({} increments per thread, median of {})",
            cfg.per_thread, cfg.runs
        ),
        vec![
            Ratio::new("fetch_add × Mutex<i64>", atomic, mutex),
            Ratio::new(
                "fetch_add × Go atomic.AddInt64",
                atomic,
                "Go atomic.AddInt64",
            ),
            Ratio::new("Mutex<i64> × Go sync.Mutex", mutex, "Go sync.Mutex"),
        ],
    );
    let rust = measured
        .iter()
        .map(|r| Row::new(COUNTERS, r.kind.name(), r.threads, r.increments, r.median))
        .collect();
    let twins = GO_COUNTERS.map(|(case, heading)| (case, heading.trim_start_matches("Go ")));
    beside_go(spec, rust, go, &twins, |case, _| case.to_owned())
}

/// The stacks' table: push+pop rounds/s of every [`StackKind`] by threads, Go's Treiber stack
/// beside them, the ratios `Treiber × std Mutex<Vec>` and `Treiber × Go Treiber`.
///
/// # Panics
/// As [`maps`], with [`StackConfig::go_args`].
pub fn stacks(cfg: &StackConfig, measured: &[StackRow], go: &GoRows) -> Rows {
    let (treiber, mutex) = (StackKind::Treiber.name(), StackKind::StdMutexVec.name());
    let go_treiber = GO_STACK.1;
    let spec = spec(
        STACKS,
        &format!(
            "Stack: push+pop rounds/s ({} rounds per thread, median of {})",
            cfg.ops, cfg.runs
        ),
        vec![
            Ratio::new("Treiber × std Mutex<Vec>", treiber, mutex),
            Ratio::new("Treiber × Go Treiber", treiber, go_treiber),
        ],
    );
    let rust = measured
        .iter()
        .map(|r| Row::new(STACKS, r.kind.name(), r.threads, r.rounds, r.median))
        .collect();
    let twins = [(GO_STACK.0, go_treiber.trim_start_matches("Go "))];
    beside_go(spec, rust, go, &twins, |case, _| case.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counter::run_counters;
    use crate::read_heavy::run_read_heavy;
    use crate::stack::throughput::run_stacks;
    use labkit::go::SKIPPED;
    use labkit::rows::{CORES_BUSY_GO, CORES_BUSY_RUST};

    /// The cells of `rows`' one table (header first, the `---` line skipped).
    fn cells(rows: &Rows) -> Vec<Vec<String>> {
        let spec = rows.tables().next().expect("a table");
        rows.grid(spec)
            .lines()
            .filter(|line| !line.starts_with("|---"))
            .map(|line| {
                line.trim_matches('|')
                    .split(" | ")
                    .map(|c| c.trim().to_owned())
                    .collect()
            })
            .collect()
    }

    /// Checks a table beside Go: every row as wide as the header, and each `go_columns` cell a
    /// figure when Go ran, `SKIPPED` when it is not installed.
    fn check_beside_go(rows: &Rows, go: &GoRows, go_columns: &[&str], lines: usize) {
        let cells = cells(rows);
        let (header, body) = cells.split_first().expect("a header");
        assert_eq!(body.len(), lines, "{cells:?}");
        for column in go_columns {
            let i = header
                .iter()
                .position(|h| h == column)
                .unwrap_or_else(|| panic!("no column {column:?} in {header:?}"));
            for row in body {
                assert_eq!(row.len(), header.len(), "{row:?}");
                let cell = &row[i];
                match go.skipped() {
                    Some(_) => assert_eq!(cell, SKIPPED),
                    None => assert!(cell.starts_with(|c: char| c.is_ascii_digit()), "{cell}"),
                }
            }
        }
    }

    /// Checks a table with no Go asked for: exactly the `header` headings (no Go column), `lines`
    /// rows as wide as it, and no `SKIPPED` cell.
    fn check_without_go(rows: &Rows, header: &[&str], lines: usize) {
        let cells = cells(rows);
        let (head, body) = cells.split_first().expect("a header");
        assert_eq!(head, header, "{cells:?}");
        assert_eq!(body.len(), lines, "{cells:?}");
        for row in body {
            assert_eq!(row.len(), header.len(), "{row:?}");
            assert!(!row.iter().any(|cell| cell == SKIPPED), "{row:?}");
        }
    }

    fn small_maps() -> ReadHeavyConfig {
        ReadHeavyConfig {
            threads: vec![1, 2],
            key_spaces: vec![100],
            ops_per_thread: 2_000,
            runs: 1,
        }
    }

    /// The Go program runs the configuration's workload and its rows land in the table (or read
    /// `SKIPPED` where Go is not installed); Rust rows it has no row for panic.
    #[test]
    fn go_rows_fill_the_maps_table() {
        let cfg = small_maps();
        let measured = run_read_heavy(&cfg);
        let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), cfg.go_args());
        let rows = maps(&cfg, &measured, &go);
        let columns = [
            "Go sync.Map",
            "Go map+RWMutex",
            "ConcurrentMap × Go sync.Map",
            "RwLock<HashMap> × Go map+RWMutex",
            CORES_BUSY_GO,
        ];
        check_beside_go(&rows, &go, &columns, 2);
        assert!(cells(&rows)[0].starts_with(&["keys".to_owned(), "threads".to_owned()]));
        if go.skipped().is_none() {
            // Thread counts Go was not run with: no Go row to compare, which must not pass.
            let other: Vec<ReadHeavyRow> = measured
                .iter()
                .map(|r| ReadHeavyRow {
                    threads: r.threads + 10,
                    ..r.clone()
                })
                .collect();
            let missing = std::panic::catch_unwind(|| maps(&cfg, &other, &go));
            assert!(
                missing.is_err(),
                "a Go row is missing, yet the rows were made"
            );
        }
    }

    /// With no Go asked for (the tour), each table has the Rust columns alone.
    #[test]
    fn without_go_the_tables_have_the_rust_columns_alone() {
        let no_go = GoRows::default();
        let cfg = small_maps();
        let header = [
            "keys",
            "threads",
            "Mutex<HashMap>",
            "RwLock<HashMap>",
            "ConcurrentMap (this crate)",
            "dashmap",
            "papaya",
            "ConcurrentMap × RwLock<HashMap>",
            CORES_BUSY_RUST,
        ];
        check_without_go(&maps(&cfg, &run_read_heavy(&cfg), &no_go), &header, 2);
        let cfg = small_counters();
        let header = [
            "threads",
            "Mutex<i64>",
            "AtomicI64::fetch_add",
            "per-thread CachePadded<AtomicI64>",
            "per-thread AtomicI64, unpadded",
            "fetch_add × Mutex<i64>",
            CORES_BUSY_RUST,
        ];
        check_without_go(&counters(&cfg, &run_counters(&cfg), &no_go), &header, 2);
        let cfg = small_stacks();
        let header = [
            "threads",
            "std Mutex<Vec>",
            "parking_lot Mutex<Vec>",
            "Treiber (crossbeam-epoch)",
            "Treiber × std Mutex<Vec>",
            CORES_BUSY_RUST,
        ];
        check_without_go(&stacks(&cfg, &run_stacks(&cfg), &no_go), &header, 2);
    }

    fn small_counters() -> CounterConfig {
        CounterConfig {
            threads: vec![1, 2],
            per_thread: 2_000,
            runs: 1,
        }
    }

    fn small_stacks() -> StackConfig {
        StackConfig {
            threads: vec![1, 2],
            ops: 2_000,
            runs: 1,
        }
    }

    /// The Go program counts and pushes with the configurations' parameters and its rows land in
    /// the tables (or read `SKIPPED` where Go is not installed).
    #[test]
    fn go_rows_fill_the_counter_and_stack_tables() {
        let cfg = small_counters();
        let measured = run_counters(&cfg);
        assert_eq!(measured.len(), 2 * CounterKind::ALL.len());
        let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), cfg.go_args());
        let columns = [
            "Go sync.Mutex",
            "Go atomic.AddInt64",
            "fetch_add × Go atomic.AddInt64",
            "Mutex<i64> × Go sync.Mutex",
            CORES_BUSY_GO,
        ];
        check_beside_go(&counters(&cfg, &measured, &go), &go, &columns, 2);
        let cfg = small_stacks();
        let measured = run_stacks(&cfg);
        assert_eq!(measured.len(), 2 * StackKind::ALL.len());
        let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), cfg.go_args());
        let columns = [GO_STACK.1, "Treiber × Go Treiber", CORES_BUSY_GO];
        check_beside_go(&stacks(&cfg, &measured, &go), &go, &columns, 2);
    }
}
