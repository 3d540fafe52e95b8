//! The one check for text people type that other people read: names,
//! handles, captions, comments. Control characters (NUL, escape sequences …)
//! corrupt logs and terminals, and text-direction overrides make a name or a
//! link read differently from what it is ("Trojan Source"), so both are
//! refused at the boundary with a message the form can show.

/// Whether the text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Names, handles, locations: one line, no invisible marks at all.
    Single,
    /// Bios, captions, comments: newlines kept (CRLF from forms becomes LF).
    Multi,
}

pub const CONTROL_MESSAGE: &str = "Remove the control characters (such as tabs, NUL or escape codes).";
pub const BIDI_MESSAGE: &str = "Remove the invisible text-direction characters.";

/// Trims `raw`, normalises line ends, and refuses control characters and
/// bidirectional overrides; returns the clean text.
pub fn clean_text(raw: &str, lines: Lines) -> Result<String, &'static str> {
    let text = raw.trim().replace("\r\n", "\n");
    for c in text.chars() {
        if is_bidi_control(c) || (lines == Lines::Single && is_invisible_mark(c)) {
            return Err(BIDI_MESSAGE);
        }
        let allowed_break = lines == Lines::Multi && c == '\n';
        if (c.is_control() || is_line_separator(c)) && !allowed_break {
            return Err(CONTROL_MESSAGE);
        }
    }
    Ok(text)
}

/// Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they
/// reorder the text around them, which is what spoofing needs.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Direction marks and zero-width characters: legitimate inside Arabic or
/// Hebrew prose, but in a name they only serve to make two names look alike.
/// (The zero-width joiner stays: emoji sequences need it.)
fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}' | '\u{2060}')
}

fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{0085}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_passes_trimmed() {
        assert_eq!(clean_text("  Nova Lée 👩‍🎤 ", Lines::Single).unwrap(), "Nova Lée 👩‍🎤");
        assert_eq!(clean_text("one\r\ntwo\n", Lines::Multi).unwrap(), "one\ntwo");
        assert_eq!(clean_text("שלום\u{200F} world", Lines::Multi).unwrap(), "שלום\u{200F} world");
    }

    #[test]
    fn control_characters_are_refused() {
        for bad in ["nul\0byte", "esc\u{1b}[31m", "tab\there", "bell\u{7}", "del\u{7f}", "c1\u{9b}x", "ls\u{2028}x"] {
            assert_eq!(clean_text(bad, Lines::Multi), Err(CONTROL_MESSAGE), "{bad:?}");
            assert_eq!(clean_text(bad, Lines::Single), Err(CONTROL_MESSAGE), "{bad:?}");
        }
        assert_eq!(clean_text("two\nlines", Lines::Single), Err(CONTROL_MESSAGE));
    }

    #[test]
    fn direction_overrides_are_refused() {
        for bad in ["evil\u{202E}gpj.exe", "a\u{2066}b\u{2069}", "x\u{202A}y"] {
            assert_eq!(clean_text(bad, Lines::Multi), Err(BIDI_MESSAGE), "{bad:?}");
            assert_eq!(clean_text(bad, Lines::Single), Err(BIDI_MESSAGE), "{bad:?}");
        }
        for bad in ["ad\u{200B}min", "nova\u{200F}", "\u{FEFF}nova"] {
            assert_eq!(clean_text(bad, Lines::Single), Err(BIDI_MESSAGE), "{bad:?}");
        }
    }
}
