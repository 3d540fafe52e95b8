//! Small things users hit (issue 8, item 9): pages that say what is true,
//! an over-size photo that keeps the form, counts and sizes that read right.
//! The browser-side halves are in `chromium.rs`.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::bops::{FAN_PASSWORD, artist, call, fan, post_bop, token};
use crate::browser::{Browser, connect_payouts, onboarded_artist, pay, png, set_up_profile, signed_up};
use crate::helpers::{TestApp, spawn_app};

fn artist_row(app: &TestApp) -> (Option<String>, bool, Option<String>) {
    app.state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT stage_name, onboarding_completed, photo_key FROM artist_profiles", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
        .unwrap()
}

#[tokio::test]
async fn the_dashboard_drops_done_steps_and_pauses_a_suspended_artist() {
    let app = spawn_app().await;
    let mut browser = onboarded_artist(&app.address, "done@example.com", "Done Deal").await;
    // The welcome notice is written by the event worker, here after the
    // payouts were already connected.
    app.drain_events().await;
    let dashboard = browser.get("/dashboard").await.body;
    assert!(dashboard.contains("Earned today"), "{dashboard}");
    assert!(dashboard.contains("Your profile is live"), "the notice itself stays: {dashboard}");
    assert!(!dashboard.contains("Connect payouts next"), "a finished step is not asked for: {dashboard}");
    assert!(!dashboard.contains("href=\"/artist/payout\""), "{dashboard}");

    let uid: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT uid FROM artist_profiles", [], |r| r.get(0))).unwrap();
    boptone::identity::service::set_suspended(&app.state, uid, true).await.unwrap();
    let dashboard = browser.get("/dashboard").await.body;
    assert!(dashboard.contains("suspended"), "{dashboard}");
    assert!(dashboard.contains("Earning is paused"), "{dashboard}");
    assert!(!dashboard.contains("ready to earn"), "{dashboard}");
    assert!(!dashboard.contains("href=\"/studio/bops/new\""), "no Post a Bop button while suspended");
    app.stop().await;
}

#[tokio::test]
async fn the_welcome_notice_asks_for_payouts_until_they_are_connected() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = signed_up(&mut browser, "halfway@example.com").await;
    pay(&mut browser, &checkout).await;
    set_up_profile(&mut browser, "Halfway There").await;
    app.drain_events().await;
    let dashboard = browser.get("/dashboard").await.body;
    assert!(dashboard.contains("Connect payouts next"), "{dashboard}");
    assert!(dashboard.contains("Finish setting up"), "{dashboard}");
    connect_payouts(&mut browser).await;
    let dashboard = browser.get("/dashboard").await.body;
    assert!(!dashboard.contains("Connect payouts next"), "{dashboard}");
    app.stop().await;
}

#[tokio::test]
async fn the_plan_page_continues_to_the_next_unfinished_step() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = signed_up(&mut browser, "plan@example.com").await;
    pay(&mut browser, &checkout).await;
    let plan = browser.get("/artist/subscription").await.body;
    assert!(plan.contains(r#"href="/artist/setup">Continue: set up your profile"#), "{plan}");

    set_up_profile(&mut browser, "Plan Ahead").await;
    let plan = browser.get("/artist/subscription").await.body;
    assert!(plan.contains(r#"href="/artist/payout">Continue: connect payouts"#), "{plan}");

    connect_payouts(&mut browser).await;
    let plan = browser.get("/artist/subscription").await.body;
    assert!(plan.contains(r#"href="/dashboard">Go to your dashboard"#), "{plan}");
    assert!(!plan.contains("set up your profile"), "{plan}");
    app.stop().await;
}

/// Sends the setup form in the browser's field order: text, the photo, then
/// the genres and links that come after it on the page.
async fn send_setup(browser: &mut Browser, photo: Vec<u8>) -> (u16, String) {
    let csrf = browser.csrf().await;
    let form = Form::new()
        .text("stage_name", "Big Picture")
        .text("handle", "")
        .text("location", "Lisbon")
        .text("bio", "Wide shots only.")
        .part("photo", Part::bytes(photo).file_name("huge.png").mime_str("image/png").unwrap())
        .text("genres", "Jazz")
        .text("social_instagram", "https://instagram.com/bigpicture");
    let url = format!("{}/artist/setup?csrf_token={csrf}", browser.base);
    let response = browser.client.post(url).multipart(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn an_over_size_photo_comes_back_as_the_form_with_a_field_error() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = signed_up(&mut browser, "bigphoto@example.com").await;
    pay(&mut browser, &checkout).await;
    let limit = boptone::identity::photo::MAX_BYTES;

    for size in [limit + 1, limit * 3] {
        let mut photo = png(64, 64);
        photo.resize(size, 0);
        let (status, page) = send_setup(&mut browser, photo).await;
        assert_eq!(status, 413, "{page}");
        assert!(page.contains("<form"), "the form comes back: {page}");
        assert!(page.contains("The photo is larger than 10 MiB"), "{page}");
        assert!(page.contains(r#"id="photo-error">The photo"#), "the error sits under the field: {page}");
        assert!(page.contains(r#"value="Big Picture""#), "input before the photo is kept: {page}");
        assert!(page.contains(r#"value="Jazz" checked"#), "input after the photo is kept: {page}");
        assert!(page.contains("https://instagram.com/bigpicture"), "{page}");
        assert_eq!(artist_row(&app), (None, false, None), "nothing was saved");
    }

    // A photo within the limit still goes through.
    let (status, page) = send_setup(&mut browser, png(600, 600)).await;
    assert_eq!(status, 303, "{page}");
    let (stage_name, completed, photo_key) = artist_row(&app);
    assert_eq!((stage_name.as_deref(), completed), (Some("Big Picture"), true));
    assert!(photo_key.is_some());
    app.stop().await;
}

#[tokio::test]
async fn the_setup_page_states_the_photo_limit_in_mib() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = signed_up(&mut browser, "limits@example.com").await;
    pay(&mut browser, &checkout).await;
    let page = browser.get("/artist/setup").await.body;
    assert!(page.contains("up to 10 MiB"), "{page}");
    assert!(page.contains(r#"data-max-bytes="10485760""#), "the browser knows the limit: {page}");
    let fields =
        [("stage_name", "Solo Act"), ("genres", "Pop"), ("genres", "Soul"), ("genres", "Jazz"), ("genres", "Rock")];
    let bad = browser.post_multipart("/artist/setup", &fields, None).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Please fix 1 problem below."), "{}", bad.body);
    app.stop().await;
}

#[tokio::test]
async fn counts_and_sizes_read_naturally() {
    let app = spawn_app().await;
    let (mut studio, artist_token) = artist(&app, "counted@example.com", "Counted").await;
    let (status, bop) = post_bop(&app, &artist_token, "vertical.mp4", "one of each").await;
    assert_eq!(status, 201, "{bop}");
    let id = bop["id"].as_str().unwrap().to_owned();
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    assert_eq!(call(&app, Some(&ada), Method::POST, &format!("/api/v1/bops/{id}/like"), None).await.0, 200);
    let (_, viewed) =
        call(&app, Some(&ada), Method::POST, &format!("/api/v1/bops/{id}/views"), Some(json!({"watched_ms": 4000})))
            .await;
    assert_eq!(viewed["counted"], true);

    let page = studio.get("/studio/bops").await.body;
    assert!(page.contains("1 view ·"), "{page}");
    assert!(page.contains("1 like ·"), "{page}");
    assert!(page.contains("0 comments ·"), "{page}");
    assert!(page.contains("in 0 tips"), "{page}");

    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    call(&app, Some(&bob), Method::POST, &format!("/api/v1/bops/{id}/like"), None).await;
    let page = studio.get("/studio/bops").await.body;
    assert!(page.contains("2 likes ·"), "{page}");

    let new = studio.get("/studio/bops/new").await.body;
    assert!(new.contains("up to 500 MiB and 180 seconds"), "{new}");
    let (status, refused) =
        call(&app, Some(&artist_token), Method::POST, "/api/v1/uploads", Some(json!({"size": 600u64 << 20}))).await;
    assert_eq!(status, 422);
    assert_eq!(refused["fields"]["size"], "Videos can be at most 500 MiB.", "{refused}");
    app.stop().await;
}
