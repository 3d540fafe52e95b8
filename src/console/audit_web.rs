//! The audit log in the console: read (filtered, newest first, paged) and
//! exported as CSV. Reading it is not an action; exporting it is (it takes
//! the log out of the server), so an export leaves its own row.

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::Admin;
use super::audit::{self, Entry, Filter, Row};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

const PAGE_SIZE: usize = 50;
/// Rows read per step of an export: the file streams, memory stays flat.
const EXPORT_CHUNK: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(show)).route("/admin/audit.csv", get(export))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    before: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> AppResult<Filter> {
        let clean = |name: &str, value: &Option<String>| -> AppResult<Option<String>> {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
            match value {
                Some(v) if v.len() > 200 || v.chars().any(char::is_control) => {
                    Err(AppError::invalid(name, format!("That {name} filter is not valid.")))
                }
                other => Ok(other.map(str::to_owned)),
            }
        };
        Ok(Filter {
            action: clean("action", &self.action)?,
            actor: clean("actor", &self.actor)?,
            target: clean("target", &self.target)?,
        })
    }

    fn before(&self) -> AppResult<Option<i64>> {
        match self.before.as_deref().filter(|b| !b.is_empty()) {
            None => Ok(None),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|b| *b > 0)
                .map(Some)
                .ok_or_else(|| AppError::invalid("before", "That page link is not valid.")),
        }
    }
}

#[derive(Serialize)]
struct AuditView {
    title: &'static str,
    rows: Vec<Row>,
    action: String,
    actor: String,
    target: String,
    next_before: Option<i64>,
    export_query: String,
}

async fn show(
    State(app): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<AuditQuery>,
) -> AppResult<Response> {
    let (filter, before) = (query.filter()?, query.before()?);
    let lookup = filter.clone();
    let mut rows = app.db.read(move |c| audit::page(c, &lookup, before, PAGE_SIZE + 1)).await?;
    let next_before = (rows.len() > PAGE_SIZE).then(|| rows[PAGE_SIZE - 1].id);
    rows.truncate(PAGE_SIZE);
    let export_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("action", filter.action.as_deref().unwrap_or_default())
        .append_pair("actor", filter.actor.as_deref().unwrap_or_default())
        .append_pair("target", filter.target.as_deref().unwrap_or_default())
        .finish();
    let view = AuditView {
        title: "Audit log",
        rows,
        action: filter.action.unwrap_or_default(),
        actor: filter.actor.unwrap_or_default(),
        target: filter.target.unwrap_or_default(),
        next_before,
        export_query,
    };
    Ok(page.render(&app, "console/audit.html", view)?.into_response())
}

async fn export(State(app): State<AppState>, admin: Admin, Query(query): Query<AuditQuery>) -> AppResult<Response> {
    let filter = query.filter()?;
    let (actor, detail, at) =
        (admin.actor(), serde_json::json!({ "filter": format!("{filter:?}") }), app.clock.now_ms());
    app.db
        .write(move |tx| {
            let entry =
                Entry { action: "audit.export", target_kind: "audit_log", target_uid: "", reason: None, detail };
            Ok::<_, AppError>(audit::record(tx, &actor, entry, at)?)
        })
        .await?;
    let db = app.db.clone();
    let chunks = futures::stream::unfold(Some(None::<i64>), move |cursor| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            let before = cursor?;
            let rows = match db.read(move |c| audit::page(c, &filter, before, EXPORT_CHUNK)).await {
                Ok(rows) => rows,
                Err(err) => return Some((Err(std::io::Error::other(err.to_string())), None)),
            };
            let next = (rows.len() == EXPORT_CHUNK).then(|| rows.last().map(|r| r.id));
            let text: String = rows.iter().map(audit::csv_line).collect();
            Some((Ok::<_, std::io::Error>(text), next))
        }
    });
    let body = futures::stream::once(async { Ok::<_, std::io::Error>(audit::CSV_HEADER.to_owned()) }).chain(chunks);
    Ok(crate::web::download::csv("audit-log.csv", Body::from_stream(body)))
}
