//! Payouts: money leaving an artist's balance for their bank.
//!
//! With Stripe, the connected account pays out on its own schedule and
//! says so by webhook (`payout.created/updated/paid/failed/canceled`): each
//! word is applied unless an older one arrives after a newer one. The
//! sandbox runs a schedule of its own (`analytics.payouts`), so the whole
//! view works without an account anywhere. A paid payout is one ledger row
//! (`payout:{ref}`, negative); a payout that fails after it was paid puts
//! the money back with a second row.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::payouts_repo::{self as repo, NewPayout, PayoutRow};
use super::{AnalyticsState, state as analytics};
use crate::app::AppState;
use crate::config::PaymentsProvider;
use crate::core::ids::{ArtistId, UserId};
use crate::core::{Currency, Money};
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, Registry, emit};
use crate::ledger::{Holder, Income, Micros};
use crate::notify::{NewNotification, notify};
use crate::payments::{ConnectedBalance, PayoutNotice};

/// A payout reached (or is expected at) the artist's bank.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PayoutPaid {
    pub payout_uid: String,
    pub artist_id: i64,
    pub artist_user_id: i64,
    pub provider: String,
    pub amount_minor: i64,
    pub currency: String,
}

impl PlatformEvent for PayoutPaid {
    const TYPE: &'static str = "stripe.payout.paid";
}

/// A payout failed or was canceled; the money is back in the balance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PayoutFailed {
    #[serde(flatten)]
    pub payout: PayoutPaid,
    pub reason: String,
}

impl PlatformEvent for PayoutFailed {
    const TYPE: &'static str = "stripe.payout.failed";
}

/// Monday 1970-01-05T00:00Z: sandbox periods start on Mondays (weekly by
/// default).
const FIRST_MONDAY_MS: i64 = 4 * 86_400_000;

pub fn register(registry: &mut Registry) {
    registry.on(PayoutPaid::TYPE, "analytics.payout_notice", |tx, event| {
        let paid: PayoutPaid = serde_json::from_value(event.payload.clone())?;
        let body = format!(
            "{} is on its way to your bank.",
            crate::web::money::format_money(paid.amount_minor, &paid.currency)
        );
        let notice = NewNotification {
            user_id: paid.artist_user_id,
            kind: "payout",
            title: "Payout sent",
            body: &body,
            link: Some("/dashboard/earnings#payouts"),
        };
        notify(tx, &notice)?;
        Ok(())
    });
    registry.on(PayoutFailed::TYPE, "analytics.payout_failed_notice", |tx, event| {
        let failed: PayoutFailed = serde_json::from_value(event.payload.clone())?;
        let body = format!(
            "A payout of {} did not reach your bank{}. The money is back in your balance.",
            crate::web::money::format_money(failed.payout.amount_minor, &failed.payout.currency),
            if failed.reason.is_empty() { String::new() } else { format!(" ({})", failed.reason) }
        );
        let notice = NewNotification {
            user_id: failed.payout.artist_user_id,
            kind: "payout",
            title: "Payout failed",
            body: &body,
            link: Some("/artist/payout"),
        };
        notify(tx, &notice)?;
        Ok(())
    });
}

/// The payout listener: Stripe's word on a connected account's payout.
pub fn on_stripe_payout(tx: &Tx, notice: &PayoutNotice) -> AppResult<()> {
    let Some(owner) = crate::payments::repo::find_account_owner(tx, &notice.account_ref)? else {
        tracing::warn!(account = notice.account_ref, "a payout of an account this server does not know");
        return Ok(());
    };
    let Some(artist) = crate::identity::service::artist_of_user(tx, owner)? else { return Ok(()) };
    if !matches!(notice.status.as_str(), "pending" | "in_transit" | "paid" | "failed" | "canceled") {
        tracing::warn!(status = notice.status, "a payout status this server does not know");
        return Ok(());
    }
    let new = NewPayout {
        artist: artist.id,
        provider: "stripe",
        provider_ref: &notice.payout_ref,
        amount_minor: notice.amount_minor,
        currency: &notice.currency,
        status: &notice.status,
        arrival_at: Some(notice.arrival_at),
        failure_message: &notice.failure_message,
        status_at: notice.at,
    };
    let (row, changed) = repo::upsert(tx, &new, crate::db::now_ms())?;
    if changed {
        settle(tx, &row, owner, notice.at)?;
    }
    Ok(())
}

/// The ledger and the events that follow a payout's new status.
fn settle(tx: &Tx, payout: &PayoutRow, owner: UserId, at: i64) -> AppResult<()> {
    let event = PayoutPaid {
        payout_uid: payout.uid.clone(),
        artist_id: payout.artist_id.0,
        artist_user_id: owner.0,
        provider: payout.provider.clone(),
        amount_minor: payout.amount_minor,
        currency: payout.currency.clone(),
    };
    match payout.status.as_str() {
        "paid" if record(tx, payout, owner, at, false)? => {
            emit(tx, &event)?;
        }
        "failed" | "canceled" => {
            // Money that left comes back; a payout that never left needs no row.
            let left = crate::ledger::repo::reference_recorded(tx, &format!("payout:{}", payout.provider_ref))?;
            if left {
                record(tx, payout, owner, at, true)?;
            }
            emit(tx, &PayoutFailed { payout: event, reason: payout.failure_message.clone() })?;
        }
        _ => {}
    }
    Ok(())
}

/// The payout in the ledger: out (negative), or back in (`returned`).
fn record(tx: &Tx, payout: &PayoutRow, owner: UserId, at: i64, returned: bool) -> AppResult<bool> {
    let currency = Currency::parse(&payout.currency).map_err(|e| AppError::Internal(e.into()))?;
    let micros = Money::new(payout.amount_minor, currency).to_micros();
    let (reference, description, gross) = if returned {
        (format!("payout-returned:{}", payout.provider_ref), "Payout returned", micros)
    } else {
        (format!("payout:{}", payout.provider_ref), "Payout to your bank", -micros)
    };
    let income = Income {
        artist: payout.artist_id,
        source: "payout",
        reference: &reference,
        description,
        track_id: None,
        gross: Micros(gross),
        currency: &payout.currency,
        occurred_at: at,
    };
    let holder = Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(owner) };
    Ok(crate::ledger::record_whole(tx, &income, Micros(0), &holder)?)
}

/// The sandbox's schedule: which period `now` is in, and when the next
/// one starts.
pub fn sandbox_period(interval_days: u32, now: i64) -> (i64, i64) {
    let length = i64::from(interval_days) * 86_400_000;
    let period = (now - FIRST_MONDAY_MS).div_euclid(length);
    (period, FIRST_MONDAY_MS + (period + 1) * length)
}

/// Pays out, in the sandbox, each ready artist's balance once per period.
/// Reads first: a server with nothing to pay writes nothing.
pub async fn run_sandbox_payouts(state: &AppState, now: i64) -> AppResult<usize> {
    let config = &analytics(state).config;
    let currency = config.currency();
    let (period, _) = sandbox_period(config.payouts.sandbox_interval_days, now);
    let minimum = i64::from(config.payouts.sandbox_minimum_minor);
    let due = state
        .db
        .read(move |c| {
            let mut due = Vec::new();
            for (artist, user, _) in crate::identity::service::payout_ready_artists(c)? {
                let reference = sandbox_ref(artist, period);
                let minor = Micros(repo::balance_micros(c, artist)?).to_minor_floor(currency.exponent()).unwrap_or(0);
                if minor >= minimum.max(1) && repo::find_by_ref(c, &reference)?.is_none() {
                    due.push((artist, user, reference, minor));
                }
            }
            Ok(due)
        })
        .await?;
    let paid = due.len();
    for (artist, user, reference, minor) in due {
        state
            .db
            .write_durable::<_, AppError, _>(move |tx| {
                let new = NewPayout {
                    artist,
                    provider: "sandbox",
                    provider_ref: &reference,
                    amount_minor: minor,
                    currency: currency.code(),
                    status: "paid",
                    arrival_at: Some(now),
                    failure_message: "",
                    status_at: now,
                };
                let (row, changed) = repo::upsert(tx, &new, now)?;
                if changed {
                    settle(tx, &row, user, now)?;
                }
                Ok(())
            })
            .await?;
    }
    Ok(paid)
}

fn sandbox_ref(artist: ArtistId, period: i64) -> String {
    format!("sandbox-payout:{}:{period}", artist.0)
}

/// The sandbox's timer: checks every minute (one read when nothing is due).
pub fn sandbox_job(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let scheduled = analytics(&state).config.payouts.sandbox_schedule;
    if state.config.payments.provider != PaymentsProvider::Sandbox || !scheduled {
        return None;
    }
    Some(crate::pillar::every(state, Duration::from_secs(60), "sandbox payouts", |state, now| async move {
        run_sandbox_payouts(&state, now).await
    }))
}

/// Balances are asked of Stripe at most once a minute per account.
const BALANCE_TTL: Duration = Duration::from_secs(60);
/// Accounts remembered at most (the label's artists); past this it starts over.
const BALANCE_CACHE_MAX: usize = 10_000;

#[derive(Default)]
pub struct BalanceCache(std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, ConnectedBalance)>>);

/// The connected account's balance at Stripe, as the page shows it
/// ("$12.00 available, $3.00 on the way"); None in the sandbox, or when
/// Stripe did not answer (then the page says so).
pub async fn provider_balance(state: &AppState, account_ref: Option<&str>) -> Option<Result<String, ()>> {
    let account = account_ref.filter(|_| !state.payments.is_sandbox())?;
    let cache = &analytics(state).balances;
    let cached = cache.0.lock().unwrap_or_else(|e| e.into_inner()).get(account).cloned();
    let balance = match cached {
        Some((at, balance)) if at.elapsed() < BALANCE_TTL => balance,
        _ => match state.payments.connected_balance(account).await {
            Ok(Some(balance)) => {
                let mut map = cache.0.lock().unwrap_or_else(|e| e.into_inner());
                if map.len() >= BALANCE_CACHE_MAX {
                    map.clear();
                }
                map.insert(account.to_owned(), (std::time::Instant::now(), balance.clone()));
                balance
            }
            Ok(None) => return None,
            Err(err) => {
                tracing::warn!(error = %err, "Stripe did not give the connected account's balance");
                return Some(Err(()));
            }
        },
    };
    let list = |amounts: &[(i64, String)]| {
        let shown: Vec<String> =
            amounts.iter().map(|(minor, currency)| crate::web::money::format_money(*minor, currency)).collect();
        if shown.is_empty() { "nothing".to_owned() } else { shown.join(" + ") }
    };
    Some(Ok(format!("{} available, {} pending", list(&balance.available), list(&balance.pending))))
}

/// What the earnings page says about payouts.
#[derive(Debug, Clone, Serialize)]
pub struct PayoutSummary {
    pub balance: String,
    pub next_date: Option<i64>,
    pub next_amount: Option<String>,
    pub next_note: String,
    pub history: Vec<PayoutRow>,
}

pub fn summary(
    conn: &rusqlite::Connection,
    state: &AnalyticsState,
    sandbox: bool,
    artist: ArtistId,
    now: i64,
) -> rusqlite::Result<PayoutSummary> {
    let currency = state.config.currency();
    let balance = repo::balance_micros(conn, artist)?;
    let balance_minor = Micros(balance).to_minor_floor(currency.exponent()).unwrap_or(0);
    let history = repo::list(conn, artist, None, 10)?;
    let show = |minor: i64| Money::new(minor, currency).display();
    let (next_date, next_amount, next_note) = if let Some(next) = repo::next_on_the_way(conn, artist)? {
        let amount = crate::web::money::format_money(next.amount_minor, &next.currency);
        (next.arrival_at, Some(amount), "On its way to your bank.".to_owned())
    } else if sandbox {
        let (_, next) = sandbox_period(state.config.payouts.sandbox_interval_days, now);
        let minimum = i64::from(state.config.payouts.sandbox_minimum_minor);
        if balance_minor >= minimum.max(1) {
            (Some(next), Some(show(balance_minor)), "Test money: the sandbox pays out on its own schedule.".into())
        } else {
            (Some(next), None, format!("Balances under {} wait for the next payout.", show(minimum)))
        }
    } else {
        (
            None,
            None,
            "Stripe pays out on your account's schedule; the next payout shows here once Stripe starts it.".into(),
        )
    };
    Ok(PayoutSummary { balance: show(balance_minor), next_date, next_amount, next_note, history })
}
