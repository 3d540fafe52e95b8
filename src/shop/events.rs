//! The shop's event handlers: a paid order tells the artist and starts a print-on-demand job for what the provider
//! makes (the job's submission runs after commit, with retries).

use crate::db::CachedSql;
use serde::{Deserialize, Serialize};

use super::settle::OrderCompleted;
use crate::core::ids::{ArtistId, ProductId};
use crate::db::Tx;
use crate::events::{PlatformEvent, Registry, emit};
use crate::notify::{NewNotification, notify};

/// A product was created, edited, repriced (its variants changed),
/// published, unpublished or deleted: what fans may find of it now. One
/// event carries the whole state, so a handler that sees the newest one
/// needs no other.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductUpdated {
    pub product_id: i64,
    pub product_uid: String,
    pub artist_id: i64,
    /// Active and not deleted: on the artist's shop tab.
    pub listed: bool,
    pub title: String,
    pub tags: Vec<String>,
    /// The cheapest variant's price (none without variants).
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
}

impl PlatformEvent for ProductUpdated {
    const TYPE: &'static str = "product.updated";
}

/// Emits [`ProductUpdated`] for a product as it stands in `tx` (a deleted
/// one as unlisted). Every write that changes what a product's listing
/// shows calls it, in its transaction.
pub fn announce_product(tx: &Tx, id: ProductId) -> rusqlite::Result<()> {
    let Some(product) = super::repo::find_product_by_id(tx, id)? else {
        let event = ProductUpdated {
            product_id: id.0,
            product_uid: String::new(),
            artist_id: 0,
            listed: false,
            title: String::new(),
            tags: Vec::new(),
            price_minor: None,
            currency: None,
        };
        emit(tx, &event)?;
        return Ok(());
    };
    let variants = super::repo::variants_of(tx, id)?;
    let cheapest = variants.iter().min_by_key(|v| v.price_minor);
    let listed = product.on_sale();
    let event = ProductUpdated {
        product_id: id.0,
        product_uid: product.uid,
        artist_id: product.artist_id.0,
        listed,
        title: product.title,
        tags: product.tags,
        price_minor: cheapest.map(|v| v.price_minor),
        currency: cheapest.map(|v| v.currency.clone()),
    };
    emit(tx, &event)?;
    Ok(())
}

pub fn register(registry: &mut Registry, pod_provider: &'static str) {
    // A deleted account's finished orders keep their money and items for the
    // books, not where they went or to whom (an order still to ship keeps
    // its address until it ships).
    registry.on(crate::identity::account::AccountDeleted::TYPE, "shop.forget_account", |tx, event| {
        let deleted: crate::identity::account::AccountDeleted = serde_json::from_value(event.payload.clone())?;
        tx.execute_cached(
            "UPDATE orders SET shipping_address = NULL, email = 'deleted@deleted.invalid'
             WHERE fan_user_id = ?1 AND status NOT IN ('paid', 'pending')",
            [deleted.user_id],
        )?;
        Ok(())
    });
    registry.on(OrderCompleted::TYPE, "shop.artist_notice", |tx, event| {
        let order: OrderCompleted = serde_json::from_value(event.payload.clone())?;
        let body = format!(
            "{} item{} for {}.",
            order.items,
            if order.items == 1 { "" } else { "s" },
            crate::web::money::format_money(order.total_minor, &order.currency)
        );
        let link = format!("/studio/shop/orders/{}", order.order_uid);
        let notice = NewNotification {
            user_id: order.artist_user_id,
            kind: "order",
            title: "New order",
            body: &body,
            link: Some(&link),
        };
        notify(tx, &notice)?;
        Ok(())
    });
    registry.on(OrderCompleted::TYPE, "shop.pod_job", move |tx, event| {
        let order: OrderCompleted = serde_json::from_value(event.payload.clone())?;
        if order.has_pod {
            super::repo::insert_pod_job(
                tx,
                order.order_id,
                ArtistId(order.artist_id),
                pod_provider,
                crate::db::now_ms(),
            )?;
        }
        Ok(())
    });
}
