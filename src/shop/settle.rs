//! Orders settled on the provider's word: the settler of the `order`
//! purpose marks the order paid, records the sale in the ledger, makes the
//! buyer's download links and emits `order.completed`, all in the
//! provider's `synchronous=FULL` transaction. Holds that end unpaid give
//! their units back; a payment that arrives after its units were sold to
//! someone else is refunded.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::domain::{OrderStatus, ProductKind};
use super::repo::{self, OrderRow};
use crate::app::AppState;
use crate::core::ids::OrderId;
use crate::core::{Currency, Money};
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::ledger::{Holder, Income, Micros};
use crate::payments::{Outcome, PaymentRow};

/// A fan paid for an order (emitted in the paying transaction).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderCompleted {
    pub order_uid: String,
    pub order_id: i64,
    pub artist_id: i64,
    pub artist_user_id: i64,
    pub fan_user_id: i64,
    pub total_minor: i64,
    pub currency: String,
    pub items: usize,
    pub has_pod: bool,
    pub has_shipping: bool,
    /// When it was paid (events from before this field: 0, read as the
    /// event's own time).
    #[serde(default)]
    pub paid_at: i64,
}

impl PlatformEvent for OrderCompleted {
    const TYPE: &'static str = "order.completed";
}

/// The settler of orders.
pub fn settle_order(tx: &Tx, payment: &PaymentRow, outcome: &Outcome) -> AppResult<()> {
    let Some(order) = repo::find_order_by_payment(tx, &payment.provider_ref)? else { return Ok(()) };
    let now = now_ms();
    if outcome.failed {
        if order.status == OrderStatus::Pending {
            release(tx, &order, now)?;
        }
        return Ok(());
    }
    if !outcome.paid {
        return Ok(());
    }
    match order.status {
        OrderStatus::Pending => {}
        // Paid after the hold ended: the units are taken again if they are
        // still there; otherwise the money goes back.
        OrderStatus::Expired => {
            if !retake(tx, &order)? {
                repo::set_refund_due(tx, order.id, true)?;
                tracing::warn!(order = order.uid, "an order was paid after its units were sold: refunding");
                return Ok(());
            }
            repo::move_order(tx, order.id, OrderStatus::Expired, OrderStatus::Pending, now)?;
        }
        _ => return Ok(()),
    }
    repo::move_order(tx, order.id, OrderStatus::Pending, OrderStatus::Paid, now)?;
    record_sale(tx, &order, outcome.at)?;
    let items = repo::items_of(tx, order.id)?;
    grant_downloads(tx, &order, &items, now)?;
    let event = OrderCompleted {
        order_uid: order.uid.clone(),
        order_id: order.id.0,
        artist_id: order.artist_id.0,
        artist_user_id: crate::identity::service::artist_user_id(tx, order.artist_id)?.0,
        fan_user_id: order.fan_user_id.0,
        total_minor: order.total_minor,
        currency: order.currency.clone(),
        items: items.iter().map(|i| i.quantity as usize).sum(),
        has_pod: items.iter().any(|i| i.kind == ProductKind::Pod),
        has_shipping: order.shipping_address.is_some(),
        paid_at: now,
    };
    emit(tx, &event)?;
    Ok(())
}

/// The sale in the artist's ledger: the whole, less the platform's fee.
fn record_sale(tx: &Tx, order: &OrderRow, at: i64) -> AppResult<()> {
    let reference = format!("order:{}", order.uid);
    let income = Income {
        artist: order.artist_id,
        source: "order",
        reference: &reference,
        description: "BopShop order",
        track_id: None,
        gross: micros(order.total_minor, &order.currency)?,
        currency: &order.currency,
        occurred_at: at,
    };
    crate::ledger::record_whole(tx, &income, micros(order.fee_minor, &order.currency)?, &artist_holder(tx, order)?)?;
    Ok(())
}

pub(super) fn artist_holder(tx: &Tx, order: &OrderRow) -> AppResult<Holder> {
    let user = crate::identity::service::artist_user_id(tx, order.artist_id)?;
    Ok(Holder { key: "artist".into(), name: String::new(), email: String::new(), user_id: Some(user) })
}

pub(super) fn micros(minor: i64, currency: &str) -> AppResult<Micros> {
    let currency = Currency::parse(currency).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Micros(Money::new(minor, currency).to_micros()))
}

/// A link per file of every digital item, on the terms of the purchase.
fn grant_downloads(tx: &Tx, order: &OrderRow, items: &[repo::ItemRow], now: i64) -> AppResult<()> {
    for item in items.iter().filter(|i| i.kind == ProductKind::Digital) {
        for file in repo::files_of(tx, item.product_id)? {
            let token = crate::core::new_uid() + &crate::core::new_uid();
            let grant = repo::NewGrant {
                token: &token,
                item: item.id,
                file: file.id,
                fan: order.fan_user_id,
                max_downloads: order.download_limit * item.quantity,
                expires_at: now + order.download_ttl_ms,
            };
            repo::insert_grant(tx, &grant, now)?;
        }
    }
    Ok(())
}

/// Takes the units of an order whose hold ended; all or none.
fn retake(tx: &Tx, order: &OrderRow) -> AppResult<bool> {
    let items = repo::items_of(tx, order.id)?;
    for (i, item) in items.iter().enumerate() {
        if item.tracked && !repo::take_stock(tx, item.variant_id, item.quantity)? {
            for taken in &items[..i] {
                if taken.tracked {
                    repo::give_back_stock(tx, taken.variant_id, taken.quantity)?;
                }
            }
            return Ok(false);
        }
    }
    Ok(true)
}

/// Ends an unpaid order's hold: its units go back.
fn release(tx: &Tx, order: &OrderRow, now: i64) -> AppResult<bool> {
    if !repo::move_order(tx, order.id, OrderStatus::Pending, OrderStatus::Expired, now)? {
        return Ok(false);
    }
    for item in repo::items_of(tx, order.id)? {
        if item.tracked {
            repo::give_back_stock(tx, item.variant_id, item.quantity)?;
        }
    }
    // The payment record stays open: a provider may still take the money
    // (a card confirmed at the last second), and the settler then takes
    // the units again or refunds.
    Ok(true)
}

/// Ends the hold of an order whose payment could not start.
pub async fn release_order(state: &AppState, order: OrderId) -> AppResult<()> {
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            if let Some(order) = repo::find_order_by_id(tx, order)? {
                release(tx, &order, now_ms())?;
            }
            Ok(())
        })
        .await
}

/// The fan gives up an unpaid order: its units go back at once.
pub async fn cancel_unpaid(state: &AppState, fan: crate::core::ids::UserId, uid: String) -> AppResult<()> {
    let payment_ref = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let order = repo::find_order(tx, &uid)?.filter(|o| o.fan_user_id == fan).ok_or(AppError::NotFound)?;
            if order.status != OrderStatus::Pending || !release(tx, &order, now_ms())? {
                return Err(AppError::Conflict("Only an unpaid order can be given up.".into()));
            }
            Ok(order.payment_ref)
        })
        .await?;
    state.payments.cancel_charge(&payment_ref).await;
    Ok(())
}

/// Ends the holds that passed their time; returns how many.
pub async fn release_lapsed(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now_ms();
    // A read first: most rounds find nothing, and need not queue a write.
    if state.db.read(move |c| repo::lapsed_orders(c, now, 1)).await?.is_empty() {
        return Ok(0);
    }
    let released = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let mut released = Vec::new();
            for order in repo::lapsed_orders(tx, now, 200)? {
                if release(tx, &order, now_ms())? {
                    released.push(order.payment_ref);
                }
            }
            Ok(released)
        })
        .await?;
    for payment_ref in &released {
        state.payments.cancel_charge(payment_ref).await;
    }
    Ok(released.len())
}

/// Gives back payments that arrived for units already sold.
pub async fn refund_due(state: &AppState) -> AppResult<usize> {
    let due = state.db.read(|c| repo::orders_with_refund_due(c, 50)).await?;
    for order in &due {
        let reference = format!("late-{}", order.uid);
        let refund = crate::payments::Refund {
            payment_ref: &order.payment_ref,
            amount_minor: order.total_minor,
            reference: &reference,
        };
        let provider_ref = state.payments.refund(&refund).await?;
        let (id, amount) = (order.id, order.total_minor);
        state
            .db
            .write_durable::<_, AppError, _>(move |tx| {
                let record = repo::NewRefund {
                    uid: &reference,
                    order: id,
                    amount_minor: amount,
                    fee_refunded_minor: 0,
                    items_json: "[]",
                    provider_ref: &provider_ref,
                };
                repo::insert_refund(tx, &record, &[], now_ms())?;
                repo::move_order(tx, id, OrderStatus::Expired, OrderStatus::Cancelled, now_ms())?;
                repo::set_refund_due(tx, id, false)?;
                Ok(())
            })
            .await?;
    }
    Ok(due.len())
}

/// How long a checkout that lapsed unpaid is kept (for the fan's "My
/// orders" and support questions) before it is deleted.
pub const EXPIRED_KEPT_MS: i64 = 30 * 24 * 3_600_000;

/// Deletes checkouts that lapsed unpaid more than [`EXPIRED_KEPT_MS`] ago,
/// a batch at a time; returns how many.
pub async fn prune_expired(state: &AppState) -> AppResult<usize> {
    let before = state.clock.now_ms() - EXPIRED_KEPT_MS;
    // A read first: most hours find nothing, and need not queue a write.
    if !state.db.read(move |c| repo::any_expired_before(c, before)).await? {
        return Ok(0);
    }
    let mut pruned = 0;
    loop {
        let batch = state.db.write::<_, AppError, _>(move |tx| Ok(repo::prune_expired(tx, before, 500)?)).await?;
        pruned += batch;
        if batch < 500 {
            return Ok(pruned);
        }
    }
}

/// Holds end and late payments go back, every few seconds.
pub fn holds_job(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        let mut round: u64 = 0;
        loop {
            ticks.tick().await;
            round += 1;
            // Hourly: lapsed checkouts older than a month go.
            if round % 720 == 1
                && let Err(err) = prune_expired(&state).await
            {
                tracing::warn!(error = %err, "pruning lapsed checkouts failed; retrying in an hour");
            }
            if let Err(err) = release_lapsed(&state).await {
                tracing::warn!(error = %err, "releasing lapsed order holds failed; retrying");
            }
            if let Err(err) = refund_due(&state).await {
                tracing::warn!(error = %err, "refunding late payments failed; retrying");
            }
        }
    })
}
