//! The local media store: streaming writes and range serving.

use bytes::Bytes;
use futures::stream;
use reqwest::header;

use boptone::media::{Media, MediaKey, PutError};

use crate::helpers::{TestApp, pattern, spawn_app};

/// Makes `key` the video of a public Bop, so the media route serves it
/// (media is served only for the content that owns it).
pub async fn owned_by_a_public_bop(app: &TestApp, key: &MediaKey, video_type: &'static str) {
    crate::browser::onboarded_artist(&app.address, "owner@example.com", "Owner").await;
    let key = key.as_str().to_owned();
    app.state
        .db
        .write_blocking(boptone::db::Durability::Normal, move |tx| {
            let artist: i64 = tx.query_row("SELECT id FROM artist_profiles", [], |r| r.get(0))?;
            let new = boptone::bops::repo::NewBop {
                artist: boptone::identity::domain::ArtistId(artist),
                caption: "",
                hashtags: &[],
                visibility: "public",
                video_key: &key,
                poster_key: None,
                width: 360,
                height: 640,
                duration_ms: 1000,
                codec: "h264",
                video_type,
                size_bytes: 1,
                track_uid: None,
            };
            boptone::bops::repo::insert_bop(tx, &new, 0).map(|_| ())
        })
        .unwrap();
}

fn chunks(data: &[u8], size: usize) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let parts: Vec<Result<Bytes, std::io::Error>> = data.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    stream::iter(parts)
}

async fn store(media: &Media, key: &str, data: &[u8]) -> MediaKey {
    let key = MediaKey::parse(key).unwrap();
    let stored = media.put_stream(&key, chunks(data, 64 * 1024), None).await.unwrap();
    assert_eq!(stored.size, data.len() as u64);
    key
}

#[tokio::test]
async fn media_is_served_whole_and_in_ranges() {
    let app = spawn_app().await;
    let data = pattern(300_000);
    let key = store(&app.state.media, "bops/test/clip.mp4", &data).await;
    owned_by_a_public_bop(&app, &key, "video/mp4").await;
    let url = app.url(&key.url_path());

    let whole = app.client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
    assert_eq!(whole.headers()[header::CONTENT_LENGTH], "300000");
    assert_eq!(whole.headers()[header::CONTENT_TYPE], "video/mp4");
    assert!(whole.headers().contains_key(header::ETAG));
    assert_eq!(whole.bytes().await.unwrap().as_ref(), data.as_slice());

    let cases = [
        ("bytes=0-99", 0, 99),               // prefix
        ("bytes=-100", 299_900, 299_999),    // suffix
        ("bytes=299000-", 299_000, 299_999), // open-ended
        ("bytes=1000-1000", 1000, 1000),
    ];
    for (range, start, end) in cases {
        let response = app.client.get(&url).header(header::RANGE, range).send().await.unwrap();
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            response.headers()[header::CONTENT_RANGE],
            format!("bytes {start}-{end}/300000").as_str(),
            "{range}"
        );
        assert_eq!(response.headers()[header::CONTENT_LENGTH], (end - start + 1).to_string().as_str(), "{range}");
        assert_eq!(response.bytes().await.unwrap().as_ref(), &data[start..=end], "{range}");
    }

    let unsatisfiable = app.client.get(&url).header(header::RANGE, "bytes=300000-").send().await.unwrap();
    assert_eq!(unsatisfiable.status(), 416);
    assert_eq!(unsatisfiable.headers()[header::CONTENT_RANGE], "bytes */300000");
    app.stop().await;
}

#[tokio::test]
async fn etag_revalidation_and_if_range() {
    let app = spawn_app().await;
    let key = store(&app.state.media, "posters/test-poster.jpg", &pattern(5000)).await;
    owned_by_a_public_bop(&app, &key, "video/mp4").await;
    let url = app.url(&key.url_path());
    let first = app.client.get(&url).send().await.unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");

    let not_modified = app.client.get(&url).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(not_modified.status(), 304);
    assert!(not_modified.bytes().await.unwrap().is_empty());

    let stale = app
        .client
        .get(&url)
        .header(header::RANGE, "bytes=0-9")
        .header(header::IF_RANGE, "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200, "a stale If-Range gets the whole object");
    let fresh =
        app.client.get(&url).header(header::RANGE, "bytes=0-9").header(header::IF_RANGE, &etag).send().await.unwrap();
    assert_eq!(fresh.status(), 206);

    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()[header::CONTENT_LENGTH], "5000");
    app.stop().await;
}

#[tokio::test]
async fn missing_and_malformed_keys_are_not_found() {
    let app = spawn_app().await;
    for path in ["/media/test/missing.mp4", "/media/..%2F..%2Fboptone.db", "/media/UPPER.jpg", "/media/a//b"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_oversize_stream_is_stopped_and_leaves_nothing_behind() {
    let app = spawn_app().await;
    let media = &app.state.media;
    let key = MediaKey::parse("test/too-big.mp4").unwrap();
    // 20 MiB against a 12 MiB limit: the first 8 MiB part is already in a
    // multipart upload when the limit is hit, so the abort path is exercised.
    let data = pattern(20 * 1024 * 1024);
    let err = media.put_stream(&key, chunks(&data, 256 * 1024), Some(12 * 1024 * 1024)).await.unwrap_err();
    assert!(matches!(err, PutError::TooLarge { limit } if limit == 12 * 1024 * 1024), "{err}");
    assert!(media.head(&key).await.is_err(), "no object was created");
    let leftovers: Vec<_> = walk(&app.data_dir().join("media"));
    assert!(leftovers.is_empty(), "partial files left behind: {leftovers:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_failing_source_stream_leaves_nothing_behind() {
    let app = spawn_app().await;
    let key = MediaKey::parse("test/broken.mp4").unwrap();
    let mut parts: Vec<Result<Bytes, std::io::Error>> = (0..40).map(|_| Ok(Bytes::from(pattern(256 * 1024)))).collect();
    parts.push(Err(std::io::Error::other("connection reset")));
    let err = app.state.media.put_stream(&key, stream::iter(parts), None).await.unwrap_err();
    assert!(err.to_string().contains("connection reset"), "{err}");
    assert!(app.state.media.head(&key).await.is_err());
    assert!(walk(&app.data_dir().join("media")).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn large_objects_round_trip_through_multipart_writes() {
    let app = spawn_app().await;
    let data = pattern(17 * 1024 * 1024 + 123);
    let key = store(&app.state.media, "test/large.bin", &data).await;
    let back = app.state.media.get_bytes(&key).await.unwrap();
    assert!(back.as_ref() == data.as_slice());
    app.state.media.delete(&key).await.unwrap();
    app.state.media.delete(&key).await.unwrap();
    assert!(app.state.media.head(&key).await.is_err());
    app.stop().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}
