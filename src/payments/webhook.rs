//! `POST /webhooks/stripe`: the signature is verified before anything is
//! read or written; each Stripe event id is processed once; state changes
//! commit with `synchronous=FULL`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use stripe_shared::{CheckoutSession, CheckoutSessionPaymentStatus, InvoiceBillingReason};
use stripe_webhook::{EventObject, Webhook};

use super::{AccountStatus, Outcome, PayoutNotice, RenewalPaid, Settlers, SubscriptionStatus};
use crate::app::AppState;
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/stripe", post(receive_stripe_webhook))
}

async fn receive_stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> AppResult<StatusCode> {
    let secret = &state.config.payments.stripe.webhook_secret;
    if !secret.is_set() {
        return Err(AppError::BadRequest("Stripe webhooks are not configured on this server.".into()));
    }
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::BadRequest("missing Stripe-Signature header".into()))?;
    let event = Webhook::construct_event(&body, signature, secret.expose()).map_err(|err| {
        tracing::warn!(error = ?err, "rejected a Stripe webhook");
        AppError::BadRequest("invalid Stripe signature".into())
    })?;
    let event_id = event.id.to_string();
    let event_type = event.type_.as_str().to_owned();
    // When the change happened at Stripe: deliveries arrive in any order,
    // and a status older than the one stored is not applied.
    let at = event.created.saturating_mul(1000);
    let object = event.data.object;
    let account = event.account;
    let app = state.0.clone();
    let applied = state
        .db
        .write_durable::<_, AppError, _>(move |tx| {
            if !super::repo::record_webhook(tx, &event_id, &event_type, now_ms())? {
                return Ok(false);
            }
            apply(&app.settlers, tx, object, account.as_deref(), at)?;
            Ok(true)
        })
        .await?;
    if !applied {
        tracing::info!("Stripe webhook replayed; already processed");
    }
    Ok(StatusCode::OK)
}

/// Applies one event's object, as of `at` (unix ms), through the settlers
/// and listeners the pillars registered.
fn apply(settlers: &Settlers, tx: &Tx, object: EventObject, account: Option<&str>, at: i64) -> AppResult<()> {
    match object {
        EventObject::CheckoutSessionCompleted(session) | EventObject::CheckoutSessionAsyncPaymentSucceeded(session) => {
            settlers.settle(tx, session.id.as_str(), &checkout_outcome(&session, at), now_ms())?;
        }
        EventObject::CustomerSubscriptionCreated(sub) | EventObject::CustomerSubscriptionUpdated(sub) => {
            if let Some(status) = SubscriptionStatus::parse(sub.status.as_str()) {
                settlers.subscription_status(tx, sub.id.as_str(), status, at)?;
            }
        }
        EventObject::CustomerSubscriptionDeleted(sub) => {
            settlers.subscription_status(tx, sub.id.as_str(), SubscriptionStatus::Canceled, at)?;
        }
        EventObject::InvoicePaymentFailed(invoice) => {
            let subscription = invoice
                .parent
                .as_ref()
                .and_then(|p| p.subscription_details.as_ref())
                .map(|d| d.subscription.id().to_string());
            if let Some(subscription) = subscription {
                settlers.subscription_status(tx, &subscription, SubscriptionStatus::PastDue, at)?;
            }
        }
        // A renewal charged: the platform's income (the first period was
        // the checkout's, recorded when it completed).
        EventObject::InvoicePaid(invoice)
            if invoice.billing_reason == Some(InvoiceBillingReason::SubscriptionCycle) =>
        {
            let subscription = invoice
                .parent
                .as_ref()
                .and_then(|p| p.subscription_details.as_ref())
                .map(|d| d.subscription.id().to_string());
            if let (Some(subscription_ref), Some(id)) = (subscription, invoice.id.as_ref()) {
                let renewal = RenewalPaid {
                    subscription_ref,
                    invoice_ref: id.to_string(),
                    amount_minor: invoice.amount_paid,
                    currency: invoice.currency.to_string().to_ascii_uppercase(),
                    at,
                };
                settlers.renewal_paid(tx, &renewal)?;
            }
        }
        EventObject::PaymentIntentSucceeded(intent) => {
            // Payments (tips, orders) are recorded here, and only here, for Stripe.
            let outcome = Outcome { paid: true, failed: false, customer_ref: None, subscription_ref: None, at };
            settlers.settle(tx, intent.id.as_str(), &outcome, now_ms())?;
        }
        EventObject::PaymentIntentCanceled(intent) => {
            // Held units go back at once rather than when the hold ends.
            let outcome = Outcome { paid: false, failed: true, customer_ref: None, subscription_ref: None, at };
            settlers.settle(tx, intent.id.as_str(), &outcome, now_ms())?;
        }
        EventObject::AccountUpdated(account) => {
            let status = AccountStatus {
                charges_enabled: account.charges_enabled.unwrap_or(false),
                payouts_enabled: account.payouts_enabled.unwrap_or(false),
                details_submitted: account.details_submitted.unwrap_or(false),
            };
            settlers.account_status(tx, account.id.as_str(), status, at)?;
        }
        // Connect: a connected account's payout to the artist's bank.
        EventObject::PayoutCreated(payout)
        | EventObject::PayoutUpdated(payout)
        | EventObject::PayoutPaid(payout)
        | EventObject::PayoutFailed(payout)
        | EventObject::PayoutCanceled(payout) => {
            let Some(account) = account else { return Ok(()) };
            settlers.payout(tx, &payout_notice(account, &payout, at))?;
        }
        // Every other type is acknowledged and ignored.
        _ => {}
    }
    Ok(())
}

fn payout_notice(account: &str, payout: &stripe_shared::Payout, at: i64) -> PayoutNotice {
    PayoutNotice {
        account_ref: account.to_owned(),
        payout_ref: payout.id.to_string(),
        amount_minor: payout.amount,
        currency: payout.currency.to_string().to_ascii_uppercase(),
        status: payout.status.clone(),
        arrival_at: payout.arrival_date.saturating_mul(1000),
        failure_message: payout.failure_message.clone().unwrap_or_default(),
        at,
    }
}

/// A Checkout Session completed: paid (`paid`, or `no_payment_required`
/// for a free first period), or `unpaid` (a delayed payment method) that
/// waits for `async_payment_succeeded`.
fn checkout_outcome(session: &CheckoutSession, at: i64) -> Outcome {
    Outcome {
        paid: matches!(
            session.payment_status,
            CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired
        ),
        failed: false,
        customer_ref: session.customer.as_ref().map(|c| c.id().to_string()),
        subscription_ref: session.subscription.as_ref().map(|s| s.id().to_string()),
        at,
    }
}
