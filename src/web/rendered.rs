//! [`Rendered`]: pages already rendered, by what went into them. A page
//! rendered from exactly the same template and values as a recent one is
//! the same page, so it is handed out again instead of being rendered
//! again: the template engine was a third of a studio list's or a public
//! profile's time, and the same list, or the same grid of an artist's Bops
//! under their public page, is rendered over and over while nothing in it
//! changes. Nothing is ever stale: whatever changes a value (a count, a
//! caption, the signed-in user's unread notices) changes the key, and a
//! new brand (a template global, not a value) the stamp, so the page is
//! rendered afresh.
//!
//! The key is a 128-bit keyed hash (two SipHashes under random keys, so no
//! one can make two contexts collide on purpose) of the template's name and
//! the context's template values, each with its kind: a string with
//! whether it is marked safe (raw HTML), an integer apart from a float of
//! the same value, none apart from false, a list or a map with its length.
//! The walk is over the values the render itself uses, so nothing is
//! converted twice; a value the walk cannot see into (an object with
//! behaviour of its own) leaves the page unkept.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;
use std::time::Duration;

use minijinja::value::{Value, ValueKind};

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
struct Hashers<A, B>(A, B);

impl<A: Hasher, B: Hasher> Hashers<A, B> {
    fn bytes(&mut self, tag: u8, bytes: &[u8]) {
        for hasher in [&mut self.0 as &mut dyn Hasher, &mut self.1] {
            hasher.write_u8(tag);
            hasher.write_usize(bytes.len());
            hasher.write(bytes);
        }
    }

    /// `value` with its kind; false when it holds something the walk
    /// cannot tell apart from another value.
    fn value(&mut self, value: &Value) -> bool {
        match value.kind() {
            ValueKind::Undefined => self.bytes(b'u', &[]),
            ValueKind::None => self.bytes(b'n', &[]),
            ValueKind::Bool => self.bytes(b'b', &[value.is_true() as u8]),
            ValueKind::Number if value.is_integer() => match i128::try_from(value.clone()) {
                Ok(n) => self.bytes(b'i', &n.to_le_bytes()),
                Err(_) => return false,
            },
            ValueKind::Number => match f64::try_from(value.clone()) {
                Ok(x) => self.bytes(b'f', &x.to_bits().to_le_bytes()),
                Err(_) => return false,
            },
            ValueKind::String => {
                let tag = if value.is_safe() { b'h' } else { b's' };
                self.bytes(tag, value.as_str().unwrap_or_default().as_bytes());
            }
            ValueKind::Bytes => self.bytes(b'y', value.as_bytes().unwrap_or_default()),
            ValueKind::Seq => return self.items(b'l', value, |h, item| h.value(&item)),
            ValueKind::Map => {
                return self.items(b'm', value, |h, key| {
                    h.value(&key) && value.get_item(&key).is_ok_and(|item| h.value(&item))
                });
            }
            // Objects with behaviour of their own, errors, and kinds added later.
            _ => return false,
        }
        true
    }

    /// A list's items, or a map's keys (each with its item), after the count.
    fn items(&mut self, tag: u8, value: &Value, mut each: impl FnMut(&mut Self, Value) -> bool) -> bool {
        let (Some(len), Ok(iter)) = (value.len(), value.try_iter()) else { return false };
        self.bytes(tag, &len.to_le_bytes());
        iter.into_iter().all(|item| each(self, item))
    }
}

impl Rendered {
    /// The key of `template` rendered with `context`; `None` when the
    /// context holds a value the walk cannot see into (then it is simply
    /// rendered).
    pub fn key(&self, template: &str, context: &Value) -> Option<Key> {
        let mut hashers = Hashers(self.hashers.0.build_hasher(), self.hashers.1.build_hasher());
        hashers.bytes(b't', template.as_bytes());
        hashers.value(context).then(|| (hashers.0.finish(), hashers.1.finish()))
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
        let key = |name: &str, value: Value| rendered.key(name, &value).unwrap();
        let of = |n: Value, s: Value| minijinja::context! { n => n, s => s, o => () };
        let base = key("t.html", of(Value::from(1), Value::from("a")));
        assert_eq!(base, key("t.html", of(Value::from(1), Value::from("a"))));
        for other in [
            key("u.html", of(Value::from(1), Value::from("a"))),
            key("t.html", of(Value::from(2), Value::from("a"))),
            key("t.html", of(Value::from("1"), Value::from("a"))),
            key("t.html", of(Value::from(1.0), Value::from("a"))),
            key("t.html", of(Value::from(1), Value::from_safe_string("a".into()))),
            key("t.html", of(Value::from(f64::NAN), Value::from("a"))),
            key("t.html", of(Value::from(()), Value::from("a"))),
            key("t.html", of(Value::from(false), Value::from("a"))),
            key("t.html", of(Value::from(vec![1]), Value::from("a"))),
            key("t.html", minijinja::context! { n => 1, s => "a" }),
            key("t.html", minijinja::context! { n => 1, s => "a", o => false }),
        ] {
            assert_ne!(base, other);
        }
        assert_ne!(key("t.html", Value::from(f64::NAN)), key("t.html", Value::from(f64::INFINITY)));
    }

    #[test]
    fn the_values_pages_are_rendered_with_have_keys() {
        #[derive(serde::Serialize)]
        struct Row {
            id: String,
            count: i64,
            poster: Option<String>,
        }
        #[derive(serde::Serialize)]
        struct View {
            title: &'static str,
            rows: Vec<Row>,
            totals: std::collections::HashMap<String, f64>,
        }
        let view = View {
            title: "Your Bops",
            rows: vec![Row { id: "b1".into(), count: 3, poster: None }],
            totals: [("usd".to_owned(), 1.5)].into(),
        };
        let context = minijinja::context! { csrf_token => "t", ..Value::from_serialize(&view) };
        let rendered = Rendered::default();
        let key = rendered.key("bops/studio.html", &Value::from_serialize(&context));
        assert!(key.is_some(), "structs, lists, maps and options are walked");
        assert_eq!(key, rendered.key("bops/studio.html", &Value::from_serialize(&context)));
    }

    #[test]
    fn a_page_is_kept_under_the_brand_it_was_rendered_with_and_large_ones_are_not() {
        let rendered = Rendered::default();
        let key = rendered.key("t.html", &minijinja::context! { n => 1 }).unwrap();
        rendered.put(key, 1, "<p>1</p>");
        assert_eq!(rendered.get(&key, 1).as_deref(), Some("<p>1</p>"));
        assert_eq!(rendered.get(&key, 2), None, "the brand changed: rendered again");
        let big = "x".repeat(LARGEST_KEPT + 1);
        rendered.put(key, 1, &big);
        assert_eq!(rendered.get(&key, 1).as_deref(), Some("<p>1</p>"), "too large to keep");
    }
}
