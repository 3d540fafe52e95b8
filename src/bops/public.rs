//! A Bop's own public page (`/bops/{id}`): the video with its poster, the
//! caption, the artist, and share cards (Open Graph, Twitter, oEmbed
//! discovery) so a link unfurls in chats and social apps. Followers-only
//! and private Bops show only to those the feed would show them to; their
//! cards never carry media links (a signed link would leak in a preview).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::service;
use super::views::BopView;
use crate::app::AppState;
use crate::auth::MaybeUser;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route("/bops/{id}", get(show_public_bop))
}

/// What a link preview shows.
#[derive(Debug, Clone, Serialize)]
pub struct ShareCard {
    pub title: String,
    pub description: String,
    pub url: String,
    pub image: Option<String>,
    pub video: Option<String>,
    pub oembed: String,
}

#[derive(Serialize)]
struct PublicBopView {
    title: String,
    bop: BopView,
    card: ShareCard,
}

/// The card of a Bop: media only when the Bop is public.
/// `label`: the label's name, for a Bop without a caption.
pub fn card_of(bop: &BopView, base: &str, label: &str) -> ShareCard {
    let url = format!("{base}/bops/{}", bop.id);
    let public = bop.visibility == "public";
    let name = if bop.artist.name.is_empty() { "An artist" } else { bop.artist.name.as_str() };
    let caption = bop.caption.trim();
    ShareCard {
        title: if caption.is_empty() { format!("{name} on {label}") } else { format!("{name}: {}", clip(caption, 70)) },
        description: if caption.is_empty() { format!("A Bop by {name}.") } else { clip(caption, 200) },
        image: bop.poster_url.as_ref().filter(|_| public).map(|p| format!("{base}{p}")),
        video: public.then(|| format!("{base}{}", bop.video_url)),
        oembed: format!("{base}/oembed?format=json&url={}", urlencode(&url)),
        url,
    }
}

fn clip(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        return line.to_owned();
    }
    format!("{}…", line.chars().take(max - 1).collect::<String>().trim_end())
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn show_public_bop(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let bop = service::show_bop(&state, &id, user.map(|u| u.id)).await?;
    let card = card_of(&bop, &state.views.globals().public_url, &state.views.brand().name);
    let title = card.title.clone();
    Ok(page.render(&state, "bops/public.html", PublicBopView { title, bop, card })?.into_response())
}

/// oEmbed for a public Bop's page: a `link` with the poster as thumbnail.
pub async fn oembed(state: &AppState, path: &str, maxwidth: Option<u32>) -> AppResult<Option<serde_json::Value>> {
    let id = path.trim_start_matches("/bops/");
    let bop = match service::show_bop(state, id, None).await {
        Ok(bop) if bop.visibility == "public" => bop,
        Ok(_) | Err(AppError::NotFound) => return Ok(None),
        Err(err) => return Err(err),
    };
    let base = state.views.globals().public_url.clone();
    let card = card_of(&bop, &base, &state.views.brand().name);
    let width = maxwidth.map_or(bop.width, |max| max.min(bop.width));
    let mut body = serde_json::json!({
        "type": "link",
        "title": card.title,
        "author_name": bop.artist.name,
        "author_url": format!("{base}/@{}", bop.artist.handle),
    });
    if let Some(image) = card.image {
        body["thumbnail_url"] = image.into();
        body["thumbnail_width"] = width.into();
        body["thumbnail_height"] = (u64::from(bop.height) * u64::from(width) / u64::from(bop.width.max(1))).into();
    }
    Ok(Some(body))
}
