//! Pages that belong to no pillar.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::app::AppState;
use crate::error::AppResult;

/// The fan web app's shell; everything after this goes through `/api/v1`.
/// The fan web app. A browser signed in on the web is told so (and given
/// the form token to trade its session for the app's bearer token).
pub async fn show_fan_app(State(state): State<AppState>, page: super::page::Page) -> AppResult<Html<String>> {
    let stripe = &state.config.payments;
    let stripe_key =
        (stripe.provider == crate::config::PaymentsProvider::Stripe).then(|| stripe.stripe.publishable_key.clone());
    page.render(&state, "app/index.html", minijinja::context! { stripe_key })
}

/// `GET /app/manifest.webmanifest`: what makes `/app` an installable app —
/// the label's name, where it starts, its colours and icons (PNG at 192
/// and 512 pixels: the label's logo made square when it has one, else the
/// built-in ones, plain and maskable).
pub async fn show_manifest(State(state): State<AppState>) -> Response {
    let brand = state.views.brand();
    let icon = |name: &str, size: &str, purpose: &str| {
        serde_json::json!({
            "src": super::assets::versioned(name).unwrap_or_default(),
            "sizes": size,
            "type": "image/png",
            "purpose": purpose,
        })
    };
    let icons: Vec<serde_json::Value> = if brand.icons.is_empty() {
        vec![
            icon("icons/app-192.png", "192x192", "any"),
            icon("icons/app-512.png", "512x512", "any"),
            icon("icons/app-maskable-192.png", "192x192", "maskable"),
            icon("icons/app-maskable-512.png", "512x512", "maskable"),
        ]
    } else {
        let own = |i: &crate::web::brand::BrandImage| {
            serde_json::json!({
                "src": i.url, "sizes": format!("{}x{}", i.width, i.height), "type": "image/png", "purpose": "any",
            })
        };
        brand.icons.iter().map(own).collect()
    };
    // Home screens show a short name under the icon: a long name is cut at
    // a word, at most 12 characters.
    let short_name = short_name(&brand.name);
    let manifest = serde_json::json!({
        "name": brand.name,
        "short_name": short_name,
        "description": format!("Bops, music and merch from the artists of {}.", brand.name),
        "id": "/app",
        "start_url": "/app",
        "scope": "/app",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#0b0b12",
        "theme_color": brand.accent,
        "icons": icons,
    });
    ([(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "no-cache")], manifest.to_string())
        .into_response()
}

/// A name for under a home-screen icon: whole when it is short, else cut
/// at the last word that fits in 12 characters (or at 12).
fn short_name(name: &str) -> String {
    const MAX: usize = 12;
    if name.chars().count() <= MAX {
        return name.to_owned();
    }
    let cut: String = name.chars().take(MAX + 1).collect();
    match cut.rfind(' ') {
        Some(at) if at > 0 => cut[..at].trim_end().to_owned(),
        _ => name.chars().take(MAX).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names_fit_under_an_icon() {
        assert_eq!(super::short_name("Boptone"), "Boptone");
        assert_eq!(super::short_name("Night Owl Records"), "Night Owl");
        assert_eq!(super::short_name("Supercalifragilistic"), "Supercalifra");
    }
}
