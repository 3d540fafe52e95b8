//! Uploads that survive restarts: sessions persisted, `received` advanced
//! only once bytes are stored, abandoned uploads swept (also those of an
//! earlier process), and chunks timed by their size. The S3 side of the
//! same is in `s3.rs`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::bops::{artist, call, fixture};
use crate::helpers::{TestApp, client, eventually, spawn_app, spawn_app_with};

/// Starts an upload of `size` bytes; returns its status.
pub async fn start_upload(app: &TestApp, token: &str, size: usize) -> Value {
    let (status, created) = call(app, Some(token), Method::POST, "/api/v1/uploads", Some(json!({"size": size}))).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// PUTs `bytes` at `offset` of upload `id`.
pub async fn put_chunk(app: &TestApp, token: &str, id: &str, offset: usize, bytes: &[u8]) -> (StatusCode, Value) {
    let response = client()
        .put(app.url(&format!("/api/v1/uploads/{id}?offset={offset}")))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn received(app: &TestApp, token: &str, id: &str) -> u64 {
    let (status, body) = call(app, Some(token), Method::GET, &format!("/api/v1/uploads/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["received"].as_u64().unwrap()
}

/// Publishes upload `id` and checks the Bop plays back the original bytes.
pub async fn publish_and_play(app: &TestApp, token: &str, id: &str, original: &[u8]) {
    let (status, bop) = call(app, Some(token), Method::POST, "/api/v1/bops", Some(json!({"upload_id": id}))).await;
    assert_eq!(status, 201, "{bop}");
    let url = bop["video_url"].as_str().unwrap();
    let played = client().get(app.url(url)).header(header::RANGE, "bytes=0-1023").send().await.unwrap();
    assert!(matches!(played.status().as_u16(), 206 | 307), "{}", played.status());
    let key = boptone::media::MediaKey::parse(url.trim_start_matches("/media/").split('?').next().unwrap()).unwrap();
    let stored = app.state.media.get_bytes(&key).await.unwrap();
    assert!(stored.as_ref() == original, "the stored file is the original");
}

fn staging_file(app: &TestApp, id: &str) -> PathBuf {
    app.data_dir().join("uploads").join(format!("{id}.part"))
}

fn make_stale(app: &TestApp, id: &str) {
    let id = id.to_owned();
    app.state
        .db
        .write_blocking(boptone::db::Durability::Normal, move |tx| {
            tx.execute("UPDATE bops_uploads SET touched_at = 0 WHERE uid = ?1", [id])
        })
        .unwrap();
}

#[tokio::test]
async fn an_upload_resumes_after_a_restart_from_the_persisted_offset() {
    let app = spawn_app().await;
    let (_browser, token) = artist(&app, "restart@example.com", "Restart").await;
    let video = fixture("vertical.mp4");
    let id = start_upload(&app, &token, video.len()).await["upload_id"].as_str().unwrap().to_owned();
    for offset in [0, 64 * 1024] {
        let (status, body) = put_chunk(&app, &token, &id, offset, &video[offset..offset + 64 * 1024]).await;
        assert_eq!(status, 200, "{body}");
    }
    assert!(staging_file(&app, &id).exists(), "staged under DATA/uploads");
    assert!(!app.data_dir().join("media/bops").exists(), "nothing half-done in the served media");

    let app = app.restart_with(|_| {}).await;
    assert_eq!(received(&app, &token, &id).await, 128 * 1024, "the persisted offset");
    let (status, body) = put_chunk(&app, &token, &id, 0, &video[..10]).await;
    assert_eq!(status, 409, "a stale offset is still refused: {body}");
    let (status, body) = put_chunk(&app, &token, &id, 128 * 1024, &video[128 * 1024..]).await;
    assert_eq!((status.as_u16(), body["complete"].as_bool()), (200, Some(true)), "{body}");
    publish_and_play(&app, &token, &id, &video).await;
    assert!(!staging_file(&app, &id).exists(), "the staging file is gone");
    assert_eq!(boptone::bops::state(&app.state).uploads.open_count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_failed_store_write_does_not_advance_received() {
    let app = spawn_app().await;
    let (_browser, token) = artist(&app, "diskfull@example.com", "Disk Full").await;
    let video = fixture("vertical.mp4");
    let id = start_upload(&app, &token, video.len()).await["upload_id"].as_str().unwrap().to_owned();
    assert_eq!(put_chunk(&app, &token, &id, 0, &video[..65_536]).await.0, 200);

    // The staging file cannot be written (a directory stands in its place).
    let staged = staging_file(&app, &id);
    let kept = std::fs::read(&staged).unwrap();
    std::fs::remove_file(&staged).unwrap();
    std::fs::create_dir(&staged).unwrap();
    let (status, body) = put_chunk(&app, &token, &id, 65_536, &video[65_536..]).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(received(&app, &token, &id).await, 65_536, "nothing counted that was not stored");

    // Once the file is writable again the upload goes on from there.
    std::fs::remove_dir(&staged).unwrap();
    std::fs::write(&staged, kept).unwrap();
    assert_eq!(put_chunk(&app, &token, &id, 65_536, &video[65_536..]).await.0, 200);
    publish_and_play(&app, &token, &id, &video).await;
    app.stop().await;
}

#[tokio::test]
async fn the_sweep_removes_abandoned_uploads_and_their_staging_files_also_after_a_restart() {
    let app = spawn_app().await;
    let (_browser, token) = artist(&app, "abandon@example.com", "Abandon").await;
    let stale = start_upload(&app, &token, 100_000).await["upload_id"].as_str().unwrap().to_owned();
    let fresh = start_upload(&app, &token, 100_000).await["upload_id"].as_str().unwrap().to_owned();
    for id in [&stale, &fresh] {
        assert_eq!(put_chunk(&app, &token, id, 0, &[7u8; 1000]).await.0, 200);
    }
    make_stale(&app, &stale);
    // A staging file whose upload is gone (a crash between the two removals).
    let orphan = app.data_dir().join("uploads").join(format!("{}.part", boptone::core::new_uid()));
    let file = std::fs::File::create(&orphan).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1)).unwrap();
    drop(file);

    assert_eq!(boptone::bops::state(&app.state).uploads.sweep().await, 2, "the stale upload and the orphaned file");
    let (status, _) = call(&app, Some(&token), Method::GET, &format!("/api/v1/uploads/{stale}"), None).await;
    assert_eq!(status, 404);
    assert!(!staging_file(&app, &stale).exists() && !orphan.exists());
    assert_eq!(received(&app, &token, &fresh).await, 1000, "the upload in progress is left alone");

    // Left behind by this process, removed by the next one's timer.
    let app = app
        .restart_with(|c| {
            c.set("bops.upload_idle_secs", 1);
            c.set("bops.upload_sweep_secs", 1);
        })
        .await;
    let state = app.state.clone();
    assert!(
        eventually(Duration::from_secs(10), || boptone::bops::state(&state).uploads.open_count() == 0).await,
        "swept after the restart"
    );
    assert!(!staging_file(&app, &fresh).exists());
    app.stop().await;
}

/// A body of `pieces` pieces of `piece` bytes, one every `every`, with its
/// length declared up front as a client sending a file does.
fn throttled(pieces: usize, piece: usize, every: Duration) -> reqwest::Body {
    let stream = futures::stream::unfold(0, move |sent| async move {
        if sent == pieces {
            return None;
        }
        tokio::time::sleep(every).await;
        Some((Ok::<_, std::io::Error>(Bytes::from(vec![1u8; piece])), sent + 1))
    });
    reqwest::Body::wrap_stream(stream)
}

async fn slow_put(app: &TestApp, token: &str, id: &str, offset: usize, body: (usize, usize, Duration)) -> StatusCode {
    let (pieces, piece, every) = body;
    client()
        .put(app.url(&format!("/api/v1/uploads/{id}?offset={offset}")))
        .bearer_auth(token)
        .header(header::CONTENT_LENGTH, pieces * piece)
        .body(throttled(pieces, piece, every))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_slow_chunk_has_time_in_proportion_to_its_size() {
    let app = spawn_app_with(
        |c| {
            c.server.request_timeout_secs = 3;
            c.set("bops.upload_min_bytes_per_sec", 16 * 1024);
        },
        None,
        None,
    )
    .await;
    let (_browser, token) = artist(&app, "slow@example.com", "Slow Line").await;
    let id = start_upload(&app, &token, 80 * 1024).await["upload_id"].as_str().unwrap().to_owned();

    // 64 KiB over about 5 s: longer than the 3 s every request gets, within
    // the 3 + 4 s this chunk gets at 16 KiB/s.
    let status = slow_put(&app, &token, &id, 0, (16, 4096, Duration::from_millis(300))).await;
    assert_eq!(status, 200);
    assert_eq!(received(&app, &token, &id).await, 64 * 1024);

    // 16 KiB over about 6.5 s: beyond its 3 + 1 s, so it is cut off and
    // counts for nothing.
    let status = slow_put(&app, &token, &id, 64 * 1024, (16, 1024, Duration::from_millis(400))).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(received(&app, &token, &id).await, 64 * 1024);
    app.stop().await;
}
