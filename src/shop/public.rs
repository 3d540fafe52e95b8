//! What fans see: an artist's active products, a product, their own orders.

use super::domain::ProductStatus;
use super::products::load_full;
use super::repo;
use super::views::{FanOrderView, OrderArtist, ProductSummary, ProductView};
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};

/// An artist's active products, newest first, after `cursor` (a product id).
pub async fn list_products(
    state: &AppState,
    artist_uid: String,
    cursor: Option<String>,
    limit: usize,
) -> AppResult<(Vec<ProductSummary>, Option<String>)> {
    let rows = state
        .db
        .read(move |c| {
            let artist = crate::identity::artist_by_uid(c, &artist_uid)?;
            let Some(artist) = artist.filter(|a| !a.suspended && a.onboarding_completed) else { return Ok(None) };
            // A cursor is a product of this artist's, even one deleted since.
            let before = match cursor {
                Some(uid) => match repo::row_id_of(c, &uid)? {
                    Some(id) if repo::product_artist(c, id)? == Some(artist.id) => Some(id),
                    _ => return Ok(Some(Err(AppError::invalid("cursor", "This page link is out of date.")))),
                },
                None => None,
            };
            let mut products =
                repo::list_products_for_artist(c, artist.id, Some(ProductStatus::Active), before, limit + 1)?;
            products.retain(|p| !p.hidden);
            let next = (products.len() > limit).then(|| {
                products.truncate(limit);
                products.last().map(|p| p.uid.clone()).unwrap_or_default()
            });
            let ids: Vec<_> = products.iter().map(|p| p.id).collect();
            let covers = repo::covers_of(c, &ids)?;
            let mut rows = Vec::with_capacity(products.len());
            for product in products {
                let variants = repo::variants_of(c, product.id)?;
                let cover = covers.iter().find(|p| p.product_id == product.id).cloned();
                rows.push((product, variants, cover));
            }
            Ok(Some(Ok((rows, next))))
        })
        .await?
        .ok_or(AppError::NotFound)??;
    let (rows, next) = rows;
    let items = rows.iter().map(|(p, v, c)| ProductSummary::new(p, v, c.as_ref(), &state.media)).collect();
    Ok((items, next))
}

/// An active product of a visible artist.
pub async fn product(state: &AppState, uid: String) -> AppResult<ProductView> {
    Ok(product_and_handle(state, uid).await?.0)
}

/// An active product of a visible artist, and the artist's handle: one read.
pub async fn product_and_handle(state: &AppState, uid: String) -> AppResult<(ProductView, Option<String>)> {
    let found = state
        .db
        .read(move |c| {
            let Some(product) = repo::find_product(c, &uid)?.filter(|p| p.on_sale()) else {
                return Ok(None);
            };
            let Some(artist) = crate::identity::service::artist_face(c, product.artist_id)?.filter(|a| a.visible)
            else {
                return Ok(None);
            };
            Ok(Some((load_full(c, product)?, artist)))
        })
        .await?;
    let (full, artist) = found.ok_or(AppError::NotFound)?;
    Ok((ProductView::new(&full, artist.uid, artist.name, &state.media), artist.handle))
}

pub async fn fan_orders(
    state: &AppState,
    fan: UserId,
    cursor: Option<String>,
    limit: usize,
) -> AppResult<(Vec<FanOrderView>, Option<String>)> {
    let now = state.clock.now_ms();
    state
        .db
        .read(move |c| {
            let before = match cursor {
                Some(uid) => repo::find_order(c, &uid)?.filter(|o| o.fan_user_id == fan).map(|o| o.id),
                None => None,
            };
            let (orders, next) = super::orders::page(repo::list_orders_for_fan(c, fan, before, limit + 1)?, limit);
            let mut views = Vec::with_capacity(orders.len());
            for order in &orders {
                let (items, grants) = (repo::items_of(c, order.id)?, repo::grants_of_order(c, order.id)?);
                views.push(FanOrderView::new(order, order_artist(c, order)?, &items, &grants, now));
            }
            Ok((views, next))
        })
        .await
        .map_err(AppError::from)
}

/// A fan's own order; anyone else's is as good as missing.
pub async fn fan_order(state: &AppState, fan: UserId, uid: String) -> AppResult<FanOrderView> {
    let now = state.clock.now_ms();
    state
        .db
        .read(move |c| {
            let Some(order) = repo::find_order(c, &uid)?.filter(|o| o.fan_user_id == fan) else { return Ok(None) };
            let (items, grants) = (repo::items_of(c, order.id)?, repo::grants_of_order(c, order.id)?);
            let view = FanOrderView::new(&order, order_artist(c, &order)?, &items, &grants, now);
            Ok(Some(view))
        })
        .await?
        .ok_or(AppError::NotFound)
}

fn order_artist(c: &rusqlite::Connection, order: &super::repo::OrderRow) -> rusqlite::Result<OrderArtist> {
    Ok(OrderArtist {
        id: crate::identity::service::artist_uid(c, order.artist_id)?,
        name: crate::identity::service::artist_stage_name(c, order.artist_id)?,
    })
}

/// What an order sold, per product: (product uid, title, amount in minor
/// units before shipping, quantity). For other pillars (analytics).
pub fn sold_lines(conn: &rusqlite::Connection, order: i64) -> rusqlite::Result<Vec<(String, String, i64, i64)>> {
    conn.prepare_cached(
        "SELECT p.uid, min(i.title), sum(i.unit_price_minor * i.quantity), sum(i.quantity)
         FROM order_items i JOIN products p ON p.id = i.product_id
         WHERE i.order_id = ?1 GROUP BY p.id ORDER BY p.id",
    )?
    .query_map([order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
    .collect()
}

/// A product on sale by a visible artist, as a report describes it.
pub async fn report_target(state: &AppState, uid: &str) -> AppResult<Option<crate::pillar::ReportTarget>> {
    let uid = uid.to_owned();
    Ok(state
        .db
        .read_now(move |c| {
            let Some(product) = repo::find_product(c, &uid)?.filter(|p| p.on_sale()) else {
                return Ok(None);
            };
            let author = crate::identity::service::visible_artist_user(c, product.artist_id)?;
            Ok(author
                .map(|a| crate::pillar::ReportTarget::new(a, &product.title, format!("/products/{}", product.uid))))
        })
        .await?)
}

/// The Shop tab of the artist's page: products on sale, newest first.
pub async fn profile_tab(state: &AppState, request: &crate::pillar::ProfileTabRequest) -> AppResult<String> {
    let (products, next_cursor) = list_products(state, request.artist_uid.clone(), request.cursor.clone(), 24).await?;
    let context = serde_json::json!({ "handle": request.handle, "products": products, "next_cursor": next_cursor });
    Ok(state.views.render("shop/_profile_tab.html", context)?.0)
}
