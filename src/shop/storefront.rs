//! The shop's public web pages: an artist's shop tab (`/@handle/shop`) and
//! a product's page with its share cards. Anyone may look; buying happens
//! in the fan app (`/app#shop/product/{id}`), which holds the cart.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::public;
use super::views::{ProductSummary, ProductView, VariantView};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/@{handle}/shop", get(show_shop))
        .route("/shop/products/{id}", get(show_product))
        // The name the issue gives public product pages; the same page.
        .route("/products/{id}", get(show_product))
}

/// Products on one page of the shop tab.
const PAGE: usize = 24;

/// Most characters of a share card's description.
const CARD_DESCRIPTION: usize = 160;

#[derive(Deserialize)]
struct ShopQuery {
    after: Option<String>,
}

#[derive(Serialize)]
struct ShopView {
    title: String,
    stage_name: String,
    handle: String,
    products: Vec<ProductSummary>,
    /// The next page, when there is one.
    more_url: Option<String>,
    /// Not the first page: offer the way back to it.
    first_url: Option<String>,
}

/// `GET /@{handle}/shop`: the artist's active products, newest first.
async fn show_shop(
    State(state): State<AppState>,
    page: Page,
    Path(handle): Path<String>,
    Query(query): Query<ShopQuery>,
) -> AppResult<Response> {
    let lookup = handle.clone();
    let artist = state
        .db
        .read(move |c| crate::identity::service::public_artist_by_handle(c, &lookup))
        .await?
        .ok_or(AppError::NotFound)?;
    let handle = artist.handle.clone().unwrap_or(handle);
    let stage_name = artist.stage_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| format!("@{handle}"));
    let first_page = query.after.is_none();
    let (products, next) = match public::list_products(&state, artist.uid.clone(), query.after, PAGE).await {
        // A page link from before the shop changed: start from the newest.
        Err(AppError::Invalid { fields, .. }) if fields.contains_key("cursor") => {
            return Ok(Redirect::to(&format!("/@{handle}/shop")).into_response());
        }
        listed => listed?,
    };
    let view = ShopView {
        title: format!("{stage_name} · Shop"),
        more_url: next.map(|cursor| format!("/@{handle}/shop?after={cursor}")),
        first_url: (!first_page).then(|| format!("/@{handle}/shop")),
        stage_name,
        handle,
        products,
    };
    Ok(page.render(&state, "shop/storefront.html", view)?.into_response())
}

/// What a link preview (Open Graph, Twitter) shows.
#[derive(Serialize)]
struct ShareCard {
    title: String,
    description: String,
    image: Option<String>,
    url: String,
}

#[derive(Serialize)]
struct ProductPage {
    title: String,
    product: ProductView,
    /// The artist's shop tab, when the artist has a handle.
    shop_url: Option<String>,
    /// The variant shown first: the first one still for sale.
    shown: Option<VariantView>,
    sold_out: bool,
    buy_url: String,
    card: ShareCard,
}

/// `GET /shop/products/{id}`: an active product of a visible artist.
async fn show_product(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> AppResult<Response> {
    let (product, handle) = public::product_and_handle(&state, id).await?;
    let base = state.views.globals().public_url.trim_end_matches('/').to_owned();
    let cover = product.photos.first().and_then(|p| p.url.clone());
    let card = ShareCard {
        title: match product.artist_name.as_str() {
            "" => product.title.clone(),
            name => format!("{} · {name}", product.title),
        },
        description: plain_text(&product.description_html, CARD_DESCRIPTION),
        image: cover.map(|url| absolute(&base, &url)),
        url: format!("{base}/shop/products/{}", product.id),
    };
    let shown = product.variants.iter().find(|v| !v.sold_out).or(product.variants.first()).cloned();
    let view = ProductPage {
        title: product.title.clone(),
        shop_url: handle.map(|h| format!("/@{h}/shop")),
        sold_out: product.variants.iter().all(|v| v.sold_out),
        buy_url: format!("/app#shop/product/{}", product.id),
        shown,
        card,
        product,
    };
    Ok(page.render(&state, "shop/storefront_product.html", view)?.into_response())
}

/// `url` as seen from outside: paths are joined to the public URL; links
/// that already name their host (an S3 bucket) stay as they are.
fn absolute(base: &str, url: &str) -> String {
    if url.starts_with('/') { format!("{base}{url}") } else { url.to_owned() }
}

/// The text of sanitized HTML on one line, cut at `max` characters with an
/// ellipsis: for share cards, which show no markup.
fn plain_text(html: &str, max: usize) -> String {
    let mut text = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (None, c) => text.push(c),
            (Some(name), '>') => {
                // Block tags and line breaks part words; inline ones do not.
                let name = name.trim_start_matches('/').split([' ', '/']).next().unwrap_or("").to_ascii_lowercase();
                if !INLINE_TAGS.contains(&name.as_str()) {
                    text.push(' ');
                }
                tag = None;
            }
            (Some(name), c) => name.push(c),
        }
    }
    let text = decode_entities(&text);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    if let Some(space) = cut.rfind(' ').filter(|&i| i > max / 2) {
        cut.truncate(space);
    }
    format!("{}…", cut.trim_end_matches([' ', ',', '.', ';', ':']))
}

const INLINE_TAGS: &[&str] = &["a", "b", "strong", "i", "em", "u", "s", "span", "code", "small", "sub", "sup"];

/// The entities a sanitizer writes: named `&amp; &lt; &gt; &quot; &nbsp;` and
/// numeric ones. Anything else stays as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => match name.strip_prefix('#') {
                    Some(hex) if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16).ok(),
                    Some(dec) => dec.parse().ok(),
                    None => None,
                }
                .and_then(char::from_u32),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_text_is_plain_short_and_decoded() {
        let html = "<p>Soft &amp; <strong>warm</strong>.<br>Made &lt;here&gt; &#8212; &#x2665;</p>";
        assert_eq!(plain_text(html, 160), "Soft & warm. Made <here> — ♥");
        let long = format!("<p>{}</p>", "word ".repeat(100));
        let cut = plain_text(&long, 40);
        assert!(cut.chars().count() <= 40 && cut.ends_with("word…"), "{cut}");
        assert_eq!(plain_text("a &bogus; b & c", 160), "a &bogus; b & c");
    }

    #[test]
    fn card_images_are_absolute() {
        assert_eq!(absolute("https://x.test", "/media/shop/a.jpg"), "https://x.test/media/shop/a.jpg");
        assert_eq!(absolute("https://x.test", "https://bucket.s3/a.jpg"), "https://bucket.s3/a.jpg");
    }
}
