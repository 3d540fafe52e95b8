//! Playlists on the app surface: create, add, reorder, remove, public or
//! private, only the owner changes one; bad input changes nothing.

use reqwest::Method;
use serde_json::json;

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, token};
use crate::music_tracks::{add_track, album_with_artwork, cd_wav, label_app};

#[tokio::test]
async fn a_fan_keeps_a_playlist_in_their_own_order_and_shares_it_when_public() {
    let app = label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let release = album_with_artwork(&mut browser, "Mixtape").await;
    for title in ["One", "Two", "Three"] {
        add_track(&mut browser, &release, title, cd_wav(), &[]).await;
    }
    let draft = album_with_artwork(&mut browser, "Unreleased").await;
    add_track(&mut browser, &draft, "Secret", cd_wav(), &[]).await;
    browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    let owner = token(&app, &fan(&app, "owner@example.com"), FAN_PASSWORD).await;
    let other = token(&app, &fan(&app, "other@example.com"), FAN_PASSWORD).await;
    let (_, album) = call(&app, Some(&owner), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    let ids: Vec<String> =
        album["tracks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect();
    let secret: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT uid FROM music_tracks WHERE title = 'Secret'", [], |r| r.get(0)))
        .unwrap();

    let (status, bad) = call(&app, Some(&owner), Method::POST, "/api/v1/playlists", Some(json!({"title": "  "}))).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_playlists"), 0);
    let (status, list) =
        call(&app, Some(&owner), Method::POST, "/api/v1/playlists", Some(json!({"title": "Night drive"}))).await;
    assert_eq!(status, 201, "{list}");
    assert_eq!(list["public"], false);
    let path = format!("/api/v1/playlists/{}", list["id"].as_str().unwrap());

    for id in &ids {
        let (status, body) =
            call(&app, Some(&owner), Method::POST, &format!("{path}/tracks"), Some(json!({"track_id": id}))).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) =
        call(&app, Some(&owner), Method::POST, &format!("{path}/tracks"), Some(json!({"track_id": ids[0]}))).await;
    assert_eq!(status, 409, "once per playlist");
    let (status, _) =
        call(&app, Some(&owner), Method::POST, &format!("{path}/tracks"), Some(json!({"track_id": secret}))).await;
    assert_eq!(status, 422, "a draft's track is not available");

    // Reorder: a permutation only.
    let order = json!({"track_ids": [ids[2], ids[0], ids[1]]});
    let (status, _) = call(&app, Some(&owner), Method::PUT, &format!("{path}/tracks"), Some(order)).await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        Some(&owner),
        Method::PUT,
        &format!("{path}/tracks"),
        Some(json!({"track_ids": [ids[0], ids[0], ids[1]]})),
    )
    .await;
    assert_eq!(status, 422);
    let (_, shown) = call(&app, Some(&owner), Method::GET, &path, None).await;
    let titles: Vec<&str> = shown["tracks"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Three", "One", "Two"]);
    assert!(shown["tracks"][0]["stream_url"].is_string());
    assert_eq!(shown["tracks"][0]["artist_name"], "Nova");

    // Private: another fan sees nothing and changes nothing.
    assert_eq!(call(&app, Some(&other), Method::GET, &path, None).await.0, 404);
    assert_eq!(call(&app, Some(&other), Method::DELETE, &format!("{path}/tracks/{}", ids[0]), None).await.0, 404);
    assert_eq!(call(&app, Some(&other), Method::PATCH, &path, Some(json!({"public": true}))).await.0, 404);
    // Public: they see it, still cannot change it.
    call(&app, Some(&owner), Method::PATCH, &path, Some(json!({"public": true, "title": "Night drive 2"}))).await;
    let (status, seen) = call(&app, Some(&other), Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(seen["title"], "Night drive 2");
    assert_eq!(seen["owned_by_me"], false);
    assert_eq!(call(&app, Some(&other), Method::DELETE, &path, None).await.0, 404);

    // Remove a track, then the playlist.
    assert_eq!(call(&app, Some(&owner), Method::DELETE, &format!("{path}/tracks/{}", ids[0]), None).await.0, 204);
    let (_, mine) = call(&app, Some(&owner), Method::GET, "/api/v1/playlists", None).await;
    assert_eq!(mine[0]["track_count"], 2);
    // A taken-down release drops out of what the playlist shows.
    browser.post_form(&format!("/studio/music/{release}/takedown"), &[]).await;
    let (_, shown) = call(&app, Some(&owner), Method::GET, &path, None).await;
    assert_eq!(shown["tracks"].as_array().unwrap().len(), 0);
    assert_eq!(call(&app, Some(&owner), Method::DELETE, &path, None).await.0, 204);
    assert_eq!(call(&app, Some(&owner), Method::GET, &path, None).await.0, 404);
}
