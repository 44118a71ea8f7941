//! `GET /metrics`: the server's shared state of Monday — counters and gauges updated by every
//! request at once — in the Prometheus (OpenMetrics) text format, with `prometheus-client`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::pool::Load;

/// The status label of `wordcount_requests_total`; a client that went away before its answer is
/// counted as `499` (nginx's "client closed request").
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: u16,
}

/// Every metric the server exports.
#[derive(Debug)]
pub(super) struct Metrics {
    registry: Registry,
    requests: Family<Status, Counter>,
    shed: Counter,
    bytes: Counter,
    words: Counter,
    duration: Histogram,
    in_flight: Gauge,
    queued: Gauge,
    running: Gauge,
    memory: Gauge,
}

/// The status recorded for a request whose client went away before its answer.
pub(super) const CLIENT_CLOSED: u16 = 499;

impl Metrics {
    pub(super) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("wordcount");
        let requests = Family::<Status, Counter>::default();
        let shed = Counter::default();
        let bytes = Counter::default();
        let words = Counter::default();
        // 1 ms … ~16 s, ×2 per bucket.
        let duration = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let (in_flight, queued, running) = (Gauge::default(), Gauge::default(), Gauge::default());
        let memory = Gauge::default();
        registry.register(
            "requests",
            "HTTP requests answered, by status",
            requests.clone(),
        );
        registry.register(
            "shed",
            "Requests refused with 503: pool and queue full",
            shed.clone(),
        );
        registry.register("bytes_counted", "Body bytes counted", bytes.clone());
        registry.register("words_counted", "Words counted", words.clone());
        registry.register(
            "request_duration_seconds",
            "Time from the request's arrival to its answer",
            duration.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Requests admitted, not answered yet",
            in_flight.clone(),
        );
        registry.register(
            "jobs_queued",
            "Counting jobs waiting for a pool worker",
            queued.clone(),
        );
        registry.register(
            "jobs_running",
            "Counting jobs on a pool worker",
            running.clone(),
        );
        registry.register(
            "memory_charged_bytes",
            "Bytes charged to --max-memory by requests in flight (buffers and word tables)",
            memory.clone(),
        );
        Metrics {
            memory,
            registry,
            requests,
            shed,
            bytes,
            words,
            duration,
            in_flight,
            queued,
            running,
        }
    }

    /// One answered request (or one whose client went away: [`CLIENT_CLOSED`]).
    pub(super) fn answered(&self, status: u16, seconds: f64) {
        self.requests.get_or_create(&Status { status }).inc();
        self.duration.observe(seconds);
    }

    pub(super) fn shed(&self) {
        self.shed.inc();
    }

    pub(super) fn counted(&self, bytes: u64, words: u64) {
        self.bytes.inc_by(bytes);
        self.words.inc_by(words);
    }

    /// Answers per status (those seen at least once), for the shutdown summary.
    pub(super) fn answers(&self) -> Vec<(u16, u64)> {
        (100..600)
            .filter_map(|status| {
                let n = self.requests.get(&Status { status })?.get();
                Some((status, n))
            })
            .collect()
    }

    /// The text exposition, gauges read from `load` and `memory` (bytes charged) at this instant.
    pub(super) fn encode(&self, load: Load, memory: usize) -> String {
        let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.in_flight.set(as_i64(load.requests));
        self.queued.set(as_i64(load.queued));
        self.running.set(as_i64(load.running));
        self.memory.set(as_i64(memory));
        let mut text = String::new();
        // Writing to a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
