//! Money in and out (ARCHITECTURE §5): one interface, two providers.
//! **Stripe** (async-stripe): Checkout for the artist tiers, Connect accounts
//! with Stripe-hosted onboarding for payouts, and signed webhooks.
//! **Sandbox** (the default): the same flows settled locally as test money.

pub mod repo;
mod sandbox;
mod settle;
mod status;
mod stripe;
pub mod webhook;

use axum::Router;

use crate::app::AppState;
use crate::config::{Config, PaymentsProvider};
use crate::error::AppResult;

pub use repo::PaymentRow;
pub use settle::{
    NewPayment, Outcome, PayoutNotice, RenewalPaid, Settlers, cancel_payment, record_account, record_payment,
};
pub use status::SubscriptionStatus;
pub use stripe::StripeProvider;

pub enum Payments {
    Sandbox,
    Stripe(Box<StripeProvider>),
}

/// Where to send the artist to pay, and how to recognise the payment later.
#[derive(Debug, Clone)]
pub struct CheckoutStart {
    pub checkout_ref: String,
    pub redirect_url: String,
}

pub struct SubscriptionCheckout<'a> {
    pub artist_uid: &'a str,
    pub email: &'a str,
    /// The provider's recurring price of the plan (Stripe: `price_…`).
    pub stripe_price_id: &'a str,
    pub success_url: String,
    pub cancel_url: String,
}

/// A payment to charge a fan for an artist (a tip, an order): transferred
/// to the artist's connected account, minus the platform's fee.
pub struct Charge<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    pub fee_minor: i64,
    pub destination: &'a str,
    /// The settler's purpose and the pillar's reference: they name the
    /// provider's object (metadata `{purpose}_uid`) and make its creation
    /// idempotent.
    pub purpose: &'a str,
    pub reference: &'a str,
}

/// How the fan completes a charge: Stripe's client secret for a card form,
/// or nothing (the sandbox confirms locally).
#[derive(Debug, Clone)]
pub struct ChargeStarted {
    pub payment_ref: String,
    pub client_secret: Option<String>,
}

/// Money going back to the payer of `payment_ref`; with Stripe the
/// transfer to the artist is reversed and the platform's fee refunded in
/// proportion.
pub struct Refund<'a> {
    pub payment_ref: &'a str,
    pub amount_minor: i64,
    /// Our id of the refund: repeats are one refund at the provider.
    pub reference: &'a str,
}

/// What a payouts provider says about a connected account.
/// A connected account's balance: `(amount in minor units, currency)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectedBalance {
    pub available: Vec<(i64, String)>,
    pub pending: Vec<(i64, String)>,
}

/// A payout from the platform's Stripe balance to the label's bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformPayout {
    pub id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// Stripe's word: `paid`, `pending`, `in_transit`, `canceled` or `failed`.
    pub status: String,
    /// Unix seconds: when the payout is expected to reach the bank.
    pub arrival_date: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountStatus {
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub details_submitted: bool,
}

impl Payments {
    pub fn from_config(config: &Config) -> anyhow::Result<Payments> {
        Ok(match config.payments.provider {
            PaymentsProvider::Sandbox => Payments::Sandbox,
            PaymentsProvider::Stripe => Payments::Stripe(Box::new(StripeProvider::new(&config.payments.stripe)?)),
        })
    }

    pub fn provider_name(&self) -> &'static str {
        match self {
            Payments::Sandbox => "sandbox",
            Payments::Stripe(_) => "stripe",
        }
    }

    /// A connected account's balance at the provider (Stripe); the sandbox
    /// has none (Boptone's own ledger is its balance).
    pub async fn connected_balance(&self, account_ref: &str) -> AppResult<Option<ConnectedBalance>> {
        match self {
            Payments::Sandbox => Ok(None),
            Payments::Stripe(stripe) => stripe.connected_balance(account_ref).await.map(Some),
        }
    }

    /// The platform's own balance at the provider; the sandbox has none.
    pub async fn platform_balance(&self) -> AppResult<Option<ConnectedBalance>> {
        match self {
            Payments::Sandbox => Ok(None),
            Payments::Stripe(stripe) => stripe.platform_balance().await.map(Some),
        }
    }

    /// The platform's latest `limit` payouts at the provider; the sandbox has none.
    pub async fn platform_payouts(&self, limit: i64) -> AppResult<Option<Vec<PlatformPayout>>> {
        match self {
            Payments::Sandbox => Ok(None),
            Payments::Stripe(stripe) => stripe.platform_payouts(limit).await.map(Some),
        }
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self, Payments::Sandbox)
    }

    pub async fn start_subscription(&self, request: &SubscriptionCheckout<'_>) -> AppResult<CheckoutStart> {
        match self {
            Payments::Sandbox => Ok(sandbox::start_subscription()),
            Payments::Stripe(stripe) => stripe.start_subscription(request).await,
        }
    }

    /// Closes an unpaid checkout so it can no longer be paid. Best effort:
    /// one completed meanwhile cannot be closed, and its webhook decides.
    pub async fn expire_checkout(&self, checkout_ref: &str) {
        if let Payments::Stripe(stripe) = self
            && let Err(err) = stripe.expire_checkout(checkout_ref).await
        {
            tracing::warn!(checkout_ref, error = %err, "could not expire an earlier Checkout Session");
        }
    }

    pub async fn start_charge(&self, charge: &Charge<'_>) -> AppResult<ChargeStarted> {
        match self {
            Payments::Sandbox => Ok(ChargeStarted { payment_ref: sandbox::new_payment_ref(), client_secret: None }),
            Payments::Stripe(stripe) => stripe.start_charge(charge).await,
        }
    }

    /// The sandbox names its payments itself, so a pillar can record one in
    /// the same write that starts it; a remote provider names it later.
    pub fn local_payment_ref(&self) -> Option<String> {
        self.is_sandbox().then(sandbox::new_payment_ref)
    }

    /// Gives money back; returns the provider's id of the refund.
    pub async fn refund(&self, refund: &Refund<'_>) -> AppResult<String> {
        match self {
            Payments::Sandbox => Ok(format!("sbx_re_{}", uuid::Uuid::new_v4().simple())),
            Payments::Stripe(stripe) => stripe.refund(refund).await,
        }
    }

    /// Closes an unpaid charge so it can no longer be paid. Best effort: one
    /// paid meanwhile cannot be closed, and its webhook decides.
    pub async fn cancel_charge(&self, payment_ref: &str) {
        if let Payments::Stripe(stripe) = self
            && let Err(err) = stripe.cancel_charge(payment_ref).await
        {
            tracing::warn!(payment_ref, error = %err, "could not cancel an unpaid PaymentIntent");
        }
    }

    /// Opens a connected account for an artist's payouts; returns its reference.
    pub async fn create_payout_account(&self, artist_uid: &str, email: &str) -> AppResult<String> {
        match self {
            Payments::Sandbox => Ok(sandbox::new_account_ref()),
            Payments::Stripe(stripe) => stripe.create_account(artist_uid, email).await,
        }
    }

    /// The URL where the artist completes payout onboarding.
    pub async fn payout_onboarding_url(
        &self,
        account_ref: &str,
        return_url: &str,
        refresh_url: &str,
    ) -> AppResult<String> {
        match self {
            Payments::Sandbox => Ok(sandbox::onboarding_url(account_ref)),
            Payments::Stripe(stripe) => stripe.account_link(account_ref, return_url, refresh_url).await,
        }
    }

    /// The provider's current view of an account; the sandbox keeps its
    /// state locally, so it has nothing to add.
    pub async fn account_status(&self, account_ref: &str) -> AppResult<Option<AccountStatus>> {
        match self {
            Payments::Sandbox => Ok(None),
            Payments::Stripe(stripe) => stripe.account_status(account_ref).await.map(Some),
        }
    }
}

/// The sandbox's checkout and onboarding pages (web surface).
pub fn web_router() -> Router<AppState> {
    sandbox::router()
}

/// `POST /webhooks/stripe` (neither surface: the signature is the credential).
pub fn webhook_router() -> Router<AppState> {
    webhook::router()
}

pub use sandbox::confirm_payment as confirm_sandbox_payment;
