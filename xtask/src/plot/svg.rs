//! A chart's data ([`Plot`]) and its drawing as SVG with plotters: the one place that knows
//! plotters.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How a chart shows its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A line with markers per series over the x values.
    Lines,
    /// Horizontal bars: one group per x value (read top to bottom), one bar per series.
    Bars,
}

/// A chart's data, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plot {
    /// `<day>-<name>[-<group>]`.
    pub(super) stem: String,
    pub(super) title: String,
    pub(super) x_label: &'static str,
    pub(super) y_label: &'static str,
    pub(super) log: bool,
    /// Values in ns, shown as times.
    pub(super) times: bool,
    pub(super) kind: Kind,
    /// The x values' labels, in axis order (for bars: top to bottom).
    pub(super) categories: Vec<String>,
    pub(super) series: Vec<Series>,
}

/// One line (or one colour of bars).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Series {
    pub(super) name: String,
    /// (index into the categories, value).
    pub(super) points: Vec<(usize, f64)>,
    /// Drawn as a wide grey band under the others: an ideal or a baseline.
    pub(super) reference: bool,
}

/// The Rust series of a bar chart, beside `Go`.
pub(super) const UNNAMED: &str = "Rust";

/// The whole picture, in pixels.
const SIZE: (u32, u32) = (960, 540);
/// Tableau 10, the contenders' colours in order.
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0x4b, 0x4b, 0x4b),
];
/// `colour` halfway to white: a Go twin's shade.
pub(super) fn lighter(colour: RGBColor) -> RGBColor {
    let mix = |c: u8| c + (255 - c) / 2;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// Greys for the reference series (ideal, baselines).
const REFERENCE: [RGBColor; 3] = [
    RGBColor(0xcc, 0xcc, 0xcc),
    RGBColor(0x99, 0x99, 0x99),
    RGBColor(0xe6, 0xe6, 0xe6),
];
const FONT: &str = "sans-serif";
/// Labels on the value axis, at most (a logarithmic axis then labels its powers of ten only).
const VALUE_LABELS: usize = 6;

/// Rough width in pixels of `text` at `size` px (the viewer lays out the real text).
fn text_width(text: &str, size: u32) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    chars.saturating_mul(size) * 11 / 20
}

impl Plot {
    /// The series that `series[k]` is the Go twin of (`Go X` of `X`, `Go` of `Rust`), if any.
    fn twin_of(&self, k: usize) -> Option<usize> {
        let name = &self.series[k].name;
        let ours = if name == "Go" {
            UNNAMED
        } else {
            name.strip_prefix("Go ")?
        };
        self.series.iter().position(|s| s.name == ours)
    }

    /// Each series' colour: contenders from the palette, a Go twin in a lighter shade of its
    /// Rust series' colour, references in grey.
    fn colours(&self) -> Vec<RGBColor> {
        let mut colours = vec![BLACK; self.series.len()];
        let (mut ours, mut refs) = (PALETTE.iter().cycle(), REFERENCE.iter().cycle());
        for (k, s) in self.series.iter().enumerate() {
            if s.reference {
                colours[k] = *refs.next().expect("cycled");
            } else if self.twin_of(k).is_none() {
                colours[k] = *ours.next().expect("cycled");
            }
        }
        for k in 0..self.series.len() {
            if let Some(twin) = self.twin_of(k) {
                colours[k] = lighter(colours[twin]);
            }
        }
        colours
    }

    /// The value axis: from zero to a little above the greatest value, or (log) from the power
    /// of ten below the least to the one above the greatest.
    fn value_range(&self) -> Range<f64> {
        let values = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
        };
        let hi = values().fold(f64::MIN, f64::max);
        if self.log {
            // Out to whole powers of ten, where the axis has its labels (values are positive).
            let lo = values().fold(f64::MAX, f64::min);
            let below = 10f64.powf(lo.log10().floor());
            let above = 10f64.powf(hi.log10().ceil());
            below..above.max(below * 10.0)
        } else {
            0.0..if hi > 0.0 { hi * 1.1 } else { 1.0 }
        }
    }
}

/// The SVG of `plot`: title, the chart on the left, the legend on the right.
pub(super) fn render(plot: &Plot) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(&plot.title, (FONT, 24))?;
        let legend_width = plot
            .series
            .iter()
            .map(|s| text_width(&s.name, 16) + 60)
            .max()
            .unwrap_or(0)
            .clamp(120, SIZE.0 / 3);
        let (chart_area, legend_area) = root.split_horizontally(SIZE.0 - legend_width);
        let colours = plot.colours();
        match plot.kind {
            Kind::Lines => {
                let builder = || {
                    let mut b = ChartBuilder::on(&chart_area);
                    b.margin(12).x_label_area_size(50).y_label_area_size(80);
                    b
                };
                let xs = -0.5..plot.categories.len() as f64 - 0.5;
                let ys = plot.value_range();
                if plot.log {
                    lines(
                        builder().build_cartesian_2d(xs, ys.log_scale())?,
                        plot,
                        &colours,
                    )?;
                } else {
                    lines(builder().build_cartesian_2d(xs, ys)?, plot, &colours)?;
                }
            }
            Kind::Bars => {
                let longest = plot.categories.iter().map(|c| text_width(c, 15)).max();
                let builder = || {
                    let mut b = ChartBuilder::on(&chart_area);
                    b.margin(12)
                        .x_label_area_size(50)
                        .y_label_area_size(longest.unwrap_or(0).clamp(60, SIZE.0 / 2) + 20);
                    b
                };
                let ys = -0.5..plot.categories.len() as f64 - 0.5;
                let xs = plot.value_range();
                if plot.log {
                    bars(
                        builder().build_cartesian_2d(xs.log_scale(), ys)?,
                        plot,
                        &colours,
                    )?;
                } else {
                    bars(builder().build_cartesian_2d(xs, ys)?, plot, &colours)?;
                }
            }
        }
        legend(&legend_area, plot, &colours)?;
        root.present()?;
    }
    Ok(svg)
}

/// An axis value, short: `12 M`, `850 k`, `1.5`; for times (in ns) `56 ns`, `1.5 µs`, `3 ms`.
pub(super) fn axis_value(v: f64, times: bool) -> String {
    let units: [(f64, &str); 4] = if times {
        [(1e9, " s"), (1e6, " ms"), (1e3, " µs"), (1.0, " ns")]
    } else {
        [(1e9, " G"), (1e6, " M"), (1e3, " k"), (1.0, "")]
    };
    let (scale, suffix) = units
        .into_iter()
        .find(|&(scale, _)| v.abs() >= scale)
        .unwrap_or(units[3]);
    let text = format!("{:.2}", v / scale);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{suffix}")
}

/// The category at an axis position, if it is one (ticks between categories stay blank).
fn category(plot: &Plot, at: f64) -> String {
    let i = at.round();
    if (at - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    plot.categories.get(i as usize).cloned().unwrap_or_default()
}

/// The lines chart: categories along x, values up.
fn lines<'a, V>(
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, V>>,
    plot: &Plot,
    colours: &[RGBColor],
) -> Result<()>
where
    V: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(plot.categories.len())
        .y_labels(VALUE_LABELS)
        .x_label_formatter(&|x| category(plot, *x))
        .y_label_formatter(&|y| axis_value(*y, plot.times))
        .x_desc(plot.x_label)
        .y_desc(plot.y_label)
        .max_light_lines(1)
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()?;
    // References first, as wide light bands under the contenders' lines.
    let mut order: Vec<usize> = (0..plot.series.len()).collect();
    order.sort_by_key(|&k| !plot.series[k].reference);
    for k in order {
        let (s, colour) = (&plot.series[k], colours[k]);
        let points: Vec<(f64, f64)> = s.points.iter().map(|&(i, v)| (i as f64, v)).collect();
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            colour.stroke_width(line_width(s)),
        ))?;
        // Filled markers for ours, hollow ones for a Go twin.
        let marker = if plot.twin_of(k).is_some() {
            colour.stroke_width(2)
        } else {
            colour.filled()
        };
        if !s.reference {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, marker)))?;
        }
    }
    Ok(())
}

/// A series' line width: references are wide light bands.
fn line_width(s: &Series) -> u32 {
    if s.reference { 8 } else { 2 }
}

/// The bar chart: categories down the left (first on top), one bar per series in each.
fn bars<'a, V>(
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<V, RangedCoordf64>>,
    plot: &Plot,
    colours: &[RGBColor],
) -> Result<()>
where
    V: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let n = plot.categories.len();
    // Category i sits at y = n - 1 - i, so the first is on top.
    let top_down = |y: f64| n as f64 - 1.0 - y;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .x_labels(VALUE_LABELS)
        .y_label_formatter(&|y| category(plot, top_down(*y)))
        .x_label_formatter(&|x| axis_value(*x, plot.times))
        .x_desc(plot.y_label)
        .max_light_lines(1)
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()?;
    let base = plot.value_range().start;
    let band = 0.8 / plot.series.len() as f64;
    for (k, (s, &colour)) in plot.series.iter().zip(colours).enumerate() {
        chart.draw_series(s.points.iter().map(|&(i, v)| {
            let top = top_down(i as f64) + 0.4 - band * k as f64;
            Rectangle::new([(base, top), (v, top - band)], colour.filled())
        }))?;
    }
    Ok(())
}

/// The legend: a swatch (a short line, or a square for bars) and the name of each series.
fn legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    plot: &Plot,
    colours: &[RGBColor],
) -> Result<()> {
    let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let rows = (60..).step_by(24);
    for ((s, &colour), y) in plot.series.iter().zip(colours).zip(rows) {
        match plot.kind {
            Kind::Lines => area.draw(&PathElement::new(
                vec![(8, y), (36, y)],
                colour.stroke_width(line_width(s)),
            ))?,
            Kind::Bars => {
                area.draw(&Rectangle::new([(14, y - 6), (28, y + 6)], colour.filled()))?;
            }
        }
        area.draw(&Text::new(s.name.clone(), (44, y), style.clone()))?;
    }
    Ok(())
}
