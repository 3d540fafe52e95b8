//! `/admin/artists`: the roster. Every artist with their onboarding step
//! (the revenue gate's), plan, payout state, followers, this month's net
//! earnings (analytics' monthly figures, from the ledger) and last activity
//! (the latest of a sign-in and what each pillar says they last made);
//! search and filters; suspend and reinstate with a reason.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::confirm::{self, Confirm, ReasonForm};
use super::{PAGE, page_start, search_text};
use crate::app::AppState;
use crate::console::Admin;
use crate::console::audit::{self, Entry};
use crate::core::{Currency, Money};
use crate::error::{AppError, AppResult};

use crate::identity::ArtistRow;
use crate::identity::roster::{self, RosterFilter, Stage};
use crate::web::page::Page;

#[derive(Deserialize, Default)]
pub struct RosterQuery {
    q: Option<String>,
    step: Option<String>,
    plan: Option<String>,
    suspended: Option<String>,
    after: Option<String>,
    done: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

const STEPS: [Choice; 5] = [
    Choice { value: "approval", label: "Waiting for approval" },
    Choice { value: "subscription", label: "Choosing a plan" },
    Choice { value: "profile", label: "Setting up the profile" },
    Choice { value: "payout", label: "Connecting payouts" },
    Choice { value: "ready", label: "Ready to earn" },
];

const PLANS: [Choice; 4] = [
    Choice { value: "starter", label: "Starter" },
    Choice { value: "pro", label: "Pro" },
    Choice { value: "label", label: "Label" },
    Choice { value: "none", label: "No plan" },
];

#[derive(Serialize)]
struct Line {
    uid: String,
    user_uid: String,
    name: String,
    email: String,
    handle: Option<String>,
    public: bool,
    step: &'static str,
    plan: String,
    payouts: &'static str,
    followers: i64,
    month_net: String,
    last_active: Option<i64>,
    suspended: bool,
}

#[derive(Serialize)]
struct RosterView {
    title: &'static str,
    steps: &'static [Choice],
    plans: &'static [Choice],
    q: String,
    step: String,
    plan: String,
    suspended: String,
    filtered: bool,
    artists: Vec<Line>,
    next: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// The filter the query asks for, or what is wrong with it.
fn filter(query: &RosterQuery) -> Result<RosterFilter, String> {
    let search = search_text(query.q.as_deref())?;
    let stage = match query.step.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(Stage::parse(raw).ok_or_else(|| format!("There is no onboarding step called “{raw}”."))?),
    };
    let plan = match query.plan.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) if PLANS.iter().any(|p| p.value == raw) => Some(raw.to_owned()),
        Some(raw) => return Err(format!("There is no plan called “{raw}”.")),
    };
    let suspended = match query.suspended.as_deref().unwrap_or("") {
        "" => None,
        "yes" => Some(true),
        "no" => Some(false),
        other => return Err(format!("“{other}” is not a suspension filter: use yes or no.")),
    };
    Ok(RosterFilter { search, stage, plan, suspended })
}

fn step_label(stage: Stage) -> &'static str {
    STEPS.iter().find(|c| c.value == stage.as_str()).map_or("", |c| c.label)
}

fn plan_label(artist: &ArtistRow) -> String {
    match (&artist.tier, artist.subscription_status) {
        (Some(tier), Some(status)) => format!("{} ({})", title_case(tier), status.as_str().replace('_', " ")),
        _ => "No plan".to_owned(),
    }
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn payouts_label(artist: &ArtistRow) -> &'static str {
    match (artist.payouts_enabled, artist.connect_account.is_some()) {
        (true, _) => "Enabled",
        (false, true) => "Started, not enabled",
        (false, false) => "Not started",
    }
}

/// A micro-unit amount in the label's currency, rounded to minor units as
/// the earnings dashboard shows it.
fn money(micros: i64, currency: Currency) -> String {
    let text = crate::ledger::Micros(micros).format_decimal(currency.exponent());
    Money::new(text.replace('.', "").parse().unwrap_or(0), currency).display()
}

/// The figures of one page of artists: one indexed lookup per artist and
/// figure, never a sum over the whole roster.
fn lines(
    conn: &rusqlite::Connection,
    rows: Vec<ArtistRow>,
    month: &str,
    currency: Currency,
) -> rusqlite::Result<Vec<Line>> {
    let mut lines = Vec::with_capacity(rows.len());
    for a in rows {
        let (figures, _) = crate::analytics::figures::sum_months(conn, a.id, month, month)?;
        let mut last_active = roster::last_sign_in(conn, a.user_id)?;
        for pillar in crate::pillars::ALL {
            last_active = last_active.max(pillar.last_activity(conn, a.id)?);
        }
        let user_uid = roster::user_uid(conn, a.user_id)?;
        lines.push(Line {
            step: step_label(Stage::of(&a)),
            plan: plan_label(&a),
            payouts: payouts_label(&a),
            followers: roster::followers(conn, a.id)?,
            month_net: money(figures.net, currency),
            last_active,
            public: a.onboarding_completed && !a.suspended && a.handle.is_some(),
            name: a.stage_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "(no stage name yet)".into()),
            suspended: a.suspended,
            handle: a.handle,
            email: a.email,
            uid: a.uid,
            user_uid,
        });
    }
    Ok(lines)
}

pub async fn show_roster(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<RosterQuery>,
) -> AppResult<Response> {
    let (wanted, mut error) = match filter(&query) {
        Ok(f) => (f, None),
        Err(e) => (RosterFilter::default(), Some(e)),
    };
    let (after, bad_link) = page_start(query.after.as_deref());
    error = error.or(bad_link);
    let now = state.clock.now_ms();
    let month = crate::analytics::earnings_day(now).format("%Y-%m").to_string();
    let currency = crate::analytics::state(&state).config.currency();
    let search = wanted.clone();
    let (artists, next, stale) = state
        .db
        .read(move |c| {
            // A cursor naming no artist: the first page, and say so.
            let before = match after.as_deref() {
                Some(uid) => roster::artist_row_id(c, uid)?.map_or(Err(()), |id| Ok(Some(id))),
                None => Ok(None),
            };
            let mut rows = roster::list(c, &search, before.unwrap_or(None), PAGE + 1)?;
            let more = rows.len() > PAGE;
            rows.truncate(PAGE);
            let next = if more { rows.last().map(|a| a.uid.clone()) } else { None };
            Ok::<_, rusqlite::Error>((lines(c, rows, &month, currency)?, next, before.is_err()))
        })
        .await?;
    if stale {
        error.get_or_insert_with(|| super::BAD_CURSOR.to_owned());
    }
    let next = next.map(|uid| next_link(&query, &uid));
    let view = RosterView {
        title: "Artists",
        steps: &STEPS,
        plans: &PLANS,
        filtered: wanted.search.is_some()
            || wanted.stage.is_some()
            || wanted.plan.is_some()
            || wanted.suspended.is_some(),
        q: wanted.search.unwrap_or_default(),
        step: wanted.stage.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        plan: wanted.plan.unwrap_or_default(),
        suspended: match wanted.suspended {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        artists,
        next,
        notice: match query.done.as_deref() {
            Some("suspended") => Some("The artist is suspended and was told why by email."),
            Some("reinstated") => Some("The artist is reinstated and was told by email."),
            _ => None,
        },
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, page.render(&state, "console/roster.html", view)?).into_response())
}

/// The link to the page after `uid`, keeping the filters.
fn next_link(query: &RosterQuery, uid: &str) -> String {
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [("q", &query.q), ("step", &query.step), ("plan", &query.plan), ("suspended", &query.suspended)]
    {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            url.append_pair(key, value);
        }
    }
    url.append_pair("after", uid);
    format!("/admin/artists?{}", url.finish())
}

async fn artist(state: &AppState, uid: String) -> AppResult<ArtistRow> {
    if !crate::core::uid::is_uid(&uid) {
        return Err(AppError::NotFound);
    }
    state.db.read(move |c| crate::identity::artist_by_uid(c, &uid)).await?.ok_or(AppError::NotFound)
}

fn suspend_page(a: &ArtistRow) -> Confirm {
    let name = a.stage_name.clone().unwrap_or_else(|| a.email.clone());
    Confirm {
        title: format!("Suspend {name}"),
        explain: vec![
            format!("{name} ({}) stops earning at once: no Bops, releases, sales or tips while suspended.", a.email),
            "Their public page is hidden. They get an email with your reason, and see it on their dashboard.".into(),
        ],
        action: format!("/admin/artists/{}/suspend", a.uid),
        back: "/admin/artists".into(),
        button: "Suspend the artist",
        reason_label: "Why",
        reason_hint: "The artist reads this, and it is kept in the audit log.",
        confirm_word: None,
    }
}

fn reinstate_page(a: &ArtistRow) -> Confirm {
    let name = a.stage_name.clone().unwrap_or_else(|| a.email.clone());
    Confirm {
        title: format!("Reinstate {name}"),
        explain: vec![format!("{name} ({}) can earn again and their page is back. They are told by email.", a.email)],
        action: format!("/admin/artists/{}/reinstate", a.uid),
        back: "/admin/artists".into(),
        button: "Reinstate the artist",
        reason_label: "Why",
        reason_hint: "Kept in the audit log and sent to the artist.",
        confirm_word: None,
    }
}

pub async fn confirm_suspend(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let a = artist(&state, uid).await?;
    if a.suspended {
        return Ok(Redirect::to(&format!("/admin/artists/{}/reinstate", a.uid)).into_response());
    }
    confirm::render(&state, &page, &admin, &suspend_page(&a))
}

pub async fn confirm_reinstate(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let a = artist(&state, uid).await?;
    if !a.suspended {
        return Ok(Redirect::to(&format!("/admin/artists/{}/suspend", a.uid)).into_response());
    }
    confirm::render(&state, &page, &admin, &reinstate_page(&a))
}

pub async fn suspend(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let a = artist(&state, uid).await?;
    change(&state, &page, &admin, &a, &form, true).await
}

pub async fn reinstate(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let a = artist(&state, uid).await?;
    change(&state, &page, &admin, &a, &form, false).await
}

/// Suspends (or reinstates) `a` through identity's suspension, with the
/// audit row in the same transaction.
async fn change(
    state: &AppState,
    page: &Page,
    admin: &Admin,
    a: &ArtistRow,
    form: &ReasonForm,
    suspend: bool,
) -> AppResult<Response> {
    let shown = if suspend { suspend_page(a) } else { reinstate_page(a) };
    let reason = match form.check(state, admin, &shown).await {
        Ok(reason) => reason,
        Err(err) => return confirm::refuse(state, page, admin, &shown, form, err),
    };
    if a.suspended == suspend {
        return Err(AppError::Conflict(
            if suspend { "This artist is already suspended." } else { "This artist is not suspended." }.into(),
        ));
    }
    let (actor, user, uid, email) = (admin.actor(), a.user_id, a.uid.clone(), a.email.clone());
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            if suspend {
                crate::identity::suspension::suspend(tx, user, &reason, now)?;
            } else {
                crate::identity::suspension::reinstate(tx, user, now)?;
            }
            let entry = Entry {
                action: if suspend { "artist.suspend" } else { "artist.reinstate" },
                target_kind: "artist",
                target_uid: &uid,
                reason: Some(&reason),
                detail: serde_json::json!({ "email": email }),
            };
            audit::record(tx, &actor, entry, now)?;
            Ok(())
        })
        .await?;
    let done = if suspend { "suspended" } else { "reinstated" };
    Ok(Redirect::to(&format!("/admin/artists?done={done}")).into_response())
}
