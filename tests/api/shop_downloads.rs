//! Digital downloads: after payment the buyer gets links that expire, each
//! good for a number of downloads (counted when a download starts; a
//! resumed range does not count again); a refund ends them. A release sold
//! as a download offers its masters and a ZIP of the album.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{artist, call, count};
use crate::browser::Browser;
use crate::helpers::{TestApp, client, eventually};
use crate::shop::{activate, add_variant, fan_token, new_product};

/// An active digital product with one uploaded file; returns its variant.
async fn ebook(app: &TestApp, browser: &mut Browser, bytes: Vec<u8>) -> String {
    let product = new_product(browser, "digital", "Lyrics book", &[]).await;
    let page = browser
        .post_multipart(
            &format!("/studio/shop/products/{product}/files"),
            &[],
            Some(("file", bytes, "application/pdf")),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    add_variant(browser, &product, &[], "8", "").await;
    activate(browser, &product, "digital", "Lyrics book", &[]).await;
    crate::bops::count_text(
        app,
        &format!(
            "SELECT v.uid FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.uid = '{product}'"
        ),
    )
}

async fn buy(app: &TestApp, buyer: &str, variant: &str) -> Value {
    let body = json!({"items": [{"variant_id": variant, "quantity": 1}]});
    let (status, order) = call(app, Some(buyer), Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["shipping_minor"], 0, "nothing ships");
    let (status, paid) = call(app, Some(buyer), Method::POST, order["confirm_url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{paid}");
    paid
}

async fn fetch(app: &TestApp, url: &str, range: Option<&str>) -> (u16, Vec<u8>) {
    let mut request = client().get(app.url(url));
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_buyer_downloads_within_the_limit_until_a_refund_ends_it() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let file: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let variant = ebook(&app, &mut browser, file.clone()).await;
    let buyer = fan_token(&app, "ada@example.com").await;

    // Before paying there is nothing to download.
    let (_, pending) = call(
        &app,
        Some(&buyer),
        Method::POST,
        "/api/v1/orders",
        Some(json!({"items": [{"variant_id": variant, "quantity": 1}]})),
    )
    .await;
    assert_eq!(pending["status"], "pending");
    let (_, shown) =
        call(&app, Some(&buyer), Method::GET, &format!("/api/v1/orders/{}", pending["id"].as_str().unwrap()), None)
            .await;
    assert_eq!(shown["downloads"], json!([]));

    let order = buy(&app, &buyer, &variant).await;
    let download = &order["downloads"][0];
    assert_eq!((download["name"].as_str(), download["downloads_left"].as_i64()), (Some("photo"), Some(5)));
    let url = download["url"].as_str().unwrap().to_owned();
    let (status, body) = fetch(&app, &url, None).await;
    assert_eq!((status, body.len()), (200, file.len()));
    assert_eq!(body, file);
    // A resumed download (a later range) is served without counting again.
    let (status, rest) = fetch(&app, &url, Some("bytes=60000-")).await;
    assert_eq!((status, rest.as_slice()), (206, &file[60_000..]));
    for _ in 0..4 {
        assert_eq!(fetch(&app, &url, None).await.0, 200);
    }
    let (status, body) = fetch(&app, &url, None).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("already downloaded 5 times"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM download_log"), 5);
    let (_, receipt) =
        call(&app, Some(&buyer), Method::GET, &format!("/api/v1/orders/{}", order["id"].as_str().unwrap()), None).await;
    assert_eq!(
        (receipt["downloads"][0]["downloads_left"].as_i64(), receipt["downloads"][0]["url"].is_null()),
        (Some(0), true)
    );

    // A second purchase, then a refund: its link ends at once.
    let second = buy(&app, &buyer, &variant).await;
    let url = second["downloads"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &url, Some("bytes=0-99")).await.0, 206);
    let page = browser
        .post_form(&format!("/studio/shop/orders/{}/refund", second["id"].as_str().unwrap()), &[("all", "1")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (status, body) = fetch(&app, &url, Some("bytes=100-")).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("refunded"));

    // A third: it expires with the configured time.
    let third = buy(&app, &buyer, &variant).await;
    let url = third["downloads"][0]["url"].as_str().unwrap().to_owned();
    app.state.clock.advance(72 * 3_600_000 + 1);
    let (status, body) = fetch(&app, &url, None).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("expired"));
    // Made-up links are simply not found.
    assert_eq!(fetch(&app, "/downloads/not-a-token", None).await.0, 404);
    assert_eq!(fetch(&app, &format!("/downloads/{}", "a".repeat(64)), None).await.0, 404);
}

#[tokio::test]
async fn a_release_sold_as_a_download_offers_its_masters_and_a_zip() {
    let app = crate::music_tracks::label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (release, _) = crate::music_money::published_album(&app, &mut browser).await;
    let product = new_product(&mut browser, "digital", "Night Buses (download)", &[]).await;
    let page = browser.post_form(&format!("/studio/shop/products/{product}/release"), &[("release", "made-up")]).await;
    assert_eq!(page.status, 422);
    let page =
        browser.post_form(&format!("/studio/shop/products/{product}/release"), &[("release", release.as_str())]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        eventually(Duration::from_secs(20), || count(&app, "SELECT COUNT(*) FROM product_files") == 3).await,
        "two masters and the ZIP"
    );
    add_variant(&mut browser, &product, &[], "9.99", "").await;
    activate(&mut browser, &product, "digital", "Night Buses (download)", &[]).await;
    let variant = crate::bops::count_text(&app, "SELECT uid FROM product_variants");
    let buyer = fan_token(&app, "ada@example.com").await;
    let order = buy(&app, &buyer, &variant).await;
    let names: Vec<&str> = order["downloads"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["01 Last Bus.wav", "02 Depot.wav", "Night Buses.zip"]);
    let zip_url = order["downloads"][2]["url"].as_str().unwrap();
    let (status, bytes) = fetch(&app, zip_url, None).await;
    assert_eq!(status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(archive.len(), 2);
    let first = archive.by_index(0).unwrap();
    assert_eq!(first.name(), "01 Last Bus.wav");
    let (status, master) = fetch(&app, order["downloads"][0]["url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert_eq!(master.len() as u64, first.size());
}
