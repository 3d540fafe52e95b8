//! The artist's side of orders: the list, shipping with tracking (the fan
//! is emailed), cancelling and refunds (whole or per item) that restock
//! and end the refunded downloads. Money goes back through the provider
//! first; the ledger records the refund once it has.

use serde::{Deserialize, Serialize};

use super::domain::{OrderStatus, ProductKind};
use super::repo::{self, ItemRow, OrderRow};
use super::settle::{artist_holder, micros};
use crate::app::AppState;
use crate::core::ids::{ArtistId, OrderId};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::identity::ArtistRow;
use crate::ledger::Income;
use crate::notify::{NewNotification, notify, queue_mail};
use crate::web::money::format_money;
use crate::web::text::{Lines, clean_text};

pub async fn list_orders(
    state: &AppState,
    artist: ArtistId,
    status: Option<OrderStatus>,
    before: Option<String>,
    limit: usize,
) -> AppResult<(Vec<OrderRow>, Option<String>)> {
    let rows = state
        .db
        .read(move |c| {
            let before = match before {
                Some(uid) => repo::find_order(c, &uid)?.filter(|o| o.artist_id == artist).map(|o| o.id),
                None => None,
            };
            repo::list_orders_for_artist(c, artist, status, before, limit + 1)
        })
        .await?;
    Ok(page(rows, limit))
}

/// `limit` rows and the cursor of the next page, if there is one.
pub fn page(mut rows: Vec<OrderRow>, limit: usize) -> (Vec<OrderRow>, Option<String>) {
    let next = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|o| o.uid.clone()).unwrap_or_default()
    });
    (rows, next)
}

/// One of the artist's own orders and its items.
pub async fn own_order(state: &AppState, artist: ArtistId, uid: String) -> AppResult<(OrderRow, Vec<ItemRow>)> {
    state
        .db
        .read(move |c| {
            let Some(order) = repo::find_order(c, &uid)?.filter(|o| o.artist_id == artist) else {
                return Ok(Err(AppError::NotFound));
            };
            let items = repo::items_of(c, order.id)?;
            Ok(Ok((order, items)))
        })
        .await?
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ShipInput {
    pub carrier: String,
    pub tracking_number: String,
}

pub async fn ship_order(state: &AppState, artist: &ArtistRow, uid: String, input: ShipInput) -> AppResult<()> {
    let carrier = clean_text(&input.carrier, Lines::Single).map_err(|why| AppError::invalid("carrier", why))?;
    let tracking =
        clean_text(&input.tracking_number, Lines::Single).map_err(|why| AppError::invalid("tracking_number", why))?;
    if carrier.is_empty() || carrier.len() > 60 {
        return Err(AppError::invalid("carrier", "Name the carrier (up to 60 characters), e.g. USPS."));
    }
    if tracking.is_empty() || tracking.len() > 80 || tracking.contains(char::is_whitespace) {
        return Err(AppError::invalid("tracking_number", "Enter the tracking number, without spaces."));
    }
    let (artist_id, shop_name) = (artist.id, artist.stage_name.clone().unwrap_or_else(|| "The artist".into()));
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let Some(order) = repo::find_order(tx, &uid)?.filter(|o| o.artist_id == artist_id) else {
                return Err(AppError::NotFound);
            };
            if order.shipping_address.is_none() {
                return Err(AppError::Conflict("Nothing in this order is shipped.".into()));
            }
            if !repo::move_order(tx, order.id, OrderStatus::Paid, OrderStatus::Shipped, now_ms())? {
                return Err(AppError::Conflict(format!("This order is {}: only paid orders ship.", order.status.label().to_lowercase())));
            }
            repo::set_tracking(tx, order.id, &carrier, &tracking)?;
            let body = format!(
                "Good news: {shop_name} shipped your order {}.\n\nCarrier: {carrier}\nTracking number: {tracking}\n\nYour orders: /app/orders\n",
                order.uid
            );
            queue_mail(tx, &order.email, "Your order has shipped", &body)?;
            let text = format!("{carrier} {tracking}");
            let notice = NewNotification {
                user_id: order.fan_user_id.0,
                kind: "order_shipped",
                title: "Your order has shipped",
                body: &text,
                link: Some("/app"),
            };
            notify(tx, &notice)?;
            Ok(())
        })
        .await
}

/// What to refund: items by `order_items.id` and quantity, or everything left.
#[derive(Debug, Clone)]
pub enum RefundRequest {
    Items(Vec<(i64, i64)>),
    Rest,
}

/// A refund worked out against the order as it is.
struct Planned {
    amount: i64,
    fee: i64,
    items: Vec<(i64, i64)>,
    restock: Vec<(crate::core::ids::VariantId, i64)>,
    revoke: Vec<i64>,
    closes: bool,
}

fn plan(order: &OrderRow, items: &[ItemRow], request: &RefundRequest, fee_refunded: i64) -> AppResult<Planned> {
    if !matches!(order.status, OrderStatus::Paid | OrderStatus::Shipped) {
        return Err(AppError::Conflict(format!(
            "This order is {}: nothing to refund.",
            order.status.label().to_lowercase()
        )));
    }
    let left = order.total_minor - order.refunded_minor;
    let wanted: Vec<(i64, i64)> = match request {
        RefundRequest::Rest => {
            items.iter().map(|i| (i.id, i.quantity - i.refunded_quantity)).filter(|(_, q)| *q > 0).collect()
        }
        RefundRequest::Items(wanted) => wanted.iter().copied().filter(|(_, q)| *q > 0).collect(),
    };
    let mut planned =
        Planned { amount: 0, fee: 0, items: Vec::new(), restock: Vec::new(), revoke: Vec::new(), closes: false };
    for (id, quantity) in wanted {
        let item = items
            .iter()
            .find(|i| i.id == id)
            .ok_or_else(|| AppError::invalid("items", "That item is not in this order."))?;
        if quantity > item.quantity - item.refunded_quantity {
            return Err(AppError::invalid(
                "items",
                format!("Only {} of {} can still be refunded.", item.quantity - item.refunded_quantity, item.title),
            ));
        }
        planned.amount += item.unit_price_minor * quantity;
        planned.items.push((id, quantity));
        if item.tracked {
            planned.restock.push((item.variant_id, quantity));
        }
        if item.kind == ProductKind::Digital && quantity == item.quantity - item.refunded_quantity {
            planned.revoke.push(id);
        }
    }
    let all_items_back = items.iter().all(|i| {
        i.quantity - i.refunded_quantity == planned.items.iter().find(|(id, _)| *id == i.id).map_or(0, |(_, q)| *q)
    });
    if matches!(request, RefundRequest::Rest) || all_items_back {
        // The last refund takes what is left, shipping included.
        planned.amount = left;
        planned.closes = true;
    }
    if planned.amount <= 0 || planned.amount > left {
        return Err(AppError::invalid("items", "Choose what to refund."));
    }
    planned.fee = if planned.closes {
        order.fee_minor - fee_refunded
    } else {
        order.fee_minor * planned.amount / order.total_minor
    };
    Ok(planned)
}

/// Refunds part or all of a paid order. Refunds of one server run one at a
/// time, so two clicks cannot give back more than was paid.
pub async fn refund_order(state: &AppState, artist: ArtistId, uid: String, request: RefundRequest) -> AppResult<i64> {
    let _turn = super::state(state).refunds.lock().await;
    let lookup = uid.clone();
    let (order, items, fee_refunded, earlier) = state
        .db
        .read(move |c| {
            let Some(order) = repo::find_order(c, &lookup)?.filter(|o| o.artist_id == artist) else {
                return Ok(Err(AppError::NotFound));
            };
            let items = repo::items_of(c, order.id)?;
            let fee = repo::fee_refunded(c, order.id)?;
            let earlier = repo::count_refunds(c, order.id)?;
            Ok(Ok((order, items, fee, earlier)))
        })
        .await??;
    let planned = plan(&order, &items, &request, fee_refunded)?;
    // The n-th refund of an order has one name: if recording it failed
    // after the provider refunded, trying again gets the provider's first
    // answer back instead of refunding a second time.
    let refund_uid = format!("{}-{}", order.uid, earlier + 1);
    let refund = crate::payments::Refund {
        payment_ref: &order.payment_ref,
        amount_minor: planned.amount,
        reference: &refund_uid,
    };
    let provider_ref = state.payments.refund(&refund).await?;
    let amount = planned.amount;
    state
        .db
        .write_durable::<_, AppError, _>(move |tx| record_refund(tx, &order, &planned, &refund_uid, &provider_ref))
        .await?;
    Ok(amount)
}

fn record_refund(
    tx: &crate::db::Tx,
    order: &OrderRow,
    planned: &Planned,
    uid: &str,
    provider_ref: &str,
) -> AppResult<()> {
    let now = now_ms();
    let items_json = serde_json::to_string(
        &planned
            .items
            .iter()
            .map(|(item, quantity)| serde_json::json!({"item": item, "quantity": quantity}))
            .collect::<Vec<_>>(),
    )
    .expect("refund items serialise");
    let record = repo::NewRefund {
        uid,
        order: order.id,
        amount_minor: planned.amount,
        fee_refunded_minor: planned.fee,
        items_json: &items_json,
        provider_ref,
    };
    repo::insert_refund(tx, &record, &planned.items, now)?;
    for (variant, quantity) in &planned.restock {
        repo::give_back_stock(tx, *variant, *quantity)?;
    }
    for item in &planned.revoke {
        repo::revoke_grants_of_item(tx, *item, now)?;
    }
    if planned.closes {
        repo::move_order(tx, order.id, order.status, OrderStatus::Refunded, now)?;
    }
    let reference = format!("refund:{uid}");
    let income = Income {
        artist: order.artist_id,
        source: "refund",
        reference: &reference,
        description: "BopShop refund",
        track_id: None,
        gross: crate::ledger::Micros(-micros(planned.amount, &order.currency)?.0),
        currency: &order.currency,
        occurred_at: now,
    };
    let fee = crate::ledger::Micros(-micros(planned.fee, &order.currency)?.0);
    crate::ledger::record_whole(tx, &income, fee, &artist_holder(tx, order)?)?;
    let text = format!("{} is on its way back to you.", format_money(planned.amount, &order.currency));
    let notice = NewNotification {
        user_id: order.fan_user_id.0,
        kind: "order_refunded",
        title: "Refund",
        body: &text,
        link: Some("/app"),
    };
    notify(tx, &notice)?;
    let event = OrderRefunded {
        order_uid: order.uid.clone(),
        refund_uid: uid.to_owned(),
        artist_id: order.artist_id.0,
        fan_user_id: order.fan_user_id.0,
        amount_minor: planned.amount,
        currency: order.currency.clone(),
        at: now,
    };
    crate::events::emit(tx, &event)?;
    Ok(())
}

/// Money of an order went back to the fan (the ledger has the refund row).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OrderRefunded {
    pub order_uid: String,
    pub refund_uid: String,
    pub artist_id: i64,
    pub fan_user_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub at: i64,
}

impl crate::events::PlatformEvent for OrderRefunded {
    const TYPE: &'static str = "order.refunded";
}

/// Cancels a paid order that has not shipped: everything is refunded.
pub async fn cancel_order(state: &AppState, artist: ArtistId, uid: String) -> AppResult<()> {
    let lookup = uid.clone();
    let order = state.db.read(move |c| repo::find_order(c, &lookup)).await?;
    let order = order.filter(|o| o.artist_id == artist).ok_or(AppError::NotFound)?;
    if order.status != OrderStatus::Paid {
        return Err(AppError::Conflict(
            "Only a paid order that has not shipped can be cancelled; refund a shipped one.".into(),
        ));
    }
    refund_order(state, artist, uid, RefundRequest::Rest).await?;
    let id: OrderId = order.id;
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            repo::move_order(tx, id, OrderStatus::Refunded, OrderStatus::Cancelled, now_ms())?;
            Ok(())
        })
        .await
}
