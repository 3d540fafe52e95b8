//! `/admin/invites` and `/admin/applications`: who may join as an artist,
//! from the console. Invites are made by the same function as `boptone
//! admin invite` (single-use, expiring, emailed); the label revokes the
//! ones not used yet. Applications (label.artist_signup = "approval") are
//! accepted with an optional word, or declined with a reason after
//! re-authenticating. Each is one audit row.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::confirm::{self, Confirm, ReasonForm};
use super::{BAD_CURSOR, PAGE, page_start};
use crate::app::AppState;
use crate::console::Admin;
use crate::console::audit::{self, Entry};
use crate::error::{AppError, AppResult};
use crate::identity::ArtistRow;
use crate::identity::config::ArtistSignup;
use crate::identity::domain::Email;
use crate::identity::joining;
use crate::identity::roster::{self, Application, OpenInvite};
use crate::web::page::Page;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    after: Option<String>,
    done: Option<String>,
}

fn mode_text(state: &AppState) -> &'static str {
    match joining::mode(state) {
        ArtistSignup::Invite => "Artists join here by invitation only (label.artist_signup = \"invite\").",
        ArtistSignup::Approval => {
            "Anyone may apply as an artist, and waits for your answer (label.artist_signup = \"approval\")."
        }
        ArtistSignup::Open => "Anyone may sign up as an artist (label.artist_signup = \"open\"); invites still work.",
    }
}

#[derive(Serialize)]
struct InvitesView {
    title: &'static str,
    mode_text: &'static str,
    invite_days: u64,
    email: String,
    invites: Vec<OpenInvite>,
    next: Option<String>,
    notice: Option<String>,
    errors: BTreeMap<String, String>,
}

async fn invites_view(state: &AppState, after: Option<String>) -> AppResult<(Vec<OpenInvite>, Option<String>, bool)> {
    let now = state.clock.now_ms();
    Ok(state
        .db
        .read(move |c| {
            let stale = match after.as_deref() {
                Some(uid) => !roster::invite_exists(c, uid)?,
                None => false,
            };
            let after = if stale { None } else { after };
            let mut rows = roster::list_open_invites(c, after.as_deref(), now, PAGE + 1)?;
            let next = (rows.len() > PAGE).then(|| rows[PAGE - 1].uid.clone());
            rows.truncate(PAGE);
            Ok::<_, rusqlite::Error>((rows, next, stale))
        })
        .await?)
}

pub async fn show_invites(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let (after, mut error) = page_start(query.after.as_deref());
    let (invites, next, stale) = invites_view(&state, after).await?;
    if stale {
        error.get_or_insert_with(|| BAD_CURSOR.to_owned());
    }
    let notice = match query.done.as_deref() {
        Some("sent") => Some("The invite is sent.".to_owned()),
        Some("revoked") => Some("The invite is revoked: its link no longer works.".to_owned()),
        _ => None,
    };
    let mut view = InvitesView {
        title: "Invites",
        mode_text: mode_text(&state),
        invite_days: crate::identity::state(&state).config.label.invite_days,
        email: String::new(),
        invites,
        next: next.map(|uid| format!("/admin/invites?after={uid}")),
        notice,
        errors: BTreeMap::new(),
    };
    let status = match error {
        Some(e) => {
            view.errors.insert("form".into(), e.clone());
            view.notice = Some(e);
            StatusCode::BAD_REQUEST
        }
        None => StatusCode::OK,
    };
    Ok((status, page.render(&state, "console/invites.html", view)?).into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
}

pub async fn send_invite(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let (invites, next, _) = invites_view(&state, None).await?;
            let view = InvitesView {
                title: "Invites",
                mode_text: mode_text(&state),
                invite_days: crate::identity::state(&state).config.label.invite_days,
                email: form.email,
                invites,
                next: next.map(|uid| format!("/admin/invites?after={uid}")),
                notice: None,
                errors: BTreeMap::from([("email".to_owned(), e.to_string())]),
            };
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "console/invites.html", view)?).into_response()
            );
        }
    };
    let label = crate::identity::state(&state).config.label.clone();
    let public_url = state.config.server.public_url.as_str().to_owned();
    let actor = admin.actor();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            let invite = joining::invite_in(tx, &label, &public_url, &email, now)?;
            audit::record(tx, &actor, joining::invite_entry(&invite, &email), now)?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/admin/invites?done=sent").into_response())
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    if !crate::core::uid::is_uid(&uid) {
        return Err(AppError::NotFound);
    }
    let actor = admin.actor();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            if !roster::invite_exists(tx, &uid)? {
                return Err(AppError::NotFound);
            }
            let email = roster::revoke_invite(tx, &uid, now)?
                .ok_or_else(|| AppError::Conflict("This invite was already used or revoked.".into()))?;
            let entry = Entry {
                action: "invite.revoke",
                target_kind: "invite",
                target_uid: &uid,
                reason: None,
                detail: serde_json::json!({ "email": email }),
            };
            audit::record(tx, &actor, entry, now)?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/admin/invites?done=revoked").into_response())
}

#[derive(Serialize)]
struct ApplicationLine {
    #[serde(flatten)]
    application: Application,
    user_uid: String,
}

#[derive(Serialize)]
struct ApplicationsView {
    title: &'static str,
    mode_text: &'static str,
    applications: Vec<ApplicationLine>,
    next: Option<String>,
    notice: Option<String>,
}

pub async fn show_applications(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let (after, mut error) = page_start(query.after.as_deref());
    let (rows, next, stale) = state
        .db
        .read(move |c| {
            let stale = match after.as_deref() {
                Some(uid) => roster::artist_row_id(c, uid)?.is_none(),
                None => false,
            };
            let after = if stale { None } else { after };
            let mut rows = roster::list_pending_applications(c, after.as_deref(), PAGE + 1)?;
            let next = (rows.len() > PAGE).then(|| rows[PAGE - 1].artist_uid.clone());
            rows.truncate(PAGE);
            let mut lines = Vec::with_capacity(rows.len());
            for application in rows {
                let user = crate::identity::artist_by_uid(c, &application.artist_uid)?.map(|a| a.user_id);
                let user_uid = match user {
                    Some(user) => roster::user_uid(c, user)?,
                    None => String::new(),
                };
                lines.push(ApplicationLine { application, user_uid });
            }
            Ok::<_, rusqlite::Error>((lines, next, stale))
        })
        .await?;
    if stale {
        error.get_or_insert_with(|| BAD_CURSOR.to_owned());
    }
    let notice = error.clone().or_else(|| match query.done.as_deref() {
        Some("approved") => Some("The artist is accepted and was told by email.".to_owned()),
        Some("declined") => Some("The application is declined; the artist was told why by email.".to_owned()),
        _ => None,
    });
    let view = ApplicationsView {
        title: "Applications",
        mode_text: mode_text(&state),
        applications: rows,
        next: next.map(|uid| format!("/admin/applications?after={uid}")),
        notice,
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, page.render(&state, "console/applications.html", view)?).into_response())
}

async fn applicant(state: &AppState, uid: String) -> AppResult<ArtistRow> {
    if !crate::core::uid::is_uid(&uid) {
        return Err(AppError::NotFound);
    }
    state.db.read(move |c| crate::identity::artist_by_uid(c, &uid)).await?.ok_or(AppError::NotFound)
}

/// Records the label's answer with its audit row; a clear 409 when there
/// is nothing to decide.
async fn answer(state: &AppState, admin: &Admin, artist: ArtistRow, accepted: bool, message: String) -> AppResult<()> {
    let actor = admin.actor();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            if let Err(why) = joining::decide_in(tx, &artist, accepted, &message, now)? {
                return Err(AppError::Conflict(why.to_string()));
            }
            audit::record(tx, &actor, joining::decision_entry(&artist, accepted, &message), now)?;
            Ok(())
        })
        .await
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    message: String,
}

pub async fn approve(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ApproveForm>,
) -> AppResult<Response> {
    let artist = applicant(&state, uid).await?;
    let message: String = form.message.trim().chars().take(1000).collect();
    answer(&state, &admin, artist, true, message).await?;
    Ok(Redirect::to("/admin/applications?done=approved").into_response())
}

fn decline_page(a: &ArtistRow) -> Confirm {
    Confirm {
        title: format!("Decline {}", a.email),
        explain: vec![
            format!("{} cannot go on as an artist here. They get an email with your message.", a.email),
            "This cannot be undone from the console.".into(),
        ],
        action: format!("/admin/applications/{}/decline", a.uid),
        back: "/admin/applications".into(),
        button: "Decline the application",
        reason_label: "Your message to the artist",
        reason_hint: "Say why: the artist reads it, and it is kept in the audit log.",
        confirm_word: None,
    }
}

pub async fn confirm_decline(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let artist = applicant(&state, uid).await?;
    if artist.application != "pending" {
        return Err(AppError::Conflict(format!(
            "This artist has no application waiting (it is {}).",
            artist.application
        )));
    }
    confirm::render(&state, &page, &admin, &decline_page(&artist))
}

pub async fn decline(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let artist = applicant(&state, uid).await?;
    let shown = decline_page(&artist);
    let reason = match form.check(&state, &admin, &shown).await {
        Ok(reason) => reason,
        Err(err) => return confirm::refuse(&state, &page, &admin, &shown, &form, err),
    };
    answer(&state, &admin, artist, false, reason).await?;
    Ok(Redirect::to("/admin/applications?done=declined").into_response())
}
