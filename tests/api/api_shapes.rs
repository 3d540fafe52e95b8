//! The shape of every `/api/v1` response, as snapshots (`tests/api/snapshots/`).
//! The mobile app and outside checks read these names: a renamed, dropped or
//! retyped field fails here. Values that differ per run (ids, tokens, URLs,
//! times) are replaced by what they are before comparing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, fan, post_bop, token, upload};
use crate::helpers::spawn_app;

/// Keys whose values change from run to run.
const VOLATILE: &[&str] = &[
    "id",
    "uid",
    "parent_uid",
    "author",
    "token",
    "upload_id",
    "tip_id",
    "parent_id",
    "next_cursor",
    "next_before",
    "confirm_url",
    "video_url",
    "video_low_url",
    "captions_url",
    "poster_url",
    "photo_url",
    "created_at",
    "edited_at",
    "published_at",
    "expires_at",
    "paid_at",
    "weight",
    "client_secret",
    "url",
    "release_id",
];

/// Replaces volatile values by their kind, so only the shape is compared.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| {
                    let kept = if VOLATILE.contains(&key.as_str()) { placeholder(v) } else { shape(v) };
                    (key.clone(), kept)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        other => other.clone(),
    }
}

fn placeholder(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(_) => json!("[string]"),
        Value::Number(_) => json!("[number]"),
        other => shape(other),
    }
}

macro_rules! snapshot {
    ($name:literal, $response:expr) => {{
        let (status, body) = $response;
        insta::assert_json_snapshot!($name, json!({ "status": status.as_u16(), "body": shape(&body) }));
    }};
}

#[tokio::test]
async fn every_app_surface_response_keeps_its_shape() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "shape-artist@example.com", "Shape Shifter").await;
    let fan_token = token(&app, &fan(&app, "shape-fan@example.com"), FAN_PASSWORD).await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "First #shape").await;
    let id = bop["id"].as_str().unwrap().to_owned();
    let artist_id = bop["artist"]["id"].as_str().unwrap().to_owned();
    let fan = Some(fan_token.as_str());
    let artist = Some(artist_token.as_str());
    let body = |v: Value| Some(v);

    snapshot!(
        "auth_token",
        call(
            &app,
            None,
            Method::POST,
            "/api/v1/auth/token",
            body(json!({"email": "shape-fan@example.com", "password": FAN_PASSWORD}))
        )
        .await
    );
    snapshot!(
        "auth_token_wrong",
        call(
            &app,
            None,
            Method::POST,
            "/api/v1/auth/token",
            body(json!({"email": "shape-fan@example.com", "password": "nope nope nope"}))
        )
        .await
    );
    snapshot!("no_token", call(&app, None, Method::GET, "/api/v1/feed", None).await);
    app.drain_events().await;
    snapshot!("search", call(&app, None, Method::GET, "/api/v1/search?q=shape", None).await);
    snapshot!("search_empty", call(&app, None, Method::GET, "/api/v1/search?q=", None).await);
    snapshot!("explore", call(&app, None, Method::GET, "/api/v1/explore", None).await);
    snapshot!("follow", call(&app, fan, Method::POST, &format!("/api/v1/artists/{artist_id}/follow"), None).await);
    // The follow's handlers (genre taste, loyalty) run before the feed is read,
    // so its `why` does not depend on which came first.
    app.drain_events().await;
    snapshot!("feed", call(&app, fan, Method::GET, "/api/v1/feed?limit=5", None).await);
    snapshot!("feed_bad_limit", call(&app, fan, Method::GET, "/api/v1/feed?limit=500", None).await);
    snapshot!("bop", call(&app, fan, Method::GET, &format!("/api/v1/bops/{id}"), None).await);
    snapshot!("bop_unknown", call(&app, fan, Method::GET, "/api/v1/bops/0123456789abcdef0123456789abcdef", None).await);
    snapshot!("like", call(&app, fan, Method::POST, &format!("/api/v1/bops/{id}/like"), None).await);
    snapshot!("unlike", call(&app, fan, Method::DELETE, &format!("/api/v1/bops/{id}/like"), None).await);
    let comments = format!("/api/v1/bops/{id}/comments");
    let (status, comment) = call(&app, fan, Method::POST, &comments, body(json!({"body": "So good"}))).await;
    snapshot!("comment_created", (status, comment.clone()));
    let comment_id = comment["uid"].as_str().unwrap().to_owned();
    snapshot!(
        "reply_created",
        call(&app, artist, Method::POST, &comments, body(json!({"body": "Thank you", "parent_id": comment_id}))).await
    );
    snapshot!("comment_empty", call(&app, fan, Method::POST, &comments, body(json!({"body": ""}))).await);
    snapshot!("comments", call(&app, fan, Method::GET, &comments, None).await);
    let one = format!("{comments}/{comment_id}");
    snapshot!("comment_edited", call(&app, fan, Method::PATCH, &one, body(json!({"body": "So, so good"}))).await);
    snapshot!("comment_liked", call(&app, artist, Method::POST, &format!("{one}/like"), None).await);
    snapshot!(
        "view",
        call(&app, fan, Method::POST, &format!("/api/v1/bops/{id}/views"), body(json!({"watched_ms": 4000}))).await
    );
    snapshot!("tip_options", call(&app, fan, Method::GET, "/api/v1/tips/options", None).await);
    let (status, tip) =
        call(&app, fan, Method::POST, &format!("/api/v1/bops/{id}/tips"), body(json!({"amount_minor": 500}))).await;
    snapshot!("tip_started", (status, tip.clone()));
    let tip_id = tip["tip_id"].as_str().unwrap();
    snapshot!("tip_confirmed", call(&app, fan, Method::POST, &format!("/api/v1/tips/{tip_id}/confirm"), None).await);
    snapshot!("tip_receipt", call(&app, fan, Method::GET, &format!("/api/v1/tips/{tip_id}"), None).await);
    snapshot!("tips", call(&app, fan, Method::GET, "/api/v1/tips", None).await);
    snapshot!(
        "tip_too_small",
        call(&app, fan, Method::POST, &format!("/api/v1/bops/{id}/tips"), body(json!({"amount_minor": 1}))).await
    );
    snapshot!("comment_deleted", call(&app, fan, Method::DELETE, &one, None).await);
    snapshot!("unfollow", call(&app, fan, Method::DELETE, &format!("/api/v1/artists/{artist_id}/follow"), None).await);

    let (status, created) = call(&app, artist, Method::POST, "/api/v1/uploads", body(json!({"size": 10}))).await;
    snapshot!("upload_created", (status, created.clone()));
    let upload_id = created["upload_id"].as_str().unwrap();
    snapshot!("upload_status", call(&app, artist, Method::GET, &format!("/api/v1/uploads/{upload_id}"), None).await);
    snapshot!(
        "upload_cancelled",
        call(&app, artist, Method::DELETE, &format!("/api/v1/uploads/{upload_id}"), None).await
    );
    snapshot!(
        "upload_gated_for_fans",
        call(&app, fan, Method::POST, "/api/v1/uploads", body(json!({"size": 10}))).await
    );
    let finished = upload(&app, &artist_token, &crate::bops::fixture("vertical.webm"), 64 * 1024).await;
    snapshot!(
        "bop_published",
        call(
            &app,
            artist,
            Method::POST,
            "/api/v1/bops",
            body(json!({"upload_id": finished, "caption": "Two", "visibility": "followers"}))
        )
        .await
    );
    app.stop().await;
}

#[tokio::test]
async fn notification_responses_keep_their_shape() {
    let app = spawn_app().await;
    let fan_token = token(&app, &fan(&app, "shape-fan@example.com"), FAN_PASSWORD).await;
    let user: i64 = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT id FROM users WHERE email = 'shape-fan@example.com'", [], |r| r.get(0)))
        .unwrap();
    for title in ["New Bop from Nova", "New music: Tides"] {
        let notice = boptone::notify::NewNotification {
            user_id: user,
            kind: "new_bop",
            title,
            body: "Watch it in the app.",
            link: Some("/app"),
        };
        app.state
            .db
            .write_blocking(boptone::db::Durability::Normal, |tx| boptone::notify::notify(tx, &notice))
            .unwrap();
    }
    let fan = Some(fan_token.as_str());
    snapshot!("notifications", call(&app, fan, Method::GET, "/api/v1/notifications?limit=1", None).await);
    snapshot!("notifications_bad_before", call(&app, fan, Method::GET, "/api/v1/notifications?before=x", None).await);
    snapshot!(
        "notifications_unread_count",
        call(&app, fan, Method::GET, "/api/v1/notifications/unread_count", None).await
    );
    snapshot!(
        "notifications_read",
        call(&app, fan, Method::POST, "/api/v1/notifications/read", Some(json!({"all": true}))).await
    );
    snapshot!(
        "notifications_read_unknown",
        call(&app, fan, Method::POST, "/api/v1/notifications/read", Some(json!({"ids": [999_999]}))).await
    );
    snapshot!(
        "notification_preferences",
        call(&app, fan, Method::GET, "/api/v1/notifications/preferences", None).await
    );
    snapshot!(
        "notification_preferences_saved",
        call(
            &app,
            fan,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({"preferences": [{"kind": "new_bop", "email": true}]}))
        )
        .await
    );
    snapshot!(
        "notification_preferences_unknown",
        call(
            &app,
            fan,
            Method::PUT,
            "/api/v1/notifications/preferences",
            Some(json!({"preferences": [{"kind": "spam", "email": true}]}))
        )
        .await
    );
    app.stop().await;
}
