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

#[cfg(test)]
mod tests {
    use super::*;

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
