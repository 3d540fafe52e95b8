//! The label's money figures, made from the ledger's sums: a month as asked
//! in a URL, and per currency the artists' gross, refunds, the platform's
//! fees, net and payouts — in integer micro-units, so the parts add up to
//! the whole exactly (`gross − refunds − platform fees = net`, and the
//! platform's lines add up to its fees).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::ledger::Micros;
use crate::ledger::label::SourceSum;

/// A calendar month, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Exactly `YYYY-MM` (a year from 2000 on, a month 01–12); otherwise
    /// the message to show.
    pub fn parse(raw: &str) -> Result<Month, String> {
        let refuse = || format!("{raw:?} is not a month: give it as YYYY-MM, like 2026-12.");
        let text = raw.trim();
        let bytes = text.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' || !text.bytes().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit())
        {
            return Err(refuse());
        }
        let year: i32 = text[..4].parse().map_err(|_| refuse())?;
        let month: u32 = text[5..].parse().map_err(|_| refuse())?;
        if !(1..=12).contains(&month) {
            return Err(format!("{raw:?} is not a month: the month must be 01 to 12."));
        }
        if year < 2000 {
            return Err(format!("{raw:?} is too long ago: Boptone has no money before 2000."));
        }
        Ok(Month { year, month })
    }

    /// The month holding `ms` (unix milliseconds).
    pub fn of_ms(ms: i64) -> Month {
        let day = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().date_naive();
        Month { year: day.year(), month: day.month() }
    }

    fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 { Month { year: self.year - 1, month: 12 } } else { Month { month: self.month - 1, ..self } }
    }

    /// The twelve months ending with this one, oldest first.
    pub fn twelve(self) -> Vec<Month> {
        let mut months = vec![self];
        while months.len() < 12 {
            months.push(months[months.len() - 1].prev());
        }
        months.reverse();
        months
    }

    /// "December 2026".
    pub fn title(self) -> String {
        self.first_day().format("%B %Y").to_string()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One currency's money over a span, in micro-units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Income before anything is taken: tips, sales, royalties (every part
    /// of split income included).
    pub gross: i64,
    /// What went back to payers (positive).
    pub refunds: i64,
    /// The platform's take: fees on income, less fees returned with refunds,
    /// plus what artists paid the platform.
    pub fees: i64,
    /// What the artists keep: `gross − refunds − fees`.
    pub net: i64,
    /// Paid out to the artists' banks (positive; returned payouts subtract).
    pub payouts: i64,
}

/// A sum too large for the ledger's integers (never seen in practice).
#[derive(Debug)]
pub struct Overflow;

fn add(to: &mut i64, amount: i64) -> Result<(), Overflow> {
    *to = to.checked_add(amount).ok_or(Overflow)?;
    Ok(())
}

impl Figures {
    /// Adds one source's sum. Payout rows move money the artist already
    /// has, so they count only as payouts.
    pub fn add(&mut self, sum: &SourceSum) -> Result<(), Overflow> {
        let neg = |v: i64| v.checked_neg().ok_or(Overflow);
        match sum.source.as_str() {
            "payout" => return add(&mut self.payouts, neg(sum.net_micros)?),
            "refund" => add(&mut self.refunds, neg(sum.gross_micros)?)?,
            _ => add(&mut self.gross, sum.gross_micros)?,
        }
        add(&mut self.fees, sum.fee_micros)?;
        add(&mut self.net, sum.net_micros)
    }

    /// Per currency, the figures of `sums`.
    pub fn per_currency(sums: &[SourceSum]) -> Result<BTreeMap<String, Figures>, Overflow> {
        let mut out: BTreeMap<String, Figures> = BTreeMap::new();
        for sum in sums {
            out.entry(sum.currency.clone()).or_default().add(sum)?;
        }
        Ok(out)
    }

    /// The identity the page and the CSV promise.
    pub fn adds_up(&self) -> bool {
        self.gross.checked_sub(self.refunds).and_then(|v| v.checked_sub(self.fees)) == Some(self.net)
    }
}

/// The platform's income of one kind (a ledger source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformLine {
    pub source: String,
    pub label: String,
    pub micros: i64,
}

/// What the platform's fees of a ledger source are called.
pub fn source_label(source: &str) -> String {
    match source {
        "subscription" => "Subscriptions paid by artists".into(),
        "tip" => "Platform fees on tips".into(),
        "order" => "Platform fees on sales (shop orders)".into(),
        "refund" => "Platform fees returned with refunds".into(),
        "royalty" => "Platform fees on royalties".into(),
        "fee" => "Other platform fees".into(),
        other => format!("Platform fees ({other})"),
    }
}

/// Per currency, the platform's income by kind: subscriptions, tips and
/// sales always (zero when nothing came in), any other kind with rows.
/// The lines of a currency add up to its [`Figures::fees`].
pub fn platform_lines(sums: &[SourceSum]) -> Result<BTreeMap<String, Vec<PlatformLine>>, Overflow> {
    let mut by: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for sum in sums.iter().filter(|s| s.source != "payout") {
        let kinds = by.entry(sum.currency.clone()).or_default();
        for always in ["subscription", "tip", "order"] {
            kinds.entry(always.to_owned()).or_default();
        }
        add(kinds.entry(sum.source.clone()).or_default(), sum.fee_micros)?;
    }
    let order = |s: &str| ["subscription", "tip", "order", "refund", "royalty"].iter().position(|k| *k == s);
    Ok(by
        .into_iter()
        .map(|(currency, kinds)| {
            let mut lines: Vec<PlatformLine> = kinds
                .into_iter()
                .map(|(source, micros)| PlatformLine { label: source_label(&source), source, micros })
                .collect();
            lines.sort_by_key(|l| (order(&l.source).unwrap_or(usize::MAX), l.source.clone()));
            (currency, lines)
        })
        .collect())
}

/// An exact amount for display and CSV: `12.50`, `0.000123`.
pub fn amount(micros: i64) -> String {
    Micros(micros).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(source: &str, currency: &str, gross: i64, fee: i64) -> SourceSum {
        SourceSum {
            month: "2026-12".into(),
            currency: currency.into(),
            source: source.into(),
            entries: 1,
            gross_micros: gross,
            fee_micros: fee,
            net_micros: gross - fee,
        }
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(Month::parse("2026-12"), Ok(Month { year: 2026, month: 12 }));
        for bad in
            ["", "2026-13", "2026-00", "2026-1", "26-12", "2026/12", "2026-12-01", "１２３４-12", "+026-12", "1999-12"]
        {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        let m = Month::parse("2026-01").unwrap();
        assert_eq!(
            (m.prev().to_string(), m.next().to_string(), m.title()),
            ("2025-12".into(), "2026-02".into(), "January 2026".into())
        );
        assert_eq!(Month::of_ms(1_767_225_600_000), m, "2026-01-01T00:00:00Z");
        assert_eq!(Month::of_ms(1_767_225_600_000 - 1), m.prev());
        let twelve = m.twelve();
        assert_eq!((twelve.len(), twelve[0].to_string(), twelve[11]), (12, "2025-02".into(), m));
    }

    #[test]
    fn the_parts_add_up_to_the_whole() {
        let sums = [
            sum("tip", "USD", 10_000_000, 1_000_000),
            sum("order", "USD", 25_000_000, 1_250_000),
            sum("royalty", "USD", 333_333, 0),
            sum("refund", "USD", -5_000_000, -250_000),
            sum("subscription", "USD", 0, 9_000_000),
            sum("payout", "USD", -20_000_000, 0),
            sum("tip", "EUR", 3_000_000, 300_000),
        ];
        let figures = Figures::per_currency(&sums).unwrap();
        let usd = figures["USD"];
        assert_eq!(
            usd,
            Figures { gross: 35_333_333, refunds: 5_000_000, fees: 11_000_000, net: 19_333_333, payouts: 20_000_000 }
        );
        assert!(usd.adds_up() && figures["EUR"].adds_up());
        let lines = platform_lines(&sums).unwrap();
        let kinds: Vec<&str> = lines["USD"].iter().map(|l| l.source.as_str()).collect();
        assert_eq!(kinds, ["subscription", "tip", "order", "refund", "royalty"]);
        assert_eq!(lines["USD"].iter().map(|l| l.micros).sum::<i64>(), usd.fees);
        let eur: Vec<(&str, i64)> = lines["EUR"].iter().map(|l| (l.source.as_str(), l.micros)).collect();
        assert_eq!(eur, [("subscription", 0), ("tip", 300_000), ("order", 0)]);
        assert_eq!(amount(333_333), "0.333333");
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        let mut f = Figures { gross: i64::MAX, ..Figures::default() };
        assert!(f.add(&sum("tip", "USD", 1, 0)).is_err());
    }
}
