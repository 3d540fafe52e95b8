//! What a fan typed, made into a safe FTS5 query. Every word is quoted (so
//! FTS5's own syntax — `"`, `*`, `-`, `:`, `^`, `NEAR(`, `AND`, `OR` — is
//! only ever text), words without a letter or digit are dropped, and the
//! last word matches as a prefix ("beyo" finds "Beyoncé"; the tokenizer
//! folds the accents on both sides).

/// What a search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Artists, Bops, tracks and products.
    Everything,
    /// `#tag`: Bops' hashtags and products' tags.
    Hashtag,
    /// `@handle`: artists' handles.
    Handle,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub target: Target,
    /// The FTS5 expression: quoted words, ANDed. None when nothing in the
    /// text can match (punctuation only): the answer is empty.
    pub expression: Option<String>,
    /// The same words one by one, for searches that intersect them
    /// themselves (`bounded`).
    pub words: Vec<String>,
}

/// Words a search keeps (the rest are dropped): each is one more doclist
/// to intersect.
pub const MAX_WORDS: usize = 6;

/// A prefix shorter than this matches the whole word only: one letter
/// would merge the doclists of every word it starts.
const MIN_PREFIX_CHARS: usize = 2;

/// The longest prefix the FTS tables index (V038). A longer last word is
/// searched by its first this-many characters, which the index reads lazily;
/// FTS5 would otherwise merge the doclists of every word it starts.
const MAX_PREFIX_CHARS: usize = 8;

impl SearchQuery {
    /// Parses `raw`; an empty or over-long text is refused with the
    /// message for the `q` field.
    pub fn parse(raw: &str, max_chars: usize) -> Result<SearchQuery, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("Type something to search for.".into());
        }
        if text.chars().count() > max_chars {
            return Err(format!("Keep searches to {max_chars} characters."));
        }
        let target = match text.chars().next() {
            Some('#') => Target::Hashtag,
            Some('@') => Target::Handle,
            _ => Target::Everything,
        };
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c.is_control())
            .map(|w| w.trim_start_matches(['#', '@']))
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .take(MAX_WORDS)
            .collect();
        let last = words.len().saturating_sub(1);
        let quoted: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let prefix = i == last && word.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_PREFIX_CHARS;
                // One plain token longer than the index's longest prefix: its first
                // characters (a word with separators is several tokens: kept whole).
                let plain = word.chars().all(|c| c.is_alphanumeric() || c == '_');
                let word: String =
                    if prefix && plain { word.chars().take(MAX_PREFIX_CHARS).collect() } else { (*word).to_owned() };
                format!("\"{}\"{}", word.replace('"', "\"\""), if prefix { "*" } else { "" })
            })
            .collect();
        let expression = (!quoted.is_empty()).then(|| quoted.join(" "));
        Ok(SearchQuery { target, expression, words: quoted })
    }

    /// The expression restricted to some columns of an FTS table.
    pub fn in_columns(&self, columns: &str) -> Option<String> {
        self.expression.as_ref().map(|e| format!("{{{columns}}} : ({e})"))
    }

    /// Each word's own expression, restricted to `columns` when given.
    pub fn word_expressions(&self, columns: Option<&str>) -> Vec<String> {
        self.words
            .iter()
            .map(|w| match columns {
                Some(columns) => format!("{{{columns}}} : ({w})"),
                None => w.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(raw: &str) -> Option<String> {
        SearchQuery::parse(raw, 100).unwrap().expression
    }

    #[test]
    fn words_are_quoted_and_the_last_is_a_prefix() {
        assert_eq!(expression("beyo"), Some("\"beyo\"*".into()));
        assert_eq!(expression("  summer   vib "), Some("\"summer\" \"vib\"*".into()));
        assert_eq!(expression("a"), Some("\"a\"".into()));
        // Past the index's longest prefix, the first 8 characters (a plain word only).
        assert_eq!(expression("studio rehearsals"), Some("\"studio\" \"rehearsa\"*".into()));
        assert_eq!(expression("rehearsal"), Some("\"rehearsa\"*".into()));
        assert_eq!(expression("Beyoncé_Knowles"), Some("\"Beyoncé_\"*".into()));
        assert_eq!(expression("rock'n'roller"), Some("\"rock'n'roller\"*".into()));
        assert_eq!(expression("say \"hi\""), Some("\"say\" \"\"\"hi\"\"\"*".into()));
        assert_eq!(expression("NEAR( x:y ^z -w *"), Some("\"NEAR(\" \"x:y\" \"^z\" \"-w\"".into()));
        assert_eq!(expression("\" * - : ^ ("), None);
        assert_eq!(
            expression("one two three four five six seven"),
            Some("\"one\" \"two\" \"three\" \"four\" \"five\" \"six\"*".into())
        );
    }

    #[test]
    fn a_leading_sign_picks_the_target() {
        let tag = SearchQuery::parse("#NewMusic", 100).unwrap();
        assert_eq!(tag.target, Target::Hashtag);
        assert_eq!(tag.in_columns("tags"), Some("{tags} : (\"NewMusic\"*)".into()));
        assert_eq!(SearchQuery::parse("@nova", 100).unwrap().target, Target::Handle);
        assert_eq!(SearchQuery::parse("nova #x", 100).unwrap().target, Target::Everything);
    }

    #[test]
    fn empty_and_long_searches_are_refused() {
        assert!(SearchQuery::parse("   ", 100).is_err());
        assert!(SearchQuery::parse(&"é".repeat(101), 100).is_err());
        assert!(SearchQuery::parse(&"é".repeat(100), 100).is_ok());
    }
}
