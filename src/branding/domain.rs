//! The branding values, parsed: what boptone.toml and the console's form
//! may set, with the same rules for both (the config's are checked by
//! identity's `check_branding` against the same limits).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::web::brand::{Accent, BrandTexts, MAX_HOME_TEXT_CHARS, MAX_NAME_CHARS, MAX_PAGE_TEXT_CHARS};
use crate::web::text::{Lines, clean_text};

/// The saved-value keys, in the order the form shows them.
pub const TEXT_KEYS: [&str; 6] = ["name", "accent", "home_text", "about", "terms", "privacy"];

/// A logo the console stored in the media store, by its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLogo {
    pub hash: String,
    pub width: u32,
    pub height: u32,
}

/// A favicon the console stored, by its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFavicon {
    pub hash: String,
}

/// The values in effect: boptone.toml's, with the console's saved ones over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    pub name: String,
    pub accent: String,
    pub texts: BrandTexts,
}

impl Values {
    pub fn text(&self, key: &str) -> &str {
        match key {
            "name" => &self.name,
            "accent" => &self.accent,
            "home_text" => &self.texts.home_text,
            "about" => &self.texts.about,
            "terms" => &self.texts.terms,
            "privacy" => &self.texts.privacy,
            _ => "",
        }
    }

    fn set(&mut self, key: &str, value: String) {
        match key {
            "name" => self.name = value,
            "accent" => self.accent = value,
            "home_text" => self.texts.home_text = value,
            "about" => self.texts.about = value,
            "terms" => self.texts.terms = value,
            "privacy" => self.texts.privacy = value,
            _ => {}
        }
    }

    /// These values with the saved ones of `saved` over them.
    pub fn overlaid(mut self, saved: &BTreeMap<String, String>) -> Values {
        for key in TEXT_KEYS {
            if let Some(value) = saved.get(key) {
                self.set(key, value.clone());
            }
        }
        self
    }
}

/// The form as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelInput {
    pub name: String,
    pub accent: String,
    pub home_text: String,
    pub about: String,
    pub terms: String,
    pub privacy: String,
    pub remove_logo: bool,
    pub remove_favicon: bool,
}

impl LabelInput {
    pub fn of(values: &Values) -> LabelInput {
        LabelInput {
            name: values.name.clone(),
            accent: values.accent.clone(),
            home_text: values.texts.home_text.clone(),
            about: values.texts.about.clone(),
            terms: values.texts.terms.clone(),
            privacy: values.texts.privacy.clone(),
            remove_logo: false,
            remove_favicon: false,
        }
    }

    pub fn set(&mut self, key: &str, value: String) {
        match key {
            "name" => self.name = value,
            "accent" => self.accent = value,
            "home_text" => self.home_text = value,
            "about" => self.about = value,
            "terms" => self.terms = value,
            "privacy" => self.privacy = value,
            "remove_logo" => self.remove_logo = !value.is_empty(),
            "remove_favicon" => self.remove_favicon = !value.is_empty(),
            _ => {}
        }
    }

    /// The text values, checked; or a message per field that is wrong.
    pub fn parse(&self) -> Result<Values, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let name = match clean_text(&self.name, Lines::Single) {
            Ok(name) if name.is_empty() => Err("Give the label a name.".to_owned()),
            Ok(name) if name.chars().count() > MAX_NAME_CHARS => {
                Err(format!("Keep the name to {MAX_NAME_CHARS} characters."))
            }
            Ok(name) => Ok(name),
            Err(why) => Err(why.to_owned()),
        };
        let name = name.map_err(|why| errors.insert("name".into(), why)).unwrap_or_default();
        let accent = Accent::parse(&self.accent).map_err(|why| errors.insert("accent".into(), why)).ok();
        let mut text = |key: &str, raw: &str, max: usize| match clean_text(raw, Lines::Multi) {
            Ok(text) if text.chars().count() > max => {
                errors.insert(key.into(), format!("Keep this to {max} characters."));
                String::new()
            }
            Ok(text) => text,
            Err(why) => {
                errors.insert(key.into(), why.to_owned());
                String::new()
            }
        };
        let texts = BrandTexts {
            home_text: text("home_text", &self.home_text, MAX_HOME_TEXT_CHARS),
            about: text("about", &self.about, MAX_PAGE_TEXT_CHARS),
            terms: text("terms", &self.terms, MAX_PAGE_TEXT_CHARS),
            privacy: text("privacy", &self.privacy, MAX_PAGE_TEXT_CHARS),
        };
        match accent {
            Some(accent) if errors.is_empty() => Ok(Values { name, accent: accent.hex(), texts }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LabelInput {
        LabelInput { name: " Night Owl ".into(), accent: "#1D4ED8".into(), ..LabelInput::default() }
    }

    #[test]
    fn a_good_form_parses_to_clean_values() {
        let values = input().parse().unwrap();
        assert_eq!((values.name.as_str(), values.accent.as_str()), ("Night Owl", "#1d4ed8"));
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let bad = LabelInput {
            name: String::new(),
            accent: "#ffff00".into(),
            about: "x".repeat(MAX_PAGE_TEXT_CHARS + 1),
            terms: "nul\u{0}here".into(),
            ..LabelInput::default()
        };
        let errors = bad.parse().unwrap_err();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["about", "accent", "name", "terms"]);
        assert!(errors["accent"].contains("contrast"), "{errors:?}");
    }

    #[test]
    fn saved_values_override_the_configured_ones_key_by_key() {
        let config = Values { name: "Boptone".into(), accent: "#7c3aed".into(), texts: BrandTexts::default() };
        let saved = BTreeMap::from([("name".to_owned(), "Acme".to_owned()), ("about".to_owned(), String::new())]);
        let values = config.overlaid(&saved);
        assert_eq!((values.name.as_str(), values.accent.as_str()), ("Acme", "#7c3aed"));
    }
}
