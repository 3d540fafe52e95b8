//! Label-wide money (issue 15 item 5): `/admin/money?month=YYYY-MM` shows
//! the platform's own income and every artist's gross and net for a month,
//! the twelve months before it, and — when Stripe is on — the label's Stripe
//! balance and latest payouts. `/admin/money/YYYY-MM.csv` and
//! `/admin/money/12-months-to-YYYY-MM.csv` export it; each export leaves a
//! `money.export` audit row.
//!
//! Every figure comes from the ledger's label-wide monthly sums
//! (`crate::ledger::label`, kept per month, artist, currency and source by
//! triggers on the ledger, read by their primary key), in one read transaction so the artists'
//! lines, the platform's lines and the totals are of the same moment and add
//! up exactly.

mod csv;
mod figures;
mod stripe;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use self::figures::{Figures, Month, Overflow, PlatformLine, amount, platform_lines};
use crate::app::AppState;
use crate::console::Admin;
use crate::console::audit::{self, Entry};
use crate::core::ids::ArtistId;
use crate::error::{AppError, AppResult};
use crate::ledger::label::{SourceSum, artist_page, sums_by_month};
use crate::web::page::Page;

/// Artists per page of the page's table.
const PAGE_SIZE: usize = 50;
/// Artists per read while a CSV is written.
const CSV_BATCH: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/money", get(show_money)).route("/admin/money/{file}", get(export_money))
}

#[derive(Deserialize)]
pub struct MoneyQuery {
    month: Option<String>,
    after: Option<String>,
}

#[derive(Serialize, Default)]
struct FiguresView {
    gross: String,
    refunds: String,
    fees: String,
    net: String,
    payouts: String,
}

impl From<&Figures> for FiguresView {
    fn from(f: &Figures) -> Self {
        FiguresView {
            gross: amount(f.gross),
            refunds: amount(f.refunds),
            fees: amount(f.fees),
            net: amount(f.net),
            payouts: amount(f.payouts),
        }
    }
}

#[derive(Serialize)]
struct CurrencyView {
    currency: String,
    platform: Vec<(String, String)>,
    totals: FiguresView,
}

#[derive(Serialize)]
struct ArtistView {
    name: String,
    uid: String,
    handle: Option<String>,
    currency: String,
    figures: FiguresView,
}

#[derive(Serialize)]
struct MonthView {
    month: String,
    title: String,
    current: bool,
    currency: Option<String>,
    figures: Option<FiguresView>,
}

#[derive(Serialize, Default)]
struct MoneyView {
    title: &'static str,
    error: Option<String>,
    month: String,
    month_title: String,
    prev: String,
    next: Option<String>,
    first_page: bool,
    currencies: Vec<CurrencyView>,
    artists: Vec<ArtistView>,
    next_after: Option<i64>,
    months: Vec<MonthView>,
    stripe: Option<stripe::StripeView>,
}

/// What the page asked for, or the message to show instead.
fn parse_query(query: &MoneyQuery, now_ms: i64) -> Result<(Month, Option<ArtistId>), String> {
    let current = Month::of_ms(now_ms);
    let month = match query.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => current,
        Some(raw) => Month::parse(raw)?,
    };
    if month > current {
        return Err(format!("{month} has not begun yet: choose this month ({current}) or an earlier one."));
    }
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(raw) => Some(ArtistId(raw.parse().map_err(|_| format!("{raw:?} is not a place in the artist list."))?)),
    };
    Ok((month, after))
}

fn overflow(_: Overflow) -> rusqlite::Error {
    rusqlite::Error::IntegralValueOutOfRange(0, i64::MAX)
}

/// An artist's name for the label: stage name, else handle, else uid.
fn artist_name(conn: &Connection, artist: ArtistId) -> rusqlite::Result<(String, String, Option<String>)> {
    let face = crate::identity::service::artist_face(conn, artist)?;
    Ok(match face {
        Some(f) => {
            let name = if !f.name.is_empty() { f.name } else { f.handle.clone().unwrap_or_else(|| f.uid.clone()) };
            (name, f.uid, f.handle)
        }
        None => (format!("artist {}", artist.0), String::new(), None),
    })
}

/// Everything the page shows from the database, read as of one moment.
fn read_page(conn: &Connection, month: Month, after: Option<ArtistId>) -> rusqlite::Result<MoneyView> {
    let snapshot = conn.unchecked_transaction()?;
    let months = month.twelve();
    let year = sums_by_month(&snapshot, &months[0].to_string(), &month.to_string())?;
    let this: Vec<SourceSum> = year.iter().filter(|s| s.month == month.to_string()).cloned().collect();
    let totals = Figures::per_currency(&this).map_err(overflow)?;
    for (currency, figures) in totals.iter().filter(|(_, f)| !f.adds_up()) {
        // Every ledger row has fee = gross − net, so this means a row was
        // written outside the ledger's functions.
        tracing::error!(%month, currency, ?figures, "the ledger's month does not add up");
    }
    let platform = platform_lines(&this).map_err(overflow)?;
    let currencies = totals
        .iter()
        .map(|(currency, figures)| CurrencyView {
            currency: currency.clone(),
            platform: platform.get(currency).map_or_else(Vec::new, |lines| {
                lines.iter().map(|l: &PlatformLine| (l.label.clone(), amount(l.micros))).collect()
            }),
            totals: figures.into(),
        })
        .collect();

    let (page, more) = artist_page(&snapshot, &month.to_string(), after, PAGE_SIZE)?;
    let next_after = if more { page.last().map(|(id, _)| id.0) } else { None };
    let mut artists = Vec::new();
    for (id, sums) in page {
        let (name, uid, handle) = artist_name(&snapshot, id)?;
        for (currency, figures) in Figures::per_currency(&sums).map_err(overflow)? {
            let figures = (&figures).into();
            artists.push(ArtistView {
                name: name.clone(),
                uid: uid.clone(),
                handle: handle.clone(),
                currency,
                figures,
            });
        }
    }

    let mut month_rows = Vec::new();
    for m in months.iter().rev() {
        let key = m.to_string();
        let sums: Vec<SourceSum> = year.iter().filter(|s| s.month == key).cloned().collect();
        let per = Figures::per_currency(&sums).map_err(overflow)?;
        let row = |currency: Option<String>, figures: Option<FiguresView>| MonthView {
            month: key.clone(),
            title: m.title(),
            current: *m == month,
            currency,
            figures,
        };
        if per.is_empty() {
            month_rows.push(row(None, None));
        }
        for (currency, figures) in per {
            month_rows.push(row(Some(currency), Some((&figures).into())));
        }
    }
    Ok(MoneyView { currencies, artists, next_after, months: month_rows, ..MoneyView::default() })
}

pub async fn show_money(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<MoneyQuery>,
) -> AppResult<Response> {
    let (month, after) = match parse_query(&query, state.clock.now_ms()) {
        Ok(asked) => asked,
        Err(message) => {
            let view = MoneyView { title: "Money", error: Some(message), ..MoneyView::default() };
            let html = page.render(&state, "console/money.html", view)?;
            return Ok((StatusCode::BAD_REQUEST, html).into_response());
        }
    };
    let (read, stripe) =
        tokio::join!(state.db.read(move |c| read_page(c, month, after)), stripe::view(&state.payments));
    let current = Month::of_ms(state.clock.now_ms());
    let view = MoneyView {
        title: "Money",
        month: month.to_string(),
        month_title: month.title(),
        prev: month.prev().to_string(),
        next: (month < current).then(|| month.next().to_string()),
        first_page: after.is_none(),
        stripe: Some(stripe),
        ..read?
    };
    Ok(page.render(&state, "console/money.html", view)?.into_response())
}

/// Which file a CSV URL names.
enum Export {
    Month(Month),
    Summary(Month),
}

fn parse_file(file: &str) -> Result<Export, String> {
    let refuse = || format!("{file:?} is not a money file: ask for YYYY-MM.csv or 12-months-to-YYYY-MM.csv.");
    let stem = file.strip_suffix(".csv").ok_or_else(refuse)?;
    match stem.strip_prefix("12-months-to-") {
        Some(month) => Month::parse(month).map(Export::Summary),
        None => Month::parse(stem).map(Export::Month),
    }
}

/// A month's CSV: every artist with money that month, the platform's
/// lines, the totals.
fn month_csv(conn: &Connection, month: Month) -> rusqlite::Result<(String, usize)> {
    let snapshot = conn.unchecked_transaction()?;
    let mut out = csv::MONTH_HEADER.to_owned();
    let mut lines = 0;
    let mut after = None;
    loop {
        let (page, more) = artist_page(&snapshot, &month.to_string(), after, CSV_BATCH)?;
        for (id, sums) in &page {
            let (name, uid, _) = artist_name(&snapshot, *id)?;
            for (currency, figures) in Figures::per_currency(sums).map_err(overflow)? {
                csv::artist_line(&mut out, &csv::ArtistLine { name: &name, uid: &uid, currency: &currency, figures });
                lines += 1;
            }
        }
        after = page.last().map(|(id, _)| *id);
        if !more {
            break;
        }
    }
    let sums = sums_by_month(&snapshot, &month.to_string(), &month.to_string())?;
    let totals = Figures::per_currency(&sums).map_err(overflow)?;
    let platform: BTreeMap<String, Vec<PlatformLine>> = platform_lines(&sums).map_err(overflow)?;
    csv::closing_lines(&mut out, &platform, &totals);
    Ok((out, lines))
}

/// The twelve months ending with `month`, one line per month and currency.
fn summary_csv(conn: &Connection, month: Month) -> rusqlite::Result<(String, usize)> {
    let months = month.twelve();
    let sums = sums_by_month(conn, &months[0].to_string(), &month.to_string())?;
    let mut out = csv::SUMMARY_HEADER.to_owned();
    let mut lines = 0;
    for m in months {
        let of: Vec<SourceSum> = sums.iter().filter(|s| s.month == m.to_string()).cloned().collect();
        for (currency, figures) in Figures::per_currency(&of).map_err(overflow)? {
            csv::summary_line(&mut out, m, &currency, &figures);
            lines += 1;
        }
    }
    Ok((out, lines))
}

pub async fn export_money(
    State(state): State<AppState>,
    admin: Admin,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let export = parse_file(&file).map_err(AppError::BadRequest)?;
    let (kind, month) = match export {
        Export::Month(m) => ("month", m),
        Export::Summary(m) => ("twelve_months", m),
    };
    if month > Month::of_ms(state.clock.now_ms()) {
        return Err(AppError::BadRequest(format!("{month} has not begun yet: there is nothing to export.")));
    }
    let (body, lines) = state
        .db
        .read(move |c| match kind {
            "month" => month_csv(c, month),
            _ => summary_csv(c, month),
        })
        .await?;
    let name = format!("boptone-money-{file}");
    let (actor, now) = (admin.actor(), state.clock.now_ms());
    let detail = serde_json::json!({ "file": name, "kind": kind, "lines": lines });
    state
        .db
        .write(move |tx| {
            let entry = Entry {
                action: "money.export",
                target_kind: kind,
                target_uid: &month.to_string(),
                reason: None,
                detail,
            };
            audit::record(tx, &actor, entry, now).map_err(AppError::from)
        })
        .await?;
    Ok(crate::web::download::csv(&name, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_files_are_checked() {
        let dec = 1_796_083_200_000 + 5; // 2026-12-01
        let q = |month: Option<&str>, after: Option<&str>| MoneyQuery {
            month: month.map(str::to_owned),
            after: after.map(str::to_owned),
        };
        assert_eq!(parse_query(&q(None, None), dec).unwrap().0.to_string(), "2026-12");
        assert_eq!(parse_query(&q(Some("2026-03"), Some("7")), dec).unwrap().1, Some(ArtistId(7)));
        assert!(parse_query(&q(Some("2027-01"), None), dec).unwrap_err().contains("has not begun"));
        assert!(parse_query(&q(Some("March"), None), dec).unwrap_err().contains("YYYY-MM"));
        assert!(parse_query(&q(None, Some("x")), dec).is_err());
        assert!(matches!(parse_file("2026-11.csv"), Ok(Export::Month(m)) if m.to_string() == "2026-11"));
        assert!(matches!(parse_file("12-months-to-2026-11.csv"), Ok(Export::Summary(_))));
        for bad in ["2026-11", "2026-13.csv", "../x.csv", "12-months-to-.csv", "all.csv"] {
            assert!(parse_file(bad).is_err(), "{bad}");
        }
    }
}
