//! Phase 2: Bops on the app surface and in the studio.

use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use boptone::identity::domain::Role;

use crate::browser::{Browser, onboarded_artist, signed_up};
use crate::helpers::{TestApp, client, spawn_app};

pub const FAN_PASSWORD: &str = "fan passphrase 123";

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

pub async fn token(app: &TestApp, email: &str, password: &str) -> String {
    let response = client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "token for {email}");
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

pub fn fan(app: &TestApp, email: &str) -> String {
    boptone::identity::service::create_user_blocking(&app.state.db, email, FAN_PASSWORD, Role::Fan).unwrap();
    email.to_owned()
}

pub async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Uploads `bytes` in `chunk`-sized pieces; returns the upload id.
pub async fn upload(app: &TestApp, token: &str, bytes: &[u8], chunk: usize) -> String {
    let (status, created) =
        call(app, Some(token), Method::POST, "/api/v1/uploads", Some(json!({"size": bytes.len()}))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["upload_id"].as_str().unwrap().to_owned();
    for (i, piece) in bytes.chunks(chunk).enumerate() {
        let response = client()
            .put(app.url(&format!("/api/v1/uploads/{id}?offset={}", i * chunk)))
            .bearer_auth(token)
            .body(piece.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    id
}

pub async fn post_bop(app: &TestApp, token: &str, name: &str, caption: &str) -> (StatusCode, Value) {
    let id = upload(app, token, &fixture(name), 64 * 1024).await;
    call(app, Some(token), Method::POST, "/api/v1/bops", Some(json!({"upload_id": id, "caption": caption}))).await
}

/// An onboarded artist with an API token.
pub async fn artist(app: &TestApp, email: &str, name: &str) -> (Browser, String) {
    let browser = onboarded_artist(&app.address, email, name).await;
    let token = token(app, email, crate::browser::PASSWORD).await;
    (browser, token)
}

/// Files (not the directories the local store leaves) under media/bops.
fn stored_videos(app: &TestApp) -> usize {
    fn files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    files(&app.data_dir().join("media/bops"))
}

pub fn count_text(app: &TestApp, sql: &str) -> String {
    let sql = sql.to_owned();
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

pub fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

#[tokio::test]
async fn tokens_are_issued_for_valid_credentials_only() {
    let app = spawn_app().await;
    let email = fan(&app, "fan@example.com");
    assert!(!token(&app, &email, FAN_PASSWORD).await.is_empty());
    let (status, body) = call(
        &app,
        None,
        Method::POST,
        "/api/v1/auth/token",
        Some(json!({"email": email, "password": "nope nope nope"})),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    let (status, body) = call(&app, None, Method::GET, "/api/v1/feed", None).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("unauthorized")));
    let (status, _) = call(&app, Some("made-up"), Method::GET, "/api/v1/feed", None).await;
    assert_eq!(status, 401);
    let (status, body) = call(&app, None, Method::POST, "/api/v1/auth/token", Some(json!({"email": 5}))).await;
    assert!(status.is_client_error(), "{body}");
    assert!(body["error"].is_string(), "errors are JSON: {body}");
    app.stop().await;
}

#[tokio::test]
async fn an_artist_posts_a_vertical_video_and_a_fan_sees_it_play() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "poster@example.com", "Poster Child").await;
    let (status, bop) = post_bop(&app, &artist_token, "vertical.mp4", "First one #debut").await;
    assert_eq!(status, 201, "{bop}");
    assert_eq!((bop["width"].as_u64(), bop["height"].as_u64()), (Some(360), Some(640)));
    assert_eq!(bop["hashtags"], json!(["debut"]));

    let fan_token = token(&app, &fan(&app, "watcher@example.com"), FAN_PASSWORD).await;
    let (status, seen) =
        call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200);
    for field in [
        "id",
        "artist",
        "caption",
        "video_url",
        "poster_url",
        "like_count",
        "comment_count",
        "view_count",
        "liked_by_me",
    ] {
        assert!(seen.get(field).is_some(), "{field} in {seen}");
    }
    assert_eq!(seen["artist"]["name"], "Poster Child");
    let video = client()
        .get(app.url(seen["video_url"].as_str().unwrap()))
        .header("range", "bytes=0-1023")
        .send()
        .await
        .unwrap();
    assert_eq!(video.status(), 206);
    assert_eq!(video.headers()["content-length"], "1024");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'bop.published'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn horizontal_truncated_and_non_videos_are_refused_and_deleted() {
    let app = spawn_app().await;
    let (_browser, token) = artist(&app, "strict@example.com", "Strict").await;
    let mut truncated = fixture("moov_at_end.mp4");
    truncated.truncate(truncated.len() / 2);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("horizontal", fixture("horizontal.mp4"), "Bops are vertical"),
        ("truncated", truncated, "incomplete"),
        ("not a video", b"%PDF-1.7 this is a document, not a video".to_vec(), "not a video"),
        ("too long", fixture("long.mp4"), "at most 180 seconds"),
    ];
    for (name, bytes, message) in cases {
        let id = upload(&app, &token, &bytes, 32 * 1024).await;
        let (status, body) =
            call(&app, Some(&token), Method::POST, "/api/v1/bops", Some(json!({"upload_id": id}))).await;
        assert_eq!(status, 422, "{name}: {body}");
        assert!(body["fields"]["video"].as_str().unwrap().contains(message), "{name}: {body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos"), 0);
    assert_eq!(stored_videos(&app), 0, "refused files are deleted");
    app.stop().await;
}

#[tokio::test]
async fn oversize_uploads_are_stopped() {
    let app = spawn_app().await;
    let (_browser, token) = artist(&app, "big@example.com", "Big").await;
    let (status, body) =
        call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": 600_000_000u64}))).await;
    assert_eq!(status, 422);
    assert!(body["fields"]["size"].as_str().unwrap().contains("at most 500 MiB"), "{body}");

    // More bytes than announced: stopped mid-stream and removed.
    let (_, created) = call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": 1000}))).await;
    let id = created["upload_id"].as_str().unwrap();
    let response = client()
        .put(app.url(&format!("/api/v1/uploads/{id}?offset=0")))
        .bearer_auth(&token)
        .body(vec![0u8; 10_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let (status, _) = call(&app, Some(&token), Method::GET, &format!("/api/v1/uploads/{id}"), None).await;
    assert_eq!(status, 404, "the upload is gone");
    assert_eq!(stored_videos(&app), 0);
    app.stop().await;
}

#[tokio::test]
async fn an_interrupted_upload_resumes_where_it_stopped() {
    let app = spawn_app().await;
    let (_browser, token) = artist(&app, "resume@example.com", "Resume").await;
    let video = fixture("vertical.mp4");
    let (_, created) =
        call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": video.len()}))).await;
    let id = created["upload_id"].as_str().unwrap().to_owned();

    // The connection drops after 40 KB of a chunk.
    let first: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::copy_from_slice(&video[..20_000])),
        Ok(Bytes::copy_from_slice(&video[20_000..40_000])),
        Err(std::io::Error::other("cable pulled")),
    ];
    let dropped = client()
        .put(app.url(&format!("/api/v1/uploads/{id}?offset=0")))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(first)))
        .send()
        .await;
    assert!(dropped.is_err() || !dropped.unwrap().status().is_success());

    let (_, status) = call(&app, Some(&token), Method::GET, &format!("/api/v1/uploads/{id}"), None).await;
    let received = status["received"].as_u64().unwrap() as usize;
    assert!(received <= 40_000, "{status}");
    let (wrong, body) = call(&app, Some(&token), Method::PUT, &format!("/api/v1/uploads/{id}?offset=0"), None).await;
    if received > 0 {
        assert_eq!(wrong, 409, "a stale offset is refused: {body}");
    }
    let rest = client()
        .put(app.url(&format!("/api/v1/uploads/{id}?offset={received}")))
        .bearer_auth(&token)
        .body(video[received..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 200);
    let (status, bop) = call(&app, Some(&token), Method::POST, "/api/v1/bops", Some(json!({"upload_id": id}))).await;
    assert_eq!(status, 201, "{bop}");
    let key =
        boptone::media::MediaKey::parse(bop["video_url"].as_str().unwrap().trim_start_matches("/media/")).unwrap();
    assert!(
        app.state.media.get_bytes(&key).await.unwrap().as_ref() == video.as_slice(),
        "the stored file is the original"
    );

    // Cancel: the store's upload is aborted and the session forgotten.
    let (_, created) = call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": 100}))).await;
    let cancel_id = created["upload_id"].as_str().unwrap();
    assert_eq!(call(&app, Some(&token), Method::DELETE, &format!("/api/v1/uploads/{cancel_id}"), None).await.0, 204);
    assert_eq!(call(&app, Some(&token), Method::GET, &format!("/api/v1/uploads/{cancel_id}"), None).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn likes_are_idempotent() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "liked@example.com", "Liked").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.webm", "").await;
    let path = format!("/api/v1/bops/{}/like", bop["id"].as_str().unwrap());
    let fan_token = token(&app, &fan(&app, "liker@example.com"), FAN_PASSWORD).await;
    for _ in 0..2 {
        let (status, body) = call(&app, Some(&fan_token), Method::POST, &path, None).await;
        assert_eq!((status.as_u16(), body["like_count"].as_i64()), (200, Some(1)));
    }
    let (_, seen) =
        call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    assert_eq!(seen["liked_by_me"], true);
    for _ in 0..2 {
        let (_, body) = call(&app, Some(&fan_token), Method::DELETE, &path, None).await;
        assert_eq!(body["like_count"], 0);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'bop.liked'"), 1);
    assert_eq!(call(&app, Some(&fan_token), Method::POST, "/api/v1/bops/nope/like", None).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn comments_replies_edits_and_who_may_remove_them() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "talk@example.com", "Talk").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let comments = format!("/api/v1/bops/{}/comments", bop["id"].as_str().unwrap());
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;

    let (status, first) = call(&app, Some(&ada), Method::POST, &comments, Some(json!({"body": "Love this"}))).await;
    assert_eq!(status, 201, "{first}");
    let first_id = first["uid"].as_str().unwrap().to_owned();
    let (status, reply) =
        call(&app, Some(&bob), Method::POST, &comments, Some(json!({"body": "Same", "parent_id": first_id}))).await;
    assert_eq!(status, 201);
    let (status, body) =
        call(&app, Some(&ada), Method::POST, &comments, Some(json!({"body": "deeper", "parent_id": reply["uid"]})))
            .await;
    assert_eq!(status, 422, "one level of replies: {body}");
    assert_eq!(call(&app, Some(&ada), Method::POST, &comments, Some(json!({"body": "   "}))).await.0, 422);

    let own = format!("{comments}/{first_id}");
    assert_eq!(call(&app, Some(&bob), Method::PATCH, &own, Some(json!({"body": "hijack"}))).await.0, 403);
    assert_eq!(call(&app, Some(&bob), Method::DELETE, &own, None).await.0, 403);
    let (status, edited) =
        call(&app, Some(&ada), Method::PATCH, &own, Some(json!({"body": "Love this so much"}))).await;
    assert_eq!((status.as_u16(), edited["edited"].as_bool()), (200, Some(true)));
    assert_eq!(call(&app, Some(&bob), Method::POST, &format!("{own}/like"), None).await.0, 204);

    // The artist hides a fan's comment on their Bop.
    let reply_path = format!("{comments}/{}", reply["uid"].as_str().unwrap());
    assert_eq!(call(&app, Some(&artist_token), Method::DELETE, &reply_path, None).await.0, 204);
    let (_, listed) = call(&app, Some(&bob), Method::GET, &comments, None).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["body"], "Love this so much");
    assert_eq!(items[0]["like_count"], 1);
    let (_, seen) =
        call(&app, Some(&bob), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    assert_eq!(seen["comment_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn views_count_once_per_viewer_per_half_hour_after_three_seconds() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "viewed@example.com", "Viewed").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let id = bop["id"].as_str().unwrap();
    let views = format!("/api/v1/bops/{id}/views");
    let ada = token(&app, &fan(&app, "v1@example.com"), FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "v2@example.com"), FAN_PASSWORD).await;
    let report = |t: String, ms: i64| {
        let (app, views) = (&app, views.clone());
        async move {
            call(app, Some(&t), Method::POST, &views, Some(json!({"watched_ms": ms}))).await.1["counted"].as_bool()
        }
    };
    assert_eq!(report(ada.clone(), 1500).await, Some(false), "too short to count");
    assert_eq!(report(ada.clone(), 3200).await, Some(true));
    assert_eq!(report(ada.clone(), 4000).await, Some(false), "same viewer within 30 minutes");
    assert_eq!(report(bob.clone(), 3000).await, Some(true));
    assert_eq!(call(&app, Some(&bob), Method::POST, &views, Some(json!({"watched_ms": -5}))).await.0, 422);

    // Anonymous web viewers are told apart by a hash of IP and user agent.
    let mut web = Browser::new(&app.address);
    let csrf = web.csrf().await;
    for (agent, expected) in [("phone", true), ("phone", false), ("laptop", true)] {
        let response = web
            .client
            .post(app.url(&format!("/bops/{id}/views?csrf_token={csrf}")))
            .header("user-agent", agent)
            .json(&json!({"watched_ms": 5000}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.json::<Value>().await.unwrap()["counted"], expected, "{agent}");
    }
    let (_, seen) = call(&app, Some(&bob), Method::GET, &format!("/api/v1/bops/{id}"), None).await;
    assert_eq!(seen["view_count"], 4);

    // Past the half hour (the application's clock moved, not the rows), the
    // same viewer counts again.
    app.state.clock.advance(29 * 60 * 1000);
    assert_eq!(report(ada.clone(), 4000).await, Some(false), "still within 30 minutes");
    app.state.clock.advance(2 * 60 * 1000);
    assert_eq!(report(ada.clone(), 4000).await, Some(true), "a new half hour");
    app.stop().await;
}

#[tokio::test]
async fn the_feed_puts_followed_artists_first_and_pages_without_repeats() {
    let app = spawn_app().await;
    let (_a, alpha) = artist(&app, "alpha@example.com", "Alpha").await;
    let (_b, beta) = artist(&app, "beta@example.com", "Beta").await;
    let mut ids = Vec::new();
    for (token, n) in [(&alpha, 3), (&beta, 2)] {
        for i in 0..n {
            let (status, bop) = post_bop(&app, token, "vertical.webm", &format!("bop {i}")).await;
            assert_eq!(status, 201);
            ids.push(bop["id"].as_str().unwrap().to_owned());
        }
    }
    let fan_token = token(&app, &fan(&app, "feed@example.com"), FAN_PASSWORD).await;
    app.drain_events().await; // earlier Bops' notifications are settled before the follow
    let beta_uid: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT uid FROM artist_profiles WHERE stage_name = 'Beta'", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(
        call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/artists/{beta_uid}/follow"), None).await.0,
        200
    );
    app.drain_events().await; // the follow's backfill of the timeline is an event handler's

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/feed?limit=2&cursor={c}"),
            None => "/api/v1/feed?limit=2".to_owned(),
        };
        let (status, page) = call(&app, Some(&fan_token), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().unwrap() {
            seen.push((item["artist"]["name"].as_str().unwrap().to_owned(), item["id"].as_str().unwrap().to_owned()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Beta", "Beta", "Alpha", "Alpha", "Alpha"], "followed first, then everyone else");
    let mut unique: Vec<&String> = seen.iter().map(|(_, id)| id).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "every Bop exactly once");
    assert_eq!(seen[0].1, ids[4], "newest first");

    // Beta's followers hear of Beta's new Bops (bop.published → notifications).
    let (_, late) = post_bop(&app, &beta, "vertical.webm", "fresh").await;
    assert!(late["id"].is_string());
    app.drain_events().await;
    let notified = count(
        &app,
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'feed@example.com' AND n.kind = 'new_bop'",
    );
    assert_eq!(notified, 1, "only the Bop posted after following");

    for bad in ["/api/v1/feed?cursor=garbage", "/api/v1/feed?limit=0", "/api/v1/feed?limit=500"] {
        let (status, body) = call(&app, Some(&fan_token), Method::GET, bad, None).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["fields"].is_object());
    }
    app.stop().await;
}

/// Every revenue route of the app: (method, path). A route that earns for an
/// artist belongs here, and this test proves the gate stands before it.
const REVENUE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/uploads"),
    ("GET", "/api/v1/uploads/x"),
    ("PUT", "/api/v1/uploads/x?offset=0"),
    ("DELETE", "/api/v1/uploads/x"),
    ("POST", "/api/v1/bops"),
    ("GET", "/studio/bops/new"),
    ("POST", "/studio/uploads"),
    ("GET", "/studio/uploads/x"),
    ("PUT", "/studio/uploads/x?offset=0"),
    ("DELETE", "/studio/uploads/x"),
    ("POST", "/studio/bops"),
    ("GET", "/studio/music"),
    ("GET", "/studio/music/new"),
    ("POST", "/studio/music"),
    ("GET", "/studio/music/x"),
    ("POST", "/studio/music/x"),
    ("POST", "/studio/music/x/artwork"),
    ("POST", "/studio/music/x/publish"),
    ("POST", "/studio/music/x/takedown"),
    ("POST", "/studio/music/uploads"),
    ("POST", "/studio/music/x/tracks"),
    ("GET", "/studio/music/tracks/x"),
    ("POST", "/studio/music/tracks/x"),
    ("POST", "/studio/music/tracks/x/splits"),
    ("POST", "/studio/music/tracks/x/delete"),
    ("GET", "/studio/shop"),
    ("POST", "/studio/shop"),
    ("GET", "/studio/shop/new"),
    ("GET", "/studio/shop/products/x"),
    ("POST", "/studio/shop/products/x"),
    ("POST", "/studio/shop/products/x/delete"),
    ("POST", "/studio/shop/products/x/variants"),
    ("POST", "/studio/shop/products/x/variants/y"),
    ("POST", "/studio/shop/products/x/variants/y/delete"),
    ("POST", "/studio/shop/products/x/photos"),
    ("POST", "/studio/shop/products/x/photos/1/cover"),
    ("POST", "/studio/shop/products/x/photos/1/delete"),
    ("POST", "/studio/shop/products/x/files"),
    ("POST", "/studio/shop/products/x/files/y/delete"),
    ("GET", "/studio/shop/shipping"),
    ("POST", "/studio/shop/shipping"),
    ("POST", "/studio/shop/shipping/x/delete"),
    ("GET", "/studio/shop/orders"),
    ("GET", "/studio/shop/orders/x"),
    ("POST", "/studio/shop/orders/x/ship"),
    ("POST", "/studio/shop/orders/x/cancel"),
    ("POST", "/studio/shop/orders/x/refund"),
    ("POST", "/studio/shop/orders/x/pod/retry"),
    ("GET", "/studio/shop/import"),
    ("POST", "/studio/shop/import"),
];

#[tokio::test]
async fn every_revenue_route_is_gated() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = signed_up(&mut browser, "unready@example.com").await;
    crate::browser::pay(&mut browser, &checkout).await;
    crate::browser::set_up_profile(&mut browser, "Unready").await;
    let token = token(&app, "unready@example.com", crate::browser::PASSWORD).await;
    let csrf = browser.csrf().await;
    for (method, path) in REVENUE_ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        if path.starts_with("/api/") {
            let (status, body) =
                call(&app, Some(&token), method.clone(), path, Some(json!({"size": 10, "upload_id": "x"}))).await;
            assert_eq!(status, 403, "{method} {path}: {body}");
            assert_eq!(
                (body["error"].as_str(), body["step"].as_str()),
                (Some("onboarding_incomplete"), Some("payout")),
                "{method} {path}"
            );
        } else {
            let separator = if path.contains('?') { '&' } else { '?' };
            let response = browser
                .client
                .request(method.clone(), app.url(&format!("{path}{separator}csrf_token={csrf}")))
                .header("accept", "text/html")
                .json(&json!({"size": 10}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303, "{method} {path}");
            assert_eq!(response.headers()["location"], "/artist/payout", "{method} {path}");
        }
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos"), 0);
    app.stop().await;
}

#[tokio::test]
async fn another_artist_cannot_edit_delete_or_continue_someones_bop() {
    let app = spawn_app().await;
    let (mut owner, owner_token) = artist(&app, "owner@example.com", "Owner").await;
    let (mut other, other_token) = artist(&app, "other@example.com", "Other").await;
    let (_, bop) = post_bop(&app, &owner_token, "vertical.mp4", "mine").await;
    let id = bop["id"].as_str().unwrap();

    assert_eq!(other.post_form(&format!("/studio/bops/{id}/caption"), &[("caption", "stolen")]).await.status, 404);
    assert_eq!(other.post_form(&format!("/studio/bops/{id}/delete"), &[]).await.status, 404);
    let (_, created) = call(&app, Some(&owner_token), Method::POST, "/api/v1/uploads", Some(json!({"size": 10}))).await;
    let upload = created["upload_id"].as_str().unwrap();
    assert_eq!(call(&app, Some(&other_token), Method::GET, &format!("/api/v1/uploads/{upload}"), None).await.0, 404);
    assert_eq!(call(&app, Some(&other_token), Method::DELETE, &format!("/api/v1/uploads/{upload}"), None).await.0, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos WHERE caption = 'mine' AND deleted_at IS NULL"), 1);

    // The owner edits and deletes from the studio.
    assert_eq!(
        owner.post_form(&format!("/studio/bops/{id}/caption"), &[("caption", "new words #fresh")]).await.redirect(),
        "/studio/bops"
    );
    let studio = owner.get("/studio/bops").await;
    assert!(studio.body.contains("new words #fresh") && studio.body.contains("views"), "{}", studio.body);
    assert_eq!(owner.post_form(&format!("/studio/bops/{id}/delete"), &[]).await.redirect(), "/studio/bops");
    let fan_token = token(&app, &fan(&app, "late-fan@example.com"), FAN_PASSWORD).await;
    assert_eq!(
        call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/bops/{id}"), None).await.0,
        404,
        "a deleted Bop is gone"
    );
    app.stop().await;
}

pub(crate) async fn tip(app: &TestApp, token: &str, bop: &str, amount: i64) -> (StatusCode, Value) {
    call(app, Some(token), Method::POST, &format!("/api/v1/bops/{bop}/tips"), Some(json!({"amount_minor": amount})))
        .await
}

#[tokio::test]
async fn a_sandbox_tip_counts_once_it_is_paid_and_the_artist_hears_of_it() {
    let app = spawn_app().await;
    let (mut artist_browser, artist_token) = artist(&app, "tipped@example.com", "Tipped").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "tip jar").await;
    let id = bop["id"].as_str().unwrap();
    let ada = token(&app, &fan(&app, "generous@example.com"), FAN_PASSWORD).await;

    let (_, options) = call(&app, Some(&ada), Method::GET, "/api/v1/tips/options", None).await;
    assert_eq!(options["presets_minor"], json!([200, 500, 1000]));
    assert_eq!(options["sandbox"], true);

    let (status, started) = tip(&app, &ada, id, 500).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["status"], "pending");
    let (_, seen) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/bops/{id}"), None).await;
    assert_eq!(seen["tip_count"], 0, "nothing counts before payment");

    let confirm = started["confirm_url"].as_str().unwrap();
    let bob = token(&app, &fan(&app, "bystander@example.com"), FAN_PASSWORD).await;
    assert_eq!(call(&app, Some(&bob), Method::POST, confirm, None).await.0, 404, "only the tipper pays their tip");
    for _ in 0..2 {
        assert_eq!(call(&app, Some(&ada), Method::POST, confirm, None).await.0, 200);
    }
    let (_, seen) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/bops/{id}"), None).await;
    assert_eq!((seen["tip_count"].as_i64(), seen["tip_total_minor"].as_i64()), (Some(1), Some(500)), "counted once");

    app.drain_events().await;
    assert!(artist_browser.get("/dashboard").await.body.contains("tipped you $5.00"));
    assert!(artist_browser.get("/studio/bops").await.body.contains("$5.00"));
    app.stop().await;
}

#[tokio::test]
async fn tips_are_refused_outside_limits_rates_and_the_gate() {
    let app = crate::helpers::spawn_app_with(|c| c.set("tips.per_fan_per_artist_per_hour", 2), None, None).await;
    let (_browser, artist_token) = artist(&app, "limits@example.com", "Limits").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let id = bop["id"].as_str().unwrap();
    let ada = token(&app, &fan(&app, "limited@example.com"), FAN_PASSWORD).await;

    for amount in [50, 60_000, 0, -5] {
        let (status, body) = tip(&app, &ada, id, amount).await;
        assert_eq!(status, 422, "{amount}: {body}");
        assert!(body["fields"]["amount_minor"].as_str().unwrap().contains("between $1.00 and $500.00"));
    }
    assert_eq!(tip(&app, &artist_token, id, 500).await.0, 422, "no tipping yourself");
    assert_eq!(tip(&app, &ada, id, 200).await.0, 201);
    assert_eq!(tip(&app, &ada, id, 200).await.0, 201);
    let response = client()
        .post(app.url(&format!("/api/v1/bops/{id}/tips")))
        .bearer_auth(&ada)
        .json(&json!({"amount_minor": 200}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips"), 2, "nothing charged past the limit");

    // An artist whose payouts are not enabled receives no tips.
    app.state
        .db
        .write::<_, boptone::error::AppError, _>(|tx| {
            Ok(tx.execute("UPDATE stripe_connect_accounts SET payouts_enabled = 0", [])?)
        })
        .await
        .unwrap();
    let bob = token(&app, &fan(&app, "other-tipper@example.com"), FAN_PASSWORD).await;
    let (status, body) = tip(&app, &bob, id, 500).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips"), 2);
    app.stop().await;
}
