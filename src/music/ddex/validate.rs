//! Input checks the XSD would only report as a schema error, or not at
//! all: header identifiers, dates, file paths and hashes, deal terms.

use super::codes;
use super::error::DdexError;
use super::model::{CreditRole, Deal, MessageHeader, Release};

/// Checks of header and release fields the XSD would only report as a
/// schema error (or not at all).
pub(super) fn validate_inputs(header: &MessageHeader, release: &Release) -> Result<(), DdexError> {
    non_empty("MessageHeader.message_id", &header.message_id)?;
    non_empty("MessageHeader.thread_id", &header.thread_id)?;
    for (field, party) in [("sender", &header.sender), ("recipient", &header.recipient)] {
        if !codes::is_dpid(&party.dpid) {
            return Err(DdexError::invalid(
                format!("MessageHeader.{field}.dpid"),
                &party.dpid,
                "a DDEX Party ID: PADPIDA followed by letters/digits",
            ));
        }
        non_empty(&format!("MessageHeader.{field}.name"), &party.name)?;
    }
    if !codes::is_datetime(&header.created) {
        return Err(DdexError::invalid(
            "MessageHeader.created",
            &header.created,
            "an RFC 3339 date-time like 2026-12-06T12:00:00Z",
        ));
    }
    non_empty("release title", &release.title)?;
    non_empty("release display artist", &release.display_artist)?;
    non_empty("release label name", &release.label_name)?;
    non_empty("release genre", &release.genre)?;
    non_empty("release P-line text", &release.p_line.1)?;
    non_empty("release C-line text", &release.c_line.1)?;
    for (field, year) in [("P-line year", release.p_line.0), ("C-line year", release.c_line.0)] {
        if !(1000..=9999).contains(&year) {
            return Err(DdexError::invalid(field, &year.to_string(), "a four-digit year"));
        }
    }
    let lang_ok = !release.language.is_empty()
        && release.language.split('-').all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric()));
    if !lang_ok {
        return Err(DdexError::invalid("release language", &release.language, "an ISO 639 code such as en or pt-BR"));
    }
    for (field, date) in std::iter::once(("release date", &release.release_date))
        .chain(release.original_release_date.iter().map(|d| ("original release date", d)))
    {
        if !codes::is_date(date) {
            return Err(DdexError::invalid(field, date, "a date YYYY-MM-DD"));
        }
    }
    for name in &release.featured_artists {
        non_empty("featured artist name", name)?;
    }
    let image = release.image.as_ref().ok_or(DdexError::MissingFrontCover)?;
    check_uri("front cover image URI", &image.uri)?;
    check_md5("front cover image MD5", &image.md5_hex)?;
    if image.width == 0 || image.height == 0 {
        return Err(DdexError::invalid(
            "front cover image size",
            &format!("{}x{}", image.width, image.height),
            "non-zero pixels",
        ));
    }
    for (i, t) in release.tracks.iter().enumerate() {
        let n = i + 1;
        non_empty(&format!("track {n} title"), &t.title)?;
        non_empty(&format!("track {n} display artist"), &t.display_artist)?;
        check_uri(&format!("track {n} audio file URI"), &t.file.uri)?;
        check_md5(&format!("track {n} audio file MD5"), &t.file.md5_hex)?;
        for (what, v) in [
            ("sample rate", t.file.sample_rate),
            ("bits per sample", t.file.bits_per_sample),
            ("channels", t.file.channels),
        ] {
            if v == 0 {
                return Err(DdexError::invalid(format!("track {n} {what}"), "0", "a positive number"));
            }
        }
        for c in &t.credits {
            non_empty(&format!("track {n} credit name"), &c.name)?;
            if let CreditRole::Other(role) = &c.role {
                non_empty(&format!("track {n} credit role for {}", c.name), role)?;
            }
        }
    }
    Ok(())
}

pub(super) fn validate_deals(deals: &[Deal]) -> Result<(), DdexError> {
    for (i, d) in deals.iter().enumerate() {
        let n = i + 1;
        if d.territories.is_empty() {
            return Err(DdexError::missing(format!("deal {n} territories")));
        }
        for t in &d.territories {
            if t != "Worldwide" && !(t.len() == 2 && t.bytes().all(|c| c.is_ascii_uppercase())) {
                return Err(DdexError::invalid(
                    format!("deal {n} territory"),
                    t,
                    "Worldwide or an ISO 3166-1 alpha-2 code",
                ));
            }
        }
        if d.commercial_models.is_empty() {
            return Err(DdexError::missing(format!("deal {n} commercial models")));
        }
        if d.use_types.is_empty() {
            return Err(DdexError::missing(format!("deal {n} use types")));
        }
        for date in std::iter::once(&d.start_date).chain(&d.end_date) {
            if !codes::is_date(date) {
                return Err(DdexError::invalid(format!("deal {n} date"), date, "a date YYYY-MM-DD"));
            }
        }
        if let Some(end) = &d.end_date
            && end < &d.start_date
        {
            return Err(DdexError::invalid(format!("deal {n} end date"), end, "not before the start date"));
        }
    }
    Ok(())
}

fn non_empty(field: &str, value: &str) -> Result<(), DdexError> {
    if value.trim().is_empty() { Err(DdexError::missing(field)) } else { Ok(()) }
}

fn check_md5(field: &str, value: &str) -> Result<(), DdexError> {
    if codes::is_md5_hex(value) { Ok(()) } else { Err(DdexError::invalid(field, value, "32 hexadecimal digits")) }
}

/// File URIs are relative to the release folder of the delivery batch.
fn check_uri(field: &str, uri: &str) -> Result<(), DdexError> {
    super::batch::check_relative_path(uri).map_err(|_| {
        DdexError::invalid(field, uri, "a relative path inside the release folder, like resources/A1.flac")
    })
}
