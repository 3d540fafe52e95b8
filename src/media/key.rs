//! `MediaKey`: a validated object key, safe on every backend.

use std::fmt;

use object_store::path::Path;

/// Lower-case letters, digits and `-_.` in `/`-separated segments; no empty,
/// `.` or `..` segments. Keys are made by the server (opaque ids), so anything
/// else in a request is simply not found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaKey(String);

const MAX_LEN: usize = 512;

impl MediaKey {
    pub fn parse(raw: &str) -> Option<MediaKey> {
        let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.');
        let valid = !raw.is_empty()
            && raw.len() <= MAX_LEN
            && raw.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != ".." && seg.chars().all(valid_char));
        valid.then(|| MediaKey(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn path(&self) -> Path {
        Path::from(self.0.as_str())
    }

    /// The public URL path that serves this object.
    pub fn url_path(&self) -> String {
        format!("/media/{}", self.0)
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::MediaKey;

    #[test]
    fn accepts_server_made_keys() {
        for key in ["bops/0a1b/video.mp4", "posters/abc123.jpg", "a"] {
            assert!(MediaKey::parse(key).is_some(), "{key}");
        }
    }

    #[test]
    fn refuses_traversal_and_odd_characters() {
        for key in
            ["", "/abs", "a//b", "../etc/passwd", "a/../b", "a/./b", "A.jpg", "a b", "a\\b", "a%2fb", "trailing/"]
        {
            assert!(MediaKey::parse(key).is_none(), "{key}");
        }
    }
}
