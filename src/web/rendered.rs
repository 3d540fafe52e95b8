//! [`Rendered`]: pages already rendered, by what went into them. A page
//! rendered from exactly the same template and values as a recent one is
//! the same page, so it is handed out again instead of being rendered
//! again: the template engine was a third of a studio list's or a public
//! profile's time, and the same list, or the same grid of an artist's Bops
//! under their public page, is rendered over and over while nothing in it
//! changes. Nothing is ever stale: whatever changes a value (a count, a
//! caption, the signed-in user's unread notices, the brand) changes the
//! key, so the page is rendered afresh.
//!
//! The key is a 128-bit keyed hash (two SipHashes under random keys, so no
//! one can make two contexts collide on purpose) of the template's name and
//! the context written out as JSON, which tells apart every value the
//! templates are given: strings, numbers, booleans, null, lists and maps.
//! JSON does not carry whether a string is marked safe (raw HTML); each
//! template value is marked safe, or not, by the code that builds it, never
//! by the data, so that never tells two renders of one template apart.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::core::memo::Memo;

/// Pages kept; past it the memo starts over (keys anyone can mint, such as
/// a profile's cursors, cannot grow it).
const PAGES_KEPT: usize = 256;
/// Larger pages are rendered every time: with the count above, the memo
/// holds at most 16 MiB.
const LARGEST_KEPT: usize = 64 * 1024;
/// A kept page is rendered again at least this often, so a template edited
/// on disk (debug builds read templates per render) shows within seconds.
const KEPT_FOR: Duration = Duration::from_secs(10);

type Key = (u64, u64);

pub struct Rendered {
    hashers: (RandomState, RandomState),
    /// Stamped with the brand's generation: the brand is a template global,
    /// not part of the context.
    pages: Memo<Key, u64, Arc<str>>,
}

impl Default for Rendered {
    fn default() -> Self {
        Rendered { hashers: (RandomState::new(), RandomState::new()), pages: Memo::new(PAGES_KEPT, Some(KEPT_FOR)) }
    }
}

/// Feeds everything written to both hashers.
struct HashWriter<A, B>(A, B);

impl<A: Hasher, B: Hasher> io::Write for HashWriter<A, B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf);
        self.1.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Rendered {
    /// The key of `template` rendered with `context`; `None` when the
    /// context cannot be written out (then it is simply rendered).
    pub fn key(&self, template: &str, context: &impl Serialize) -> Option<Key> {
        let mut writer = HashWriter(self.hashers.0.build_hasher(), self.hashers.1.build_hasher());
        writer.0.write(template.as_bytes());
        writer.1.write(template.as_bytes());
        // The name's end, so "a" + "bc" and "ab" + "c" differ.
        writer.0.write_u8(0xff);
        writer.1.write_u8(0xff);
        serde_json::to_writer(&mut writer, context).ok()?;
        Some((writer.0.finish(), writer.1.finish()))
    }

    pub fn get(&self, key: &Key, brand_generation: u64) -> Option<String> {
        self.pages.get(key, &brand_generation).map(|page| page.to_string())
    }

    pub fn put(&self, key: Key, brand_generation: u64, page: &str) {
        if page.len() <= LARGEST_KEPT {
            self.pages.put(key, brand_generation, Arc::from(page));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_tells_apart_every_value_and_the_template() {
        let rendered = Rendered::default();
        let key = |name: &str, value: serde_json::Value| rendered.key(name, &value).unwrap();
        let base = key("t.html", serde_json::json!({"n": 1, "s": "a", "o": null}));
        assert_eq!(base, key("t.html", serde_json::json!({"n": 1, "s": "a", "o": null})));
        for other in [
            key("u.html", serde_json::json!({"n": 1, "s": "a", "o": null})),
            key("t.html", serde_json::json!({"n": 2, "s": "a", "o": null})),
            key("t.html", serde_json::json!({"n": "1", "s": "a", "o": null})),
            key("t.html", serde_json::json!({"n": 1.0, "s": "a", "o": null})),
            key("t.html", serde_json::json!({"n": 1, "s": "a", "o": false})),
            key("t.html", serde_json::json!({"n": 1, "s": "a"})),
            key("t.htm", serde_json::json!({"ln": 1, "s": "a", "o": null})),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn a_page_is_kept_under_the_brand_it_was_rendered_with_and_large_ones_are_not() {
        let rendered = Rendered::default();
        let key = rendered.key("t.html", &serde_json::json!({"n": 1})).unwrap();
        rendered.put(key, 1, "<p>1</p>");
        assert_eq!(rendered.get(&key, 1).as_deref(), Some("<p>1</p>"));
        assert_eq!(rendered.get(&key, 2), None, "the brand changed: rendered again");
        let big = "x".repeat(LARGEST_KEPT + 1);
        rendered.put(key, 1, &big);
        assert_eq!(rendered.get(&key, 1).as_deref(), Some("<p>1</p>"), "too large to keep");
    }
}
