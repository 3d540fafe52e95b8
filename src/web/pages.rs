//! Pages that belong to no pillar.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::error::AppResult;

#[derive(Serialize)]
struct HomeView {
    title: &'static str,
}

pub async fn show_home(State(state): State<AppState>) -> AppResult<Html<String>> {
    state.views.render("home.html", HomeView { title: "Your label's own creator platform" })
}

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
/// its name, where it starts, its colours and icons (PNG at 192 and 512
/// pixels, plain and maskable).
pub async fn show_manifest() -> Response {
    let icon = |name: &str, size: &str, purpose: &str| {
        serde_json::json!({
            "src": super::assets::versioned(name).unwrap_or_default(),
            "sizes": size,
            "type": "image/png",
            "purpose": purpose,
        })
    };
    let manifest = serde_json::json!({
        "name": "Boptone",
        "short_name": "Boptone",
        "description": "Bops, music and merch from your artists.",
        "id": "/app",
        "start_url": "/app",
        "scope": "/app",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#0b0b12",
        "theme_color": "#0b0b12",
        "icons": [
            icon("icons/app-192.png", "192x192", "any"),
            icon("icons/app-512.png", "512x512", "any"),
            icon("icons/app-maskable-192.png", "192x192", "maskable"),
            icon("icons/app-maskable-512.png", "512x512", "maskable"),
        ],
    });
    ([(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "no-cache")], manifest.to_string())
        .into_response()
}
