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
}
