//! Criterion benches: throughput in bytes/s of every counter, plus allocations per run.
//!
//! The Rust counterpart of `go test -bench=. -benchmem`: criterion reports time and bytes/s
//! (`Throughput::Bytes`); `-benchmem`'s allocs/op comes from the counting global allocator below,
//! printed once per contender before it is timed.
//!
//! ```text
//! cargo bench -p day5-wordcount --bench count
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use day2_context::Context;
use day5_wordcount::baseline::{naive, sequential};
use day5_wordcount::chunked::count_chunked;
use day5_wordcount::corpus::Corpus;
use day5_wordcount::{Input, Options, count_inputs};

/// `System`, counting every allocation (Go's `-benchmem` allocs/op).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // Relaxed: a statistic read after the run; it orders nothing else.
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` via `alloc`/`realloc` above with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Relaxed: as in `alloc`.
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by one call of `f`.
fn allocations<R>(f: impl FnOnce() -> R) -> u64 {
    let before = ALLOCATIONS.load(Relaxed);
    black_box(f());
    ALLOCATIONS.load(Relaxed) - before
}

fn bench(c: &mut Criterion) {
    // 4 MB: big enough to show throughput, small enough for `cargo test --benches` in debug.
    let text = Corpus::generate(42, 4 << 20);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file: PathBuf = dir.path().join("corpus.txt");
    std::fs::write(&file, &text).expect("write the corpus");
    let words = text
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .count();
    let inputs = [Input::Path(file.clone())];
    let tool = |jobs| count_inputs(&Context::background(), &inputs, &Options::new(jobs));

    let per_run = [
        ("naive", allocations(|| naive::count_text_std(&text))),
        ("sequential", allocations(|| sequential::count_file(&file))),
        ("chunked", allocations(|| count_chunked(&text, 128 << 10))),
        ("tool --jobs 1", allocations(|| tool(1))),
        ("tool --jobs 2", allocations(|| tool(2))),
    ];
    for (name, n) in per_run {
        println!("allocations per run, {name}: {n} for {words} word occurrences");
    }

    let mut g = c.benchmark_group("count_4MB");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("naive", |b| {
        b.iter(|| naive::count_text_std(black_box(&text)));
    });
    g.bench_function("sequential", |b| {
        b.iter(|| sequential::count_file(black_box(&file)));
    });
    g.bench_function("chunked_in_memory", |b| {
        b.iter(|| count_chunked(black_box(&text), 128 << 10));
    });
    for jobs in [1, 2] {
        g.bench_with_input(BenchmarkId::new("tool_jobs", jobs), &jobs, |b, &jobs| {
            b.iter(|| tool(jobs));
        });
    }
    g.finish();
}

/// The group `criterion_main!` runs (written out: the `criterion_group!` macro's function has no
/// doc comment, which the workspace lints require).
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
}

criterion_main!(benches);
