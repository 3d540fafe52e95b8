//! Search on the app surface (`/api/v1`): `GET /search?q=&limit=&kind=`
//! and `GET /explore`. Both answer without a token: fans find artists
//! before they have an account. Each is a few index reads whatever the
//! text (bounded length, bounded words, bounded results).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::service::{self, Explore, Kind, SearchResults};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::client_ip::ClientIp;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search)).route("/explore", get(show_explore))
}

/// The query string as text, checked here so that every mistake is a
/// 422 naming the parameter.
#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub limit: Option<String>,
    pub kind: Option<String>,
}

impl SearchParams {
    pub fn limit(&self) -> AppResult<Option<u32>> {
        match self.limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            None => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|_| AppError::invalid("limit", "Give the limit as a number.")),
        }
    }

    pub fn kind(&self) -> AppResult<Option<Kind>> {
        match self.kind.as_deref().filter(|k| !k.is_empty()) {
            None => Ok(None),
            Some(raw) => Kind::parse(raw)
                .map(Some)
                .ok_or_else(|| AppError::invalid("kind", "Ask for artists, bops, tracks or products.")),
        }
    }
}

async fn search(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let (limit, kind) = (params.limit()?, params.kind()?);
    Ok(Json(service::search(&state, client, &params.q, limit, kind).await?))
}

async fn show_explore(State(state): State<AppState>) -> AppResult<Json<Explore>> {
    Ok(Json(service::explore(&state).await?))
}
