//! Showing money: integer minor units plus an ISO currency, never floats.

/// `900, "USD"` → `$9.00`; currencies without a symbol here as `12.00 SEK`.
pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let amount = format!("{}.{:02}", minor / 100, minor % 100);
    match currency {
        "USD" | "CAD" | "AUD" => format!("{sign}${amount}"),
        "GBP" => format!("{sign}£{amount}"),
        "EUR" => format!("{sign}€{amount}"),
        other => format!("{sign}{amount} {other}"),
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
    }
}
