//! Orders, their items and refunds; shipping zones.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::core::ids::{ArtistId, OrderId, ProductId, UserId, VariantId};
use crate::shop::domain::{OrderStatus, ProductKind, ShippingAddress};

pub struct NewOrder<'a> {
    pub uid: &'a str,
    pub artist: ArtistId,
    pub fan: UserId,
    pub currency: &'a str,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub fee_minor: i64,
    pub shipping_address: Option<&'a ShippingAddress>,
    pub email: &'a str,
    pub provider: &'a str,
    pub payment_ref: &'a str,
    pub reserved_until: i64,
    pub download_limit: i64,
    pub download_ttl_ms: i64,
}

pub fn insert_order(conn: &Connection, order: &NewOrder<'_>, now: i64) -> rusqlite::Result<OrderId> {
    let address = order.shipping_address.map(|a| serde_json::to_string(a).expect("an address serialises"));
    conn.prepare_cached(
        "INSERT INTO orders (uid, artist_id, fan_user_id, status, currency, subtotal_minor, shipping_minor, total_minor,
             fee_minor, shipping_address, email, provider, payment_ref, reserved_until, download_limit, download_ttl_ms,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?5 + ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?14, ?15, ?13, ?13) RETURNING id",
    )?
    .query_row(
        params![
            order.uid,
            order.artist,
            order.fan,
            order.currency,
            order.subtotal_minor,
            order.shipping_minor,
            order.fee_minor,
            address,
            order.email,
            order.provider,
            order.payment_ref,
            order.reserved_until,
            now,
            order.download_limit,
            order.download_ttl_ms
        ],
        |r| r.get(0),
    )
}

pub struct NewItem<'a> {
    pub product: ProductId,
    pub variant: VariantId,
    pub kind: ProductKind,
    pub title: &'a str,
    pub options_label: &'a str,
    pub sku: &'a str,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub tracked: bool,
}

pub fn insert_item(conn: &Connection, order: OrderId, item: &NewItem<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO order_items (order_id, product_id, variant_id, kind, title, options_label, sku, unit_price_minor,
                                  quantity, tracked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        order,
        item.product,
        item.variant,
        item.kind,
        item.title,
        item.options_label,
        item.sku,
        item.unit_price_minor,
        item.quantity,
        item.tracked
    ])?;
    Ok(())
}

pub fn set_payment_ref(conn: &Connection, order: OrderId, payment_ref: &str) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE orders SET payment_ref = ?2 WHERE id = ?1", params![order, payment_ref])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: OrderId,
    pub uid: String,
    pub artist_id: ArtistId,
    pub fan_user_id: UserId,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub fee_minor: i64,
    pub refunded_minor: i64,
    pub shipping_address: Option<ShippingAddress>,
    pub email: String,
    pub provider: String,
    pub payment_ref: String,
    pub reserved_until: i64,
    pub paid_at: Option<i64>,
    pub shipped_at: Option<i64>,
    pub carrier: String,
    pub tracking_number: String,
    pub refund_due: bool,
    pub download_limit: i64,
    pub download_ttl_ms: i64,
    pub created_at: i64,
}

const ORDER_SELECT: &str = "SELECT id, uid, artist_id, fan_user_id, status, currency, subtotal_minor, shipping_minor,
        total_minor, fee_minor, refunded_minor, shipping_address, email, provider, payment_ref, reserved_until, paid_at,
        shipped_at, carrier, tracking_number, refund_due, download_limit, download_ttl_ms, created_at FROM orders";

fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    let address: Option<String> = r.get(11)?;
    Ok(OrderRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        artist_id: r.get(2)?,
        fan_user_id: r.get(3)?,
        status: r.get(4)?,
        currency: r.get(5)?,
        subtotal_minor: r.get(6)?,
        shipping_minor: r.get(7)?,
        total_minor: r.get(8)?,
        fee_minor: r.get(9)?,
        refunded_minor: r.get(10)?,
        shipping_address: address.and_then(|a| serde_json::from_str(&a).ok()),
        email: r.get(12)?,
        provider: r.get(13)?,
        payment_ref: r.get(14)?,
        reserved_until: r.get(15)?,
        paid_at: r.get(16)?,
        shipped_at: r.get(17)?,
        carrier: r.get(18)?,
        tracking_number: r.get(19)?,
        refund_due: r.get(20)?,
        download_limit: r.get(21)?,
        download_ttl_ms: r.get(22)?,
        created_at: r.get(23)?,
    })
}

pub fn find_order(conn: &Connection, uid: &str) -> rusqlite::Result<Option<OrderRow>> {
    conn.prepare_cached(&format!("{ORDER_SELECT} WHERE uid = ?1"))?.query_row([uid], order_row).optional()
}

pub fn find_order_by_id(conn: &Connection, id: OrderId) -> rusqlite::Result<Option<OrderRow>> {
    conn.prepare_cached(&format!("{ORDER_SELECT} WHERE id = ?1"))?.query_row([id], order_row).optional()
}

pub fn find_order_by_payment(conn: &Connection, payment_ref: &str) -> rusqlite::Result<Option<OrderRow>> {
    conn.prepare_cached(&format!("{ORDER_SELECT} WHERE payment_ref = ?1"))?
        .query_row([payment_ref], order_row)
        .optional()
}

/// The artist's orders, newest first, by status or every one a fan paid
/// for (unpaid and lapsed checkouts are not orders yet), keyset on id.
pub fn list_orders_for_artist(
    conn: &Connection,
    artist: ArtistId,
    status: Option<OrderStatus>,
    before: Option<OrderId>,
    limit: usize,
) -> rusqlite::Result<Vec<OrderRow>> {
    let before = before.map_or(i64::MAX, |b| b.0);
    match status {
        Some(status) => conn
            .prepare_cached(&format!(
                "{ORDER_SELECT} WHERE artist_id = ?1 AND status = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4"
            ))?
            .query_map(params![artist, status, before, limit as i64], order_row)?
            .collect(),
        None => conn
            .prepare_cached(&format!(
                "{ORDER_SELECT} WHERE artist_id = ?1 AND status <> 'pending' AND status <> 'expired' AND id < ?2
                 ORDER BY id DESC LIMIT ?3"
            ))?
            .query_map(params![artist, before, limit as i64], order_row)?
            .collect(),
    }
}

/// Unpaid orders of a fan still holding units, counted up to `limit` (the
/// count stays as cheap as the limit is small).
pub fn count_pending_for_fan(conn: &Connection, fan: UserId, limit: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE fan_user_id = ?1 AND status = 'pending' LIMIT ?2)",
    )?
    .query_row(params![fan, limit], |r| r.get(0))
}

pub fn list_orders_for_fan(
    conn: &Connection,
    fan: UserId,
    before: Option<OrderId>,
    limit: usize,
) -> rusqlite::Result<Vec<OrderRow>> {
    conn.prepare_cached(&format!("{ORDER_SELECT} WHERE fan_user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"))?
        .query_map(params![fan, before.map_or(i64::MAX, |b| b.0), limit as i64], order_row)?
        .collect()
}

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: i64,
    pub order_id: OrderId,
    pub product_id: ProductId,
    pub variant_id: VariantId,
    pub kind: ProductKind,
    pub title: String,
    pub options_label: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub tracked: bool,
    pub refunded_quantity: i64,
}

pub fn items_of(conn: &Connection, order: OrderId) -> rusqlite::Result<Vec<ItemRow>> {
    conn.prepare_cached(
        "SELECT id, order_id, product_id, variant_id, kind, title, options_label, sku, unit_price_minor, quantity,
                tracked, refunded_quantity
         FROM order_items WHERE order_id = ?1 ORDER BY id",
    )?
    .query_map([order], |r| {
        Ok(ItemRow {
            id: r.get(0)?,
            order_id: r.get(1)?,
            product_id: r.get(2)?,
            variant_id: r.get(3)?,
            kind: r.get(4)?,
            title: r.get(5)?,
            options_label: r.get(6)?,
            sku: r.get(7)?,
            unit_price_minor: r.get(8)?,
            quantity: r.get(9)?,
            tracked: r.get(10)?,
            refunded_quantity: r.get(11)?,
        })
    })?
    .collect()
}

/// Moves an order from one status to another; false when it was not in
/// `from` (another request moved it first).
pub fn move_order(
    conn: &Connection,
    order: OrderId,
    from: OrderStatus,
    to: OrderStatus,
    now: i64,
) -> rusqlite::Result<bool> {
    let stamp = match to {
        OrderStatus::Paid => ", paid_at = ?4",
        OrderStatus::Shipped => ", shipped_at = ?4",
        OrderStatus::Cancelled => ", cancelled_at = ?4",
        _ => "",
    };
    let changed = conn
        .prepare_cached(&format!(
            "UPDATE orders SET status = ?3, updated_at = ?4{stamp} WHERE id = ?1 AND status = ?2"
        ))?
        .execute(params![order, from, to, now])?;
    Ok(changed == 1)
}

pub fn set_tracking(conn: &Connection, order: OrderId, carrier: &str, tracking: &str) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE orders SET carrier = ?2, tracking_number = ?3 WHERE id = ?1",
        params![order, carrier, tracking],
    )?;
    Ok(())
}

pub fn set_refund_due(conn: &Connection, order: OrderId, due: bool) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE orders SET refund_due = ?2 WHERE id = ?1", params![order, due])?;
    Ok(())
}

pub fn orders_with_refund_due(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<OrderRow>> {
    conn.prepare_cached(&format!("{ORDER_SELECT} WHERE refund_due = 1 ORDER BY id LIMIT ?1"))?
        .query_map([limit as i64], order_row)?
        .collect()
}

/// Whether any checkout lapsed unpaid before `before`.
pub fn any_expired_before(conn: &Connection, before: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM orders WHERE status = 'expired' AND updated_at < ?1 LIMIT 1")?.exists([before])
}

/// Deletes up to `limit` checkouts that lapsed unpaid before `before`
/// (nothing was sold: no refund, no download, no print job refers to them).
pub fn prune_expired(conn: &Connection, before: i64, limit: usize) -> rusqlite::Result<usize> {
    conn.execute_cached("CREATE TEMP TABLE IF NOT EXISTS pruned_orders (id INTEGER PRIMARY KEY)", [])?;
    conn.execute_cached("DELETE FROM temp.pruned_orders", [])?;
    conn.execute_cached(
        "INSERT INTO temp.pruned_orders (id)
         SELECT id FROM orders WHERE status = 'expired' AND refund_due = 0 AND updated_at < ?1
           AND NOT EXISTS (SELECT 1 FROM order_refunds r WHERE r.order_id = orders.id)
         LIMIT ?2",
        params![before, limit as i64],
    )?;
    conn.execute_cached("DELETE FROM order_items WHERE order_id IN (SELECT id FROM temp.pruned_orders)", [])?;
    conn.execute_cached("DELETE FROM orders WHERE id IN (SELECT id FROM temp.pruned_orders)", [])
}

/// Pending orders whose hold ended before `now`.
pub fn lapsed_orders(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<OrderRow>> {
    conn.prepare_cached(&format!(
        "{ORDER_SELECT} WHERE status = 'pending' AND reserved_until < ?1 ORDER BY reserved_until LIMIT ?2"
    ))?
    .query_map(params![now, limit as i64], order_row)?
    .collect()
}

pub struct NewRefund<'a> {
    pub uid: &'a str,
    pub order: OrderId,
    pub amount_minor: i64,
    pub fee_refunded_minor: i64,
    pub items_json: &'a str,
    pub provider_ref: &'a str,
}

/// Records a refund and its items' quantities, and adds it to the order.
pub fn insert_refund(
    conn: &Connection,
    refund: &NewRefund<'_>,
    items: &[(i64, i64)],
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO order_refunds (uid, order_id, amount_minor, fee_refunded_minor, items, provider_ref, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        refund.uid,
        refund.order,
        refund.amount_minor,
        refund.fee_refunded_minor,
        refund.items_json,
        refund.provider_ref,
        now
    ])?;
    for (item, quantity) in items {
        conn.prepare_cached("UPDATE order_items SET refunded_quantity = refunded_quantity + ?2 WHERE id = ?1")?
            .execute(params![item, quantity])?;
    }
    conn.prepare_cached("UPDATE orders SET refunded_minor = refunded_minor + ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![refund.order, refund.amount_minor, now])?;
    Ok(())
}

pub fn count_refunds(conn: &Connection, order: OrderId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM order_refunds WHERE order_id = ?1")?.query_row([order], |r| r.get(0))
}

/// Fees already given back on an order's refunds.
pub fn fee_refunded(conn: &Connection, order: OrderId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COALESCE(SUM(fee_refunded_minor), 0) FROM order_refunds WHERE order_id = ?1")?
        .query_row([order], |r| r.get(0))
}

#[derive(Debug, Clone)]
pub struct ZoneRow {
    pub uid: String,
    pub name: String,
    pub countries: Vec<String>,
    pub currency: String,
    pub first_item_minor: i64,
    pub additional_item_minor: i64,
    pub free_above_minor: Option<i64>,
}

pub fn zones_of(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Vec<ZoneRow>> {
    conn.prepare_cached(
        "SELECT uid, name, countries, currency, first_item_minor, additional_item_minor, free_above_minor
         FROM shipping_zones WHERE artist_id = ?1 AND deleted_at IS NULL ORDER BY id",
    )?
    .query_map([artist], |r| {
        Ok(ZoneRow {
            uid: r.get(0)?,
            name: r.get(1)?,
            countries: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
            currency: r.get(3)?,
            first_item_minor: r.get(4)?,
            additional_item_minor: r.get(5)?,
            free_above_minor: r.get(6)?,
        })
    })?
    .collect()
}

pub fn insert_zone(conn: &Connection, artist: ArtistId, zone: &ZoneRow, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO shipping_zones (uid, artist_id, name, countries, currency, first_item_minor, additional_item_minor,
                                     free_above_minor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        zone.uid,
        artist,
        zone.name,
        serde_json::to_string(&zone.countries).expect("codes serialise"),
        zone.currency,
        zone.first_item_minor,
        zone.additional_item_minor,
        zone.free_above_minor,
        now
    ])?;
    Ok(())
}

pub fn delete_zone(conn: &Connection, artist: ArtistId, uid: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE shipping_zones SET deleted_at = ?3 WHERE uid = ?1 AND artist_id = ?2 AND deleted_at IS NULL",
        params![uid, artist, now],
    )?;
    Ok(changed == 1)
}
