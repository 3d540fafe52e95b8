//! A track's metadata, parsed from the track form: title, version, ISRC,
//! explicit flag, credits, genre and mood tags, preview start.

use serde::{Deserialize, Serialize};

use super::codes::Isrc;
use super::domain::FieldErrors;
use crate::web::text::{Lines, clean_text};

/// The roles a credit may name, as stores and DDEX know them.
pub const CREDIT_ROLES: &[(&str, &str)] = &[
    ("performer", "Performer"),
    ("featured_artist", "Featured artist"),
    ("composer", "Composer"),
    ("lyricist", "Lyricist"),
    ("producer", "Producer"),
    ("mixing_engineer", "Mixing engineer"),
    ("mastering_engineer", "Mastering engineer"),
    ("arranger", "Arranger"),
];

/// Moods a track may be tagged with (fans browse by them).
pub const MOODS: &[&str] =
    &["chill", "dark", "dreamy", "energetic", "happy", "melancholic", "romantic", "angry", "uplifting", "party"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    pub role: String,
}

/// What the track form sends. Credits come one per line as `Name, role`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TrackInput {
    pub title: String,
    pub version: String,
    pub isrc: String,
    /// A checkbox: present ("on") when ticked.
    pub explicit: Option<String>,
    pub genre: String,
    /// Comma-separated mood tags.
    pub moods: String,
    /// Where the preview starts, `m:ss` or seconds.
    pub preview_start: String,
    pub credits: String,
}

/// A track's metadata, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackDraft {
    pub title: String,
    pub version: String,
    pub isrc: Option<Isrc>,
    pub explicit: bool,
    pub genre: String,
    pub moods: Vec<String>,
    pub preview_start_ms: i64,
    pub credits: Vec<Credit>,
}

fn line(raw: &str, max: usize) -> Result<String, String> {
    let text = clean_text(raw, Lines::Single).map_err(str::to_owned)?;
    if text.chars().count() > max {
        return Err(format!("At most {max} characters."));
    }
    Ok(text)
}

impl TrackDraft {
    pub fn parse(input: &TrackInput, genres: &[&str]) -> Result<TrackDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut field = |name: &str, result: Result<String, String>| {
            result.map_err(|message| errors.insert(name.to_owned(), message)).unwrap_or_default()
        };
        let title = field("title", line(&input.title, 200));
        let version = field("version", line(&input.version, 100));
        if title.is_empty() && !errors.contains_key("title") {
            errors.insert("title".into(), "Give the track a title.".into());
        }
        let isrc = match input.isrc.trim() {
            "" => None,
            raw => Isrc::parse(raw).map_err(|e| errors.insert("isrc".into(), e.into())).ok(),
        };
        if !input.genre.is_empty() && !genres.contains(&input.genre.as_str()) {
            errors.insert("genre".into(), "Choose a genre from the list.".into());
        }
        let moods = parse_moods(&input.moods).map_err(|e| errors.insert("moods".into(), e)).unwrap_or_default();
        let preview_start_ms =
            parse_position(&input.preview_start).map_err(|e| errors.insert("preview_start".into(), e.into()));
        let credits = parse_credits(&input.credits).map_err(|e| errors.insert("credits".into(), e));
        match (preview_start_ms, credits, errors.is_empty()) {
            (Ok(preview_start_ms), Ok(credits), true) => Ok(TrackDraft {
                title,
                version,
                isrc,
                explicit: input.explicit.is_some(),
                genre: input.genre.clone(),
                moods,
                preview_start_ms,
                credits,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_moods(raw: &str) -> Result<Vec<String>, String> {
    let mut moods = Vec::new();
    for part in raw.split(',').map(|m| m.trim().to_lowercase()).filter(|m| !m.is_empty()) {
        if !MOODS.contains(&part.as_str()) {
            return Err(format!("\"{part}\" is not a mood we know; choose from: {}.", MOODS.join(", ")));
        }
        if !moods.contains(&part) {
            moods.push(part);
        }
    }
    Ok(moods)
}

/// `m:ss` or whole seconds, up to an hour.
fn parse_position(raw: &str) -> Result<i64, &'static str> {
    let raw = raw.trim();
    const MESSAGE: &str = "Write the preview start as m:ss, e.g. 0:45.";
    let secs = match raw.split_once(':') {
        _ if raw.is_empty() => 0,
        Some((m, s)) if s.len() == 2 => {
            let (m, s) = (m.parse::<i64>().map_err(|_| MESSAGE)?, s.parse::<i64>().map_err(|_| MESSAGE)?);
            if s >= 60 {
                return Err(MESSAGE);
            }
            m * 60 + s
        }
        Some(_) => return Err(MESSAGE),
        None => raw.parse::<i64>().map_err(|_| MESSAGE)?,
    };
    if (0..3600).contains(&secs) { Ok(secs * 1000) } else { Err(MESSAGE) }
}

/// One credit per line, `Name, role`; at most 50.
fn parse_credits(raw: &str) -> Result<Vec<Credit>, String> {
    let mut credits = Vec::new();
    for (n, text) in raw.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let Some((name, role)) = text.rsplit_once(',') else {
            return Err(format!("Line {}: write the credit as \"Name, role\".", n + 1));
        };
        let name = line(name, 100).map_err(|e| format!("Line {}: {e}", n + 1))?;
        let wanted = role.trim().to_lowercase().replace(' ', "_");
        let Some((role, _)) = CREDIT_ROLES.iter().find(|(key, _)| *key == wanted) else {
            let known: Vec<&str> = CREDIT_ROLES.iter().map(|(_, label)| *label).collect();
            return Err(format!("Line {}: the role \"{}\" is not one of: {}.", n + 1, role.trim(), known.join(", ")));
        };
        if name.is_empty() {
            return Err(format!("Line {}: the name is missing.", n + 1));
        }
        credits.push(Credit { name, role: (*role).to_owned() });
    }
    if credits.len() > 50 { Err("At most 50 credits.".into()) } else { Ok(credits) }
}

/// The credits as the form shows them again.
pub fn credits_text(credits: &[Credit]) -> String {
    let label = |role: &str| CREDIT_ROLES.iter().find(|(key, _)| *key == role).map_or(role, |(_, l)| *l).to_owned();
    credits.iter().map(|c| format!("{}, {}", c.name, label(&c.role))).collect::<Vec<_>>().join("\n")
}

/// `m:ss` of a position in milliseconds.
pub fn format_position(ms: i64) -> String {
    let secs = ms / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> TrackInput {
        TrackInput {
            title: "Night Bus".into(),
            isrc: "qz-k6p-26-00001".into(),
            explicit: Some("on".into()),
            genre: "Pop".into(),
            moods: "Chill, dreamy, chill".into(),
            preview_start: "0:45".into(),
            credits: "Nova Lee, performer\nAda Obi, Mixing engineer\n".into(),
            ..TrackInput::default()
        }
    }

    #[test]
    fn a_good_form_parses() {
        let draft = TrackDraft::parse(&input(), &["Pop"]).unwrap();
        assert_eq!(draft.isrc.unwrap().as_str(), "QZK6P2600001");
        assert!(draft.explicit);
        assert_eq!(draft.moods, ["chill", "dreamy"]);
        assert_eq!(draft.preview_start_ms, 45_000);
        assert_eq!(draft.credits[1], Credit { name: "Ada Obi".into(), role: "mixing_engineer".into() });
        assert_eq!(credits_text(&draft.credits), "Nova Lee, Performer\nAda Obi, Mixing engineer");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = TrackInput {
            title: "".into(),
            isrc: "QZ-K6P".into(),
            genre: "Polka".into(),
            moods: "sleepy".into(),
            preview_start: "1:75".into(),
            credits: "Nova Lee, drummer".into(),
            ..input()
        };
        let errors = TrackDraft::parse(&bad, &["Pop"]).unwrap_err();
        for field in ["title", "isrc", "genre", "moods", "preview_start", "credits"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert!(errors["credits"].contains("drummer"), "{errors:?}");
    }
}
