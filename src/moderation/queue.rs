//! The label's queue (read side): reported things grouped per kind and id,
//! a page at a time, each with its context, its author and what fans said;
//! and one item with all its reports and its history.

use serde::Serialize;

use super::domain::{cursor, parse_cursor, reason_label};
use super::repo::decisions::{self, DecisionRow};
use super::repo::items::{self, ItemReport, ItemRow, Listing};
use crate::app::AppState;
use crate::error::{AppError, AppResult};

pub const PAGE_SIZE: usize = 25;
/// Reports shown with each item of the queue (its page shows them all).
const REPORTS_IN_QUEUE: usize = 3;
pub const REPORTS_PER_PAGE: usize = 50;
const HISTORY: usize = 100;

/// The queue's filter and order, from the query string.
pub fn listing(filter: Option<&str>, sort: Option<&str>) -> AppResult<Listing> {
    match (filter.unwrap_or("open"), sort.unwrap_or("newest")) {
        ("open", "newest") => Ok(Listing::OpenNewest),
        ("open", "most") => Ok(Listing::OpenMost),
        ("resolved", _) => Ok(Listing::Resolved),
        ("appealed", _) => Ok(Listing::Appealed),
        ("open", _) => Err(AppError::invalid("sort", "Sort by newest or most reported.")),
        _ => Err(AppError::invalid("filter", "Show open, resolved or appealed reports.")),
    }
}

#[derive(Debug, Serialize)]
pub struct ReportLine {
    pub reason: &'static str,
    pub details: String,
    pub status: &'static str,
    pub created_at: i64,
    pub resolution: Option<String>,
}

fn report_line(r: ItemReport) -> ReportLine {
    let status = match r.status.as_str() {
        "open" => "open",
        "dismissed" => "dismissed",
        _ => "acted on",
    };
    ReportLine {
        reason: reason_label(&r.reason),
        details: r.details,
        status,
        created_at: r.created_at,
        resolution: r.resolution,
    }
}

/// What a queue line and an item's page show of the thing.
#[derive(Debug, Serialize)]
pub struct ItemView {
    pub kind: String,
    pub what: &'static str,
    pub uid: String,
    pub url: String,
    pub excerpt: String,
    pub link: String,
    pub author_name: String,
    pub author_email: String,
    pub open_reports: i64,
    pub total_reports: i64,
    pub last_reported_at: i64,
    pub hidden: bool,
    pub appeal_pending: bool,
    pub reports: Vec<ReportLine>,
}

pub fn what(kind: &str) -> &'static str {
    match kind {
        "bop" => "Bop",
        "comment" => "Comment",
        "track" => "Track",
        "product" => "Product",
        "profile" => "Artist page",
        _ => "Content",
    }
}

fn item_view(conn: &rusqlite::Connection, item: ItemRow, reports: Vec<ItemReport>) -> rusqlite::Result<ItemView> {
    let (email, name) = crate::identity::service::user_contact(conn, item.author)?
        .unwrap_or_else(|| (String::new(), "(deleted account)".to_owned()));
    Ok(ItemView {
        what: what(&item.kind),
        url: format!("/admin/moderation/{}/{}", item.kind, item.uid),
        kind: item.kind,
        uid: item.uid,
        excerpt: item.excerpt,
        link: item.link,
        author_name: name,
        author_email: email,
        open_reports: item.open_reports,
        total_reports: item.total_reports,
        last_reported_at: item.last_reported_at,
        hidden: item.hidden,
        appeal_pending: item.appeal_pending,
        reports: reports.into_iter().map(report_line).collect(),
    })
}

/// A page of the queue, and the cursor of the next one.
pub async fn page(
    state: &AppState,
    listing: Listing,
    after: Option<String>,
) -> AppResult<(Vec<ItemView>, Option<String>)> {
    let after = after.filter(|a| !a.is_empty()).map(|a| parse_cursor(&a)).transpose()?;
    let (views, next) = state
        .db
        .read(move |c| {
            let mut rows = items::list_items(c, listing, after, PAGE_SIZE + 1)?;
            let next = (rows.len() > PAGE_SIZE).then(|| {
                rows.truncate(PAGE_SIZE);
                rows.last().map(|last| cursor(items::key_of(last, listing), last.id)).unwrap_or_default()
            });
            let mut views = Vec::with_capacity(rows.len());
            for item in rows {
                let reports = items::list_item_reports(c, &item, None, REPORTS_IN_QUEUE)?;
                views.push(item_view(c, item, reports)?);
            }
            Ok::<_, rusqlite::Error>((views, next))
        })
        .await?;
    Ok((views, next))
}

/// A decision as the label and the author read it.
#[derive(Debug, Serialize)]
pub struct DecisionView {
    pub uid: String,
    pub action: String,
    pub done: &'static str,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: i64,
    pub appeal_text: Option<String>,
    pub appealed_at: Option<i64>,
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    pub outcome_at: Option<i64>,
    /// The author may appeal it (a hide or a suspension, not yet appealed).
    pub appealable: bool,
    pub awaiting_answer: bool,
}

pub fn done(action: &str) -> &'static str {
    match action {
        "dismiss" => "Reports dismissed, no action",
        "hide" => "Hidden",
        "unhide" => "Shown again",
        "suspend_author" => "Author suspended",
        _ => "Decided",
    }
}

pub fn appealable(action: &str) -> bool {
    matches!(action, "hide" | "suspend_author")
}

pub fn decision_view(conn: &rusqlite::Connection, d: DecisionRow) -> rusqlite::Result<DecisionView> {
    let decided_by =
        crate::identity::service::user_contact(conn, d.decided_by)?.map(|(_, name)| name).unwrap_or_default();
    Ok(DecisionView {
        done: done(&d.action),
        appealable: appealable(&d.action) && d.appealed_at.is_none(),
        awaiting_answer: d.appealed_at.is_some() && d.outcome.is_none(),
        uid: d.uid,
        action: d.action,
        reason: d.reason,
        decided_by,
        decided_at: d.decided_at,
        appeal_text: d.appeal_text,
        appealed_at: d.appealed_at,
        outcome: d.outcome,
        outcome_reason: d.outcome_reason,
        outcome_at: d.outcome_at,
    })
}

/// One item: the thing, a page of its reports (newest first) and its
/// decisions; the cursor of the reports' next page.
pub struct ItemPage {
    pub item: ItemView,
    pub history: Vec<DecisionView>,
    pub next_reports: Option<String>,
}

pub async fn item(state: &AppState, kind: &'static str, uid: String, before: Option<String>) -> AppResult<ItemPage> {
    let before =
        match before.filter(|b| !b.is_empty()) {
            Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
                AppError::invalid("cursor", "This page link is broken; start again from the first page.")
            })?),
            None => None,
        };
    state
        .db
        .read(move |c| {
            let Some(item) = items::find_item(c, kind, &uid)? else { return Ok(None) };
            let mut reports = items::list_item_reports(c, &item, before, REPORTS_PER_PAGE + 1)?;
            let next_reports = (reports.len() > REPORTS_PER_PAGE).then(|| {
                reports.truncate(REPORTS_PER_PAGE);
                reports.last().map(|r| r.id.to_string()).unwrap_or_default()
            });
            let history = decisions::list_decisions(c, item.id, HISTORY)?
                .into_iter()
                .map(|d| decision_view(c, d))
                .collect::<rusqlite::Result<_>>()?;
            Ok::<_, rusqlite::Error>(Some(ItemPage { item: item_view(c, item, reports)?, history, next_reports }))
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// The item a decision is about (kind and uid), for the console's pages.
pub async fn item_of_decision(state: &AppState, decision: String) -> AppResult<(&'static str, String)> {
    let found = state
        .db
        .read_now(move |c| match decisions::find_decision(c, &decision)? {
            Some(d) => items::find_item_by_id(c, d.item_id),
            None => Ok(None),
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = super::domain::parse_kind(&found.kind).ok_or(AppError::NotFound)?;
    Ok((kind, found.uid))
}
