//! Issue 14, fan accounts: joining on the web and from the app through an
//! emailed link, landing in `/app` signed in, and signing out of it.

use reqwest::Method;
use serde_json::json;

use crate::bops::{call, count};
use crate::browser::Browser;
use crate::helpers::{link_in_mail, spawn_app};

const PASSWORD: &str = "a fan's long passphrase";

#[tokio::test]
async fn a_fan_joins_on_the_web_confirms_by_email_and_lands_in_the_app_signed_in() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let home = browser.get("/").await;
    assert!(home.body.contains("href=\"/signup\""), "the home page invites fans: {}", home.body);
    assert_eq!(browser.get("/signup").await.status, 200);

    let sent = browser
        .post_form("/signup", &[("email", "ada@example.com"), ("password", PASSWORD), ("display_name", "Ada Fan")])
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Check your email"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0, "no account before the link is followed");
    let link = link_in_mail(&app.address, "ada@example.com", "/signup/confirm/").expect("a confirmation link");

    // The link shows a form (mail scanners open links); the password again makes the account.
    assert_eq!(browser.get(&link).await.status, 200);
    let wrong = browser.post_form(&link, &[("password", "not the one at all")]).await;
    assert_eq!(wrong.status, 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0);
    let made = browser.post_form(&link, &[("password", PASSWORD)]).await;
    assert_eq!(made.status, 303, "{}", made.body);
    assert_eq!(made.redirect(), "/app");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'fan' AND display_name = 'Ada Fan'"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles"), 0, "a fan is not an artist");
    assert_eq!(browser.post_form(&link, &[("password", PASSWORD)]).await.status, 400, "the link works once");

    // The app page knows the browser is signed in and trades the session for a token.
    let page = browser.get("/app").await;
    assert!(page.body.contains("data-session=\"true\""), "{}", page.body);
    assert_eq!(browser.post_form_without_token("/account/app-token", &[]).await.status, 403, "CSRF holds");
    let issued = browser.send_body(Method::POST, "/account/app-token", "application/json", Vec::new()).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let token = serde_json::from_str::<serde_json::Value>(&issued.body).unwrap()["token"].as_str().unwrap().to_owned();
    assert_eq!(call(&app, Some(&token), Method::GET, "/api/v1/feed", None).await.0, 200);

    // Signing out of the app ends that token.
    assert_eq!(call(&app, Some(&token), Method::DELETE, "/api/v1/auth/token", None).await.0, 204);
    assert_eq!(call(&app, Some(&token), Method::GET, "/api/v1/feed", None).await.0, 401);

    // A fan signing in at /login lands in the app.
    browser.sign_out().await;
    let signed_in = browser.post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(signed_in.redirect(), "/app");
    app.stop().await;
}

#[tokio::test]
async fn bad_signups_change_nothing_and_a_taken_address_gets_the_same_answer() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    for (email, password) in [("", PASSWORD), ("not-an-email", PASSWORD), ("bob@example.com", "short")] {
        let page = browser.post_form("/signup", &[("email", email), ("password", password)]).await;
        assert_eq!(page.status, 422, "{email}: {}", page.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 0);
    assert!(app.mails().is_empty());

    boptone::identity::service::create_user_blocking(
        &app.state.db,
        "taken@example.com",
        PASSWORD,
        boptone::auth::Role::Fan,
    )
    .unwrap();
    let page = browser.post_form("/signup", &[("email", "taken@example.com"), ("password", PASSWORD)]).await;
    assert!(page.body.contains("Check your email"), "the same answer for a taken address");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 0);
    let mails = app.mails();
    assert!(mails.iter().any(|m| m.contains("taken@example.com") && m.contains("already has one")), "{mails:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_mobile_app_creates_an_account_with_a_token_at_once_and_a_taken_address_gets_the_same_answer() {
    let app = spawn_app().await;
    let body = json!({"email": "cy@example.com", "password": PASSWORD, "display_name": "Cy"});
    let (status, answer) = call(&app, None, Method::POST, "/api/v1/accounts", Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    let token = answer["token"].as_str().unwrap().to_owned();
    let (status, me) = call(&app, Some(&token), Method::GET, "/api/v1/me", None).await;
    assert_eq!((status.as_u16(), me["display_name"].as_str(), me["role"].as_str()), (200, Some("Cy"), Some("fan")));
    assert_eq!(call(&app, Some(&token), Method::GET, "/api/v1/feed", None).await.0, 200, "the token works at once");

    // Bad fields change nothing.
    let bad = json!({"email": "nobody", "password": "short"});
    let (status, refused) = call(&app, None, Method::POST, "/api/v1/accounts", Some(bad)).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["fields"]["email"].is_string() && refused["fields"]["password"].is_string(), "{refused}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 1);

    // The address is confirmed by the emailed link, once.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NULL"), 1);
    let link = link_in_mail(&app.address, "cy@example.com", "/verify-email/").unwrap();
    let mut browser = Browser::new(&app.address);
    let page = browser.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("your address is confirmed"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email_verified_at IS NULL"), 0);
    assert_eq!(browser.get(&link).await.status, 404, "once");
    assert_eq!(browser.get("/verify-email/made-up").await.status, 404);

    // A taken address: the same status and shape, a token that opens nothing, and an email to the owner.
    let again = json!({"email": "cy@example.com", "password": "another passphrase", "display_name": "Mallory"});
    let (status, answer) = call(&app, None, Method::POST, "/api/v1/accounts", Some(again)).await;
    assert_eq!(status, 201, "{answer}");
    let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["token"]);
    assert_eq!(call(&app, Some(answer["token"].as_str().unwrap()), Method::GET, "/api/v1/me", None).await.0, 401);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 1);
    let mails = app.mails();
    assert!(mails.iter().any(|m| m.contains("cy@example.com") && m.contains("already has one")), "{mails:?}");
    app.stop().await;
}
