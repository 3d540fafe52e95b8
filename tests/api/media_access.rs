//! Media access follows the content: signed links for non-public media,
//! deleted Bops' media gone at once and purged later, real content types,
//! image decode limits, the upload cap and sweep, and links in backups.

use std::io::Write;
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, fixture, token, upload};
use crate::helpers::{TestApp, client, spawn_app, spawn_app_with};

/// Posts `name` as a Bop with `visibility`; returns the Bop as the artist sees it.
async fn post(app: &TestApp, token: &str, name: &str, visibility: &str) -> Value {
    let id = upload(app, token, &fixture(name), 64 * 1024).await;
    let body = json!({"upload_id": id, "visibility": visibility});
    let (status, bop) = call(app, Some(token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{bop}");
    bop
}

async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    client().get(app.url(url)).send().await.unwrap()
}

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

#[tokio::test]
async fn only_public_media_is_open_and_cacheable_the_rest_needs_a_signed_link() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "gate@example.com", "Gatekeeper").await;
    let public = post(&app, &artist_token, "vertical.mp4", "public").await;
    let followers = post(&app, &artist_token, "vertical.mp4", "followers").await;
    let private = post(&app, &artist_token, "vertical.mp4", "private").await;

    let open = public["video_url"].as_str().unwrap();
    assert!(!open.contains('?'), "public media keeps a stable URL: {open}");
    let response = fetch(&app, open).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");

    for bop in [&followers, &private] {
        let signed = bop["video_url"].as_str().unwrap();
        assert!(signed.contains("?exp=") && signed.contains("&sig="), "{signed}");
        let response = fetch(&app, signed).await;
        assert_eq!(response.status(), 200, "{signed}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "private, no-store");
        let (path, query) = signed.split_once('?').unwrap();
        assert_eq!(fetch(&app, path).await.status(), 404, "the bare path of {path} is closed");
        let forged = format!("{path}?{}", query.replace("sig=", "sig=00"));
        assert_eq!(fetch(&app, &forged).await.status(), 404, "a forged signature");
        let stretched = format!("{path}?exp=99999999999&{}", query.split('&').nth(1).unwrap());
        assert_eq!(fetch(&app, &stretched).await.status(), 404, "a stretched expiry");
    }
    // A link for one Bop does not open another's video.
    let (_, followers_query) = followers["video_url"].as_str().unwrap().split_once('?').unwrap();
    let (private_path, _) = private["video_url"].as_str().unwrap().split_once('?').unwrap();
    assert_eq!(fetch(&app, &format!("{private_path}?{followers_query}")).await.status(), 404);

    // A fan who does not follow gets no link at all; after following, one that works.
    let fan_token = token(&app, &fan(&app, "curious@example.com"), FAN_PASSWORD).await;
    let path = format!("/api/v1/bops/{}", followers["id"].as_str().unwrap());
    let (status, _) = call(&app, Some(&fan_token), Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let follow = format!("/api/v1/artists/{}/follow", followers["artist"]["id"].as_str().unwrap());
    call(&app, Some(&fan_token), Method::POST, &follow, None).await;
    let (status, seen) = call(&app, Some(&fan_token), Method::GET, &path, None).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(fetch(&app, seen["video_url"].as_str().unwrap()).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_deleted_bops_media_is_unreachable_at_once_and_kept_until_the_retention_ends() {
    let app = spawn_app().await;
    let (mut browser, artist_token) = artist(&app, "delete@example.com", "Deleter").await;
    let bop = post(&app, &artist_token, "vertical.mp4", "public").await;
    let url = bop["video_url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &url).await.status(), 200);
    let page = browser.post_form(&format!("/studio/bops/{}/delete", bop["id"].as_str().unwrap()), &[]).await;
    assert_eq!(page.redirect(), "/studio/bops");

    assert_eq!(fetch(&app, &url).await.status(), 404, "the old link is dead at once");
    assert_eq!(files_under(&app.data_dir().join("media/bops")), 1, "the file waits out the retention period");
    let purged = boptone::bops::access::purge_deleted_media(&app.state).await.unwrap();
    assert_eq!(purged, 0, "30 days have not passed");
    assert_eq!(files_under(&app.data_dir().join("media/bops")), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_purge_timer_removes_deleted_media_and_keeps_the_row() {
    let app = spawn_app_with(
        |c| {
            c.media.deleted_retention_days = 0;
            c.media.purge_interval_secs = 1;
        },
        None,
        None,
    )
    .await;
    let (mut browser, artist_token) = artist(&app, "purge@example.com", "Purger").await;
    let kept = post(&app, &artist_token, "vertical.mp4", "public").await;
    let gone = post(&app, &artist_token, "vertical.mp4", "public").await;
    let bops_dir = app.data_dir().join("media/bops");
    assert_eq!(files_under(&bops_dir), 2);
    browser.post_form(&format!("/studio/bops/{}/delete", gone["id"].as_str().unwrap()), &[]).await;

    let mut waited = 0;
    while files_under(&bops_dir) > 1 && waited < 200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(files_under(&bops_dir), 1, "the deleted Bop's video was purged by the timer");
    assert_eq!(fetch(&app, kept["video_url"].as_str().unwrap()).await.status(), 200, "the other Bop is untouched");
    let uid = gone["id"].as_str().unwrap();
    let sql = format!(
        "SELECT COUNT(*) FROM bops_videos WHERE uid = '{uid}' AND deleted_at IS NOT NULL AND media_purged_at IS NOT NULL"
    );
    assert_eq!(count(&app, &sql), 1, "the row stays, soft-deleted, for the audit trail");
    app.stop().await;
}

#[tokio::test]
async fn videos_and_images_are_served_with_their_real_types() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "types@example.com", "Typed").await;
    let webm = post(&app, &artist_token, "vertical.webm", "public").await;
    let mp4 = post(&app, &artist_token, "vertical.mp4", "private").await;
    for (bop, expected) in [(&webm, "video/webm"), (&mp4, "video/mp4")] {
        let response = fetch(&app, bop["video_url"].as_str().unwrap()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CONTENT_TYPE], expected);
    }
    let photo = fetch(&app, webm["artist"]["photo_url"].as_str().unwrap()).await;
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()[header::CONTENT_TYPE], "image/jpeg");
    app.stop().await;
}

/// A PNG of `side`×`side` 16-bit RGBA pixels, all zero: a few hundred KB
/// that decode to `side² × 8` bytes.
fn png_bomb(side: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[16, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; 1 + side as usize * 8];
    for _ in 0..side {
        zlib.write_all(&row).unwrap();
    }
    chunk(&mut png, b"IDAT", &zlib.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn image_decode_bombs_are_refused_before_decoding_and_nothing_is_stored() {
    let bomb = png_bomb(6320);
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let app = spawn_app().await;
    let (mut browser, artist_token) = artist(&app, "bomb@example.com", "Bomber").await;
    let profiles = app.data_dir().join("media/profiles");
    let photos_before = files_under(&profiles);
    let photo_key = "SELECT COUNT(*) FROM artist_profiles WHERE photo_key IS NOT NULL";
    assert_eq!(count(&app, photo_key), 1);

    let page = browser
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Bomber"), ("handle", "bomber"), ("genres", "Pop"), ("bio", "")],
            Some(("photo", bomb.clone(), "image/png")),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("too large in pixels"), "{}", page.body);
    assert_eq!(files_under(&profiles), photos_before, "no photo stored");

    let id = upload(&app, &artist_token, &fixture("vertical.mp4"), 64 * 1024).await;
    use base64::Engine;
    let poster = base64::engine::general_purpose::STANDARD.encode(&bomb);
    let body = json!({"upload_id": id, "poster_base64": poster});
    let (status, refused) = call(&app, Some(&artist_token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["poster"].as_str().unwrap().contains("too large in pixels"), "{refused}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos"), 0);
    assert_eq!(files_under(&app.data_dir().join("media/posters")), 0);
    assert_eq!(files_under(&app.data_dir().join("media/bops")), 0, "the video is removed with the refusal");
    app.stop().await;
}

#[tokio::test]
async fn open_uploads_are_capped_and_idle_ones_are_swept_by_the_timer() {
    let app = spawn_app_with(
        |c| {
            c.set("bops.max_open_uploads", 2);
            c.set("bops.upload_idle_secs", 1);
            c.set("bops.upload_sweep_secs", 1);
        },
        None,
        None,
    )
    .await;
    let (_browser, token) = artist(&app, "uploads@example.com", "Uploader").await;
    let start = || call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": 1_000_000})));
    let (first, a) = start().await;
    let (second, b) = start().await;
    assert_eq!((first.as_u16(), second.as_u16()), (201, 201), "{a} {b}");
    let a = a["upload_id"].as_str().unwrap().to_owned();
    let b = b["upload_id"].as_str().unwrap().to_owned();
    let response = client()
        .put(app.url(&format!("/api/v1/uploads/{a}?offset=0")))
        .bearer_auth(&token)
        .body(vec![7u8; 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (status, refused) = start().await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("2 uploads in progress"), "{refused}");
    for id in [&a, &b] {
        let (status, _) = call(&app, Some(&token), Method::GET, &format!("/api/v1/uploads/{id}"), None).await;
        assert_eq!(status, 200, "the refusal changed nothing");
    }

    // Nobody starts another upload: the timer alone removes both.
    let mut left = 2;
    for _ in 0..100 {
        left = 0;
        for id in [&a, &b] {
            let (status, _) = call(&app, Some(&token), Method::GET, &format!("/api/v1/uploads/{id}"), None).await;
            left += usize::from(status == 200);
        }
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "idle uploads are swept");
    assert_eq!(start().await.0, 201, "their places are free again");
    app.stop().await;
}

#[tokio::test]
async fn restore_refuses_links_and_the_local_store_never_follows_one_out() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("crafted.tar.gz");
    {
        let file = std::fs::File::create(&archive).unwrap();
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
        let manifest = br#"{"format":1,"boptone_version":"0.1.0","created_at_ms":0,"schema_version":1,"media":{"backend":"local","files":1}}"#;
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "manifest.json", manifest.as_slice()).unwrap();
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        link.set_mode(0o777);
        tar.append_link(&mut link, "media/profiles/evil.jpg", "/etc/passwd").unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let target = dir.path().join("restored");
    let err = boptone::backup::restore(&archive, &target, false).unwrap_err().to_string();
    assert!(err.contains("media/profiles/evil.jpg") && err.contains("not a plain file"), "{err}");
    assert!(!target.exists(), "nothing was restored");

    // A link planted in the media directory is not followed out of it.
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "links@example.com", "Linker").await;
    let bop = post(&app, &artist_token, "vertical.mp4", "public").await;
    let photo_url = bop["artist"]["photo_url"].as_str().unwrap().to_owned();
    let photo = app.data_dir().join("media").join(photo_url.trim_start_matches("/media/"));
    let secret = dir.path().join("host-secret.txt");
    std::fs::write(&secret, "root:x:0:0").unwrap();
    std::fs::remove_file(&photo).unwrap();
    std::os::unix::fs::symlink(&secret, &photo).unwrap();
    let response = fetch(&app, &photo_url).await;
    assert_eq!(response.status(), 404);
    assert!(!response.text().await.unwrap().contains("root:x"));
    app.stop().await;
}
