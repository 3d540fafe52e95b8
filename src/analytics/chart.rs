//! The earnings chart: an SVG drawn on the server (no script, no CDN).
//! Bars are the artist's net per bucket; a bucket with nothing is a gap,
//! not a missing bar, so time reads evenly.

use std::fmt::Write;

/// `(label, net in micro-units)` per bucket, oldest first.
pub fn bars(points: &[(String, i64)], money: impl Fn(i64) -> String) -> String {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 180.0;
    const BASE: f64 = 160.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Net earnings over time\" \
         xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let top = points.iter().map(|(_, v)| v.abs()).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / points.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    for (i, (label, value)) in points.iter().enumerate() {
        let h = (*value as f64).abs() / top * (BASE - 10.0);
        let x = i as f64 * slot + (slot - bar) / 2.0;
        let (y, class) = if *value >= 0 { (BASE - h, "up") } else { (BASE, "down") };
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\"><title>{} {}</title></rect>",
            escape(label),
            escape(&money(*value))
        );
    }
    let _ = write!(svg, "<line x1=\"0\" y1=\"{BASE}\" x2=\"{WIDTH}\" y2=\"{BASE}\" class=\"axis\"/>");
    if let (Some((first, _)), Some((last, _))) = (points.first(), points.last()) {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"176\" class=\"tick\">{}</text><text x=\"{WIDTH}\" y=\"176\" text-anchor=\"end\" class=\"tick\">{}</text>",
            escape(first),
            escape(last)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::bars;

    #[test]
    fn one_bar_per_bucket_scaled_to_the_largest() {
        let svg =
            bars(&[("2026-11-01".into(), 5), ("2026-11-02".into(), 0), ("2026-11-03".into(), -10)], |v| v.to_string());
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("class=\"down\""));
        assert!(svg.contains("height=\"150.0\""), "{svg}");
        assert!(svg.contains("<title>2026-11-01 5</title>"));
    }
}
