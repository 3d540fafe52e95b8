//! Printful v1 webhook bodies.
//!
//! Printful v1 webhooks are not signed: mount the handler on a URL with a long random
//! secret in it, and treat each event only as a hint that is safe to apply (or re-check
//! with [`super::PrintfulClient::get_order`]).

use serde::Deserialize;
use serde_json::Value;

use super::printful::{WireShipment, map_status, text_of, tracking_of, update_from_order};
use super::{PodState, PodUpdate};

/// One webhook event about one of our orders.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookUpdate {
    /// The order's `external_id` (our job uid).
    pub external_id: String,
    pub update: PodUpdate,
    /// When Printful created the event (unix seconds); ignore events older than the
    /// last one applied to the job.
    pub created: i64,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    created: Option<i64>,
    data: Option<Value>,
}

/// Parses a Printful v1 webhook body. `Ok(None)` for event types we do not act on and for
/// orders without an `external_id` (not created by us); `Err` for malformed bodies.
pub fn parse_printful_webhook(body: &[u8]) -> Result<Option<WebhookUpdate>, String> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| format!("malformed webhook body: {e}"))?;
    let kind = env.kind.as_str();
    if !matches!(
        kind,
        "package_shipped"
            | "order_failed"
            | "order_canceled"
            | "order_updated"
            | "order_put_hold"
            | "order_remove_hold"
    ) {
        return Ok(None);
    }
    let created = env.created.ok_or("webhook has no `created` time")?;
    let data = env.data.ok_or("webhook has no `data`")?;
    let order =
        data.get("order").filter(|o| o.is_object()).ok_or_else(|| format!("{kind} webhook has no data.order"))?;
    let Some(external_id) = text_of(order.get("external_id")) else {
        return Ok(None);
    };
    let reason = data.get("reason").and_then(Value::as_str).map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    let provider_ref = text_of(order.get("id")).ok_or_else(|| format!("{kind} webhook order has no id"))?;
    let status = order.get("status").and_then(Value::as_str);

    let mut update = match kind {
        // The event itself says what happened, whatever the embedded order says.
        "order_failed" | "order_canceled" => PodUpdate {
            state: if kind == "order_failed" { PodState::Failed } else { PodState::Cancelled },
            provider_ref,
            carrier: None,
            tracking_number: None,
            tracking_url: None,
            reason: None,
        },
        "package_shipped" => {
            let shipment = data.get("shipment").ok_or("package_shipped webhook has no data.shipment")?;
            let shipment = WireShipment::deserialize(shipment).map_err(|e| format!("bad data.shipment: {e}"))?;
            let (carrier, tracking_number, tracking_url) = tracking_of(&shipment);
            PodUpdate {
                // "partial" when only some packages left; otherwise fulfilled.
                state: status.and_then(map_status).unwrap_or(PodState::Shipped),
                provider_ref,
                carrier,
                tracking_number,
                tracking_url,
                reason: None,
            }
        }
        _ => update_from_order(order).map_err(|e| format!("{kind} webhook: {e}"))?,
    };
    update.reason = reason;
    Ok(Some(WebhookUpdate { external_id, update, created }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Option<WebhookUpdate>, String> {
        parse_printful_webhook(v.to_string().as_bytes())
    }

    #[test]
    fn package_shipped() {
        let w = parse(serde_json::json!({
            "type": "package_shipped", "created": 1622456737, "retries": 0, "store": 12,
            "data": {
                "shipment": {"id": 10, "carrier": "USPS", "service": "USPS First Class Mail",
                    "tracking_number": "9400100000000000000000",
                    "tracking_url": "https://www.fedex.com/fedextrack/?tracknumbers=0000000000",
                    "created": 1622456737, "ship_date": "2021-05-31", "shipped_at": 1622456737,
                    "reshipment": false, "items": []},
                "order": {"id": 13, "external_id": "job_42", "status": "fulfilled", "shipping": "STANDARD"}
            }
        }))
        .unwrap()
        .unwrap();
        assert_eq!(w.external_id, "job_42");
        assert_eq!(w.created, 1622456737);
        assert_eq!(w.update.state, PodState::Shipped);
        assert_eq!(w.update.provider_ref, "13");
        assert_eq!(w.update.carrier.as_deref(), Some("USPS"));
        assert_eq!(w.update.tracking_number.as_deref(), Some("9400100000000000000000"));
        assert!(w.update.tracking_url.unwrap().starts_with("https://"));
        assert_eq!(w.update.reason, None);
    }

    #[test]
    fn order_failed_carries_reason() {
        let w = parse(serde_json::json!({
            "type": "order_failed", "created": 1700000000, "retries": 2, "store": 12,
            "data": {"reason": "Print file could not be downloaded",
                     "order": {"id": 14, "external_id": "job-7", "status": "failed"}}
        }))
        .unwrap()
        .unwrap();
        assert_eq!(w.external_id, "job-7");
        assert_eq!(w.update.state, PodState::Failed);
        assert_eq!(w.update.provider_ref, "14");
        assert_eq!(w.update.reason.as_deref(), Some("Print file could not be downloaded"));
    }

    #[test]
    fn order_canceled_and_updates() {
        let w = parse(serde_json::json!({
            "type": "order_canceled", "created": 5,
            "data": {"reason": "Canceled by customer service", "order": {"id": 1, "external_id": "a", "status": "canceled"}}
        }))
        .unwrap()
        .unwrap();
        assert_eq!(w.update.state, PodState::Cancelled);
        assert_eq!(w.update.reason.as_deref(), Some("Canceled by customer service"));

        let w = parse(serde_json::json!({
            "type": "order_put_hold", "created": 6,
            "data": {"reason": "Address check", "order": {"id": 1, "external_id": "a", "status": "onhold"}}
        }))
        .unwrap()
        .unwrap();
        assert_eq!(w.update.state, PodState::InProduction);
        assert_eq!(w.update.reason.as_deref(), Some("Address check"));

        let w = parse(serde_json::json!({
            "type": "order_updated", "created": 7,
            "data": {"order": {"id": 1, "external_id": "a", "status": "inprocess", "shipments": []}}
        }))
        .unwrap()
        .unwrap();
        assert_eq!(w.update.state, PodState::InProduction);
        assert_eq!(w.created, 7);
    }

    #[test]
    fn ignored_and_malformed() {
        for body in [
            serde_json::json!({"type": "product_synced", "created": 1, "data": {"sync_product": {}}}),
            serde_json::json!({"type": "stock_updated", "created": 1, "data": {}}),
            // an order placed outside Boptone has no external id
            serde_json::json!({"type": "order_updated", "created": 1,
                "data": {"order": {"id": 9, "external_id": null, "status": "pending"}}}),
        ] {
            assert_eq!(parse(body).unwrap(), None);
        }
        assert!(parse_printful_webhook(b"{not json").is_err());
        assert!(parse_printful_webhook(b"").is_err());
        assert!(parse(serde_json::json!({"created": 1})).is_err());
        assert!(parse(serde_json::json!({"type": "order_failed", "created": 1})).is_err());
        assert!(
            parse(serde_json::json!({"type": "order_failed", "data": {"order": {"id": 1, "external_id": "a"}}}))
                .is_err()
        );
        assert!(
            parse(serde_json::json!({"type": "order_updated", "created": 1,
                "data": {"order": {"id": 1, "external_id": "a", "status": "teleported"}}}))
            .is_err()
        );
    }
}
