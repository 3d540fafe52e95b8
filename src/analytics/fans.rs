//! `/dashboard/fans`: the artist's most loyal fans today (display names
//! only) with what they did, and the average loyalty of their fans.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::loyalty::{self, TopFan};
use super::state as analytics;
use crate::app::AppState;
use crate::error::AppResult;
use crate::identity::session::ArtistScope;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard/fans", get(show_fans))
}

#[derive(Serialize)]
struct FansView {
    title: &'static str,
    fans: Vec<TopFan>,
    average: String,
    half_life_days: u32,
}

async fn show_fans(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    let weights = analytics(&state).config.loyalty;
    let now = state.clock.now_ms();
    let artist = scope.artist.id;
    let (fans, average) = state
        .db
        .read(move |c| {
            Ok((loyalty::top_fans(c, artist, &weights, now, 25)?, loyalty::average_loyalty(c, artist, &weights, now)?))
        })
        .await?;
    let view =
        FansView { title: "Top fans", fans, average: format!("{average:.1}"), half_life_days: weights.half_life_days };
    Ok(page.render(&state, "analytics/fans.html", view)?.into_response())
}
