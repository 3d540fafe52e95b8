//! The label's public pages: the home page that presents its artists, its
//! about, terms and privacy pages, and the images boptone.toml names.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::service;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::config::{ArtistSignup, FanSignup};
use crate::identity::showcase::{self, ShowcaseArtist};
use crate::web::page::Page;

/// Artists per page of the home page's grid.
pub const ARTISTS_PER_PAGE: usize = 24;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show_home))
        .route("/about", get(show_about))
        .route("/terms", get(show_terms))
        .route("/privacy", get(show_privacy))
        .route("/label/files/{name}", get(serve_config_file))
}

#[derive(Deserialize)]
pub struct HomeQuery {
    after: Option<String>,
}

#[derive(Serialize)]
struct HomeView {
    title: String,
    artists: Vec<ShowcaseArtist>,
    /// The id to continue after, when there are more artists.
    next: Option<String>,
    /// Whether this is a later page (a link back to the first).
    later_page: bool,
    /// "open", "invite" or "approval": how artists join.
    artist_signup: &'static str,
    fans_may_join: bool,
}

/// `GET /`: the label's name, logo and words, its artists a page at a time,
/// and the ways in: the app for fans, signing up (or asking for an invite)
/// for artists.
async fn show_home(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<HomeQuery>,
) -> AppResult<Html<String>> {
    let after = query.after.filter(|a| !a.is_empty() && a.len() <= 64);
    let later_page = after.is_some();
    let (artists, next) = showcase::page(&state, after, ARTISTS_PER_PAGE).await?;
    let label = &crate::identity::state(&state).config.label;
    let view = HomeView {
        title: state.views.brand().name.clone(),
        artists,
        next,
        later_page,
        artist_signup: match label.artist_signup {
            ArtistSignup::Open => "open",
            ArtistSignup::Invite => "invite",
            ArtistSignup::Approval => "approval",
        },
        fans_may_join: label.fan_signup == FanSignup::Open,
    };
    page.render(&state, "branding/home.html", view)
}

#[derive(Serialize)]
struct TextPageView {
    title: &'static str,
    /// Which of the brand's texts: "about", "terms" or "privacy".
    text: &'static str,
}

async fn show_about(State(state): State<AppState>, page: Page) -> AppResult<Html<String>> {
    page.render(&state, "branding/text_page.html", TextPageView { title: "About", text: "about" })
}

async fn show_terms(State(state): State<AppState>, page: Page) -> AppResult<Html<String>> {
    page.render(&state, "branding/text_page.html", TextPageView { title: "Terms of use", text: "terms" })
}

async fn show_privacy(State(state): State<AppState>, page: Page) -> AppResult<Html<String>> {
    page.render(&state, "branding/text_page.html", TextPageView { title: "Privacy", text: "privacy" })
}

/// `GET /label/files/{name}`: an image boptone.toml names, as processed at
/// startup. Names carry the content's hash, so they are cached for a year.
async fn serve_config_file(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let bytes = service::state(&state).config_file(&name).ok_or(AppError::NotFound)?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
    ];
    Ok((headers, bytes).into_response())
}
