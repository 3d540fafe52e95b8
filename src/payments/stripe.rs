//! The Stripe provider, through async-stripe's typed requests.

use std::collections::HashMap;

use anyhow::Context;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData, ExpireCheckoutSession,
};
use stripe_connect::account::{
    CreateAccount, CreateAccountCapabilities, CreateAccountCapabilitiesCardPayments,
    CreateAccountCapabilitiesTransfers, CreateAccountType, RetrieveAccount,
};
use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
use stripe_shared::CheckoutSessionMode;

use super::{
    AccountStatus, Charge, ChargeStarted, CheckoutStart, ConnectedBalance, PlatformPayout, Refund, SubscriptionCheckout,
};
use crate::config::StripeConfig;
use crate::error::{AppError, AppResult};

pub struct StripeProvider {
    client: Client,
}

impl StripeProvider {
    pub fn new(config: &StripeConfig) -> anyhow::Result<StripeProvider> {
        // async-stripe appends "v1/…" to the base: it must end with a slash.
        let base = format!("{}/", config.api_base.as_str().trim_end_matches('/'));
        let client = ClientBuilder::new(config.secret_key.expose())
            .url(base)
            .build()
            .context("invalid payments.stripe settings")?;
        Ok(StripeProvider { client })
    }

    pub async fn start_subscription(&self, request: &SubscriptionCheckout<'_>) -> AppResult<CheckoutStart> {
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price = Some(request.stripe_price_id.to_owned());
        item.quantity = Some(1);
        let metadata = HashMap::from([("artist_uid".to_owned(), request.artist_uid.to_owned())]);
        let mut subscription = CreateCheckoutSessionSubscriptionData::new();
        subscription.metadata = Some(metadata.clone());
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .line_items(vec![item])
            .customer_email(request.email)
            .client_reference_id(request.artist_uid)
            .metadata(metadata)
            .subscription_data(subscription)
            .success_url(request.success_url.as_str())
            .cancel_url(request.cancel_url.as_str())
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        let redirect_url = session.url.clone().ok_or_else(|| stripe_error("Checkout Session without a URL"))?;
        Ok(CheckoutStart { checkout_ref: session.id.to_string(), redirect_url })
    }

    pub async fn expire_checkout(&self, checkout_ref: &str) -> AppResult<()> {
        ExpireCheckoutSession::new(checkout_ref).send(&self.client).await.map_err(stripe_error)?;
        Ok(())
    }

    /// A PaymentIntent that pays the artist's connected account directly,
    /// keeping the platform's fee.
    pub async fn start_charge(&self, charge: &Charge<'_>) -> AppResult<ChargeStarted> {
        use stripe_core::payment_intent::{
            CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods, CreatePaymentIntentTransferData,
        };
        let currency: stripe_types::Currency =
            charge.currency.to_lowercase().parse().map_err(|_| stripe_error("unknown currency"))?;
        let metadata = HashMap::from([(format!("{}_uid", charge.purpose), charge.reference.to_owned())]);
        let intent = CreatePaymentIntent::new(charge.amount_minor, currency)
            .application_fee_amount(charge.fee_minor)
            .transfer_data(CreatePaymentIntentTransferData::new(charge.destination))
            .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
            .metadata(metadata)
            .customize()
            .request_strategy(once(&format!("boptone-{}-{}", charge.purpose, charge.reference))?)
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        Ok(ChargeStarted { payment_ref: intent.id.to_string(), client_secret: intent.client_secret.clone() })
    }

    /// A refund of part or all of a destination charge: the transfer to the
    /// artist is reversed and the application fee refunded in proportion.
    pub async fn refund(&self, refund: &Refund<'_>) -> AppResult<String> {
        use stripe_core::refund::CreateRefund;
        let created = CreateRefund::new()
            .payment_intent(refund.payment_ref)
            .amount(refund.amount_minor)
            .reverse_transfer(true)
            .refund_application_fee(true)
            .customize()
            .request_strategy(once(&format!("boptone-refund-{}", refund.reference))?)
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        Ok(created.id.to_string())
    }

    pub async fn cancel_charge(&self, payment_ref: &str) -> AppResult<()> {
        use stripe_core::payment_intent::CancelPaymentIntent;
        CancelPaymentIntent::new(payment_ref).send(&self.client).await.map_err(stripe_error)?;
        Ok(())
    }

    pub async fn create_account(&self, artist_uid: &str, email: &str) -> AppResult<String> {
        let mut capabilities = CreateAccountCapabilities::new();
        let mut transfers = CreateAccountCapabilitiesTransfers::new();
        transfers.requested = Some(true);
        capabilities.transfers = Some(transfers);
        let mut cards = CreateAccountCapabilitiesCardPayments::new();
        cards.requested = Some(true);
        capabilities.card_payments = Some(cards);
        let metadata = HashMap::from([("artist_uid".to_owned(), artist_uid.to_owned())]);
        let account = CreateAccount::new()
            .type_(CreateAccountType::Express)
            .email(email)
            .capabilities(capabilities)
            .metadata(metadata)
            .customize()
            .request_strategy(once(&format!("boptone-account-{artist_uid}"))?)
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        Ok(account.id.to_string())
    }

    pub async fn account_link(&self, account_ref: &str, return_url: &str, refresh_url: &str) -> AppResult<String> {
        let link = CreateAccountLink::new(account_ref, CreateAccountLinkType::AccountOnboarding)
            .return_url(return_url)
            .refresh_url(refresh_url)
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        Ok(link.url)
    }

    /// A connected account's balance at Stripe: what is available and what
    /// is pending, per currency. A page waits for it at most two seconds.
    pub async fn connected_balance(&self, account_ref: &str) -> AppResult<ConnectedBalance> {
        self.balance(Some(stripe_shared::AccountId::from(account_ref))).await
    }

    /// The platform's own balance (the label's Stripe account), per currency.
    pub async fn platform_balance(&self) -> AppResult<ConnectedBalance> {
        self.balance(None).await
    }

    /// A balance per currency: a connected account's, or the platform's own.
    async fn balance(&self, account: Option<stripe_shared::AccountId>) -> AppResult<ConnectedBalance> {
        use stripe_core::balance::RetrieveForMyAccountBalance;
        let mut request = RetrieveForMyAccountBalance::new().customize();
        if let Some(account) = account {
            request = request.account_id(account);
        }
        let balance = request
            .timeout(std::time::Duration::from_secs(2))
            .request_strategy(RequestStrategy::Once)
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        let amounts = |list: &[stripe_core::BalanceAmount]| {
            list.iter().map(|a| (a.amount, a.currency.to_string().to_ascii_uppercase())).collect()
        };
        Ok(ConnectedBalance { available: amounts(&balance.available), pending: amounts(&balance.pending) })
    }

    /// The platform's most recent payouts to its bank, newest first.
    pub async fn platform_payouts(&self, limit: i64) -> AppResult<Vec<PlatformPayout>> {
        use stripe_core::payout::ListPayout;
        let list = ListPayout::new()
            .limit(limit)
            .customize()
            .timeout(std::time::Duration::from_secs(2))
            .request_strategy(RequestStrategy::Once)
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        Ok(list
            .data
            .iter()
            .map(|p| PlatformPayout {
                id: p.id.to_string(),
                amount_minor: p.amount,
                currency: p.currency.to_string().to_ascii_uppercase(),
                status: p.status.clone(),
                arrival_date: p.arrival_date,
            })
            .collect())
    }

    pub async fn account_status(&self, account_ref: &str) -> AppResult<AccountStatus> {
        let account = RetrieveAccount::new(account_ref).send(&self.client).await.map_err(stripe_error)?;
        Ok(AccountStatus {
            charges_enabled: account.charges_enabled.unwrap_or(false),
            payouts_enabled: account.payouts_enabled.unwrap_or(false),
            details_submitted: account.details_submitted.unwrap_or(false),
        })
    }
}

/// Sent once under an idempotency key derived from the local record, so a
/// retried or doubled request (a double-click) gets Stripe's first answer
/// back instead of creating a second object.
fn once(key: &str) -> AppResult<RequestStrategy> {
    let key = IdempotencyKey::new(key).map_err(|e| stripe_error(format!("idempotency key: {e}").as_str()))?;
    Ok(RequestStrategy::Idempotent(key))
}

fn stripe_error(err: impl Into<StripeFailure>) -> AppError {
    let StripeFailure(message) = err.into();
    AppError::Internal(anyhow::anyhow!("Stripe request failed: {message}"))
}

struct StripeFailure(String);

impl From<StripeError> for StripeFailure {
    fn from(err: StripeError) -> Self {
        StripeFailure(err.to_string())
    }
}

impl From<&str> for StripeFailure {
    fn from(message: &str) -> Self {
        StripeFailure(message.to_owned())
    }
}
