//! A loopback HTTP server that answers like Printful's v1 Orders API, for tests.
// Shared with the provider client's unit tests (src/shop/pod/provider), which use all of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// How the fixture answers every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// 500 with a Printful-style error envelope.
    Fail500,
    /// Sleep far longer than any client timeout before answering.
    Stall,
}

struct Inner {
    key: String,
    mode: Mode,
    orders: HashMap<String, Value>,
    next_id: i64,
    requests: usize,
    last_body: Option<Value>,
    last_query: Option<String>,
}

type Shared = Arc<Mutex<Inner>>;

pub struct Fixture {
    /// `http://127.0.0.1:PORT` (the API is also served under `/pf`).
    pub base_url: String,
    inner: Shared,
}

impl Fixture {
    pub async fn start(key: &str) -> Fixture {
        let inner = Arc::new(Mutex::new(Inner {
            key: key.to_owned(),
            mode: Mode::Normal,
            orders: HashMap::new(),
            next_id: 1,
            requests: 0,
            last_body: None,
            last_query: None,
        }));
        let api = Router::new()
            .route("/orders", post(create))
            .route("/orders/{id}", get(fetch).delete(cancel))
            .with_state(inner.clone());
        let app = Router::new().nest("/pf", api.clone()).merge(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fixture { base_url: format!("http://{addr}"), inner }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    pub fn set_mode(&self, mode: Mode) {
        self.lock().mode = mode;
    }

    /// Requests received so far (any route, any outcome).
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    pub fn order_count(&self) -> usize {
        self.lock().orders.len()
    }

    /// The JSON body and raw query of the last POST /orders.
    pub fn last_create(&self) -> (Option<Value>, Option<String>) {
        let g = self.lock();
        (g.last_body.clone(), g.last_query.clone())
    }

    /// Moves an order to a Printful status, optionally adding a shipment.
    pub fn advance(&self, external_id: &str, status: &str, shipment: Option<Value>) {
        let mut g = self.lock();
        let order = g.orders.get_mut(external_id).expect("no such order");
        order["status"] = json!(status);
        if let Some(s) = shipment {
            order["shipments"].as_array_mut().unwrap().push(s);
        }
    }
}

fn reply(code: u16, result: Value) -> Response {
    let mut body = json!({ "code": code, "result": result });
    if code >= 400 {
        let reason = match code {
            400 => "BadRequest",
            401 => "Unauthorized",
            404 => "NotFound",
            _ => "InternalServerError",
        };
        body["error"] = json!({ "reason": reason, "message": result });
    }
    (StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()
}

/// Counts the request, applies the mode and checks the bearer token.
async fn gate(state: &Shared, headers: &HeaderMap) -> Option<Response> {
    let (mode, key) = {
        let mut g = state.lock().unwrap();
        g.requests += 1;
        (g.mode, g.key.clone())
    };
    match mode {
        Mode::Normal => {}
        Mode::Fail500 => return Some(reply(500, json!("Internal server error"))),
        Mode::Stall => tokio::time::sleep(Duration::from_secs(30)).await,
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(format!("Bearer {key}").as_str()) {
        return Some(reply(401, json!("Unauthorized")));
    }
    None
}

fn field<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("").trim()
}

async fn create(State(state): State<Shared>, RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = gate(&state, &headers).await {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return reply(400, json!("Invalid JSON"));
    };
    let mut g = state.lock().unwrap();
    g.last_body = Some(body.clone());
    g.last_query = query.clone();
    let recipient = body.get("recipient").cloned().unwrap_or(Value::Null);
    let country = field(&recipient, "country_code");
    if country.is_empty() {
        return reply(400, json!("Recipient: Country code is missing"));
    }
    if matches!(country, "US" | "CA" | "AU") && field(&recipient, "state_code").is_empty() {
        return reply(400, json!("Recipient: State code is missing"));
    }
    if body["items"].as_array().is_none_or(|a| a.is_empty()) {
        return reply(400, json!("Items: Array is empty"));
    }
    let external_id = field(&body, "external_id").to_owned();
    if g.orders.contains_key(&external_id) {
        return reply(400, json!("Order with this external ID already exists"));
    }
    let confirm = query.is_some_and(|q| q.split('&').any(|p| p == "confirm=true" || p == "confirm=1"));
    let id = g.next_id;
    g.next_id += 1;
    let order = json!({
        "id": id,
        "external_id": external_id,
        "store": 12,
        "status": if confirm { "pending" } else { "draft" },
        "shipping": "STANDARD",
        "created": 1_700_000_000,
        "updated": 1_700_000_000,
        "recipient": recipient,
        "items": body["items"],
        "retail_costs": body["retail_costs"],
        "shipments": [],
    });
    g.orders.insert(external_id, order.clone());
    reply(200, order)
}

fn find<'a>(g: &'a mut Inner, id: &str) -> Option<&'a mut Value> {
    match id.strip_prefix('@') {
        Some(ext) => g.orders.get_mut(ext),
        None => g.orders.values_mut().find(|o| o["id"].as_i64() == id.parse().ok()),
    }
}

async fn fetch(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = gate(&state, &headers).await {
        return r;
    }
    match find(&mut state.lock().unwrap(), &id) {
        Some(order) => reply(200, order.clone()),
        None => reply(404, json!("Not found")),
    }
}

async fn cancel(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = gate(&state, &headers).await {
        return r;
    }
    let mut g = state.lock().unwrap();
    let Some(order) = find(&mut g, &id) else {
        return reply(404, json!("Not found"));
    };
    if !matches!(order["status"].as_str(), Some("draft" | "pending" | "failed")) {
        return reply(400, json!("This order can not be canceled"));
    }
    order["status"] = json!("canceled");
    reply(200, order.clone())
}
