//! What identity does when the payment provider speaks: a paid plan
//! checkout opens the subscription, subscription status changes apply in
//! the provider's order, and connected-account changes open or close payouts.

use super::service::{self, CompletedCheckout};
use crate::db::Tx;
use crate::error::AppResult;
use crate::payments::{Outcome, PaymentRow, Settlers};

/// The payment purpose of a plan checkout.
pub const SUBSCRIPTION: &str = "subscription";

pub fn register(settlers: &mut Settlers) {
    settlers.on_payment(SUBSCRIPTION, settle_checkout);
    settlers.on_subscription_status(|tx, subscription_ref, status, at| {
        service::apply_subscription_status(tx, subscription_ref, status, at).map(|_| ())
    });
    settlers.on_renewal_paid(service::record_renewal_paid);
    settlers.on_account_status(|tx, account_ref, status, at| {
        service::apply_account_status(tx, account_ref, status, at).map(|_| ())
    });
}

fn settle_checkout(tx: &Tx, payment: &PaymentRow, outcome: &Outcome) -> AppResult<()> {
    let done = CompletedCheckout {
        checkout_ref: &payment.reference,
        customer_ref: outcome.customer_ref.as_deref(),
        subscription_ref: outcome.subscription_ref.as_deref(),
        paid: outcome.paid,
        at: outcome.at,
    };
    service::apply_checkout_completed(tx, &done)?;
    Ok(())
}
