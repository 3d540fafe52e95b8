//! Monthly statements: on the first of the month (and on demand for any
//! month that has ended) the previous month's figures — each source, fees,
//! refunds, splits paid to collaborators, payouts — frozen as issued, as a
//! web page, a CSV and an email; kept in history.

use crate::db::CachedSql;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{Datelike, Months, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::earnings::{show, today};
use super::figures::{self, Counts, Money as Figures};
use super::payouts_repo;
use super::state as analytics;
use crate::app::AppState;
use crate::core::Currency;
use crate::core::ids::ArtistId;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::identity::session::ArtistScope;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/statements", get(list_statements).post(issue_on_demand))
        .route("/dashboard/statements/{month}", get(show_statement))
}

/// A month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month(NaiveDate);

impl Month {
    pub fn parse(raw: &str) -> Option<Month> {
        let raw = raw.trim();
        if raw.len() != 7 {
            return None;
        }
        NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok().map(Month)
    }

    pub fn of(day: NaiveDate) -> Month {
        Month(day.with_day(1).unwrap_or(day))
    }

    pub fn previous(self) -> Month {
        Month(self.0 - Months::new(1))
    }

    pub fn key(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    pub fn name(self) -> String {
        self.0.format("%B %Y").to_string()
    }

    /// `[first day, first day of the next month)` as unix ms.
    pub fn bounds_ms(self) -> (i64, i64) {
        let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis());
        (ms(self.0), ms(self.0 + Months::new(1)))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StatementPayout {
    pub at: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
}

/// A statement's figures as issued (stored as JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StatementFigures {
    pub month: String,
    pub currency: String,
    pub tips_micros: i64,
    pub royalties_micros: i64,
    pub shop_micros: i64,
    pub refunds_micros: i64,
    pub fees_micros: i64,
    pub splits_micros: i64,
    pub net_micros: i64,
    pub payouts: Vec<StatementPayout>,
    pub streams: i64,
    pub orders: i64,
    pub views: i64,
    pub new_followers: i64,
}

/// The month's figures from the snapshots and the payouts.
pub fn compute(
    conn: &Connection,
    artist: ArtistId,
    month: Month,
    currency: Currency,
) -> rusqlite::Result<StatementFigures> {
    let key = month.key();
    let (money, counts): (Figures, Counts) = figures::sum_months(conn, artist, &key, &key)?;
    let (from, to) = month.bounds_ms();
    let payouts = payouts_repo::list_between(conn, artist, from, to)?
        .into_iter()
        .map(|p| StatementPayout {
            at: p.created_at,
            amount_minor: p.amount_minor,
            currency: p.currency,
            status: p.status,
        })
        .collect();
    Ok(StatementFigures {
        month: key,
        currency: currency.code().to_owned(),
        tips_micros: money.tips,
        royalties_micros: money.royalties,
        shop_micros: money.shop,
        refunds_micros: money.refunds,
        fees_micros: money.fees,
        splits_micros: money.splits,
        net_micros: money.net,
        payouts,
        streams: counts.streams,
        orders: counts.orders,
        views: counts.views,
        new_followers: counts.new_followers,
    })
}

/// Issues the month's statement once (later calls return the stored one)
/// and emails it. Returns the statement and whether it was new.
pub fn issue(
    tx: &Tx,
    artist: ArtistId,
    email: &str,
    month: Month,
    currency: Currency,
    public_url: &str,
) -> AppResult<(StatementFigures, bool)> {
    if let Some(stored) = find(tx, artist, &month.key())? {
        return Ok((stored, false));
    }
    let figures = compute(tx, artist, month, currency)?;
    let json = serde_json::to_string(&figures).map_err(|e| AppError::Internal(e.into()))?;
    tx.execute_cached(
        "INSERT INTO monthly_statements (uid, artist_id, month, currency, figures, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![crate::core::new_uid(), artist, figures.month, figures.currency, json, crate::db::now_ms()],
    )?;
    let subject = format!("Your statement for {}", month.name());
    crate::notify::queue_mail(tx, email, &subject, &email_body(&figures, month, currency, public_url))?;
    Ok((figures, true))
}

fn email_body(f: &StatementFigures, month: Month, currency: Currency, public_url: &str) -> String {
    let m = |v| show(v, currency);
    format!(
        "Your statement for {}:\n\n  Bops tips         {}\n  Music royalties   {}\n  BopShop           {}\n  Refunds          -{}\n  \
         Platform fees    -{}\n  Splits to collaborators -{}\n  Net               {}\n\nPayouts: {}\n\n\
         The statement and its CSV: {public_url}/dashboard/statements/{}\n",
        month.name(),
        m(f.tips_micros),
        m(f.royalties_micros),
        m(f.shop_micros),
        m(f.refunds_micros),
        m(f.fees_micros),
        m(f.splits_micros),
        m(f.net_micros),
        f.payouts.len(),
        f.month
    )
}

pub fn find(conn: &Connection, artist: ArtistId, month: &str) -> rusqlite::Result<Option<StatementFigures>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT figures FROM monthly_statements WHERE artist_id = ?1 AND month = ?2")?
        .query_row(params![artist, month], |r| r.get(0))
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

fn has_figures(conn: &Connection, artist: ArtistId, month: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM artist_analytics_monthly WHERE artist_id = ?1 AND month = ?2")?
        .exists(params![artist, month])
}

fn list_months(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached(
        "SELECT month, created_at FROM monthly_statements WHERE artist_id = ?1 ORDER BY month DESC LIMIT 120",
    )?
    .query_map([artist], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Artists with figures in `month` and no statement for it yet.
fn due_artists(conn: &Connection, month: &str) -> rusqlite::Result<Vec<(ArtistId, String)>> {
    conn.prepare_cached(
        "SELECT p.id, u.email FROM artist_profiles p JOIN users u ON u.id = p.user_id
         WHERE u.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM artist_analytics_monthly a WHERE a.artist_id = p.id AND a.month = ?1)
           AND NOT EXISTS (SELECT 1 FROM monthly_statements s WHERE s.artist_id = p.id AND s.month = ?1)",
    )?
    .query_map(params![month], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Issues last month's statements that are missing (the first of the
/// month, or the first run after it). Reads first: nothing due, no write.
pub async fn issue_due(state: &AppState, now: i64) -> AppResult<usize> {
    let month = Month::of(today(now)).previous();
    let key = month.key();
    let due = state.db.read(move |c| due_artists(c, &key)).await?;
    let currency = analytics(state).config.currency();
    for (artist, email) in &due {
        let (artist, email, url) =
            (*artist, email.clone(), state.config.server.public_url.as_str().trim_end_matches('/').to_owned());
        state
            .db
            .write::<_, AppError, _>(move |tx| issue(tx, artist, &email, month, currency, &url).map(|_| ()))
            .await?;
    }
    Ok(due.len())
}

pub fn monthly_job(state: AppState) -> tokio::task::JoinHandle<()> {
    crate::pillar::every(state, Duration::from_secs(3600), "issuing monthly statements", |state, now| async move {
        issue_due(&state, now).await
    })
}

#[derive(Serialize)]
struct ListView {
    title: &'static str,
    statements: Vec<(String, String)>,
    last_month: String,
}

async fn list_statements(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    let artist = scope.artist.id;
    let months = state.db.read(move |c| list_months(c, artist)).await?;
    let view = ListView {
        title: "Statements",
        statements: months.into_iter().filter_map(|(key, _)| Month::parse(&key).map(|m| (key, m.name()))).collect(),
        last_month: Month::of(today(state.clock.now_ms())).previous().key(),
    };
    Ok(page.render(&state, "analytics/statements.html", view)?.into_response())
}

#[derive(Debug, Deserialize)]
struct IssueForm {
    month: String,
}

async fn issue_on_demand(
    State(state): State<AppState>,
    scope: ArtistScope,
    Form(form): Form<IssueForm>,
) -> AppResult<Response> {
    let month = Month::parse(&form.month).ok_or_else(|| AppError::invalid("month", "Choose a month like 2026-11."))?;
    if month >= Month::of(today(state.clock.now_ms())) {
        return Err(AppError::invalid(
            "month",
            "A statement is made once its month has ended; the earnings page shows this month so far.",
        ));
    }
    let (artist, email, url) = (
        scope.artist.id,
        scope.user.email.clone(),
        state.config.server.public_url.as_str().trim_end_matches('/').to_owned(),
    );
    let currency = analytics(&state).config.currency();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            // Only months with figures: a form post must not mint (and email)
            // a statement for every month since 1900.
            if find(tx, artist, &month.key())?.is_none() && !has_figures(tx, artist, &month.key())? {
                return Err(AppError::invalid(
                    "month",
                    format!("Nothing was earned or recorded in {}: there is no statement to make.", month.name()),
                ));
            }
            issue(tx, artist, &email, month, currency, &url).map(|_| ())
        })
        .await?;
    Ok(Redirect::to(&format!("/dashboard/statements/{}", month.key())).into_response())
}

impl PartialOrd for Month {
    fn partial_cmp(&self, other: &Month) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Month {
    fn cmp(&self, other: &Month) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

#[derive(Serialize)]
struct Line {
    label: &'static str,
    amount: String,
}

#[derive(Serialize)]
struct StatementView {
    title: String,
    month: String,
    lines: Vec<Line>,
    net: String,
    payouts: Vec<(i64, String, String)>,
    streams: i64,
    orders: i64,
    views: i64,
    new_followers: i64,
}

/// `/dashboard/statements/2026-11` (page) or `…/2026-11.csv`.
async fn show_statement(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let (key, csv) = match file.strip_suffix(".csv") {
        Some(key) => (key.to_owned(), true),
        None => (file, false),
    };
    let month = Month::parse(&key).ok_or(AppError::NotFound)?;
    let artist = scope.artist.id;
    let stored = state.db.read(move |c| find(c, artist, &month.key())).await?.ok_or(AppError::NotFound)?;
    let currency = Currency::parse(&stored.currency).map_err(|e| AppError::Internal(e.into()))?;
    let lines = lines(&stored);
    if csv {
        let mut text = String::from("line,amount,currency\n");
        for line in &lines {
            text.push_str(&format!("{},{},{}\n", line.0, crate::ledger::Micros(line.1), stored.currency));
        }
        for p in &stored.payouts {
            let day = chrono::DateTime::from_timestamp_millis(p.at)
                .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string());
            let minor = crate::core::Money::new(p.amount_minor, currency).to_micros();
            text.push_str(&format!("Payout {day} ({}),{},{}\n", p.status, crate::ledger::Micros(minor), p.currency));
        }
        return Ok(crate::web::download::csv(&format!("boptone-statement-{}.csv", month.key()), text));
    }
    let view = StatementView {
        title: format!("Statement — {}", month.name()),
        month: month.key(),
        lines: lines.iter().map(|(label, micros)| Line { label, amount: show(*micros, currency) }).collect(),
        net: show(stored.net_micros, currency),
        payouts: stored
            .payouts
            .iter()
            .map(|p| (p.at, crate::web::money::format_money(p.amount_minor, &p.currency), p.status.clone()))
            .collect(),
        streams: stored.streams,
        orders: stored.orders,
        views: stored.views,
        new_followers: stored.new_followers,
    };
    Ok(page.render(&state, "analytics/statement.html", view)?.into_response())
}

fn lines(f: &StatementFigures) -> Vec<(&'static str, i64)> {
    vec![
        ("Bops tips", f.tips_micros),
        ("Music royalties", f.royalties_micros),
        ("BopShop", f.shop_micros),
        ("Refunds", -f.refunds_micros),
        ("Platform fees", -f.fees_micros),
        ("Splits paid to collaborators", -f.splits_micros),
        ("Net", f.net_micros),
    ]
}
