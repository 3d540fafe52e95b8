//! Money: an integer count of minor units and an ISO 4217 currency, whose
//! exponent says how many minor units make one major unit (USD 2, JPY 0,
//! KWD 3). Never a float. The ledger counts micro-units (10⁻⁶ of the major
//! unit) so that fractions of a cent add up exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency with a defined exponent (so not XAU or XXX).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 4217 currency code like \"USD\"")]
pub struct UnknownCurrency(pub String);

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, UnknownCurrency> {
        iso_currency::Currency::from_code(code)
            .filter(|c| c.exponent().is_some())
            .map(Currency)
            .ok_or_else(|| UnknownCurrency(code.to_owned()))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point.
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().expect("parse admits only currencies with an exponent"))
    }

    /// An amount as people write it ("12", "12.5", "12.50") in minor units:
    /// integer arithmetic only, no more decimals than the currency has.
    pub fn parse_amount(self, raw: &str) -> Result<i64, AmountError> {
        let raw = raw.trim().strip_prefix(self.symbol().unwrap_or("\0")).unwrap_or(raw.trim());
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || (raw.contains('.') && fraction.is_empty()) {
            return Err(AmountError::NotAnAmount);
        }
        let exponent = self.exponent() as usize;
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > exponent {
            return Err(AmountError::TooPrecise(self.exponent()));
        }
        let scale = 10i64.pow(self.exponent());
        let whole: i64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
        let fraction: i64 =
            if fraction.is_empty() { 0 } else { format!("{fraction:0<exponent$}").parse().unwrap_or(0) };
        whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(fraction))
            .filter(|v| *v <= MAX_AMOUNT_MINOR)
            .ok_or(AmountError::TooLarge)
    }

    /// `minor` as a plain decimal ("25.00", "1200"): what a form shows.
    pub fn format_amount(self, minor: i64) -> String {
        let exponent = self.exponent();
        let sign = if minor < 0 { "-" } else { "" };
        let units = minor.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{units}");
        }
        let scale = 10u64.pow(exponent);
        format!("{sign}{}.{:0width$}", units / scale, units % scale, width = exponent as usize)
    }

    fn symbol(self) -> Option<&'static str> {
        match self.code() {
            "USD" | "CAD" | "AUD" | "NZD" => Some("$"),
            "GBP" => Some("£"),
            "EUR" => Some("€"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// The largest amount a form or import may give (a billion major units of
/// a 2-decimal currency): far beyond any price, far below overflow.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount like 12.50.")]
    NotAnAmount,
    #[error("Use at most {0} decimal places.")]
    TooPrecise(u32),
    #[error("That amount is too large.")]
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount in micro-units (10⁻⁶ of the major unit), for the ledger.
    pub fn to_micros(self) -> i64 {
        let per_minor = 10i64.pow(6u32.saturating_sub(self.currency.exponent()));
        self.minor.saturating_mul(per_minor)
    }

    /// `$9.00`, `¥900`, `1.250 KWD`: symbol where one is common, else the code.
    pub fn display(self) -> String {
        let exponent = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let units = self.minor.unsigned_abs();
        let amount = if exponent == 0 {
            units.to_string()
        } else {
            let scale = 10u64.pow(exponent);
            format!("{}.{:0width$}", units / scale, units % scale, width = exponent as usize)
        };
        match self.currency.symbol() {
            Some(symbol) => format!("{sign}{symbol}{amount}"),
            None => format!("{sign}{amount} {}", self.currency),
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::parse(code).unwrap())
    }

    #[test]
    fn parses_amounts_without_floats() {
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(usd.parse_amount("12"), Ok(1200));
        assert_eq!(usd.parse_amount("12.5"), Ok(1250));
        assert_eq!(usd.parse_amount(" 12.50 "), Ok(1250));
        assert_eq!(usd.parse_amount("$0.07"), Ok(7));
        assert_eq!(usd.parse_amount("12.500"), Ok(1250));
        assert_eq!(usd.parse_amount("12.505"), Err(AmountError::TooPrecise(2)));
        for bad in ["", "abc", "-1", "1,000", "1.", ".5", "1.2.3", "1e3"] {
            assert_eq!(usd.parse_amount(bad), Err(AmountError::NotAnAmount), "{bad:?}");
        }
        assert_eq!(usd.parse_amount("99999999999999999999"), Err(AmountError::TooLarge));
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_amount("1200"), Ok(1200));
        assert_eq!(jpy.parse_amount("1200.5"), Err(AmountError::TooPrecise(0)));
    }

    #[test]
    fn formats_by_the_currency_exponent() {
        assert_eq!(money(900, "USD").display(), "$9.00");
        assert_eq!(money(12345, "EUR").display(), "€123.45");
        assert_eq!(money(5, "SEK").display(), "0.05 SEK");
        assert_eq!(money(-250, "GBP").display(), "-£2.50");
        assert_eq!(money(900, "JPY").display(), "¥900");
        assert_eq!(money(1250, "KWD").display(), "1.250 KWD");
    }

    #[test]
    fn converts_to_ledger_micros() {
        assert_eq!(money(1, "USD").to_micros(), 10_000);
        assert_eq!(money(1, "JPY").to_micros(), 1_000_000);
        assert_eq!(money(1, "KWD").to_micros(), 1_000);
    }

    #[test]
    fn refuses_what_is_not_a_currency() {
        for bad in ["usd", "US", "XYZ", "XAU", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Currency>("\"ZZZ\"").is_err());
    }
}
