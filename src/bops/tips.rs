//! Tips on Bops: amount presets or a custom amount within limits, paid to
//! the artist's connected account. A tip counts only once the provider says
//! the payment succeeded — never on the client's word.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};

use super::config::TipsConfig;
use super::repo;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::identity::artist_by_id;
use crate::identity::gate::revenue_gate;
use crate::identity::limits::take;
use crate::payments::{Charge, NewPayment, Outcome, PaymentRow, record_payment};

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
        let wait = |retry_after_secs| AppError::RateLimited { retry_after_secs };
        take(&self.per_fan_artist, &(fan, artist)).map_err(wait)?;
        take(&self.per_ip, &ip).map_err(wait)?;
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
    /// Whom the tip is for, for the tip sheet.
    pub artist_name: String,
    pub message: String,
}

/// What the fan asks to tip: the amount, a message, and whether the
/// artist's supporters wall may show their name and message.
pub struct TipRequest {
    pub amount_minor: i64,
    pub message: String,
    pub show_on_wall: bool,
}

/// Starts a tip; nothing is recorded as received until the payment succeeds.
pub async fn start_tip(
    state: &AppState,
    fan: &AuthUser,
    bop_uid: &str,
    request: TipRequest,
    ip: IpAddr,
) -> AppResult<TipStarted> {
    let config = &super::state(state).config.tips;
    let TipRequest { amount_minor, show_on_wall, .. } = request;
    let message = super::supporters::parse_message(&request.message)?;
    if amount_minor < config.min_minor || amount_minor > config.max_minor {
        let range = format!(
            "Tips are between {} and {}.",
            crate::web::money::format_money(config.min_minor, &config.currency),
            crate::web::money::format_money(config.max_minor, &config.currency)
        );
        return Err(AppError::invalid("amount_minor", range));
    }
    // The Bop and its artist in one trip to a reader; the artist by row id,
    // whose page the Bop's lookup has just read (under a stream of writes
    // a reader's cache is emptied at every commit, so each page is a read).
    let (uid, viewer) = (bop_uid.to_owned(), fan.id);
    let (bop, artist) = state
        .db
        .read_now(move |c| {
            let Some(bop) = repo::find_visible_ref(c, &uid, Some(viewer))? else { return Ok(None) };
            Ok(artist_by_id(c, bop.artist_id)?.map(|artist| (bop, artist)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    // Receiving money is a revenue action: the same gate as the artist's own
    // uploads (subscription open, profile done, payouts on, not suspended).
    let destination = match (revenue_gate(&artist), &artist.connect_account) {
        (Ok(()), Some(account)) => account.clone(),
        _ => return Err(AppError::Conflict("This artist cannot receive tips right now.".into())),
    };
    if artist.user_id == fan.id {
        return Err(AppError::invalid("amount_minor", "You cannot tip yourself."));
    }
    super::state(state).tip_limits.check(fan.id.0, artist.id.0, ip)?;
    let tip_uid = crate::core::new_uid();
    let fee_minor = amount_minor * i64::from(config.platform_fee_percent) / 100;
    let charge = Charge {
        amount_minor,
        currency: &config.currency,
        fee_minor,
        destination: &destination,
        purpose: TIP,
        reference: &tip_uid,
    };
    let payment = state.payments.start_charge(&charge).await?;
    let (uid, fan_id, currency, provider) =
        (tip_uid.clone(), fan.id, config.currency.clone(), state.payments.provider_name());
    let payment_ref = payment.payment_ref.clone();
    let artist_name = artist.stage_name.clone().unwrap_or_default();
    let stored_message = message.clone();
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let tip = repo::NewTip {
                uid: &uid,
                bop: bop.id,
                artist: bop.artist_id,
                fan: fan_id,
                amount_minor,
                currency: &currency,
                fee_minor,
                provider,
                payment_ref: &payment_ref,
                message: &stored_message,
                on_wall: show_on_wall,
            };
            repo::insert_tip(tx, &tip, now_ms())?;
            let record = NewPayment {
                provider,
                provider_ref: &payment_ref,
                purpose: TIP,
                reference: &uid,
                owner: fan_id,
                amount_minor,
                currency: &currency,
                description: "Tip",
                return_url: "",
                cancel_url: "",
            };
            record_payment(tx, &record, now_ms())?;
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
        artist_name,
        message,
    })
}

/// The payment purpose of a tip.
pub const TIP: &str = "tip";

/// The settler of tips: records the tip paid by `payment`, its counters and
/// the event, once. An unknown or already-settled tip changes nothing.
pub fn settle_tip(tx: &Tx, payment: &PaymentRow, outcome: &Outcome) -> AppResult<()> {
    if !outcome.paid {
        return Ok(());
    }
    let Some(tip) = repo::settle_tip(tx, &payment.provider_ref, now_ms())? else { return Ok(()) };
    let bop_uid = repo::find_bop_uid(tx, tip.bop)?;
    let artist_user_id = crate::identity::service::artist_user_id(tx, tip.artist)?;
    record_in_ledger(tx, &tip, artist_user_id, outcome.at)?;
    let event = BopTipReceived {
        tip_uid: tip.uid,
        bop_uid,
        artist_id: tip.artist.0,
        artist_user_id: artist_user_id.0,
        fan_user_id: tip.fan.0,
        amount_minor: tip.amount_minor,
        currency: tip.currency,
    };
    emit(tx, &event)?;
    Ok(())
}

/// The tip in the artist's ledger: the whole, less the platform's fee.
fn record_in_ledger(tx: &Tx, tip: &repo::SettledTip, artist_user: crate::core::ids::UserId, at: i64) -> AppResult<()> {
    use crate::ledger::{Holder, Income, Micros};
    let currency = crate::core::Currency::parse(&tip.currency).map_err(|e| AppError::Internal(e.into()))?;
    let micros = |minor| Micros(crate::core::Money::new(minor, currency).to_micros());
    let reference = format!("tip:{}", tip.uid);
    let income = Income {
        artist: tip.artist,
        source: "tip",
        reference: &reference,
        description: "Tip on a Bop",
        track_id: None,
        gross: micros(tip.amount_minor),
        currency: &tip.currency,
        occurred_at: at,
    };
    let holder = Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(artist_user) };
    crate::ledger::record_whole(tx, &income, micros(tip.fee_minor), &holder)?;
    Ok(())
}

/// The sandbox's confirm: the fan pays their own pending tip with test
/// money, settled through the payments room like a provider's word.
pub async fn confirm_sandbox_tip(state: &AppState, fan: &AuthUser, tip_uid: String) -> AppResult<()> {
    let fan_id = fan.id;
    let payment_ref = state.db.read(move |c| repo::find_tip_payment_ref(c, &tip_uid, fan_id)).await?;
    let payment_ref = payment_ref.ok_or(AppError::NotFound)?;
    crate::payments::confirm_sandbox_payment(state, fan_id, payment_ref).await
}
