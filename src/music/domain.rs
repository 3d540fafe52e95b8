//! Music's domain types: what a release is, parsed from what the artist
//! typed, with a message per field when something is wrong.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::web::text::{Lines, clean_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseKind {
    Single,
    Ep,
    Album,
}

impl ReleaseKind {
    pub const ALL: [ReleaseKind; 3] = [ReleaseKind::Single, ReleaseKind::Ep, ReleaseKind::Album];

    pub fn parse(raw: &str) -> Option<ReleaseKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Single => "single",
            ReleaseKind::Ep => "ep",
            ReleaseKind::Album => "album",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReleaseKind::Single => "Single",
            ReleaseKind::Ep => "EP",
            ReleaseKind::Album => "Album",
        }
    }
}

/// A release's life: draft → scheduled → published → taken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    Draft,
    Scheduled,
    Published,
    TakenDown,
}

impl ReleaseStatus {
    pub fn parse(raw: &str) -> Option<ReleaseStatus> {
        Some(match raw {
            "draft" => ReleaseStatus::Draft,
            "scheduled" => ReleaseStatus::Scheduled,
            "published" => ReleaseStatus::Published,
            "taken_down" => ReleaseStatus::TakenDown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Draft => "draft",
            ReleaseStatus::Scheduled => "scheduled",
            ReleaseStatus::Published => "published",
            ReleaseStatus::TakenDown => "taken_down",
        }
    }

    /// Only drafts are edited; what was sent to stores is changed by a
    /// takedown and a new release.
    pub fn is_editable(self) -> bool {
        self == ReleaseStatus::Draft
    }
}

impl rusqlite::types::FromSql for ReleaseStatus {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let raw = value.as_str()?;
        ReleaseStatus::parse(raw)
            .ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("unknown release status {raw:?}").into()))
    }
}

impl rusqlite::types::FromSql for ReleaseKind {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let raw = value.as_str()?;
        ReleaseKind::parse(raw)
            .ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("unknown release kind {raw:?}").into()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParentalAdvisory {
    /// Explicit content.
    Explicit,
    /// An edited version of an explicit release.
    Clean,
    /// Nothing to advise.
    None,
}

impl ParentalAdvisory {
    pub fn parse(raw: &str) -> Option<ParentalAdvisory> {
        Some(match raw {
            "explicit" => ParentalAdvisory::Explicit,
            "clean" => ParentalAdvisory::Clean,
            "none" => ParentalAdvisory::None,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParentalAdvisory::Explicit => "explicit",
            ParentalAdvisory::Clean => "clean",
            ParentalAdvisory::None => "none",
        }
    }
}

/// A calendar date, `YYYY-MM-DD`, as the date input sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(chrono::NaiveDate);

impl Date {
    pub fn parse(raw: &str) -> Result<Date, &'static str> {
        chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map(Date).map_err(|_| "Enter a date like 2027-03-14.")
    }

    pub fn year(self) -> i32 {
        chrono::Datelike::year(&self.0)
    }

    /// The date of `unix_ms`, in UTC.
    pub fn of_ms(unix_ms: i64) -> Date {
        Date(chrono::DateTime::from_timestamp_millis(unix_ms).unwrap_or_default().date_naive())
    }

    pub fn as_string(self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

/// ISO 639-1 codes offered for a release's language.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("yo", "Yoruba"),
    ("sw", "Swahili"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zxx", "No linguistic content (instrumental)"),
];

/// What the release form sends.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ReleaseInput {
    pub kind: String,
    pub title: String,
    pub version: String,
    /// Featured artists, one per line or comma-separated.
    pub featured_artists: String,
    pub label_name: String,
    pub genre: String,
    pub subgenre: String,
    pub original_release_date: String,
    pub release_date: String,
    pub p_line: String,
    pub c_line: String,
    pub parental_advisory: String,
    pub language: String,
    /// The release's own UPC/EAN; empty to have the label assign one.
    pub upc: String,
}

/// A release's metadata, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseDraft {
    pub kind: ReleaseKind,
    pub title: String,
    pub version: String,
    pub featured_artists: Vec<String>,
    pub label_name: String,
    pub genre: String,
    pub subgenre: String,
    pub original_release_date: Option<Date>,
    pub release_date: Date,
    pub p_line: String,
    pub c_line: String,
    pub parental_advisory: ParentalAdvisory,
    pub language: String,
}

pub type FieldErrors = BTreeMap<String, String>;

/// A one-line text field of at most `max` characters.
fn line(raw: &str, max: usize, required: bool) -> Result<String, String> {
    let text = clean_text(raw, Lines::Single).map_err(str::to_owned)?;
    if required && text.is_empty() {
        return Err("Fill this in.".into());
    }
    if text.chars().count() > max {
        return Err(format!("At most {max} characters."));
    }
    Ok(text)
}

impl ReleaseDraft {
    /// Parses the form against the platform's genre list.
    pub fn parse(input: &ReleaseInput, genres: &[&str]) -> Result<ReleaseDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut field = |name: &str, result: Result<String, String>| match result {
            Ok(value) => value,
            Err(message) => {
                errors.insert(name.to_owned(), message);
                String::new()
            }
        };
        let title = field("title", line(&input.title, 200, true));
        let version = field("version", line(&input.version, 100, false));
        let label_name = field("label_name", line(&input.label_name, 120, true));
        let subgenre = field("subgenre", line(&input.subgenre, 60, false));
        let p_line = field("p_line", line(&input.p_line, 200, true));
        let c_line = field("c_line", line(&input.c_line, 200, true));
        let featured_artists = match featured(&input.featured_artists) {
            Ok(names) => names,
            Err(message) => {
                errors.insert("featured_artists".into(), message);
                Vec::new()
            }
        };
        let kind = ReleaseKind::parse(&input.kind);
        if kind.is_none() {
            errors.insert("kind".into(), "Choose single, EP or album.".into());
        }
        if !genres.contains(&input.genre.as_str()) {
            errors.insert("genre".into(), "Choose a genre from the list.".into());
        }
        let advisory = ParentalAdvisory::parse(&input.parental_advisory);
        if advisory.is_none() {
            errors.insert("parental_advisory".into(), "Say whether the release is explicit.".into());
        }
        if !LANGUAGES.iter().any(|(code, _)| *code == input.language) {
            errors.insert("language".into(), "Choose the language of the lyrics.".into());
        }
        let release_date = Date::parse(&input.release_date).map_err(|e| errors.insert("release_date".into(), e.into()));
        let original = match input.original_release_date.trim() {
            "" => Ok(None),
            raw => Date::parse(raw).map(Some).map_err(|e| errors.insert("original_release_date".into(), e.into())),
        };
        if let (Ok(Some(original)), Ok(release)) = (&original, &release_date)
            && original > release
        {
            errors.insert("original_release_date".into(), "The original release cannot come after this one.".into());
        }
        match (kind, advisory, release_date, original, errors.is_empty()) {
            (Some(kind), Some(parental_advisory), Ok(release_date), Ok(original_release_date), true) => {
                Ok(ReleaseDraft {
                    kind,
                    title,
                    version,
                    featured_artists,
                    label_name,
                    genre: input.genre.clone(),
                    subgenre,
                    original_release_date,
                    release_date,
                    p_line,
                    c_line,
                    parental_advisory,
                    language: input.language.clone(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// Featured artists: one per line or comma-separated, at most 10.
fn featured(raw: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for part in raw.split(['\n', ',']) {
        let name = line(part, 100, false)?;
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    if names.len() > 10 { Err("At most 10 featured artists.".into()) } else { Ok(names) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReleaseInput {
        ReleaseInput {
            kind: "album".into(),
            title: "Night Buses".into(),
            featured_artists: "Kemi, Ola\nKemi".into(),
            label_name: "Boptone Records".into(),
            genre: "Pop".into(),
            release_date: "2027-03-14".into(),
            original_release_date: "".into(),
            p_line: "2027 Nova Lee".into(),
            c_line: "2027 Boptone Records".into(),
            parental_advisory: "none".into(),
            language: "en".into(),
            ..ReleaseInput::default()
        }
    }

    #[test]
    fn a_good_form_parses() {
        let draft = ReleaseDraft::parse(&input(), &["Pop"]).unwrap();
        assert_eq!(draft.kind, ReleaseKind::Album);
        assert_eq!(draft.featured_artists, ["Kemi", "Ola"]);
        assert_eq!(draft.release_date.as_string(), "2027-03-14");
        assert_eq!(draft.release_date.year(), 2027);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ReleaseInput {
            kind: "mixtape".into(),
            title: " ".into(),
            genre: "Polka".into(),
            release_date: "14/03/2027".into(),
            parental_advisory: "maybe".into(),
            language: "xx".into(),
            label_name: "Label\u{202E}".into(),
            ..input()
        };
        let errors = ReleaseDraft::parse(&bad, &["Pop"]).unwrap_err();
        for field in ["kind", "title", "genre", "release_date", "parental_advisory", "language", "label_name"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let later = ReleaseInput { original_release_date: "2028-01-01".into(), ..input() };
        assert!(ReleaseDraft::parse(&later, &["Pop"]).unwrap_err().contains_key("original_release_date"));
    }
}
