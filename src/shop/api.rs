//! The app surface of the shop: `/api/v1/…`, JSON, bearer tokens. Fans
//! browse an artist's active products, start orders (units held while
//! they pay), pay with test money in the sandbox, and see their orders,
//! receipts and download links.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::checkout::{self, OrderStarted, StartOrder};
use super::views::{FanOrderView, ProductSummary, ProductView};
use super::{public, repo};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/artists/{id}/products", get(list_artist_products))
        .route("/products/{id}", get(show_product))
        .route("/orders", post(create_order).get(list_my_orders))
        .route("/orders/quote", post(quote_order))
        .route("/orders/{id}", get(show_order).delete(cancel_order))
        .route("/orders/{id}/confirm", post(confirm_order))
}

#[derive(Deserialize)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

fn limit(query: &PageQuery) -> AppResult<usize> {
    let limit = query.limit.unwrap_or(20);
    if (1..=50).contains(&limit) { Ok(limit) } else { Err(AppError::invalid("limit", "Ask for 1 to 50 at a time.")) }
}

/// An artist's active products, newest first.
async fn list_artist_products(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(artist_uid): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<Page<ProductSummary>>> {
    let limit = limit(&query)?;
    let (items, next_cursor) = public::list_products(&state, artist_uid, query.cursor, limit).await?;
    Ok(Json(Page { items, next_cursor }))
}

async fn show_product(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<Json<ProductView>> {
    Ok(Json(public::product(&state, uid).await?))
}

async fn create_order(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(request): Json<StartOrder>,
) -> AppResult<(StatusCode, Json<OrderStarted>)> {
    let started = checkout::start_order(&state, &user, request).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// What the cart would cost now, shipping included; nothing is held.
async fn quote_order(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(request): Json<StartOrder>,
) -> AppResult<Json<checkout::Quote>> {
    Ok(Json(checkout::quote_order(&state, &user, request).await?))
}

/// The fan gives up an unpaid order (to change the cart or address): the
/// units go back at once instead of when the hold ends.
async fn cancel_order(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<StatusCode> {
    super::settle::cancel_unpaid(&state, user.id, uid).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_my_orders(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<Page<FanOrderView>>> {
    let limit = limit(&query)?;
    let (items, next_cursor) = public::fan_orders(&state, user.id, query.cursor, limit).await?;
    Ok(Json(Page { items, next_cursor }))
}

async fn show_order(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<Json<FanOrderView>> {
    Ok(Json(public::fan_order(&state, user.id, uid).await?))
}

/// The sandbox's payment: the fan pays their own pending order with test
/// money, settled exactly as the provider's webhook would.
async fn confirm_order(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<Json<FanOrderView>> {
    let (lookup, fan) = (uid.clone(), user.id);
    let order = state.db.read(move |c| repo::find_order(c, &lookup)).await?;
    let order = order.filter(|o| o.fan_user_id == fan).ok_or(AppError::NotFound)?;
    crate::payments::confirm_sandbox_payment(&state, fan, order.payment_ref).await?;
    Ok(Json(public::fan_order(&state, fan, uid).await?))
}
