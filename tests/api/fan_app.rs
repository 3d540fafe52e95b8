//! Issue 14: the installable fan app (manifest, icons, service worker, deep
//! links) and the artist's page in it (`GET /api/v1/artists/{id}` and the
//! Bops grid).

use reqwest::Method;
use serde_json::Value;
#[cfg(feature = "e2e")]
use serde_json::json;

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, post_bop, token};
use crate::helpers::{TestApp, spawn_app};
#[cfg(feature = "e2e")]
use crate::webdriver::Driver;

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[tokio::test]
async fn the_app_has_a_manifest_with_real_icons_and_every_deep_link_opens_it() {
    let app = spawn_app().await;
    let response = app.get("/app/manifest.webmanifest").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/manifest+json");
    let manifest: Value = response.json().await.unwrap();
    assert_eq!((manifest["start_url"].as_str(), manifest["scope"].as_str()), (Some("/app"), Some("/app")));
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().unwrap();
    assert_eq!(icons.len(), 4);
    for icon in icons {
        let bytes = app.get(icon["src"].as_str().unwrap()).await.bytes().await.unwrap();
        let side: u32 = icon["sizes"].as_str().unwrap().split('x').next().unwrap().parse().unwrap();
        assert_eq!(png_size(&bytes), (side, side), "{icon}");
    }
    for path in ["/app", "/app/", "/app/bops/abc", "/app/@nova", "/app/orders"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.unwrap();
        assert!(html.contains("rel=\"manifest\" href=\"/app/manifest.webmanifest\""), "{path}");
    }
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.status(), 200);
    assert!(worker.text().await.unwrap().contains("boptone-app-v1"));
}

/// An artist with `n` public Bops, one for followers and one private.
async fn artist_with_bops(app: &TestApp) -> (String, String) {
    let (_, nova) = artist(app, "nova@example.com", "Nova").await;
    for (caption, visibility) in [("Public one", "public"), ("For followers", "followers"), ("Just me", "private")] {
        let (status, bop) = post_bop(app, &nova, "vertical.mp4", caption).await;
        assert_eq!(status, 201, "{bop}");
        let uid = bop["id"].as_str().unwrap().to_owned();
        app.state
            .db
            .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
                tx.execute("UPDATE bops_videos SET visibility = ?1 WHERE uid = ?2", [visibility, uid.as_str()])
            })
            .unwrap();
    }
    let id = crate::bops::count_text(app, "SELECT uid FROM artist_profiles WHERE stage_name = 'Nova'");
    (nova, id)
}

fn captions(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|b| b["caption"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_artists_page_in_the_app_shows_who_they_are_their_followers_and_the_bops_a_fan_may_see() {
    let app = spawn_app().await;
    let (_, nova_id) = artist_with_bops(&app).await;
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;

    let (status, page) = call(&app, Some(&ada), Method::GET, "/api/v1/artists/@NOVA", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["id"].as_str(), page["name"].as_str(), page["handle"].as_str()),
        (Some(nova_id.as_str()), Some("Nova"), Some("nova"))
    );
    assert_eq!((page["follower_count"].as_i64(), page["following"].as_bool()), (Some(0), Some(false)));
    assert!(page["page_url"].as_str().unwrap().ends_with("/@nova"));
    let (_, by_id) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/artists/{nova_id}"), None).await;
    assert_eq!(by_id["handle"], "nova");
    for missing in ["/api/v1/artists/@nobody", "/api/v1/artists/nope", "/api/v1/artists/nope/bops"] {
        assert_eq!(call(&app, Some(&ada), Method::GET, missing, None).await.0, 404, "{missing}");
    }
    assert_eq!(call(&app, None, Method::GET, "/api/v1/artists/@nova", None).await.0, 401);

    // The grid: public Bops; followers-only ones once the fan follows; never private ones.
    let grid = format!("/api/v1/artists/{nova_id}/bops");
    assert_eq!(captions(&call(&app, Some(&ada), Method::GET, &grid, None).await.1), ["Public one"]);
    call(&app, Some(&ada), Method::POST, &format!("/api/v1/artists/{nova_id}/follow"), None).await;
    let (_, page) = call(&app, Some(&ada), Method::GET, "/api/v1/artists/@nova", None).await;
    assert_eq!((page["follower_count"].as_i64(), page["following"].as_bool()), (Some(1), Some(true)));
    assert_eq!(captions(&call(&app, Some(&ada), Method::GET, &grid, None).await.1), ["For followers", "Public one"]);
    assert_eq!(call(&app, Some(&ada), Method::GET, &format!("{grid}?cursor=bad"), None).await.0, 422);

    // Pages of 24, newest first, each Bop once.
    let bop_id = count(&app, "SELECT id FROM bops_videos WHERE caption = 'Public one'");
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            for n in 0..30 {
                tx.execute(
                    "INSERT INTO bops_videos (uid, artist_id, caption, hashtags, visibility, video_key, poster_key, width, height,
                         duration_ms, codec, size_bytes, published_at, updated_at, video_type)
                     SELECT 'extra' || ?2, artist_id, 'Extra ' || ?2, hashtags, 'public', video_key, poster_key, width, height,
                         duration_ms, codec, size_bytes, published_at - 1000 * (?2 + 1), updated_at, video_type
                     FROM bops_videos WHERE id = ?1",
                    rusqlite::params![bop_id, n],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let (_, first) = call(&app, Some(&ada), Method::GET, &grid, None).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 24);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = call(&app, Some(&ada), Method::GET, &format!("{grid}?cursor={cursor}"), None).await;
    assert_eq!(second["next_cursor"], Value::Null);
    let mut all: Vec<String> = captions(&first).into_iter().chain(captions(&second)).collect();
    assert_eq!(all.len(), 32);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 32, "each Bop once");

    // Unfollowing takes the count back; a suspended artist is not found.
    call(&app, Some(&ada), Method::DELETE, &format!("/api/v1/artists/{nova_id}/follow"), None).await;
    assert_eq!(call(&app, Some(&ada), Method::GET, "/api/v1/artists/@nova", None).await.1["follower_count"], 0);
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE artist_profiles SET suspended_at = 1 WHERE handle = 'nova'", [])
        })
        .unwrap();
    assert_eq!(call(&app, Some(&ada), Method::GET, "/api/v1/artists/@nova", None).await.0, 404);
    assert_eq!(call(&app, Some(&ada), Method::GET, &grid, None).await.0, 404);
}

/// A fan signed in to `/app` in Chromium on a phone-sized window.
#[cfg(feature = "e2e")]
async fn fan_on_a_phone(app: &TestApp) -> Driver {
    boptone::identity::service::create_user_blocking(
        &app.state.db,
        "fan@example.com",
        FAN_PASSWORD,
        boptone::identity::domain::Role::Fan,
    )
    .unwrap();
    let phone = Driver::start(390, 844).await;
    phone.goto(&app.url("/app")).await;
    phone.type_into("#login-email", "fan@example.com").await;
    phone.type_into("#login-password", FAN_PASSWORD).await;
    phone.click("#login-form button[type=submit]").await;
    phone
}

#[cfg(feature = "e2e")]
#[tokio::test]
async fn in_chromium_the_app_is_installable_opens_an_artist_from_a_deep_link_and_opens_offline() {
    let app = spawn_app().await;
    let (_, _nova_id) = artist_with_bops(&app).await;
    let phone = fan_on_a_phone(&app).await;
    phone.wait_until("return document.querySelectorAll('.bop').length > 0", "the feed").await;
    phone.wait_until("return !!navigator.serviceWorker.controller", "the service worker to take control").await;
    let errors = phone.cdp("Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(errors["installabilityErrors"], json!([]), "Chromium would install it: {errors}");

    // A deep link to the artist opens their page in the app; follow from there.
    phone.goto(&app.url("/app/@nova")).await;
    phone.wait_until("return document.getElementById('artist-name').textContent === 'Nova'", "the artist page").await;
    phone.wait_until("return document.querySelectorAll('#artist-bops li').length === 1", "the Bops grid").await;
    phone.click("#artist-follow").await;
    phone
        .wait_until("return document.getElementById('artist-followers').textContent === '1 follower'", "the follow")
        .await;
    assert_eq!(count(&app, "SELECT followers FROM artist_follower_counts"), 1);
    phone.execute("document.getElementById('artist-dialog').close()").await;

    // The server goes away: /app still opens from the kept shell, and says it is offline.
    let address = app.address.clone();
    app.stop().await;
    phone.goto(&format!("{address}/app")).await;
    phone.wait_until("return !document.getElementById('offline').hidden", "the offline notice").await;
    let text = phone.execute("return document.getElementById('offline').textContent").await;
    assert!(text.as_str().unwrap().starts_with("You are offline."), "{text}");
}

#[cfg(feature = "e2e")]
#[tokio::test]
async fn in_chromium_the_player_pauses_seeks_likes_on_a_double_tap_keeps_the_sound_and_obeys_keys() {
    let app = spawn_app().await;
    let (_, nova) = artist(&app, "nova@example.com", "Nova").await;
    for caption in ["first", "second"] {
        assert_eq!(post_bop(&app, &nova, "vertical.mp4", caption).await.0, 201);
    }
    let phone = fan_on_a_phone(&app).await;
    let playing = "const v = document.querySelector('.bop video'); return !!v && !v.paused && v.currentTime > 0";
    phone.wait_until(playing, "the first Bop to play").await;

    // One tap pauses, another plays.
    phone.execute("document.querySelector('.bop video').click()").await;
    phone.wait_until("return document.querySelector('.bop video').paused", "the pause").await;
    assert_eq!(phone.execute("return document.querySelector('.bop').dataset.paused").await, "true");
    phone.execute("document.querySelector('.bop video').click()").await;
    phone.wait_until(playing, "playing again").await;

    // Two taps like it (and never unlike).
    phone.execute("const v = document.querySelector('.bop video'); v.click(); v.click();").await;
    phone
        .wait_until("return document.querySelector('.bop .like').getAttribute('aria-pressed') === 'true'", "the like")
        .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_likes"), 1);
    assert!(!phone.execute("return document.querySelector('.bop video').paused").await.as_bool().unwrap());

    // The bar seeks.
    phone
        .execute("const s = document.querySelector('.bop .seek'); s.value = 500; s.dispatchEvent(new Event('input'));")
        .await;
    let at = phone.execute("const v = document.querySelector('.bop video'); return v.currentTime / v.duration").await;
    assert!((at.as_f64().unwrap() - 0.5).abs() < 0.1, "{at}");

    // Sound on is kept for every Bop and the next visit; the keyboard turns it off.
    phone.click(".bop .sound").await;
    assert_eq!(phone.execute("return localStorage.getItem('boptone_sound')").await, "on");
    let muted = "return [...document.querySelectorAll('.bop video')].map(v => v.muted)";
    assert_eq!(phone.execute(muted).await, json!([false, false]));
    phone.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'm', bubbles: true}))").await;
    assert_eq!(phone.execute(muted).await, json!([true, true]));
    assert_eq!(phone.execute("return localStorage.getItem('boptone_sound')").await, "off");
    // ↓ goes to the next Bop.
    phone.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}))").await;
    phone
        .wait_until(
            "return Math.abs(document.querySelectorAll('.bop')[1].getBoundingClientRect().top) < 5",
            "the next Bop on screen",
        )
        .await;

    // Reduced motion: nothing plays by itself.
    phone
        .cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}))
        .await;
    phone.goto(&app.url("/app")).await;
    phone.wait_until("return document.querySelectorAll('.bop').length === 2", "the feed").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let at = phone.execute("return document.querySelector('.bop video').currentTime").await;
    assert_eq!(at.as_f64(), Some(0.0), "nothing played by itself");
}
