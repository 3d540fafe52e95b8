//! The server keeps the account a token opens for a while (a burst of app
//! calls reads it once): whatever changes a token or an account is seen by
//! the very next request, though the token was used just before.

use reqwest::header;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::bops::{FAN_PASSWORD, call, fan, token};
use crate::browser::{Browser, signed_up};
use crate::helpers::{client, spawn_app};

#[tokio::test]
async fn an_app_token_signed_out_stops_working_at_once() {
    let app = spawn_app().await;
    let email = fan(&app, "phone@example.com");
    let bearer = token(&app, &email, FAN_PASSWORD).await;
    let other = token(&app, &email, FAN_PASSWORD).await;
    for _ in 0..2 {
        assert_eq!(call(&app, Some(&bearer), Method::GET, "/api/v1/me", None).await.0, StatusCode::OK);
    }
    let (status, _) = call(&app, Some(&bearer), Method::DELETE, "/api/v1/auth/token", None).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(call(&app, Some(&bearer), Method::GET, "/api/v1/me", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app, Some(&other), Method::GET, "/api/v1/me", None).await.0, StatusCode::OK, "one device only");
    app.stop().await;
}

#[tokio::test]
async fn a_new_display_name_is_seen_by_the_next_call() {
    let app = spawn_app().await;
    let email = fan(&app, "named@example.com");
    let bearer = token(&app, &email, FAN_PASSWORD).await;
    let (status, me) = call(&app, Some(&bearer), Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(me["display_name"], "Night Owl");
    let renamed =
        call(&app, Some(&bearer), Method::PATCH, "/api/v1/me", Some(json!({"display_name": "Night Owl"}))).await;
    assert_eq!(renamed.0, StatusCode::OK, "{}", renamed.1);
    let (_, me) = call(&app, Some(&bearer), Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["display_name"], "Night Owl");
    app.stop().await;
}

#[tokio::test]
async fn a_signed_out_session_cookie_opens_nothing_though_it_was_just_used() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    signed_up(&mut browser, "studio@example.com").await;
    assert_eq!(browser.get("/dashboard").await.status, 200);
    let cookies = browser.cookies();
    assert!(cookies.contains("boptone_session="), "{cookies}");
    let replay = || client().get(app.url("/dashboard")).header(header::COOKIE, cookies.clone()).send();
    assert_eq!(replay().await.unwrap().status(), 200, "the copied cookie works while signed in");
    assert_eq!(browser.sign_out().await.status, 303);
    assert_eq!(replay().await.unwrap().status(), 303, "sent to sign in");
    app.stop().await;
}
