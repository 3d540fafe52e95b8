//! Decimal parsing with integer arithmetic only (no floats anywhere).

/// Why a number cell was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumError {
    /// Not of the form `[-]digits[.digits]`: letters, currency signs,
    /// thousands separators, decimal commas, spaces, exponents...
    Invalid,
    /// More significant decimals than the exponent allows.
    TooPrecise,
    /// Does not fit in an i64 once scaled.
    TooLarge,
}

/// Parses `[-]digits[.digits]` and scales it by `10^exponent`:
/// `("12.5", 2)` gives 1250, `("1200", 0)` gives 1200, `("-3", 0)` gives -3.
/// Extra decimals are accepted only if they are zeros (`"12.500"` at 2).
/// `s` must already be trimmed; an empty string is `Invalid`.
pub(super) fn parse_scaled(s: &str, exponent: u32) -> Result<i64, NumError> {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (unsigned, ""),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() && frac_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(NumError::Invalid);
    }
    let exp = exponent as usize;
    if frac_part.len() > exp && frac_part.bytes().skip(exp).any(|b| b != b'0') {
        return Err(NumError::TooPrecise);
    }
    let mut value: i64 = 0;
    let frac_digits = frac_part.bytes().chain(std::iter::repeat(b'0')).take(exp);
    for digit in int_part.bytes().chain(frac_digits) {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(digit - b'0'))).ok_or(NumError::TooLarge)?;
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::{NumError::*, parse_scaled};

    #[test]
    fn accepts_plain_decimals() {
        assert_eq!(parse_scaled("12", 2), Ok(1200));
        assert_eq!(parse_scaled("12.5", 2), Ok(1250));
        assert_eq!(parse_scaled("12.50", 2), Ok(1250));
        assert_eq!(parse_scaled("12.500", 2), Ok(1250));
        assert_eq!(parse_scaled("0.05", 2), Ok(5));
        assert_eq!(parse_scaled(".5", 2), Ok(50));
        assert_eq!(parse_scaled("7.", 2), Ok(700));
        assert_eq!(parse_scaled("007", 2), Ok(700));
        assert_eq!(parse_scaled("1200", 0), Ok(1200));
        assert_eq!(parse_scaled("1200.00", 0), Ok(1200));
        assert_eq!(parse_scaled("1.234", 3), Ok(1234));
        assert_eq!(parse_scaled("-3", 0), Ok(-3));
        assert_eq!(parse_scaled("-0.5", 2), Ok(-50));
        assert_eq!(parse_scaled("0", 2), Ok(0));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in ["", ".", "-", "abc", "1,234.50", "12,50", "$12", "12 USD", " 12", "1e3", "+5", "1.2.3", "--1", "١٢"]
        {
            assert_eq!(parse_scaled(bad, 2), Err(Invalid), "{bad:?}");
        }
        assert_eq!(parse_scaled("12.345", 2), Err(TooPrecise));
        assert_eq!(parse_scaled("12.5", 0), Err(TooPrecise));
        assert_eq!(parse_scaled("92233720368547758.08", 2), Err(TooLarge));
        assert_eq!(parse_scaled("1", 30), Err(TooLarge));
        assert_eq!(parse_scaled("92233720368547758.07", 2), Ok(i64::MAX));
    }
}
