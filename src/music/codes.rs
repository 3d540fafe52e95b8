//! (interim: replaced by the codes module at merge)

/// `"QZ-K6P"` → `("QZ", "K6P")`.
pub fn parse_registrant(raw: &str) -> Option<(String, String)> {
    let compact: String = raw.chars().filter(|c| *c != '-').collect::<String>().to_ascii_uppercase();
    (compact.len() == 5
        && compact[..2].bytes().all(|b| b.is_ascii_uppercase())
        && compact[2..].bytes().all(|b| b.is_ascii_alphanumeric()))
    .then(|| (compact[..2].to_owned(), compact[2..].to_owned()))
}

#[derive(Debug, thiserror::Error)]
#[error("the GS1 prefix {0} has no item numbers left")]
pub struct Exhausted(String);

/// EAN-13 from `prefix` + item number `n`, with its check digit.
pub fn assign_icpn(prefix: &str, n: i64) -> Result<String, Exhausted> {
    let width = 12 - prefix.len();
    let body = format!("{prefix}{n:0width$}");
    if body.len() != 12 {
        return Err(Exhausted(prefix.to_owned()));
    }
    let sum: u32 =
        body.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    Ok(format!("{body}{}", (10 - sum % 10) % 10))
}
