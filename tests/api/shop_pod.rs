//! Print-on-demand: a paid order with print items starts a job through the
//! event bus; the job goes to a provider speaking Printful's v1 Orders API
//! (a local stand-in), is followed by polling or the provider's webhooks,
//! and ships the order when the provider ships it. Failures are retried
//! with backoff, shown to the artist, and can be retried by hand.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{artist, call, count, count_text};
use crate::browser::Browser;
use crate::helpers::{TestApp, client, spawn_app_with};
use crate::printful::{Fixture, Mode};
use crate::shop::{activate, address, fan_token, new_product};

const KEY: &str = "pk_test_boptone";
const SECRET: &str = "hooksecret0123456789";

async fn printful_app(fixture: &Fixture, webhooks: bool) -> TestApp {
    let base = fixture.base_url.clone();
    spawn_app_with(
        move |c| {
            c.set("shop.pod.provider", "printful");
            c.set("shop.pod.base_url", base.as_str());
            c.set("shop.pod.api_key", KEY);
            if webhooks {
                c.set("shop.pod.webhook_secret", SECRET);
            }
        },
        None,
        None,
    )
    .await
}

/// An active poster printed on demand (provider variant 4012) with a print file.
async fn poster(app: &TestApp, browser: &mut Browser, provider_variant: &str) -> String {
    let product = new_product(browser, "pod", "Tour poster", &["Size"]).await;
    let page = browser
        .post_multipart(
            &format!("/studio/shop/products/{product}/files"),
            &[],
            Some(("file", b"%PDF-print".to_vec(), "application/pdf")),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser
        .post_form(
            &format!("/studio/shop/products/{product}/variants"),
            &[("value1", "18x24"), ("price", "30"), ("pod_variant_id", provider_variant)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    activate(browser, &product, "pod", "Tour poster", &["Size"]).await;
    count_text(app, "SELECT uid FROM product_variants")
}

/// A US address with its state, as Printful requires.
fn us_address() -> Value {
    let mut address = address();
    address["region"] = json!("IL");
    address
}

async fn paid_order_to(app: &TestApp, variant: &str, address: Value) -> String {
    let buyer = fan_token(app, "ada@example.com").await;
    let body = json!({"items": [{"variant_id": variant, "quantity": 2}], "shipping_address": address});
    let (status, order) = call(app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201, "{order}");
    call(app, Some(&buyer), Method::POST, order["confirm_url"].as_str().unwrap(), None).await;
    app.drain_events().await;
    order["id"].as_str().unwrap().to_owned()
}

async fn paid_order(app: &TestApp, variant: &str) -> String {
    paid_order_to(app, variant, us_address()).await
}

fn job_state(app: &TestApp) -> String {
    count_text(app, "SELECT state FROM print_on_demand_jobs")
}

#[tokio::test]
async fn a_paid_print_order_goes_to_the_provider_and_ships_with_it() {
    let fixture = Fixture::start(KEY).await;
    let app = printful_app(&fixture, false).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let variant = poster(&app, &mut browser, "4012").await;
    let order = paid_order(&app, &variant).await;
    assert_eq!(job_state(&app), "pending", "the event made the job");

    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "submitted");
    let job = count_text(&app, "SELECT uid FROM print_on_demand_jobs");
    let (body, query) = fixture.last_create();
    let body = body.unwrap();
    assert_eq!(query.as_deref(), Some("confirm=true"));
    assert_eq!(body["external_id"], job.as_str());
    assert_eq!(body["recipient"]["country_code"], "US");
    assert_eq!(body["items"][0]["variant_id"], 4012);
    assert_eq!(body["items"][0]["quantity"], 2);
    assert_eq!(body["items"][0]["retail_price"], "30.00");
    // The print file's link is signed, and opens the file for the provider.
    let file_url = body["items"][0]["files"][0]["url"].as_str().unwrap();
    assert!(file_url.starts_with(&app.address) && file_url.contains("sig="), "{file_url}");
    let response = client().get(file_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"%PDF-print");
    let unsigned = file_url.split('?').next().unwrap();
    assert_eq!(client().get(unsigned).send().await.unwrap().status(), 404, "never without the signature");

    fixture.advance(&job, "inprocess", None);
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "in_production");
    let shipment = json!({"carrier": "USPS", "service": "First Class", "tracking_number": "9400100000000000000000", "tracking_url": "https://tools.usps.com/t"});
    fixture.advance(&job, "fulfilled", Some(shipment));
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "shipped");
    assert_eq!(count_text(&app, "SELECT status FROM orders"), "shipped");
    assert_eq!(count_text(&app, "SELECT tracking_number FROM orders"), "9400100000000000000000");
    let page = browser.get(&format!("/studio/shop/orders/{order}")).await;
    assert!(page.body.contains("Job shipped"), "{}", page.body);
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || {
            app.mails().iter().any(|m| m.contains("ada@example.com") && m.contains("9400100000000000000000"))
        })
        .await
    );
}

#[tokio::test]
async fn failures_are_retried_then_shown_to_the_artist_who_can_retry() {
    let fixture = Fixture::start(KEY).await;
    let app = printful_app(&fixture, false).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let variant = poster(&app, &mut browser, "4012").await;
    let order = paid_order_to(&app, &variant, address()).await;

    // The provider is down: a later attempt is planned, the job waits.
    fixture.set_mode(Mode::Fail500);
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "pending");
    assert_eq!(count(&app, "SELECT attempts FROM print_on_demand_jobs"), 1);
    assert!(count(&app, "SELECT next_attempt_at FROM print_on_demand_jobs") > app.state.clock.now_ms());
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(count(&app, "SELECT attempts FROM print_on_demand_jobs"), 1, "not before its time");

    // Up again, it refuses the order (no state for a US address): failed for
    // good, with the provider's reason; the artist may try again.
    fixture.set_mode(Mode::Normal);
    app.state.clock.advance(60_000);
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "failed");
    let page = browser.get(&format!("/studio/shop/orders/{order}")).await;
    assert!(page.body.contains("The provider refused the order: Recipient: State code is missing"), "{}", page.body);
    assert!(page.body.contains("Try again"));
    let page = browser.post_form(&format!("/studio/shop/orders/{order}/pod/retry"), &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!((job_state(&app), count(&app, "SELECT attempts FROM print_on_demand_jobs")), ("pending".to_owned(), 0));
    // Only a failed job can be retried.
    let page = browser.post_form(&format!("/studio/shop/orders/{order}/pod/retry"), &[]).await;
    assert_eq!(page.status, 409);
}

#[tokio::test]
async fn a_job_without_a_provider_variant_fails_with_a_reason_the_artist_can_fix() {
    let fixture = Fixture::start(KEY).await;
    let app = printful_app(&fixture, false).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let variant = poster(&app, &mut browser, "").await;
    let order = paid_order(&app, &variant).await;
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "failed");
    assert_eq!(fixture.requests(), 0, "nothing was sent");
    let page = browser.get(&format!("/studio/shop/orders/{order}")).await;
    assert!(page.body.contains("Tour poster has no provider variant"), "{}", page.body);
    // The artist sets it, and retries.
    let product = count_text(&app, "SELECT uid FROM products");
    let page = browser
        .post_form(
            &format!("/studio/shop/products/{product}/variants/{variant}"),
            &[("value1", "18x24"), ("price", "30"), ("pod_variant_id", "4012")],
        )
        .await;
    assert_eq!(page.status, 303);
    browser.post_form(&format!("/studio/shop/orders/{order}/pod/retry"), &[]).await;
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "submitted");
}

#[tokio::test]
async fn the_providers_webhooks_move_jobs_and_stale_ones_change_nothing() {
    let fixture = Fixture::start(KEY).await;
    let app = printful_app(&fixture, true).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let variant = poster(&app, &mut browser, "4012").await;
    paid_order(&app, &variant).await;
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    let job = count_text(&app, "SELECT uid FROM print_on_demand_jobs");
    let now = app.state.clock.now_ms() / 1000;
    let hook = |kind: &str, created: i64, status: &str| -> Value {
        json!({"type": kind, "created": created, "retries": 0, "store": 1, "data": {
            "shipment": {"carrier": "DHL", "tracking_number": "JD0001", "tracking_url": "https://dhl.example/JD0001"},
            "order": {"id": 1, "external_id": job, "status": status, "shipments": []}}})
    };
    let post = |body: Value, secret: &str| {
        let url = app.url(&format!("/webhooks/pod/{secret}"));
        async move { client().post(url).json(&body).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post(hook("package_shipped", now + 10, "fulfilled"), "wrong-secret-000000").await, 404);
    assert_eq!(job_state(&app), "submitted");
    assert_eq!(post(json!({"type": "order_updated"}), SECRET).await, 400, "unreadable");
    assert_eq!(post(hook("package_shipped", now + 10, "fulfilled"), SECRET).await, 200);
    assert_eq!(job_state(&app), "shipped");
    assert_eq!(count_text(&app, "SELECT carrier FROM orders"), "DHL");
    // An older word, delivered late, changes nothing.
    assert_eq!(post(hook("order_updated", now - 100, "inprocess"), SECRET).await, 200);
    assert_eq!(job_state(&app), "shipped");
}

#[tokio::test]
async fn the_sandbox_provider_moves_jobs_along_by_itself() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let variant = poster(&app, &mut browser, "1").await;
    paid_order(&app, &variant).await;
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "submitted");
    app.state.clock.advance(60_000);
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "in_production");
    app.state.clock.advance(60_000);
    boptone::shop::pod::run_due(&app.state).await.unwrap();
    assert_eq!(job_state(&app), "shipped");
    assert_eq!(count_text(&app, "SELECT status FROM orders"), "shipped");
    assert_eq!(count_text(&app, "SELECT carrier FROM orders"), "Sandbox Post");
}
