//! Bops' domain types, parsed at the boundary.

use serde::{Deserialize, Serialize};

use crate::web::text::{Lines, clean_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Followers,
    Private,
}

impl Visibility {
    pub fn parse(raw: &str) -> Option<Visibility> {
        match raw {
            "" | "public" => Some(Visibility::Public),
            "followers" => Some(Visibility::Followers),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Followers => "followers",
            Visibility::Private => "private",
        }
    }
}

/// A caption and the hashtags it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caption {
    pub text: String,
    pub hashtags: Vec<String>,
}

pub const MAX_CAPTION_CHARS: usize = 2200;
const MAX_HASHTAGS: usize = 10;

impl Caption {
    pub fn parse(raw: &str) -> Result<Caption, String> {
        let text = clean_text(raw, Lines::Multi)?;
        if text.chars().count() > MAX_CAPTION_CHARS {
            return Err(format!("Keep the caption to {MAX_CAPTION_CHARS} characters."));
        }
        let mut hashtags: Vec<String> = Vec::new();
        for word in text.split(|c: char| c.is_whitespace()) {
            if let Some(tag) = word.strip_prefix('#') {
                let tag: String =
                    tag.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>().to_lowercase();
                if !tag.is_empty() && !hashtags.contains(&tag) {
                    hashtags.push(tag);
                }
            }
        }
        if hashtags.len() > MAX_HASHTAGS {
            return Err(format!("Use at most {MAX_HASHTAGS} hashtags."));
        }
        Ok(Caption { text, hashtags })
    }
}

/// A comment body.
pub fn parse_comment(raw: &str) -> Result<String, &'static str> {
    let body = clean_text(raw, Lines::Multi)?;
    if body.is_empty() {
        return Err("Write something first.");
    }
    if body.chars().count() > 1000 {
        return Err("Keep comments to 1000 characters.");
    }
    Ok(body)
}

/// The largest captions file an artist may attach to a Bop.
pub const MAX_CAPTIONS_BYTES: usize = 512 * 1024;

/// Checks a captions file as far as players need it to be WebVTT: UTF-8
/// text (a byte-order mark allowed), the `WEBVTT` signature first (then the
/// line's end, a space or a tab), and at least one timed cue.
pub fn check_webvtt(bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Err("That file is empty.".into());
    }
    if bytes.len() > MAX_CAPTIONS_BYTES {
        return Err(format!("Captions files are at most {} KiB.", MAX_CAPTIONS_BYTES / 1024));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err("Save the captions as UTF-8 text: this file is in another encoding.".into());
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let signed =
        text.strip_prefix("WEBVTT").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']));
    if !signed {
        return Err("That is not a WebVTT file: its first line must be “WEBVTT”. \
                    Subtitles in another format (such as .srt) can be converted, e.g. ffmpeg -i captions.srt captions.vtt."
            .into());
    }
    if text.contains('\0') {
        return Err("That file holds binary data, not captions text.".into());
    }
    if !text.lines().any(|line| line.contains("-->")) {
        return Err("No captions in that file: WebVTT lists timed lines such as “00:00.000 --> 00:02.500”.".into());
    }
    Ok(())
}

/// The captions' language as a BCP 47 tag (`en`, `pt-BR`, `zh-Hant`):
/// a 2–3 letter language, then subtags of 1–8 letters or digits, written
/// in their usual case.
pub fn parse_captions_language(raw: &str) -> Result<String, &'static str> {
    const HELP: &str = "Give the language of the captions as a tag such as en, es or pt-BR.";
    let raw = raw.trim();
    let mut parts = raw.split('-');
    let language = parts.next().unwrap_or_default();
    if raw.len() > 35 || !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(HELP);
    }
    let mut tag = language.to_ascii_lowercase();
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(HELP);
        }
        tag.push('-');
        match part.len() {
            2 if part.chars().all(|c| c.is_ascii_alphabetic()) => tag.push_str(&part.to_ascii_uppercase()),
            4 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                tag.push_str(&part[..1].to_ascii_uppercase());
                tag.push_str(&part[1..].to_ascii_lowercase());
            }
            _ => tag.push_str(&part.to_ascii_lowercase()),
        }
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_files_are_webvtt_with_cues() {
        let good = "WEBVTT\n\n00:00.000 --> 00:01.500\nHello\n";
        assert_eq!(check_webvtt(good.as_bytes()), Ok(()));
        assert_eq!(check_webvtt(format!("\u{feff}{good}").as_bytes()), Ok(()));
        assert_eq!(check_webvtt(b"WEBVTT - Made by hand\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.000\r\nHi"), Ok(()));
        assert!(check_webvtt(b"").unwrap_err().contains("empty"));
        assert!(check_webvtt(b"1\n00:00:01,000 --> 00:00:02,000\nHi").unwrap_err().contains("WEBVTT"));
        assert!(check_webvtt(b"WEBVTTX\n00:00.000 --> 00:01.000\nHi").unwrap_err().contains("WEBVTT"));
        assert!(check_webvtt(b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xe9t\xe9").unwrap_err().contains("UTF-8"));
        assert!(check_webvtt(b"WEBVTT\n\nNOTE nothing timed\n").unwrap_err().contains("No captions"));
        let mut big = good.as_bytes().to_vec();
        big.resize(MAX_CAPTIONS_BYTES + 1, b' ');
        assert!(check_webvtt(&big).unwrap_err().contains("512 KiB"));
    }

    #[test]
    fn captions_languages_are_bcp47_tags() {
        assert_eq!(parse_captions_language(" EN ").unwrap(), "en");
        assert_eq!(parse_captions_language("pt-br").unwrap(), "pt-BR");
        assert_eq!(parse_captions_language("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(parse_captions_language("es-419").unwrap(), "es-419");
        for bad in ["", "e", "english", "en_US", "en-", "en--us", "1a", "en-toolongsubtag"] {
            assert!(parse_captions_language(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn captions_carry_their_hashtags() {
        let caption = Caption::parse("  New single out now #NewMusic #pop, #newmusic ").unwrap();
        assert_eq!(caption.text, "New single out now #NewMusic #pop, #newmusic");
        assert_eq!(caption.hashtags, ["newmusic", "pop"]);
        assert!(Caption::parse(&"x".repeat(MAX_CAPTION_CHARS + 1)).is_err());
        let many = (0..11).map(|i| format!("#t{i}")).collect::<Vec<_>>().join(" ");
        assert!(Caption::parse(&many).is_err());
    }

    #[test]
    fn visibility_and_comments_are_checked() {
        assert_eq!(Visibility::parse(""), Some(Visibility::Public));
        assert_eq!(Visibility::parse("secret"), None);
        assert!(parse_comment("   ").is_err());
        assert_eq!(parse_comment(" great ").unwrap(), "great");
        assert!(parse_comment("hi\0there").is_err());
        assert!(Caption::parse("new \u{202E}4pm.exe").is_err());
    }
}
