//! Phase 1 in a real browser: headless Chromium walks signup → sandbox
//! checkout → setup with a photo → payouts → the finished dashboard.

use std::path::PathBuf;

use crate::browser::png;
use crate::helpers::spawn_app;
use crate::webdriver::Driver;

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

#[tokio::test]
async fn an_artist_onboards_in_headless_chromium_on_a_phone() {
    let app = spawn_app().await;
    let photo = app.dir.path().join("me.png");
    std::fs::write(&photo, png(1000, 700)).unwrap();
    let driver = Driver::start(390, 844).await;

    driver.goto(&app.url("/artist/signup")).await;
    driver.type_into("#email", "browser@example.com").await;
    driver.type_into("#password", "a long enough passphrase").await;
    driver.click("input[name=tier][value=starter]").await;
    driver.click("form[action='/artist/signup'] button[type=submit]").await;

    driver.wait_for_path("/sandbox/checkout/").await;
    assert!(driver.source().await.contains("TEST MONEY"));
    driver.click("form[action$='/complete'] button").await;

    driver.wait_for_path("/artist/setup").await;
    driver.type_into("#stage_name", "Chromium Kid").await;
    driver.click("input[name=genres][value='Electronic']").await;
    driver.type_into("#photo", photo.to_str().unwrap()).await;
    driver.screenshot(&screenshots().join("setup.png")).await;
    driver.click("form[enctype='multipart/form-data'] button[type=submit]").await;

    driver.wait_for_path("/artist/payout").await;
    driver.click("form[action='/artist/payout/start'] button").await;
    driver.wait_for_path("/sandbox/connect/").await;
    driver.type_into("#legal_name", "Chromium Kid").await;
    driver.click("form button[type=submit]:not(.link-button)").await;

    driver.wait_for_path("/dashboard").await;
    let dashboard = driver.source().await;
    driver.screenshot(&screenshots().join("dashboard.png")).await;
    assert!(dashboard.contains("You are ready to earn"), "{dashboard}");
    assert_eq!(dashboard.matches("class=\"done\"").count(), 3, "every step is done");
    assert!(dashboard.contains("<svg"), "the QR code is shown");
    assert!(dashboard.contains("/@chromium_kid"), "the handle was suggested from the stage name");
    drop(driver);
    app.stop().await;
}
