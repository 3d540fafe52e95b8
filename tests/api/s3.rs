//! The S3 backend against a real S3-compatible server on loopback.
//! `scripts/test` starts one (moto) and exports its address as
//! `S3_TEST_ENDPOINT`; without it these tests fail, they are never skipped.

use bytes::Bytes;
use futures::stream;
use reqwest::header;

use boptone::config::{Config, MediaBackend, Secret};
use boptone::media::{Media, MediaKey};

use reqwest::Method;
use serde_json::json;

use crate::bops::{artist, call, upload};
use crate::helpers::{boptone, client, pattern, run, spawn_app_with, stderr, stdout};

fn endpoint() -> String {
    std::env::var("S3_TEST_ENDPOINT")
        .expect("S3_TEST_ENDPOINT is not set: run the suite with scripts/test, which starts a local S3 server")
}

/// Creates a fresh bucket and points `config` at it.
pub async fn s3_config(config: &mut Config) -> String {
    let bucket = format!("boptone-{}", uuid::Uuid::new_v4().simple());
    let response = client().put(format!("{}/{bucket}", endpoint())).send().await.unwrap();
    assert!(response.status().is_success(), "bucket creation failed: {}", response.status());
    config.media.backend = MediaBackend::S3;
    config.media.s3.bucket = bucket.clone();
    config.media.s3.endpoint = endpoint();
    config.media.s3.region = "us-east-1".into();
    config.media.s3.access_key_id = "testing".into();
    config.media.s3.path_style = true;
    config.media.s3.allow_http = true;
    bucket
}

pub fn with_secret(config: &mut Config) {
    config.media.s3.secret_access_key = Secret::from("testing".to_owned());
}

async fn s3_media() -> (Config, Media) {
    let mut config = Config::defaults();
    s3_config(&mut config).await;
    with_secret(&mut config);
    let media = Media::from_config(&config).unwrap();
    (config, media)
}

#[tokio::test]
async fn multipart_streaming_write_and_ranged_read() {
    let (_config, media) = s3_media().await;
    let data = pattern(19 * 1024 * 1024);
    let key = MediaKey::parse("bops/large/video.mp4").unwrap();
    let parts: Vec<Result<Bytes, std::io::Error>> =
        data.chunks(1024 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let stored = media.put_stream(&key, stream::iter(parts), None).await.unwrap();
    assert_eq!(stored.size, data.len() as u64);
    let meta = media.head(&key).await.unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert!(media.get_bytes(&key).await.unwrap().as_ref() == data.as_slice());
}

#[tokio::test]
async fn an_oversize_stream_aborts_the_multipart_upload() {
    let (_config, media) = s3_media().await;
    let key = MediaKey::parse("bops/too-big.mp4").unwrap();
    let parts: Vec<Result<Bytes, std::io::Error>> = (0..20).map(|_| Ok(Bytes::from(pattern(1024 * 1024)))).collect();
    let err = media.put_stream(&key, stream::iter(parts), Some(10 * 1024 * 1024)).await.unwrap_err();
    assert!(err.to_string().contains("larger than the limit"), "{err}");
    assert!(media.head(&key).await.is_err());
}

#[tokio::test]
async fn presigned_urls_get_and_put() {
    let (_config, media) = s3_media().await;
    assert!(media.presigns());
    let key = MediaKey::parse("uploads/direct.bin").unwrap();
    let put_url = media.presigned_put(&key).await.unwrap().expect("S3 presigns");
    let body = pattern(4096);
    let put = client().put(put_url.as_str()).body(body.clone()).send().await.unwrap();
    assert!(put.status().is_success(), "presigned PUT: {}", put.status());

    let get_url = media.presigned_get(&key).await.unwrap().expect("S3 presigns");
    assert!(get_url.as_str().contains("X-Amz-Signature="), "{get_url}");
    let got = client().get(get_url.as_str()).header(header::RANGE, "bytes=10-19").send().await.unwrap();
    assert_eq!(got.status(), 206);
    assert_eq!(got.bytes().await.unwrap().as_ref(), &body[10..20]);
}

#[tokio::test]
async fn media_route_redirects_to_a_presigned_url() {
    let mut config = Config::defaults();
    s3_config(&mut config).await;
    with_secret(&mut config);
    let media = Media::from_config(&config).unwrap();
    let key = MediaKey::parse("posters/p1.jpg").unwrap();
    media.put_bytes(&key, Bytes::from(pattern(1000))).await.unwrap();

    let app = spawn_app_with(|c| c.media = config.media.clone(), Default::default(), None).await;
    crate::media::owned_by_a_public_bop(&app, &key, "image/jpeg").await;
    let response = app.get(&key.url_path()).await;
    assert_eq!(response.status(), 307);
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&endpoint()), "{location}");
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains(&endpoint()), "media from the bucket is allowed by the CSP: {csp}");
    let object = client().get(location).send().await.unwrap();
    assert_eq!(object.bytes().await.unwrap().len(), 1000);
    app.stop().await;
}

#[tokio::test]
async fn check_reaches_the_bucket_and_names_a_missing_one() {
    let mut config = Config::defaults();
    let bucket = s3_config(&mut config).await;
    let dir = tempfile::tempdir().unwrap();
    let write_config = |bucket: &str| {
        let path = dir.path().join("boptone.toml");
        let text = format!(
            "[data]\ndir = \"{}\"\n[media]\nbackend = \"s3\"\n[media.s3]\nbucket = \"{bucket}\"\nendpoint = \"{}\"\n\
             access_key_id = \"testing\"\nsecret_access_key = \"s3-secret-value\"\npath_style = true\nallow_http = true\n",
            dir.path().join("data").display(),
            endpoint()
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    let path = write_config(&bucket);
    let ok = run(boptone().arg("check").arg("--config").arg(&path));
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains(&format!("S3 bucket {bucket}")), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("reachable and writable"));
    assert!(!stdout(&ok).contains("s3-secret-value"));

    let path = write_config("no-such-bucket-anywhere");
    let missing = run(boptone().arg("check").arg("--config").arg(&path));
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("media store"), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("no-such-bucket-anywhere"), "{}", stderr(&missing));
    assert!(!stderr(&missing).contains("s3-secret-value"));
}

/// The application with its media in a fresh bucket; returns it with the
/// bucket's name and the S3 endpoint.
pub async fn spawn_s3_app() -> (crate::helpers::TestApp, String, String) {
    let mut config = Config::defaults();
    let bucket = s3_config(&mut config).await;
    with_secret(&mut config);
    let app = spawn_app_with(move |c| c.media = config.media.clone(), Default::default(), None).await;
    (app, bucket, endpoint())
}

/// On S3 too: objects carry their real type, and the presigned redirect is
/// issued only after the content's access check.
#[tokio::test]
async fn bucket_objects_carry_their_type_and_redirects_follow_access() {
    use crate::bops::{artist, call, fixture, upload};
    use reqwest::Method;
    let (app, _bucket, _endpoint) = spawn_s3_app().await;
    let (_browser, token) = artist(&app, "s3types@example.com", "Bucketeer").await;
    let mut bops = Vec::new();
    for visibility in ["public", "followers"] {
        let id = upload(&app, &token, &fixture("vertical.webm"), 64 * 1024).await;
        let body = serde_json::json!({"upload_id": id, "visibility": visibility});
        let (status, bop) = call(&app, Some(&token), Method::POST, "/api/v1/bops", Some(body)).await;
        assert_eq!(status, 201, "{bop}");
        bops.push(bop);
    }
    for bop in &bops {
        let url = bop["video_url"].as_str().unwrap();
        let redirect = app.get(url).await;
        assert_eq!(redirect.status(), 307, "{url}");
        assert_eq!(redirect.headers()[header::CACHE_CONTROL], "private, no-store");
        let location = redirect.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let object = client().get(location).send().await.unwrap();
        assert_eq!(object.status(), 200);
        assert_eq!(object.headers()[header::CONTENT_TYPE], "video/webm");
        // The object itself is stored with its type, not only the presigned answer.
        let key = MediaKey::parse(url.trim_start_matches("/media/").split('?').next().unwrap()).unwrap();
        let stored = app.state.media.store().get(&key.path()).await.unwrap();
        let content_type = stored.attributes.get(&object_store::Attribute::ContentType).map(|v| v.to_string());
        assert_eq!(content_type.as_deref(), Some("video/webm"));
    }
    let signed = bops[1]["video_url"].as_str().unwrap();
    let bare = signed.split('?').next().unwrap();
    assert_eq!(app.get(bare).await.status(), 404, "no presigned URL without the signed link");
    app.stop().await;
}

// Bops on a bucket: uploads relayed and direct, playback by presigned URL.

#[tokio::test]
async fn bops_upload_to_and_play_from_an_s3_bucket() {
    let (app, _bucket, _endpoint) = crate::s3::spawn_s3_app().await;
    let (_browser, token) = artist(&app, "cloud@example.com", "Cloud").await;
    // 12 MiB in the 8 MiB chunks the server asks for on S3 (each one part),
    // so the bucket gets a real multipart upload.
    let video = crate::helpers::padded_vertical_mp4(12 * 1024 * 1024);
    let id = upload(&app, &token, &video, 8 * 1024 * 1024).await;
    let (status, bop) = call(&app, Some(&token), Method::POST, "/api/v1/bops", Some(json!({"upload_id": id}))).await;
    assert_eq!(status, 201, "{bop}");
    let redirect = client().get(app.url(bop["video_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(redirect.status(), 307, "served from the bucket by presigned URL");
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let ranged = client().get(location).header("range", "bytes=0-7").send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &video[..8]);
    app.stop().await;
}

#[tokio::test]
async fn direct_uploads_send_parts_straight_to_the_bucket() {
    let (app, _bucket, _endpoint) = crate::s3::spawn_s3_app().await;
    let (_browser, token) = artist(&app, "direct@example.com", "Direct").await;
    let video = crate::helpers::padded_vertical_mp4(11 * 1024 * 1024);

    let (status, created) =
        call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": video.len(), "direct": true})))
            .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["mode"], "direct");
    let id = created["upload_id"].as_str().unwrap().to_owned();
    let part_size = created["part_size"].as_u64().unwrap() as usize;
    let urls: Vec<String> =
        created["part_urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    assert_eq!(urls.len(), video.len().div_ceil(part_size));
    assert!(
        urls.iter().all(|u| u.contains("X-Amz-Signature=") && u.contains("partNumber=") && u.contains("uploadId="))
    );

    // The server does not relay a direct upload.
    let relayed = client()
        .put(app.url(&format!("/api/v1/uploads/{id}?offset=0")))
        .bearer_auth(&token)
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(relayed.status(), 409);

    let mut etags = Vec::new();
    for (url, part) in urls.iter().zip(video.chunks(part_size)) {
        let response = client().put(url).body(part.to_vec()).send().await.unwrap();
        assert!(response.status().is_success(), "part upload: {}", response.status());
        etags.push(response.headers()["etag"].to_str().unwrap().to_owned());
    }
    let (status, body) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/uploads/{id}/complete"),
        Some(json!({"etags": &etags[..1]})),
    )
    .await;
    assert_eq!(status, 422, "every part's ETag is needed: {body}");
    let (status, done) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/uploads/{id}/complete"),
        Some(json!({"etags": etags})),
    )
    .await;
    assert_eq!((status.as_u16(), done["complete"].as_bool()), (200, Some(true)), "{done}");
    let (status, bop) = call(&app, Some(&token), Method::POST, "/api/v1/bops", Some(json!({"upload_id": id}))).await;
    assert_eq!(status, 201, "{bop}");
    let key =
        boptone::media::MediaKey::parse(bop["video_url"].as_str().unwrap().trim_start_matches("/media/")).unwrap();
    assert!(
        app.state.media.get_bytes(&key).await.unwrap().as_ref() == video.as_slice(),
        "the bucket holds the original"
    );

    // Without the ask, or on a store that cannot, uploads are relayed.
    let (_, relay) = call(&app, Some(&token), Method::POST, "/api/v1/uploads", Some(json!({"size": 10}))).await;
    assert_eq!(relay["mode"], "relay");
    app.stop().await;
}

// Uploads relayed to a bucket survive restarts: a chunk is one part of the
// bucket's multipart upload, whose id and parts are persisted.

/// The ids of the multipart uploads in progress in `bucket`, as S3 lists them.
async fn multipart_uploads(endpoint: &str, bucket: &str) -> Vec<String> {
    let listing = client().get(format!("{endpoint}/{bucket}?uploads")).send().await.unwrap().text().await.unwrap();
    listing.split("<UploadId>").skip(1).filter_map(|rest| rest.split("</UploadId>").next()).map(str::to_owned).collect()
}

fn multipart_id(app: &crate::helpers::TestApp, upload: &str) -> String {
    let upload = upload.to_owned();
    app.state
        .db
        .read_blocking(move |c| {
            c.query_row("SELECT multipart_id FROM bops_uploads WHERE uid = ?1", [upload], |r| r.get(0))
        })
        .unwrap()
}

#[tokio::test]
async fn an_upload_to_s3_resumes_after_a_restart_and_plays() {
    use crate::uploads::{publish_and_play, put_chunk, received, start_upload};
    let (app, bucket, endpoint) = spawn_s3_app().await;
    let (_browser, token) = artist(&app, "s3restart@example.com", "Cloud Restart").await;
    let video = crate::helpers::padded_vertical_mp4(12 * 1024 * 1024);
    let created = start_upload(&app, &token, video.len()).await;
    let (id, chunk) = (created["upload_id"].as_str().unwrap().to_owned(), created["chunk_size"].as_u64().unwrap());
    let chunk = chunk as usize;
    assert_eq!(chunk, 8 * 1024 * 1024, "{created}");
    let (status, body) = put_chunk(&app, &token, &id, 0, &video[..chunk]).await;
    assert_eq!(status, 200, "{body}");
    assert!(multipart_uploads(&endpoint, &bucket).await.contains(&multipart_id(&app, &id)));

    // A chunk of another size than the part size is refused, and changes nothing.
    let (status, body) = put_chunk(&app, &token, &id, chunk, &video[chunk..chunk + 1024]).await;
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(&format!("exactly {} bytes (chunks are {chunk} bytes", video.len() - chunk)), "{body}");

    let app = app.restart_with(|_| {}).await;
    assert_eq!(received(&app, &token, &id).await, chunk as u64, "the persisted offset");
    let (status, body) = put_chunk(&app, &token, &id, chunk, &video[chunk..]).await;
    assert_eq!((status.as_u16(), body["complete"].as_bool()), (200, Some(true)), "{body}");
    publish_and_play(&app, &token, &id, &video).await;
    let key: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT video_key FROM bops_videos", [], |r| r.get(0))).unwrap();
    let stored = app.state.media.store().head(&MediaKey::parse(&key).unwrap().path()).await.unwrap();
    assert_eq!(stored.size, video.len() as u64);
    let object = app.state.media.store().get(&MediaKey::parse(&key).unwrap().path()).await.unwrap();
    let content_type = object.attributes.get(&object_store::Attribute::ContentType).map(|v| v.to_string());
    assert_eq!(content_type.as_deref(), Some("video/mp4"), "the object carries its type");
    assert!(multipart_uploads(&endpoint, &bucket).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_part_the_bucket_refuses_does_not_advance_received() {
    use crate::uploads::{put_chunk, received, start_upload};
    let (app, _bucket, _endpoint) = spawn_s3_app().await;
    let (_browser, token) = artist(&app, "s3refused@example.com", "Refused Part").await;
    let video = crate::helpers::padded_vertical_mp4(12 * 1024 * 1024);
    let id = start_upload(&app, &token, video.len()).await["upload_id"].as_str().unwrap().to_owned();
    let chunk = 8 * 1024 * 1024;
    assert_eq!(put_chunk(&app, &token, &id, 0, &video[..chunk]).await.0, 200);

    // The bucket loses the multipart upload behind the server's back.
    let key: String = {
        let id = id.clone();
        app.state
            .db
            .read_blocking(move |c| {
                c.query_row("SELECT media_key FROM bops_uploads WHERE uid = ?1", [id], |r| r.get(0))
            })
            .unwrap()
    };
    app.state.media.abort_multipart(&MediaKey::parse(&key).unwrap(), &multipart_id(&app, &id)).await.unwrap();
    let (status, body) = put_chunk(&app, &token, &id, chunk, &video[chunk..]).await;
    assert!(status.is_server_error(), "{status}: {body}");
    assert_eq!(received(&app, &token, &id).await, chunk as u64, "nothing counted that the bucket does not hold");
    app.stop().await;
}

#[tokio::test]
async fn abandoned_uploads_have_their_multipart_uploads_aborted_also_after_a_restart() {
    use crate::uploads::{put_chunk, start_upload};
    let (app, bucket, endpoint) = spawn_s3_app().await;
    let (_browser, token) = artist(&app, "s3abandon@example.com", "Cloud Abandon").await;
    let video = crate::helpers::padded_vertical_mp4(12 * 1024 * 1024);
    let id = start_upload(&app, &token, video.len()).await["upload_id"].as_str().unwrap().to_owned();
    assert_eq!(put_chunk(&app, &token, &id, 0, &video[..8 * 1024 * 1024]).await.0, 200);
    let multipart = multipart_id(&app, &id);
    assert!(multipart_uploads(&endpoint, &bucket).await.contains(&multipart));

    // The server stops with the upload half done; the next one sweeps it.
    let app = app
        .restart_with(|c| {
            c.set("bops.upload_idle_secs", 1);
            c.set("bops.upload_sweep_secs", 1);
        })
        .await;
    let mut aborted = false;
    for _ in 0..100 {
        if boptone::bops::state(&app.state).uploads.open_count() == 0
            && !multipart_uploads(&endpoint, &bucket).await.contains(&multipart)
        {
            aborted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(aborted, "the row is removed and the bucket's multipart upload aborted");
    app.stop().await;
}
