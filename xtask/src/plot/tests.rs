use std::time::Duration;

use labkit::Sample;
use labkit::rows::{Column, Figure, Lang, Line, Row, Rows, Show, TableSpec, Unit, Versus, X};

use plotters::style::RGBColor;

use super::svg::{PALETTE, axis_value, lighter};
use super::*;

#[test]
fn axis_values_are_short() {
    assert_eq!(axis_value(25e6, false), "25 M");
    assert_eq!(axis_value(1500.0, false), "1.5 k");
    assert_eq!(axis_value(0.5, false), "0.5");
    assert_eq!(axis_value(0.0, false), "0");
    assert_eq!(axis_value(58_056.0, true), "58.06 µs");
    assert_eq!(axis_value(20.0, true), "20 ns");
    assert_eq!(axis_value(3e6, true), "3 ms");
}

/// What a test reads back from a chart's SVG.
#[derive(Debug)]
pub(super) struct Svg {
    /// The `<text>` contents.
    pub(super) texts: Vec<String>,
    /// The strokes of the coloured (not black) polylines, in document order.
    pub(super) line_strokes: Vec<String>,
    /// The fills of the rectangles that are neither white nor black (bars, legend swatches).
    pub(super) bar_fills: Vec<String>,
}

pub(super) fn read_svg(path: &Path) -> Svg {
    let text = fs::read_to_string(path).expect("the chart was written");
    let doc = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "the root element");
    let named = |name: &'static str| {
        root.descendants()
            .filter(move |n| n.is_element() && n.tag_name().name() == name)
    };
    let plain = |c: &str| matches!(c, "#000000" | "#FFFFFF");
    Svg {
        texts: named("text")
            .map(|n| n.text().unwrap_or_default().trim().to_owned())
            .collect(),
        line_strokes: named("polyline")
            .filter_map(|n| n.attribute("stroke"))
            .filter(|c| !plain(c))
            .map(str::to_owned)
            .collect(),
        bar_fills: named("rect")
            .filter_map(|n| n.attribute("fill"))
            .filter(|c| !plain(c))
            .map(str::to_owned)
            .collect(),
    }
}

/// Checks a line chart's SVG: each series is one line in the plot and one swatch in the legend,
/// each in its own colour, and its name is a legend text.
pub(super) fn check_lines(chart: &Chart) -> Svg {
    let svg = read_svg(&chart.file);
    let n = chart.series.len();
    assert_eq!(svg.line_strokes.len(), 2 * n, "{:?}: {svg:?}", chart.file);
    let mut colours = svg.line_strokes.clone();
    colours.sort();
    colours.dedup();
    assert_eq!(colours.len(), n, "one colour per series: {svg:?}");
    for name in &chart.series {
        assert!(
            svg.texts.contains(name),
            "legend {name:?} in {:?}",
            svg.texts
        );
    }
    assert!(svg.texts.contains(&chart.title), "the title");
    svg
}

/// Day 1's maps: two key spaces, two thread counts, two Rust maps and Go's `RwLock<HashMap>`
/// twin (skipped, with `skip_go`, as where Go is not installed).
fn maps(skip_go: bool) -> Rows {
    let mut rows = Rows::default();
    rows.push(Line::Table(TableSpec {
        group: Some("keys".into()),
        ..TableSpec::grid("maps", "Maps", "threads", Figure::Rate)
    }));
    for keys in [1000, 100_000] {
        for threads in [1, 2] {
            for (series, ms) in [("Mutex<HashMap>", 200), ("RwLock<HashMap>", 100)] {
                let sample = Sample {
                    wall: Duration::from_millis(ms),
                    cpu: Duration::from_millis(ms),
                };
                let row = Row::new("maps", series, threads, 1_000_000, sample).in_group(&keys);
                if !skip_go && series.starts_with("RwLock") {
                    rows.extend([Row {
                        lang: Lang::Go,
                        wall_ns: row.wall_ns * 2,
                        ..row.clone()
                    }]);
                }
                rows.extend([row]);
            }
        }
    }
    if skip_go {
        rows.push(Line::go_skipped("maps", &["RwLock<HashMap>"], "no Go"));
    }
    rows
}

fn draw_one(day: &str, rows: &Rows) -> (tempfile::TempDir, Drawn) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let drawn = draw(day, rows, dir.path()).expect("drawn");
    (dir, drawn)
}

#[test]
fn one_chart_per_group_one_line_per_series_and_go_beside_its_twin_in_a_lighter_shade() {
    let (dir, drawn) = draw_one("day1-sync-atomic", &maps(false));
    let files: Vec<PathBuf> = drawn.charts.iter().map(|c| c.file.clone()).collect();
    assert_eq!(
        files,
        [
            dir.path().join("day1-sync-atomic-maps-keys-1000.svg"),
            dir.path().join("day1-sync-atomic-maps-keys-100000.svg"),
        ]
    );
    assert!(drawn.charts[1].title.ends_with("— keys 100000"));
    for chart in &drawn.charts {
        assert_eq!(
            chart.series,
            ["Mutex<HashMap>", "RwLock<HashMap>", "Go RwLock<HashMap>"]
        );
        let svg = check_lines(chart);
        for axis in [
            "threads",
            "1",
            "2",
            "operations per second (higher is better)",
        ] {
            assert!(svg.texts.iter().any(|t| t == axis), "{axis:?}");
        }
        // The Go line is its twin's colour halfway to white.
        let hex = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        assert_eq!(
            svg.line_strokes[..3],
            [hex(PALETTE[0]), hex(PALETTE[1]), hex(lighter(PALETTE[1]))]
        );
    }
    let plot = SPECS[0]
        .plots("day1", &maps(false))
        .remove(0)
        .expect("a plot");
    assert_eq!(plot.categories, ["1", "2"]);
    // 1 M operations in 100 ms (Rust), in 200 ms (Go).
    assert_eq!(plot.series[1].points, [(0, 1e7), (1, 1e7)]);
    assert_eq!(plot.series[2].points, [(0, 5e6), (1, 5e6)]);
}

#[test]
fn skipped_series_and_missing_tables_draw_nothing_and_say_why() {
    let (dir, drawn) = draw_one("day1", &maps(true));
    assert_eq!(
        drawn.charts[0].series,
        ["Mutex<HashMap>", "RwLock<HashMap>"]
    );
    let skipped: Vec<(&str, &str)> = drawn
        .skipped
        .iter()
        .map(|s| (s.chart.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("day1-counters", "no table `counters` in the rows"),
            ("day1-stacks", "no table `stacks` in the rows")
        ]
    );
    assert_eq!(fs::read_dir(dir.path()).expect("the directory").count(), 2);
    // A day without specs draws nothing.
    assert_eq!(draw_one("day9", &maps(false)).1, Drawn::default());
}

/// The rows `cargo xtask bench` kept beside each measured page draw every chart of the day.
#[test]
fn the_kept_rows_draw() {
    let measured = Path::new(env!("CARGO_MANIFEST_DIR")).join("../journal/measured");
    for day in ["day1-sync-atomic"] {
        let rows = Rows::read(&measured.join(format!("{day}.jsonl"))).expect("the rows");
        let (_dir, drawn) = draw_one(day, &rows);
        assert!(drawn.skipped.is_empty(), "{day}: {drawn:?}");
        for chart in &drawn.charts {
            check_lines(chart);
        }
    }
}

/// A row of `table` for the fixtures: `ops` operations of `series` (Go's when `go`) at `x` in
/// `wall_ms` ms, one core busy.
fn row(table: &str, series: &str, go: bool, x: Option<X>, ops: u64, wall_ms: u64) -> Row {
    let sample = Sample {
        wall: Duration::from_millis(wall_ms),
        cpu: Duration::from_millis(wall_ms),
    };
    Row {
        lang: if go { Lang::Go } else { Lang::Rust },
        x,
        ..Row::new(table, series, 1, ops, sample)
    }
}

fn name(x: &str) -> Option<X> {
    Some(X::Name(x.to_owned()))
}

/// The fixture `spec` with `rows`.
fn fixture(spec: TableSpec, rows: Vec<Row>) -> Rows {
    let mut out = Rows::default();
    out.push(Line::Table(spec)).extend(rows);
    out
}

/// Day 2's single-thread costs: a list table, Go's rows under their Rust twins, one operation
/// without a twin.
fn day2_operations() -> Rows {
    let spec = TableSpec::list(
        "operations",
        "One context",
        vec![
            Column::new("operation", Show::Series),
            Column::figure("ns/op", Figure::NsPerOp),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
        ],
    );
    fixture(
        spec,
        vec![
            row(
                "operations",
                "with_cancel",
                false,
                name("with_cancel"),
                1000,
                1,
            ),
            row(
                "operations",
                "WithCancel",
                true,
                name("with_cancel"),
                1000,
                2,
            ),
            row(
                "operations",
                "with_value",
                false,
                name("with_value"),
                1000,
                4,
            ),
            row("operations", "WithValue", true, name("with_value"), 1000, 2),
            row(
                "operations",
                "child_token",
                false,
                name("child_token"),
                1000,
                3,
            ),
        ],
    )
}

#[test]
fn day2_operations_are_a_list_and_bars_of_rust_beside_go() {
    let rows = day2_operations();
    let md = rows.markdown();
    assert!(
        md.contains(
            "| operation | ns/op | × Go |\n|---:|---:|---:|\n| with_cancel | 1000 | 2.00 |\n| Go WithCancel | 2000 | — |\n"
        ),
        "{md}"
    );
    assert!(md.contains("| with_value | 4000 | 0.50 |"), "{md}");
    assert!(md.contains("| child_token | 3000 | — |"), "no twin: {md}");
    let (_dir, drawn) = draw_one("day2-context", &rows);
    let [chart] = drawn.charts.as_slice() else {
        panic!("one chart: {drawn:?}")
    };
    assert!(chart.file.ends_with("day2-context-operations.svg"));
    assert_eq!(chart.series, ["Rust", "Go"]);
    let svg = read_svg(&chart.file);
    // 3 Rust bars, 2 Go bars, 2 legend swatches.
    assert_eq!(svg.bar_fills.len(), 3 + 2 + 2, "{svg:?}");
    for label in ["with_cancel", "with_value", "child_token", "1 µs"] {
        assert!(svg.texts.iter().any(|t| t == label), "{label:?} in {svg:?}");
    }
    let skipped: Vec<&str> = drawn.skipped.iter().map(|s| s.chart.as_str()).collect();
    assert_eq!(
        skipped,
        ["day2-context-shared-parent", "day2-context-fan-out"]
    );
}

/// Day 3's throughput: a grid by workload and pool size, with the ideal and Go's pool.
fn day3_pool_size() -> Rows {
    let spec = TableSpec {
        group: Some("jobs".into()),
        ideal: Some("ideal".into()),
        ..TableSpec::grid("pool-size", "Throughput", "workers", Figure::Rate)
    };
    let mut rows = Vec::new();
    for jobs in ["sleeping", "spinning"] {
        for workers in [1, 2] {
            let at = Some(X::Num(workers));
            let ms = 100 / workers;
            for (series, go, wall) in [
                ("ideal", false, ms),
                ("Pool", false, ms * 2),
                ("rayon", false, ms * 2),
                ("pool", true, ms * 4),
            ] {
                rows.push(row("pool-size", series, go, at.clone(), 100, wall).in_group(&jobs));
            }
        }
    }
    fixture(spec, rows)
}

#[test]
fn day3_pool_sizes_are_a_grid_with_shares_of_the_ideal_drawn_as_a_band() {
    let rows = day3_pool_size();
    let md = rows.markdown();
    assert!(
        md.contains("| jobs | workers | ideal | Pool | rayon | Go pool | cores busy, Rust (least) | cores busy, Go (least) |"),
        "{md}"
    );
    assert!(
        md.contains("| sleeping | 2 | 2.0 k | 1.0 k · 50% | 1.0 k · 50% | 500.0 · 25% | "),
        "{md}"
    );
    let (_dir, drawn) = draw_one("day3-worker-pool", &rows);
    let stems: Vec<&str> = drawn
        .charts
        .iter()
        .filter_map(|c| c.file.file_stem()?.to_str())
        .collect();
    assert_eq!(
        stems,
        [
            "day3-worker-pool-pool-size-jobs-sleeping",
            "day3-worker-pool-pool-size-jobs-spinning"
        ]
    );
    for chart in &drawn.charts {
        // The ideal last, a reference.
        assert_eq!(chart.series, ["Pool", "rayon", "Go pool", "ideal"]);
        check_lines(chart);
    }
    let plot = spec("day3", "pool-size")
        .plots("day3", &rows)
        .remove(0)
        .expect("a plot");
    assert_eq!(
        plot.series.iter().map(|s| s.reference).collect::<Vec<_>>(),
        [false, false, false, true]
    );
}

/// The spec of `day`'s chart of `table`.
fn spec(day: &str, table: &str) -> &'static Spec {
    SPECS
        .iter()
        .find(|s| s.day == day && s.table == table)
        .expect("a spec")
}

/// Day 4's CPU-bound table: a list whose chart is each row's speed-up over its own language's
/// sequential loop.
fn day4_cpu_bound() -> Rows {
    let spec = TableSpec::list(
        "cpu-bound",
        "CPU-bound",
        vec![
            Column::new("computation", Show::Series),
            Column::new(
                "× sequential",
                Show::Versus(Versus::own(X::Name("sequential loop".into()))),
            ),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
        ],
    );
    let (seq, pipe) = (name("sequential loop"), name("pipeline"));
    fixture(
        spec,
        vec![
            row("cpu-bound", "sequential loop", false, seq.clone(), 100, 100),
            row("cpu-bound", "sequential loop", true, seq, 100, 120),
            row("cpu-bound", "rayon", false, name("rayon"), 100, 50),
            row("cpu-bound", "pipeline", false, pipe.clone(), 100, 80),
            row("cpu-bound", "pipeline + merge", true, pipe, 100, 40),
        ],
    )
}

#[test]
fn day4_cpu_bound_speed_ups_are_per_language() {
    let rows = day4_cpu_bound();
    let md = rows.markdown();
    for line in [
        "| sequential loop | 1.00 | 1.20 |",
        "| Go sequential loop | 1.00 | — |",
        "| rayon | 2.00 | — |",
        "| pipeline | 1.25 | 0.50 |",
        "| Go pipeline + merge | 3.00 | — |",
    ] {
        assert!(md.contains(line), "{line} in {md}");
    }
    let plot = spec("day4", "cpu-bound")
        .plots("day4", &rows)
        .remove(0)
        .expect("a plot");
    assert_eq!(plot.categories, ["sequential loop", "rayon", "pipeline"]);
    assert_eq!(plot.series[0].name, "Rust");
    assert_eq!(plot.series[0].points, [(0, 1.0), (1, 2.0), (2, 1.25)]);
    assert_eq!(plot.series[1].name, "Go");
    assert_eq!(plot.series[1].points, [(0, 1.0), (2, 3.0)]);
    let (_dir, drawn) = draw_one("day4-pipeline", &rows);
    assert_eq!(drawn.charts.len(), 1, "{drawn:?}");
    assert_eq!(read_svg(&drawn.charts[0].file).bar_fills.len(), 3 + 2 + 2);
}

/// Day 5's jobs table: MB/s by jobs, the baselines without jobs, Go beside ours.
fn day5_jobs(go_skipped: bool) -> Rows {
    let spec = TableSpec::list(
        "jobs",
        "Word count",
        vec![
            Column::new("input", Show::Group),
            Column::new("counter", Show::Series),
            Column::new("jobs", Show::X),
            Column::figure("MB/s", Figure::MbPerS),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
            Column::figure("peak RSS MiB", Figure::value("peak rss", Unit::Mib)),
        ],
    );
    let read = |series, go, x: Option<u64>, ms| Row {
        bytes: Some(40_000_000),
        ..row("jobs", series, go, x.map(X::Num), 40_000_000, ms)
            .in_group(&"generated, 40 MB, 1 file")
            .with("peak rss", 3.0 * f64::from(1 << 20))
    };
    let mut rows = vec![
        read("sequential (baseline)", false, None, 200),
        read("day5-wordcount", false, Some(1), 100),
        read("day5-wordcount", false, Some(2), 50),
    ];
    if !go_skipped {
        rows.extend([
            read("wc", true, Some(1), 400),
            read("wc", true, Some(2), 200),
        ]);
    }
    let mut rows = fixture(spec, rows);
    if go_skipped {
        rows.push(Line::go_skipped("jobs", &["wc"], "no Go"));
    }
    rows
}

#[test]
fn day5_jobs_draw_flat_baselines_and_skipped_go_reads_skipped() {
    let rows = day5_jobs(false);
    let md = rows.markdown();
    let input = "generated, 40 MB, 1 file";
    for line in [
        format!("| {input} | sequential (baseline) |  | 200 | — | 3.0 |"),
        format!("| {input} | day5-wordcount | 2 | 800 | 4.00 | 3.0 |"),
        format!("| {input} | Go wc | 2 | 200 | — | 3.0 |"),
    ] {
        assert!(md.contains(&line), "{line} in {md}");
    }
    let (_dir, drawn) = draw_one("day5-wordcount", &rows);
    let [chart] = drawn.charts.as_slice() else {
        panic!("one chart: {drawn:?}")
    };
    assert!(
        chart
            .file
            .ends_with("day5-wordcount-jobs-generated-40-mb-1-file.svg")
    );
    assert_eq!(
        chart.series,
        ["day5-wordcount", "Go wc", "sequential (baseline)"]
    );
    check_lines(chart);
    let plot = spec("day5", "jobs")
        .plots("day5", &rows)
        .remove(0)
        .expect("a plot");
    assert_eq!(plot.categories, ["1", "2"]);
    assert_eq!(plot.series[2].points, [(0, 200.0), (1, 200.0)]);
    assert!(plot.series[2].reference);
    let md = day5_jobs(true).markdown();
    assert!(
        md.contains(&format!(
            "| {input} | day5-wordcount | 2 | 800 | SKIPPED | 3.0 |"
        )),
        "{md}"
    );
    assert!(md.ends_with("Go rows SKIPPED: no Go.\n\n"), "{md}");
}
