//! Issue 14, fan accounts: one's name, a new password that signs every other
//! device out, an export of one's data, and deleting the account — on the
//! web (`/account`) and in the app (`/api/v1/me`).

use reqwest::Method;
use serde_json::{Value, json};

use boptone::identity::domain::Role;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, post_bop, token};
use crate::browser::Browser;
use crate::helpers::TestApp;

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn signed_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let mut browser = Browser::new(&app.address);
    browser.get("/login").await;
    let page = browser.post_form("/login", &[("email", email), ("password", password)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    browser
}

fn named_fan(app: &TestApp, email: &str, name: &str) {
    boptone::identity::service::create_named_user_blocking(&app.state.db, email, FAN_PASSWORD, Role::Fan, Some(name))
        .unwrap();
}

#[tokio::test]
async fn a_fan_renames_and_a_new_password_signs_every_other_device_out() {
    let app = crate::helpers::spawn_app().await;
    named_fan(&app, "ada@example.com", "Ada");
    let mut laptop = signed_in(&app, "ada@example.com", FAN_PASSWORD).await;
    let mut phone_web = signed_in(&app, "ada@example.com", FAN_PASSWORD).await;
    let app_token = token(&app, "ada@example.com", FAN_PASSWORD).await;

    let page = laptop.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("ada@example.com") && page.body.contains("value=\"Ada\""), "{}", page.body);
    assert_eq!(Browser::new(&app.address).get("/account").await.status, 303, "signed out: to the sign-in page");

    // The name: checked, then saved.
    for (bad, why) in [("", "Enter the name others will see."), ("ada@example.com", "Leave out the @")] {
        let page = laptop.post_form("/account/name", &[("display_name", bad)]).await;
        assert_eq!(page.status, 422, "{bad}");
        assert!(page.body.contains(why), "{}", page.body);
    }
    let saved = laptop.post_form("/account/name", &[("display_name", "Ada Lovelace")]).await;
    assert_eq!(saved.redirect(), "/account?saved=name");
    assert_eq!(count_text(&app, "SELECT display_name FROM users WHERE email = 'ada@example.com'"), "Ada Lovelace");
    let (status, _) =
        call(&app, Some(&app_token), Method::PATCH, "/api/v1/me", Some(json!({"display_name": " "}))).await;
    assert_eq!(status, 422);

    // A wrong current password or a short new one changes nothing.
    let wrong = laptop
        .post_form("/account/password", &[("current_password", "not my password"), ("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("That is not your current password."), "{}", wrong.body);
    let short =
        laptop.post_form("/account/password", &[("current_password", FAN_PASSWORD), ("new_password", "short")]).await;
    assert_eq!(short.status, 422);
    assert_eq!(call(&app, Some(&app_token), Method::GET, "/api/v1/me", None).await.0, 200, "nothing ended");

    // The new password: this browser stays in, every other session and token ends.
    let changed = laptop
        .post_form("/account/password", &[("current_password", FAN_PASSWORD), ("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(changed.redirect(), "/account?saved=password");
    assert_eq!(laptop.get("/account").await.status, 200);
    assert_eq!(phone_web.get("/account").await.status, 303, "the other browser is signed out");
    assert_eq!(call(&app, Some(&app_token), Method::GET, "/api/v1/me", None).await.0, 401, "the app token ended");
    let mut again = Browser::new(&app.address);
    again.get("/login").await;
    let old = again.post_form("/login", &[("email", "ada@example.com"), ("password", FAN_PASSWORD)]).await;
    assert_eq!(old.status, 422, "the old password no longer works");

    // In the app: the new password comes with this device's new token.
    let fresh = token(&app, "ada@example.com", NEW_PASSWORD).await;
    let (status, me) = call(&app, Some(&fresh), Method::GET, "/api/v1/me", None).await;
    assert_eq!((status.as_u16(), me["display_name"].as_str()), (200, Some("Ada Lovelace")));
    let body = json!({"current_password": NEW_PASSWORD, "new_password": "yet another passphrase"});
    let (status, changed) = call(&app, Some(&fresh), Method::POST, "/api/v1/me/password", Some(body)).await;
    assert_eq!(status, 200, "{changed}");
    let newest = changed["token"].as_str().unwrap();
    assert_eq!(call(&app, Some(&fresh), Method::GET, "/api/v1/me", None).await.0, 401);
    assert_eq!(call(&app, Some(newest), Method::GET, "/api/v1/me", None).await.0, 200);
    assert_eq!(laptop.get("/account").await.status, 303, "and the web sessions end too");
}

#[tokio::test]
async fn a_fan_exports_their_data_then_deletes_the_account_and_only_anonymous_traces_stay() {
    let app = crate::helpers::spawn_app().await;
    let (mut nova, nova_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, bop) = post_bop(&app, &nova_token, "vertical.mp4", "Rooftop take").await;
    let bop = bop["id"].as_str().unwrap().to_owned();
    named_fan(&app, "ada@example.com", "Ada");
    let ada = token(&app, "ada@example.com", FAN_PASSWORD).await;
    let nova_id = count_text(&app, "SELECT uid FROM artist_profiles");
    call(&app, Some(&ada), Method::POST, &format!("/api/v1/artists/{nova_id}/follow"), None).await;
    call(&app, Some(&ada), Method::POST, &format!("/api/v1/bops/{bop}/like"), None).await;
    let path = format!("/api/v1/bops/{bop}/comments");
    assert_eq!(call(&app, Some(&ada), Method::POST, &path, Some(json!({"body": "On repeat"}))).await.0, 201);
    let tips = format!("/api/v1/bops/{bop}/tips");
    let (_, started) =
        call(&app, Some(&ada), Method::POST, &tips, Some(json!({"amount_minor": 500, "message": "Thanks!"}))).await;
    assert_eq!(call(&app, Some(&ada), Method::POST, started["confirm_url"].as_str().unwrap(), None).await.0, 200);
    app.drain_events().await;

    // The export: everything held about her, on the web and in the app.
    let mut web = signed_in(&app, "ada@example.com", FAN_PASSWORD).await;
    let file = web.get("/account/export").await;
    assert_eq!(file.status, 200);
    let data: Value = serde_json::from_str(&file.body).unwrap();
    assert_eq!(data["account"]["email"], "ada@example.com");
    assert_eq!(data["follows"][0]["artist"], "Nova");
    assert_eq!(data["likes"][0]["bop_id"], bop.as_str());
    assert_eq!(data["comments"][0]["body"], "On repeat");
    assert_eq!(
        (data["tips"][0]["message"].as_str(), data["tips"][0]["amount_minor"].as_i64()),
        (Some("Thanks!"), Some(500))
    );
    let (_, from_app) = call(&app, Some(&ada), Method::GET, "/api/v1/me/export", None).await;
    assert_eq!(from_app["comments"], data["comments"]);

    // Wrong password or no confirmation: nothing happens.
    let (status, _) =
        call(&app, Some(&ada), Method::DELETE, "/api/v1/me", Some(json!({"password": "wrong password"}))).await;
    assert_eq!(status, 422);
    let unconfirmed = web.post_form("/account/delete", &[("password", FAN_PASSWORD), ("confirm", "yes")]).await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains("Type DELETE to confirm."));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE deleted_at IS NOT NULL"), 0);
    // An artist cannot delete themselves here.
    let (status, _) = call(
        &app,
        Some(&nova_token),
        Method::DELETE,
        "/api/v1/me",
        Some(json!({"password": crate::browser::PASSWORD})),
    )
    .await;
    assert_eq!(status, 409);

    let deleted = web.post_form("/account/delete", &[("password", FAN_PASSWORD), ("confirm", "DELETE")]).await;
    assert_eq!(deleted.redirect(), "/?deleted=1");
    app.drain_events().await;

    // Personal data gone; signed out everywhere; the old credentials open nothing.
    let row = count_text(
        &app,
        "SELECT email || '|' || display_name || '|' || password_hash FROM users WHERE id = (SELECT fan_user_id FROM bops_tips)",
    );
    assert!(row.starts_with("deleted-") && row.ends_with("@deleted.invalid|Deleted account|"), "{row}");
    assert_eq!(web.get("/account").await.status, 303);
    assert_eq!(call(&app, Some(&ada), Method::GET, "/api/v1/me", None).await.0, 401);
    let mut again = Browser::new(&app.address);
    again.get("/login").await;
    assert_eq!(
        again.post_form("/login", &[("email", "ada@example.com"), ("password", FAN_PASSWORD)]).await.status,
        422
    );
    // Follows are undone; her comment stays, signed "Deleted account"; the money stays in the books.
    assert_eq!(count(&app, "SELECT followers FROM artist_follower_counts"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_timeline"), 0);
    let (_, comments) = call(&app, Some(&nova_token), Method::GET, &path, None).await;
    assert_eq!(comments["items"][0]["author"], "Deleted account", "{comments}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips WHERE status = 'succeeded'"), 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM notifications WHERE user_id = (SELECT fan_user_id FROM bops_tips)"),
        0
    );
    assert!(!nova.get("/studio/supporters").await.body.contains("Ada"));
}

async fn put_avatar(app: &TestApp, token: &str, body: Vec<u8>) -> (u16, Value) {
    let response = crate::helpers::client()
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(token)
        .header("content-type", "image/png")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn media_status(app: &TestApp, url: &str) -> u16 {
    crate::helpers::client().get(app.url(url)).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_fan_sets_an_avatar_that_shows_beside_their_comments_and_goes_with_the_account() {
    let app = crate::helpers::spawn_app().await;
    let (_studio, artist_token) = artist(&app, "stage@example.com", "Stage").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let thread = format!("/api/v1/bops/{}/comments", bop["id"].as_str().unwrap());
    named_fan(&app, "face@example.com", "Face");
    let fan = token(&app, "face@example.com", FAN_PASSWORD).await;

    // Refused and nothing kept: not an image, too large.
    assert_eq!(put_avatar(&app, &fan, b"not an image".to_vec()).await.0, 422);
    assert_eq!(put_avatar(&app, &fan, vec![0; 5 * 1024 * 1024 + 10]).await.0, 413);
    let (_, me) = call(&app, Some(&fan), Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["avatar_url"], Value::Null);

    let (status, set) = put_avatar(&app, &fan, crate::browser::png(640, 480)).await;
    assert_eq!(status, 200, "{set}");
    let url = set["avatar_url"].as_str().unwrap().to_owned();
    assert_eq!(media_status(&app, &url).await, 200);
    let (_, me) = call(&app, Some(&fan), Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["avatar_url"], url.as_str());
    call(&app, Some(&fan), Method::POST, &thread, Some(json!({"body": "hello"}))).await;
    let (_, page) = call(&app, Some(&artist_token), Method::GET, &thread, None).await;
    assert_eq!(page["items"][0]["author_avatar_url"], url.as_str());

    // One change a minute.
    let (status, _) = put_avatar(&app, &fan, crate::browser::png(300, 300)).await;
    assert_eq!(status, 429);
    app.state.clock.advance(61_000);

    // On the web: the account page shows it, and a new one replaces it.
    let mut browser = signed_in(&app, "face@example.com", FAN_PASSWORD).await;
    assert!(browser.get("/account").await.body.contains(&url));
    let bad = browser.post_multipart("/account/avatar", &[], Some(("avatar", b"nope".to_vec(), "image/png"))).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Upload a JPEG, PNG or WebP image."), "{}", bad.body);
    let saved = browser
        .post_multipart("/account/avatar", &[], Some(("avatar", crate::browser::png(200, 300), "image/png")))
        .await;
    assert_eq!(saved.redirect(), "/account?saved=avatar");
    let (_, me) = call(&app, Some(&fan), Method::GET, "/api/v1/me", None).await;
    let second = me["avatar_url"].as_str().unwrap().to_owned();
    assert_ne!(second, url);
    assert_eq!(media_status(&app, &url).await, 404, "the old photo is no one's avatar any more");

    // Removed, then the account is deleted: the photo is served to no one.
    assert_eq!(call(&app, Some(&fan), Method::DELETE, "/api/v1/me/avatar", None).await.0, 204);
    assert_eq!(media_status(&app, &second).await, 404);
    app.state.clock.advance(61_000);
    let (status, again) = put_avatar(&app, &fan, crate::browser::png(320, 320)).await;
    assert_eq!(status, 200);
    let third = again["avatar_url"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        Some(&fan),
        Method::DELETE,
        "/api/v1/me",
        Some(json!({"password": FAN_PASSWORD, "confirm": "DELETE"})),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(media_status(&app, &third).await, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE avatar_key IS NOT NULL"), 0);

    // Files that fail to decode cost the server too: ten tries a minute.
    named_fan(&app, "spray@example.com", "Spray");
    let spray = token(&app, "spray@example.com", FAN_PASSWORD).await;
    for n in 0..10 {
        assert_eq!(put_avatar(&app, &spray, b"not an image".to_vec()).await.0, 422, "try {n}");
    }
    assert_eq!(put_avatar(&app, &spray, crate::browser::png(64, 64)).await.0, 429);
    let (_, me) = call(&app, Some(&spray), Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["avatar_url"], Value::Null);
    app.stop().await;
}
