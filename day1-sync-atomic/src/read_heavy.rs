//! The 90 % read / 10 % write benchmark: `sync.Map` vs `map` + `sync.RWMutex`, in Rust.
//!
//! Five contenders implement [`ReadHeavyMap`]: `Mutex<HashMap>`, `RwLock<HashMap>`, this day's
//! [`ConcurrentMap`], `dashmap::DashMap` and `papaya::HashMap`, all with `u64` keys and values and
//! std's `RandomState` hasher, so the hash function is the same everywhere and only the
//! concurrency design differs.
//!
//! The workload: every key of the key space is stored first, so every read hits; then each
//! thread replays its own precomputed stream of operations (90 % `load`, 10 % `store` of an
//! existing key, keys uniform), so random-number generation is not measured and the map's size
//! stays constant. Workers warm up on their stream inside their own thread, then start together
//! on a barrier ([`parallel`]).
//!
//! The same workload in Go (`go/bench`: `sync.Map` and `map[uint64]uint64` + `sync.RWMutex`,
//! the same key spaces, op mix and per-goroutine precomputed streams) runs beside it in the
//! measure example, and [`read_heavy_table`] puts both in one table; the tour, which does not run
//! Go, prints the same table with the Rust columns alone. The helpers at the end of this module
//! build the day's other tables the same way (counters, stacks).

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Mutex, PoisonError, RwLock};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::map::ConcurrentMap;
use labkit::go::GoRows;
use labkit::{Sample, Table, least_busy_cell, median, parallel, rate_cell, ratio_cell, si};

/// A map the 90/10 benchmark can drive.
pub trait ReadHeavyMap: Sync {
    /// The name shown in tables and bench ids.
    const NAME: &'static str;
    /// A map holding every key in `0..key_space` (value = key).
    fn prefilled(key_space: u64) -> Self;
    /// Looks `key` up.
    fn read(&self, key: u64) -> Option<u64>;
    /// Stores `value` under `key`.
    fn write(&self, key: u64, value: u64);
}

impl ReadHeavyMap for Mutex<HashMap<u64, u64>> {
    const NAME: &'static str = "Mutex<HashMap>";
    fn prefilled(key_space: u64) -> Self {
        Mutex::new((0..key_space).map(|k| (k, k)).collect())
    }
    fn read(&self, key: u64) -> Option<u64> {
        self.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .copied()
    }
    fn write(&self, key: u64, value: u64) {
        self.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, value);
    }
}

impl ReadHeavyMap for RwLock<HashMap<u64, u64>> {
    const NAME: &'static str = "RwLock<HashMap>";
    fn prefilled(key_space: u64) -> Self {
        RwLock::new((0..key_space).map(|k| (k, k)).collect())
    }
    fn read(&self, key: u64) -> Option<u64> {
        self.read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .copied()
    }
    fn write(&self, key: u64, value: u64) {
        self.write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, value);
    }
}

impl ReadHeavyMap for ConcurrentMap<u64, u64> {
    const NAME: &'static str = "ConcurrentMap (this crate)";
    fn prefilled(key_space: u64) -> Self {
        let m = ConcurrentMap::new();
        for k in 0..key_space {
            m.store(k, k);
        }
        m
    }
    fn read(&self, key: u64) -> Option<u64> {
        self.load(&key)
    }
    fn write(&self, key: u64, value: u64) {
        self.store(key, value);
    }
}

impl ReadHeavyMap for dashmap::DashMap<u64, u64> {
    const NAME: &'static str = "dashmap";
    fn prefilled(key_space: u64) -> Self {
        (0..key_space).map(|k| (k, k)).collect()
    }
    fn read(&self, key: u64) -> Option<u64> {
        self.get(&key).map(|v| *v)
    }
    fn write(&self, key: u64, value: u64) {
        self.insert(key, value);
    }
}

impl ReadHeavyMap for papaya::HashMap<u64, u64> {
    const NAME: &'static str = "papaya";
    fn prefilled(key_space: u64) -> Self {
        let m = papaya::HashMap::new();
        {
            let pinned = m.pin();
            for k in 0..key_space {
                pinned.insert(k, k);
            }
        }
        m
    }
    fn read(&self, key: u64) -> Option<u64> {
        // One pin per operation, as a request handler would do.
        self.pin().get(&key).copied()
    }
    fn write(&self, key: u64, value: u64) {
        self.pin().insert(key, value);
    }
}

/// Marks a stream entry as a write; the low bits hold the key.
const WRITE: u64 = 1 << 63;

/// Entries per precomputed stream: well above the largest key space, so a thread's stream
/// touches (almost) all of it.
const STREAM_LEN: usize = 1 << 18;

/// One thread's operation stream: keys uniform in `0..key_space`, 10 % of them writes.
///
/// # Panics
/// Panics if `key_space` is zero or does not fit below the write flag bit.
pub fn key_stream(key_space: u64, seed: u64) -> Vec<u64> {
    assert!(
        key_space > 0 && key_space < WRITE,
        "key_stream: `key_space` must be in 1..2^63, got {key_space}"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    (0..STREAM_LEN)
        .map(|_| {
            let key = rng.random_range(0..key_space);
            if rng.random_ratio(1, 10) {
                key | WRITE
            } else {
                key
            }
        })
        .collect()
}

/// What one timed run did.
#[derive(Clone, Copy, Debug)]
pub struct RunResult {
    /// Reads performed (all threads).
    pub reads: u64,
    /// Reads that found their key: equal to `reads`, since every key is present throughout.
    pub hits: u64,
    /// Writes performed (all threads).
    pub writes: u64,
    /// Wall and CPU time of the timed part.
    pub sample: Sample,
}

impl RunResult {
    /// All operations, reads and writes.
    pub fn ops(&self) -> u64 {
        self.reads + self.writes
    }
}

/// Replays `ops` entries of `stream` against `map`, returning (reads, hits, writes).
fn replay<M: ReadHeavyMap>(map: &M, stream: &[u64], ops: usize) -> (u64, u64, u64) {
    let (mut reads, mut hits, mut writes) = (0, 0, 0);
    for (i, &op) in stream.iter().cycle().take(ops).enumerate() {
        if op & WRITE == 0 {
            reads += 1;
            hits += u64::from(black_box(map.read(op)).is_some());
        } else {
            writes += 1;
            map.write(op & !WRITE, i as u64);
        }
    }
    (reads, hits, writes)
}

/// Times `streams.len()` threads, each replaying `ops_per_thread` operations of its own stream.
pub fn run_once<M: ReadHeavyMap>(
    map: &M,
    streams: &[Vec<u64>],
    ops_per_thread: usize,
) -> RunResult {
    let warm_up = |t: usize| {
        black_box(replay(
            map,
            &streams[t],
            (ops_per_thread / 10).min(STREAM_LEN),
        ));
    };
    let (counts, sample) = parallel(streams.len(), warm_up, |t| {
        replay(map, &streams[t], ops_per_thread)
    });
    let (mut reads, mut hits, mut writes) = (0, 0, 0);
    for (r, h, w) in counts {
        reads += r;
        hits += h;
        writes += w;
    }
    RunResult {
        reads,
        hits,
        writes,
        sample,
    }
}

/// Parameters of the 90/10 table.
#[derive(Clone, Debug)]
pub struct ReadHeavyConfig {
    /// Thread counts to measure.
    pub threads: Vec<usize>,
    /// Key spaces to measure (every key is present).
    pub key_spaces: Vec<u64>,
    /// Operations per thread per run.
    pub ops_per_thread: usize,
    /// Runs per cell; the table shows the median.
    pub runs: usize,
}

impl ReadHeavyConfig {
    /// The full measurement (`examples/measure.rs`, `cargo xtask bench`).
    pub fn full() -> Self {
        ReadHeavyConfig {
            threads: vec![1, 2, 4],
            key_spaces: vec![1_000, 100_000],
            ops_per_thread: 2_000_000,
            runs: 5,
        }
    }

    /// A short run for `--quick` and the tour.
    pub fn quick() -> Self {
        ReadHeavyConfig {
            ops_per_thread: 400_000,
            runs: 3,
            ..Self::full()
        }
    }

    /// The arguments that make `go/bench` run this configuration's map workload.
    pub fn go_args(&self) -> Vec<String> {
        flags([
            ("-run", "map".to_owned()),
            ("-map-threads", list(&self.threads)),
            ("-keys", list(&self.key_spaces)),
            ("-map-ops", self.ops_per_thread.to_string()),
            ("-map-runs", self.runs.to_string()),
        ])
    }
}

/// One cell of the table: a contender at a key space and thread count.
#[derive(Clone, Debug)]
pub struct ReadHeavyRow {
    /// The key space.
    pub key_space: u64,
    /// Worker threads.
    pub threads: usize,
    /// The contender's [`ReadHeavyMap::NAME`].
    pub map: &'static str,
    /// The median run (by wall time).
    pub median: RunResult,
}

impl ReadHeavyRow {
    /// Operations per second of the median run.
    pub fn ops_per_second(&self) -> f64 {
        self.median.sample.per_second(self.median.ops())
    }
}

fn measure_contender<M: ReadHeavyMap>(
    cfg: &ReadHeavyConfig,
    key_space: u64,
    streams: &[Vec<u64>],
) -> ReadHeavyRow {
    let map = M::prefilled(key_space);
    let runs: Vec<RunResult> = (0..cfg.runs.max(1))
        .map(|_| run_once(&map, streams, cfg.ops_per_thread))
        .collect();
    let samples: Vec<Sample> = runs.iter().map(|r| r.sample).collect();
    let mid = median(&samples);
    let median = *runs
        .iter()
        .find(|r| r.sample == mid)
        .expect("the median is one of the runs");
    ReadHeavyRow {
        key_space,
        threads: streams.len(),
        map: M::NAME,
        median,
    }
}

/// Runs every contender at every key space and thread count of `cfg`, logging progress on stderr.
pub fn run_read_heavy(cfg: &ReadHeavyConfig) -> Vec<ReadHeavyRow> {
    let mut rows = Vec::new();
    for &key_space in &cfg.key_spaces {
        for &threads in &cfg.threads {
            eprintln!("  90/10: {key_space} keys, {threads} thread(s)…");
            let streams: Vec<Vec<u64>> = (0..threads as u64)
                .map(|t| key_stream(key_space, 0x5eed + t))
                .collect();
            rows.push(measure_contender::<Mutex<HashMap<u64, u64>>>(
                cfg, key_space, &streams,
            ));
            rows.push(measure_contender::<RwLock<HashMap<u64, u64>>>(
                cfg, key_space, &streams,
            ));
            rows.push(measure_contender::<ConcurrentMap<u64, u64>>(
                cfg, key_space, &streams,
            ));
            rows.push(measure_contender::<dashmap::DashMap<u64, u64>>(
                cfg, key_space, &streams,
            ));
            rows.push(measure_contender::<papaya::HashMap<u64, u64>>(
                cfg, key_space, &streams,
            ));
        }
    }
    rows
}

/// The Go maps of `go/bench`: (the case it prints, before `/<keys>`; the column heading).
pub const GO_MAPS: [(&str, &str); 2] = [
    ("sync.Map", "Go sync.Map"),
    ("map+RWMutex", "Go map+RWMutex"),
];

/// The 90/10 table, pivoted: one row per key space and thread count, one column of ops/s per map
/// (the Rust contenders of `rows`, then [`GO_MAPS`] from `go`), then the ratios
/// `ConcurrentMap × RwLock<HashMap>`, `ConcurrentMap × Go sync.Map` and
/// `RwLock<HashMap> × Go map+RWMutex` (each the left map's rate over the right one's: higher is
/// better for the left), and the least busy Rust and Go contender's cores busy
/// ([`labkit::cores_busy_cell`], flagged when its threads did not overlap). Without Go installed
/// the Go cells read `SKIPPED`; with no Go asked for (`GoRows::default()`, the tour) the Go
/// columns are left out.
///
/// # Panics
/// Panics if Go ran but printed no row, or a row of another size, for one of the cells (it was
/// not run with [`ReadHeavyConfig::go_args`] of the configuration that made `rows`).
pub fn read_heavy_table(rows: &[ReadHeavyRow], go: &GoRows) -> Table {
    const CONCURRENT: &str = <ConcurrentMap<u64, u64> as ReadHeavyMap>::NAME;
    const RWLOCK: &str = <RwLock<HashMap<u64, u64>> as ReadHeavyMap>::NAME;
    let cells: Vec<&[ReadHeavyRow]> = rows
        .chunk_by(|a, b| (a.key_space, a.threads) == (b.key_space, b.threads))
        .collect();
    let rust: Vec<&str> = cells
        .first()
        .map_or(Vec::new(), |c| c.iter().map(|r| r.map).collect());
    let header = Line::new(go)
        .rust(["keys", "threads"])
        .rust(rust)
        .go(GO_MAPS.map(|(_, heading)| heading))
        .rust(["ConcurrentMap × RwLock<HashMap>"])
        .go([
            "ConcurrentMap × Go sync.Map",
            "RwLock<HashMap> × Go map+RWMutex",
        ])
        .rust([CORES_BUSY_RUST])
        .go([CORES_BUSY_GO]);
    let mut table = Table::new(header);
    for cell in cells {
        let (key_space, threads) = (cell[0].key_space, cell[0].threads);
        let rate = |name: &str| {
            cell.iter()
                .find(|r| r.map == name)
                .map(ReadHeavyRow::ops_per_second)
        };
        let ops = cell[0].median.ops();
        let [sync_map, rw_map] =
            GO_MAPS.map(|(case, _)| go.sample(&format!("{case}/{key_space}"), threads, ops));
        let go_rate = |sample: Option<Sample>| sample.map(|s| s.per_second(ops));
        table.row(
            Line::new(go)
                .rust([key_space.to_string(), threads.to_string()])
                .rust(cell.iter().map(|r| si(r.ops_per_second())))
                .go([rate_cell(go_rate(sync_map)), rate_cell(go_rate(rw_map))])
                .rust([ratio_cell(rate(CONCURRENT), rate(RWLOCK), 2)])
                .go([
                    ratio_cell(rate(CONCURRENT), go_rate(sync_map), 2),
                    ratio_cell(rate(RWLOCK), go_rate(rw_map), 2),
                ])
                .rust([least_busy_cell(
                    cell.iter().map(|r| &r.median.sample),
                    threads,
                )])
                .go([least_busy_cell(sync_map.iter().chain(&rw_map), threads)]),
        );
    }
    table
}

// The cells of the day's tables beside Go (this one, the counters' and the stacks').

/// The heading of the column that shows the least busy Rust contender's cores busy.
pub(crate) const CORES_BUSY_RUST: &str = "cores busy, Rust (least)";
/// The heading of the column that shows the least busy Go contender's cores busy.
pub(crate) const CORES_BUSY_GO: &str = "cores busy, Go (least)";

/// One line of a table beside Go (the header or a row): Rust's cells and Go's (a Go rate, a ratio
/// to one, Go's cores busy), in the table's order. Go's are left out when no Go was asked for, so
/// the tour prints the same table with the Rust columns alone.
pub(crate) struct Line {
    /// Whether Go's cells are kept.
    with_go: bool,
    /// The cells kept so far.
    cells: Vec<String>,
}

impl Line {
    /// An empty line of a table beside `go`.
    pub(crate) fn new(go: &GoRows) -> Self {
        Line {
            with_go: go.asked(),
            cells: Vec::new(),
        }
    }

    /// Appends Rust's `cells`.
    pub(crate) fn rust<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.cells.extend(cells.into_iter().map(Into::into));
        self
    }

    /// Appends Go's `cells`, or nothing when no Go was asked for.
    pub(crate) fn go<S: Into<String>>(self, cells: impl IntoIterator<Item = S>) -> Self {
        if self.with_go { self.rust(cells) } else { self }
    }
}

impl IntoIterator for Line {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.cells.into_iter()
    }
}

/// `(flag, value)` pairs as command-line arguments: `-flag value …`.
pub(crate) fn flags<const N: usize>(pairs: [(&str, String); N]) -> Vec<String> {
    pairs
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_owned(), value])
        .collect()
}

/// `values` as a flag value: comma-separated (`1,2,4`).
pub(crate) fn list<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
pub(crate) mod tests {
    use labkit::go::SKIPPED;

    use super::*;

    /// The cells of a Markdown table's rows (header first, the `---` line skipped).
    pub(crate) fn cells(table: &Table) -> Vec<Vec<String>> {
        table
            .to_string()
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
    pub(crate) fn check_beside_go(table: &Table, go: &GoRows, go_columns: &[&str], rows: usize) {
        let cells = cells(table);
        let (header, body) = cells.split_first().expect("a header");
        assert_eq!(body.len(), rows, "{table}");
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

    /// Checks a table with no Go asked for: exactly the `header` headings (no Go column), `rows`
    /// rows as wide as it, and no `SKIPPED` cell.
    pub(crate) fn check_without_go(table: &Table, header: &[&str], rows: usize) {
        let cells = cells(table);
        let (head, body) = cells.split_first().expect("a header");
        assert_eq!(head, header, "{table}");
        assert_eq!(body.len(), rows, "{table}");
        for row in body {
            assert_eq!(row.len(), header.len(), "{row:?}");
            assert!(!row.iter().any(|cell| cell == SKIPPED), "{row:?}");
        }
    }

    /// A small configuration: 100 keys, 1 and 2 threads, one short run.
    fn small() -> ReadHeavyConfig {
        ReadHeavyConfig {
            threads: vec![1, 2],
            key_spaces: vec![100],
            ops_per_thread: 2_000,
            runs: 1,
        }
    }

    /// The Go program runs the configuration's workload and its rows land in the pivoted table
    /// (or read `SKIPPED` where Go is not installed); Rust rows it has no row for panic.
    #[test]
    fn go_rows_fill_the_pivoted_table() {
        let cfg = small();
        let rows = run_read_heavy(&cfg);
        let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), cfg.go_args());
        let table = read_heavy_table(&rows, &go);
        let columns = [
            "Go sync.Map",
            "Go map+RWMutex",
            "ConcurrentMap × Go sync.Map",
            "RwLock<HashMap> × Go map+RWMutex",
            CORES_BUSY_GO,
        ];
        check_beside_go(&table, &go, &columns, 2);
        assert!(
            cells(&table)[0].starts_with(&["keys".to_owned(), "threads".to_owned()]),
            "{table}"
        );
        if go.skipped().is_none() {
            // Thread counts Go was not run with: no Go row to compare, which must not pass.
            let other: Vec<ReadHeavyRow> = rows
                .iter()
                .map(|r| ReadHeavyRow {
                    threads: r.threads + 10,
                    ..r.clone()
                })
                .collect();
            let missing = std::panic::catch_unwind(|| read_heavy_table(&other, &go));
            assert!(
                missing.is_err(),
                "a Go row is missing, yet the table was built"
            );
        }
    }

    /// With no Go asked for (the tour), the same table has the Rust columns alone.
    #[test]
    fn without_go_the_table_has_the_rust_columns_alone() {
        let rows = run_read_heavy(&small());
        let table = read_heavy_table(&rows, &GoRows::default());
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
        check_without_go(&table, &header, 2);
    }

    #[test]
    fn flag_lists() {
        assert_eq!(list(&[1, 2, 4]), "1,2,4");
        assert_eq!(
            flags([("-a", "1".to_owned()), ("-b", "x".to_owned())]),
            ["-a", "1", "-b", "x"]
        );
    }
}
