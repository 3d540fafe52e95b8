//! `/admin/people`: every account, whatever its role. Search; a person's
//! page with their status and sign-in history; disable and enable (the
//! suspension primitive: signed out everywhere, sign-in refused with the
//! reason); their data export (the same JSON as their own); erasure (the
//! same deletion as their own "delete account"). No admin disables or
//! erases themselves or the last admin who can sign in.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::confirm::{self, Confirm, ReasonForm};
use super::{BAD_CURSOR, PAGE, cursor, search_text};
use crate::app::AppState;
use crate::auth::Role;
use crate::console::Admin;
use crate::console::audit::{self, Entry};
use crate::error::{AppError, AppResult};
use crate::identity::people::{self, Person};
use crate::identity::sign_ins::{self, SignInRow};
use crate::identity::suspension;
use crate::web::page::Page;

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    q: Option<String>,
    role: Option<String>,
    after: Option<String>,
}

#[derive(Serialize)]
struct PersonLine {
    #[serde(flatten)]
    person: Person,
    status: String,
}

#[derive(Serialize)]
struct PeopleView {
    title: &'static str,
    q: String,
    role: String,
    filtered: bool,
    people: Vec<PersonLine>,
    next: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// "active", "disabled", "suspended" or "erased", as the console says it.
fn status_of(conn: &rusqlite::Connection, person: &Person) -> rusqlite::Result<(String, Option<String>)> {
    if person.erased {
        return Ok(("erased".into(), None));
    }
    Ok(match people::suspended_reason(conn, person.id)? {
        Some(reason) if person.artist_uid.is_some() => ("suspended".into(), Some(reason)),
        Some(reason) => ("disabled".into(), Some(reason)),
        None => ("active".into(), None),
    })
}

pub async fn show_people(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<PeopleQuery>,
) -> AppResult<Response> {
    let mut error = None;
    let search = search_text(query.q.as_deref()).unwrap_or_else(|e| {
        error = Some(e);
        None
    });
    let role = match query.role.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => Role::parse(raw).or_else(|| {
            error.get_or_insert_with(|| format!("There is no role called “{raw}”: use fan, artist or admin."));
            None
        }),
    };
    let after = cursor(query.after.as_deref()).unwrap_or_else(|e| {
        error.get_or_insert(e);
        None
    });
    let (wanted, after) = (search.clone(), after.map(str::to_owned));
    let (rows, next, stale) = state
        .db
        .read(move |c| {
            let before = match after.as_deref() {
                Some(uid) => people::user_row_id(c, uid)?.map_or(Err(()), |id| Ok(Some(id))),
                None => Ok(None),
            };
            let mut rows = people::search(c, wanted.as_deref(), role, before.unwrap_or(None), PAGE + 1)?;
            let next = (rows.len() > PAGE).then(|| rows[PAGE - 1].uid.clone());
            rows.truncate(PAGE);
            let mut lines = Vec::with_capacity(rows.len());
            for person in rows {
                let (status, _) = status_of(c, &person)?;
                lines.push(PersonLine { person, status });
            }
            Ok::<_, rusqlite::Error>((lines, next, before.is_err()))
        })
        .await?;
    if stale {
        error.get_or_insert_with(|| BAD_CURSOR.to_owned());
    }
    let next = next.map(|uid| {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = &search {
            url.append_pair("q", q);
        }
        if let Some(role) = role {
            url.append_pair("role", role.as_str());
        }
        url.append_pair("after", &uid);
        format!("/admin/people?{}", url.finish())
    });
    let view = PeopleView {
        title: "People",
        filtered: search.is_some() || role.is_some(),
        q: search.unwrap_or_default(),
        role: role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        people: rows,
        next,
        notice: None,
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, page.render(&state, "console/people.html", view)?).into_response())
}

async fn person(state: &AppState, uid: String) -> AppResult<Person> {
    if !crate::core::uid::is_uid(&uid) {
        return Err(AppError::NotFound);
    }
    state.db.read(move |c| people::find(c, &uid)).await?.ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
pub struct PersonQuery {
    before: Option<String>,
    done: Option<String>,
}

#[derive(Serialize)]
struct PersonFacts {
    #[serde(flatten)]
    person: Person,
    status: String,
    status_reason: Option<String>,
    disabled: bool,
    is_self: bool,
    erasable: bool,
}

#[derive(Serialize)]
struct PersonView {
    title: String,
    person: PersonFacts,
    sign_ins: Vec<SignInRow>,
    history_days: u64,
    next: Option<String>,
    notice: Option<&'static str>,
}

pub async fn show_person(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Query(query): Query<PersonQuery>,
) -> AppResult<Response> {
    let before = match query.before.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| AppError::BadRequest(BAD_CURSOR.into()))?),
    };
    let found = person(&state, uid).await?;
    let user = found.id;
    let (status, reason, history) = state
        .db
        .read(move |c| {
            let (status, reason) = status_of(c, &found)?;
            let history = sign_ins::list_for_user(c, user, before, PAGE + 1)?;
            Ok::<_, rusqlite::Error>((status, reason, (found, history)))
        })
        .await?;
    let (found, mut history) = history;
    let next = (history.len() > PAGE).then(|| format!("/admin/people/{}?before={}", found.uid, history[PAGE - 1].id));
    history.truncate(PAGE);
    let notice = match query.done.as_deref() {
        Some("disabled") => Some("The account is disabled: signed out everywhere, and told why by email."),
        Some("enabled") => Some("The account is enabled again, and was told by email."),
        Some("suspended") => Some("The artist is suspended and was told why by email."),
        Some("reinstated") => Some("The artist is reinstated and was told by email."),
        Some("erased") => Some("The account is erased: personal data removed, contributions anonymised."),
        _ => None,
    };
    let facts = PersonFacts {
        disabled: reason.is_some(),
        is_self: found.id == admin.user.id,
        erasable: found.role == Role::Fan && !found.erased,
        status_reason: reason,
        status,
        person: found,
    };
    let view = PersonView {
        title: facts.person.display_name.clone(),
        person: facts,
        sign_ins: history,
        history_days: state.config.retention.sign_ins_days,
        next,
        notice,
    };
    Ok(page.render(&state, "console/person.html", view)?.into_response())
}

/// Refuses what an admin may not do to `target`: act on themselves, or
/// leave the console without an admin who can sign in.
async fn guard_admins(state: &AppState, admin: &Admin, target: &Person, what: &str) -> AppResult<()> {
    if target.id == admin.user.id {
        return Err(AppError::Conflict(format!("You cannot {what} your own account.")));
    }
    if target.role == Role::Admin {
        let id = target.id;
        let others = state.db.read(move |c| people::other_active_admins(c, id)).await?;
        if others == 0 {
            return Err(AppError::Conflict(format!("You cannot {what} the last admin: the console would be locked.")));
        }
    }
    Ok(())
}

fn disable_page(p: &Person) -> Confirm {
    Confirm {
        title: format!("Disable {}", p.email),
        explain: vec![
            format!("{} is signed out on every device, and cannot sign in until you enable the account.", p.email),
            "They get an email with your reason, and see it when they try to sign in.".into(),
        ],
        action: format!("/admin/people/{}/disable", p.uid),
        back: format!("/admin/people/{}", p.uid),
        button: "Disable the account",
        reason_label: "Why",
        reason_hint: "The person reads this, and it is kept in the audit log.",
        confirm_word: None,
    }
}

fn enable_page(p: &Person) -> Confirm {
    Confirm {
        title: format!("Enable {}", p.email),
        explain: vec![format!("{} can sign in again. They are told by email.", p.email)],
        action: format!("/admin/people/{}/enable", p.uid),
        back: format!("/admin/people/{}", p.uid),
        button: "Enable the account",
        reason_label: "Why",
        reason_hint: "Kept in the audit log.",
        confirm_word: None,
    }
}

fn erase_page(p: &Person) -> Confirm {
    Confirm {
        title: format!("Erase {}", p.email),
        explain: vec![
            format!("This answers an erasure request: {}'s email, name, password, photo, sign-ins and follows are removed, and they are signed out.", p.email),
            "Their comments stay as “Deleted account”; orders and tips stay in the books without their name. This cannot be undone.".into(),
        ],
        action: format!("/admin/people/{}/erase", p.uid),
        back: format!("/admin/people/{}", p.uid),
        button: "Erase the account",
        reason_label: "Why (the request, its date)",
        reason_hint: "Kept in the audit log.",
        confirm_word: Some("ERASE"),
    }
}

/// Artists are suspended from the roster (their page says how); the
/// people page disables other accounts.
fn not_for_artists(p: &Person, to: &str) -> Option<Response> {
    p.artist_uid.as_ref().map(|artist| Redirect::to(&format!("/admin/artists/{artist}/{to}")).into_response())
}

pub async fn confirm_disable(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let p = person(&state, uid).await?;
    if let Some(go) = not_for_artists(&p, "suspend") {
        return Ok(go);
    }
    guard_admins(&state, &admin, &p, "disable").await?;
    confirm::render(&state, &page, &admin, &disable_page(&p))
}

pub async fn confirm_enable(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let p = person(&state, uid).await?;
    if let Some(go) = not_for_artists(&p, "reinstate") {
        return Ok(go);
    }
    confirm::render(&state, &page, &admin, &enable_page(&p))
}

pub async fn disable(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    set_disabled(&state, &page, &admin, uid, &form, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    set_disabled(&state, &page, &admin, uid, &form, false).await
}

async fn set_disabled(
    state: &AppState,
    page: &Page,
    admin: &Admin,
    uid: String,
    form: &ReasonForm,
    disable: bool,
) -> AppResult<Response> {
    let p = person(state, uid).await?;
    if let Some(go) = not_for_artists(&p, if disable { "suspend" } else { "reinstate" }) {
        return Ok(go);
    }
    if p.erased {
        return Err(AppError::Conflict("This account is erased.".into()));
    }
    if disable {
        guard_admins(state, admin, &p, "disable").await?;
    }
    let shown = if disable { disable_page(&p) } else { enable_page(&p) };
    let reason = match form.check(state, admin, &shown).await {
        Ok(reason) => reason,
        Err(err) => return confirm::refuse(state, page, admin, &shown, form, err),
    };
    let (actor, target) = (admin.actor(), p.clone());
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            let already = people::suspended_reason(tx, target.id)?.is_some();
            if already == disable {
                let state = if disable { "already disabled" } else { "not disabled" };
                return Err(AppError::Conflict(format!("This account is {state}.")));
            }
            if disable {
                suspension::suspend(tx, target.id, &reason, now)?;
            } else {
                suspension::reinstate(tx, target.id, now)?;
            }
            let entry = Entry {
                action: if disable { "person.disable" } else { "person.enable" },
                target_kind: "user",
                target_uid: &target.uid,
                reason: Some(&reason),
                detail: serde_json::json!({ "email": target.email, "role": target.role }),
            };
            audit::record(tx, &actor, entry, now)?;
            Ok(())
        })
        .await?;
    let done = if disable { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/admin/people/{}?done={done}", p.uid)).into_response())
}

/// The person's data, as the same JSON their own export gives them; the
/// export is an audit row, written before the file is handed over.
pub async fn export(State(state): State<AppState>, admin: Admin, Path(uid): Path<String>) -> AppResult<Response> {
    let p = person(&state, uid).await?;
    if p.erased {
        return Err(AppError::Conflict("This account is erased: nothing is left to export.".into()));
    }
    let (actor, target) = (admin.actor(), p.clone());
    let data = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            let data = crate::identity::account::export(tx, target.id)?;
            let entry = Entry {
                action: "person.export",
                target_kind: "user",
                target_uid: &target.uid,
                reason: None,
                detail: serde_json::json!({ "email": target.email }),
            };
            audit::record(tx, &actor, entry, now)?;
            Ok(data)
        })
        .await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    let file = format!("attachment; filename=\"boptone-account-{}.json\"", p.uid);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, file),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

fn erasable(p: &Person) -> AppResult<()> {
    if p.erased {
        return Err(AppError::Conflict("This account is already erased.".into()));
    }
    if p.role != Role::Fan {
        return Err(AppError::Conflict(
            "Only fans' accounts are erased here: an artist's holds releases, money and fans, and an admin's the console. Suspend or disable it instead.".into(),
        ));
    }
    Ok(())
}

pub async fn confirm_erase(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let p = person(&state, uid).await?;
    guard_admins(&state, &admin, &p, "erase").await?;
    erasable(&p)?;
    confirm::render(&state, &page, &admin, &erase_page(&p))
}

pub async fn erase(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(uid): Path<String>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let p = person(&state, uid).await?;
    guard_admins(&state, &admin, &p, "erase").await?;
    erasable(&p)?;
    let shown = erase_page(&p);
    let reason = match form.check(&state, &admin, &shown).await {
        Ok(reason) => reason,
        Err(err) => return confirm::refuse(&state, &page, &admin, &shown, &form, err),
    };
    let (actor, target) = (admin.actor(), p.clone());
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = crate::db::now_ms();
            crate::identity::account::erase(tx, target.id, now)?;
            // The audit row names the account by its public id only: the
            // address it had is personal data, and is gone.
            let entry = Entry {
                action: "person.erase",
                target_kind: "user",
                target_uid: &target.uid,
                reason: Some(&reason),
                detail: serde_json::json!({ "role": target.role }),
            };
            audit::record(tx, &actor, entry, now)?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to(&format!("/admin/people/{}?done=erased", p.uid)).into_response())
}
