use std::time::Duration;

use labkit::Sample;
use labkit::rows::{Cell, Lang, Line, Row, Rows, Skipped as Skip, TableSpec};

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
        table: "maps".into(),
        intro: String::new(),
        title: "Maps".into(),
        group: Some("keys".into()),
        x: "threads".into(),
        cell: Cell::Rate,
        ratios: Vec::new(),
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
        rows.push(Line::Skipped(Skip {
            table: "maps".into(),
            lang: Lang::Go,
            series: vec!["RwLock<HashMap>".into()],
            skipped: "no Go".into(),
        }));
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
