//! Pages that belong to no pillar.

use axum::extract::State;
use axum::response::Html;
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
