//! The artist's orders in the studio: the list by status, an order's page,
//! shipping it, cancelling, refunding whole or per item, retrying a failed
//! print-on-demand job.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::domain::{FieldErrors, OrderStatus, ShippingAddress};
use super::orders::{self, RefundRequest, ShipInput};
use super::repo::{self, OrderRow, PodJobRow};
use super::studio::ListQuery;
use super::views::{ItemView, item_view};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::{ArtistScope, RevenueReady};
use crate::web::money::format_money;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/shop/orders", get(list_orders))
        .route("/studio/shop/orders/{id}", get(show_order))
        .route("/studio/shop/orders/{id}/ship", post(ship_order))
        .route("/studio/shop/orders/{id}/cancel", post(cancel_order))
        .route("/studio/shop/orders/{id}/refund", post(refund_order))
        .route("/studio/shop/orders/{id}/pod/retry", post(retry_pod))
}

const PAGE: usize = 30;

#[derive(Serialize)]
struct OrderLine {
    id: String,
    status: &'static str,
    status_label: &'static str,
    total: String,
    email: String,
    at: String,
}

fn minute(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

fn line(order: &OrderRow) -> OrderLine {
    OrderLine {
        id: order.uid.clone(),
        status: order.status.as_str(),
        status_label: order.status.label(),
        total: format_money(order.total_minor, &order.currency),
        email: order.email.clone(),
        at: minute(order.created_at),
    }
}

#[derive(Serialize)]
struct ListView {
    title: &'static str,
    orders: Vec<OrderLine>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    older_url: Option<String>,
    first_page: bool,
}

async fn list_orders(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(word) => {
            Some(OrderStatus::parse(word).ok_or_else(|| AppError::BadRequest("Unknown order status.".into()))?)
        }
        None => None,
    };
    let first_page = query.before.is_none();
    let (rows, next) = orders::list_orders(&state, scope.artist.id, status, query.before, PAGE).await?;
    let status_query = status.map(|s| format!("&status={}", s.as_str())).unwrap_or_default();
    let view = ListView {
        title: "Orders",
        orders: rows.iter().map(line).collect(),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        statuses: [OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Refunded, OrderStatus::Cancelled]
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        older_url: next.map(|uid| format!("/studio/shop/orders?before={uid}{status_query}")),
        first_page,
    };
    Ok(page.render(&state, "shop/orders.html", view)?.into_response())
}

#[derive(Serialize)]
struct OrderView {
    title: String,
    order: OrderLine,
    items: Vec<ItemView>,
    subtotal: String,
    shipping: String,
    refunded: String,
    refunded_minor: i64,
    fee: String,
    address: Option<ShippingAddress>,
    carrier: String,
    tracking_number: String,
    can_ship: bool,
    can_cancel: bool,
    can_refund: bool,
    pod: Option<PodView>,
    message: Option<&'static str>,
    errors: FieldErrors,
    ship: ShipInput,
}

#[derive(Serialize)]
struct PodView {
    state: String,
    attempts: i64,
    last_error: String,
    tracking_url: String,
    can_retry: bool,
}

fn pod_view(job: &PodJobRow) -> PodView {
    PodView {
        state: job.state.replace('_', " "),
        attempts: job.attempts,
        last_error: job.last_error.clone(),
        tracking_url: job.tracking_url.clone(),
        can_retry: job.state == "failed",
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn order_view(state: &AppState, scope: &ArtistScope, uid: String) -> AppResult<OrderView> {
    let (order, items) = orders::own_order(state, scope.artist.id, uid).await?;
    let id = order.id;
    let pod = state.db.read(move |c| repo::find_pod_job_for_order(c, id)).await?;
    let money = |minor: i64| format_money(minor, &order.currency);
    let open = matches!(order.status, OrderStatus::Paid | OrderStatus::Shipped);
    Ok(OrderView {
        title: format!("Order {}", &order.uid[..8]),
        items: items.iter().map(|i| item_view(i, &order.currency)).collect(),
        subtotal: money(order.subtotal_minor),
        shipping: money(order.shipping_minor),
        refunded: money(order.refunded_minor),
        refunded_minor: order.refunded_minor,
        fee: money(order.fee_minor),
        address: order.shipping_address.clone(),
        carrier: order.carrier.clone(),
        tracking_number: order.tracking_number.clone(),
        can_ship: order.status == OrderStatus::Paid && order.shipping_address.is_some() && pod.is_none(),
        can_cancel: order.status == OrderStatus::Paid,
        can_refund: open && order.refunded_minor < order.total_minor,
        pod: pod.as_ref().map(pod_view),
        order: line(&order),
        message: None,
        errors: FieldErrors::new(),
        ship: ShipInput::default(),
    })
}

fn message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "shipped" => "Marked as shipped: the fan was emailed the tracking number.",
        "cancelled" => "Order cancelled and refunded in full.",
        "refunded" => "Refunded. Items that were in stock are back in stock.",
        "retry" => "The print-on-demand job will be sent again shortly.",
        _ => return None,
    })
}

async fn show_order(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Query(query): Query<DoneQuery>,
) -> AppResult<Response> {
    let view = OrderView { message: message(query.done.as_deref()), ..order_view(&state, &scope, uid).await? };
    Ok(page.render(&state, "shop/order.html", view)?.into_response())
}

/// A refused action comes back on the order's page with its message.
async fn again(
    state: &AppState,
    page: &Page,
    scope: &ArtistScope,
    uid: String,
    err: AppError,
    ship: ShipInput,
) -> AppResult<Response> {
    let (status, errors) = match err {
        AppError::Invalid { fields, .. } => (StatusCode::UNPROCESSABLE_ENTITY, fields),
        AppError::Conflict(why) => (StatusCode::CONFLICT, FieldErrors::from([("order".to_owned(), why)])),
        other => return Err(other),
    };
    let view = OrderView { errors, ship, ..order_view(state, scope, uid).await? };
    Ok((status, page.render(state, "shop/order.html", view)?).into_response())
}

async fn ship_order(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(input): Form<ShipInput>,
) -> AppResult<Response> {
    match orders::ship_order(&state, &scope.artist, uid.clone(), input.clone()).await {
        Ok(()) => Ok(Redirect::to(&format!("/studio/shop/orders/{uid}?done=shipped")).into_response()),
        Err(err) => again(&state, &page, &scope, uid, err, input).await,
    }
}

async fn cancel_order(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    match orders::cancel_order(&state, scope.artist.id, uid.clone()).await {
        Ok(()) => Ok(Redirect::to(&format!("/studio/shop/orders/{uid}?done=cancelled")).into_response()),
        Err(err) => again(&state, &page, &scope, uid, err, ShipInput::default()).await,
    }
}

/// The refund form: `all=1`, or `qty_{item id}` = units per item.
async fn refund_order(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let request = if form.get("all").is_some_and(|v| v == "1") {
        RefundRequest::Rest
    } else {
        let mut items = Vec::new();
        for (key, value) in &form {
            let Some(item) = key.strip_prefix("qty_").and_then(|id| id.parse::<i64>().ok()) else { continue };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match value.parse::<i64>() {
                Ok(quantity) if quantity >= 0 => items.push((item, quantity)),
                _ => {
                    return again(
                        &state,
                        &page,
                        &scope,
                        uid,
                        AppError::invalid("items", "Quantities are whole numbers."),
                        ShipInput::default(),
                    )
                    .await;
                }
            }
        }
        RefundRequest::Items(items)
    };
    match orders::refund_order(&state, scope.artist.id, uid.clone(), request).await {
        Ok(_) => Ok(Redirect::to(&format!("/studio/shop/orders/{uid}?done=refunded")).into_response()),
        Err(err) => again(&state, &page, &scope, uid, err, ShipInput::default()).await,
    }
}

async fn retry_pod(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    match super::pod::retry(&state, scope.artist.id, uid.clone()).await {
        Ok(()) => Ok(Redirect::to(&format!("/studio/shop/orders/{uid}?done=retry")).into_response()),
        Err(err) => again(&state, &page, &scope, uid, err, ShipInput::default()).await,
    }
}
