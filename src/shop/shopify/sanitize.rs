//! Product description sanitising.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// Longest description returned by [`sanitize_description`], in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;

const ALLOWED_TAGS: &[&str] =
    &["p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"];

/// Elements removed together with everything inside them (by default
/// ammonia keeps the text of a removed element). Raw-text elements such as
/// `<iframe>`/`<noscript>` would otherwise leak their markup as text.
const DROP_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "noscript", "noembed", "noframes", "template", "textarea", "title", "xmp", "object",
    "embed", "svg", "math", "select", "head",
];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(DROP_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener nofollow"))
        .strip_comments(true);
    builder
});

/// Sanitises a Shopify "Body (HTML)" for display in BopShop.
///
/// * HTML (anything containing `<`) keeps only `p br strong b em i u ul ol
///   li h3 h4 blockquote a`; links keep only an `href` with an `http`,
///   `https` or `mailto` scheme (relative links are dropped) and get
///   `rel="noopener nofollow"`. Everything else is removed: other tags are
///   unwrapped (their text kept), `script`/`style`/`iframe`/... are removed
///   with their content, and all other attributes (event handlers, `style`,
///   `class`...) are dropped.
/// * Plain text (no `<` at all) is HTML-escaped (`&` included, so it is
///   taken literally) and its line breaks become `<br>`.
///
/// The result is trimmed and at most [`MAX_DESCRIPTION_CHARS`] characters;
/// longer HTML is cut and sanitised again, so it stays well-formed.
#[must_use]
pub fn sanitize_description(html: &str) -> String {
    let input = html.trim();
    if input.contains('<') { sanitize_html(input) } else { plain_text_to_html(input) }
}

fn sanitize_html(input: &str) -> String {
    let full = clean(input);
    if full.chars().count() <= MAX_DESCRIPTION_CHARS {
        return full;
    }
    // Cutting the clean output and cleaning again closes any open tag and
    // drops a half-cut one; closing tags and re-escaping a cut entity can
    // make it grow a little, so shrink the cut until it fits (a few rounds).
    let mut budget = MAX_DESCRIPTION_CHARS;
    while budget > 0 {
        let cleaned = clean(&full[..byte_index_of_char(&full, budget)]);
        let over = cleaned.chars().count().saturating_sub(MAX_DESCRIPTION_CHARS);
        if over == 0 {
            return cleaned;
        }
        budget = budget.saturating_sub(over.max(16));
    }
    String::new()
}

fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string().trim().to_owned()
}

fn plain_text_to_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 16);
    let mut chars = input.chars().peekable();
    let mut len = 0; // in characters (every piece pushed is ASCII or one char)
    while let Some(c) = chars.next() {
        let piece: &str = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                "<br>"
            }
            '\n' => "<br>",
            c if c.is_control() && c != '\t' => continue,
            _ => {
                if len + 1 > MAX_DESCRIPTION_CHARS {
                    break;
                }
                out.push(c);
                len += 1;
                continue;
            }
        };
        if len + piece.len() > MAX_DESCRIPTION_CHARS {
            break;
        }
        out.push_str(piece);
        len += piece.len();
    }
    out
}

fn byte_index_of_char(s: &str, char_count: usize) -> usize {
    s.char_indices().nth(char_count).map_or(s.len(), |(i, _)| i)
}
