//! `/dashboard/earnings`: every stream of an artist's money in one place —
//! totals all-time, this year and this month per source, a chart by day,
//! week or month, the top earners, payouts, and the CSV export. Reads the
//! snapshots, the earnings per item and the payouts; never a pillar table.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::figures::{self, Bucket, Money as Figures, TopItem};
use super::payouts::{self, PayoutSummary};
use super::{chart, export, memo, state as analytics};
use crate::app::AppState;
use crate::config::PaymentsProvider;
use crate::core::ids::ArtistId;
use crate::core::{Currency, Money};
use crate::error::{AppError, AppResult};
use crate::identity::session::ArtistScope;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/earnings", get(show_earnings))
        .route("/dashboard/earnings.csv", get(export::export_csv))
}

#[derive(Debug, Deserialize)]
struct EarningsQuery {
    by: Option<String>,
}

#[derive(Serialize)]
struct SourceLine {
    label: &'static str,
    amount: String,
    coming: bool,
}

#[derive(Serialize)]
struct Period {
    name: &'static str,
    sources: Vec<SourceLine>,
    gross: String,
    fees: String,
    refunds: String,
    splits: String,
    net: String,
}

#[derive(Serialize)]
struct Top {
    title: String,
    amount: String,
    sales: i64,
}

#[derive(Serialize)]
struct EarningsView {
    currency: &'static str,
    sandbox: bool,
    periods: Vec<Period>,
    empty: bool,
    by: &'static str,
    chart: String,
    chart_caption: String,
    top_bops: Vec<Top>,
    top_tracks: Vec<Top>,
    top_products: Vec<Top>,
    payouts: PayoutSummary,
    /// Stripe's word on the connected account's balance (Stripe mode).
    stripe_balance: Option<String>,
    stripe_silent: bool,
    csv_from: String,
    csv_to: String,
}

/// A micro-unit amount as money, rounded half to even to minor units.
pub fn show(micros: i64, currency: Currency) -> String {
    let text = crate::ledger::Micros(micros).format_decimal(currency.exponent());
    let minor: i64 = text.replace('.', "").parse().unwrap_or(0);
    Money::new(minor, currency).display()
}

fn period(name: &'static str, money: Figures, currency: Currency) -> Period {
    let line = |label, amount| SourceLine { label, amount: show(amount, currency), coming: false };
    Period {
        name,
        sources: vec![
            line("Bops tips", money.tips),
            line("Music royalties", money.royalties),
            line("BopShop", money.shop),
            SourceLine { label: "Fan subscriptions", amount: "coming".into(), coming: true },
        ],
        gross: show(money.gross(), currency),
        fees: show(money.fees, currency),
        refunds: show(money.refunds, currency),
        splits: show(money.splits, currency),
        net: show(money.net, currency),
    }
}

fn top(items: Vec<TopItem>, currency: Currency) -> Vec<Top> {
    items
        .into_iter()
        .map(|i| Top {
            title: if i.title.trim().is_empty() { "(untitled)".into() } else { i.title },
            amount: show(i.gross_micros, currency),
            sales: i.sales,
        })
        .collect()
}

/// The chart's first day and its buckets' labels, oldest first.
fn buckets(by: Bucket, today: NaiveDate) -> (NaiveDate, Vec<String>) {
    match by {
        Bucket::Day => {
            let from = today - Days::new(29);
            (from, (0..30).map(|i| (from + Days::new(i)).format("%Y-%m-%d").to_string()).collect())
        }
        Bucket::Week => {
            let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
            let from = monday - Days::new(7 * 25);
            (from, (0..26).map(|i| (from + Days::new(7 * i)).format("%Y-%m-%d").to_string()).collect())
        }
        Bucket::Month => {
            let first = today.with_day(1).unwrap_or(today);
            let from = first - Months::new(11);
            (from, (0..12).map(|i| (from + Months::new(i)).format("%Y-%m").to_string()).collect())
        }
    }
}

pub fn today(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms).map_or(NaiveDate::MIN, |d| d.date_naive())
}

async fn show_earnings(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Query(query): Query<EarningsQuery>,
) -> AppResult<Response> {
    let by = Bucket::parse(query.by.as_deref())
        .ok_or_else(|| AppError::BadRequest("Group the chart by day, week or month.".into()))?;
    let artist = scope.artist.id;
    let now = state.clock.now_ms();
    let stripe = payouts::provider_balance(&state, scope.artist.connect_account.as_deref()).await;
    let version = state.db.read_now(move |c| memo::version(c, artist)).await?;
    let drawn = memo::Drawn {
        version,
        day: today(now),
        stripe_silent: matches!(stripe, Some(Err(()))),
        stripe_balance: stripe.and_then(Result::ok),
    };
    let memo = &analytics(&state).pages;
    let figures = match memo.get(&(artist, by.as_str()), &drawn) {
        Some(html) => html,
        None => {
            let html: std::sync::Arc<str> = draw(&state, artist, by, now, &drawn).await?.into();
            memo.put((artist, by.as_str()), drawn, html.clone());
            html
        }
    };
    let view =
        minijinja::context! { title => "Earnings", figures => minijinja::Value::from_safe_string(figures.to_string()) };
    Ok(page.render(&state, "analytics/earnings.html", view)?.into_response())
}

/// The page's figures, drawn: the periods, the chart, the top earners, the
/// payouts and the export form.
async fn draw(state: &AppState, artist: ArtistId, by: Bucket, now: i64, drawn: &memo::Drawn) -> AppResult<String> {
    let day = drawn.day;
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let this_month = day.format("%Y-%m").to_string();
    let year_start = format!("{}-01", day.year());
    let (chart_from, labels) = buckets(by, day);
    let to = ymd(day);
    let series_range = match by {
        Bucket::Month => (chart_from.format("%Y-%m").to_string(), this_month.clone()),
        _ => (ymd(chart_from), to.clone()),
    };
    let sandbox = state.config.payments.provider == PaymentsProvider::Sandbox;
    let app = state.clone();
    let (sums, series, tops, payouts) = state
        .db
        .read_now(move |c| {
            let periods = figures::periods(c, artist, &year_start, &this_month)?;
            let series = figures::net_series(c, artist, by, &series_range.0, &series_range.1)?;
            let tops = [
                figures::top_items(c, artist, "bop", 5)?,
                figures::top_items(c, artist, "track", 5)?,
                figures::top_items(c, artist, "product", 5)?,
            ];
            let payouts = payouts::summary(c, analytics(&app), sandbox, artist, now)?;
            Ok((periods, series, tops, payouts))
        })
        .await?;
    let currency = analytics(state).config.currency();
    let points: Vec<(String, i64)> = labels
        .iter()
        .map(|label| {
            let net = series.iter().find(|(l, _)| l == label).map_or(0, |(_, net)| *net);
            (label.clone(), net)
        })
        .collect();
    let [top_bops, top_tracks, top_products] = tops;
    let view = EarningsView {
        currency: currency.code(),
        sandbox,
        empty: sums[0] == Figures::default(),
        periods: vec![
            period("All time", sums[0], currency),
            period("This year", sums[1], currency),
            period("This month", sums[2], currency),
        ],
        by: by.as_str(),
        chart: chart::bars(&points, |v| show(v, currency)),
        chart_caption: format!("Net per {} since {}", by.as_str(), chart_from.format("%-d %b %Y")),
        top_bops: top(top_bops, currency),
        top_tracks: top(top_tracks, currency),
        top_products: top(top_products, currency),
        payouts,
        stripe_silent: drawn.stripe_silent,
        stripe_balance: drawn.stripe_balance.clone(),
        csv_from: ymd(day.with_day(1).unwrap_or(day)),
        csv_to: ymd(day),
    };
    Ok(state.views.render("analytics/earnings_figures.html", view)?.0)
}
