//! The label console's people side (issue 15 items 2, 3 and 6): the
//! roster of artists with suspend and reinstate, invites and applications,
//! and every account's page with its sign-in history, disabling, data
//! export and erasure. Every change records its audit row in the same
//! write transaction; destructive ones re-authenticate first.

mod artists;
mod confirm;
mod joining;
mod people;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

/// Rows on one page of every list here.
const PAGE: usize = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        // The console's front door is the roster.
        .route("/admin", get(artists::show_roster))
        .route("/admin/artists", get(artists::show_roster))
        .route("/admin/artists/{uid}/suspend", get(artists::confirm_suspend).post(artists::suspend))
        .route("/admin/artists/{uid}/reinstate", get(artists::confirm_reinstate).post(artists::reinstate))
        .route("/admin/invites", get(joining::show_invites).post(joining::send_invite))
        .route("/admin/invites/{uid}/revoke", post(joining::revoke_invite))
        .route("/admin/applications", get(joining::show_applications))
        .route("/admin/applications/{uid}/approve", post(joining::approve))
        .route("/admin/applications/{uid}/decline", get(joining::confirm_decline).post(joining::decline))
        .route("/admin/people", get(people::show_people))
        .route("/admin/people/{uid}", get(people::show_person))
        .route("/admin/people/{uid}/disable", get(people::confirm_disable).post(people::disable))
        .route("/admin/people/{uid}/enable", get(people::confirm_enable).post(people::enable))
        .route("/admin/people/{uid}/export", post(people::export))
        .route("/admin/people/{uid}/erase", get(people::confirm_erase).post(people::erase))
}

/// A list's cursor from the query: a public id that names a row, or a
/// clear refusal (a hand-edited or stale link).
fn cursor(raw: Option<&str>) -> Result<Option<&str>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(uid) if crate::core::uid::is_uid(uid) => Ok(Some(uid)),
        Some(_) => Err(BAD_CURSOR.to_owned()),
    }
}

/// Where a list starts, and the notice to show when its link was bad (the
/// list then starts at the top).
fn page_start(raw: Option<&str>) -> (Option<String>, Option<String>) {
    match cursor(raw) {
        Ok(after) => (after.map(str::to_owned), None),
        Err(notice) => (None, Some(notice)),
    }
}

const BAD_CURSOR: &str = "That page link is not valid any more: here is the first page.";

/// Search text from the query: trimmed, at most 100 characters.
fn search_text(raw: Option<&str>) -> Result<Option<String>, String> {
    let text = raw.map(str::trim).unwrap_or("");
    if text.chars().count() > 100 {
        return Err("Search for at most 100 characters.".to_owned());
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}
