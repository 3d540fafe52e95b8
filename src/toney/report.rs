//! The monthly report: on the first of the month (or the first pass after
//! it), the previous month in plain words with its figures — what grew and
//! what shrank, what earned, the best Bop, track and product, the top fans
//! and three suggestions — kept as issued, shown at `/toney/reports` and
//! emailed. Figures come from the analytics month rollup and Toney's own
//! month tally (`toney_month_items`); nothing of any other artist.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::insights::{self, Setup};
use crate::analytics::figures::{self, Counts, Money as Figures};
use crate::analytics::loyalty;
use crate::analytics::statements::Month;
use crate::app::AppState;
use crate::core::ids::ArtistId;
use crate::core::{Currency, Money};
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::notify::{NewNotification, notify, queue_mail};

/// One figure of the month beside the month before.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
    pub label: String,
    /// Micro-units for money, a count otherwise.
    pub value: i64,
    pub before: i64,
    pub money: bool,
    pub shown: String,
    pub shown_before: String,
    /// Percent change; None when the month before had nothing.
    pub change_pct: Option<i64>,
}

/// A Bop, track or product that stood out, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Highlight {
    pub title: String,
    /// The figure it won on, as words show it ("312 views in its first 48 hours").
    pub figure: String,
    /// The number behind the figure (views, micro-units, streams or units).
    pub value: i64,
    pub link: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportFan {
    pub name: String,
    pub points: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Suggestion {
    pub sentence: String,
    pub label: String,
    pub link: String,
}

/// A monthly report as issued (stored as JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
    pub month: String,
    pub name: String,
    pub currency: String,
    /// The month in a few plain sentences.
    pub summary: Vec<String>,
    pub lines: Vec<Line>,
    pub best_bop: Option<Highlight>,
    pub most_tipped_bop: Option<Highlight>,
    pub best_track: Option<Highlight>,
    pub best_product: Option<Highlight>,
    pub top_fans: Vec<ReportFan>,
    pub suggestions: Vec<Suggestion>,
}

fn change(value: i64, before: i64) -> Option<i64> {
    (before > 0).then(|| ((value - before) as f64 * 100.0 / before as f64).round() as i64)
}

fn lines(this: (&Figures, &Counts), last: (&Figures, &Counts), currency: Currency) -> Vec<Line> {
    let money = |label: &str, v: i64, b: i64| Line {
        label: label.to_owned(),
        value: v,
        before: b,
        money: true,
        shown: insights::show(v, currency),
        shown_before: insights::show(b, currency),
        change_pct: change(v, b),
    };
    let count = |label: &str, v: i64, b: i64| Line {
        label: label.to_owned(),
        value: v,
        before: b,
        money: false,
        shown: v.to_string(),
        shown_before: b.to_string(),
        change_pct: change(v, b),
    };
    let ((m, c), (pm, pc)) = (this, last);
    vec![
        money("Tips", m.tips, pm.tips),
        money("Music royalties", m.royalties, pm.royalties),
        money("Shop sales", m.shop, pm.shop),
        money("Net earnings", m.net, pm.net),
        count("Bop views", c.views, pc.views),
        count("Likes", c.likes, pc.likes),
        count("Comments", c.comments, pc.comments),
        count("New followers", c.new_followers, pc.new_followers),
        count("Streams", c.streams, pc.streams),
        count("Orders", c.orders, pc.orders),
    ]
}

/// The month in plain words: what earned, what grew most, what shrank most.
fn summary(name: &str, lines: &[Line]) -> Vec<String> {
    let mut said = Vec::new();
    let net = lines.iter().find(|l| l.label == "Net earnings");
    let earned: Vec<String> = lines
        .iter()
        .filter(|l| l.money && l.label != "Net earnings" && l.value > 0)
        .map(|l| format!("{} {}", l.label.to_lowercase(), l.shown))
        .collect();
    said.push(match (earned.is_empty(), net) {
        (true, _) | (_, None) => format!("Nothing was earned in {name}."),
        (false, Some(net)) => format!("In {name} you earned {}: {}.", net.shown, earned.join(", ")),
    });
    let moved = |grew: bool| {
        lines
            .iter()
            .filter_map(|l| l.change_pct.map(|p| (l, p)))
            .filter(|(_, p)| if grew { *p > 0 } else { *p < 0 })
            .max_by_key(|(_, p)| p.abs())
    };
    if let Some((l, p)) = moved(true) {
        said.push(format!(
            "{} grew the most: {} against {} the month before (+{p}%).",
            l.label, l.shown, l.shown_before
        ));
    }
    if let Some((l, p)) = moved(false) {
        said.push(format!("{} shrank the most: {} against {} ({p}%).", l.label, l.shown, l.shown_before));
    }
    said
}

/// The Bop launched in the month with the most views in its first 48 hours.
fn best_bop(conn: &Connection, artist: ArtistId, (from, to): (i64, i64)) -> rusqlite::Result<Option<Highlight>> {
    let best: Option<(String, i64)> = conn
        .prepare_cached(
            "SELECT bop_uid, views_48h FROM toney_bop_launches
             WHERE artist_id = ?1 AND published_at >= ?2 AND published_at < ?3 AND views_48h > 0
             ORDER BY views_48h DESC, published_at LIMIT 1",
        )?
        .query_row(params![artist, from, to], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((uid, views)) = best else { return Ok(None) };
    let caption = crate::bops::service::caption_of(conn, &uid)?.unwrap_or_default();
    Ok(Some(Highlight {
        title: bop_title(&caption),
        figure: format!("{views} view{} in its first 48 hours", if views == 1 { "" } else { "s" }),
        value: views,
        link: format!("/bops/{uid}"),
    }))
}

fn bop_title(caption: &str) -> String {
    let caption = caption.trim();
    if caption.is_empty() { "A Bop without a caption".to_owned() } else { caption.to_owned() }
}

/// The month's top item of a kind by `order` (`amount_micros` or `count`).
fn top_item(
    conn: &Connection,
    artist: ArtistId,
    month: &str,
    kind: &str,
    by_amount: bool,
) -> rusqlite::Result<Option<(String, String, i64, i64)>> {
    let order = if by_amount { "amount_micros" } else { "count" };
    conn.prepare_cached(&format!(
        "SELECT item, title, amount_micros, count FROM toney_month_items
         WHERE artist_id = ?1 AND month = ?2 AND kind = ?3 AND {order} > 0 ORDER BY {order} DESC, item LIMIT 1"
    ))?
    .query_row(params![artist, month, kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
    .optional()
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn highlights(
    conn: &Connection,
    artist: ArtistId,
    month: &str,
    currency: Currency,
) -> rusqlite::Result<[Option<Highlight>; 3]> {
    let tipped = top_item(conn, artist, month, "bop", true)?.map(|(uid, title, micros, n)| Highlight {
        title: bop_title(&title),
        figure: format!("{} from {}", insights::show(micros, currency), plural(n, "tip", "tips")),
        value: micros,
        link: format!("/bops/{uid}"),
    });
    let track = top_item(conn, artist, month, "track", false)?.map(|(_, title, _, n)| Highlight {
        title,
        figure: plural(n, "stream", "streams"),
        value: n,
        link: "/studio/music".to_owned(),
    });
    let product = top_item(conn, artist, month, "product", true)?.map(|(uid, title, micros, n)| Highlight {
        title,
        figure: format!("{} sold for {}", plural(n, "unit", "units"), insights::show(micros, currency)),
        value: micros,
        link: format!("/studio/shop/products/{uid}"),
    });
    Ok([tipped, track, product])
}

/// Three suggestions: the insights that hold now, then the basics the
/// month lacked.
fn suggestions(found: Vec<insights::Insight>, lines: &[Line]) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = found
        .into_iter()
        .map(|i| Suggestion { sentence: i.sentence, label: i.action.label, link: i.action.link })
        .take(3)
        .collect();
    let had = |label: &str| lines.iter().any(|l| l.label == label && l.value > 0);
    let basics = [
        (
            !had("Shop sales"),
            "Nothing sold in your shop this month: add a product or a download of your music.",
            "Open your shop",
            "/studio/shop",
        ),
        (
            !had("Streams"),
            "No streams this month: publish a track and announce it with a Bop.",
            "Your music",
            "/studio/music",
        ),
        (
            true,
            "Post Bops through the month: each one brings fans back to your page, your music and your shop.",
            "Post a Bop",
            "/studio/bops/new",
        ),
        (
            true,
            "Thank your top fans by name in a Bop: loyal fans are the ones who tip and buy.",
            "Your top fans",
            "/dashboard/fans",
        ),
    ];
    for (wanted, sentence, label, link) in basics {
        if out.len() < 3 && wanted && !out.iter().any(|s| s.link == link) {
            out.push(Suggestion { sentence: sentence.to_owned(), label: label.to_owned(), link: link.to_owned() });
        }
    }
    out
}

/// The report of `month` for the artist, as it would be issued at `now`.
pub fn compute(conn: &Connection, artist: ArtistId, month: Month, setup: &Setup, now: i64) -> rusqlite::Result<Report> {
    let (key, before) = (month.key(), month.previous().key());
    let this = figures::sum_months(conn, artist, &key, &key)?;
    let last = figures::sum_months(conn, artist, &before, &before)?;
    let lines = lines((&this.0, &this.1), (&last.0, &last.1), setup.currency);
    let [most_tipped_bop, best_track, best_product] = highlights(conn, artist, &key, setup.currency)?;
    let top_fans = loyalty::top_fans(conn, artist, &setup.loyalty, now, 3)?
        .into_iter()
        .map(|f| ReportFan { name: f.display_name, points: f.points })
        .collect();
    let found = insights::for_artist(conn, artist, setup, now)?;
    Ok(Report {
        name: month.name(),
        summary: summary(&month.name(), &lines),
        suggestions: suggestions(found, &lines),
        best_bop: best_bop(conn, artist, month.bounds_ms())?,
        month: key,
        currency: setup.currency.code().to_owned(),
        lines,
        most_tipped_bop,
        best_track,
        best_product,
        top_fans,
    })
}

pub fn find(conn: &Connection, artist: ArtistId, month: &str) -> rusqlite::Result<Option<Report>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT report FROM toney_monthly_reports WHERE artist_id = ?1 AND month = ?2")?
        .query_row(params![artist, month], |r| r.get(0))
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// The months the artist has a report for, newest first.
pub fn list_months(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT month FROM toney_monthly_reports WHERE artist_id = ?1 ORDER BY month DESC LIMIT 120")?
        .query_map([artist], |r| r.get(0))?
        .collect()
}

/// Issues the month's report once, with a notice and an email; false
/// when it was already issued.
pub fn issue(tx: &Tx, artist: ArtistId, month: Month, setup: &Setup, now: i64, public_url: &str) -> AppResult<bool> {
    if find(tx, artist, &month.key())?.is_some() {
        return Ok(false);
    }
    let report = compute(tx, artist, month, setup, now)?;
    let json = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.into()))?;
    tx.prepare_cached(
        "INSERT INTO toney_monthly_reports (artist_id, month, report, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![artist, report.month, json, now])?;
    let link = format!("/toney/reports/{}", report.month);
    let user = crate::identity::service::artist_user_id(tx, artist)?;
    let title = format!("Your {} with Toney", report.name);
    let body = report.summary.first().cloned().unwrap_or_default();
    notify(
        tx,
        &NewNotification {
            user_id: user.0,
            kind: super::events::NOTICE_KIND,
            title: &title,
            body: &body,
            link: Some(&link),
        },
    )?;
    if let Some(email) = crate::identity::service::artist_email(tx, artist)? {
        queue_mail(tx, &email, &format!("Toney: your {}", report.name), &email_text(&report, public_url))?;
    }
    Ok(true)
}

/// The report as a plain-text email.
pub fn email_text(report: &Report, public_url: &str) -> String {
    let mut out = format!("Your {} with Toney\n\n{}\n\n", report.name, report.summary.join(" "));
    for l in &report.lines {
        out.push_str(&format!("  {:<16} {:>12}   (before: {})\n", l.label, l.shown, l.shown_before));
    }
    let named = [
        ("Best Bop", &report.best_bop),
        ("Most-tipped Bop", &report.most_tipped_bop),
        ("Best track", &report.best_track),
        ("Best product", &report.best_product),
    ];
    out.push('\n');
    for (label, h) in named {
        if let Some(h) = h {
            out.push_str(&format!("{label}: {} — {}\n", h.title, h.figure));
        }
    }
    if !report.top_fans.is_empty() {
        let fans: Vec<String> = report.top_fans.iter().map(|f| format!("{} ({} points)", f.name, f.points)).collect();
        out.push_str(&format!("Top fans: {}\n", fans.join(", ")));
    }
    out.push_str("\nThree things to do next:\n");
    for (n, s) in report.suggestions.iter().enumerate() {
        out.push_str(&format!("  {}. {} {public_url}{}\n", n + 1, s.sentence, s.link));
    }
    out.push_str(&format!("\nThe whole report: {public_url}/toney/reports/{}\n\n— Toney\n", report.month));
    out
}

/// Artists with figures in `month` and no report for it yet.
fn due_artists(conn: &Connection, month: &str) -> rusqlite::Result<Vec<ArtistId>> {
    let with_figures = figures::artists_with_figures(conn, month)?;
    let mut reported =
        conn.prepare_cached("SELECT 1 FROM toney_monthly_reports WHERE artist_id = ?1 AND month = ?2")?;
    let mut due = Vec::new();
    for artist in with_figures {
        if !reported.exists(params![artist, month])? {
            due.push(artist);
        }
    }
    Ok(due)
}

/// Issues last month's missing reports. Reads first: nothing due, no write.
pub async fn issue_due(state: &AppState, now: i64) -> AppResult<usize> {
    let month = Month::of(crate::analytics::earnings_day(now)).previous();
    let key = month.key();
    let due = state.db.read(move |c| due_artists(c, &key)).await?;
    let setup = super::service::setup(state);
    let url = state.config.server.public_url.as_str().trim_end_matches('/').to_owned();
    let mut issued = 0;
    for artist in due {
        let url = url.clone();
        if state.db.write(move |tx| issue(tx, artist, month, &setup, now, &url)).await? {
            issued += 1;
        }
    }
    Ok(issued)
}

pub fn monthly_job(state: AppState) -> tokio::task::JoinHandle<()> {
    crate::pillar::every(state, Duration::from_secs(3600), "issuing Toney's monthly reports", |state, now| async move {
        issue_due(&state, now).await
    })
}

/// The month tally kept by Toney's handlers: adds `amount` and `count` to
/// one item of the artist's month.
pub fn tally(
    tx: &Tx,
    artist: ArtistId,
    at_ms: i64,
    kind: &str,
    (item, title): (&str, &str),
    (amount_micros, count): (i64, i64),
) -> rusqlite::Result<()> {
    let month = Month::of(crate::analytics::earnings_day(at_ms)).key();
    tx.prepare_cached(
        "INSERT INTO toney_month_items (artist_id, month, kind, item, title, amount_micros, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (artist_id, month, kind, item) DO UPDATE SET
           amount_micros = amount_micros + excluded.amount_micros, count = count + excluded.count",
    )?
    .execute(params![artist, month, kind, item, title, amount_micros, count])?;
    Ok(())
}

/// Minor units of `currency` as micro-units; another currency: None (the
/// tally, like the analytics, is in one currency).
pub fn micros(minor: i64, code: &str, currency: Currency) -> Option<i64> {
    (code == currency.code()).then(|| Money::new(minor, currency).to_micros())
}
