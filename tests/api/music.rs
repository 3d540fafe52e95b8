//! Music releases in the studio and on the app surface: the form, artwork
//! as stores want it, publishing (now or on a date), UPCs, takedowns.

use std::io::Cursor;

use reqwest::Method;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, token};
use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app_with};

const PREFIX: &str = "0614141";

async fn music_app() -> TestApp {
    crate::music_tracks::label_app().await
}

/// Adds a short track, so that the release can be published.
async fn with_track(browser: &mut Browser, release: &str, extra: &[(&str, &str)]) {
    let page = crate::music_tracks::add_track(browser, release, "Song", crate::music_tracks::cd_wav(), extra).await;
    assert_eq!(page.status, 303, "{}", page.body);
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 200) as u8, (y % 200) as u8, 40]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn release_form<'a>(title: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "album"),
        ("title", title),
        ("featured_artists", "Kemi\nOla"),
        ("label_name", "Night Bus Records"),
        ("genre", "Pop"),
        ("release_date", date),
        ("p_line", "2026 Nova"),
        ("c_line", "2026 Night Bus Records"),
        ("parental_advisory", "none"),
        ("language", "en"),
    ]
}

/// Creates a release through the studio form; returns its id.
async fn create(browser: &mut Browser, title: &str, date: &str) -> String {
    browser.get("/studio/music/new").await;
    let page = browser.post_form("/studio/music", &release_form(title, date)).await;
    let location = page.redirect().to_owned();
    assert!(location.starts_with("/studio/music/"), "{}", page.body);
    location.trim_start_matches("/studio/music/").to_owned()
}

async fn upload_artwork(browser: &mut Browser, release: &str, bytes: Vec<u8>) -> crate::browser::Page {
    browser.get(&format!("/studio/music/{release}")).await;
    browser
        .post_multipart(&format!("/studio/music/{release}/artwork"), &[], Some(("artwork", bytes, "image/png")))
        .await
}

fn ean13_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits[..12].iter().enumerate().map(|(i, d)| d * if i % 2 == 1 { 3 } else { 1 }).sum();
    digits.len() == 13 && (10 - sum % 10) % 10 == digits[12]
}

#[tokio::test]
async fn an_artist_releases_an_album_with_artwork_and_fans_see_it_until_it_is_taken_down() {
    let app = music_app().await;
    let (mut browser, _artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let fan_token = token(&app, &fan(&app, "listener@example.com"), FAN_PASSWORD).await;

    // A bad form comes back with its fields named, and nothing is created.
    browser.get("/studio/music/new").await;
    let mut bad = release_form("", "14/03/2027");
    bad.retain(|(name, _)| *name != "genre");
    let page = browser.post_form("/studio/music", &bad).await;
    assert_eq!(page.status, 422);
    for field in ["title-error", "release_date-error", "genre-error"] {
        assert!(page.body.contains(field), "{field}: {}", page.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_releases"), 0);

    let release = create(&mut browser, "Night Buses", "2026-01-01").await;
    let (status, _) = call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    assert_eq!(status, 404, "a draft is the artist's alone");

    // Artwork: too small and oblong images are refused and nothing is stored.
    let page = upload_artwork(&mut browser, &release, png(1000, 1000)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("at least 3000×3000"), "{}", page.body);
    let page = upload_artwork(&mut browser, &release, png(3000, 3100)).await;
    assert!(page.body.contains("must be square"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_releases WHERE artwork_key IS NOT NULL"), 0);

    // Publishing without artwork says what is missing.
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Add the artwork"), "{}", page.body);

    let page = upload_artwork(&mut browser, &release, png(3000, 3000)).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=artwork"), "{}", page.body);
    with_track(&mut browser, &release, &[]).await;
    let studio = browser.get(&format!("/studio/music/{release}")).await;
    let artwork = studio
        .body
        .split("src=\"/media/")
        .nth(1)
        .map(|s| format!("/media/{s}"))
        .as_deref()
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(artwork.contains("sig="), "a draft's artwork goes through a signed link: {artwork}");
    let anonymous = reqwest::get(app.url(artwork.split('?').next().unwrap())).await.unwrap();
    assert_eq!(anonymous.status(), 404, "unsigned, a draft's artwork is not served");

    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=published"));
    let (status, seen) = call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["title"], "Night Buses");
    assert_eq!(seen["kind"], "album");
    assert_eq!(seen["featured_artists"], serde_json::json!(["Kemi", "Ola"]));
    let upc = seen["upc"].as_str().unwrap().to_owned();
    assert!(upc.starts_with(PREFIX) && ean13_ok(&upc), "{upc}");
    let artwork_url = seen["artwork_url"].as_str().unwrap().to_owned();
    let art = reqwest::get(app.url(&artwork_url)).await.unwrap();
    assert_eq!(art.status(), 200);
    assert_eq!(art.headers()["content-type"], "image/jpeg");

    let artist_uid = count_text(&app, "SELECT uid FROM artist_profiles WHERE stage_name = 'Nova'");
    let (_, listed) =
        call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/artists/{artist_uid}/releases"), None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert!(listed["next_cursor"].is_null());

    // A published release is no longer edited; it is taken down.
    let page = browser.post_form(&format!("/studio/music/{release}"), &release_form("Renamed", "2026-01-01")).await;
    assert_eq!(page.status, 409);
    let page = browser.post_form(&format!("/studio/music/{release}/takedown"), &[]).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=taken_down"));
    let (status, _) = call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    assert_eq!(status, 404);
    let gone = reqwest::get(app.url(&artwork_url)).await.unwrap();
    assert_eq!(gone.status(), 404, "a taken-down release's artwork is no longer public");
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM music_releases WHERE upc = '{upc}'")), 1, "the code stays");
    let history = browser.get(&format!("/studio/music/{release}")).await.body;
    for step in ["draft", "published", "taken down"] {
        assert!(history.contains(step), "{step}: {history}");
    }

    // The next release gets the next number: a code is never given twice.
    let second = create(&mut browser, "Second", "2026-01-01").await;
    upload_artwork(&mut browser, &second, png(3000, 3000)).await;
    with_track(&mut browser, &second, &[]).await;
    browser.post_form(&format!("/studio/music/{second}/publish"), &[]).await;
    let next = count_text(&app, &format!("SELECT upc FROM music_releases WHERE uid = '{second}'"));
    assert!(next != upc && ean13_ok(&next), "{next} after {upc}");
    app.stop().await;
}

#[tokio::test]
async fn a_release_dated_later_is_scheduled_and_publishes_itself_that_day() {
    let app = music_app().await;
    let (mut browser, _) = artist(&app, "later@example.com", "Later").await;
    let fan_token = token(&app, &fan(&app, "waiting@example.com"), FAN_PASSWORD).await;
    let today = boptone::music::domain::Date::of_ms(app.state.clock.now_ms());
    let tomorrow = boptone::music::domain::Date::of_ms(app.state.clock.now_ms() + 86_400_000).as_string();
    assert_ne!(today.as_string(), tomorrow);
    let release = create(&mut browser, "Tomorrow", &tomorrow).await;
    upload_artwork(&mut browser, &release, png(3000, 3000)).await;
    with_track(&mut browser, &release, &[]).await;
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=scheduled"));
    assert_eq!(boptone::music::service::publish_due_releases(&app.state).await.unwrap(), 0);
    let (status, _) = call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    assert_eq!(status, 404, "not before its day");

    app.state.clock.advance(86_400_000);
    assert_eq!(boptone::music::service::publish_due_releases(&app.state).await.unwrap(), 1);
    let (status, _) = call(&app, Some(&fan_token), Method::GET, &format!("/api/v1/releases/{release}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'music.release.published'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn without_a_gs1_prefix_publishing_asks_for_the_releases_own_upc() {
    let app = spawn_app_with(|_| {}, None, None).await;
    let (mut browser, _) = artist(&app, "noprefix@example.com", "NoPrefix").await;
    let release = create(&mut browser, "Own Codes", "2026-01-01").await;
    upload_artwork(&mut browser, &release, png(3000, 3000)).await;
    with_track(&mut browser, &release, &[("isrc", "QZ-K6P-26-00001")]).await;
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("assigns no UPCs"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_releases WHERE status = 'draft'"), 1, "nothing changed");

    // The release's own code: a wrong check digit is refused, a right one publishes.
    let mut form = release_form("Own Codes", "2026-01-01");
    form.push(("upc", "036000291453"));
    let page = browser.post_form(&format!("/studio/music/{release}"), &form).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("check digit"), "{}", page.body);
    form.pop();
    form.push(("upc", "036000291452"));
    let page = browser.post_form(&format!("/studio/music/{release}"), &form).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=saved"), "{}", page.body);
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.redirect(), format!("/studio/music/{release}?done=published"), "{}", page.body);
    assert_eq!(count_text(&app, "SELECT upc FROM music_releases"), "036000291452");
    // Another release cannot take the same code.
    let second = create(&mut browser, "Copy", "2026-01-01").await;
    let mut copy = release_form("Copy", "2026-01-01");
    copy.push(("upc", "036000291452"));
    let page = browser.post_form(&format!("/studio/music/{second}"), &copy).await;
    assert!(page.body.contains("already on another release"), "{}", page.body);
    app.stop().await;
}

#[tokio::test]
async fn another_artist_cannot_see_or_change_a_release() {
    let app = music_app().await;
    let (mut owner, _) = artist(&app, "owner-m@example.com", "OwnerM").await;
    let (mut other, _) = artist(&app, "other-m@example.com", "OtherM").await;
    let release = create(&mut owner, "Mine", "2026-01-01").await;
    assert_eq!(other.get(&format!("/studio/music/{release}")).await.status, 404);
    let page = other.post_form(&format!("/studio/music/{release}"), &release_form("Stolen", "2026-01-01")).await;
    assert_eq!(page.status, 404);
    assert_eq!(other.post_form(&format!("/studio/music/{release}/publish"), &[]).await.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM music_releases WHERE title = 'Mine' AND status = 'draft'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn publishing_twice_at_once_publishes_once_with_one_code() {
    let app = music_app().await;
    let (mut browser, _) = artist(&app, "twice@example.com", "Twice").await;
    let release = create(&mut browser, "Once", "2026-01-01").await;
    upload_artwork(&mut browser, &release, png(3000, 3000)).await;
    with_track(&mut browser, &release, &[]).await;
    let token = browser.csrf().await;
    let url = app.url(&format!("/studio/music/{release}/publish"));
    let send = || browser.client.post(&url).form(&[("csrf_token", token.as_str())]).send();
    let (first, second) = tokio::join!(send(), send());
    let mut statuses = [first.unwrap().status().as_u16(), second.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "one publish, one 'already sent'");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'music.release.published'"), 1);
    assert_eq!(
        count(&app, "SELECT next_value FROM music_code_sequences WHERE series LIKE 'upc:%'"),
        2,
        "one number taken"
    );
    app.stop().await;
}
