//! Captions as HTML with their #hashtags linked to a search for the tag
//! and their @handles to the artist's page. Everything else is escaped:
//! a caption is text its author wrote, never markup. The fan app's
//! `assets/js/caption.js` follows the same rules in the browser.

/// A piece of a caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// `#tag` (the tag without `#`, as written).
    Hashtag(&'a str),
    /// `@handle` (without `@`, as written).
    Handle(&'a str),
}

/// Hashtags are letters, digits and `_` (as captions parse them); handles
/// ASCII letters, digits and `_`, 3 to 30 (as profiles allow them). A sign
/// counts only at the start or after a space, so `a@b.c` stays text.
pub fn pieces(caption: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text_from = 0;
    let mut at = 0;
    while at < caption.len() {
        let starts_word = at == 0 || caption[..at].ends_with(char::is_whitespace);
        let sign = caption[at..].chars().next().unwrap_or(' ');
        let link = match sign {
            '#' if starts_word => Some(word_len(&caption[at + 1..], |c| c.is_alphanumeric() || c == '_'))
                .filter(|n| *n > 0)
                .map(|n| (Piece::Hashtag(&caption[at + 1..at + 1 + n]), n)),
            '@' if starts_word => Some(word_len(&caption[at + 1..], |c| c.is_ascii_alphanumeric() || c == '_'))
                .filter(|n| (3..=30).contains(n))
                .map(|n| (Piece::Handle(&caption[at + 1..at + 1 + n]), n)),
            _ => None,
        };
        match link {
            Some((piece, n)) => {
                if text_from < at {
                    out.push(Piece::Text(&caption[text_from..at]));
                }
                out.push(piece);
                at += 1 + n;
                text_from = at;
            }
            None => at += sign.len_utf8(),
        }
    }
    if text_from < caption.len() {
        out.push(Piece::Text(&caption[text_from..]));
    }
    out
}

/// Bytes of the longest start of `s` whose characters pass `keep`.
fn word_len(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.char_indices().find(|(_, c)| !keep(*c)).map_or(s.len(), |(i, _)| i)
}

/// The caption as safe HTML.
pub fn caption_html(caption: &str) -> String {
    let mut html = String::with_capacity(caption.len() + 64);
    for piece in pieces(caption) {
        match piece {
            Piece::Text(text) => escape_into(&mut html, text),
            Piece::Hashtag(tag) => {
                let query: String = form_urlencoded::byte_serialize(format!("#{tag}").as_bytes()).collect();
                html.push_str(&format!("<a class=\"hashtag\" href=\"/search?q={query}\">#"));
                escape_into(&mut html, tag);
                html.push_str("</a>");
            }
            Piece::Handle(handle) => {
                let handle = handle.to_ascii_lowercase();
                html.push_str(&format!("<a class=\"mention\" href=\"/@{handle}\">@{handle}</a>"));
            }
        }
    }
    html
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_handles_are_found_at_word_starts() {
        assert_eq!(
            pieces("New #Summer_vibes with @Nova_1, mail a@b.com #x!"),
            vec![
                Piece::Text("New "),
                Piece::Hashtag("Summer_vibes"),
                Piece::Text(" with "),
                Piece::Handle("Nova_1"),
                Piece::Text(", mail a@b.com "),
                Piece::Hashtag("x"),
                Piece::Text("!"),
            ]
        );
        assert_eq!(
            pieces("# @ab @toolongtoolongtoolongtoolong_xy"),
            vec![Piece::Text("# @ab @toolongtoolongtoolongtoolong_xy")]
        );
        assert_eq!(pieces("#café"), vec![Piece::Hashtag("café")]);
    }

    #[test]
    fn everything_else_is_escaped() {
        assert_eq!(
            caption_html("<script>alert(1)</script> #a\"b @Nova"),
            "&lt;script&gt;alert(1)&lt;/script&gt; <a class=\"hashtag\" href=\"/search?q=%23a\">#a</a>&quot;b \
             <a class=\"mention\" href=\"/@nova\">@nova</a>"
        );
        assert_eq!(caption_html("#été"), "<a class=\"hashtag\" href=\"/search?q=%23%C3%A9t%C3%A9\">#été</a>");
    }
}
