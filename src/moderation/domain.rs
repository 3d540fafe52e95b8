//! What a report says: the kind of content, a reason from a short list,
//! and optional details in the fan's words.

use std::collections::BTreeMap;

use crate::error::AppError;
use crate::web::text::{Lines, clean_text};

/// The kinds fans may report (issue 15, item 4).
pub const KINDS: &[&str] = &["bop", "comment", "track", "product", "profile"];

/// The reasons, with the words a report form shows for each.
pub const REASONS: &[(&str, &str)] = &[
    ("spam", "Spam or a scam"),
    ("harassment", "Harassment or bullying"),
    ("hate", "Hate speech"),
    ("sexual", "Sexual content"),
    ("violence", "Violence or danger"),
    ("copyright", "It uses my work without permission"),
    ("other", "Something else"),
];

const DETAILS_MAX_CHARS: usize = 1000;

/// A report as typed, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub kind: &'static str,
    pub target: String,
    pub reason: &'static str,
    pub details: String,
}

impl NewReport {
    pub fn parse(kind: &str, target: &str, reason: &str, details: &str) -> Result<NewReport, AppError> {
        let mut fields = BTreeMap::new();
        let kind = KINDS.iter().find(|k| **k == kind.trim()).copied();
        if kind.is_none() {
            fields.insert("kind".to_owned(), format!("Report one of: {}.", KINDS.join(", ")));
        }
        let target = target.trim();
        if target.is_empty() || target.len() > 64 {
            fields.insert("id".to_owned(), "Say which one you are reporting.".to_owned());
        }
        let reason = REASONS.iter().map(|(code, _)| *code).find(|r| *r == reason.trim());
        if reason.is_none() {
            let codes: Vec<_> = REASONS.iter().map(|(code, _)| *code).collect();
            fields.insert("reason".to_owned(), format!("Choose a reason: {}.", codes.join(", ")));
        }
        let details = match clean_text(details, Lines::Multi) {
            Ok(text) if text.chars().count() > DETAILS_MAX_CHARS => {
                fields.insert("details".to_owned(), format!("Keep it under {DETAILS_MAX_CHARS} characters."));
                String::new()
            }
            Ok(text) => text,
            Err(message) => {
                fields.insert("details".to_owned(), message.to_owned());
                String::new()
            }
        };
        match (kind, reason) {
            (Some(kind), Some(reason)) if fields.is_empty() => {
                Ok(NewReport { kind, target: target.to_owned(), reason, details })
            }
            _ => Err(AppError::Invalid { message: "Check the report.".to_owned(), fields }),
        }
    }
}

/// Why the label decided as it did, in its words: required, as the
/// author is told it and the audit log keeps it.
pub fn parse_reason(raw: &str, field: &str) -> Result<String, AppError> {
    parse_text(raw, field, REASON_MAX_CHARS, "Say why: the author is told, and the audit log keeps it.")
}

/// The author's appeal, in their words: required.
pub fn parse_appeal(raw: &str) -> Result<String, AppError> {
    parse_text(raw, "appeal", APPEAL_MAX_CHARS, "Say why the label should change its decision.")
}

const REASON_MAX_CHARS: usize = 1000;
const APPEAL_MAX_CHARS: usize = 2000;

fn parse_text(raw: &str, field: &str, max: usize, empty: &str) -> Result<String, AppError> {
    match clean_text(raw, Lines::Multi) {
        Ok(text) if text.trim().is_empty() => Err(AppError::invalid(field, empty)),
        Ok(text) if text.chars().count() > max => {
            Err(AppError::invalid(field, format!("Keep it under {max} characters.")))
        }
        Ok(text) => Ok(text.trim().to_owned()),
        Err(message) => Err(AppError::invalid(field, message)),
    }
}

/// A reported thing's kind from a path: one fans may report.
pub fn parse_kind(raw: &str) -> Option<&'static str> {
    KINDS.iter().find(|k| **k == raw).copied()
}

/// A queue page's cursor: the keyset `(key, id)` of the last item shown,
/// written `key.id`.
pub fn parse_cursor(raw: &str) -> Result<(i64, i64), AppError> {
    let broken = || AppError::invalid("cursor", "This page link is broken; start again from the first page.");
    let (key, id) = raw.split_once('.').ok_or_else(broken)?;
    Ok((key.parse().map_err(|_| broken())?, id.parse().map_err(|_| broken())?))
}

pub fn cursor(key: i64, id: i64) -> String {
    format!("{key}.{id}")
}

/// The words a reason's code stands for.
pub fn reason_label(code: &str) -> &'static str {
    REASONS.iter().find(|(c, _)| *c == code).map_or("Something else", |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_names_a_known_kind_and_reason() {
        let report = NewReport::parse("comment", " c1 ", "spam", " buy followers\r\nnow ").unwrap();
        assert_eq!(
            report,
            NewReport { kind: "comment", target: "c1".into(), reason: "spam", details: "buy followers\nnow".into() }
        );
        for (kind, id, reason, details, field) in [
            ("video", "x", "spam", "", "kind"),
            ("bop", "", "spam", "", "id"),
            ("bop", "x", "boring", "", "reason"),
            ("bop", "x", "other", "a\u{0}b", "details"),
            ("bop", "x", "other", "\u{202E}evil", "details"),
        ] {
            match NewReport::parse(kind, id, reason, details) {
                Err(AppError::Invalid { fields, .. }) => assert!(fields.contains_key(field), "{field}: {fields:?}"),
                other => panic!("{field}: {other:?}"),
            }
        }
        let long = "x".repeat(DETAILS_MAX_CHARS + 1);
        assert!(NewReport::parse("bop", "x", "other", &long).is_err());
    }

    #[test]
    fn reasons_and_cursors_are_checked() {
        assert_eq!(parse_reason(" spam \r\n", "reason").unwrap(), "spam");
        assert!(parse_reason("  ", "reason").is_err());
        assert!(parse_reason(&"x".repeat(1001), "reason").is_err());
        assert!(parse_appeal("").is_err());
        assert_eq!(parse_cursor("17.4").unwrap(), (17, 4));
        for bad in ["", "17", "a.b", "1.2.3", "1.x"] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_kind("comment"), Some("comment"));
        assert_eq!(parse_kind("user"), None);
    }
}
