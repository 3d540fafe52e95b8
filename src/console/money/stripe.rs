//! The label's Stripe account on the money page: its balance (available and
//! pending, per currency) and latest payouts, asked of Stripe while the page
//! is made. Stripe that does not answer in time, or answers an error, gives
//! a plain "Stripe did not answer" state — the page itself still renders.

use std::time::Duration;

use serde::Serialize;

use crate::core::money::Currency;
use crate::payments::{ConnectedBalance, Payments, PlatformPayout};

/// Payouts shown.
const PAYOUTS: i64 = 10;
/// The longest the page waits for Stripe (each request also has its own
/// two-second timeout in the client).
const WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Serialize)]
pub struct PayoutView {
    pub amount: String,
    pub status: String,
    pub arrival: String,
}

#[derive(Debug, Serialize)]
pub struct StripeView {
    /// `sandbox`, `answered` or `unanswered`.
    pub state: &'static str,
    pub available: Vec<String>,
    pub pending: Vec<String>,
    pub payouts: Vec<PayoutView>,
}

/// `12.34 USD` from minor units; an unknown currency shows its minor units.
fn money(minor: i64, code: &str) -> String {
    match Currency::parse(code) {
        Ok(currency) => format!("{} {}", currency.format_amount(minor), currency.code()),
        Err(_) => format!("{minor} (minor units) {code}"),
    }
}

fn amounts(list: &[(i64, String)]) -> Vec<String> {
    list.iter().map(|(minor, code)| money(*minor, code)).collect()
}

fn answered(balance: &ConnectedBalance, payouts: &[PlatformPayout]) -> StripeView {
    let payouts = payouts
        .iter()
        .map(|p| PayoutView {
            amount: money(p.amount_minor, &p.currency),
            status: p.status.replace('_', " "),
            arrival: chrono::DateTime::from_timestamp(p.arrival_date, 0)
                .map_or_else(|| "—".to_owned(), |d| d.format("%Y-%m-%d").to_string()),
        })
        .collect();
    StripeView {
        state: "answered",
        available: amounts(&balance.available),
        pending: amounts(&balance.pending),
        payouts,
    }
}

/// What to show about the label's Stripe account.
pub async fn view(payments: &Payments) -> StripeView {
    let empty = |state| StripeView { state, available: Vec::new(), pending: Vec::new(), payouts: Vec::new() };
    if payments.is_sandbox() {
        return empty("sandbox");
    }
    let asked = async { tokio::try_join!(payments.platform_balance(), payments.platform_payouts(PAYOUTS)) };
    match tokio::time::timeout(WAIT, asked).await {
        Ok(Ok((Some(balance), Some(payouts)))) => answered(&balance, &payouts),
        Ok(Ok(_)) => empty("sandbox"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "Stripe did not answer the label's balance or payouts");
            empty("unanswered")
        }
        Err(_) => {
            tracing::warn!("Stripe did not answer the label's balance or payouts in time");
            empty("unanswered")
        }
    }
}
