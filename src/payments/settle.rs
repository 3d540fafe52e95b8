//! Settlement by purpose (ARCHITECTURE §5). A pillar records each payment it
//! starts ([`record_payment`], in its own write) with a purpose, and
//! registers at startup the settler for that purpose. The webhook and the
//! sandbox settle by the record: the settler runs inside their
//! `synchronous=FULL` transaction, once per payment. Subscription and
//! connected-account changes reach the listeners pillars registered for them.
//! `payments` itself imports no pillar.

use std::collections::HashMap;

use super::repo::{self, PaymentRow};
use super::{AccountStatus, SubscriptionStatus};
use crate::core::ids::UserId;
use crate::db::Tx;
use crate::error::AppResult;

/// A payment as a pillar starts it.
pub struct NewPayment<'a> {
    pub provider: &'a str,
    pub provider_ref: &'a str,
    /// What the payment is for: the name a settler was registered under.
    pub purpose: &'static str,
    /// The pillar's own id of what is paid for (a tip's uid, a checkout ref …).
    pub reference: &'a str,
    /// Who pays.
    pub owner: UserId,
    pub amount_minor: i64,
    pub currency: &'a str,
    /// Shown on the sandbox's payment page.
    pub description: &'a str,
    /// Where the sandbox's payment page sends the payer after paying, and
    /// after cancelling ("" where there is no such page).
    pub return_url: &'a str,
    pub cancel_url: &'a str,
}

/// Records a payment that has just started, in the caller's transaction.
pub fn record_payment(tx: &Tx, payment: &NewPayment<'_>, now: i64) -> rusqlite::Result<()> {
    repo::insert_payment(tx, payment, now)
}

/// A pending payment that can no longer be paid (another was chosen).
pub fn cancel_payment(tx: &Tx, provider_ref: &str, now: i64) -> rusqlite::Result<()> {
    repo::set_payment_status(tx, provider_ref, "canceled", now)
}

/// Records who owns a connected (payout) account.
pub fn record_account(tx: &Tx, provider_ref: &str, owner: UserId, now: i64) -> rusqlite::Result<()> {
    repo::insert_account(tx, provider_ref, owner, now)
}

/// What the provider says about a payment.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Paid, or nothing to pay. An unpaid completion (a delayed payment
    /// method) reaches the settler but leaves the payment pending.
    pub paid: bool,
    /// The payment can no longer succeed (the provider canceled it).
    pub failed: bool,
    pub customer_ref: Option<String>,
    pub subscription_ref: Option<String>,
    /// When it happened at the provider (unix ms).
    pub at: i64,
}

pub type PaymentSettler = fn(&Tx, &PaymentRow, &Outcome) -> AppResult<()>;
pub type SubscriptionListener = fn(&Tx, &str, SubscriptionStatus, i64) -> AppResult<()>;
pub type AccountListener = fn(&Tx, &str, AccountStatus, i64) -> AppResult<()>;
pub type PayoutListener = fn(&Tx, &PayoutNotice) -> AppResult<()>;
pub type RenewalListener = fn(&Tx, &RenewalPaid) -> AppResult<()>;

/// The provider charged a subscription's next period (Stripe: an invoice
/// paid for a `subscription_cycle`); the first period is the checkout's.
#[derive(Debug, Clone)]
pub struct RenewalPaid {
    pub subscription_ref: String,
    /// The provider's id of the charge (an invoice): the same renewal told
    /// twice is recorded once.
    pub invoice_ref: String,
    pub amount_minor: i64,
    /// ISO code, upper case.
    pub currency: String,
    /// When the provider said so (unix ms).
    pub at: i64,
}

/// What the provider says about a payout from a connected account to the
/// artist's bank.
#[derive(Debug, Clone)]
pub struct PayoutNotice {
    pub account_ref: String,
    pub payout_ref: String,
    pub amount_minor: i64,
    /// ISO code, upper case.
    pub currency: String,
    /// `pending`, `in_transit`, `paid`, `failed` or `canceled`.
    pub status: String,
    /// When the money is (or was) expected at the bank (unix ms).
    pub arrival_at: i64,
    pub failure_message: String,
    /// When the provider said so (unix ms).
    pub at: i64,
}

/// The settlers and listeners pillars registered at startup.
#[derive(Default)]
pub struct Settlers {
    payments: HashMap<&'static str, PaymentSettler>,
    subscriptions: Vec<SubscriptionListener>,
    accounts: Vec<AccountListener>,
    payouts: Vec<PayoutListener>,
    renewals: Vec<RenewalListener>,
}

impl Settlers {
    /// Registers the settler of `purpose`; one per purpose.
    pub fn on_payment(&mut self, purpose: &'static str, settler: PaymentSettler) {
        let earlier = self.payments.insert(purpose, settler);
        assert!(earlier.is_none(), "two settlers for the payment purpose {purpose:?}");
    }

    pub fn on_subscription_status(&mut self, listener: SubscriptionListener) {
        self.subscriptions.push(listener);
    }

    pub fn on_account_status(&mut self, listener: AccountListener) {
        self.accounts.push(listener);
    }

    pub fn on_payout(&mut self, listener: PayoutListener) {
        self.payouts.push(listener);
    }

    pub fn on_renewal_paid(&mut self, listener: RenewalListener) {
        self.renewals.push(listener);
    }

    /// The provider charged a subscription's next period.
    pub fn renewal_paid(&self, tx: &Tx, renewal: &RenewalPaid) -> AppResult<()> {
        for listener in &self.renewals {
            listener(tx, renewal)?;
        }
        Ok(())
    }

    /// The provider's word on a payout.
    pub fn payout(&self, tx: &Tx, notice: &PayoutNotice) -> AppResult<()> {
        for listener in &self.payouts {
            listener(tx, notice)?;
        }
        Ok(())
    }

    /// The provider's word on the payment `provider_ref`. A paid payment is
    /// settled once: later words about it change nothing. Returns whether
    /// a settler ran.
    pub fn settle(&self, tx: &Tx, provider_ref: &str, outcome: &Outcome, now: i64) -> AppResult<bool> {
        let Some(payment) = repo::find_payment(tx, provider_ref)? else {
            tracing::warn!(provider_ref, "the provider settled a payment this server did not start");
            return Ok(false);
        };
        if payment.status != "pending" {
            tracing::info!(provider_ref, status = payment.status, "payment already settled or canceled");
            return Ok(false);
        }
        let Some(settler) = self.payments.get(payment.purpose.as_str()) else {
            tracing::error!(provider_ref, purpose = payment.purpose, "no settler for this payment's purpose");
            return Ok(false);
        };
        settler(tx, &payment, outcome)?;
        if outcome.paid {
            repo::set_payment_status(tx, provider_ref, "succeeded", now)?;
        } else if outcome.failed {
            repo::set_payment_status(tx, provider_ref, "canceled", now)?;
        }
        Ok(true)
    }

    pub fn subscription_status(
        &self,
        tx: &Tx,
        subscription_ref: &str,
        status: SubscriptionStatus,
        at: i64,
    ) -> AppResult<()> {
        for listener in &self.subscriptions {
            listener(tx, subscription_ref, status, at)?;
        }
        Ok(())
    }

    pub fn account_status(&self, tx: &Tx, account_ref: &str, status: AccountStatus, at: i64) -> AppResult<()> {
        for listener in &self.accounts {
            listener(tx, account_ref, status, at)?;
        }
        Ok(())
    }
}
