//! BopShop: products and variants in the studio, the public API, orders
//! that hold stock and never oversell, settlement on the provider's word,
//! shipping, refunds that restock, and the bad input that changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, token};
use crate::browser::Browser;
use crate::helpers::TestApp;

/// Creates a product through the studio form; returns its id.
pub async fn new_product(browser: &mut Browser, kind: &str, title: &str, options: &[&str]) -> String {
    let mut fields = vec![("kind", kind), ("title", title), ("status", "draft"), ("description", "Soft.\nWarm.")];
    let names = ["option1", "option2", "option3"];
    for (name, value) in names.iter().zip(options) {
        fields.push((name, value));
    }
    let page = browser.post_form("/studio/shop", &fields).await;
    let location = page.redirect().to_owned();
    location.trim_start_matches("/studio/shop/products/").split('?').next().unwrap().to_owned()
}

/// Adds a variant: option values, price ("25.00"), stock ("" = not tracked).
pub async fn add_variant(browser: &mut Browser, product: &str, values: &[&str], price: &str, stock: &str) {
    let mut fields = vec![("price", price), ("inventory", stock)];
    let names = ["value1", "value2", "value3"];
    for (name, value) in names.iter().zip(values) {
        fields.push((name, value));
    }
    let page = browser.post_form(&format!("/studio/shop/products/{product}/variants"), &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
}

pub async fn activate(browser: &mut Browser, product: &str, kind: &str, title: &str, options: &[&str]) {
    let mut fields = vec![("kind", kind), ("title", title), ("status", "active")];
    let names = ["option1", "option2", "option3"];
    for (name, value) in names.iter().zip(options) {
        fields.push((name, value));
    }
    let page = browser.post_form(&format!("/studio/shop/products/{product}"), &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// An active tee (Color × Size) with `stock` units of Black / M; returns
/// the product and that variant's id.
pub async fn tee(app: &TestApp, browser: &mut Browser, stock: &str) -> (String, String) {
    let product = new_product(browser, "physical", "Tour tee", &["Color", "Size"]).await;
    add_variant(browser, &product, &["Black", "M"], "25.00", stock).await;
    add_variant(browser, &product, &["Black", "L"], "25.00", "3").await;
    activate(browser, &product, "physical", "Tour tee", &["Color", "Size"]).await;
    let variant = count_text(app, "SELECT uid FROM product_variants WHERE options = '[\"Black\",\"M\"]'");
    (product, variant)
}

pub fn address() -> Value {
    json!({"name": "Ada Fan", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"})
}

fn stock(app: &TestApp, variant: &str) -> Option<i64> {
    let sql = format!("SELECT inventory FROM product_variants WHERE uid = '{variant}'");
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

pub async fn fan_token(app: &TestApp, email: &str) -> String {
    fan(app, email);
    token(app, email, FAN_PASSWORD).await
}

#[tokio::test]
async fn fifty_parallel_checkouts_for_ten_units_sell_exactly_ten() {
    // Ten fans sign in from one address here.
    let app =
        crate::helpers::spawn_app_with(|c| c.set("accounts.login_attempts_per_ip_per_minute", 100), None, None).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, variant) = tee(&app, &mut browser, "10").await;
    let mut fans = Vec::new();
    for i in 0..10 {
        fans.push(fan_token(&app, &format!("fan{i}@example.com")).await);
    }
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (url, token, variant) = (app.url("/api/v1/orders"), fans[i % 10].clone(), variant.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"items": [{"variant_id": variant, "quantity": 1}], "shipping_address": address()});
            let response = crate::helpers::client().post(url).bearer_auth(token).json(&body).send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }));
    }
    let mut created = 0;
    let mut sold_out = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["error"], "sold_out", "{body}");
                assert!(body["message"].as_str().unwrap().contains("Tour tee (Black / M) is sold out"), "{body}");
                sold_out += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created, sold_out), (10, 40));
    assert_eq!(stock(&app, &variant), Some(0));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'pending'"), 10);
    assert_eq!(count(&app, "SELECT COALESCE(SUM(quantity), 0) FROM order_items"), 10);
}

#[tokio::test]
async fn a_fan_buys_two_items_the_artist_ships_then_refunds_one_and_stock_returns() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (product, variant) = tee(&app, &mut browser, "5").await;
    let page = browser
        .post_form(
            "/studio/shop/shipping",
            &[("name", "Domestic"), ("countries", "US, CA"), ("first_item", "5"), ("additional_item", "2.50")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let buyer = fan_token(&app, "ada@example.com").await;

    // The public API shows the product as a fan sees it.
    let artist_uid = count_text(&app, "SELECT uid FROM artist_profiles");
    let (status, list) =
        call(&app, Some(&buyer), Method::GET, &format!("/api/v1/artists/{artist_uid}/products"), None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["id"], product.as_str());
    assert_eq!(list["next_cursor"], Value::Null);
    let (status, shown) = call(&app, Some(&buyer), Method::GET, &format!("/api/v1/products/{product}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["kind"], "physical");
    assert_eq!(shown["options"], json!(["Color", "Size"]));
    let black_m = shown["variants"].as_array().unwrap().iter().find(|v| v["id"] == variant.as_str()).unwrap();
    assert_eq!((black_m["price_minor"].as_i64(), black_m["inventory"].as_i64()), (Some(2500), Some(5)));
    assert_eq!(black_m["options"], json!(["Black", "M"]));
    assert_eq!(black_m["currency"], "USD");

    let body = json!({"items": [{"variant_id": variant, "quantity": 2}], "shipping_address": address()});
    let (status, order) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["total_minor"], 2500 * 2 + 500 + 250, "two tees and shipping");
    assert_eq!(stock(&app, &variant), Some(3), "held while the fan pays");
    let id = order["id"].as_str().unwrap().to_owned();

    // Paid on the provider's word (the sandbox's confirm), not before.
    let (_, before) = call(&app, Some(&buyer), Method::GET, &format!("/api/v1/orders/{id}"), None).await;
    assert_eq!(before["status"], "pending");
    let (status, paid) = call(&app, Some(&buyer), Method::POST, order["confirm_url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "paid");
    assert_eq!(
        count(&app, "SELECT net_micros FROM ledger_entries WHERE source = 'order'"),
        5750 * 10_000 - 575 * 10_000
    );
    // Paying twice changes nothing.
    call(&app, Some(&buyer), Method::POST, order["confirm_url"].as_str().unwrap(), None).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries WHERE source <> 'subscription'"), 1);
    app.drain_events().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'order'"), 1);
    assert_eq!(count(&app, "SELECT loyalty_score FROM fan_relationships"), 10);

    // The artist sees it, ships it; the fan is emailed the tracking number.
    let list = browser.get("/studio/shop/orders").await;
    assert!(list.body.contains(&id[..8]) && list.body.contains("$57.50"), "{}", list.body);
    let page = browser.get(&format!("/studio/shop/orders/{id}")).await;
    assert!(page.body.contains("Ada Fan") && page.body.contains("Black / M"));
    let bad = browser
        .post_form(&format!("/studio/shop/orders/{id}/ship"), &[("carrier", "USPS"), ("tracking_number", "")])
        .await;
    assert_eq!(bad.status, 422);
    let page = browser
        .post_form(
            &format!("/studio/shop/orders/{id}/ship"),
            &[("carrier", "USPS"), ("tracking_number", "9400111899223")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    crate::helpers::eventually(std::time::Duration::from_secs(10), || {
        app.mails().iter().any(|m| m.contains("ada@example.com") && m.contains("9400111899223"))
    })
    .await;
    let (_, shipped) = call(&app, Some(&buyer), Method::GET, &format!("/api/v1/orders/{id}"), None).await;
    assert_eq!((shipped["status"].as_str(), shipped["carrier"].as_str()), (Some("shipped"), Some("USPS")));

    // One tee back: refunded at its price, back in stock, in the ledger.
    let item = count(&app, "SELECT id FROM order_items");
    let qty = format!("qty_{item}");
    let page = browser.post_form(&format!("/studio/shop/orders/{id}/refund"), &[(qty.as_str(), "1")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(stock(&app, &variant), Some(4));
    assert_eq!(count(&app, "SELECT refunded_minor FROM orders"), 2500);
    assert_eq!(count(&app, "SELECT gross_micros FROM ledger_entries WHERE source = 'refund'"), -2500 * 10_000);
    assert_eq!(count(&app, "SELECT fee_micros FROM ledger_entries WHERE source = 'refund'"), -250 * 10_000);
    // More than is left cannot be refunded; nothing changes.
    let page = browser.post_form(&format!("/studio/shop/orders/{id}/refund"), &[(qty.as_str(), "2")]).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Only 1 of Tour tee can still be refunded"));
    assert_eq!(stock(&app, &variant), Some(4));
    // The rest: the order is refunded, shipping included, and the ledger nets to zero.
    let page = browser.post_form(&format!("/studio/shop/orders/{id}/refund"), &[("all", "1")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(stock(&app, &variant), Some(5));
    let (_, refunded) = call(&app, Some(&buyer), Method::GET, &format!("/api/v1/orders/{id}"), None).await;
    assert_eq!((refunded["status"].as_str(), refunded["refunded_minor"].as_i64()), (Some("refunded"), Some(5750)));
    assert_eq!(count(&app, "SELECT SUM(gross_micros) FROM ledger_entries WHERE source <> 'subscription'"), 0);
    assert_eq!(count(&app, "SELECT SUM(net_micros) FROM ledger_entries WHERE source <> 'subscription'"), 0);
}

#[tokio::test]
async fn bad_orders_are_refused_clearly_and_change_nothing() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, variant) = tee(&app, &mut browser, "5").await;
    browser.post_form("/studio/shop/shipping", &[("name", "US"), ("countries", "US"), ("first_item", "5")]).await;
    let buyer = fan_token(&app, "ada@example.com").await;
    let line = |quantity: i64| json!([{"variant_id": variant, "quantity": quantity}]);
    let cases = [
        (json!({"items": []}), 422, "Add something to your cart first."),
        (json!({"items": line(0), "shipping_address": address()}), 422, "Quantities are 1 to 99."),
        (json!({"items": line(100), "shipping_address": address()}), 422, "Quantities are 1 to 99."),
        (
            json!({"items": [{"variant_id": "nope", "quantity": 1}], "shipping_address": address()}),
            422,
            "no longer for sale",
        ),
        (json!({"items": line(1)}), 422, "Give a shipping address"),
        (
            json!({"items": line(1), "shipping_address": {"name": "A", "line1": "1", "city": "X", "country": "DE"}}),
            422,
            "does not ship to DE",
        ),
        (
            json!({"items": line(1), "shipping_address": {"name": "", "line1": "1", "city": "X", "country": "USA"}}),
            422,
            "Check the shipping address.",
        ),
        (json!({"items": line(6), "shipping_address": address()}), 409, "sold out"),
        (json!({"items": line(1), "shipping_address": address(), "coupon": "FREE"}), 422, "coupon"),
        (json!({"items": "all"}), 422, ""),
    ];
    for (body, expected, message) in cases {
        let (status, answer) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body.clone())).await;
        assert_eq!(status.as_u16(), expected, "{body} → {answer}");
        assert!(answer.to_string().contains(message), "{body} → {answer}");
    }
    // The artist cannot buy from their own shop, and strangers cannot see others' orders.
    let (status, answer) = call(
        &app,
        Some(&artist_token),
        Method::POST,
        "/api/v1/orders",
        Some(json!({"items": line(1), "shipping_address": address()})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    let (status, _) = call(&app, None, Method::POST, "/api/v1/orders", Some(json!({"items": line(1)}))).await;
    assert_eq!(status, 401);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders"), 0);
    assert_eq!(stock(&app, &variant), Some(5));
    let (_, order) = call(
        &app,
        Some(&buyer),
        Method::POST,
        "/api/v1/orders",
        Some(json!({"items": line(1), "shipping_address": address()})),
    )
    .await;
    let other = fan_token(&app, "eve@example.com").await;
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    assert_eq!(call(&app, Some(&other), Method::GET, &path, None).await.0, 404);
    assert_eq!(call(&app, Some(&other), Method::POST, &format!("{path}/confirm"), None).await.0, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'pending'"), 1);
}

#[tokio::test]
async fn an_unpaid_hold_ends_and_its_units_go_back() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, variant) = tee(&app, &mut browser, "1").await;
    let first = fan_token(&app, "ada@example.com").await;
    let second = fan_token(&app, "bo@example.com").await;
    let body = json!({"items": [{"variant_id": variant, "quantity": 1}], "shipping_address": address()});
    let (_, late) = call(&app, Some(&first), Method::POST, "/api/v1/orders", Some(body.clone())).await;
    assert_eq!(call(&app, Some(&second), Method::POST, "/api/v1/orders", Some(body.clone())).await.0, 409);

    // Fifteen minutes on, the hold ends: the unit is for sale again.
    app.state.clock.advance(15 * 60_000 + 1);
    assert_eq!(boptone::shop::settle::release_lapsed(&app.state).await.unwrap(), 1);
    assert_eq!(stock(&app, &variant), Some(1));
    let (status, won) = call(&app, Some(&second), Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201);
    call(&app, Some(&second), Method::POST, won["confirm_url"].as_str().unwrap(), None).await;

    // The first fan pays after all: the unit is gone, so the money goes back.
    let (status, answer) = call(&app, Some(&first), Method::POST, late["confirm_url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "expired");
    let late_id = late["id"].as_str().unwrap();
    assert_eq!(count(&app, &format!("SELECT refund_due FROM orders WHERE uid = '{late_id}'")), 1);
    assert_eq!(boptone::shop::settle::refund_due(&app.state).await.unwrap(), 1);
    let (_, after) =
        call(&app, Some(&first), Method::GET, &format!("/api/v1/orders/{}", late["id"].as_str().unwrap()), None).await;
    assert_eq!((after["status"].as_str(), after["refunded_minor"].as_i64()), (Some("cancelled"), Some(2500)));
    assert_eq!(stock(&app, &variant), Some(0));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM ledger_entries WHERE source <> 'subscription'"),
        1,
        "only the sale that happened"
    );

    // A month on, nothing here is pruned: one order sold, the other was refunded.
    app.state.clock.advance(boptone::shop::settle::EXPIRED_KEPT_MS + 1);
    assert_eq!(boptone::shop::settle::prune_expired(&app.state).await.unwrap(), 0, "nothing lapsed unrefunded");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders"), 2);
}

#[tokio::test]
async fn checkouts_that_lapsed_unpaid_are_deleted_after_a_month() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, variant) = tee(&app, &mut browser, "5").await;
    let buyer = fan_token(&app, "ada@example.com").await;
    let body = json!({"items": [{"variant_id": variant, "quantity": 1}], "shipping_address": address()});
    let (_, kept) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body.clone())).await;
    call(&app, Some(&buyer), Method::POST, kept["confirm_url"].as_str().unwrap(), None).await;
    call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body)).await;
    app.state.clock.advance(15 * 60_000 + 1);
    assert_eq!(boptone::shop::settle::release_lapsed(&app.state).await.unwrap(), 1);
    assert_eq!(boptone::shop::settle::prune_expired(&app.state).await.unwrap(), 0, "kept for a month");
    app.state.clock.advance(boptone::shop::settle::EXPIRED_KEPT_MS);
    assert_eq!(boptone::shop::settle::prune_expired(&app.state).await.unwrap(), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM orders"), 1);
    assert_eq!(count_text(&app, "SELECT status FROM orders"), "paid");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM order_items"), 1);
}

#[tokio::test]
async fn the_tier_limits_products_and_forms_explain_what_is_wrong() {
    use crate::browser::{confirmed_signup_on, connect_payouts, pay, set_up_profile};
    let app = crate::helpers::spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = confirmed_signup_on(&mut browser, "nova@example.com", "starter").await;
    pay(&mut browser, &checkout).await;
    set_up_profile(&mut browser, "Nova").await;
    connect_payouts(&mut browser).await;
    let page = browser.post_form("/studio/shop", &[("kind", "hat"), ("title", "")]).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Give the product a title.") && page.body.contains("Choose what kind of product this is.")
    );
    // A variant's mistakes are named; a second variant with the same values is refused.
    let product = new_product(&mut browser, "physical", "Hoodie", &["Size"]).await;
    let page = browser
        .post_form(&format!("/studio/shop/products/{product}/variants"), &[("price", "12.505"), ("inventory", "-1")])
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Use at most 2 decimal places.") && page.body.contains("Enter a whole number"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Give this variant") && page.body.contains("s Size."), "{}", page.body);
    add_variant(&mut browser, &product, &["M"], "40", "").await;
    let page = browser
        .post_form(&format!("/studio/shop/products/{product}/variants"), &[("value1", "m"), ("price", "40")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Another variant has these option values."));
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.uid = '{product}'"
            )
        ),
        1
    );

    for i in 0..9 {
        new_product(&mut browser, "physical", &format!("Tee {i}"), &[]).await;
    }
    let page = browser.post_form("/studio/shop", &[("kind", "physical"), ("title", "Tee 11")]).await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("Your plan holds 10 products and you have 10."), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM products"), 10);
    // An archived product does not count.
    let first = count_text(&app, "SELECT uid FROM products WHERE title = 'Tee 0'");
    let page = browser
        .post_form(
            &format!("/studio/shop/products/{first}"),
            &[("kind", "physical"), ("title", "Tee 0"), ("status", "archived")],
        )
        .await;
    assert_eq!(page.redirect(), format!("/studio/shop/products/{first}?done=saved"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM products WHERE status = 'archived'"), 1);
    new_product(&mut browser, "physical", "Tee 11", &[]).await;
}

#[tokio::test]
async fn a_quote_holds_nothing_and_a_fan_can_give_up_an_unpaid_order() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, variant) = tee(&app, &mut browser, "2").await;
    browser.post_form("/studio/shop/shipping", &[("name", "US"), ("countries", "US"), ("first_item", "5")]).await;
    let buyer = fan_token(&app, "ada@example.com").await;
    let body = json!({"items": [{"variant_id": variant, "quantity": 2}], "shipping_address": address()});
    let (status, quote) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders/quote", Some(body.clone())).await;
    assert_eq!(status, 200, "{quote}");
    assert_eq!((quote["total_minor"].as_i64(), quote["shipping_minor"].as_i64()), (Some(5500), Some(500)));
    assert_eq!(stock(&app, &variant), Some(2), "a quote holds nothing");
    let too_many = json!({"items": [{"variant_id": variant, "quantity": 3}], "shipping_address": address()});
    let (status, refused) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders/quote", Some(too_many)).await;
    assert_eq!((status.as_u16(), refused["variant_id"].as_str()), (409, Some(variant.as_str())), "{refused}");

    let (_, order) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body.clone())).await;
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let (_, shown) = call(&app, Some(&buyer), Method::GET, &path, None).await;
    assert_eq!(
        (shown["artist_name"].as_str(), shown["reserved_until"].as_i64()),
        (Some("Nova"), order["reserved_until"].as_i64())
    );
    let (status, sold_out) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body.clone())).await;
    assert_eq!((status.as_u16(), sold_out["variant_id"].as_str()), (409, Some(variant.as_str())));
    // Another fan cannot give it up; the buyer can, and the units are back at once.
    let other = fan_token(&app, "eve@example.com").await;
    assert_eq!(call(&app, Some(&other), Method::DELETE, &path, None).await.0, 404);
    assert_eq!(call(&app, Some(&buyer), Method::DELETE, &path, None).await.0, 204);
    assert_eq!(stock(&app, &variant), Some(2));
    assert_eq!(call(&app, Some(&buyer), Method::DELETE, &path, None).await.0, 409, "only an unpaid order");
    let (status, _) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201);

    // Holds are for paying: five unpaid checkouts at once, no more.
    browser
        .post_form(
            &format!("/studio/shop/products/{}/variants/{variant}", count_text(&app, "SELECT uid FROM products")),
            &[("value1", "Black"), ("value2", "M"), ("price", "25"), ("inventory", "100")],
        )
        .await;
    let one = json!({"items": [{"variant_id": variant, "quantity": 1}], "shipping_address": address()});
    for _ in 0..4 {
        assert_eq!(call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(one.clone())).await.0, 201);
    }
    let (status, refused) = call(&app, Some(&buyer), Method::POST, "/api/v1/orders", Some(one)).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("Finish paying for your other checkouts"));
}
