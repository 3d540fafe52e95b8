//! The label's branding as every page, email and manifest shows it: its
//! name, logo, accent colour, favicon and texts (issue 15 item 1). The
//! branding pillar composes it from `[label]` in boptone.toml and the
//! console's saved values, and replaces it after a save; readers take the
//! current one per render (a read lock and an `Arc` clone), so a change
//! shows on the next page without a restart.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::app::AppState;

/// The accent of a label that chose none.
pub const DEFAULT_ACCENT: &str = "#7c3aed";
/// The name of a label that chose none.
pub const DEFAULT_NAME: &str = "Boptone";
/// WCAG AA for normal text: white text on the accent must reach it.
pub const MIN_CONTRAST: f64 = 4.5;
pub const MAX_NAME_CHARS: usize = 60;
pub const MAX_HOME_TEXT_CHARS: usize = 2_000;
pub const MAX_PAGE_TEXT_CHARS: usize = 50_000;
/// The largest logo or favicon file accepted, uploaded or configured.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// An image of the brand, as a page links it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BrandImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// The label's own words, as typed (empty: the default text is shown).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct BrandTexts {
    pub home_text: String,
    pub about: String,
    pub terms: String,
    pub privacy: String,
}

/// What templates see as `brand`.
#[derive(Debug, Clone, Serialize)]
pub struct Brand {
    pub name: String,
    /// `#rrggbb`, white text on it readable (see [`Accent`]).
    pub accent: String,
    /// The accent darkened, for hover states.
    pub accent_dark: String,
    /// The stylesheet that sets the accent, versioned by its content.
    pub theme_css: String,
    pub logo: Option<BrandImage>,
    /// Square PNG icons made from the logo (192 and 512 pixels), for the
    /// app manifest; empty without a logo.
    pub icons: Vec<BrandImage>,
    /// A PNG favicon; `None`: the built-in one.
    pub favicon: Option<String>,
    /// The share card's image for pages that have none (a path).
    pub share_image: String,
    pub texts: BrandTexts,
    /// The texts split into paragraphs, defaults filled in.
    pub home_paragraphs: Vec<String>,
    pub about_paragraphs: Vec<String>,
    pub terms_paragraphs: Vec<String>,
    pub privacy_paragraphs: Vec<String>,
}

impl Brand {
    /// `images`: the logo, its icons and the favicon, already stored.
    pub fn new(name: &str, accent: &Accent, images: BrandImages, texts: BrandTexts) -> Brand {
        let name = if name.trim().is_empty() { DEFAULT_NAME.to_owned() } else { name.trim().to_owned() };
        let css = theme_css(accent);
        let version = hex::encode(&Sha256::digest(css.as_bytes())[..6]);
        let share_image = images
            .icons
            .iter()
            .max_by_key(|icon| icon.width)
            .map(|icon| icon.url.clone())
            .or_else(|| super::assets::versioned("icons/app-512.png"))
            .unwrap_or_default();
        Brand {
            accent: accent.hex(),
            accent_dark: accent.darkened().hex(),
            theme_css: format!("/brand/theme.css?v={version}"),
            logo: images.logo,
            icons: images.icons,
            favicon: images.favicon,
            share_image,
            home_paragraphs: paragraphs(&texts.home_text),
            about_paragraphs: or_default(
                &texts.about,
                &format!(
                    "{name} runs this platform for its artists and their fans: Bops, music, merch and tips, \
                 with the money going to the artists."
                ),
            ),
            terms_paragraphs: or_default(
                &texts.terms,
                &format!(
                    "{name} has not published its terms of use yet.\n\n\
                 Until it does: post only what you have the right to share, treat people with respect, \
                 and report anything that breaks the law or hurts someone."
                ),
            ),
            privacy_paragraphs: or_default(
                &texts.privacy,
                &format!(
                    "{name} has not published its privacy notice yet.\n\n\
                 This platform keeps your account's email address and what you post, and uses them only \
                 to run the service. You can delete your account from your account page."
                ),
            ),
            texts,
            name,
        }
    }

    /// The built-in brand: Boptone's name, accent and icons.
    pub fn default_brand() -> Brand {
        Brand::new(DEFAULT_NAME, &Accent::default(), BrandImages::default(), BrandTexts::default())
    }
}

/// The brand's images, by URL.
#[derive(Debug, Clone, Default)]
pub struct BrandImages {
    pub logo: Option<BrandImage>,
    pub icons: Vec<BrandImage>,
    pub favicon: Option<String>,
}

/// Paragraphs are separated by blank lines; single newlines stay inside
/// one (pages show them as line breaks).
pub fn paragraphs(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

fn or_default(text: &str, default: &str) -> Vec<String> {
    let own = paragraphs(text);
    if own.is_empty() { paragraphs(default) } else { own }
}

/// An accent colour: six hex digits, on which white text reaches
/// [`MIN_CONTRAST`]. A lighter colour is refused, not adjusted, so the
/// label sees exactly the colour it chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent([u8; 3]);

impl Default for Accent {
    fn default() -> Accent {
        Accent::parse(DEFAULT_ACCENT).expect("the default accent is valid")
    }
}

impl Accent {
    /// `#rrggbb` or `#rgb`, any case.
    pub fn parse(raw: &str) -> Result<Accent, String> {
        let raw = raw.trim();
        let digits = raw.strip_prefix('#').filter(|d| d.chars().all(|c| c.is_ascii_hexdigit()));
        let rgb = match digits {
            Some(d) if d.len() == 6 => {
                let byte = |i: usize| u8::from_str_radix(&d[i..i + 2], 16).expect("hex digits");
                [byte(0), byte(2), byte(4)]
            }
            Some(d) if d.len() == 3 => {
                let nibble = |i: usize| u8::from_str_radix(&d[i..=i], 16).expect("a hex digit") * 17;
                [nibble(0), nibble(1), nibble(2)]
            }
            _ => return Err("Give a colour as a CSS hex code, like #7c3aed.".to_owned()),
        };
        let accent = Accent(rgb);
        let contrast = accent.contrast_with_white();
        if contrast < MIN_CONTRAST {
            return Err(format!(
                "White text on {} has a contrast of {contrast:.2}:1; it needs at least {MIN_CONTRAST}:1 to be \
                 readable. Choose a darker colour (lighter colours are refused, not adjusted).",
                accent.hex()
            ));
        }
        Ok(accent)
    }

    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }

    /// WCAG 2 contrast ratio of white text on this colour.
    pub fn contrast_with_white(&self) -> f64 {
        1.05 / (relative_luminance(self.0) + 0.05)
    }

    /// A quarter of the way to black: hover states stay readable.
    fn darkened(&self) -> Accent {
        Accent(self.0.map(|c| (u16::from(c) * 3 / 4) as u8))
    }
}

fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])
}

/// The stylesheet that overrides the design system's accent tokens. A
/// file, not an inline style: the Content-Security-Policy allows only
/// this origin's stylesheets.
fn theme_css(accent: &Accent) -> String {
    format!(":root {{ --brand: {}; --brand-dark: {}; --accent: {0}; }}\n", accent.hex(), accent.darkened().hex())
}

/// The current brand, replaced whole after a save.
pub struct BrandCell {
    current: RwLock<Arc<Shown>>,
    /// Bumped by every [`BrandCell::set`], so pages rendered under the old
    /// brand are not handed out again (see `web::rendered`).
    generation: AtomicU64,
}

struct Shown {
    brand: Arc<Brand>,
    /// The brand as a template value, built once per change.
    value: minijinja::Value,
}

impl Shown {
    fn of(brand: Brand) -> Shown {
        let value = minijinja::Value::from_serialize(&brand);
        Shown { brand: Arc::new(brand), value }
    }
}

impl BrandCell {
    pub fn new(brand: Brand) -> Arc<BrandCell> {
        Arc::new(BrandCell { current: RwLock::new(Arc::new(Shown::of(brand))), generation: AtomicU64::new(0) })
    }

    pub fn get(&self) -> Arc<Brand> {
        self.shown().brand.clone()
    }

    pub fn set(&self, brand: Brand) {
        let shown = Arc::new(Shown::of(brand));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = shown;
        self.generation.fetch_add(1, Ordering::Release);
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn shown(&self) -> Arc<Shown> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The `brand` template global: looks the current brand up on every access,
/// so an environment built once (release builds) still shows a change.
#[derive(Debug)]
pub struct BrandGlobal(pub Arc<BrandCell>);

impl std::fmt::Debug for BrandCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrandCell").field("name", &self.get().name).finish()
    }
}

impl minijinja::value::Object for BrandGlobal {
    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        self.0.shown().value.get_item(key).ok().filter(|value| !value.is_undefined())
    }
}

#[derive(serde::Deserialize)]
pub struct ThemeQuery {
    v: Option<String>,
}

/// `GET /brand/theme.css?v=…`: the accent as CSS custom properties. The
/// versioned URL of the current theme is cached for a year; any other
/// version (an old page) gets the current theme, revalidated.
pub async fn serve_theme(State(state): State<AppState>, Query(query): Query<ThemeQuery>) -> Response {
    let brand = state.views.brand();
    let accent = Accent::parse(&brand.accent).unwrap_or_default();
    let current = brand.theme_css.rsplit("v=").next() == query.v.as_deref();
    let cache = if current { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    (headers, theme_css(&accent)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_parse_and_white_text_must_stay_readable() {
        assert_eq!(Accent::parse("#7C3AED").unwrap().hex(), "#7c3aed");
        assert_eq!(Accent::parse("#036").unwrap().hex(), "#003366");
        for bad in ["7c3aed", "#7c3ae", "purple", "#gggggg", ""] {
            assert!(Accent::parse(bad).unwrap_err().contains("hex code"), "{bad}");
        }
        let light = Accent::parse("#ffd700").unwrap_err();
        assert!(light.contains("contrast") && light.contains("4.5:1"), "{light}");
        assert!(Accent::default().contrast_with_white() >= MIN_CONTRAST);
        assert!(Accent::default().darkened().contrast_with_white() > Accent::default().contrast_with_white());
    }

    #[test]
    fn texts_split_on_blank_lines_and_fall_back_to_a_default_naming_the_label() {
        assert_eq!(paragraphs("One\nline two\n\n \n\nThree\r\n"), ["One\nline two", "Three"]);
        let brand = Brand::new(
            "Night Owl Records",
            &Accent::default(),
            BrandImages::default(),
            BrandTexts { about: "We <3 music.".into(), ..BrandTexts::default() },
        );
        assert_eq!(brand.about_paragraphs, ["We <3 music."]);
        assert!(brand.terms_paragraphs[0].starts_with("Night Owl Records has not published"));
        assert!(brand.home_paragraphs.is_empty());
        assert!(brand.theme_css.starts_with("/brand/theme.css?v="));
    }

    #[test]
    fn a_change_is_seen_by_the_template_global() {
        let cell = BrandCell::new(Brand::default_brand());
        let global = minijinja::Value::from_object(BrandGlobal(cell.clone()));
        assert_eq!(global.get_attr("name").unwrap().as_str(), Some("Boptone"));
        let mut renamed = Brand::default_brand();
        renamed.name = "Acme".into();
        cell.set(renamed);
        assert_eq!(global.get_attr("name").unwrap().as_str(), Some("Acme"));
    }
}
