//! Tracks: lossless masters uploaded in resumable chunks, checked and
//! measured in-process; ISRCs assigned at publishing; the app surface's
//! tracks and range-served streams; streams counted by the 30 s rule;
//! collaborators' splits.

use reqwest::Method;
use serde_json::Value;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, token};
use crate::browser::{Browser, Page};
use crate::helpers::{TestApp, spawn_app_with};
use boptone::music::audio::synth::{WavSpec, write_flac, write_wav};

pub const REGISTRANT: &str = "QZ-K6P";

pub async fn label_app() -> TestApp {
    spawn_app_with(
        |c| {
            c.set("music.gs1_prefix", "0614141");
            c.set("music.isrc_registrant", REGISTRANT);
        },
        None,
        None,
    )
    .await
}

/// A short synthesised master: WAV unless `flac`.
pub fn master(spec: WavSpec, seconds: f64, flac: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master");
    if flac {
        write_flac(&path, spec, seconds, 440.0, 0.3).unwrap();
    } else {
        write_wav(&path, spec, seconds, 440.0, 0.3).unwrap();
    }
    std::fs::read(path).unwrap()
}

pub fn cd_wav() -> Vec<u8> {
    master(WavSpec::CD, 2.0, false)
}

/// Uploads `bytes` as a master (one chunk) and returns the upload id.
pub async fn upload_master(browser: &mut Browser, bytes: Vec<u8>) -> String {
    let size = serde_json::json!({ "size": bytes.len() }).to_string();
    let created = browser.send_body(Method::POST, "/studio/music/uploads", "application/json", size.into_bytes()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let status: Value = serde_json::from_str(&created.body).unwrap();
    let id = status["upload_id"].as_str().unwrap().to_owned();
    let put = browser
        .send_body(Method::PUT, &format!("/studio/uploads/{id}?offset=0"), "application/octet-stream", bytes)
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    id
}

/// Adds a track to a draft through the studio; returns the response page.
pub async fn add_track(
    browser: &mut Browser,
    release: &str,
    title: &str,
    bytes: Vec<u8>,
    extra: &[(&str, &str)],
) -> Page {
    let upload = upload_master(browser, bytes).await;
    browser.get(&format!("/studio/music/{release}")).await;
    let named: Vec<(String, &str)> = extra.iter().map(|(name, value)| (format!("track_{name}"), *value)).collect();
    let mut fields = vec![("track_title", title), ("upload_id", upload.as_str())];
    fields.extend(named.iter().map(|(name, value)| (name.as_str(), *value)));
    browser.post_form(&format!("/studio/music/{release}/tracks"), &fields).await
}

/// A draft album with artwork, created through the studio.
pub async fn album_with_artwork(browser: &mut Browser, title: &str) -> String {
    browser.get("/studio/music/new").await;
    let form = [
        ("kind", "album"),
        ("title", title),
        ("label_name", "Night Bus Records"),
        ("genre", "Pop"),
        ("release_date", "2026-01-01"),
        ("p_line", "2026 Nova"),
        ("c_line", "2026 Night Bus Records"),
        ("parental_advisory", "none"),
        ("language", "en"),
    ];
    let page = browser.post_form("/studio/music", &form).await;
    let release = page.redirect().trim_start_matches("/studio/music/").to_owned();
    let art = crate::browser::png(3000, 3000);
    let page = browser
        .post_multipart(&format!("/studio/music/{release}/artwork"), &[], Some(("artwork", art, "image/png")))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    release
}

fn masters_on_disk(app: &TestApp) -> usize {
    fn files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    files(&app.data_dir().join("media/music/masters")) + files(&app.data_dir().join("media/music/tracks"))
}

#[tokio::test]
async fn an_album_of_lossless_masters_publishes_with_isrcs_and_fans_stream_it() {
    let app = label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let fan_token = token(&app, &fan(&app, "listener@example.com"), FAN_PASSWORD).await;
    let release = album_with_artwork(&mut browser, "Night Buses").await;

    // Publishing with no tracks says so.
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Add at least one track"), "{}", page.body);

    // Wrong masters are refused with the reason, and nothing is left behind.
    let refusals: [(Vec<u8>, &str); 4] = [
        (master(WavSpec { channels: 1, ..WavSpec::CD }, 2.0, false), "mono"),
        (master(WavSpec { sample_rate: 22_050, ..WavSpec::CD }, 2.0, false), "below the 44.1 kHz minimum"),
        (master(WavSpec { bits: 8, ..WavSpec::CD }, 2.0, false), "8-bit"),
        (b"just some text, renamed to .wav".repeat(100), "not an audio file"),
    ];
    for (bytes, reason) in refusals {
        let page = add_track(&mut browser, &release, "Wrong", bytes, &[]).await;
        assert_eq!(page.status, 422, "{reason}: {}", page.body);
        assert!(page.body.contains(reason), "{reason}: {}", page.body);
    }
    let mut truncated = cd_wav();
    truncated.truncate(truncated.len() / 2);
    let page = add_track(&mut browser, &release, "Cut", truncated, &[]).await;
    assert!(page.body.contains("truncated"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_tracks"), 0);
    assert_eq!(masters_on_disk(&app), 0, "refused masters are deleted");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_uploads"), 0, "and their uploads forgotten");

    // A bad field is named and the master is not consumed by a half-made track.
    let page = add_track(&mut browser, &release, "", cd_wav(), &[("isrc", "nope")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("track_isrc-error") && page.body.contains("track_title-error"), "{}", page.body);

    // Three good masters: 16/44.1 WAV, 24/96 WAV, 24/48 FLAC.
    let credits = "Nova, performer\nAda Obi, mixing engineer";
    let page =
        add_track(&mut browser, &release, "Last Bus", cd_wav(), &[("credits", credits), ("explicit", "on")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let hi_res = master(WavSpec { sample_rate: 96_000, bits: 24, channels: 2 }, 2.0, false);
    add_track(&mut browser, &release, "Depot", hi_res, &[("isrc", "GB-AYC-17-00598")]).await;
    let flac = master(WavSpec { sample_rate: 48_000, bits: 24, channels: 2 }, 2.0, true);
    add_track(&mut browser, &release, "Dawn & <Home>", flac, &[("moods", "chill")]).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_tracks WHERE deleted_at IS NULL"), 3);
    let studio = browser.get(&format!("/studio/music/{release}")).await;
    assert!(studio.body.contains("LUFS") && studio.body.contains("dBTP"), "loudness shown: {}", studio.body);
    assert!(studio.body.contains("Dawn &amp; &lt;Home&gt;"), "titles escaped");

    // Publishing assigns the missing ISRCs from the registrant, one each;
    // a follower hears of the release once, not once per track.
    let artist_uid = count_text(&app, "SELECT uid FROM artist_profiles");
    let (status, _) =
        call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/artists/{artist_uid}/follow"), None).await;
    assert!(status.is_success());
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=published"), "{}", page.body);
    let year = boptone::music::domain::Date::of_ms(app.state.clock.now_ms()).year() % 100;
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM music_tracks WHERE isrc LIKE 'QZK6P{year:02}%'")), 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_tracks WHERE isrc = 'GBAYC1700598'"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'track.published'"), 3);
    app.drain_events().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'new_release'"), 1);

    // The app surface: tracks in order with codes, durations and streams.
    let (status, seen) = call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    assert_eq!(status, 200, "{seen}");
    let tracks = seen["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 3);
    assert_eq!(tracks[0]["title"], "Last Bus");
    assert_eq!(tracks[2]["title"], "Dawn & <Home>");
    assert_eq!(tracks[1]["isrc"], "GBAYC1700598");
    assert!((1900..=2100).contains(&tracks[0]["duration_ms"].as_i64().unwrap()), "{seen}");
    let stream_url = tracks[0]["stream_url"].as_str().unwrap();
    let client = reqwest::Client::new();
    let ranged = client.get(app.url(stream_url)).header("Range", "bytes=0-3").send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()["content-type"], "audio/flac");
    assert_eq!(&ranged.bytes().await.unwrap()[..], b"fLaC");

    // Masters are never public.
    let master_key = count_text(&app, "SELECT master_key FROM music_tracks ORDER BY id LIMIT 1");
    let direct = client.get(app.url(&format!("/media/{master_key}"))).send().await.unwrap();
    assert_eq!(direct.status(), 404);

    // A stream counts after 30 s of play, once per 30 minutes.
    let track = tracks[0]["id"].as_str().unwrap().to_owned();
    let play = |position: i64| {
        let (app, token, track) = (&app, fan_token.clone(), track.clone());
        async move {
            let body = serde_json::json!({ "position_ms": position, "source": "app" });
            let (status, outcome) =
                call(app, Some(&token), Method::POST, &format!("/api/v1/tracks/{track}/plays"), Some(body)).await;
            assert_eq!(status, 200, "{outcome}");
            outcome["counted"].as_bool().unwrap()
        }
    };
    assert!(!play(0).await);
    assert!(!play(30_000).await, "30 s claimed after no time at all");
    app.state.clock.advance(31_000);
    assert!(play(30_500).await);
    assert!(!play(31_000).await, "one play counts once");
    assert!(!play(0).await);
    app.state.clock.advance(31_000);
    assert!(!play(30_100).await, "a replay within 30 minutes does not count again");
    app.state.clock.advance(30 * 60 * 1000);
    assert!(!play(0).await);
    app.state.clock.advance(31_000);
    assert!(play(30_000).await, "after half an hour it counts again");
    assert_eq!(count(&app, "SELECT SUM(streams) FROM streaming_metrics WHERE source = 'app'"), 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'stream.counted'"), 2);
    app.drain_events().await;
    assert_eq!(
        count(&app, "SELECT loyalty_score FROM fan_relationships"),
        5 + 2,
        "the follow (5 points) and each counted stream (1) add to loyalty"
    );
    assert_eq!(count(&app, "SELECT streams FROM fan_relationships"), 2);
    let bad = serde_json::json!({ "position_ms": 0, "source": "radio" });
    let (status, _) =
        call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/tracks/{track}/plays"), Some(bad)).await;
    assert_eq!(status, 422);

    // Taken down: the tracks are no longer served or counted.
    browser.post_form(&format!("/studio/music/{release}/takedown"), &[]).await;
    assert_eq!(client.get(app.url(stream_url)).send().await.unwrap().status(), 404);
    let (status, _) = call(
        &app,
        Some(&fan_token),
        Method::POST,
        &format!("/api/v1/tracks/{track}/plays"),
        Some(serde_json::json!({"position_ms": 0})),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_draft_track_is_edited_and_removed_and_its_files_go_with_it() {
    let app = label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let release = album_with_artwork(&mut browser, "Drafts").await;
    add_track(&mut browser, &release, "First", cd_wav(), &[]).await;
    let track = count_text(&app, "SELECT uid FROM music_tracks");
    let page = browser.get(&format!("/studio/music/tracks/{track}")).await;
    assert_eq!(page.status, 200);
    let page = browser
        .post_form(&format!("/studio/music/tracks/{track}"), &[("title", "First (Edit)"), ("credits", "Nova, drummer")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("drummer"), "{}", page.body);
    let page = browser
        .post_form(
            &format!("/studio/music/tracks/{track}"),
            &[("title", "First"), ("version", "Radio Edit"), ("preview_start", "0:01")],
        )
        .await;
    assert_eq!(page.redirect(), format!("/studio/music/tracks/{track}?done=saved"));
    assert_eq!(count_text(&app, "SELECT version FROM music_tracks"), "Radio Edit");
    assert_eq!(masters_on_disk(&app), 2, "the master and its rendition");
    browser.post_form(&format!("/studio/music/tracks/{track}/delete"), &[]).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_tracks WHERE deleted_at IS NULL"), 0);
    assert_eq!(masters_on_disk(&app), 0);

    // Another artist sees none of it.
    let (mut other, _) = artist(&app, "kemi@example.com", "Kemi").await;
    add_track(&mut browser, &release, "Second", cd_wav(), &[]).await;
    let track = count_text(&app, "SELECT uid FROM music_tracks WHERE deleted_at IS NULL");
    assert_eq!(other.get(&format!("/studio/music/tracks/{track}")).await.status, 404);
    assert_eq!(other.post_form(&format!("/studio/music/tracks/{track}/delete"), &[]).await.status, 404);
    let upload = upload_master(&mut other, cd_wav()).await;
    other.get("/studio/music").await;
    let page = other
        .post_form(&format!("/studio/music/{release}/tracks"), &[("track_title", "Mine"), ("upload_id", &upload)])
        .await;
    assert_eq!(page.status, 404);
}

#[tokio::test]
async fn splits_must_add_up_to_the_whole_and_collaborators_without_accounts_are_invited() {
    let app = label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    fan(&app, "ada@example.com");
    let release = album_with_artwork(&mut browser, "Shared").await;
    add_track(&mut browser, &release, "Together", cd_wav(), &[]).await;
    let track = count_text(&app, "SELECT uid FROM music_tracks");
    let path = format!("/studio/music/tracks/{track}/splits");
    browser.get(&format!("/studio/music/tracks/{track}")).await;

    let page = browser.post_form(&path, &[("splits", "Nova, nova@example.com, 60\nAda, ada@example.com, 35")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("95.00%"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_track_splits"), 0);

    let splits = "Nova, nova@example.com, 50\nAda, ada@example.com, 30\nTunde, tunde@example.com, 20";
    let page = browser.post_form(&path, &[("splits", splits)]).await;
    assert_eq!(page.redirect(), format!("/studio/music/tracks/{track}?done=splits"), "{}", page.body);
    assert_eq!(count(&app, "SELECT SUM(basis_points) FROM music_track_splits"), 10_000);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_track_splits WHERE user_id IS NOT NULL"), 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_address = 'tunde@example.com'"), 1);
    // Saving again does not invite the same person twice.
    browser.post_form(&path, &[("splits", splits)]).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE to_address = 'tunde@example.com'"), 1);
    let page = browser.get(&format!("/studio/music/tracks/{track}")).await;
    assert!(page.body.contains("tunde@example.com"), "{}", page.body);
}

#[tokio::test]
async fn a_bop_tags_a_published_track_and_streams_from_it_count_as_from_bops() {
    let app = label_app().await;
    let (mut browser, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, other_token) = artist(&app, "kemi@example.com", "Kemi").await;
    let fan_token = token(&app, &fan(&app, "listener@example.com"), FAN_PASSWORD).await;
    let release = album_with_artwork(&mut browser, "Tagged").await;
    add_track(&mut browser, &release, "Hook", cd_wav(), &[]).await;
    let track = count_text(&app, "SELECT uid FROM music_tracks");

    // A draft's track cannot be tagged; nor can another artist's.
    let post = |token: String, track: String| {
        let app = &app;
        async move {
            let id = crate::bops::upload(app, &token, &crate::bops::fixture("vertical.mp4"), 64 * 1024).await;
            let body = serde_json::json!({ "upload_id": id, "caption": "new single!", "track": track });
            call(app, Some(&token), Method::POST, "/api/v1/bops", Some(body)).await
        }
    };
    let (status, body) = post(artist_token.clone(), track.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["fields"]["track"].is_string(), "{body}");
    browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    let (status, _) = post(other_token, track.clone()).await;
    assert_eq!(status, 422, "another artist's track");
    let page = browser.get("/studio/bops/new").await;
    assert!(page.body.contains("Hook — Tagged"), "the studio offers the track: {}", page.body);

    let (status, bop) = post(artist_token, track.clone()).await;
    assert_eq!(status, 201, "{bop}");
    assert_eq!(bop["track"]["id"], track.as_str());
    assert_eq!(bop["track"]["title"], "Hook");
    assert!(bop["track"]["artwork_url"].as_str().unwrap().starts_with("/media/music/artwork/"));

    // In the fan's feed, playable; a stream from there counts as from Bops.
    let (_, feed) = call(&app, Some(&fan_token), Method::GET, "/api/v1/feed", None).await;
    let item = &feed["items"][0];
    assert_eq!(item["track"]["title"], "Hook", "{feed}");
    let stream = item["track"]["stream_url"].as_str().unwrap();
    assert_eq!(reqwest::get(app.url(stream)).await.unwrap().status(), 200);
    let report = |position: i64| serde_json::json!({ "position_ms": position, "source": "bop" });
    call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/tracks/{track}/plays"), Some(report(0))).await;
    app.state.clock.advance(31_000);
    let (_, counted) =
        call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/tracks/{track}/plays"), Some(report(30_000)))
            .await;
    assert_eq!(counted["counted"], true);
    assert_eq!(count(&app, "SELECT streams FROM streaming_metrics WHERE source = 'bop'"), 1);

    // Taken down, the Bop stays but no longer offers the track.
    browser.post_form(&format!("/studio/music/{release}/takedown"), &[]).await;
    let (_, feed) = call(&app, Some(&fan_token), Method::GET, "/api/v1/feed", None).await;
    assert!(feed["items"][0]["track"].is_null(), "{feed}");
}
