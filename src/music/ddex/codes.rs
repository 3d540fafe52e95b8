//! Identifier and value checks the XSD cannot do: ISRC shape, GS1 check
//! digits, calendar dates, ISO 8601 durations.
//!
//! The ERN schema types ISRC and ICPN as plain strings, so a typo in either
//! would validate and only be rejected by the DSP days later. These checks
//! run before a message is built.

use std::collections::HashSet;

use super::error::DdexError;
use super::model::Release;

/// Checks the identifiers and basic shape of a release: every ISRC is
/// well-formed and unique, the ICPN is 12/13 digits with a correct GS1 check
/// digit, there is at least one track and every duration is positive.
/// [`super::new_release_message`] calls this first.
pub fn validate_codes(release: &Release) -> Result<(), DdexError> {
    check_icpn(&release.upc)?;
    if release.tracks.is_empty() {
        return Err(DdexError::NoTracks);
    }
    let mut seen = HashSet::new();
    for (i, track) in release.tracks.iter().enumerate() {
        let n = i + 1;
        if !is_isrc(&track.isrc) {
            return Err(DdexError::BadIsrc { track: n, isrc: track.isrc.clone() });
        }
        if !seen.insert(track.isrc.as_str()) {
            return Err(DdexError::DuplicateIsrc { isrc: track.isrc.clone() });
        }
        if track.duration_ms <= 0 {
            return Err(DdexError::BadDuration { track: n, isrc: track.isrc.clone(), duration_ms: track.duration_ms });
        }
    }
    Ok(())
}

/// `CCXXXYYNNNNN`: country (2 uppercase letters), registrant (3 uppercase
/// letters or digits), year (2 digits), designation (5 digits).
pub fn is_isrc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..5].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// A UPC-A (12 digits) or EAN-13 (13 digits) with a correct GS1 check digit.
pub fn check_icpn(s: &str) -> Result<(), DdexError> {
    if !(s.len() == 12 || s.len() == 13) || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(DdexError::BadIcpn { icpn: s.to_owned() });
    }
    let expected = gs1_check_digit(&s[..s.len() - 1]);
    let found = s.as_bytes()[s.len() - 1] as char;
    if expected != found {
        return Err(DdexError::BadIcpnCheckDigit { icpn: s.to_owned(), expected, found });
    }
    Ok(())
}

/// GS1 mod-10 check digit of `body` (all digits): weights 3,1,3,1,… from
/// the right-most digit of the body.
fn gs1_check_digit(body: &str) -> char {
    let sum: u32 =
        body.bytes().rev().enumerate().map(|(i, c)| u32::from(c - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A calendar date `YYYY-MM-DD` (what `xs:date` accepts, without a zone).
pub fn is_date(s: &str) -> bool {
    parse_date(s).is_some()
}

fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r.clone()].iter().all(u8::is_ascii_digit).then(|| s[r].parse().ok()).flatten()
    };
    let (y, m, d) = (digits(0..4)? as i32, digits(5..7)?, digits(8..10)?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The day before a `YYYY-MM-DD` date. DDEX deal end dates are inclusive,
/// so a deal that must stop *on* day D ends on D − 1.
pub fn previous_day(s: &str) -> Option<String> {
    let (mut y, mut m, mut d) = parse_date(s)?;
    if d > 1 {
        d -= 1;
    } else if m > 1 {
        m -= 1;
        d = days_in_month(y, m);
    } else {
        y -= 1;
        m = 12;
        d = 31;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// An RFC 3339 timestamp in the subset `xs:dateTime` accepts:
/// `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
pub fn is_datetime(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else { return false };
    if !is_date(date) {
        return false;
    }
    let (clock, zone) = if let Some(c) = time.strip_suffix('Z') {
        (c, "")
    } else if time.len() > 6 && matches!(time.as_bytes()[time.len() - 6], b'+' | b'-') {
        time.split_at(time.len() - 6)
    } else {
        return false;
    };
    let zone_ok = zone.is_empty() || {
        let z = zone.as_bytes();
        z[3] == b':' && z[1..3].iter().chain(&z[4..]).all(u8::is_ascii_digit)
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let h = hms.as_bytes();
    zone_ok
        && h.len() == 8
        && h[2] == b':'
        && h[5] == b':'
        && hms.bytes().filter(|c| *c != b':').all(|c| c.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|c| c.is_ascii_digit())
}

/// Milliseconds as an ISO 8601 duration the way DDEX samples write them:
/// `PT3M25S`, `PT4M23.583S`, `PT1H2M3S`.
pub fn iso_duration(ms: i64) -> String {
    let ms = ms.max(0);
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    out.push_str(&format!("{m}M{s}"));
    if frac > 0 {
        let f = format!("{frac:03}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('S');
    out
}

/// Parses the `xs:duration` forms found in ERN messages (`PnDTnHnMn.nS`,
/// no years or months, which a recording never needs) into milliseconds.
pub fn parse_iso_duration(s: &str) -> Option<i64> {
    let rest = s.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut ms: i64 = 0;
    if !days.is_empty() {
        ms += days.strip_suffix('D')?.parse::<i64>().ok()? * 86_400_000;
    }
    let mut num = String::new();
    for c in time.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' | 'M' => {
                let unit = if c == 'H' { 3_600_000 } else { 60_000 };
                ms += num.parse::<i64>().ok()? * unit;
                num.clear();
            }
            'S' => {
                let (whole, frac) = num.split_once('.').unwrap_or((&num, ""));
                ms += whole.parse::<i64>().ok()? * 1000;
                if !frac.is_empty() {
                    let f: String = frac.chars().chain("000".chars()).take(3).collect();
                    ms += f.parse::<i64>().ok()?;
                }
                num.clear();
            }
            _ => return None,
        }
    }
    (num.is_empty() && (rest != "T") && !rest.is_empty()).then_some(ms)
}

/// A DDEX Party ID: `PADPIDA` followed by letters and digits.
pub fn is_dpid(s: &str) -> bool {
    s.strip_prefix("PADPIDA").is_some_and(|r| !r.is_empty() && r.bytes().all(|c| c.is_ascii_alphanumeric()))
}

/// 32 hex digits.
pub fn is_md5_hex(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|c| c.is_ascii_hexdigit())
}
