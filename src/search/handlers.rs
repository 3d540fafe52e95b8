//! The public pages: `/search?q=` (the same search as the API, as a page
//! anyone can open or share) and `/explore` (trending hashtags and
//! artists). Captions are shown with their #hashtags and @handles as
//! links (the `caption_links` filter escapes everything else).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::api::SearchParams;
use super::service::{self, Explore, SearchResults};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::client_ip::ClientIp;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(show_search)).route("/explore", get(show_explore))
}

#[derive(Serialize)]
struct SearchView {
    title: String,
    q: String,
    error: Option<String>,
    results: Option<SearchResults>,
    explore: Option<Explore>,
}

/// Without a text, the page is the search box over explore; a text that
/// breaks a rule re-renders the box with the reason (422).
async fn show_search(
    State(state): State<AppState>,
    page: Page,
    ClientIp(client): ClientIp,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let q = params.q.trim().to_owned();
    let mut view = SearchView { title: "Search".into(), q: q.clone(), error: None, results: None, explore: None };
    if q.is_empty() {
        view.explore = Some(service::explore(&state).await?);
        return Ok(page.render(&state, "search/search.html", view)?.into_response());
    }
    let found = match (params.limit(), params.kind()) {
        (Ok(limit), Ok(kind)) => service::search(&state, client, &q, limit, kind).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match found {
        Ok(results) => {
            view.title = format!("{q} · Search");
            view.results = Some(results);
            Ok(page.render(&state, "search/search.html", view)?.into_response())
        }
        Err(AppError::Invalid { message, fields }) => {
            view.error = Some(fields.into_values().next().unwrap_or(message));
            let html = page.render(&state, "search/search.html", view)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Serialize)]
struct ExploreView {
    title: &'static str,
    explore: Explore,
}

async fn show_explore(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let view = ExploreView { title: "Explore", explore: service::explore(&state).await? };
    Ok(page.render(&state, "search/explore.html", view)?.into_response())
}
