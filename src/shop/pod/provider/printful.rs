//! A client for Printful's v1 Orders API (`POST /orders`, `GET|DELETE /orders/@{external_id}`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{PodError, PodOrder, PodState, PodUpdate, format_minor, is_valid_external_id};

const USER_AGENT: &str = concat!("boptone-pod/", env!("CARGO_PKG_VERSION"));
/// Longest provider message passed on to the artist.
const MAX_MESSAGE: usize = 500;

/// Printful v1 orders client. Its `Debug` never shows the API key.
#[derive(Clone)]
pub struct PrintfulClient {
    base_url: url::Url,
    api_key: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for PrintfulClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintfulClient")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl PrintfulClient {
    /// `base_url` is e.g. `https://api.printful.com`; connect timeout 5 s, total 20 s.
    pub fn new(base_url: &str, api_key: &str) -> Result<PrintfulClient, String> {
        Self::with_timeouts(base_url, api_key, Duration::from_secs(5), Duration::from_secs(20))
    }

    /// Like [`PrintfulClient::new`] with explicit connect and total (per request) timeouts.
    pub fn with_timeouts(
        base_url: &str,
        api_key: &str,
        connect: Duration,
        total: Duration,
    ) -> Result<PrintfulClient, String> {
        let base = url::Url::parse(base_url.trim()).map_err(|e| format!("invalid Printful base URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err("Printful base URL must be http(s) with a host".into());
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err("Printful base URL must not carry credentials".into());
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err("Printful base URL must not have a query or fragment".into());
        }
        let api_key = api_key.trim();
        if api_key.is_empty() {
            return Err("Printful API key is empty".into());
        }
        if api_key.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
            return Err("Printful API key has characters not allowed in a header".into());
        }
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(PrintfulClient { base_url: base, api_key: api_key.to_owned(), http })
    }

    /// Creates and confirms an order (`POST /orders?confirm=true`). Safe to retry: if
    /// Printful already has an order with this external id, its current state is returned.
    pub async fn create_order(&self, order: &PodOrder) -> Result<PodUpdate, PodError> {
        super::validate_order(order)?;
        let body = wire_order(order)?;
        let mut url = self.endpoint(&["orders"]);
        url.query_pairs_mut().append_pair("confirm", "true");
        match self.call(reqwest::Method::POST, url, Some(&body)).await {
            Err(PodError::Rejected(msg)) if is_duplicate_external_id(&msg) => {
                tracing::info!(external_id = %order.external_id, "printful order already exists; fetching it");
                match self.get_order(&order.external_id).await {
                    Err(PodError::NotFound) => Err(PodError::Rejected(msg)),
                    other => other,
                }
            }
            other => other,
        }
    }

    /// `GET /orders/@{external_id}`.
    pub async fn get_order(&self, external_id: &str) -> Result<PodUpdate, PodError> {
        let url = self.order_url(external_id)?;
        self.call::<()>(reqwest::Method::GET, url, None).await
    }

    /// `DELETE /orders/@{external_id}`: Printful cancels draft, pending and failed orders;
    /// others are refused (→ [`PodError::Rejected`]).
    pub async fn cancel_order(&self, external_id: &str) -> Result<PodUpdate, PodError> {
        let url = self.order_url(external_id)?;
        self.call::<()>(reqwest::Method::DELETE, url, None).await
    }

    fn endpoint(&self, segments: &[&str]) -> url::Url {
        let mut url = self.base_url.clone();
        url.path_segments_mut().expect("http(s) URLs with a host can be a base").pop_if_empty().extend(segments);
        url
    }

    fn order_url(&self, external_id: &str) -> Result<url::Url, PodError> {
        if !is_valid_external_id(external_id) {
            return Err(PodError::Rejected(format!("invalid external id {external_id:?}")));
        }
        Ok(self.endpoint(&["orders", &format!("@{external_id}")]))
    }

    /// Sends one request and turns Printful's `{code, result}` envelope into an update.
    async fn call<B: Serialize>(
        &self,
        method: reqwest::Method,
        url: url::Url,
        body: Option<&B>,
    ) -> Result<PodUpdate, PodError> {
        let path = url.path().to_owned();
        tracing::debug!(%method, %path, "printful request");
        let mut req = self.http.request(method.clone(), url).bearer_auth(&self.api_key);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| transient(&method, &path, e))?;
        let status = resp.status();
        let retry_after =
            resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = resp.text().await.map_err(|e| transient(&method, &path, e))?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if status.is_success() {
            let result = json.as_ref().and_then(|j| j.get("result"));
            return result.ok_or_else(|| "no `result` in the response".to_owned()).and_then(update_from_order).map_err(
                |e| {
                    tracing::warn!(%method, %path, error = %e, "unexpected printful response");
                    PodError::Transient(format!("unexpected Printful response: {e}"))
                },
            );
        }
        let msg = error_message(json.as_ref(), &text, status);
        tracing::warn!(%method, %path, status = status.as_u16(), message = %msg, "printful error");
        match status.as_u16() {
            404 => Err(PodError::NotFound),
            408 | 429 | 500..=599 => Err(PodError::Transient(match retry_after {
                Some(s) => format!("HTTP {}: {msg} (retry after {s} s)", status.as_u16()),
                None => format!("HTTP {}: {msg}", status.as_u16()),
            })),
            400..=499 => Err(PodError::Rejected(msg)),
            _ => Err(PodError::Transient(format!("unexpected HTTP {}: {msg}", status.as_u16()))),
        }
    }
}

fn transient(method: &reqwest::Method, path: &str, e: reqwest::Error) -> PodError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    tracing::warn!(%method, %path, error = %e, "printful {kind}");
    PodError::Transient(format!("Printful {method} {path} {kind}: {e}"))
}

/// The provider's message: `result` when it is a string, else `error.message`, else the body.
fn error_message(json: Option<&Value>, text: &str, status: reqwest::StatusCode) -> String {
    let from_json = json.and_then(|j| {
        j.get("result")
            .and_then(Value::as_str)
            .or_else(|| j.pointer("/error/message").and_then(Value::as_str))
            .map(str::to_owned)
    });
    let msg = from_json
        .filter(|m| !m.trim().is_empty())
        .or_else(|| Some(text.trim().to_owned()).filter(|t| !t.is_empty() && json.is_none()))
        .unwrap_or_else(|| format!("HTTP {status}"));
    truncate(msg.trim(), MAX_MESSAGE)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn is_duplicate_external_id(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("external")
        && ["already exist", "duplicate", "not unique", "already in use", "already used"].iter().any(|p| m.contains(p))
}

/// Printful order status → our state.
pub(super) fn map_status(status: &str) -> Option<PodState> {
    Some(match status {
        "draft" | "pending" => PodState::Submitted,
        "inprocess" | "onhold" | "partial" => PodState::InProduction,
        "fulfilled" => PodState::Shipped,
        "failed" => PodState::Failed,
        "canceled" | "archived" => PodState::Cancelled,
        _ => return None,
    })
}

#[derive(Deserialize)]
pub(super) struct WireShipment {
    pub carrier: Option<String>,
    pub tracking_number: Option<Value>,
    pub tracking_url: Option<String>,
}

#[derive(Deserialize)]
struct WireOrderOut {
    id: Option<Value>,
    status: Option<String>,
    shipments: Option<Vec<WireShipment>>,
}

/// A string, or a number written as one; empty and `0` (Printful's "none") → None.
pub(super) fn text_of(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(s).filter(|s| !s.is_empty() && s != "0")
}

pub(super) fn tracking_of(s: &WireShipment) -> (Option<String>, Option<String>, Option<String>) {
    let non_empty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned);
    (non_empty(&s.carrier), text_of(s.tracking_number.as_ref()), non_empty(&s.tracking_url))
}

/// A Printful v1 order object → our update (tracking from `shipments[0]`).
pub(super) fn update_from_order(order: &Value) -> Result<PodUpdate, String> {
    let o: WireOrderOut = WireOrderOut::deserialize(order).map_err(|e| format!("bad order object: {e}"))?;
    let provider_ref = text_of(o.id.as_ref()).ok_or("order has no id")?;
    let status = o.status.ok_or("order has no status")?;
    let state = map_status(&status).ok_or_else(|| format!("unknown order status {status:?}"))?;
    let (carrier, tracking_number, tracking_url) =
        o.shipments.as_ref().and_then(|s| s.first()).map(tracking_of).unwrap_or_default();
    Ok(PodUpdate { state, provider_ref, carrier, tracking_number, tracking_url, reason: None })
}

fn wire_order(order: &PodOrder) -> Result<Value, PodError> {
    let r = &order.recipient;
    let mut recipient = serde_json::Map::new();
    for (k, v, required) in [
        ("name", &r.name, true),
        ("address1", &r.address1, true),
        ("address2", &r.address2, false),
        ("city", &r.city, true),
        ("state_code", &r.state_code, false),
        ("country_code", &r.country_code, true),
        ("zip", &r.zip, true),
        ("email", &r.email, false),
    ] {
        let v = v.trim();
        if required || !v.is_empty() {
            let v = if k == "country_code" { v.to_ascii_uppercase() } else { v.to_owned() };
            recipient.insert(k.into(), Value::String(v));
        }
    }
    let mut items = Vec::with_capacity(order.items.len());
    for item in &order.items {
        let price = format_minor(item.retail_price_minor, order.currency_exponent)
            .ok_or_else(|| PodError::Rejected("currency exponent is out of range".into()))?;
        let files: Vec<Value> = item.files.iter().map(|f| serde_json::json!({ "url": f.url.trim() })).collect();
        items.push(serde_json::json!({
            "variant_id": item.catalog_variant_id,
            "quantity": item.quantity,
            "name": item.name,
            "retail_price": price,
            "files": files,
        }));
    }
    Ok(serde_json::json!({
        "external_id": order.external_id,
        "recipient": recipient,
        "items": items,
        "retail_costs": { "currency": order.currency.trim().to_ascii_uppercase() },
    }))
}
