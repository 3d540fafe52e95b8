//! Authenticator codes (RFC 6238: HMAC-SHA1, six digits, 30-second steps,
//! what every authenticator app reads from an `otpauth://` QR code) and
//! single-use recovery codes. Pure functions; `mfa` stores and checks.

use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
const STEP: u64 = 30;
/// Codes of the step before and after count too (clocks drift).
const SKEW: u64 = 1;
pub const RECOVERY_CODES: usize = 10;

/// A new secret, base32 as apps and people type it: 160 bits (RFC 4226's advice).
pub fn new_secret() -> String {
    Secret::Raw(rand::random::<[u8; 20]>().to_vec()).to_encoded().to_string()
}

fn totp(secret: &str, issuer: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    // `new_unchecked`: the label's name may hold characters the checked
    // constructor refuses (":"); the otpauth URL escapes them anyway.
    Some(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, bytes, Some(issuer.replace(':', " ")), account.to_owned()))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &str, issuer: &str, account: &str) -> Option<String> {
    Some(totp(secret, issuer, account)?.get_url())
}

/// The code for the step holding `unix_secs`.
pub fn code_at(secret: &str, unix_secs: u64) -> Option<String> {
    Some(totp(secret, "", "")?.generate(unix_secs))
}

/// The step a typed code belongs to, if it is valid at `unix_secs` and newer
/// than `last_step` (a code is good once).
pub fn matching_step(secret: &str, typed: &str, unix_secs: u64, last_step: u64) -> Option<u64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "", "")?;
    let now_step = unix_secs / STEP;
    (now_step.saturating_sub(SKEW)..=now_step + SKEW)
        .filter(|step| *step > last_step)
        .find(|step| constant_time_eq(totp.generate(step * STEP).as_bytes(), typed.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Fresh recovery codes, as shown once: `xxxx-xxxx-xxxx` of a-z2-9.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..12).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
            format!(
                "{}-{}-{}",
                chars[0..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..].iter().collect::<String>()
            )
        })
        .collect()
}

/// A recovery code as typed, normalised before hashing (case, spaces, dashes).
pub fn normalise_recovery(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 seed "12345678901234567890", last six digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        for (time, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
            (20000000000, "353130"),
        ] {
            assert_eq!(code_at(&secret, time).unwrap(), code, "at {time}");
        }
    }

    #[test]
    fn a_code_counts_once_and_only_near_its_time() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        let step = matching_step(&secret, &code, now, 0).expect("valid now");
        assert_eq!(matching_step(&secret, &code, now, step), None, "not twice");
        assert!(matching_step(&secret, &code, now + 30, 0).is_some(), "one step of drift");
        assert_eq!(matching_step(&secret, &code, now + 300, 0), None, "not minutes later");
        assert_eq!(matching_step(&secret, "12345", now, 0), None);
        assert_eq!(matching_step(&secret, "abcdef", now, 0), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = new_recovery_codes();
        assert_eq!(codes.iter().collect::<std::collections::BTreeSet<_>>().len(), RECOVERY_CODES);
        assert_eq!(normalise_recovery(" ABCD-efgh 2345 "), "abcdefgh2345");
    }
}
