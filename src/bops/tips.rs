//! Tips on Bops: amount presets or a custom amount within limits, paid to
//! the artist's connected account. A tip counts only once the provider says
//! the payment succeeded — never on the client's word.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::service::find_bop;
use crate::app::AppState;
use crate::config::TipsConfig;
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::identity::gate::revenue_gate;
use crate::identity::{UserRow, artist_by_uid};
use crate::payments::TipCharge;

/// A fan's tip reached the artist.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopTipReceived {
    pub tip_uid: String,
    pub bop_uid: String,
    pub artist_id: i64,
    pub artist_user_id: i64,
    pub fan_user_id: i64,
    pub amount_minor: i64,
    pub currency: String,
}

impl PlatformEvent for BopTipReceived {
    const TYPE: &'static str = "bop.tip.received";
}

pub struct TipLimits {
    per_fan_artist: DefaultKeyedRateLimiter<(i64, i64)>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl TipLimits {
    pub fn new(config: &TipsConfig) -> TipLimits {
        let quota = |n: u32| Quota::per_hour(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        TipLimits {
            per_fan_artist: RateLimiter::keyed(quota(config.per_fan_per_artist_per_hour)),
            per_ip: RateLimiter::keyed(quota(config.per_ip_per_hour)),
        }
    }

    fn check(&self, fan: i64, artist: i64, ip: IpAddr) -> AppResult<()> {
        let now = DefaultClock::default().now();
        let wait = |n: governor::NotUntil<_>| AppError::RateLimited {
            retry_after_secs: n.wait_time_from(now).as_secs().max(1),
        };
        self.per_fan_artist.check_key(&(fan, artist)).map_err(wait)?;
        self.per_ip.check_key(&ip).map_err(wait)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TipStarted {
    pub tip_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: &'static str,
    /// Stripe: confirm the PaymentIntent with this in the card form.
    pub client_secret: Option<String>,
    /// Sandbox: POST here to pay with test money.
    pub confirm_url: Option<String>,
}

/// Starts a tip; nothing is recorded as received until the payment succeeds.
pub async fn start_tip(
    state: &AppState,
    fan: &UserRow,
    bop_uid: &str,
    amount_minor: i64,
    ip: IpAddr,
) -> AppResult<TipStarted> {
    let config = &state.config.tips;
    if amount_minor < config.min_minor || amount_minor > config.max_minor {
        let range = format!(
            "Tips are between {} and {}.",
            crate::web::money::format_money(config.min_minor, &config.currency),
            crate::web::money::format_money(config.max_minor, &config.currency)
        );
        return Err(AppError::invalid("amount_minor", range));
    }
    let bop = find_bop(state, bop_uid, Some(fan.id.0)).await?;
    let artist_uid = bop.artist_uid.clone();
    let artist = state.db.read(move |c| artist_by_uid(c, &artist_uid)).await?.ok_or(AppError::NotFound)?;
    // Receiving money is a revenue action: the same gate as the artist's own
    // uploads (subscription open, profile done, payouts on, not suspended).
    let destination = match (revenue_gate(&artist), &artist.connect_account) {
        (Ok(()), Some(account)) => account.clone(),
        _ => return Err(AppError::Conflict("This artist cannot receive tips right now.".into())),
    };
    if artist.user_id == fan.id {
        return Err(AppError::invalid("amount_minor", "You cannot tip yourself."));
    }
    state.tip_limits.check(fan.id.0, artist.id.0, ip)?;
    let tip_uid = crate::core::new_uid();
    let fee_minor = amount_minor * i64::from(config.platform_fee_percent) / 100;
    let charge =
        TipCharge { amount_minor, currency: &config.currency, fee_minor, destination: &destination, tip_uid: &tip_uid };
    let payment = state.payments.start_tip(&charge).await?;
    let (uid, fan_id, currency, provider) =
        (tip_uid.clone(), fan.id.0, config.currency.clone(), state.payments.provider_name());
    let payment_ref = payment.payment_ref.clone();
    state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO bops_tips (uid, bop_id, artist_id, fan_user_id, amount_minor, currency, fee_minor, provider, payment_ref, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)",
                params![uid, bop.id, bop.artist_id, fan_id, amount_minor, currency, fee_minor, provider, payment_ref, now_ms()],
            )?;
            Ok(())
        })
        .await?;
    let confirm_url = state.payments.is_sandbox().then(|| format!("/api/v1/tips/{tip_uid}/confirm"));
    Ok(TipStarted {
        tip_id: tip_uid,
        amount_minor,
        currency: config.currency.clone(),
        status: "pending",
        client_secret: payment.client_secret,
        confirm_url,
    })
}

/// Records the tip paid by `payment_ref`: counters and the event, once.
/// Returns false for an unknown or already-settled payment.
pub fn settle_tip(tx: &Tx, payment_ref: &str) -> AppResult<bool> {
    let now = now_ms();
    let settled = tx
        .query_row(
            "UPDATE bops_tips SET status = 'succeeded', succeeded_at = ?2 WHERE payment_ref = ?1 AND status = 'pending'
             RETURNING uid, bop_id, artist_id, fan_user_id, amount_minor, currency",
            params![payment_ref, now],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((tip_uid, bop_id, artist_id, fan_user_id, amount_minor, currency)) = settled else { return Ok(false) };
    tx.execute(
        "UPDATE bops_videos SET tip_count = tip_count + 1, tip_total_minor = tip_total_minor + ?2 WHERE id = ?1",
        params![bop_id, amount_minor],
    )?;
    let (bop_uid, artist_user_id): (String, i64) = tx.query_row(
        "SELECT b.uid, a.user_id FROM bops_videos b JOIN artist_profiles a ON a.id = b.artist_id WHERE b.id = ?1",
        [bop_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    emit(tx, &BopTipReceived { tip_uid, bop_uid, artist_id, artist_user_id, fan_user_id, amount_minor, currency })?;
    Ok(true)
}

/// The sandbox's confirm: the fan pays their own pending tip with test money.
pub async fn confirm_sandbox_tip(state: &AppState, fan: &UserRow, tip_uid: String) -> AppResult<()> {
    if !state.payments.is_sandbox() {
        return Err(AppError::NotFound);
    }
    let fan_id = fan.id.0;
    state
        .db
        .write_durable(move |tx| {
            let payment_ref: String = tx
                .query_row(
                    "SELECT payment_ref FROM bops_tips WHERE uid = ?1 AND fan_user_id = ?2",
                    params![tip_uid, fan_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(AppError::NotFound)?;
            settle_tip(tx, &payment_ref)?;
            Ok(())
        })
        .await
}
