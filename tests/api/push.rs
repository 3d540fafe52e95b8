//! Web push against a local push-service stand-in. The test plays the
//! browser (a P-256 key pair and an auth secret of its own, the public parts
//! handed to the server); the stand-in, like a real push service and the
//! browser behind it, decrypts each push per RFC 8291 with those secrets and
//! checks its VAPID JWT (ES256 against the server's public key, `aud`,
//! `exp`) — with primitives of its own, not the server's crate.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use boptone::db::Durability;
use boptone::notify::{NewNotification, notify};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, token};
use crate::helpers::{TestApp, eventually, spawn_app, spawn_app_with};
use crate::shop::{address, fan_token, tee};

/// A browser's push subscription: the secrets stay here, the public parts go
/// to the server.
struct BrowserKeys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl BrowserKeys {
    fn new() -> BrowserKeys {
        let secret = loop {
            if let Ok(secret) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break secret;
            }
        };
        BrowserKeys { secret, auth: rand::random() }
    }

    fn public(&self) -> Vec<u8> {
        self.secret.public_key().to_encoded_point(false).as_bytes().to_vec()
    }

    fn subscription(&self, endpoint: &str) -> Value {
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {"p256dh": URL_SAFE_NO_PAD.encode(self.public()), "auth": URL_SAFE_NO_PAD.encode(self.auth)},
        })
    }

    /// RFC 8291 §3.4 and RFC 8188 §2, as the browser does it.
    fn decrypt(&self, body: &[u8]) -> Result<Vec<u8>, String> {
        let salt = body.get(..16).ok_or("no header")?;
        let rs = u32::from_be_bytes(body.get(16..20).ok_or("no record size")?.try_into().unwrap()) as usize;
        let idlen = *body.get(20).ok_or("no key id length")? as usize;
        if idlen != 65 {
            return Err(format!("key id of {idlen} bytes, not the sender's 65-byte public key"));
        }
        let sender = body.get(21..21 + idlen).ok_or("short key id")?;
        let ciphertext = &body[21 + idlen..];
        if rs < 18 || ciphertext.len() > rs {
            return Err(format!("record size {rs} for {} bytes", ciphertext.len()));
        }
        let sender_key = p256::PublicKey::from_sec1_bytes(sender).map_err(|_| "key id is not a P-256 point")?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender_key.as_affine());
        let mut key_info = b"WebPush: info\0".to_vec();
        key_info.extend_from_slice(&self.public());
        key_info.extend_from_slice(sender);
        let mut ikm = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&self.auth), shared.raw_secret_bytes().as_slice())
            .expand(&key_info, &mut ikm)
            .unwrap();
        let prk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), &ikm);
        let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce).unwrap();
        let cipher = aes_gcm::Aes128Gcm::new_from_slice(&cek).unwrap();
        let mut plain = cipher
            .decrypt(aes_gcm::Nonce::from_slice(&nonce), ciphertext)
            .map_err(|_| "the payload does not decrypt with this subscription's keys")?;
        // The last record ends with the delimiter 2, then zero padding.
        while plain.last() == Some(&0) {
            plain.pop();
        }
        match plain.pop() {
            Some(2) => Ok(plain),
            other => Err(format!("bad padding delimiter {other:?}")),
        }
    }
}

/// What reached the stand-in, after it checked it.
#[derive(Debug, Clone)]
struct Delivery {
    subscriber: String,
    /// The decrypted payload, or why the push was refused.
    payload: Result<Value, String>,
}

#[derive(Default)]
struct Stand {
    /// Subscriber name → the browser's secrets.
    browsers: BTreeMap<String, Arc<BrowserKeys>>,
    /// The server's VAPID public key (uncompressed point).
    server_key: Vec<u8>,
    origin: String,
    /// Answers to give, in order; 201 once they run out.
    answers: VecDeque<u16>,
    deliveries: Vec<Delivery>,
    /// Every request, answered or not.
    hits: usize,
}

/// A push service on 127.0.0.1: `POST /push/{subscriber}`.
struct PushService {
    origin: String,
    state: Arc<Mutex<Stand>>,
}

impl PushService {
    async fn start(app: &TestApp) -> PushService {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (status, key) = call(app, None, Method::GET, "/api/v1/push/key", None).await;
        assert_eq!(status, 200, "{key}");
        let server_key = URL_SAFE_NO_PAD.decode(key["public_key"].as_str().unwrap()).unwrap();
        let state = Arc::new(Mutex::new(Stand { server_key, origin: origin.clone(), ..Stand::default() }));
        let router = axum::Router::new().route("/push/{subscriber}", post(receive)).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        PushService { origin, state }
    }

    /// A new browser named `name`: its subscription JSON for the server.
    fn browser(&self, name: &str) -> Value {
        let keys = Arc::new(BrowserKeys::new());
        let subscription = keys.subscription(&self.endpoint(name));
        self.state.lock().unwrap().browsers.insert(name.to_owned(), keys);
        subscription
    }

    fn endpoint(&self, name: &str) -> String {
        format!("{}/push/{name}", self.origin)
    }

    fn answer(&self, statuses: &[u16]) {
        self.state.lock().unwrap().answers.extend(statuses);
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.state.lock().unwrap().deliveries.clone()
    }

    fn hits(&self) -> usize {
        self.state.lock().unwrap().hits
    }

    /// Waits for the `n`th delivery and returns its decrypted payload.
    async fn nth(&self, n: usize) -> Delivery {
        assert!(
            eventually(Duration::from_secs(10), || self.deliveries().len() >= n).await,
            "push {n} never arrived: {:?}",
            self.deliveries()
        );
        let delivery = self.deliveries()[n - 1].clone();
        assert!(delivery.payload.is_ok(), "{delivery:?}");
        delivery
    }
}

async fn receive(
    State(state): State<Arc<Mutex<Stand>>>,
    Path(subscriber): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let mut stand = state.lock().unwrap();
    stand.hits += 1;
    let answer = stand.answers.pop_front().unwrap_or(201);
    if answer != 201 {
        return StatusCode::from_u16(answer).unwrap();
    }
    let checked = check_push(&stand, &subscriber, &headers, &body);
    let refused = checked.is_err();
    stand.deliveries.push(Delivery { subscriber, payload: checked });
    if refused { StatusCode::BAD_REQUEST } else { StatusCode::CREATED }
}

/// What a push service and then the browser check, in that order.
fn check_push(stand: &Stand, subscriber: &str, headers: &HeaderMap, body: &[u8]) -> Result<Value, String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if header("content-encoding") != "aes128gcm" {
        return Err(format!("Content-Encoding {:?}", header("content-encoding")));
    }
    let ttl: u64 = header("ttl").parse().map_err(|_| "no TTL header")?;
    if ttl == 0 {
        return Err("TTL 0".into());
    }
    check_vapid(stand, &header("authorization"))?;
    let keys = stand.browsers.get(subscriber).ok_or("no such subscription")?;
    let plain = keys.decrypt(body)?;
    serde_json::from_slice(&plain).map_err(|e| format!("payload is not JSON: {e}"))
}

/// RFC 8292: `vapid t=<JWT>, k=<public key>`; ES256 by the server's key,
/// for this origin, expiring within a day (the server promises 12 hours).
fn check_vapid(stand: &Stand, authorization: &str) -> Result<(), String> {
    let rest = authorization.strip_prefix("vapid ").ok_or("not a vapid Authorization")?;
    let mut params = BTreeMap::new();
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=').ok_or("bad vapid parameter")?;
        params.insert(name.to_owned(), value.to_owned());
    }
    let key = URL_SAFE_NO_PAD.decode(params.get("k").ok_or("no k")?).map_err(|_| "k is not base64url")?;
    if key != stand.server_key {
        return Err("k is not the key from /api/v1/push/key".into());
    }
    let jwt = params.get("t").ok_or("no t")?;
    let [head, claims, signature]: [&str; 3] =
        jwt.split('.').collect::<Vec<_>>().try_into().map_err(|_| "a JWT has three parts")?;
    let head: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|_| "header")?).unwrap();
    if head["alg"] != "ES256" {
        return Err(format!("alg {}", head["alg"]));
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| "signature is not base64url")?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &stand.server_key)
        .verify(format!("{}.{claims}", jwt.split('.').next().unwrap()).as_bytes(), &signature)
        .map_err(|_| "the JWT signature does not verify against the server's key")?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).map_err(|_| "claims")?).unwrap();
    if claims["aud"] != stand.origin.as_str() {
        return Err(format!("aud {} is not {}", claims["aud"], stand.origin));
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let exp = claims["exp"].as_u64().ok_or("no exp")?;
    if exp <= now || exp > now + 12 * 3600 + 5 {
        return Err(format!("exp {exp} is not within 12 hours of {now}"));
    }
    if !claims["sub"].as_str().is_some_and(|s| s.starts_with("mailto:") || s.starts_with("https:")) {
        return Err(format!("sub {}", claims["sub"]));
    }
    Ok(())
}

async fn push_app() -> TestApp {
    spawn_app_with(|c| c.notify.push_allow_local_endpoints = true, None, None).await
}

fn user_id(app: &TestApp, email: &str) -> i64 {
    count(app, &format!("SELECT id FROM users WHERE email = '{email}'"))
}

/// An in-app notification for `user`, as a pillar's handler writes it.
fn notify_user(app: &TestApp, user: i64, title: &str, body: &str, link: Option<&str>) {
    let notice = NewNotification { user_id: user, kind: "test", title, body, link };
    app.state.db.write_blocking(Durability::Normal, |tx| notify(tx, &notice)).unwrap();
}

async fn subscribe(app: &TestApp, token: &str, subscription: &Value) -> (StatusCode, Value) {
    call(app, Some(token), Method::POST, "/api/v1/push/subscriptions", Some(subscription.clone())).await
}

#[tokio::test]
async fn a_notification_reaches_the_subscribed_browser_decrypted_and_signed() {
    let app = push_app().await;
    let service = PushService::start(&app).await;
    fan(&app, "ada@example.com");
    let ada = token(&app, "ada@example.com", FAN_PASSWORD).await;
    let subscription = service.browser("ada-phone");
    let (status, body) = subscribe(&app, &ada, &subscription).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["endpoint"], service.endpoint("ada-phone"));
    // The browser sends it again on every visit: known, nothing doubles.
    let (status, _) = subscribe(&app, &ada, &subscription).await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_subscriptions"), 1);

    notify_user(&app, user_id(&app, "ada@example.com"), "Nova posted a Bop", "Tour diary, day 3", Some("/@nova"));
    let delivery = service.nth(1).await;
    assert_eq!(delivery.subscriber, "ada-phone");
    assert_eq!(
        delivery.payload.unwrap(),
        json!({"title": "Nova posted a Bop", "body": "Tour diary, day 3", "url": "/@nova"})
    );
    assert!(
        eventually(Duration::from_secs(5), || count(&app, "SELECT COUNT(*) FROM push_outbox") == 0).await,
        "a delivered push leaves the outbox"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_subscriptions WHERE last_success_at IS NOT NULL"), 1);
    // Someone else's notification goes nowhere near Ada's browser.
    fan(&app, "bob@example.com");
    notify_user(&app, user_id(&app, "bob@example.com"), "Hello Bob", "", None);
    app.drain_events().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(service.hits(), 1);
}

#[tokio::test]
async fn the_artist_shipping_an_order_pushes_to_the_fan_and_a_paid_order_to_the_artist() {
    let app = push_app().await;
    let service = PushService::start(&app).await;
    let (mut studio, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, variant) = tee(&app, &mut studio, "5").await;
    studio.post_form("/studio/shop/shipping", &[("name", "US"), ("countries", "US"), ("first_item", "5")]).await;
    // The artist turns notifications on in the studio (session and CSRF token) …
    let body = serde_json::to_vec(&service.browser("nova-laptop")).unwrap();
    let page = studio.send_body(Method::POST, "/account/push/subscriptions", "application/json", body).await;
    assert_eq!(page.status, 201, "{}", page.body);
    // … and the fan in the fan app (bearer token).
    let buyer = fan_token(&app, "ada@example.com").await;
    assert_eq!(subscribe(&app, &buyer, &service.browser("ada-phone")).await.0, 201);

    let order = json!({"items": [{"variant_id": variant, "quantity": 1}], "shipping_address": address()});
    let (status, order) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(order)).await;
    assert_eq!(status, 201, "{order}");
    let (status, paid) = call(&app, Some(&buyer), Method::POST, order["confirm_url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{paid}");
    let to_artist = service.nth(1).await;
    assert_eq!(to_artist.subscriber, "nova-laptop");
    let artist_notice = count_text(&app, "SELECT title FROM notifications WHERE kind = 'order'");
    assert_eq!(to_artist.payload.unwrap()["title"], artist_notice.as_str());

    let id = order["id"].as_str().unwrap();
    let page = studio
        .post_form(
            &format!("/studio/shop/orders/{id}/ship"),
            &[("carrier", "USPS"), ("tracking_number", "9400111899223")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to_fan = service.nth(2).await;
    assert_eq!(to_fan.subscriber, "ada-phone");
    assert_eq!(
        to_fan.payload.unwrap(),
        json!({"title": "Your order has shipped", "body": "USPS 9400111899223", "url": "/app"})
    );
}

#[tokio::test]
async fn a_gone_subscription_is_removed_and_a_failing_service_is_retried() {
    let app = push_app().await;
    let service = PushService::start(&app).await;
    fan(&app, "ada@example.com");
    let ada = token(&app, "ada@example.com", FAN_PASSWORD).await;
    let ada_id = user_id(&app, "ada@example.com");
    assert_eq!(subscribe(&app, &ada, &service.browser("phone")).await.0, 201);
    assert_eq!(subscribe(&app, &ada, &service.browser("laptop")).await.0, 201);

    // The phone's push service is down for a moment: retried with backoff.
    service.answer(&[500]);
    notify_user(&app, ada_id, "First", "one", None);
    service.nth(2).await;
    assert!(eventually(Duration::from_secs(10), || service.hits() == 3).await, "the 500 is retried once");
    assert!(eventually(Duration::from_secs(5), || count(&app, "SELECT COUNT(*) FROM push_outbox") == 0).await);
    assert_eq!(count(&app, "SELECT SUM(failures) FROM push_subscriptions"), 0, "a success resets the count");
    let firsts: Vec<_> = service.deliveries().into_iter().map(|d| d.payload.unwrap()["title"].clone()).collect();
    assert_eq!(firsts, ["First", "First"], "each browser got it once");

    // The browser unsubscribed: the push service answers 410 and the
    // subscription goes, with nothing left waiting for it.
    service.answer(&[410]);
    notify_user(&app, ada_id, "Second", "two", None);
    assert!(eventually(Duration::from_secs(10), || count(&app, "SELECT COUNT(*) FROM push_subscriptions") == 1).await);
    service.nth(3).await;
    assert!(eventually(Duration::from_secs(5), || count(&app, "SELECT COUNT(*) FROM push_outbox") == 0).await);
    notify_user(&app, ada_id, "Third", "three", None);
    service.nth(4).await;
    assert_eq!(service.hits(), 6, "the gone subscription is not tried again");
}

#[tokio::test]
async fn a_push_service_that_keeps_failing_is_given_up_after_the_events_attempts() {
    let app = spawn_app_with(
        |c| {
            c.notify.push_allow_local_endpoints = true;
            c.events.max_attempts = 3;
        },
        None,
        None,
    )
    .await;
    let service = PushService::start(&app).await;
    fan(&app, "ada@example.com");
    let ada = token(&app, "ada@example.com", FAN_PASSWORD).await;
    assert_eq!(subscribe(&app, &ada, &service.browser("phone")).await.0, 201);
    service.answer(&[503, 500, 502]);
    notify_user(&app, user_id(&app, "ada@example.com"), "Lost", "", None);
    assert!(
        eventually(Duration::from_secs(10), || count(&app, "SELECT COUNT(*) FROM push_outbox WHERE status = 'dead'")
            == 1)
        .await
    );
    assert_eq!(count(&app, "SELECT attempts FROM push_outbox"), 3);
    assert_eq!(service.hits(), 3);
    assert_eq!(count(&app, "SELECT failures FROM push_subscriptions"), 3);
    assert!(count_text(&app, "SELECT last_error FROM push_outbox").contains("502"));

    // A service that refuses outright (401: say, a key it will not take) is
    // not retried, and only the newest dead pushes are kept.
    service.answer(&[401; 12]);
    for n in 0..12 {
        notify_user(&app, user_id(&app, "ada@example.com"), &format!("Refused {n}"), "", None);
    }
    assert!(eventually(Duration::from_secs(10), || service.hits() == 15).await, "{}", service.hits());
    assert!(
        eventually(Duration::from_secs(5), || count(&app, "SELECT COUNT(*) FROM push_outbox WHERE status = 'pending'")
            == 0)
        .await
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_outbox WHERE status = 'dead'"), 10);
    assert_eq!(count(&app, "SELECT MAX(attempts) FROM push_outbox WHERE payload LIKE '%Refused%'"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_outbox WHERE payload LIKE '%Refused 11%'"), 1);
}

#[tokio::test]
async fn bad_subscriptions_are_refused_by_field_and_nothing_is_stored() {
    let app = push_app().await;
    fan(&app, "ada@example.com");
    let ada = token(&app, "ada@example.com", FAN_PASSWORD).await;
    let keys = BrowserKeys::new();
    let good = keys.subscription("https://push.example.net/wpush/abc");
    let with = |path: &[&str], value: Value| {
        let mut body = good.clone();
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut body;
        for parent in parents {
            at = &mut at[*parent];
        }
        at[*last] = value;
        body
    };
    let short_p256dh = URL_SAFE_NO_PAD.encode(&keys.public()[..33]);
    let not_on_curve = URL_SAFE_NO_PAD.encode([4u8; 65]);
    let cases = [
        (with(&["endpoint"], json!("http://push.example.net/wpush/abc")), "endpoint"),
        (with(&["endpoint"], json!("https://10.0.0.7/wpush/abc")), "endpoint"),
        (with(&["endpoint"], json!("https://169.254.169.254/latest")), "endpoint"),
        (with(&["endpoint"], json!("https://user:pw@push.example.net/x")), "endpoint"),
        (with(&["endpoint"], json!("not a url")), "endpoint"),
        (with(&["keys", "p256dh"], json!(short_p256dh)), "keys.p256dh"),
        (with(&["keys", "p256dh"], json!(not_on_curve)), "keys.p256dh"),
        (with(&["keys", "auth"], json!(URL_SAFE_NO_PAD.encode([1u8; 8]))), "keys.auth"),
        (with(&["keys", "auth"], json!("not base64!")), "keys.auth"),
        (json!({"keys": good["keys"]}), "endpoint"),
        (json!({"endpoint": good["endpoint"]}), "keys.p256dh"),
        (json!({"endpoint": good["endpoint"], "keys": {"p256dh": good["keys"]["p256dh"]}}), "keys.auth"),
        (json!([1, 2, 3]), "body"),
    ];
    for (body, field) in cases {
        let (status, answer) = subscribe(&app, &ada, &body).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert!(answer["fields"][field].is_string(), "{body} should name {field}: {answer}");
    }
    // Loopback is for tests that say so; by default it is refused too.
    let strict = spawn_app().await;
    fan(&strict, "ada@example.com");
    let strict_ada = token(&strict, "ada@example.com", FAN_PASSWORD).await;
    let (status, answer) = subscribe(&strict, &strict_ada, &keys.subscription("http://127.0.0.1:9/push/x")).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["fields"]["endpoint"].is_string());
    for app in [&app, &strict] {
        assert_eq!(count(app, "SELECT COUNT(*) FROM push_subscriptions"), 0);
    }
    // Without a token there is nothing to subscribe.
    let (status, _) = call(&app, None, Method::POST, "/api/v1/push/subscriptions", Some(good)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn only_the_owner_removes_a_subscription_and_a_user_keeps_ten_at_most() {
    let app = push_app().await;
    let service = PushService::start(&app).await;
    fan(&app, "ada@example.com");
    fan(&app, "bob@example.com");
    let ada = token(&app, "ada@example.com", FAN_PASSWORD).await;
    let bob = token(&app, "bob@example.com", FAN_PASSWORD).await;
    let phone = service.browser("ada-phone");
    assert_eq!(subscribe(&app, &ada, &phone).await.0, 201);
    let endpoint = json!({"endpoint": phone["endpoint"]});

    let (status, _) =
        call(&app, Some(&bob), Method::DELETE, "/api/v1/push/subscriptions", Some(endpoint.clone())).await;
    assert_eq!(status, 404, "Bob cannot remove Ada's subscription");
    let (status, _) = call(&app, None, Method::DELETE, "/api/v1/push/subscriptions", Some(endpoint.clone())).await;
    assert_eq!(status, 401);
    let stranger = crate::browser::Browser::new(&app.address);
    let page = stranger.post_form_without_token("/account/push/subscriptions", &[]).await;
    assert_eq!(page.status, 403, "the studio route wants the CSRF token");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_subscriptions"), 1);
    let (status, _) =
        call(&app, Some(&ada), Method::DELETE, "/api/v1/push/subscriptions", Some(endpoint.clone())).await;
    assert_eq!(status, 204);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_subscriptions"), 0);
    let (status, _) = call(&app, Some(&ada), Method::DELETE, "/api/v1/push/subscriptions", Some(endpoint)).await;
    assert_eq!(status, 404);

    // Eleven browsers: the one that went longest without a push makes room.
    for n in 0..11 {
        assert_eq!(subscribe(&app, &ada, &service.browser(&format!("device-{n}"))).await.0, 201);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_subscriptions"), 10);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_subscriptions WHERE endpoint LIKE '%/device-0'"), 0);
}

#[tokio::test]
async fn the_vapid_key_survives_a_restart_and_pages_carry_it() {
    let app = push_app().await;
    let (status, key) = call(&app, None, Method::GET, "/api/v1/push/key", None).await;
    assert_eq!(status, 200);
    let key = key["public_key"].as_str().unwrap().to_owned();
    let point = URL_SAFE_NO_PAD.decode(&key).unwrap();
    assert_eq!((point.len(), point[0]), (65, 4), "an uncompressed P-256 point");
    assert!(p256::PublicKey::from_sec1_bytes(&point).is_ok());
    let page = app.get("/app").await.text().await.unwrap();
    assert!(page.contains(&format!("data-push-key=\"{key}\"")), "{page}");

    let app = app.restart_with(|_| {}).await;
    let (_, again) = call(&app, None, Method::GET, "/api/v1/push/key", None).await;
    assert_eq!(again["public_key"], key.as_str());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM server_secrets WHERE name = 'vapid_p256'"), 1);
}

#[tokio::test]
async fn the_service_worker_is_served_at_the_root() {
    let app = spawn_app().await;
    let response = app.get("/sw.js").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.contains("javascript"), "{content_type}");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    let script = response.text().await.unwrap();
    assert!(script.contains("showNotification") && script.contains("openWindow"));
}

#[test]
fn the_stand_in_refuses_what_a_browser_and_a_push_service_would() {
    // A push encrypted for one browser does not open in another.
    let (mine, other) = (BrowserKeys::new(), BrowserKeys::new());
    let body = boptone::notify::push::encrypt(br#"{"title":"hi"}"#, &mine.public(), &mine.auth).unwrap();
    assert_eq!(mine.decrypt(&body).unwrap(), br#"{"title":"hi"}"#);
    assert!(other.decrypt(&body).is_err());
    let mut tampered = body.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(mine.decrypt(&tampered).is_err());

    // A JWT must be signed by the server's key, for this origin.
    let server = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let server_key = server.verifying_key().to_encoded_point(false).as_bytes().to_vec();
    let stand = Stand { server_key: server_key.clone(), origin: "http://127.0.0.1:1".into(), ..Stand::default() };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let sign = |key: &p256::ecdsa::SigningKey, aud: &str, exp: u64| {
        use p256::ecdsa::signature::Signer;
        let head = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(json!({"aud": aud, "exp": exp, "sub": "mailto:a@b.example"}).to_string());
        let signature: p256::ecdsa::Signature = key.sign(format!("{head}.{claims}").as_bytes());
        let k = URL_SAFE_NO_PAD.encode(&server_key);
        format!("vapid t={head}.{claims}.{}, k={k}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    };
    assert_eq!(check_vapid(&stand, &sign(&server, "http://127.0.0.1:1", now + 3600)), Ok(()));
    let impostor = p256::ecdsa::SigningKey::from_slice(&[8u8; 32]).unwrap();
    assert!(check_vapid(&stand, &sign(&impostor, "http://127.0.0.1:1", now + 3600)).is_err());
    assert!(check_vapid(&stand, &sign(&server, "http://127.0.0.1:2", now + 3600)).is_err());
    assert!(check_vapid(&stand, &sign(&server, "http://127.0.0.1:1", now + 86_400)).is_err());
    assert!(check_vapid(&stand, &sign(&server, "http://127.0.0.1:1", now - 1)).is_err());
}

#[tokio::test]
async fn a_fans_tip_reaches_the_artists_earnings_and_browser_without_anyone_draining_events() {
    let app = push_app().await;
    let service = PushService::start(&app).await;
    let (mut studio, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let body = serde_json::to_vec(&service.browser("nova-laptop")).unwrap();
    assert_eq!(
        studio.send_body(Method::POST, "/account/push/subscriptions", "application/json", body).await.status,
        201
    );
    let (_, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let ada = fan_token(&app, "ada@example.com").await;
    let (_, started) = crate::bops::tip(&app, &ada, bop["id"].as_str().unwrap(), 500).await;

    let paid_at = std::time::Instant::now();
    assert_eq!(call(&app, Some(&ada), Method::POST, started["confirm_url"].as_str().unwrap(), None).await.0, 200);
    // The event worker runs by itself: the push arrives, then the figures.
    let pushed = service.nth(1).await;
    let took = paid_at.elapsed();
    assert_eq!(pushed.subscriber, "nova-laptop");
    let title = pushed.payload.unwrap()["title"].as_str().unwrap().to_owned();
    assert!(title.ends_with(" tipped you $5.00"), "{title}");
    eprintln!("tip paid → push delivered in {took:?}");
    assert!(
        eventually(Duration::from_secs(5), || count(
            &app,
            "SELECT COALESCE(SUM(tips_micros), 0) FROM artist_analytics"
        ) == 5_000_000)
        .await
    );
    let page = studio.get("/dashboard/earnings").await;
    assert!(page.body.contains("$5.00"), "{}", page.body);
}
