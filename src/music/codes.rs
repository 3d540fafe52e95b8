//! Release and recording codes the label assigns: UPC/EAN (GS1 ICPN) from
//! the label's company prefix, and the shape of its ISRC registrant code.

/// `"QZ-K6P"` (or `"QZK6P"`) → `("QZ", "K6P")`: a country code of two
/// letters and a registrant of three letters or digits.
pub fn parse_registrant(raw: &str) -> Option<(String, String)> {
    let compact: String = raw.chars().filter(|c| *c != '-').collect::<String>().to_ascii_uppercase();
    let country_ok = compact.len() == 5 && compact[..2].bytes().all(|b| b.is_ascii_uppercase());
    (country_ok && compact[2..].bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| (compact[..2].to_owned(), compact[2..].to_owned()))
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the GS1 prefix {0} has no item numbers left")]
pub struct Exhausted(String);

/// The EAN-13 for item `n` under the GS1 company prefix `prefix`: the
/// prefix, the item number zero-padded to fill twelve digits, and the GS1
/// check digit. A UPC-A is the same number without its leading zero, so a
/// prefix starting with 0 yields what US stores read as a UPC.
pub fn assign_icpn(prefix: &str, n: i64) -> Result<String, Exhausted> {
    let width = 12usize.saturating_sub(prefix.len());
    let body = format!("{prefix}{n:0width$}");
    if body.len() != 12 || n < 0 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Exhausted(prefix.to_owned()));
    }
    Ok(format!("{body}{}", gs1_check_digit(&body)))
}

/// GS1's check digit: weights 3 and 1 alternating from the right.
fn gs1_check_digit(body: &str) -> u32 {
    let sum: u32 =
        body.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_codes_carry_gs1_check_digits() {
        // GS1's example company prefix 0614141, item 00001: check digit 2.
        assert_eq!(assign_icpn("0614141", 1).unwrap(), "0614141000012");
        assert!(assign_icpn("400638133393", 0).is_err(), "a 12-digit prefix leaves no room for items");
        assert_eq!(assign_icpn("0614141", 100_000).err(), Some(Exhausted("0614141".into())), "five digits only");
        // A published EAN-13 (a known book): 978030640615 + 7.
        assert_eq!(format!("978030640615{}", gs1_check_digit("978030640615")), "9780306406157");
    }

    #[test]
    fn registrants_are_two_letters_and_three_alphanumerics() {
        assert_eq!(parse_registrant("qz-k6p"), Some(("QZ".into(), "K6P".into())));
        assert_eq!(parse_registrant("QZK6P"), Some(("QZ".into(), "K6P".into())));
        assert_eq!(parse_registrant("Q1-K6P"), None);
        assert_eq!(parse_registrant("QZ-K6"), None);
    }
}
