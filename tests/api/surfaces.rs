//! The two surfaces are told apart by the router a request lands in, not by
//! its URL: the app surface (`/api/v1`) reads bearer tokens only and answers
//! JSON; the web surface reads session cookies only and checks CSRF.

use reqwest::Method;
use serde_json::json;

use crate::bops::{FAN_PASSWORD, artist, call, fan, post_bop, token};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_session_cookie_opens_nothing_on_the_app_surface() {
    let app = spawn_app().await;
    let (browser, artist_token) = artist(&app, "surface@example.com", "Surface").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let id = bop["id"].as_str().unwrap();
    // The signed-in browser's cookies (session and CSRF) on an API write:
    // the app surface never reads them, so this is anonymous.
    let response = browser.client.post(app.url(&format!("/api/v1/bops/{id}/like"))).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    // The same write with a bearer token needs no CSRF token.
    let (status, liked) = call(&app, Some(&artist_token), Method::POST, &format!("/api/v1/bops/{id}/like"), None).await;
    assert_eq!(status, 200, "{liked}");
    app.stop().await;
}

#[tokio::test]
async fn a_bearer_token_opens_nothing_on_the_web_surface() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "bearer-web@example.com", "Bearer").await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/studio/bops", "/dashboard"] {
        let response = no_redirects.get(app.url(path)).bearer_auth(&artist_token).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}: a browser without a session is sent to sign in");
        assert!(response.headers()["location"].to_str().unwrap().starts_with("/login"), "{path}");
    }
    // A studio upload with only a bearer token: no session, and no CSRF token either.
    let response = no_redirects
        .post(app.url("/studio/uploads"))
        .bearer_auth(&artist_token)
        .json(&json!({"size": 1000}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "CSRF guards the web surface whatever the credentials");
    app.stop().await;
}

#[tokio::test]
async fn the_app_surface_answers_json_everywhere_the_web_surface_html() {
    let app = spawn_app().await;
    let fan_token = token(&app, &fan(&app, "json@example.com"), FAN_PASSWORD).await;
    let (status, body) = call(&app, Some(&fan_token), Method::GET, "/api/v1/no/such/route", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found", "{body}");
    let (status, body) = call(&app, Some(&fan_token), Method::PATCH, "/api/v1/feed", None).await;
    assert_eq!(status, 405);
    assert_eq!(body["error"], "method_not_allowed", "{body}");
    let page = reqwest::get(app.url("/no/such/page")).await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    app.stop().await;
}
