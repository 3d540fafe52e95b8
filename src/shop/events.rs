//! The shop's event handlers: a paid order tells the artist and starts a print-on-demand job for what the provider
//! makes (the job's submission runs after commit, with retries).

use super::settle::OrderCompleted;
use crate::core::ids::ArtistId;
use crate::events::{PlatformEvent, Registry};
use crate::notify::{NewNotification, notify};

pub fn register(registry: &mut Registry, pod_provider: &'static str) {
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
