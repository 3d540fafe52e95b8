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

/// An ISRC as stored: twelve characters, `CCXXXYYNNNNN` — country, registrant,
/// year of reference, designation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isrc(String);

impl Isrc {
    /// Accepts `CC-XXX-YY-NNNNN` with or without dashes or spaces, any case.
    pub fn parse(raw: &str) -> Result<Isrc, &'static str> {
        let compact: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect::<String>().to_ascii_uppercase();
        let b = compact.as_bytes();
        let shape = b.len() == 12
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..5].iter().all(u8::is_ascii_alphanumeric)
            && b[5..].iter().all(u8::is_ascii_digit);
        if shape { Ok(Isrc(compact)) } else { Err("An ISRC looks like CC-XXX-YY-NNNNN, e.g. QZ-K6P-26-00001.") }
    }

    /// The ISRC for designation `n` of `year` under a registrant.
    pub fn assign(registrant: &(String, String), year: i32, n: i64) -> Result<Isrc, Exhausted> {
        if !(1..=99_999).contains(&n) {
            return Err(Exhausted(format!("{}-{} for {year}", registrant.0, registrant.1)));
        }
        Ok(Isrc(format!("{}{}{:02}{n:05}", registrant.0, registrant.1, year.rem_euclid(100))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `QZ-K6P-26-00001`, as people write it.
    pub fn display(&self) -> String {
        let s = &self.0;
        format!("{}-{}-{}-{}", &s[..2], &s[2..5], &s[5..7], &s[7..])
    }
}

/// A UPC-A (12 digits) or EAN-13 whose GS1 check digit is right.
pub fn check_icpn(raw: &str) -> Result<String, &'static str> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if !matches!(digits.len(), 12 | 13) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("A UPC has 12 digits, an EAN 13.");
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    if gs1_check_digit(body).to_string() != check {
        return Err("This UPC's check digit is wrong: check for a typo.");
    }
    Ok(digits)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the code series {0} has no numbers left")]
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
    fn isrcs_parse_in_any_common_spelling_and_assign_five_digit_designations() {
        assert_eq!(Isrc::parse("qz-k6p-26-00001").unwrap().as_str(), "QZK6P2600001");
        assert_eq!(Isrc::parse("QZK6P2600001").unwrap().display(), "QZ-K6P-26-00001");
        for bad in ["", "QZK6P260001", "1ZK6P2600001", "QZK6P26A0001", "QZ-K6P-26-000012"] {
            assert!(Isrc::parse(bad).is_err(), "{bad}");
        }
        let registrant = ("QZ".to_owned(), "K6P".to_owned());
        assert_eq!(Isrc::assign(&registrant, 2026, 7).unwrap().as_str(), "QZK6P2600007");
        assert!(Isrc::assign(&registrant, 2026, 100_000).is_err());
        assert!(Isrc::assign(&registrant, 2026, 0).is_err());
    }

    #[test]
    fn upcs_are_checked() {
        assert_eq!(check_icpn("0614141000012").unwrap(), "0614141000012");
        assert_eq!(check_icpn("036000291452").unwrap(), "036000291452");
        assert!(check_icpn("036000291453").is_err());
        assert!(check_icpn("12345").is_err());
    }

    #[test]
    fn registrants_are_two_letters_and_three_alphanumerics() {
        assert_eq!(parse_registrant("qz-k6p"), Some(("QZ".into(), "K6P".into())));
        assert_eq!(parse_registrant("QZK6P"), Some(("QZ".into(), "K6P".into())));
        assert_eq!(parse_registrant("Q1-K6P"), None);
        assert_eq!(parse_registrant("QZ-K6"), None);
    }
}
