//! Print-on-demand (POD) fulfilment for the merch shop.
//!
//! * [`PodState`] — the job state machine stored with each fulfilment job.
//! * [`PrintfulClient`] — a provider speaking Printful's v1 Orders API.
//! * [`parse_printful_webhook`] — Printful v1 webhook bodies → [`WebhookUpdate`].
//! * [`sandbox_update`] — a network-free provider whose jobs advance with time.
//!
//! Money is integer minor units everywhere in our types; the provider gets decimal
//! strings built with integer arithmetic ([`format_minor`]).

mod printful;
mod sandbox;
mod state;
mod webhook;

/// The Printful stand-in, shared with the integration tests.
#[cfg(test)]
#[path = "../../../../tests/api/printful.rs"]
mod fixture;
#[cfg(test)]
mod tests;

pub use printful::PrintfulClient;
pub use sandbox::sandbox_update;
pub use state::PodState;
pub use webhook::{WebhookUpdate, parse_printful_webhook};

/// Where a POD order ships to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipient {
    pub name: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state_code: String,
    pub country_code: String,
    pub zip: String,
    pub email: String,
}

/// A print-ready file, by public or signed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintFile {
    pub url: String,
}

/// One line of a POD order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodItem {
    /// The provider's catalog variant id (Printful v1 `variant_id`).
    pub catalog_variant_id: i64,
    pub quantity: u32,
    pub name: String,
    /// Retail price of one unit, in minor units of the order's currency.
    pub retail_price_minor: i64,
    pub files: Vec<PrintFile>,
}

/// An order to send to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodOrder {
    /// Our job uid, `[A-Za-z0-9_-]{1,32}`; the provider's `external_id`.
    pub external_id: String,
    pub recipient: Recipient,
    pub items: Vec<PodItem>,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
    /// Digits after the decimal point for `currency` (2 for USD, 0 for JPY).
    pub currency_exponent: u32,
}

/// What the provider says about an order now.
#[derive(Debug, Clone, PartialEq)]
pub struct PodUpdate {
    pub state: PodState,
    /// The provider's own order id (Printful's numeric `id`, as a string).
    pub provider_ref: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PodError {
    /// Worth retrying later with backoff: timeouts, connection errors, 429, 5xx.
    #[error("print provider temporarily unavailable: {0}")]
    Transient(String),
    /// The provider refused the order (4xx other than 429), or we refused to send it;
    /// retrying the same request will not help. The message is meant for the artist.
    #[error("print provider rejected the order: {0}")]
    Rejected(String),
    /// Unknown order at the provider (404).
    #[error("order not found at the print provider")]
    NotFound,
}

/// Whether `id` is a valid external id: `[A-Za-z0-9_-]{1,32}`.
pub fn is_valid_external_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Formats integer minor units as a decimal string with `exponent` fraction digits,
/// using integer arithmetic only: `(1250, 2)` → `"12.50"`, `(-5, 2)` → `"-0.05"`,
/// `(500, 0)` → `"500"`. `None` if the exponent is absurd (> 18).
pub fn format_minor(amount: i64, exponent: u32) -> Option<String> {
    let scale = 10u128.checked_pow(exponent).filter(|_| exponent <= 18)?;
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs() as u128;
    if exponent == 0 {
        return Some(format!("{sign}{abs}"));
    }
    let (major, minor) = (abs / scale, abs % scale);
    Some(format!("{sign}{major}.{minor:0width$}", width = exponent as usize))
}

/// Checks an order before anything is sent; the error message is for the artist.
pub fn validate_order(order: &PodOrder) -> Result<(), PodError> {
    let reject = |msg: String| Err(PodError::Rejected(msg));
    if !is_valid_external_id(&order.external_id) {
        return reject(format!(
            "invalid external id {:?}: 1-32 characters of A-Z, a-z, 0-9, '_' or '-'",
            order.external_id
        ));
    }
    let r = &order.recipient;
    for (field, value) in [
        ("name", &r.name),
        ("address1", &r.address1),
        ("city", &r.city),
        ("country_code", &r.country_code),
        ("zip", &r.zip),
    ] {
        if value.trim().is_empty() {
            return reject(format!("recipient {field} is missing"));
        }
    }
    let cc = r.country_code.trim();
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_alphabetic()) {
        return reject(format!("recipient country_code {cc:?} is not a two-letter ISO code"));
    }
    let cur = order.currency.trim();
    if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_alphabetic()) {
        return reject(format!("currency {cur:?} is not a three-letter ISO 4217 code"));
    }
    if format_minor(0, order.currency_exponent).is_none() {
        return reject(format!("currency exponent {} is out of range", order.currency_exponent));
    }
    if order.items.is_empty() {
        return reject("the order has no items".into());
    }
    for (i, item) in order.items.iter().enumerate() {
        let n = i + 1;
        if item.catalog_variant_id <= 0 {
            return reject(format!("item {n}: catalog variant id must be positive"));
        }
        if item.quantity == 0 {
            return reject(format!("item {n}: quantity must be at least 1"));
        }
        if item.retail_price_minor < 0 {
            return reject(format!("item {n}: retail price must not be negative"));
        }
        if item.files.is_empty() {
            return reject(format!("item {n}: no print file"));
        }
        for f in &item.files {
            match url::Url::parse(f.url.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    return reject(format!("item {n}: print file URL {:?} is not http(s)", f.url));
                }
            }
        }
    }
    Ok(())
}
