//! Showing money in templates and messages.

use crate::core::{Currency, Money};

/// `900, "USD"` → `$9.00`, by the currency's own exponent (`¥900`,
/// `1.250 KWD`). A code that is not ISO 4217 is shown as given.
pub fn format_money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => Money::new(minor, currency).display(),
        Err(_) => format!("{minor} {currency}"),
    }
}

#[cfg(test)]
mod tests {
    use super::format_money;

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_money(900, "USD"), "$9.00");
        assert_eq!(format_money(12345, "EUR"), "€123.45");
        assert_eq!(format_money(5, "SEK"), "0.05 SEK");
        assert_eq!(format_money(-250, "GBP"), "-£2.50");
        assert_eq!(format_money(900, "JPY"), "¥900");
    }
}
