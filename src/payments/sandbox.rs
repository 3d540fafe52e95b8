//! The sandbox provider: checkout and payout onboarding as local pages,
//! under a TEST MONEY banner, settled through the same service code as
//! Stripe's webhooks.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::{AccountStatus, CheckoutStart};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::service;
use crate::identity::session::ArtistScope;
use crate::web::page::Page;

pub fn start_subscription() -> CheckoutStart {
    let checkout_ref = format!("sbx_cs_{}", uuid::Uuid::new_v4().simple());
    CheckoutStart { redirect_url: format!("/sandbox/checkout/{checkout_ref}"), checkout_ref }
}

pub fn new_account_ref() -> String {
    format!("sbx_acct_{}", uuid::Uuid::new_v4().simple())
}

pub fn onboarding_url(account_ref: &str) -> String {
    format!("/sandbox/connect/{account_ref}")
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sandbox/checkout/{checkout_ref}", get(show_checkout))
        .route("/sandbox/checkout/{checkout_ref}/complete", post(complete_checkout))
        .route("/sandbox/checkout/{checkout_ref}/cancel", post(cancel_checkout))
        .route("/sandbox/connect/{account_ref}", get(show_connect).post(submit_connect))
}

fn require_sandbox(state: &AppState) -> AppResult<()> {
    if state.payments.is_sandbox() { Ok(()) } else { Err(AppError::NotFound) }
}

#[derive(Serialize)]
struct CheckoutView {
    title: &'static str,
    checkout_ref: String,
    tier_name: String,
    price: String,
    interval: String,
    email: String,
}

async fn show_checkout(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(checkout_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    let checkout = service::pending_checkout(&state, &scope.artist, &checkout_ref).await?;
    let tier = state.config.tiers.get(&checkout.tier).ok_or(AppError::NotFound)?;
    let view = CheckoutView {
        title: "Checkout (test money)",
        checkout_ref,
        tier_name: tier.name.clone(),
        price: crate::web::money::format_money(checkout.amount_minor, &checkout.currency),
        interval: tier.interval.clone(),
        email: scope.artist.email.clone(),
    };
    Ok(page.render(&state, "payments/sandbox_checkout.html", view)?.into_response())
}

async fn complete_checkout(
    State(state): State<AppState>,
    scope: ArtistScope,
    Path(checkout_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    service::pending_checkout(&state, &scope.artist, &checkout_ref).await?;
    let customer = format!("sbx_cus_{}", scope.artist.uid);
    let subscription = format!("sbx_sub_{}", uuid::Uuid::new_v4().simple());
    state
        .db
        .write_durable(move |tx| {
            let done = service::CompletedCheckout {
                checkout_ref: &checkout_ref,
                customer_ref: Some(&customer),
                subscription_ref: Some(&subscription),
                paid: true,
                at: crate::db::now_ms(),
            };
            service::apply_checkout_completed(tx, &done)
        })
        .await?;
    Ok(Redirect::to("/artist/setup").into_response())
}

async fn cancel_checkout(
    State(state): State<AppState>,
    scope: ArtistScope,
    Path(checkout_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    service::pending_checkout(&state, &scope.artist, &checkout_ref).await?;
    Ok(Redirect::to("/artist/subscription?checkout=cancelled").into_response())
}

#[derive(Serialize, Default)]
struct ConnectView {
    title: &'static str,
    account_ref: String,
    legal_name: String,
    country: String,
    account_number: String,
    errors: BTreeMap<String, String>,
}

fn own_account(scope: &ArtistScope, account_ref: &str) -> AppResult<()> {
    if scope.artist.connect_account.as_deref() == Some(account_ref) { Ok(()) } else { Err(AppError::NotFound) }
}

async fn show_connect(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(account_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    own_account(&scope, &account_ref)?;
    let view = ConnectView {
        title: "Payouts (test money)",
        account_ref,
        country: "US".into(),
        account_number: "000123456789".into(),
        ..ConnectView::default()
    };
    Ok(page.render(&state, "payments/sandbox_connect.html", view)?.into_response())
}

#[derive(Deserialize)]
struct ConnectForm {
    legal_name: String,
    country: String,
    account_number: String,
}

async fn submit_connect(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(account_ref): Path<String>,
    Form(form): Form<ConnectForm>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    own_account(&scope, &account_ref)?;
    let mut errors = BTreeMap::new();
    if form.legal_name.trim().len() < 2 {
        errors.insert("legal_name".into(), "Enter the name on the bank account.".into());
    }
    if !matches!(form.country.as_str(), "US" | "GB" | "CA" | "DE" | "FR" | "NG" | "AU") {
        errors.insert("country".into(), "Choose a country from the list.".into());
    }
    let digits = form.account_number.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if digits.len() < 6 || digits.len() > 17 || !digits.chars().all(|c| c.is_ascii_digit()) {
        errors.insert("account_number".into(), "Enter 6 to 17 digits.".into());
    }
    if !errors.is_empty() {
        let view = ConnectView {
            title: "Payouts (test money)",
            account_ref,
            legal_name: form.legal_name,
            country: form.country,
            account_number: form.account_number,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "payments/sandbox_connect.html", view)?)
            .into_response());
    }
    let status = AccountStatus { charges_enabled: true, payouts_enabled: true, details_submitted: true };
    state
        .db
        .write_durable(move |tx| service::apply_account_status(tx, &account_ref, status, crate::db::now_ms()))
        .await?;
    Ok(Redirect::to("/dashboard").into_response())
}
