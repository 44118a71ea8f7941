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
//! measure example; [`measured::maps`](crate::measured::maps) puts both in one table's rows.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Mutex, PoisonError, RwLock};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::map::ConcurrentMap;
use labkit::{Sample, median, parallel};

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
mod tests {
    use super::*;

    #[test]
    fn go_arguments() {
        assert_eq!(list(&[1, 2, 4]), "1,2,4");
        assert_eq!(
            flags([("-a", "1".to_owned()), ("-b", "x".to_owned())]),
            ["-a", "1", "-b", "x"]
        );
    }
}
