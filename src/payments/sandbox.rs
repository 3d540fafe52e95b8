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

use super::repo::{self, PaymentRow};
use super::{AccountStatus, CheckoutStart, Outcome};
use crate::app::AppState;
use crate::auth::{AuthUser, SessionUser};
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn start_subscription() -> CheckoutStart {
    let checkout_ref = format!("sbx_cs_{}", uuid::Uuid::new_v4().simple());
    CheckoutStart { redirect_url: format!("/sandbox/checkout/{checkout_ref}"), checkout_ref }
}

pub fn new_payment_ref() -> String {
    format!("sbx_pi_{}", uuid::Uuid::new_v4().simple())
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
    description: String,
    price: String,
    email: String,
}

/// The signed-in payer's own pending payment `provider_ref`; anyone else's
/// is as good as missing, and one replaced by a newer choice is closed.
async fn own_pending_payment(state: &AppState, user: &AuthUser, provider_ref: &str) -> AppResult<PaymentRow> {
    let lookup = provider_ref.to_owned();
    let payment = state.db.read(move |c| repo::find_payment(c, &lookup)).await?;
    let payment = payment.filter(|p| p.owner == user.id).ok_or(AppError::NotFound)?;
    match payment.status.as_str() {
        "canceled" => Err(AppError::Conflict("You chose another plan since: pay that one, or choose again.".into())),
        _ => Ok(payment),
    }
}

async fn show_checkout(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Path(checkout_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    let payment = own_pending_payment(&state, &user, &checkout_ref).await?;
    let view = CheckoutView {
        title: "Checkout (test money)",
        checkout_ref,
        description: payment.description,
        price: crate::web::money::format_money(payment.amount_minor, &payment.currency),
        email: user.email,
    };
    Ok(page.render(&state, "payments/sandbox_checkout.html", view)?.into_response())
}

async fn complete_checkout(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(checkout_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    let payment = own_pending_payment(&state, &user, &checkout_ref).await?;
    let outcome = Outcome {
        paid: true,
        failed: false,
        customer_ref: Some(format!("sbx_cus_{}", user.uid)),
        subscription_ref: Some(format!("sbx_sub_{}", uuid::Uuid::new_v4().simple())),
        at: crate::db::now_ms(),
    };
    let app = state.0.clone();
    state.db.write_durable(move |tx| app.settlers.settle(tx, &checkout_ref, &outcome, crate::db::now_ms())).await?;
    Ok(Redirect::to(&local_or_home(&payment.return_url)).into_response())
}

async fn cancel_checkout(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(checkout_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    let payment = own_pending_payment(&state, &user, &checkout_ref).await?;
    Ok(Redirect::to(&local_or_home(&payment.cancel_url)).into_response())
}

/// Only paths on this site (what the starting pillar recorded).
fn local_or_home(url: &str) -> String {
    if url.starts_with('/') && !url.starts_with("//") { url.to_owned() } else { "/".to_owned() }
}

/// The sandbox's confirm on the app surface: the payer pays their own
/// pending payment with test money, settled exactly as the provider's
/// webhook would. Not found unless the sandbox is the provider.
pub async fn confirm_payment(state: &AppState, payer: UserId, provider_ref: String) -> AppResult<()> {
    require_sandbox(state)?;
    let app = state.0.clone();
    state
        .db
        .write_durable(move |tx| {
            let payment = repo::find_payment(tx, &provider_ref)?.filter(|p| p.owner == payer);
            let payment = payment.ok_or(AppError::NotFound)?;
            let outcome = Outcome {
                paid: true,
                failed: false,
                customer_ref: None,
                subscription_ref: None,
                at: crate::db::now_ms(),
            };
            app.settlers.settle(tx, &payment.provider_ref, &outcome, crate::db::now_ms())?;
            Ok(())
        })
        .await
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

async fn own_account(state: &AppState, user: &AuthUser, account_ref: &str) -> AppResult<()> {
    let lookup = account_ref.to_owned();
    let owner = state.db.read(move |c| repo::find_account_owner(c, &lookup)).await?;
    if owner == Some(user.id) { Ok(()) } else { Err(AppError::NotFound) }
}

async fn show_connect(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Path(account_ref): Path<String>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    own_account(&state, &user, &account_ref).await?;
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
    SessionUser(user): SessionUser,
    Path(account_ref): Path<String>,
    Form(form): Form<ConnectForm>,
) -> AppResult<Response> {
    require_sandbox(&state)?;
    own_account(&state, &user, &account_ref).await?;
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
    let app = state.0.clone();
    state
        .db
        .write_durable(move |tx| app.settlers.account_status(tx, &account_ref, status, crate::db::now_ms()))
        .await?;
    Ok(Redirect::to("/dashboard").into_response())
}
