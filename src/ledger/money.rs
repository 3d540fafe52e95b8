//! Money in the ledger: an integer count of micro-units (10⁻⁶ of the
//! currency unit), so that royalty fractions of a cent add up exactly.
//!
//! Amounts never pass through a float. Text is parsed digit by digit
//! ([`Micros::parse_decimal`]); the one place where precision is lost is a
//! value with more than six fraction digits (DistroKid writes up to ~15), which
//! is rounded half-to-even to the micro **once, per value as read** — sums are
//! then taken over the rounded micros, never over the original text.

use std::fmt;

/// Micro-units in one currency unit.
pub const MICROS_PER_UNIT: i64 = 1_000_000;

/// Fraction digits a [`Micros`] holds.
pub const MICRO_PLACES: u32 = 6;

/// An amount of money in micro-units of its (separately stored) currency.
/// `Micros(1_500_000)` is 1.50 of the unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub i64);

/// Why a text amount or a conversion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an empty value is not a decimal amount")]
    Empty,
    /// Not digits with an optional sign and decimal point; `hint` says what
    /// was recognised ("" when nothing in particular).
    #[error("{raw:?} is not a decimal amount{hint}")]
    NotDecimal { raw: String, hint: &'static str },
    #[error("{raw:?} is too large an amount")]
    Overflow { raw: String },
    #[error("a currency exponent of {0} is not supported (at most 6 minor-unit digits)")]
    Exponent(u32),
    #[error("{minor} minor units is too large an amount")]
    MinorOverflow { minor: i64 },
}

const HINT_COMMA: &str = " (write it with a point and no thousands separators, like 1234.50)";
const HINT_EXPONENT: &str = " (exponent notation like 1.5E-5 is not accepted; write the digits out)";

impl Micros {
    pub const ZERO: Micros = Micros(0);

    /// Parses a plain decimal: optional surrounding ASCII whitespace, an
    /// optional `+`/`-`, digits with at most one `.` (at least one digit on
    /// either side: `5`, `5.`, `.5`, `-0.000123456789`).
    ///
    /// More than six fraction digits are rounded half-to-even to the micro
    /// (`0.0000005` → 0, `0.0000015` → 2 micros, `0.00000050001` → 1); this
    /// is the only rounding, done once per value. Refused: empty text,
    /// thousands separators or decimal commas, exponents, currency symbols,
    /// and magnitudes beyond `i64::MAX` micros (≈ 9.2 × 10¹² units).
    pub fn parse_decimal(raw: &str) -> Result<Micros, MoneyError> {
        let text = raw.trim_ascii();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        let not_decimal = || {
            let hint = if text.contains(',') {
                HINT_COMMA
            } else if text.bytes().any(|b| b == b'e' || b == b'E') {
                HINT_EXPONENT
            } else {
                ""
            };
            MoneyError::NotDecimal { raw: raw.to_owned(), hint }
        };
        let overflow = || MoneyError::Overflow { raw: raw.to_owned() };

        let (negative, body) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty()) || !all_digits(int_part) || !all_digits(frac_part) {
            return Err(not_decimal());
        }

        let mut magnitude: i128 = 0;
        for b in int_part.bytes() {
            magnitude = magnitude * 10 + i128::from(b - b'0');
            if magnitude > i128::from(i64::MAX) {
                return Err(overflow());
            }
        }
        let (kept, extra) = frac_part.split_at(frac_part.len().min(MICRO_PLACES as usize));
        let mut micros: i128 = 0;
        for b in kept.bytes() {
            micros = micros * 10 + i128::from(b - b'0');
        }
        micros *= 10i128.pow(MICRO_PLACES - kept.len() as u32);
        magnitude = magnitude * i128::from(MICROS_PER_UNIT) + micros;

        // Half-to-even on the dropped digits.
        if let Some(first) = extra.bytes().next() {
            let rest_nonzero = extra.bytes().skip(1).any(|b| b != b'0');
            let round_up = match first {
                b'6'..=b'9' => true,
                b'5' => rest_nonzero || magnitude % 2 == 1,
                _ => false,
            };
            if round_up {
                magnitude += 1;
            }
        }
        if magnitude > i128::from(i64::MAX) {
            return Err(overflow());
        }
        let value = magnitude as i64;
        Ok(Micros(if negative { -value } else { value }))
    }

    /// The amount with exactly `places` fraction digits (0–6; larger values
    /// are treated as 6), rounded half-to-even when `places < 6`:
    /// `Micros(1_234_500).format_decimal(2)` is `"1.23"`,
    /// `Micros(1_235_000).format_decimal(2)` is `"1.24"`.
    pub fn format_decimal(self, places: u32) -> String {
        let places = places.min(MICRO_PLACES);
        let step = 10i128.pow(MICRO_PLACES - places);
        let magnitude = i128::from(self.0).abs();
        let (mut q, r) = (magnitude / step, magnitude % step);
        if r * 2 > step || (r * 2 == step && q % 2 == 1) {
            q += 1;
        }
        let sign = if self.0 < 0 && q != 0 { "-" } else { "" };
        if places == 0 {
            return format!("{sign}{q}");
        }
        let unit = 10i128.pow(places);
        format!("{sign}{}.{:0width$}", q / unit, q % unit, width = places as usize)
    }

    /// Exact, with the fraction's trailing zeros trimmed but at least two
    /// places kept: `12.00`, `1.50`, `0.000123`, `-3.14159`.
    /// `parse_decimal(&m.to_string()) == Ok(m)` for every `m`.
    fn fmt_exact(self) -> String {
        let mut s = self.format_decimal(MICRO_PLACES);
        let keep = s.len() - (MICRO_PLACES as usize - 2);
        while s.len() > keep && s.ends_with('0') {
            s.pop();
        }
        s
    }

    /// `minor` minor units of a currency with `exponent` minor-unit digits
    /// (2 for USD/EUR, 0 for JPY, 3 for BHD): `from_minor(1999, 2)` is
    /// 19.99 = `Micros(19_990_000)`.
    pub fn from_minor(minor: i64, exponent: u32) -> Result<Micros, MoneyError> {
        let factor = minor_factor(exponent)?;
        minor.checked_mul(factor).map(Micros).ok_or(MoneyError::MinorOverflow { minor })
    }

    /// Whole minor units, rounding toward negative infinity (a fraction of a
    /// cent is never paid out): `Micros(19_999_999).to_minor_floor(2)` is
    /// 1999, `Micros(-1).to_minor_floor(2)` is -1.
    pub fn to_minor_floor(self, exponent: u32) -> Result<i64, MoneyError> {
        Ok(self.0.div_euclid(minor_factor(exponent)?))
    }

    pub fn checked_add(self, other: Micros) -> Option<Micros> {
        self.0.checked_add(other.0).map(Micros)
    }

    pub fn checked_sub(self, other: Micros) -> Option<Micros> {
        self.0.checked_sub(other.0).map(Micros)
    }

    pub fn checked_neg(self) -> Option<Micros> {
        self.0.checked_neg().map(Micros)
    }

    /// The exact sum, or `None` if it (or any partial sum) overflows.
    pub fn checked_sum<I: IntoIterator<Item = Micros>>(amounts: I) -> Option<Micros> {
        amounts.into_iter().try_fold(Micros::ZERO, Micros::checked_add)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Micros per minor unit for a currency exponent.
fn minor_factor(exponent: u32) -> Result<i64, MoneyError> {
    if exponent > MICRO_PLACES {
        return Err(MoneyError::Exponent(exponent));
    }
    Ok(10i64.pow(MICRO_PLACES - exponent))
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.fmt_exact())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// SplitMix64: a small deterministic generator for property-style tests.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform-ish in `0..n` (n > 0).
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next_u64() % n
        }

        /// An i64 whose magnitude is spread over all orders of magnitude.
        pub(crate) fn spread_i64(&mut self) -> i64 {
            let bits = self.below(64) as u32;
            let v = if bits == 0 { 0 } else { (self.next_u64() >> (64 - bits)) as i64 };
            if self.below(2) == 0 { v } else { -v }
        }
    }

    fn p(s: &str) -> Result<Micros, MoneyError> {
        Micros::parse_decimal(s)
    }

    #[test]
    fn parses_plain_decimals() {
        assert_eq!(p("0"), Ok(Micros(0)));
        assert_eq!(p("12"), Ok(Micros(12_000_000)));
        assert_eq!(p("12.5"), Ok(Micros(12_500_000)));
        assert_eq!(p("-12.50"), Ok(Micros(-12_500_000)));
        assert_eq!(p("+0.000001"), Ok(Micros(1)));
        assert_eq!(p(".5"), Ok(Micros(500_000)));
        assert_eq!(p("5."), Ok(Micros(5_000_000)));
        assert_eq!(p("  7.25\t"), Ok(Micros(7_250_000)));
        assert_eq!(p("007.000000"), Ok(Micros(7_000_000)));
        assert_eq!(p("-0"), Ok(Micros(0)));
    }

    #[test]
    fn rounds_extra_fraction_digits_half_to_even() {
        assert_eq!(p("0.000123456789"), Ok(Micros(123)));
        assert_eq!(p("0.0001234999"), Ok(Micros(123)));
        assert_eq!(p("0.0000005"), Ok(Micros(0)));
        assert_eq!(p("0.0000015"), Ok(Micros(2)));
        assert_eq!(p("0.0000025"), Ok(Micros(2)));
        assert_eq!(p("0.00000250000001"), Ok(Micros(3)));
        assert_eq!(p("0.0000035000"), Ok(Micros(4)));
        assert_eq!(p("-0.0000015"), Ok(Micros(-2)));
        assert_eq!(p("-0.0000025"), Ok(Micros(-2)));
        assert_eq!(p("1.23456700000000000000"), Ok(Micros(1_234_567)));
        assert_eq!(p("0.9999995"), Ok(Micros(1_000_000)));
        assert_eq!(p("0.000000499999999"), Ok(Micros(0)));
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        assert_eq!(p(""), Err(MoneyError::Empty));
        assert_eq!(p("   "), Err(MoneyError::Empty));
        for bad in ["-", "+", ".", "-.", "1.2.3", "1 000", "$5", "5 USD", "--1", "+-1", "0x10", "NaN", "inf", "١٢"] {
            assert!(matches!(p(bad), Err(MoneyError::NotDecimal { hint: "", .. })), "{bad}");
        }
        let err = p("12,50").unwrap_err();
        assert_eq!(err.to_string(), format!("\"12,50\" is not a decimal amount{HINT_COMMA}"));
        assert!(matches!(p("1,234.50"), Err(MoneyError::NotDecimal { hint: HINT_COMMA, .. })));
        assert!(matches!(p("1.5E-5"), Err(MoneyError::NotDecimal { hint: HINT_EXPONENT, .. })));
        assert!(matches!(p("1e3"), Err(MoneyError::NotDecimal { hint: HINT_EXPONENT, .. })));
    }

    #[test]
    fn refuses_overflow_and_accepts_the_extremes() {
        assert_eq!(p("9223372036854.775807"), Ok(Micros(i64::MAX)));
        assert_eq!(p("-9223372036854.775807"), Ok(Micros(-i64::MAX)));
        assert_eq!(p("9223372036854.7758074"), Ok(Micros(i64::MAX)));
        for big in ["9223372036854.775808", "9223372036854.7758075", "9223372036855", "-9223372036854.775808"] {
            assert_eq!(p(big), Err(MoneyError::Overflow { raw: big.into() }), "{big}");
        }
        let huge = "9".repeat(400);
        assert!(matches!(p(&huge), Err(MoneyError::Overflow { .. })));
        assert_eq!(p(&format!("0.{}", "0".repeat(400))), Ok(Micros(0)));
    }

    #[test]
    fn displays_exactly_with_at_least_two_places() {
        let cases = [
            (0, "0.00"),
            (1, "0.000001"),
            (-1, "-0.000001"),
            (10_000, "0.01"),
            (1_500_000, "1.50"),
            (12_000_000, "12.00"),
            (-3_141_590, "-3.14159"),
            (123, "0.000123"),
            (i64::MAX, "9223372036854.775807"),
            (i64::MIN, "-9223372036854.775808"),
        ];
        for (m, s) in cases {
            assert_eq!(Micros(m).to_string(), s);
        }
        assert_eq!(format!("[{:>8}]", Micros(1_500_000)), "[    1.50]");
    }

    #[test]
    fn formats_with_fixed_places_rounding_half_to_even() {
        assert_eq!(Micros(1_234_500).format_decimal(2), "1.23");
        assert_eq!(Micros(1_235_000).format_decimal(2), "1.24");
        assert_eq!(Micros(1_225_000).format_decimal(2), "1.22");
        assert_eq!(Micros(1_225_001).format_decimal(2), "1.23");
        assert_eq!(Micros(-1_235_000).format_decimal(2), "-1.24");
        assert_eq!(Micros(-4_000).format_decimal(2), "0.00");
        assert_eq!(Micros(2_500_000).format_decimal(0), "2");
        assert_eq!(Micros(3_500_000).format_decimal(0), "4");
        assert_eq!(Micros(123).format_decimal(6), "0.000123");
        assert_eq!(Micros(123).format_decimal(9), "0.000123");
        assert_eq!(Micros(1_999_500).format_decimal(3), "2.000");
    }

    #[test]
    fn converts_minor_units() {
        assert_eq!(Micros::from_minor(1999, 2), Ok(Micros(19_990_000)));
        assert_eq!(Micros::from_minor(-5, 2), Ok(Micros(-50_000)));
        assert_eq!(Micros::from_minor(500, 0), Ok(Micros(500_000_000)));
        assert_eq!(Micros::from_minor(1, 3), Ok(Micros(1_000)));
        assert_eq!(Micros::from_minor(7, 6), Ok(Micros(7)));
        assert_eq!(Micros::from_minor(1, 7), Err(MoneyError::Exponent(7)));
        assert_eq!(Micros::from_minor(i64::MAX, 2), Err(MoneyError::MinorOverflow { minor: i64::MAX }));

        assert_eq!(Micros(19_999_999).to_minor_floor(2), Ok(1999));
        assert_eq!(Micros(19_990_000).to_minor_floor(2), Ok(1999));
        assert_eq!(Micros(-1).to_minor_floor(2), Ok(-1));
        assert_eq!(Micros(-10_000).to_minor_floor(2), Ok(-1));
        assert_eq!(Micros(-10_001).to_minor_floor(2), Ok(-2));
        assert_eq!(Micros(999_999).to_minor_floor(0), Ok(0));
        assert_eq!(Micros(1_234_567).to_minor_floor(3), Ok(1234));
        assert_eq!(Micros(i64::MIN).to_minor_floor(2), Ok(-922_337_203_685_478));
        assert_eq!(Micros(1).to_minor_floor(8), Err(MoneyError::Exponent(8)));

        let mut rng = Rng(7);
        for _ in 0..5_000 {
            let minor = rng.spread_i64() >> 24;
            for exp in 0..=6 {
                let m = Micros::from_minor(minor, exp).unwrap();
                assert_eq!(m.to_minor_floor(exp), Ok(minor));
            }
        }
    }

    #[test]
    fn checked_arithmetic() {
        assert_eq!(Micros(1).checked_add(Micros(2)), Some(Micros(3)));
        assert_eq!(Micros(i64::MAX).checked_add(Micros(1)), None);
        assert_eq!(Micros(i64::MIN).checked_sub(Micros(1)), None);
        assert_eq!(Micros(i64::MIN).checked_neg(), None);
        assert_eq!(Micros::checked_sum([Micros(1), Micros(-5), Micros(10)]), Some(Micros(6)));
        assert_eq!(Micros::checked_sum(Vec::new()), Some(Micros::ZERO));
        assert_eq!(Micros::checked_sum([Micros(i64::MAX), Micros(1), Micros(-1)]), None);
    }

    #[test]
    fn property_parse_of_display_and_format_is_identity() {
        let mut rng = Rng(0x5EED);
        let mut values: Vec<i64> = vec![0, 1, -1, 999_999, 1_000_000, -1_000_001, i64::MAX, -i64::MAX];
        values.extend((0..20_000).map(|_| rng.spread_i64()));
        for v in values {
            let m = Micros(v);
            assert_eq!(p(&m.to_string()), Ok(m), "{v}");
            assert_eq!(p(&m.format_decimal(6)), Ok(m), "{v}");
            // Appending digits below the micro rounds back to the same value
            // unless they reach half a micro.
            let padded = format!("{}0004999", m.format_decimal(6));
            assert_eq!(p(&padded), Ok(m), "{padded}");
        }
    }

    #[test]
    fn property_rounding_matches_an_integer_reference() {
        // Nine fraction digits: the reference rounds n/1000 half-to-even.
        let mut rng = Rng(99);
        for _ in 0..20_000 {
            let nanos = (rng.next_u64() >> 8) as i64 * if rng.below(2) == 0 { 1 } else { -1 };
            let neg = nanos < 0;
            let abs = nanos.unsigned_abs();
            let text = format!("{}{}.{:09}", if neg { "-" } else { "" }, abs / 1_000_000_000, abs % 1_000_000_000);
            let (q, r) = (abs / 1000, abs % 1000);
            let rounded = if r > 500 || (r == 500 && q % 2 == 1) { q + 1 } else { q } as i64;
            assert_eq!(p(&text), Ok(Micros(if neg { -rounded } else { rounded })), "{text}");
        }
    }
}
