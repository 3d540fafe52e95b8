//! The money page's CSV files (RFC 4180): a month — one line per artist and
//! currency, the platform's income by kind, the totals — and a twelve-month
//! summary. Amounts are exact decimals of the currency unit, so the lines
//! add up to the totals to the micro-unit. Text that a spreadsheet would
//! run as a formula (an artist named `=HYPERLINK(…)`) gets a leading
//! apostrophe.

use std::collections::BTreeMap;

use super::figures::{Figures, Month, PlatformLine, amount};

pub const MONTH_HEADER: &str = "line,artist,artist_id,currency,gross,refunds,platform_fees,net,payouts\r\n";
pub const SUMMARY_HEADER: &str = "month,currency,gross,refunds,platform_fees,net,payouts\r\n";

/// One artist's line of a month.
pub struct ArtistLine<'a> {
    pub name: &'a str,
    pub uid: &'a str,
    pub currency: &'a str,
    pub figures: Figures,
}

/// A text field: formula-looking text defused, then quoted when it must be.
pub fn text(field: &str) -> String {
    let defused = match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{field}"),
        _ => field.to_owned(),
    };
    quote(&defused)
}

/// RFC 4180: a field holding a comma, quote or line break is quoted, its
/// quotes doubled.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn figures_fields(f: &Figures) -> String {
    [f.gross, f.refunds, f.fees, f.net, f.payouts].map(amount).join(",")
}

pub fn artist_line(out: &mut String, line: &ArtistLine<'_>) {
    out.push_str(&format!(
        "artist,{},{},{},{}\r\n",
        text(line.name),
        text(line.uid),
        text(line.currency),
        figures_fields(&line.figures)
    ));
}

/// The platform's lines, then the totals, per currency.
pub fn closing_lines(
    out: &mut String,
    platform: &BTreeMap<String, Vec<PlatformLine>>,
    totals: &BTreeMap<String, Figures>,
) {
    for (currency, lines) in platform {
        for line in lines {
            out.push_str(&format!(
                "platform,{},{},{},,,{},,\r\n",
                text(&line.label),
                text(&line.source),
                text(currency),
                amount(line.micros)
            ));
        }
    }
    for (currency, figures) in totals {
        out.push_str(&format!("total,All artists,,{},{}\r\n", text(currency), figures_fields(figures)));
    }
}

pub fn summary_line(out: &mut String, month: Month, currency: &str, figures: &Figures) {
    out.push_str(&format!("{month},{},{}\r\n", text(currency), figures_fields(figures)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_and_formulas_defused() {
        assert_eq!(text("Plain Name"), "Plain Name");
        assert_eq!(text("Smith, Jones"), "\"Smith, Jones\"");
        assert_eq!(text("The \"Best\""), "\"The \"\"Best\"\"\"");
        assert_eq!(text("two\nlines"), "\"two\nlines\"");
        assert_eq!(text("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("-2"), "'-2");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("\tx"), "'\tx");
        assert_eq!(text("a=b"), "a=b");
    }

    #[test]
    fn lines_carry_exact_amounts() {
        let mut out = String::new();
        let figures = Figures { gross: 10_500_000, refunds: 0, fees: 1_050_000, net: 9_450_000, payouts: 1 };
        artist_line(&mut out, &ArtistLine { name: "Ana", uid: "u1", currency: "USD", figures });
        assert_eq!(out, "artist,Ana,u1,USD,10.50,0.00,1.05,9.45,0.000001\r\n");
    }
}
