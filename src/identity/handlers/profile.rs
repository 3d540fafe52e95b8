//! The artist's public page, `/@handle`: the hub where every pillar shows.
//! Photo, name, bio, links, followers with a follow button, a tip button,
//! and one tab per pillar that has one (Bops, Music, Shop), each rendered by
//! its own pillar; `?tab=` picks one, so the page works without script.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::{MaybeUser, SessionUser};
use crate::error::{AppError, AppResult};
use crate::identity::artist_api::follower_count;
use crate::identity::domain::SOCIAL_NETWORKS;
use crate::identity::repo::{self, ArtistRow};
use crate::identity::service;
use crate::media::MediaKey;
use crate::pillar::{ProfileTab, ProfileTabRequest};
use crate::web::page::Page;

#[derive(Serialize)]
struct LinkView {
    label: &'static str,
    url: String,
}

#[derive(Serialize)]
struct ProfileView {
    title: String,
    stage_name: String,
    handle: String,
    bio: String,
    location: String,
    genres: Vec<String>,
    links: Vec<LinkView>,
    photo_url: Option<String>,
    /// The link preview (Open Graph / Twitter card).
    card_url: String,
    card_image: Option<String>,
    card_description: String,
    followers: i64,
    following: bool,
    signed_in: bool,
    own_page: bool,
    tabs: Vec<TabLink>,
    tab_html: String,
}

/// The first line of the bio for link previews (or a line about the artist).
fn profile_description(bio: &str, stage_name: &str, label: &str) -> String {
    let line = bio.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.is_empty() {
        return format!("{stage_name}'s Bops, music and shop on {label}.");
    }
    if line.chars().count() <= 200 {
        line.to_owned()
    } else {
        format!("{}…", line.chars().take(199).collect::<String>())
    }
}

#[derive(Serialize)]
struct TabLink {
    key: &'static str,
    label: &'static str,
    current: bool,
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    tab: Option<String>,
    cursor: Option<String>,
}

/// Every pillar's tab, in order.
fn tabs() -> Vec<(ProfileTab, &'static dyn crate::pillar::Pillar)> {
    let mut tabs: Vec<_> = crate::pillars::ALL.iter().filter_map(|p| p.profile_tab().map(|t| (t, *p))).collect();
    tabs.sort_by_key(|(t, _)| t.order);
    tabs
}

async fn public_artist(state: &AppState, handle: &str) -> AppResult<ArtistRow> {
    let lookup = handle.to_owned();
    let artist = state.db.read_now(move |c| service::public_artist_by_handle(c, &lookup)).await?;
    artist.ok_or(AppError::NotFound)
}

pub async fn show_profile(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(viewer): MaybeUser,
    Path(handle): Path<String>,
    Query(query): Query<ProfileQuery>,
) -> AppResult<Response> {
    let artist = public_artist(&state, &handle).await?;
    let viewer_id = viewer.as_ref().map(|u| u.id);
    let artist_id = artist.id;
    let (followers, following) = state
        .db
        .read_now(move |c| {
            let following = match viewer_id {
                Some(v) => repo::followed_since(c, v, artist_id)?.is_some(),
                None => false,
            };
            Ok::<_, rusqlite::Error>((follower_count(c, artist_id)?, following))
        })
        .await?;
    let all = tabs();
    let chosen = all.iter().find(|(t, _)| Some(t.key) == query.tab.as_deref()).or(all.first());
    let handle_text = artist.handle.clone().unwrap_or_default();
    let tab_html = match chosen {
        Some((_, pillar)) => {
            let request = ProfileTabRequest {
                artist: artist.id,
                artist_uid: artist.uid.clone(),
                handle: handle_text.clone(),
                viewer: viewer_id,
                cursor: query.cursor.filter(|c| !c.is_empty()),
            };
            pillar.render_profile_tab(&state, &request).await?
        }
        None => String::new(),
    };
    let tab_links = all
        .iter()
        .map(|(t, _)| TabLink { key: t.key, label: t.label, current: chosen.is_some_and(|(c, _)| c.key == t.key) })
        .collect();
    let stage_name = artist.stage_name.clone().unwrap_or_default();
    let links = SOCIAL_NETWORKS
        .iter()
        .filter_map(|(id, label, _)| artist.social_links.get(*id).map(|url| LinkView { label, url: url.clone() }))
        .collect();
    let base = &state.views.globals().public_url;
    let photo_url = artist.photo_key.as_deref().and_then(MediaKey::parse).map(|k| k.url_path());
    let view = ProfileView {
        card_url: format!("{base}/@{handle_text}"),
        card_image: photo_url.as_ref().map(|p| format!("{base}{p}")),
        card_description: profile_description(&artist.bio, &stage_name, &state.views.brand().name),
        title: stage_name.clone(),
        stage_name,
        handle: handle_text,
        bio: artist.bio.clone(),
        location: artist.location.clone(),
        genres: artist.genres.clone(),
        links,
        photo_url,
        followers,
        following,
        signed_in: viewer.is_some(),
        own_page: viewer.as_ref().is_some_and(|u| u.id == artist.user_id),
        tabs: tab_links,
        tab_html,
    };
    // Signed out, the page has no form (Follow is a link to sign in).
    let page = if view.signed_in { page } else { page.without_forms() };
    Ok(page.render(&state, "identity/profile.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    follow: String,
}

/// Follow or unfollow from the artist's page (signed in; CSRF-checked by the
/// web surface), then back to the page.
pub async fn follow_artist(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(handle): Path<String>,
    Form(form): Form<FollowForm>,
) -> AppResult<Response> {
    let artist = public_artist(&state, &handle).await?;
    let following = match form.follow.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::invalid("follow", "Say follow (1) or unfollow (0).")),
    };
    service::set_following(&state, user.id, artist.uid, following).await?;
    Ok(Redirect::to(&format!("/@{}", artist.handle.unwrap_or_default())).into_response())
}
