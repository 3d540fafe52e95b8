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
