//! Who may see a Bop, and so like, comment on, tip or view it: public ones
//! anyone signed in; followers-only ones the artist's followers; private
//! ones the artist alone; none of a suspended artist's, nor deleted ones.

use boptone::db::{Durability, now_ms};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::bops::{FAN_PASSWORD, artist, call, fan, token};
use crate::helpers::{TestApp, spawn_app};

async fn bop_with(app: &TestApp, artist_token: &str, visibility: &str) -> String {
    let id = crate::bops::upload(app, artist_token, &crate::bops::fixture("vertical.mp4"), 64 * 1024).await;
    let body = json!({"upload_id": id, "caption": visibility, "visibility": visibility});
    let (status, bop) = call(app, Some(artist_token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{bop}");
    bop["id"].as_str().unwrap().to_owned()
}

/// The answers `token` gets when it looks at, likes, comments on, tips
/// and reports watching `bop`.
async fn reach(app: &TestApp, token: &str, bop: &str) -> [StatusCode; 5] {
    let (seen, _) = call(app, Some(token), Method::GET, &format!("/api/v1/bops/{bop}"), None).await;
    let (liked, _) = call(app, Some(token), Method::POST, &format!("/api/v1/bops/{bop}/like"), None).await;
    let comment = Some(json!({"body": "hello"}));
    let (commented, _) = call(app, Some(token), Method::POST, &format!("/api/v1/bops/{bop}/comments"), comment).await;
    let tip = Some(json!({"amount_minor": 500}));
    let (tipped, _) = call(app, Some(token), Method::POST, &format!("/api/v1/bops/{bop}/tips"), tip).await;
    let watched = Some(json!({"watched_ms": 5000}));
    let (viewed, _) = call(app, Some(token), Method::POST, &format!("/api/v1/bops/{bop}/views"), watched).await;
    [seen, liked, commented, tipped, viewed]
}

const OPEN: [u16; 5] = [200, 200, 201, 201, 200];
const HIDDEN: [u16; 5] = [404, 404, 404, 404, 404];

fn codes(statuses: [StatusCode; 5]) -> [u16; 5] {
    statuses.map(|s| s.as_u16())
}

#[tokio::test]
async fn followers_only_private_and_suspended_bops_reach_only_those_allowed() {
    let app = spawn_app().await;
    let (_web, artist_token) = artist(&app, "seen@example.com", "Seen").await;
    let public = bop_with(&app, &artist_token, "public").await;
    let followers = bop_with(&app, &artist_token, "followers").await;
    let private = bop_with(&app, &artist_token, "private").await;
    let follower = token(&app, &fan(&app, "follower@example.com"), FAN_PASSWORD).await;
    let stranger = token(&app, &fan(&app, "stranger@example.com"), FAN_PASSWORD).await;
    let artist_uid = crate::bops::count_text(&app, "SELECT uid FROM artist_profiles WHERE stage_name = 'Seen'");
    let (status, _) =
        call(&app, Some(&follower), Method::POST, &format!("/api/v1/artists/{artist_uid}/follow"), None).await;
    assert_eq!(status, 200);

    assert_eq!(codes(reach(&app, &stranger, &public).await), OPEN);
    assert_eq!(codes(reach(&app, &stranger, &followers).await), HIDDEN, "not a follower");
    assert_eq!(codes(reach(&app, &follower, &followers).await), OPEN);
    assert_eq!(codes(reach(&app, &follower, &private).await), HIDDEN, "private: the artist alone");
    let (seen, _) = call(&app, Some(&artist_token), Method::GET, &format!("/api/v1/bops/{private}"), None).await;
    assert_eq!(seen, 200, "the artist sees their own private Bop");
    // Anonymous clients see nothing on the app surface.
    let (anonymous, _) = call(&app, None, Method::GET, &format!("/api/v1/bops/{public}"), None).await;
    assert_eq!(anonymous, 401);

    // A suspended artist's Bops are gone for everyone, followers included.
    let uid = artist_uid.clone();
    app.state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            boptone::identity::repo::set_artist_suspended(tx, &uid, Some(now_ms()))
        })
        .unwrap();
    assert_eq!(codes(reach(&app, &follower, &public).await), HIDDEN);
    assert_eq!(codes(reach(&app, &follower, &followers).await), HIDDEN);
    let upload = Some(json!({"size": 1000}));
    let (status, refused) = call(&app, Some(&artist_token), Method::POST, "/api/v1/uploads", upload).await;
    assert_eq!(status, 403, "a suspended artist cannot post: {refused}");
    app.stop().await;
}
