//! The job page's loss curve: an SVG drawn on the server (no script; presentation attributes only,
//! which the page's content security policy allows), one polyline per shard, steps on the x axis.
//! A retried attempt starts a new segment, so a resumed run is visible as a jump back.

use std::fmt::Write;

use attune_app::job_view::{LossPoint, LossSeries};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 32.0;
/// Colour-blind-safe (Okabe–Ito), by shard.
const COLOURS: [&str; 8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

/// `series`: per shard, its points in report order. `None` when there is nothing to draw.
pub fn render(series: &[LossSeries]) -> Option<String> {
    let points = series.iter().flat_map(|s| s.points.iter()).filter(|p| p.loss.is_finite());
    let (mut max_step, mut lo, mut hi) = (0i64, f64::INFINITY, f64::NEG_INFINITY);
    let mut any = false;
    for p in points {
        any = true;
        max_step = max_step.max(p.step);
        lo = lo.min(p.loss);
        hi = hi.max(p.loss);
    }
    if !any {
        return None;
    }
    let max_step = max_step.max(1) as f64;
    if hi - lo < 1e-9 {
        lo -= 0.5;
        hi += 0.5;
    }
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |step: i64| LEFT + step as f64 / max_step * plot_w;
    let y = |loss: f64| TOP + (hi - loss) / (hi - lo) * plot_h;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="loss-title" id="loss-chart"><title id="loss-title">Training loss by optimizer step, one line per shard</title>"##
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#555"/><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#555"/>"##,
        b = TOP + plot_h,
        r = LEFT + plot_w
    );
    for (value, label) in [(hi, hi), ((hi + lo) / 2.0, (hi + lo) / 2.0), (lo, lo)] {
        let _ = write!(
            svg,
            r##"<text x="{tx}" y="{ty}" font-size="11" text-anchor="end" fill="#333">{label:.2}</text>"##,
            tx = LEFT - 4.0,
            ty = y(value) + 4.0
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="{ty}" font-size="11" fill="#333">0</text><text x="{rx}" y="{ty}" font-size="11" text-anchor="end" fill="#333">step {max}</text>"##,
        ty = HEIGHT - 12.0,
        rx = LEFT + plot_w,
        max = max_step as i64
    );
    for (i, LossSeries { shard, points: pts }) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut segment: Vec<String> = Vec::new();
        let mut attempt = None;
        let flush = |segment: &mut Vec<String>, svg: &mut String| {
            if segment.len() == 1 {
                segment.push(segment[0].clone());
            }
            if !segment.is_empty() {
                let _ = write!(
                    svg,
                    r##"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}" data-shard="{shard}"/>"##,
                    segment.join(" ")
                );
            }
            segment.clear();
        };
        for LossPoint { attempt: a, step, loss } in pts.iter().filter(|p| p.loss.is_finite()) {
            if attempt.is_some_and(|prev| prev != *a) {
                flush(&mut segment, &mut svg);
            }
            attempt = Some(*a);
            segment.push(format!("{:.1},{:.1}", x(*step), y(*loss)));
        }
        flush(&mut segment, &mut svg);
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ly}" font-size="11" fill="{colour}">shard {shard}</text>"##,
            lx = LEFT + plot_w - 60.0,
            ly = TOP + 12.0 + 13.0 * i as f64
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{LossPoint, LossSeries, render};

    fn series(shard: i32, points: &[(i32, i64, f64)]) -> LossSeries {
        LossSeries { shard, points: points.iter().map(|&(attempt, step, loss)| LossPoint { attempt, step, loss }).collect() }
    }

    #[test]
    fn nothing_to_draw_is_none() {
        assert_eq!(render(&[]), None);
        assert_eq!(render(&[series(0, &[(1, 1, f64::NAN)])]), None);
    }

    #[test]
    fn a_falling_loss_goes_down_the_chart_and_each_attempt_is_its_own_line() {
        let svg = render(&[series(0, &[(1, 1, 5.0), (1, 2, 4.0), (2, 3, 3.0), (2, 4, 2.0)]), series(1, &[(1, 2, 4.5)])]).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 3, "shard 0 has two attempts, shard 1 one point");
        // The first point (loss 5, the highest) is at the top of the plot, the last (loss 2) at the bottom.
        assert!(svg.contains(r#"points="193.0,12.0 338.0,77.3""#), "{svg}");
        assert!(svg.contains("628.0,208.0"), "{svg}");
        assert!(svg.contains("shard 1") && svg.contains("step 4"));
        assert!(!svg.contains("style="), "no inline styles (CSP)");
    }
}
