//! minijinja over the embedded `templates/`. Debug builds read templates from
//! disk on every render (rust-embed does so outside release builds), so an
//! edited template shows without a rebuild.

use axum::response::Html;
use minijinja::Environment;
use rust_embed::RustEmbed;
use serde::Serialize;

use std::sync::Arc;

use super::brand::{Brand, BrandCell, BrandGlobal};
use super::rendered::Rendered;
use crate::error::{AppError, AppResult};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub struct Views {
    #[cfg(not(debug_assertions))]
    env: Environment<'static>,
    globals: Globals,
    brand: Arc<BrandCell>,
    rendered: Rendered,
}

/// Values every template can use.
#[derive(Debug, Clone, Serialize)]
pub struct Globals {
    pub public_url: String,
    pub sandbox_payments: bool,
    pub version: &'static str,
    /// The VAPID public key, for the "Enable notifications" buttons.
    pub push_public_key: String,
}

impl Views {
    /// `brand`: the label's branding, which a save replaces while the
    /// server runs (templates read it as `brand`).
    pub fn new(globals: Globals, brand: Arc<BrandCell>) -> Views {
        Views {
            #[cfg(not(debug_assertions))]
            env: environment(&globals, &brand),
            globals,
            brand,
            rendered: Rendered::default(),
        }
    }

    /// Renders `name` with `context`, or hands out the page rendered from
    /// the same template and values a moment ago (see `web::rendered`).
    pub fn render(&self, name: &str, context: impl Serialize) -> AppResult<Html<String>> {
        // Read before rendering: a page rendered while the brand changes is
        // kept under the old generation, so it is never handed out as new.
        let generation = self.brand.generation();
        // The template values the render uses, made once for the key too.
        let context = minijinja::Value::from_serialize(&context);
        let key = self.rendered.key(name, &context);
        if let Some(page) = key.and_then(|key| self.rendered.get(&key, generation)) {
            return Ok(Html(page));
        }
        #[cfg(debug_assertions)]
        let env = environment(&self.globals, &self.brand);
        #[cfg(not(debug_assertions))]
        let env = &self.env;
        let template = env.get_template(name).map_err(template_error)?;
        let page = template.render(context).map_err(template_error)?;
        if let Some(key) = key {
            self.rendered.put(key, generation, &page);
        }
        Ok(Html(page))
    }

    pub fn globals(&self) -> &Globals {
        &self.globals
    }

    /// The label's branding as it is now.
    pub fn brand(&self) -> Arc<Brand> {
        self.brand.get()
    }

    /// Where the branding lives, for the code that replaces it.
    pub fn brand_cell(&self) -> &Arc<BrandCell> {
        &self.brand
    }
}

fn environment(globals: &Globals, brand: &Arc<BrandCell>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(|name| Ok(Templates::get(name).map(|file| String::from_utf8_lossy(&file.data).into_owned())));
    env.add_function("asset", super::assets::asset_url);
    env.add_filter("plural", plural_filter);
    env.add_filter("bytes", |n: u64| format_bytes(n));
    env.add_filter("datetime", |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |d| d.format("%-d %b %Y").to_string())
    });
    env.add_filter("caption_links", |caption: String| {
        minijinja::Value::from_safe_string(super::caption::caption_html(&caption))
    });
    env.add_filter("money", |minor: i64, currency: String| super::money::format_money(minor, &currency));
    env.set_formatter(html_formatter);
    env.add_global("site", minijinja::Value::from_serialize(globals));
    env.add_global("brand", minijinja::Value::from_object(BrandGlobal(brand.clone())));
    env
}

/// HTML-escapes the five characters that matter (`& < > " '`) and leaves
/// `/` alone, so URLs in pages stay readable.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if state.auto_escape() == minijinja::AutoEscape::None || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    // Strings (nearly every value) are escaped in place, without a copy.
    let owned;
    let text = match value.as_str() {
        Some(text) => text,
        None if value.is_none() || value.is_undefined() => "",
        None => {
            owned = value.to_string();
            owned.as_str()
        }
    };
    let write = |out: &mut minijinja::Output<'_>, piece: &str| {
        out.write_str(piece).map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    };
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        write(out, &text[start..at])?;
        write(out, entity)?;
        start = at + 1;
    }
    write(out, &text[start..])
}

/// `{{ n | plural("view") }}` → "1 view", "1,204 views"; an irregular
/// plural is the second argument: `{{ n | plural("reply", "replies") }}`.
fn plural_filter(count: i64, one: &str, many: Option<&str>) -> String {
    plural(count, one, many.unwrap_or(&format!("{one}s")))
}

/// A count with its noun, singular only for exactly one, digits grouped
/// by thousands.
pub fn plural(count: i64, one: &str, many: &str) -> String {
    let noun = if count == 1 { one } else { many };
    format!("{} {noun}", group_thousands(count))
}

fn group_thousands(count: i64) -> String {
    let digits = count.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if count < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A byte size in binary units, as the limits are configured:
/// 524288000 → "500 MiB", 1572864 → "1.5 MiB", 1 → "1 byte".
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return plural(bytes as i64, "byte", "bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    // One decimal, dropped when it is zero ("500 MiB", not "500.0 MiB").
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

fn template_error(err: minijinja::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("template error: {err:#}"))
}

#[cfg(test)]
mod tests {
    use super::{BrandCell, Globals, environment, format_bytes, plural};

    #[test]
    fn counts_take_the_singular_only_for_one() {
        assert_eq!(plural(0, "view", "views"), "0 views");
        assert_eq!(plural(1, "view", "views"), "1 view");
        assert_eq!(plural(2, "like", "likes"), "2 likes");
        assert_eq!(plural(1_234_567, "view", "views"), "1,234,567 views");
        assert_eq!(plural(-1_000, "tip", "tips"), "-1,000 tips");
    }

    #[test]
    fn sizes_are_binary() {
        assert_eq!(format_bytes(0), "0 bytes");
        assert_eq!(format_bytes(1), "1 byte");
        assert_eq!(format_bytes(1023), "1,023 bytes");
        assert_eq!(format_bytes(1024), "1 KiB");
        assert_eq!(format_bytes(1536 * 1024), "1.5 MiB");
        assert_eq!(format_bytes(500 * 1024 * 1024), "500 MiB");
        assert_eq!(format_bytes(10 * 1024 * 1024), "10 MiB");
        assert_eq!(format_bytes(3 * 1024 * 1024 * 1024), "3 GiB");
    }

    #[test]
    fn html_values_are_escaped_and_urls_left_readable() {
        let globals = Globals {
            public_url: "http://x".into(),
            sandbox_payments: true,
            version: "0",
            push_public_key: String::new(),
        };
        let mut env = environment(&globals, &BrandCell::new(crate::web::brand::Brand::default_brand()));
        env.add_template("t.html", "{{ s }}|{{ n }}|{{ u }}|{{ none }}").unwrap();
        let context =
            minijinja::context! { s => "<a href=\"/x?a=1&b='2'\">", n => 42, u => "/media/a/b.jpg", none => () };
        let html = env.get_template("t.html").unwrap().render(context).unwrap();
        assert_eq!(html, "&lt;a href=&quot;/x?a=1&amp;b=&#39;2&#39;&quot;&gt;|42|/media/a/b.jpg|");
    }
}
