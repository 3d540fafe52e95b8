//! Low renditions for slow connections, made by the real ffmpeg from the
//! original in the real object store (a local directory, and the S3 server
//! `scripts/test` starts). `scripts/test` installs ffmpeg when it is
//! missing; without it these tests fail rather than skip.

use std::process::Command;
use std::sync::OnceLock;

use reqwest::{Method, header};
use serde_json::{Value, json};

use boptone::bops::rendition::{job_state, run_due};
use boptone::config::Config;
use boptone::media::{Media, MediaKey};

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, token, upload};
use crate::helpers::{TestApp, client, spawn_app_with};

/// A 2-second 720×1280 H.264 + AAC video of about 3.3 Mb/s: well above
/// what a rendition is made from, and small enough to upload quickly.
fn high_bitrate_video() -> &'static [u8] {
    static VIDEO: OnceLock<Vec<u8>> = OnceLock::new();
    VIDEO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("high.mp4");
        let made = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
            .args(["-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=2"])
            .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"])
            .args(["-vf", "noise=alls=8:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M"])
            .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", "-movflags", "+faststart"])
            .arg(&path)
            .status()
            .expect("ffmpeg runs: scripts/test installs it (Debian package ffmpeg)");
        assert!(made.success(), "ffmpeg made the test video");
        std::fs::read(&path).unwrap()
    })
}

/// The same video with its media data overwritten: the header (which the
/// probe at publish reads) is intact, the frames are not.
fn corrupt_video() -> Vec<u8> {
    let mut video = high_bitrate_video().to_vec();
    let mut at = 0;
    while at + 8 <= video.len() {
        let size = u32::from_be_bytes(video[at..at + 4].try_into().unwrap()) as usize;
        if &video[at + 4..at + 8] == b"mdat" {
            for (i, byte) in video[at + 8..at + size].iter_mut().enumerate() {
                *byte = (i * 131 % 256) as u8;
            }
        }
        at += size.max(8);
    }
    video
}

fn with_ffmpeg(path: &'static str) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| c.set("bops.ffmpeg", path)
}

async fn post(app: &TestApp, token: &str, video: &[u8], visibility: &str) -> Value {
    // One chunk: on S3 chunks are whole parts (8 MiB), the last one the rest.
    let id = upload(app, token, video, 8 * 1024 * 1024).await;
    let body = json!({"upload_id": id, "visibility": visibility, "caption": "Low and slow"});
    let (status, bop) = call(app, Some(token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{bop}");
    bop
}

fn job(app: &TestApp, bop: &Value) -> (String, i64, String) {
    let uid = bop["id"].as_str().unwrap().to_owned();
    app.state.db.read_blocking(move |c| job_state(c, &uid)).unwrap().expect("publishing queues a rendition")
}

async fn fetch(app: &TestApp, url: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = client().get(app.url(url));
    if let Some(range) = range {
        request = request.header(header::RANGE, range);
    }
    request.send().await.unwrap()
}

/// Width, height and duration (ms) of a video, as the server's probe reads them.
async fn probed(bytes: &[u8]) -> (u32, u32, u64) {
    let media = Media::in_memory();
    let key = MediaKey::parse("probe/low.mp4").unwrap();
    media.put_bytes(&key, bytes.to_vec().into()).await.unwrap();
    let info = boptone::bops::probe::probe(&media, &key, bytes.len() as u64).await.unwrap();
    (info.width, info.height, info.duration_ms)
}

/// The codecs and profile ffprobe finds in a file.
fn ffprobe_streams(bytes: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=codec_name,profile", "-of", "csv=p=0"])
        .arg(file.path())
        .output()
        .expect("ffprobe comes with ffmpeg");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            found.extend(files_under(&entry.path()));
        } else {
            found.push(entry.path().display().to_string());
        }
    }
    found
}

#[tokio::test]
async fn a_low_rendition_is_made_and_served_by_the_bops_own_rules_until_it_is_deleted() {
    let app = spawn_app_with(
        |c| {
            with_ffmpeg("ffmpeg")(c);
            c.media.deleted_retention_days = 0;
        },
        None,
        None,
    )
    .await;
    let (mut browser, artist_token) = artist(&app, "slow@example.com", "Slow Lane").await;
    let original = high_bitrate_video();
    let bop = post(&app, &artist_token, original, "followers").await;
    assert_eq!(bop["video_low_url"], Value::Null, "not made yet: {bop}");
    run_due(&app.state).await.unwrap();
    let (state, attempts, error) = job(&app, &bop);
    assert_eq!((state.as_str(), attempts, error.as_str()), ("done", 1, ""));

    let path = format!("/api/v1/bops/{}", bop["id"].as_str().unwrap());
    let (status, seen) = call(&app, Some(&artist_token), Method::GET, &path, None).await;
    assert_eq!(status, 200);
    let low = seen["video_low_url"].as_str().expect("the API hands out the rendition").to_owned();
    assert!(low.contains("/low.mp4?exp=") && low.contains("&sig="), "signed like the video: {low}");
    assert_ne!(low, seen["video_url"].as_str().unwrap());

    // Ranged, as the video is.
    let ranged = fetch(&app, &low, Some("bytes=0-1023")).await;
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()[header::CONTENT_LENGTH], "1024");
    assert_eq!(ranged.headers()[header::CONTENT_TYPE], "video/mp4");
    let whole = fetch(&app, &low, None).await;
    assert_eq!(whole.status(), 200);
    let rendition = whole.bytes().await.unwrap();

    // Smaller in every way that matters, and the same video.
    let (width, height, duration_ms) = probed(&rendition).await;
    assert!(width.min(height) <= 480, "{width}×{height}");
    assert_eq!((width, height), (480, 854), "the aspect kept, both sides even");
    let (_, _, original_ms) = probed(original).await;
    assert!(duration_ms.abs_diff(original_ms) < 200, "{duration_ms} vs {original_ms} ms");
    let kbps = |bytes: usize, ms: u64| bytes as u64 * 8 / ms;
    assert!(
        kbps(rendition.len(), duration_ms) * 2 < kbps(original.len(), original_ms),
        "{} kb/s against the original's {}",
        kbps(rendition.len(), duration_ms),
        kbps(original.len(), original_ms)
    );
    let streams = ffprobe_streams(&rendition);
    assert!(streams.contains("h264,Main") && streams.contains("aac,LC"), "{streams}");
    assert!(rendition.windows(4).position(|w| w == b"moov") < rendition.windows(4).position(|w| w == b"mdat"));

    // Others get no link, and the bare path is closed; a follower gets one that works.
    let stranger = token(&app, &fan(&app, "stranger@example.com"), FAN_PASSWORD).await;
    let (status, _) = call(&app, Some(&stranger), Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let bare = low.split('?').next().unwrap();
    assert_eq!(fetch(&app, bare, Some("bytes=0-1023")).await.status(), 404);
    let follower = token(&app, &fan(&app, "follower@example.com"), FAN_PASSWORD).await;
    let follow = format!("/api/v1/artists/{}/follow", bop["artist"]["id"].as_str().unwrap());
    call(&app, Some(&follower), Method::POST, &follow, None).await;
    let (_, feed) = call(&app, Some(&follower), Method::GET, "/api/v1/feed", None).await;
    let item = feed["items"].as_array().unwrap().iter().find(|i| i["id"] == bop["id"]).expect("in the feed");
    let from_feed = item["video_low_url"].as_str().expect("feed items carry it too");
    assert_eq!(fetch(&app, from_feed, Some("bytes=0-99")).await.status(), 206);

    // Deleted: closed at once, then purged with the video.
    let media_dir = app.data_dir().join("media/bops");
    assert_eq!(files_under(&media_dir).iter().filter(|f| f.ends_with("/low.mp4")).count(), 1);
    browser.post_form(&format!("/studio/bops/{}/delete", bop["id"].as_str().unwrap()), &[]).await;
    assert_eq!(fetch(&app, &low, Some("bytes=0-1023")).await.status(), 404, "the rendition closes with the Bop");
    assert_eq!(fetch(&app, from_feed, None).await.status(), 404);
    boptone::bops::access::purge_deleted_media(&app.state).await.unwrap();
    assert_eq!(files_under(&media_dir), Vec::<String>::new(), "video and rendition purged");
    app.stop().await;
}

#[tokio::test]
async fn originals_already_low_get_no_rendition() {
    let app = spawn_app_with(with_ffmpeg("ffmpeg"), None, None).await;
    let (_browser, token) = artist(&app, "lowalready@example.com", "Low Already").await;
    // The fixture averages about 365 kb/s.
    let bop = post(&app, &token, &crate::bops::fixture("vertical.mp4"), "public").await;
    run_due(&app.state).await.unwrap();
    let (state, _, why) = job(&app, &bop);
    assert_eq!(state, "skipped");
    assert!(why.contains("kb/s already"), "{why}");
    let (_, seen) =
        call(&app, Some(&token), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    assert_eq!(seen["video_low_url"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn a_bop_deleted_before_its_rendition_gets_none() {
    let app = spawn_app_with(with_ffmpeg("ffmpeg"), None, None).await;
    let (mut browser, token) = artist(&app, "quickdelete@example.com", "Quick Delete").await;
    // Hold the maker's turn, so the task the publish wakes cannot start first.
    let bop = {
        let _turn = app.state.substate::<boptone::bops::BopsState>().renditions.hold().await;
        let bop = post(&app, &token, high_bitrate_video(), "public").await;
        browser.post_form(&format!("/studio/bops/{}/delete", bop["id"].as_str().unwrap()), &[]).await;
        bop
    };
    run_due(&app.state).await.unwrap();
    let (state, _, why) = job(&app, &bop);
    assert_eq!((state.as_str(), why.as_str()), ("skipped", "The Bop was deleted first."));
    assert!(!files_under(&app.data_dir().join("media/bops")).iter().any(|f| f.ends_with("/low.mp4")));
    app.stop().await;
}

#[tokio::test]
async fn without_ffmpeg_nothing_is_made_and_the_bop_plays_its_original() {
    let app = spawn_app_with(with_ffmpeg("/nonexistent/bin/ffmpeg"), None, None).await;
    let (_browser, token) = artist(&app, "noffmpeg@example.com", "Unrendered").await;
    let bop = post(&app, &token, high_bitrate_video(), "public").await;
    assert_eq!(run_due(&app.state).await.unwrap(), 0, "nothing is attempted");
    let (state, attempts, error) = job(&app, &bop);
    assert_eq!((state.as_str(), attempts, error.as_str()), ("pending", 0, ""), "waits for an ffmpeg");
    let (_, seen) =
        call(&app, Some(&token), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    assert_eq!(seen["video_low_url"], Value::Null);
    let video = fetch(&app, seen["video_url"].as_str().unwrap(), Some("bytes=0-1023")).await;
    assert_eq!(video.status(), 206);
    assert!(!files_under(&app.data_dir().join("media/bops")).iter().any(|f| f.ends_with("/low.mp4")));
    app.stop().await;
}

#[tokio::test]
async fn a_corrupt_original_fails_its_rendition_and_leaves_the_bop_alone() {
    let app = spawn_app_with(
        |c| {
            with_ffmpeg("ffmpeg")(c);
            c.set("bops.rendition_max_attempts", 2);
        },
        None,
        None,
    )
    .await;
    let (_browser, token) = artist(&app, "corrupt@example.com", "Bit Rot").await;
    let bop = post(&app, &token, &corrupt_video(), "public").await;

    // The first attempt (here, or by the task the publish woke).
    run_due(&app.state).await.unwrap();
    let (state, attempts, error) = job(&app, &bop);
    assert_eq!((state.as_str(), attempts), ("pending", 1), "tried again later: {error}");
    assert!(error.contains("ffmpeg failed"), "{error}");
    assert_eq!(run_due(&app.state).await.unwrap(), 0, "not before its time");
    app.state.clock.advance(61_000);
    assert_eq!(run_due(&app.state).await.unwrap(), 1);
    let (state, attempts, _) = job(&app, &bop);
    assert_eq!((state.as_str(), attempts), ("failed", 2), "given up after bops.rendition_max_attempts");

    let (status, seen) =
        call(&app, Some(&token), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200, "the Bop is still up");
    assert_eq!(seen["video_low_url"], Value::Null);
    assert_eq!(fetch(&app, seen["video_url"].as_str().unwrap(), Some("bytes=0-1023")).await.status(), 206);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos WHERE deleted_at IS NULL"), 1);
    let left = files_under(&app.data_dir().join("media/bops"));
    assert_eq!(left.len(), 1, "only the original: {left:?}");
    assert!(files_under(&app.data_dir().join("renditions")).is_empty(), "no temporary files left");
    app.stop().await;
}

#[tokio::test]
async fn renditions_are_made_from_and_stored_in_an_s3_bucket() {
    let mut s3 = Config::defaults();
    crate::s3::s3_config(&mut s3).await;
    crate::s3::with_secret(&mut s3);
    let app = spawn_app_with(
        move |c| {
            c.media = s3.media.clone();
            with_ffmpeg("ffmpeg")(c);
        },
        None,
        None,
    )
    .await;
    let (_browser, token) = artist(&app, "s3low@example.com", "Cloud Lane").await;
    let bop = post(&app, &token, high_bitrate_video(), "public").await;
    run_due(&app.state).await.unwrap();
    assert_eq!(job(&app, &bop).0, "done");
    let (_, seen) =
        call(&app, Some(&token), Method::GET, &format!("/api/v1/bops/{}", bop["id"].as_str().unwrap()), None).await;
    let low = seen["video_low_url"].as_str().expect("made").to_owned();
    let redirect = fetch(&app, &low, None).await;
    assert_eq!(redirect.status(), 307, "served from the bucket by presigned URL");
    let location = redirect.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let ranged = client().get(location).header(header::RANGE, "bytes=0-1023").send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()[header::CONTENT_TYPE], "video/mp4");
    app.stop().await;
}

/// The Bop page in headless Chromium: the original on a fast connection,
/// the rendition when `navigator.connection` says the connection is slow
/// (set before the page's scripts run), and the original again when the
/// rendition cannot be loaded.
#[tokio::test]
async fn the_bop_page_plays_the_rendition_on_a_slow_connection_and_falls_back_to_the_original() {
    let app = spawn_app_with(with_ffmpeg("ffmpeg"), None, None).await;
    let (_browser, token) = artist(&app, "pageplayer@example.com", "Page Player").await;
    let bop = post(&app, &token, high_bitrate_video(), "public").await;
    run_due(&app.state).await.unwrap();
    let page = app.url(&format!("/bops/{}", bop["id"].as_str().unwrap()));
    let playing = |source: &str, file: &str| {
        format!(
            "const v = document.querySelector('video.bop-player'); \
             return v.dataset.source === '{source}' && v.currentSrc.includes('{file}') && v.readyState >= 1"
        )
    };

    let driver = crate::webdriver::Driver::start(420, 860).await;
    driver.goto(&page).await;
    driver.wait_until(&playing("original", "/video.mp4"), "the original on a fast connection").await;

    let slow = "Object.defineProperty(navigator, 'connection', {value: {effectiveType: '3g', saveData: false}})";
    driver.cdp("Page.addScriptToEvaluateOnNewDocument", json!({"source": slow})).await;
    driver.goto(&page).await;
    driver.wait_until(&playing("low", "/low.mp4"), "the rendition on a slow connection").await;

    driver.cdp("Network.enable", json!({})).await;
    driver.cdp("Network.setBlockedURLs", json!({"urls": ["*/low.mp4*"]})).await;
    driver.goto(&page).await;
    driver.wait_until(&playing("original", "/video.mp4"), "the original when the rendition fails").await;
    drop(driver);
    app.stop().await;
}
