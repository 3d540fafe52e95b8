//! `GET /dashboard/earnings.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: the
//! artist's ledger, one row per entry, both days included (UTC). Columns
//! `occurred_at,source,description,gross,fee,net,currency` with exact
//! decimal amounts, so the rows add up to the dashboard to the micro-unit.
//! Streamed a page at a time: memory stays flat for any range.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::Response;
use bytes::Bytes;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::app::AppState;
use crate::core::ids::ArtistId;
use crate::error::{AppError, AppResult};
use crate::identity::session::ArtistScope;
use crate::ledger::Micros;
use crate::ledger::repo::{ExportRow, list_range};

const PAGE: usize = 2_000;
const MS_PER_DAY: i64 = 86_400_000;
pub const HEADER: &str = "occurred_at,source,description,gross,fee,net,currency\n";

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `from..=to` as unix ms `[start, end)`. Missing ends mean the beginning
/// and today.
pub fn parse_range(query: &RangeQuery, today_ms: i64) -> AppResult<(i64, i64, String)> {
    let day = |name: &str, raw: Option<&str>, default: i64| -> AppResult<i64> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp_millis())
                .ok_or_else(|| {
                    AppError::invalid(name, format!("Give {name} as a date like 2026-12-01 (got {text:?})."))
                }),
        }
    };
    let from = day("from", query.from.as_deref(), 0)?;
    let to = day("to", query.to.as_deref(), today_ms - today_ms.rem_euclid(MS_PER_DAY))?;
    if from > to {
        return Err(AppError::invalid("from", "The range starts after it ends: from must be on or before to."));
    }
    let name = format!(
        "boptone-earnings-{}-to-{}.csv",
        chrono::DateTime::from_timestamp_millis(from).map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string()),
        chrono::DateTime::from_timestamp_millis(to).map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
    );
    Ok((from, to + MS_PER_DAY, name))
}

pub async fn export_csv(
    State(state): State<AppState>,
    scope: ArtistScope,
    Query(query): Query<RangeQuery>,
) -> AppResult<Response> {
    let (from, to, name) = parse_range(&query, state.clock.now_ms())?;
    let body = Body::from_stream(rows(state, scope.artist.id, (from, to)));
    Ok(crate::web::download::csv(&name, body))
}

enum Cursor {
    Start,
    After(i64, i64),
    Done,
}

/// The CSV as a stream of pages: the header, then one page of rows per
/// read, each read when the client has taken the one before.
fn rows(
    state: AppState,
    artist: ArtistId,
    range: (i64, i64),
) -> impl futures::Stream<Item = Result<Bytes, AppError>> + Send + 'static {
    futures::stream::unfold(Cursor::Start, move |cursor| {
        let state = state.clone();
        async move {
            let after = match cursor {
                Cursor::Done => return None,
                Cursor::Start => None,
                Cursor::After(at, id) => Some((at, id)),
            };
            let page = state.db.read(move |c| list_range(c, artist, range, after, PAGE)).await;
            let page = match page {
                Ok(page) => page,
                Err(err) => return Some((Err(err.into()), Cursor::Done)),
            };
            let next = match page.last() {
                Some(last) if page.len() == PAGE => Cursor::After(last.occurred_at, last.id),
                _ => Cursor::Done,
            };
            let mut text = if after.is_none() { HEADER.to_owned() } else { String::new() };
            page.iter().for_each(|row| line(&mut text, row));
            Some((Ok(Bytes::from(text)), next))
        }
    })
}

fn line(out: &mut String, row: &ExportRow) {
    let at = chrono::DateTime::from_timestamp_millis(row.occurred_at)
        .map_or_else(String::new, |d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    let description = if row.share_key == "artist" || row.collaborator_name.is_empty() {
        row.description.clone()
    } else {
        format!("{} (share of {})", row.description, row.collaborator_name)
    };
    let fields = [
        at,
        row.source.clone(),
        description,
        Micros(row.gross_micros).to_string(),
        Micros(row.fee_micros).to_string(),
        Micros(row.net_micros).to_string(),
        row.currency.clone(),
    ];
    let quoted: Vec<String> = fields.iter().map(|f| quote(f)).collect();
    out.push_str(&quoted.join(","));
    out.push('\n');
}

/// RFC 4180 quoting; a leading `=+-@` is defused so a spreadsheet never
/// runs a description as a formula.
fn quote(field: &str) -> String {
    let defused = match field.chars().next() {
        Some('=' | '+' | '@') => format!("'{field}"),
        Some('-') if field.parse::<f64>().is_err() => format!("'{field}"),
        _ => field.to_owned(),
    };
    if defused.contains([',', '"', '\n', '\r']) { format!("\"{}\"", defused.replace('"', "\"\"")) } else { defused }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a, b"), "\"a, b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(quote("-12.50"), "-12.50");
    }

    #[test]
    fn ranges_include_both_days() {
        let q = RangeQuery { from: Some("2026-11-01".into()), to: Some("2026-11-30".into()) };
        let (from, to, name) = parse_range(&q, 0).unwrap();
        assert_eq!(to - from, 30 * MS_PER_DAY);
        assert_eq!(name, "boptone-earnings-2026-11-01-to-2026-11-30.csv");
        let bad = RangeQuery { from: Some("2026-13-01".into()), to: None };
        assert!(parse_range(&bad, 0).is_err());
        let reversed = RangeQuery { from: Some("2026-12-02".into()), to: Some("2026-12-01".into()) };
        assert!(parse_range(&reversed, 0).is_err());
    }
}
