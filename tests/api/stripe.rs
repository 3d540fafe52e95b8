//! The Stripe provider against a local server that plays Stripe with the
//! official example objects (`../shared/stripe/fixtures3.json`), so the real
//! async-stripe client parses real Stripe shapes; webhooks are signed with
//! Stripe's scheme by Stripe's own library.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use stripe_webhook::Webhook;

use crate::bops::count_text;
use crate::browser::{Browser, PASSWORD, png};
use crate::helpers::{TestApp, client, spawn_app_with};

const WEBHOOK_SECRET: &str = "whsec_test_boptone";

fn fixture(kind: &str) -> Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    let all = FIXTURES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/stripe/fixtures3.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("the shared Stripe fixtures")).unwrap()
    });
    all["resources"][kind].clone()
}

#[derive(Default)]
struct Recorded {
    requests: Vec<(String, String)>,
    enabled_accounts: HashMap<String, bool>,
    /// Idempotency keys seen, in order, and Stripe's first answer to each.
    keys: Vec<String>,
    answers: HashMap<String, Value>,
}

/// Stripe's idempotency: a request whose `Idempotency-Key` was seen before
/// gets the first answer again; otherwise `make` answers and is remembered.
fn idempotent(state: &Shared, headers: &HeaderMap, make: impl FnOnce() -> Value) -> Json<Value> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut recorded = state.lock().unwrap();
    let Some(key) = key else { return Json(make()) };
    recorded.keys.push(key.clone());
    Json(recorded.answers.entry(key).or_insert_with(make).clone())
}

#[derive(Clone)]
pub(crate) struct FakeStripe {
    base: String,
    recorded: Arc<Mutex<Recorded>>,
}

impl FakeStripe {
    pub(crate) fn requests_to(&self, path: &str) -> Vec<String> {
        let recorded = self.recorded.lock().unwrap();
        recorded.requests.iter().filter(|(p, _)| p == path).map(|(_, body)| body.clone()).collect()
    }

    fn enable_account(&self, account: &str) {
        self.recorded.lock().unwrap().enabled_accounts.insert(account.to_owned(), true);
    }
}

type Shared = Arc<Mutex<Recorded>>;

fn record(state: &Shared, path: &str, body: String) -> HashMap<String, String> {
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    state.lock().unwrap().requests.push((path.to_owned(), body));
    form
}

async fn create_checkout_session(State(state): State<Shared>, body: String) -> Json<Value> {
    let form = record(&state, "/v1/checkout/sessions", body);
    let mut session = fixture("checkout.session");
    let id = format!("cs_test_{}", uuid::Uuid::new_v4().simple());
    session["id"] = json!(id);
    session["mode"] = json!(form.get("mode").cloned().unwrap_or_default());
    session["url"] = json!(format!("https://checkout.stripe.com/c/pay/{id}"));
    session["client_reference_id"] = json!(form.get("client_reference_id"));
    session["customer_email"] = json!(form.get("customer_email"));
    Json(session)
}

async fn expire_checkout_session(State(state): State<Shared>, Path(id): Path<String>, body: String) -> Json<Value> {
    record(&state, &format!("/v1/checkout/sessions/{id}/expire"), body);
    let mut session = fixture("checkout.session");
    session["id"] = json!(id);
    session["status"] = json!("expired");
    Json(session)
}

async fn create_account(State(state): State<Shared>, headers: HeaderMap, body: String) -> Json<Value> {
    record(&state, "/v1/accounts", body);
    idempotent(&state, &headers, || {
        let mut account = fixture("account");
        account["id"] = json!(format!("acct_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]));
        account
    })
}

async fn create_account_link(State(state): State<Shared>, body: String) -> Json<Value> {
    let form = record(&state, "/v1/account_links", body);
    let mut link = fixture("account_link");
    link["url"] = json!(format!("https://connect.stripe.com/setup/s/{}/onboard", form["account"]));
    Json(link)
}

async fn retrieve_account(State(state): State<Shared>, Path(id): Path<String>) -> Json<Value> {
    let enabled = state.lock().unwrap().enabled_accounts.get(&id).copied().unwrap_or(false);
    Json(account_object(&id, enabled))
}

/// An `account` fixture with this id and every capability flag set to `enabled`.
fn account_object(id: &str, enabled: bool) -> Value {
    let mut account = fixture("account");
    account["id"] = json!(id);
    for flag in ["charges_enabled", "payouts_enabled", "details_submitted"] {
        account[flag] = json!(enabled);
    }
    account
}

async fn create_payment_intent(State(state): State<Shared>, headers: HeaderMap, body: String) -> Json<Value> {
    let form = record(&state, "/v1/payment_intents", body);
    idempotent(&state, &headers, || {
        let mut intent = fixture("payment_intent");
        let id = format!("pi_{}", uuid::Uuid::new_v4().simple());
        intent["client_secret"] = json!(format!("{id}_secret_test"));
        intent["id"] = json!(id);
        intent["amount"] = json!(form["amount"].parse::<i64>().unwrap());
        intent["status"] = json!("requires_payment_method");
        intent
    })
}

async fn create_refund(State(state): State<Shared>, headers: HeaderMap, body: String) -> Json<Value> {
    let form = record(&state, "/v1/refunds", body);
    idempotent(&state, &headers, || {
        let mut refund = fixture("refund");
        refund["id"] = json!(format!("re_{}", uuid::Uuid::new_v4().simple()));
        refund["amount"] = json!(form["amount"].parse::<i64>().unwrap());
        refund["payment_intent"] = json!(form["payment_intent"]);
        refund["status"] = json!("succeeded");
        refund
    })
}

async fn cancel_payment_intent(State(state): State<Shared>, Path(id): Path<String>, body: String) -> Json<Value> {
    record(&state, &format!("/v1/payment_intents/{id}/cancel"), body);
    let mut intent = fixture("payment_intent");
    intent["id"] = json!(id);
    intent["status"] = json!("canceled");
    Json(intent)
}

/// A connected account's balance (the `Stripe-Account` header names it).
async fn retrieve_balance(State(state): State<Shared>, headers: HeaderMap) -> Json<Value> {
    let account = headers.get("stripe-account").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    record(&state, "/v1/balance", account);
    let mut balance = fixture("balance");
    balance["available"][0]["amount"] = json!(1234);
    balance["pending"][0]["amount"] = json!(4200);
    Json(balance)
}

/// The platform's latest payouts: a list of the `payout` fixture (the
/// query string is recorded).
async fn list_payouts(State(state): State<Shared>, RawQuery(query): RawQuery) -> Json<Value> {
    record(&state, "/v1/payouts", query.unwrap_or_default());
    Json(json!({ "object": "list", "url": "/v1/payouts", "has_more": false, "data": [fixture("payout")] }))
}

pub(crate) async fn spawn_fake_stripe() -> FakeStripe {
    let recorded: Shared = Arc::default();
    let router = Router::new()
        .route("/v1/checkout/sessions", post(create_checkout_session))
        .route("/v1/checkout/sessions/{id}/expire", post(expire_checkout_session))
        .route("/v1/accounts", post(create_account))
        .route("/v1/account_links", post(create_account_link))
        .route("/v1/accounts/{id}", get(retrieve_account))
        .route("/v1/payment_intents", post(create_payment_intent))
        .route("/v1/payment_intents/{id}/cancel", post(cancel_payment_intent))
        .route("/v1/refunds", post(create_refund))
        .route("/v1/balance", get(retrieve_balance))
        .route("/v1/payouts", get(list_payouts))
        .with_state(recorded.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    FakeStripe { base, recorded }
}

pub(crate) async fn stripe_app(fake: &FakeStripe) -> TestApp {
    stripe_app_at(&fake.base).await
}

/// An app whose Stripe API is at `base`.
pub(crate) async fn stripe_app_at(base: &str) -> TestApp {
    let base = base.to_owned();
    spawn_app_with(
        move |c| {
            c.payments.provider = boptone::config::PaymentsProvider::Stripe;
            c.payments.stripe.api_base = base.parse().unwrap();
            c.payments.stripe.secret_key = "sk_test_boptone".to_owned().into();
            c.payments.stripe.webhook_secret = WEBHOOK_SECRET.to_owned().into();
            c.payments.stripe.publishable_key = "pk_test_boptone".into();
            c.set("tiers.starter.stripe_price_id", "price_starter");
            c.set("tiers.pro.stripe_price_id", "price_pro");
            c.set("tiers.label.stripe_price_id", "price_label");
        },
        None,
        None,
    )
    .await
}

/// An `event` fixture of `event_type` carrying `object`, created a second
/// after the one made before it (Stripe applies changes in creation order).
fn event(event_type: &str, object: Value) -> String {
    static MADE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    let mut event = fixture("event");
    event["created"] = json!(chrono_now() + MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    event["id"] = json!(format!("evt_{}", uuid::Uuid::new_v4().simple()));
    event["type"] = json!(event_type);
    event["data"] = json!({ "object": object });
    serde_json::to_string(&event).unwrap()
}

async fn deliver(app: &TestApp, payload: &str, signature: Option<String>) -> u16 {
    let mut request =
        client().post(app.url("/webhooks/stripe")).header("content-type", "application/json").body(payload.to_owned());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.unwrap().status().as_u16()
}

fn signed(payload: &str) -> Option<String> {
    Some(Webhook::generate_test_header(payload, WEBHOOK_SECRET, None))
}

fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

fn subscription_status(app: &TestApp) -> String {
    app.state.db.read_blocking(|c| c.query_row("SELECT status FROM subscriptions", [], |r| r.get(0))).unwrap()
}

/// Signs up through the web; returns the browser and the Checkout Session id.
async fn sign_up_with_stripe(app: &TestApp, fake: &FakeStripe) -> (Browser, String) {
    let mut browser = Browser::new(&app.address);
    let target = crate::browser::confirmed_signup(&mut browser, "stripe@example.com").await;
    let session =
        target.strip_prefix("https://checkout.stripe.com/c/pay/").expect("sent to Stripe Checkout").to_owned();
    let sent = fake.requests_to("/v1/checkout/sessions").pop().unwrap();
    let uid: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT uid FROM artist_profiles", [], |r| r.get(0))).unwrap();
    let sent = form(&sent);
    assert_eq!(sent["mode"], "subscription");
    assert_eq!(sent["line_items[0][price]"], "price_pro");
    assert_eq!(sent["customer_email"], "stripe@example.com");
    assert_eq!(sent["client_reference_id"], uid);
    assert!(sent["success_url"].starts_with(&app.state.views.globals().public_url));
    (browser, session)
}

fn completed_session(session: &str) -> Value {
    let mut object = fixture("checkout.session");
    object["id"] = json!(session);
    object["mode"] = json!("subscription");
    object["status"] = json!("complete");
    object["payment_status"] = json!("paid");
    object["customer"] = json!("cus_boptone");
    object["subscription"] = json!("sub_boptone");
    object
}

#[tokio::test]
async fn checkout_then_signed_webhooks_drive_the_subscription() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (_browser, session) = sign_up_with_stripe(&app, &fake).await;
    assert_eq!(subscription_status(&app), "incomplete");

    let payload = event("checkout.session.completed", completed_session(&session));
    assert_eq!(deliver(&app, &payload, signed(&payload)).await, 200);
    assert_eq!(subscription_status(&app), "active");
    let updates = "SELECT COUNT(*) FROM platform_events WHERE event_type = 'artist.subscription.updated'";
    assert_eq!(count(&app, updates), 1);

    assert_eq!(deliver(&app, &payload, signed(&payload)).await, 200, "a replay is acknowledged");
    assert_eq!(count(&app, updates), 1, "a replay has no second effect");

    let mut subscription = fixture("subscription");
    subscription["id"] = json!("sub_boptone");
    subscription["status"] = json!("past_due");
    let updated = event("customer.subscription.updated", subscription.clone());
    assert_eq!(deliver(&app, &updated, signed(&updated)).await, 200);
    assert_eq!(subscription_status(&app), "past_due");

    let mut invoice = fixture("invoice");
    invoice["id"] = json!("in_boptone");
    invoice["parent"] = json!({
        "type": "subscription_details",
        "quote_details": null,
        "subscription_details": {"subscription": "sub_boptone", "metadata": {}}
    });
    let mut active = fixture("subscription");
    active["id"] = json!("sub_boptone");
    active["status"] = json!("active");
    let restored = event("customer.subscription.updated", active);
    assert_eq!(deliver(&app, &restored, signed(&restored)).await, 200);
    assert_eq!(subscription_status(&app), "active");
    let failed = event("invoice.payment_failed", invoice);
    assert_eq!(deliver(&app, &failed, signed(&failed)).await, 200);
    assert_eq!(subscription_status(&app), "past_due", "a failed renewal closes the gate");

    let deleted = event("customer.subscription.deleted", subscription);
    assert_eq!(deliver(&app, &deleted, signed(&deleted)).await, 200);
    assert_eq!(subscription_status(&app), "canceled");

    let unknown = event("issuing_card.created", fixture("issuing.card"));
    assert_eq!(deliver(&app, &unknown, signed(&unknown)).await, 200, "unknown types are acknowledged");
    app.stop().await;
}

#[tokio::test]
async fn bad_webhook_signatures_are_refused_and_change_nothing() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (_browser, session) = sign_up_with_stripe(&app, &fake).await;
    let payload = event("checkout.session.completed", completed_session(&session));

    let tampered = payload.replace("sub_boptone", "sub_attacker");
    let stale = Some(Webhook::generate_test_header(&payload, WEBHOOK_SECRET, Some(chrono_now() - 301)));
    let wrong_secret = Some(Webhook::generate_test_header(&payload, "whsec_someone_else", None));
    let cases = [
        ("missing", payload.clone(), None),
        ("tampered", tampered, signed(&payload)),
        ("wrong secret", payload.clone(), wrong_secret),
        ("stale", payload.clone(), stale),
        ("garbage header", payload.clone(), Some("t=abc,v1=nothex".to_owned())),
    ];
    for (name, body, signature) in cases {
        assert_eq!(deliver(&app, &body, signature).await, 400, "{name}");
    }
    assert_eq!(subscription_status(&app), "incomplete");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM processed_webhooks"), 0);
    assert_eq!(deliver(&app, &payload, signed(&payload)).await, 200, "the genuine one still works");
    assert_eq!(subscription_status(&app), "active");
    app.stop().await;
}

fn form(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn payouts_onboard_through_an_account_link_and_account_updated() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (mut browser, session) = sign_up_with_stripe(&app, &fake).await;
    let payload = event("checkout.session.completed", completed_session(&session));
    deliver(&app, &payload, signed(&payload)).await;
    let setup = browser
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Stripe Star"), ("genres", "House")],
            Some(("photo", png(700, 700), "image/png")),
        )
        .await;
    assert_eq!(setup.redirect(), "/artist/payout");

    // A double-click: two starts at once get one account, and neither fails.
    let token = browser.csrf().await;
    let start = |client: reqwest::Client| {
        let (url, token) = (app.url("/artist/payout/start"), token.clone());
        async move { client.post(url).form(&[("csrf_token", token)]).send().await.unwrap() }
    };
    let (first, second) = tokio::join!(start(browser.client.clone()), start(browser.client.clone()));
    let link = first.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(second.headers()["location"].to_str().unwrap(), link, "both clicks go to the one account");
    assert!(link.starts_with("https://connect.stripe.com/setup/s/acct_"), "{link}");
    let keys = fake.recorded.lock().unwrap().keys.clone();
    let artist_uid: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT uid FROM artist_profiles", [], |r| r.get(0))).unwrap();
    let expected = format!("boptone-account-{artist_uid}");
    assert!(!keys.is_empty() && keys.iter().all(|k| *k == expected), "{keys:?}");
    let account_request = form(&fake.requests_to("/v1/accounts").pop().unwrap());
    assert_eq!(
        (account_request["type"].as_str(), account_request["email"].as_str()),
        ("express", "stripe@example.com")
    );
    let link_request = form(&fake.requests_to("/v1/account_links").pop().unwrap());
    assert_eq!(link_request["type"], "account_onboarding");
    assert!(link_request["return_url"].ends_with("/artist/payout/return"));
    assert!(link_request["refresh_url"].ends_with("/artist/payout/refresh"));
    let account: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT account_ref FROM stripe_connect_accounts", [], |r| r.get(0)))
        .unwrap();

    // Back from Stripe before it finished: still not enabled.
    assert_eq!(browser.get("/artist/payout/return").await.redirect(), "/dashboard");
    assert!(browser.get("/dashboard").await.body.contains("Connect payouts"));

    // Stripe says so by webhook…
    let updated = event("account.updated", account_object(&account, true));
    assert_eq!(deliver(&app, &updated, signed(&updated)).await, 200);
    assert!(browser.get("/dashboard").await.body.contains("Earned today"));

    // …and a fresh read on return agrees (here: a second account is enabled by retrieval).
    fake.enable_account(&account);
    assert_eq!(browser.get("/artist/payout/return").await.redirect(), "/dashboard");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM stripe_connect_accounts WHERE payouts_enabled = 1"), 1);
    app.stop().await;
}

/// An artist subscribed, set up and with payouts enabled, all through Stripe's word.
async fn stripe_ready_artist(app: &TestApp, fake: &FakeStripe) -> (Browser, String) {
    let (mut browser, session) = sign_up_with_stripe(app, fake).await;
    let paid = event("checkout.session.completed", completed_session(&session));
    deliver(app, &paid, signed(&paid)).await;
    browser
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Tip Star"), ("genres", "Soul")],
            Some(("photo", png(400, 400), "image/png")),
        )
        .await;
    browser.post_form("/artist/payout/start", &[]).await;
    let account: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT account_ref FROM stripe_connect_accounts", [], |r| r.get(0)))
        .unwrap();
    let enabled = event("account.updated", account_object(&account, true));
    deliver(app, &enabled, signed(&enabled)).await;
    (browser, account)
}

#[tokio::test]
async fn an_order_is_paid_on_stripes_word_and_refunds_reverse_the_transfer() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (mut browser, account) = stripe_ready_artist(&app, &fake).await;
    let (_, variant) = crate::shop::tee(&app, &mut browser, "5").await;
    let buyer = crate::shop::fan_token(&app, "payer@example.com").await;
    let body = json!({"items": [{"variant_id": variant, "quantity": 2}], "shipping_address": crate::shop::address()});
    let (status, order) =
        crate::bops::call(&app, Some(&buyer), reqwest::Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201, "{order}");
    assert!(order["client_secret"].as_str().unwrap().contains("_secret_"), "{order}");
    assert!(order["confirm_url"].is_null(), "no sandbox confirm with Stripe");
    let id = order["id"].as_str().unwrap().to_owned();
    let stock_sql = format!("SELECT inventory FROM product_variants WHERE uid = '{variant}'");
    let sent = form(&fake.requests_to("/v1/payment_intents").pop().unwrap());
    assert_eq!((sent["amount"].as_str(), sent["application_fee_amount"].as_str()), ("5000", "500"));
    assert_eq!(sent["transfer_data[destination]"], account);
    assert_eq!(sent["metadata[order_uid]"], id);
    assert_eq!(fake.recorded.lock().unwrap().keys.last(), Some(&format!("boptone-order-{id}")));
    let (status, _) =
        crate::bops::call(&app, Some(&buyer), reqwest::Method::POST, &format!("/api/v1/orders/{id}/confirm"), None)
            .await;
    assert_eq!(status, 404, "the client cannot declare an order paid");

    let pi: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT payment_ref FROM orders", [], |r| r.get(0))).unwrap();
    let mut intent = fixture("payment_intent");
    intent["id"] = json!(pi);
    intent["status"] = json!("succeeded");
    let succeeded = event("payment_intent.succeeded", intent);
    assert_eq!(deliver(&app, &succeeded, signed(&succeeded)).await, 200);
    assert_eq!(deliver(&app, &succeeded, signed(&succeeded)).await, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'paid'"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries WHERE source = 'order'"), 1, "recorded once");

    // A refund of one tee: Stripe is asked to reverse the transfer and the fee.
    let item = count(&app, "SELECT id FROM order_items");
    let field = format!("qty_{item}");
    let page = browser.post_form(&format!("/studio/shop/orders/{id}/refund"), &[(field.as_str(), "1")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let refund = form(&fake.requests_to("/v1/refunds").pop().unwrap());
    assert_eq!((refund["payment_intent"].as_str(), refund["amount"].as_str()), (pi.as_str(), "2500"));
    assert_eq!((refund["reverse_transfer"].as_str(), refund["refund_application_fee"].as_str()), ("true", "true"));
    assert_eq!(
        fake.recorded.lock().unwrap().keys.last(),
        Some(&format!("boptone-refund-{id}-1")),
        "the first refund of the order has one name at Stripe: a retry cannot refund twice"
    );
    assert_eq!(count(&app, &stock_sql), 4);

    // Stripe cancels another unpaid order's payment: its units go back at once.
    let body = json!({"items": [{"variant_id": variant, "quantity": 3}], "shipping_address": crate::shop::address()});
    let (_, second) = crate::bops::call(&app, Some(&buyer), reqwest::Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(count(&app, &stock_sql), 1);
    let second_pi: String = app
        .state
        .db
        .read_blocking(move |c| {
            c.query_row("SELECT payment_ref FROM orders WHERE uid = ?1", [second["id"].as_str().unwrap()], |r| r.get(0))
        })
        .unwrap();
    let mut intent = fixture("payment_intent");
    intent["id"] = json!(second_pi);
    intent["status"] = json!("canceled");
    let canceled = event("payment_intent.canceled", intent);
    assert_eq!(deliver(&app, &canceled, signed(&canceled)).await, 200);
    assert_eq!(count(&app, &stock_sql), 4);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'expired'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_tip_is_a_destination_payment_recorded_only_by_the_webhook() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (_browser, account) = stripe_ready_artist(&app, &fake).await;

    // The artist posts a Bop through the app surface; a fan tips it.
    let api = |path: &str| app.url(path);
    let token = |email: &'static str, password: &'static str| {
        let url = api("/api/v1/auth/token");
        async move {
            let response =
                client().post(url).json(&json!({"email": email, "password": password})).send().await.unwrap();
            response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
        }
    };
    let artist_token = token("stripe@example.com", PASSWORD).await;
    let video = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vertical.mp4")).unwrap();
    let created: Value = client()
        .post(api("/api/v1/uploads"))
        .bearer_auth(&artist_token)
        .json(&json!({"size": video.len()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let upload = created["upload_id"].as_str().unwrap();
    client()
        .put(api(&format!("/api/v1/uploads/{upload}?offset=0")))
        .bearer_auth(&artist_token)
        .body(video)
        .send()
        .await
        .unwrap();
    let bop: Value = client()
        .post(api("/api/v1/bops"))
        .bearer_auth(&artist_token)
        .json(&json!({"upload_id": upload}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    boptone::identity::service::create_user_blocking(
        &app.state.db,
        "payer@example.com",
        "payer passphrase",
        boptone::identity::domain::Role::Fan,
    )
    .unwrap();
    let fan_token = token("payer@example.com", "payer passphrase").await;
    let response = client()
        .post(api(&format!("/api/v1/bops/{}/tips", bop["id"].as_str().unwrap())))
        .bearer_auth(&fan_token)
        .json(&json!({"amount_minor": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let started: Value = response.json().await.unwrap();
    assert!(started["client_secret"].as_str().unwrap().contains("_secret_"), "{started}");
    assert!(started["confirm_url"].is_null(), "no sandbox confirm with Stripe");

    let sent = form(&fake.requests_to("/v1/payment_intents").pop().unwrap());
    assert_eq!(sent["amount"], "500");
    assert_eq!(sent["currency"], "usd");
    assert_eq!(sent["application_fee_amount"], "50");
    assert_eq!(sent["transfer_data[destination]"], account);
    assert_eq!(sent["metadata[tip_uid]"], started["tip_id"].as_str().unwrap());
    let tip_key = format!("boptone-tip-{}", started["tip_id"].as_str().unwrap());
    assert_eq!(fake.recorded.lock().unwrap().keys.last(), Some(&tip_key), "the PaymentIntent is created once per tip");
    let confirm = client()
        .post(api(&format!("/api/v1/tips/{}/confirm", started["tip_id"].as_str().unwrap())))
        .bearer_auth(&fan_token)
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 404, "the client cannot declare a tip paid");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips WHERE status = 'succeeded'"), 0);

    let pi: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT payment_ref FROM bops_tips", [], |r| r.get(0))).unwrap();
    let mut intent = fixture("payment_intent");
    intent["id"] = json!(pi);
    intent["amount"] = json!(500);
    intent["status"] = json!("succeeded");
    let succeeded = event("payment_intent.succeeded", intent);
    assert_eq!(deliver(&app, &succeeded, signed(&succeeded)).await, 200);
    assert_eq!(deliver(&app, &succeeded, signed(&succeeded)).await, 200);
    assert_eq!(count(&app, "SELECT tip_count FROM bops_videos"), 1, "recorded once, from the webhook");
    assert_eq!(count(&app, "SELECT tip_total_minor FROM bops_videos"), 500);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'bop.tip.received'"), 1);
    assert_eq!(
        count(&app, "SELECT net_micros FROM ledger_entries WHERE source = 'tip'"),
        450 * 10_000,
        "the tip is in the artist's ledger, less the platform's fee, once"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_fan_app_gets_stripes_card_form_only_with_stripe() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let page = app.get("/app").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self' https://js.stripe.com"), "{csp}");
    assert!(csp.contains("frame-src https://js.stripe.com"), "{csp}");
    assert!(page.text().await.unwrap().contains(r#"data-stripe-key="pk_test_boptone""#));
    app.stop().await;

    let sandbox = crate::helpers::spawn_app().await;
    let page = sandbox.get("/app").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(!csp.contains("stripe"), "{csp}");
    assert!(!page.text().await.unwrap().contains("data-stripe-key"));
    sandbox.stop().await;
}

/// An `event` of `event_type` carrying `object`, created at `created` (unix seconds).
fn event_at(event_type: &str, object: Value, created: i64) -> String {
    let mut event: Value = serde_json::from_str(&event(event_type, object)).unwrap();
    event["created"] = json!(created);
    serde_json::to_string(&event).unwrap()
}

/// Delivers a signed event and checks Stripe is told it arrived.
async fn deliver_signed(app: &TestApp, payload: &str) {
    assert_eq!(deliver(app, payload, signed(payload)).await, 200);
}

fn subscription_with(status: &str) -> Value {
    let mut subscription = fixture("subscription");
    subscription["id"] = json!("sub_boptone");
    subscription["status"] = json!(status);
    subscription
}

#[tokio::test]
async fn late_or_unpaid_webhooks_neither_revive_nor_open_a_subscription() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (_browser, session) = sign_up_with_stripe(&app, &fake).await;
    let t = chrono_now() - 1000;

    let mut unpaid = completed_session(&session);
    unpaid["payment_status"] = json!("unpaid");
    deliver_signed(&app, &event_at("checkout.session.completed", unpaid, t)).await;
    assert_eq!(subscription_status(&app), "incomplete", "an unpaid checkout opens nothing");
    deliver_signed(&app, &event_at("checkout.session.async_payment_succeeded", completed_session(&session), t + 10))
        .await;
    assert_eq!(subscription_status(&app), "active", "the delayed payment arrived");

    // Same second: the status further along the life wins, whatever the delivery order.
    deliver_signed(&app, &event_at("customer.subscription.updated", subscription_with("past_due"), t + 15)).await;
    deliver_signed(&app, &event_at("customer.subscription.updated", subscription_with("active"), t + 15)).await;
    assert_eq!(subscription_status(&app), "past_due", "a tie does not reopen");
    deliver_signed(&app, &event_at("customer.subscription.updated", subscription_with("active"), t + 16)).await;
    assert_eq!(subscription_status(&app), "active");

    deliver_signed(&app, &event_at("customer.subscription.deleted", subscription_with("canceled"), t + 30)).await;
    assert_eq!(subscription_status(&app), "canceled");
    let updates = "SELECT COUNT(*) FROM platform_events WHERE event_type = 'artist.subscription.updated'";
    let applied = count(&app, updates);
    // A late `active` (a new event id, older than the cancellation), and one
    // claiming to be newer: Stripe never reopens a canceled subscription.
    deliver_signed(&app, &event_at("customer.subscription.updated", subscription_with("active"), t + 20)).await;
    deliver_signed(&app, &event_at("customer.subscription.updated", subscription_with("active"), t + 40)).await;
    deliver_signed(&app, &event_at("checkout.session.completed", completed_session(&session), t + 10)).await;
    assert_eq!(subscription_status(&app), "canceled");
    assert_eq!(count(&app, updates), applied, "stale events change nothing");
    app.stop().await;
}

/// A Stripe artist with a paid plan, a profile and a connected account; returns the account id.
async fn artist_with_connect_account(app: &TestApp, fake: &FakeStripe) -> String {
    let (mut browser, session) = sign_up_with_stripe(app, fake).await;
    deliver_signed(app, &event("checkout.session.completed", completed_session(&session))).await;
    browser
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Order Star"), ("genres", "Jazz")],
            Some(("photo", png(400, 400), "image/png")),
        )
        .await;
    browser.post_form("/artist/payout/start", &[]).await;
    app.state
        .db
        .read_blocking(|c| c.query_row("SELECT account_ref FROM stripe_connect_accounts", [], |r| r.get(0)))
        .unwrap()
}

#[tokio::test]
async fn connect_account_updates_apply_in_the_order_stripe_made_them() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let account = artist_with_connect_account(&app, &fake).await;
    let t = chrono_now() - 1000;
    let enabled = "SELECT payouts_enabled FROM stripe_connect_accounts";

    deliver_signed(&app, &event_at("account.updated", account_object(&account, true), t + 10)).await;
    assert_eq!(count(&app, enabled), 1);
    deliver_signed(&app, &event_at("account.updated", account_object(&account, false), t + 5)).await;
    assert_eq!(count(&app, enabled), 1, "an older update arriving late is not applied");

    // Same second: an update that closes applies, one that opens does not.
    deliver_signed(&app, &event_at("account.updated", account_object(&account, false), t + 10)).await;
    assert_eq!(count(&app, enabled), 0);
    deliver_signed(&app, &event_at("account.updated", account_object(&account, true), t + 10)).await;
    assert_eq!(count(&app, enabled), 0, "a tie never opens payouts");
    deliver_signed(&app, &event_at("account.updated", account_object(&account, true), t + 11)).await;
    assert_eq!(count(&app, enabled), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_plan_chosen_after_a_cancelled_stripe_checkout_is_the_price_charged_and_the_plan_activated() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let mut browser = Browser::new(&app.address);
    let checkout = crate::browser::confirmed_signup_on(&mut browser, "mind@example.com", "starter").await;
    assert!(checkout.starts_with("https://checkout.stripe.com/"));
    assert_eq!(
        form(&fake.requests_to("/v1/checkout/sessions").pop().unwrap())["line_items[0][price]"],
        "price_starter"
    );
    let starter = checkout.strip_prefix("https://checkout.stripe.com/c/pay/").unwrap().to_owned();

    // Back from Stripe without paying; the artist picks Label instead.
    browser.get("/artist/subscription?checkout=cancelled").await;
    let page = browser.post_form("/artist/subscription/checkout", &[("tier", "label")]).await;
    let label = page.redirect().strip_prefix("https://checkout.stripe.com/c/pay/").unwrap().to_owned();
    assert_eq!(form(&fake.requests_to("/v1/checkout/sessions").pop().unwrap())["line_items[0][price]"], "price_label");
    let expired = fake.requests_to(&format!("/v1/checkout/sessions/{starter}/expire"));
    assert_eq!(expired.len(), 1, "the Starter checkout can no longer be paid");

    deliver_signed(&app, &event("checkout.session.completed", completed_session(&label))).await;
    let (tier, amount): (String, i64) = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT tier, amount_minor FROM subscriptions", [], |r| Ok((r.get(0)?, r.get(1)?)))
        })
        .unwrap();
    assert_eq!((tier.as_str(), amount, subscription_status(&app).as_str()), ("label", 9900, "active"));
    let page = browser.get("/artist/subscription").await;
    assert!(page.body.contains("Your <strong>Label</strong> plan is active."), "{}", page.body);
    app.stop().await;
}

/// A connected account's payout as Stripe's fixture has it, at `status`.
fn payout_object(status: &str, arrival: i64) -> Value {
    let mut payout = fixture("payout");
    payout["id"] = json!("po_boptone");
    payout["status"] = json!(status);
    payout["amount"] = json!(4200);
    payout["arrival_date"] = json!(arrival);
    if status == "failed" {
        payout["failure_message"] = json!("The bank account has been closed.");
    }
    payout
}

/// A Connect event: it carries the connected account it happened on.
fn connect_event(event_type: &str, object: Value, created: i64, account: &str) -> String {
    let mut event: Value = serde_json::from_str(&event_at(event_type, object, created)).unwrap();
    event["account"] = json!(account);
    serde_json::to_string(&event).unwrap()
}

#[tokio::test]
async fn connect_payouts_are_recorded_in_the_order_stripe_made_them_and_a_failure_puts_the_money_back() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (mut browser, account) = stripe_ready_artist(&app, &fake).await;
    let t = chrono_now() - 1000;
    let arrival = chrono_now() + 2 * 86_400;

    // Stripe starts a payout: the next payout shows, nothing has left yet.
    deliver_signed(&app, &connect_event("payout.created", payout_object("pending", arrival), t, &account)).await;
    deliver_signed(&app, &connect_event("payout.updated", payout_object("in_transit", arrival), t + 5, &account)).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries WHERE source <> 'subscription'"), 0);
    let page = browser.get("/dashboard/earnings").await;
    assert!(page.body.contains("$42.00") && page.body.contains("On its way to your bank"), "{}", page.body);
    // Stripe's own word on the account's balance, asked once a minute at most.
    assert!(page.body.contains("$12.34 available, $42.00 pending"), "{}", page.body);
    browser.get("/dashboard/earnings").await;
    assert_eq!(fake.requests_to("/v1/balance"), vec![account.clone()], "asked once, for this account");

    // Paid: one ledger row, one event, the artist hears of it.
    let paid = connect_event("payout.paid", payout_object("paid", arrival), t + 10, &account);
    deliver_signed(&app, &paid).await;
    deliver_signed(&app, &paid).await;
    assert_eq!(count(&app, "SELECT net_micros FROM ledger_entries WHERE source = 'payout'"), -42_000_000);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'stripe.payout.paid'"), 1);
    // A late `in_transit` (older) changes nothing.
    deliver_signed(&app, &connect_event("payout.updated", payout_object("in_transit", arrival), t + 7, &account)).await;
    assert_eq!(count_text(&app, "SELECT status FROM payouts"), "paid");
    app.drain_events().await;
    assert!(browser.get("/dashboard").await.body.contains("Payout sent"));
    assert_eq!(count(&app, "SELECT COALESCE(SUM(payouts_micros), 0) FROM artist_analytics"), 42_000_000);

    // Stripe says the paid payout failed after all: the money comes back.
    deliver_signed(&app, &connect_event("payout.failed", payout_object("failed", arrival), t + 20, &account)).await;
    assert_eq!(count_text(&app, "SELECT status FROM payouts"), "failed");
    assert_eq!(count(&app, "SELECT SUM(net_micros) FROM ledger_entries WHERE source = 'payout'"), 0);
    app.drain_events().await;
    assert_eq!(count(&app, "SELECT COALESCE(SUM(payouts_micros), 0) FROM artist_analytics"), 0);
    let dashboard = browser.get("/dashboard").await.body;
    assert!(dashboard.contains("Payout failed"), "{dashboard}");
    // Nothing revives a failed payout; a payout of an unknown account is ignored.
    deliver_signed(&app, &connect_event("payout.paid", payout_object("paid", arrival), t + 30, &account)).await;
    assert_eq!(count_text(&app, "SELECT status FROM payouts"), "failed");
    let mut stranger = payout_object("paid", arrival);
    stranger["id"] = json!("po_stranger");
    deliver_signed(&app, &connect_event("payout.paid", stranger, t + 31, "acct_nobody")).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payouts"), 1);
    app.stop().await;
}

#[tokio::test]
async fn paid_plans_and_renewals_are_the_platforms_income_once_each() {
    let fake = spawn_fake_stripe().await;
    let app = stripe_app(&fake).await;
    let (_browser, session) = sign_up_with_stripe(&app, &fake).await;
    let payload = event("checkout.session.completed", completed_session(&session));
    assert_eq!(deliver(&app, &payload, signed(&payload)).await, 200);
    let plans = "SELECT COUNT(*) FROM ledger_entries WHERE source = 'subscription'";
    assert_eq!(count(&app, plans), 1, "the first period, paid at checkout");
    let fee: i64 = count(&app, "SELECT fee_micros FROM ledger_entries WHERE source = 'subscription'");
    assert!(fee > 0, "the plan's price is the platform's");

    let invoice = |id: &str, reason: &str| {
        let mut invoice = fixture("invoice");
        invoice["id"] = json!(id);
        invoice["billing_reason"] = json!(reason);
        invoice["amount_paid"] = json!(2900);
        invoice["currency"] = json!("usd");
        invoice["parent"] = json!({
            "type": "subscription_details",
            "quote_details": null,
            "subscription_details": {"subscription": "sub_boptone", "metadata": {}}
        });
        event("invoice.paid", invoice)
    };
    let first = invoice("in_first", "subscription_create");
    assert_eq!(deliver(&app, &first, signed(&first)).await, 200);
    assert_eq!(count(&app, plans), 1, "the first invoice is the checkout's payment, not a second one");
    let renewal = invoice("in_renewal", "subscription_cycle");
    assert_eq!(deliver(&app, &renewal, signed(&renewal)).await, 200);
    assert_eq!(count(&app, plans), 2);
    let again = invoice("in_renewal", "subscription_cycle");
    assert_eq!(deliver(&app, &again, signed(&again)).await, 200, "the same invoice told again (a new event id)");
    assert_eq!(count(&app, plans), 2, "is recorded once");
    assert_eq!(
        count(&app, "SELECT fee_micros FROM ledger_entries WHERE reference = 'subscription-renewal:in_renewal'"),
        29_000_000
    );
    app.stop().await;
}
