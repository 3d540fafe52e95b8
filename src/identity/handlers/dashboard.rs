//! Step 4: the dashboard, with the QR code of the public profile (`profile`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::auth::home_for;
use crate::app::AppState;
use crate::auth::SessionUser;
use crate::error::{AppError, AppResult};
use crate::identity::domain::Role;
use crate::identity::gate::{Step, first_incomplete_step, is_step_done};
use crate::identity::repo::{self, ArtistRow};
use crate::media::MediaKey;
use crate::notify::repo::feed::{FeedItem as NotificationRow, list_feed_page};
use crate::toney::top::{TopInsight, top_insight};
use crate::web::page::Page;

#[derive(Serialize)]
struct ChecklistItem {
    label: &'static str,
    done: bool,
    url: &'static str,
    action: &'static str,
}

#[derive(Serialize)]
struct DashboardView {
    title: &'static str,
    stage_name: Option<String>,
    checklist: Vec<ChecklistItem>,
    all_done: bool,
    suspended: bool,
    suspended_reason: Option<String>,
    profile_url: Option<String>,
    qr_svg: Option<String>,
    photo_url: Option<String>,
    notifications: Vec<NotificationRow>,
    /// Today's and the week's figures, once the artist is ready to earn.
    figures: Option<crate::analytics::home::Today>,
    /// Toney's most useful insight, once the artist is ready to earn.
    insight: Option<crate::toney::Insight>,
    /// Toney is still working the first one out: the card fetches it.
    insight_pending: bool,
}

pub async fn show_dashboard(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
) -> AppResult<Response> {
    if user.role != Role::Artist {
        return Ok(Redirect::to(home_for(user.role)).into_response());
    }
    let user_id = user.id;
    let (artist, mut notifications, version) = state
        .db
        .read_now(move |c| {
            let artist = repo::find_artist_by_user(c, user_id)?;
            let version = match &artist {
                Some(a) => crate::analytics::memo::version(c, a.id)?,
                None => 0,
            };
            Ok((artist, list_feed_page(c, user_id.0, None, 5)?, version))
        })
        .await?;
    let artist = artist.ok_or(AppError::NotFound)?;
    if artist.application != "accepted" {
        return Ok(Redirect::to(Step::Approval.url()).into_response());
    }
    let (figures, insight) = if first_incomplete_step(&artist).is_some() {
        (None, TopInsight::Ready(None))
    } else {
        (
            Some(crate::analytics::home::today_figures(&state, artist.id, version).await?),
            top_insight(&state, artist.id, version).await?,
        )
    };
    notifications.iter_mut().filter(|n| asks_for_finished_step(n, &artist)).for_each(drop_call_to_action);
    let subscribed = artist.subscription_status.is_some_and(|s| s.is_open());
    let checklist = vec![
        ChecklistItem {
            label: "Choose your plan",
            done: subscribed,
            url: "/artist/subscription",
            action: "Finish payment",
        },
        ChecklistItem {
            label: "Set up your profile",
            done: artist.onboarding_completed,
            url: "/artist/setup",
            action: "Set up profile",
        },
        ChecklistItem {
            label: "Connect payouts",
            done: artist.payouts_enabled,
            url: "/artist/payout",
            action: "Connect payouts",
        },
    ];
    let base = &state.views.globals().public_url;
    let profile_url = artist.handle.as_ref().filter(|_| artist.onboarding_completed).map(|h| format!("{base}/@{h}"));
    let view = DashboardView {
        title: "Dashboard",
        stage_name: artist.stage_name.clone(),
        // Suspended, an artist with every step done still cannot earn.
        all_done: first_incomplete_step(&artist).is_none() && !artist.suspended,
        checklist,
        suspended: artist.suspended,
        suspended_reason: artist.suspended_reason.clone(),
        qr_svg: profile_url.as_deref().map(qr_svg).transpose()?,
        profile_url,
        photo_url: artist.photo_key.as_deref().and_then(MediaKey::parse).map(|k| k.url_path()),
        notifications,
        figures,
        insight_pending: matches!(insight, TopInsight::Pending),
        insight: insight.ready(),
    };
    Ok(page.render(&state, "identity/dashboard.html", view)?.into_response())
}

#[derive(Serialize)]
struct InsightCard {
    insight: Option<crate::toney::Insight>,
    insight_pending: bool,
}

/// The dashboard's Toney card alone, which the dashboard fetches when the
/// insight was still being worked out as the page was made.
pub async fn show_insight_card(State(state): State<AppState>, SessionUser(user): SessionUser) -> AppResult<Response> {
    let user_id = user.id;
    let found = state
        .db
        .read_now(move |c| {
            let Some(artist) = repo::find_artist_by_user(c, user_id)? else { return Ok(None) };
            Ok(Some((artist.id, crate::analytics::memo::version(c, artist.id)?)))
        })
        .await?;
    let (artist, version) = found.ok_or(AppError::NotFound)?;
    let insight = top_insight(&state, artist, version).await?;
    let card = InsightCard { insight_pending: matches!(insight, TopInsight::Pending), insight: insight.ready() };
    let status = if card.insight_pending { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, [(CACHE_CONTROL, "no-store")], state.views.render("identity/insight_card.html", card)?).into_response())
}

/// A notice whose link is an onboarding step the artist has since finished
/// (the welcome notice's "Connect payouts next") would send them back to
/// done work.
fn asks_for_finished_step(notification: &NotificationRow, artist: &ArtistRow) -> bool {
    notification.link.as_deref().and_then(Step::at_url).is_some_and(|step| is_step_done(artist, step))
}

/// Keeps the notice's title (what happened) and drops the stale request.
fn drop_call_to_action(notification: &mut NotificationRow) {
    notification.body.clear();
    notification.link = None;
}

/// Profile URLs whose QR code is kept; past this the memo starts over.
const QR_MEMO_MAX: usize = 1024;

/// An SVG QR code, made in the binary. Making one costs far more than the
/// rest of the dashboard, and a profile URL rarely changes, so they are
/// remembered (a bounded map: the profile URLs of this label's artists).
fn qr_svg(url: &str) -> AppResult<String> {
    static MEMO: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, String>>> =
        std::sync::LazyLock::new(Default::default);
    if let Some(svg) = MEMO.lock().unwrap_or_else(|e| e.into_inner()).get(url) {
        return Ok(svg.clone());
    }
    let svg = crate::web::qr::svg(url)?;
    let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    if memo.len() >= QR_MEMO_MAX {
        memo.clear();
    }
    memo.insert(url.to_owned(), svg.clone());
    Ok(svg)
}
