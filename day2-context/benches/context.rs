//! Criterion benchmarks: the cost of deriving and cancelling a context (and of binding a value),
//! next to tokio-util's `CancellationToken`. `cargo bench -p day2-context`.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use day2_context::{Context, Key};
use tokio_util::sync::CancellationToken;

struct RequestId;
impl Key for RequestId {
    type Value = u64;
}

fn derive_and_cancel(c: &mut Criterion) {
    let (parent, stop) = Context::with_cancel(&Context::background());
    let token = CancellationToken::new();
    let mut group = c.benchmark_group("derive_and_cancel");
    group.bench_function("with_cancel", |b| {
        b.iter(|| {
            let (ctx, cancel) = Context::with_cancel(&parent);
            cancel.cancel();
            ctx
        });
    });
    group.bench_function("with_timeout", |b| {
        b.iter(|| {
            let (ctx, cancel) = Context::with_timeout(&parent, Duration::from_secs(3600));
            cancel.cancel();
            ctx
        });
    });
    // No cancel: a value link has no scope of its own (Go's `valueCtx`); the link is dropped.
    group.bench_function("with_value", |b| {
        b.iter(|| Context::with_value::<RequestId>(&parent, 1));
    });
    group.bench_function("token_child_token", |b| {
        b.iter(|| {
            let child = token.child_token();
            child.cancel();
            child
        });
    });
    group.finish();
    stop.cancel();
}

fn queries(c: &mut Criterion) {
    let (parent, stop) = Context::with_cancel(&Context::background());
    let deep = (0..8).fold(Context::with_value::<RequestId>(&parent, 7), |ctx, _| {
        Context::with_cancel(&ctx).0
    });
    let mut group = c.benchmark_group("queries");
    group.bench_function("is_done", |b| b.iter(|| black_box(&deep).is_done()));
    group.bench_function("value_9_links_up", |b| {
        b.iter(|| black_box(&deep).value::<RequestId>().copied());
    });
    group.finish();
    stop.cancel();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    derive_and_cancel(&mut c);
    queries(&mut c);
    c.final_summary();
}
