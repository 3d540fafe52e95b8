//! Phase 1 in a real browser: headless Chromium walks signup → sandbox
//! checkout → setup with a photo → payouts → the finished dashboard.

use std::path::PathBuf;

use crate::browser::png;
use crate::helpers::spawn_app;
use crate::webdriver::Driver;

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

#[tokio::test]
async fn an_artist_onboards_in_headless_chromium_on_a_phone() {
    let app = spawn_app().await;
    let photo = app.dir.path().join("me.png");
    std::fs::write(&photo, png(1000, 700)).unwrap();
    let driver = Driver::start(390, 844).await;

    driver.goto(&app.url("/artist/signup")).await;
    driver.type_into("#email", "browser@example.com").await;
    driver.type_into("#password", "a long enough passphrase").await;
    driver.click("input[name=tier][value=starter]").await;
    driver.click("form[action='/artist/signup'] button[type=submit]").await;
    driver.wait_until("return document.body.innerText.includes('Check your email')", "the signup is sent").await;
    let link = crate::helpers::link_in_mail(&app.address, "browser@example.com", "/artist/signup/confirm/").unwrap();
    driver.goto(&app.url(&link)).await;
    driver.type_into("#password", "a long enough passphrase").await;
    driver.click("main form[method=post] button[type=submit]").await;

    driver.wait_for_path("/sandbox/checkout/").await;
    assert!(driver.source().await.contains("TEST MONEY"));
    driver.click("form[action$='/complete'] button").await;

    driver.wait_for_path("/artist/setup").await;
    driver.type_into("#stage_name", "Chromium Kid").await;
    driver.click("input[name=genres][value='Electronic']").await;
    driver.type_into("#photo", photo.to_str().unwrap()).await;
    driver.screenshot(&screenshots().join("setup.png")).await;
    driver.click("form[enctype='multipart/form-data'] button[type=submit]").await;

    driver.wait_for_path("/artist/payout").await;
    driver.click("form[action='/artist/payout/start'] button").await;
    driver.wait_for_path("/sandbox/connect/").await;
    driver.type_into("#legal_name", "Chromium Kid").await;
    driver.click("form button[type=submit]:not(.link-button)").await;

    driver.wait_for_path("/dashboard").await;
    let dashboard = driver.source().await;
    driver.screenshot(&screenshots().join("dashboard.png")).await;
    assert!(dashboard.contains("Earned today"), "{dashboard}");
    assert!(!dashboard.contains("Finish setting up"), "the checklist gave way to today's figures");
    assert!(dashboard.contains("<svg"), "the QR code is shown");
    assert!(dashboard.contains("/@chromium_kid"), "the handle was suggested from the stage name");

    // The earnings dashboard, empty but whole: the chart and the export form.
    driver.click("a[href='/dashboard/earnings']").await;
    driver.wait_for_path("/dashboard/earnings").await;
    driver.wait_until("return document.querySelector('svg.chart rect') !== null", "the chart is drawn").await;
    let earnings = driver.source().await;
    driver.screenshot(&screenshots().join("earnings.png")).await;
    assert!(earnings.contains("No earnings yet"), "{earnings}");
    assert!(earnings.contains("Fan subscriptions"), "{earnings}");
    driver.click("a[href='/dashboard/earnings?by=month']").await;
    driver.wait_until("return location.search === '?by=month'", "the chart by month").await;
    assert_eq!(driver.source().await.matches("<rect").count(), 12, "a bar per month");
    drop(driver);
    app.stop().await;
}

#[tokio::test]
async fn an_artist_posts_a_bop_and_a_fan_watches_likes_comments_and_tips_it() {
    let app = spawn_app().await;
    crate::browser::onboarded_artist(&app.address, "studio@example.com", "Studio Star").await;
    boptone::identity::service::create_user_blocking(
        &app.state.db,
        "fan@example.com",
        "fan passphrase 1",
        boptone::identity::domain::Role::Fan,
    )
    .unwrap();
    // A 100 MB vertical MP4 (the fixture plus a large `free` box), sent in
    // 8 MiB chunks, so the progress bar moves through real intermediate values.
    let bytes = crate::helpers::padded_vertical_mp4(100 * 1024 * 1024);
    let video = app.dir.path().join("big-vertical.mp4");
    std::fs::write(&video, &bytes).unwrap();

    // The artist, on a laptop: sign in, upload with progress, publish.
    let artist = Driver::start(1280, 900).await;
    artist.goto(&app.url("/login?next=/studio/bops/new")).await;
    artist.type_into("#email", "studio@example.com").await;
    artist.type_into("#password", crate::browser::PASSWORD).await;
    artist.click("form[action='/login'] button[type=submit]").await;
    artist.wait_for_path("/studio/bops/new").await;
    artist
        .execute("window.progressSeen = []; new MutationObserver(() => window.progressSeen.push(document.getElementById('upload-bar').value)).observe(document.getElementById('upload-status'), {childList: true, characterData: true, subtree: true});")
        .await;
    artist.type_into("#video", video.to_str().unwrap()).await;
    artist.wait_until("return document.getElementById('upload-bar').value === 100", "the progress bar to fill").await;
    let seen = artist.execute("return window.progressSeen.filter(v => v > 0 && v < 100).length").await;
    assert!(seen.as_u64().unwrap() > 0, "the bar showed progress before completion");
    artist.wait_until("return !document.getElementById('publish').disabled", "publishing to open").await;
    let status = artist.execute("return document.getElementById('upload-status').textContent").await;
    assert!(status.as_str().unwrap().starts_with("Uploaded"), "{status}");
    artist.wait_until("return document.querySelectorAll('#frames img').length === 4", "poster frames").await;
    artist.screenshot(&screenshots().join("upload.png")).await;
    artist.type_into("#caption", "Made in Chromium #e2e").await;
    artist.click("#publish").await;
    artist
        .wait_until(
            "return location.pathname === '/studio/bops' || !document.getElementById('video-error')?.hidden",
            "publishing",
        )
        .await;
    assert_eq!(artist.execute("return location.pathname").await, "/studio/bops", "{}", artist.source().await);
    let studio = artist.source().await;
    assert!(studio.contains("Made in Chromium #e2e") && studio.contains("/media/posters/"), "{studio}");
    drop(artist);

    // The fan, on a phone: /app signs in through the API and plays the feed.
    let fan = Driver::start(390, 844).await;
    fan.goto(&app.url("/app")).await;
    fan.type_into("#login-email", "fan@example.com").await;
    fan.type_into("#login-password", "fan passphrase 1").await;
    fan.click("#login-form button[type=submit]").await;
    fan.wait_until(
        "const v = document.querySelector('.bop video'); return !!v && v.currentTime > 0",
        "the Bop to play",
    )
    .await;
    fan.click(".bop .like").await;
    fan.wait_until("return document.querySelector('.bop .like').getAttribute('aria-pressed') === 'true'", "the like")
        .await;
    fan.click(".bop .comment").await;
    fan.type_into("#comment-body", "Straight to my heart").await;
    fan.click("#comment-form button[type=submit]").await;
    fan.wait_until(
        "return document.getElementById('comments-list').textContent.includes('Straight to my heart')",
        "the comment",
    )
    .await;
    fan.execute("document.getElementById('comments-dialog').close()").await;
    fan.click(".bop .tip").await;
    let title = fan.execute("return document.getElementById('tip-title').textContent").await;
    assert!(title.as_str().unwrap().starts_with("Tip "), "the tip sheet names the artist: {title}");
    fan.type_into("#tip-message", "Played it ten times").await;
    fan.click("#tip-presets button:nth-child(2)").await;
    // The test-money step shows once the server has started the tip.
    fan.wait_until("return !document.getElementById('tip-confirm').hidden", "the test-money step").await;
    fan.click("#tip-pay").await;
    fan.wait_until(
        "return document.getElementById('tip-status').textContent.includes('Thank you')",
        "the tip to go through",
    )
    .await;
    fan.execute("document.getElementById('tip-dialog').close()").await;
    // "My tips" lists it with its message.
    fan.click("#tips-open").await;
    fan.wait_until(
        "return document.getElementById('tips-list').textContent.includes('Played it ten times')",
        "the tip in My tips",
    )
    .await;
    fan.execute("document.getElementById('tips-dialog').close()").await;
    let view_counted = || {
        app.state
            .db
            .read_blocking(|c| c.query_row("SELECT view_count FROM bops_videos", [], |r| r.get::<_, i64>(0)))
            .unwrap()
            == 1
    };
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(15), view_counted).await,
        "the player reported the view"
    );
    fan.screenshot(&screenshots().join("app.png")).await;
    drop(fan);

    let counts: (i64, i64, i64, i64) = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT like_count, comment_count, tip_count, view_count FROM bops_videos", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
        })
        .unwrap();
    assert_eq!(counts, (1, 1, 1, 1), "likes, comments, tips, views");
    app.stop().await;
}

#[tokio::test]
async fn on_s3_the_browser_uploads_parts_straight_to_the_bucket() {
    let (app, bucket, endpoint) = crate::s3::spawn_s3_app().await;
    // The bucket lets the studio's origin PUT parts and read their ETags.
    let cors = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>\\
        <AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>";
    let response = crate::helpers::client().put(format!("{endpoint}/{bucket}?cors")).body(cors).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    crate::browser::onboarded_artist(&app.address, "s3studio@example.com", "Bucket Star").await;

    let bytes = crate::helpers::padded_vertical_mp4(12 * 1024 * 1024);
    let video = app.dir.path().join("s3-vertical.mp4");
    std::fs::write(&video, &bytes).unwrap();

    let driver = Driver::start(1280, 900).await;
    driver.goto(&app.url("/login?next=/studio/bops/new")).await;
    driver.type_into("#email", "s3studio@example.com").await;
    driver.type_into("#password", crate::browser::PASSWORD).await;
    driver.click("form[action='/login'] button[type=submit]").await;
    driver.wait_for_path("/studio/bops/new").await;
    driver.type_into("#video", video.to_str().unwrap()).await;
    driver.wait_until("return !document.getElementById('publish').disabled", "the upload to finish").await;
    driver.click("#publish").await;
    driver.wait_until("return location.pathname === '/studio/bops'", "publishing").await;
    drop(driver);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        !metrics.contains(r#"method="PUT",route="/studio/uploads/{id}""#),
        "no byte went through the server: {metrics}"
    );
    assert!(metrics.contains(r#"route="/studio/uploads/{id}/complete""#), "{metrics}");
    let key: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT video_key FROM bops_videos", [], |r| r.get(0))).unwrap();
    let stored = app.state.media.get_bytes(&boptone::media::MediaKey::parse(&key).unwrap()).await.unwrap();
    assert!(stored.as_ref() == bytes.as_slice(), "the bucket holds the file");
    app.stop().await;
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Signs `email` in through the login form and lands on `next`.
async fn sign_in(driver: &Driver, app: &crate::helpers::TestApp, email: &str, next: &str) {
    driver.goto(&app.url(&format!("/login?next={next}"))).await;
    driver.type_into("#email", email).await;
    driver.type_into("#password", crate::browser::PASSWORD).await;
    driver.click("form[action='/login'] button[type=submit]").await;
    driver.wait_for_path(next).await;
}

#[tokio::test]
async fn the_fan_app_shows_the_whole_vertical_video_in_a_desktop_window() {
    let app = spawn_app().await;
    let (_studio, artist_token) = crate::bops::artist(&app, "fit@example.com", "Fit Check").await;
    let (status, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "fits").await;
    assert_eq!(status, 201, "{bop}");
    crate::bops::fan(&app, "wide@example.com");

    let fan = Driver::start(1366, 900).await;
    fan.goto(&app.url("/app")).await;
    fan.type_into("#login-email", "wide@example.com").await;
    fan.type_into("#login-password", crate::bops::FAN_PASSWORD).await;
    fan.click("#login-form button[type=submit]").await;
    fan.wait_until("const v = document.querySelector('.bop video'); return !!v && v.videoWidth > 0", "the video").await;
    // Where the picture is drawn: the element's box, scaled per object-fit.
    let drawn = fan
        .execute(
            "const v = document.querySelector('.bop video'); const r = v.getBoundingClientRect();
             const fit = getComputedStyle(v).objectFit;
             const scale = (fit === 'cover' ? Math.max : Math.min)(r.width / v.videoWidth, r.height / v.videoHeight);
             const w = v.videoWidth * scale, h = v.videoHeight * scale;
             return {w, h, top: r.top + (r.height - h) / 2, left: r.left + (r.width - w) / 2,
                     boxHeight: r.height, viewWidth: innerWidth, viewHeight: innerHeight};",
        )
        .await;
    fan.screenshot(&screenshots().join("app-desktop.png")).await;
    let n = |k: &str| drawn[k].as_f64().unwrap();
    assert!(n("viewWidth") > n("viewHeight") && n("viewHeight") >= 700.0, "a landscape desktop window: {drawn}");
    assert!(n("boxHeight") <= n("viewHeight") + 0.5, "the video box is the viewport: {drawn}");
    assert!(n("h") <= n("viewHeight") + 0.5 && n("w") <= n("viewWidth") + 0.5, "all of it is drawn: {drawn}");
    assert!(n("top") >= -0.5 && n("left") >= -0.5, "none of it is off screen: {drawn}");
    assert!(n("h") >= n("viewHeight") - 1.0, "and it fills the height: {drawn}");
    drop(fan);
    app.stop().await;
}

#[tokio::test]
async fn the_upload_page_refuses_horizontal_and_too_long_videos_before_sending_them() {
    let app = spawn_app().await;
    crate::browser::onboarded_artist(&app.address, "early@example.com", "Early Bird").await;
    let driver = Driver::start(1280, 900).await;
    sign_in(&driver, &app, "early@example.com", "/studio/bops/new").await;
    // Counts the uploads the page starts.
    driver
        .execute(
            "window.uploadsStarted = 0; const send = window.fetch;
             window.fetch = (url, options) => {
               if (String(url).startsWith('/studio/uploads?') && options && options.method === 'POST') window.uploadsStarted += 1;
               return send(url, options);
             };",
        )
        .await;

    // A vertical video: progress, poster frames and the cancel button show.
    driver.type_into("#video", &fixture_path("vertical.mp4")).await;
    driver.wait_until("return !document.getElementById('publish').disabled", "the upload to finish").await;
    driver.wait_until("return document.querySelectorAll('#frames img').length === 4", "poster frames").await;
    assert_eq!(boptone::bops::state(&app.state).uploads.open_count(), 1);

    let cleared = "const $ = (id) => document.getElementById(id);
        return $('upload-progress').hidden && $('upload-cancel').hidden && $('poster-field').hidden
          && $('frames').children.length === 0 && $('upload-bar').value === 0 && $('publish').disabled
          && $('upload-status').textContent === '' && $('video').value === '';";
    for (name, why) in [("horizontal.mp4", "640×360 (landscape): Bops are vertical"), ("long.mp4", "200 seconds long")]
    {
        driver.type_into("#video", &fixture_path(name)).await;
        driver
            .wait_until("return !document.getElementById('video-error').hidden", &format!("{name} to be refused"))
            .await;
        let error = driver.execute("return document.getElementById('video-error').textContent").await;
        assert!(error.as_str().unwrap().contains(why), "{name}: {error}");
        assert_eq!(driver.execute(cleared).await, true, "{name}: progress, posters and cancel are cleared");
        // Posters captured for the earlier file must not come back late.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(driver.execute(cleared).await, true, "{name}: still cleared");
    }
    driver.screenshot(&screenshots().join("upload-refused.png")).await;
    assert_eq!(driver.execute("return window.uploadsStarted").await, 1, "only the vertical video was sent");
    let gone = || boptone::bops::state(&app.state).uploads.open_count() == 0;
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), gone).await,
        "the earlier upload is deleted"
    );
    drop(driver);
    app.stop().await;
}

#[tokio::test]
async fn the_setup_page_refuses_an_over_size_photo_before_sending_it() {
    let app = spawn_app().await;
    let mut browser = crate::browser::Browser::new(&app.address);
    let checkout = crate::browser::signed_up(&mut browser, "heavy@example.com").await;
    crate::browser::pay(&mut browser, &checkout).await;
    let mut photo = png(64, 64);
    photo.resize(boptone::identity::photo::MAX_BYTES + 1, 0);
    let path = app.dir.path().join("heavy.png");
    std::fs::write(&path, photo).unwrap();

    let driver = Driver::start(1280, 900).await;
    sign_in(&driver, &app, "heavy@example.com", "/artist/setup").await;
    driver.type_into("#stage_name", "Heavy Frame").await;
    driver.type_into("#photo", path.to_str().unwrap()).await;
    driver.wait_until("return !document.getElementById('photo-error').hidden", "the size error").await;
    let error = driver.execute("return document.getElementById('photo-error').textContent").await;
    assert!(error.as_str().unwrap().contains("at most 10 MiB"), "{error}");
    driver.execute("window.samePage = true").await;
    driver.click("form[enctype='multipart/form-data'] button[type=submit]").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(driver.execute("return window.samePage === true").await, true, "the form was not sent");
    assert!(driver.current_url().await.ends_with("/artist/setup"));
    let saved: bool = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT onboarding_completed FROM artist_profiles", [], |r| r.get(0)))
        .unwrap();
    assert!(!saved, "nothing was saved");
    drop(driver);
    app.stop().await;
}

#[tokio::test]
async fn a_fan_plays_an_album_in_the_app_and_after_30_seconds_the_stream_counts() {
    use boptone::music::audio::synth::{WavSpec, write_wav};
    let app = crate::music_tracks::label_app().await;
    let (mut browser, artist_token) = crate::bops::artist(&app, "nova@example.com", "Nova").await;
    let release = crate::music_tracks::album_with_artwork(&mut browser, "Night Buses").await;
    let master = app.dir.path().join("long.wav");
    write_wav(&master, WavSpec::CD, 33.0, 330.0, 0.3).unwrap();
    let page =
        crate::music_tracks::add_track(&mut browser, &release, "Long Ride", std::fs::read(&master).unwrap(), &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    crate::music_tracks::add_track(&mut browser, &release, "Short Stop", crate::music_tracks::cd_wav(), &[]).await;
    browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    let track: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT uid FROM music_tracks WHERE title = 'Long Ride'", [], |r| r.get(0)))
        .unwrap();
    let id = crate::bops::upload(&app, &artist_token, &crate::bops::fixture("vertical.mp4"), 64 * 1024).await;
    let body = serde_json::json!({ "upload_id": id, "caption": "out now", "track": track });
    let (status, _) =
        crate::bops::call(&app, Some(&artist_token), reqwest::Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201);
    boptone::identity::service::create_user_blocking(
        &app.state.db,
        "listener@example.com",
        "fan passphrase 1",
        boptone::identity::domain::Role::Fan,
    )
    .unwrap();

    let fan = Driver::start(390, 844).await;
    fan.goto(&app.url("/app")).await;
    fan.type_into("#login-email", "listener@example.com").await;
    fan.type_into("#login-password", "fan passphrase 1").await;
    fan.click("#login-form button[type=submit]").await;
    fan.wait_until(
        "const t = document.querySelector('.bop .tagged'); return !!t && !t.hidden",
        "the tagged track on the Bop",
    )
    .await;
    let chip = fan.execute("return document.querySelector('.bop .tagged').textContent").await;
    assert_eq!(chip, "♪ Long Ride");
    fan.click(".bop .music").await;
    fan.wait_until("return document.querySelectorAll('#music-list .release').length === 1", "the artist's releases")
        .await;
    fan.click("#music-list .release").await;
    fan.wait_until("return document.querySelectorAll('#music-list .track').length === 2", "the tracks").await;
    fan.click("#music-list .play-all").await;
    fan.execute("document.getElementById('music-dialog').close()").await;
    fan.wait_until("return document.getElementById('player-audio').currentTime > 1", "the track to play").await;
    let title = fan.execute("return document.getElementById('player-title').textContent").await;
    assert_eq!(title, "Long Ride");
    // Scrolling the feed does not stop the music.
    fan.execute("document.getElementById('feed').scrollBy(0, 400)").await;
    fan.screenshot(&screenshots().join("player.png")).await;
    let counted = || {
        app.state
            .db
            .read_blocking(|c| {
                c.query_row("SELECT COALESCE(SUM(streams), 0) FROM streaming_metrics", [], |r| r.get::<_, i64>(0))
            })
            .unwrap()
            == 1
    };
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(60), counted).await,
        "the stream counted after 30 s"
    );
    let playing = fan.execute("return !document.getElementById('player-audio').paused").await;
    assert_eq!(playing, true);
    // The queue goes on to the next track.
    fan.wait_until("return document.getElementById('player-title').textContent === 'Short Stop'", "the next track")
        .await;
    drop(fan);
    app.stop().await;
}

/// The text of the element `id` on the page.
async fn text_of(driver: &Driver, id: &str) -> String {
    let script = format!("return document.getElementById('{id}').textContent");
    driver.execute(&script).await.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_fan_buys_two_tees_in_the_app_and_pays_with_test_money() {
    let app = spawn_app().await;
    let (mut artist, _) = crate::bops::artist(&app, "merch@example.com", "Merch Star").await;
    let (product, variant) = crate::shop::tee(&app, &mut artist, "5").await;
    let zone = [("name", "Domestic"), ("countries", "US"), ("first_item", "5"), ("additional_item", "2.50")];
    assert_eq!(artist.post_form("/studio/shop/shipping", &zone).await.status, 303);
    crate::bops::fan(&app, "buyer@example.com");

    // The public page's Buy opens the app on the product; signing in keeps it.
    let fan = Driver::start(390, 844).await;
    fan.goto(&app.url(&format!("/shop/products/{product}"))).await;
    fan.click(&format!("#variant option[value='{variant}']")).await;
    fan.screenshot(&screenshots().join("shop-public-product.png")).await;
    fan.click("#buy").await;
    let landed = fan.wait_for_path("/app").await;
    assert!(landed.ends_with(&format!("/app#shop/product/{product}/{variant}")), "{landed}");
    fan.type_into("#login-email", "buyer@example.com").await;
    fan.type_into("#login-password", crate::bops::FAN_PASSWORD).await;
    fan.click("#login-form button[type=submit]").await;
    fan.wait_until("return document.getElementById('shop-title').textContent === 'Tour tee'", "the product sheet")
        .await;
    fan.click("#shop-option-0 option[value='Black']").await;
    fan.click("#shop-option-1 option[value='M']").await;
    fan.wait_until("return document.getElementById('shop-price').textContent.includes('25.00')", "the price").await;
    fan.clear("#shop-quantity").await;
    fan.type_into("#shop-quantity", "2").await;
    fan.screenshot(&screenshots().join("shop-product.png")).await;
    fan.click("#shop-add").await;
    fan.wait_until("return !document.getElementById('shop-to-cart').hidden", "the line in the cart").await;
    fan.click("#shop-to-cart").await;
    fan.wait_until("return document.getElementById('shop-subtotal').textContent.includes('50.00')", "the subtotal")
        .await;
    fan.wait_until("return !document.getElementById('shop-checkout').disabled", "checkout to open").await;
    fan.screenshot(&screenshots().join("shop-cart.png")).await;
    fan.click("#shop-checkout").await;

    // A country the artist does not ship to is refused next to the country.
    for (field, value) in [("name", "Ada Fan"), ("line1", "1 Main St"), ("city", "Springfield"), ("country", "FR")] {
        fan.type_into(&format!("#ship-{field}"), value).await;
    }
    fan.click("#shop-review").await;
    fan.wait_until("return !document.getElementById('ship-country-error').hidden", "the country's error").await;
    assert_eq!(crate::bops::count(&app, "SELECT COUNT(*) FROM orders"), 0, "nothing is held for a refused order");
    fan.clear("#ship-country").await;
    fan.type_into("#ship-country", "US").await;
    fan.click("#shop-review").await;

    // The quoted total with shipping ($5 + $2.50): nothing is held yet.
    fan.wait_until("return !document.getElementById('shop-summary').hidden", "the quoted total").await;
    let form_shown = fan.execute("return document.getElementById('shop-address-form').offsetParent !== null").await;
    assert_eq!(form_shown, serde_json::Value::Bool(false), "the address form makes way for the total");
    assert!(text_of(&fan, "sum-shipping").await.contains("7.50"));
    assert!(text_of(&fan, "sum-total").await.contains("57.50"));
    let pay = text_of(&fan, "shop-pay").await;
    assert!(pay.starts_with("Pay") && pay.contains("57.50"), "{pay}");
    assert_eq!(crate::bops::count(&app, "SELECT COUNT(*) FROM orders"), 0, "a quote starts no order");
    fan.screenshot(&screenshots().join("shop-checkout.png")).await;

    // Pay starts the order (its units held) and shows the payment form;
    // going back from it gives the order up and its units back at once.
    let stock = format!("SELECT inventory FROM product_variants WHERE uid = '{variant}'");
    fan.click("#shop-pay").await;
    fan.wait_until("return !document.getElementById('shop-sandbox').hidden", "the payment form").await;
    assert!(text_of(&fan, "shop-sandbox").await.contains("TEST MONEY — nothing is charged"));
    assert!(text_of(&fan, "shop-confirm").await.contains("57.50"));
    let hold = text_of(&fan, "shop-hold").await;
    assert!(hold.contains("held for 15 more minutes"), "{hold}");
    assert_eq!(crate::bops::count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'pending'"), 1);
    assert_eq!(crate::bops::count(&app, &stock), 3, "two units held");
    fan.screenshot(&screenshots().join("shop-pay.png")).await;
    fan.click("#shop-back").await;
    fan.wait_until("return !document.getElementById('shop-address-form').hidden", "the address again").await;
    let given_up = || crate::bops::count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'expired'") == 1;
    assert!(crate::helpers::eventually(std::time::Duration::from_secs(10), given_up).await, "the order is given up");
    assert_eq!(crate::bops::count(&app, &stock), 5, "its units are back");

    // Again, and this time pay.
    fan.click("#shop-review").await;
    fan.wait_until("return !document.getElementById('shop-summary').hidden", "the quoted total").await;
    assert_eq!(crate::bops::count(&app, "SELECT COUNT(*) FROM orders WHERE status <> 'expired'"), 0);
    fan.click("#shop-pay").await;
    fan.wait_until("return !document.getElementById('shop-sandbox').hidden", "the payment form").await;
    fan.click("#shop-confirm").await;
    fan.wait_until("return !document.getElementById('shop-view-receipt').hidden", "the receipt").await;
    let receipt = text_of(&fan, "shop-view-receipt").await;
    assert!(receipt.contains("Paid") && receipt.contains("Tour tee") && receipt.contains("2 ×"), "{receipt}");
    assert!(receipt.contains("From Merch Star"), "whom it is from: {receipt}");
    fan.screenshot(&screenshots().join("shop-receipt.png")).await;
    let artist_uid = crate::bops::count_text(&app, "SELECT uid FROM artist_profiles");
    let cart = fan.execute(&format!("return localStorage.getItem('boptone_cart_{artist_uid}')")).await;
    assert_eq!(cart, serde_json::Value::Null, "the artist's cart is emptied");

    // "My orders" lists it, from whom, and opens the same receipt.
    fan.execute("document.getElementById('shop-dialog').close()").await;
    fan.click("#orders-open").await;
    fan.wait_until("return document.querySelectorAll('#orders-list button').length === 2", "the orders").await;
    let listed = text_of(&fan, "orders-list").await;
    assert!(listed.contains("Merch Star") && listed.contains("Paid"), "{listed}");
    fan.click("#orders-list button").await;
    fan.wait_until("return document.getElementById('receipt-status').textContent.startsWith('Paid')", "the receipt")
        .await;
    drop(fan);

    let (status, units) = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row(
                "SELECT o.status, SUM(i.quantity) FROM orders o JOIN order_items i ON i.order_id = o.id \
                 WHERE o.status <> 'expired' GROUP BY o.id",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
        })
        .unwrap();
    assert_eq!((status.as_str(), units), ("paid", 2));
    assert_eq!(crate::bops::count(&app, &stock), 3, "the stock went down by 2");
    app.stop().await;
}

#[tokio::test]
async fn a_line_that_sells_out_during_checkout_says_so_and_the_cart_keeps_the_rest() {
    let app = spawn_app().await;
    let (mut artist, artist_token) = crate::bops::artist(&app, "merch@example.com", "Merch Star").await;
    let (product, black_m) = crate::shop::tee(&app, &mut artist, "5").await;
    let black_l = crate::bops::count_text(&app, "SELECT uid FROM product_variants WHERE options = '[\"Black\",\"L\"]'");
    let zone = [("name", "Domestic"), ("countries", "US"), ("first_item", "5"), ("additional_item", "2.50")];
    assert_eq!(artist.post_form("/studio/shop/shipping", &zone).await.status, 303);
    crate::bops::fan(&app, "buyer@example.com");
    let rival = crate::shop::fan_token(&app, "rival@example.com").await;

    // From the artist's Bop in the feed: Shop, then the tee, then Black / L.
    let (status, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "New merch").await;
    assert_eq!(status, 201, "{bop}");
    let fan = Driver::start(390, 844).await;
    fan.goto(&app.url("/app")).await;
    fan.type_into("#login-email", "buyer@example.com").await;
    fan.type_into("#login-password", crate::bops::FAN_PASSWORD).await;
    fan.click("#login-form button[type=submit]").await;
    fan.click(".bop .shop").await;
    fan.wait_until("return document.getElementById('shop-title').textContent === 'Merch Star · Shop'", "the shop")
        .await;
    fan.click("#shop-products .shop-tile").await;
    fan.wait_until("return document.getElementById('shop-title').textContent === 'Tour tee'", "the product").await;
    fan.click("#shop-option-1 option[value='L']").await;
    fan.click("#shop-add").await;
    fan.wait_until("return !document.getElementById('shop-to-cart').hidden", "the first line").await;
    fan.click("#shop-option-1 option[value='M']").await;
    fan.click("#shop-add").await;
    fan.wait_until("return document.getElementById('shop-to-cart').textContent.includes('2 items')", "two lines").await;
    fan.click("#shop-to-cart").await;
    fan.wait_until("return document.querySelectorAll('#shop-cart-lines li').length === 2", "the cart").await;
    fan.wait_until("return !document.getElementById('shop-checkout').disabled", "checkout to open").await;
    fan.click("#shop-checkout").await;
    for (field, value) in [("name", "Ada Fan"), ("line1", "1 Main St"), ("city", "Springfield"), ("country", "US")] {
        fan.type_into(&format!("#ship-{field}"), value).await;
    }

    // Someone else takes the last three Black / L while the fan types.
    let body = serde_json::json!({"items": [{"variant_id": black_l, "quantity": 3}], "shipping_address": crate::shop::address()});
    let (status, _) = crate::bops::call(&app, Some(&rival), reqwest::Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201);
    fan.click("#shop-review").await;
    fan.wait_until("return !document.getElementById('shop-view-cart').hidden", "back to the cart").await;
    fan.wait_until("return document.querySelectorAll('#shop-cart-lines li.problem').length === 1", "the sold-out line")
        .await;
    let problem = fan.execute("return document.querySelector('#shop-cart-lines li.problem').textContent").await;
    let problem = problem.as_str().unwrap();
    assert!(problem.contains("Black / L") && problem.contains("Sold out"), "{problem}");
    assert!(text_of(&fan, "shop-cart-error").await.contains("sold out"));
    assert_eq!(
        fan.execute("return document.getElementById('shop-checkout').disabled").await,
        serde_json::Value::Bool(true)
    );
    fan.screenshot(&screenshots().join("shop-sold-out.png")).await;

    // Removing it leaves the rest, ready to check out.
    fan.click("#shop-cart-lines li.problem button.link").await;
    fan.wait_until("return document.querySelectorAll('#shop-cart-lines li').length === 1", "one line left").await;
    assert!(text_of(&fan, "shop-cart-lines").await.contains("Black / M"));
    assert_eq!(
        fan.execute("return document.getElementById('shop-checkout').disabled").await,
        serde_json::Value::Bool(false)
    );
    let artist_uid = crate::bops::count_text(&app, "SELECT uid FROM artist_profiles");
    let kept = fan
        .execute(&format!(
            "return JSON.parse(localStorage.getItem('boptone_cart_{artist_uid}')).lines.map(l => l.variant_id)"
        ))
        .await;
    assert_eq!(kept, serde_json::json!([black_m]));

    // Pay starts the order; closing the dialog gives it up at once.
    fan.click("#shop-checkout").await;
    fan.click("#shop-review").await;
    fan.wait_until("return !document.getElementById('shop-summary').hidden", "the quoted total").await;
    fan.click("#shop-pay").await;
    fan.wait_until("return !document.getElementById('shop-sandbox').hidden", "the payment form").await;
    let black_m_stock = format!("SELECT inventory FROM product_variants WHERE uid = '{black_m}'");
    assert_eq!(crate::bops::count(&app, &black_m_stock), 4, "one unit held");
    fan.click("#shop-dialog .dialog-close button").await;
    let given_up = || crate::bops::count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'expired'") == 1;
    assert!(crate::helpers::eventually(std::time::Duration::from_secs(10), given_up).await, "the order is given up");
    assert_eq!(crate::bops::count(&app, &black_m_stock), 5, "its unit is back");

    // The public page's Buy link carries the chosen variant, and the sheet
    // marks values that are sold out with the other options as chosen.
    fan.goto(&app.url(&format!("/app#shop/product/{product}/{black_m}"))).await;
    fan.wait_until("return document.getElementById('shop-option-1')?.value === 'M'", "Black / M chosen").await;
    let l = fan.execute("return document.querySelector('#shop-option-1 option[value=\"L\"]').textContent").await;
    assert_eq!(l, "L — sold out");
    drop(fan);
    let holding = crate::bops::count(&app, "SELECT COUNT(*) FROM orders WHERE status = 'pending'");
    assert_eq!(holding, 1, "only the rival's order holds stock");
    app.stop().await;
}

#[tokio::test]
async fn an_artist_imports_from_shopify_sets_stock_ships_and_refunds_in_the_studio() {
    let app = spawn_app().await;
    crate::bops::artist(&app, "shop@example.com", "Shop Star").await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("products_export.csv");
    std::fs::write(
        &csv,
        "Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Status\n\
         hoodie,Hoodie,<p>Warm</p>,Size,M,HOOD-M,shopify,8,40.00,active\n\
         hoodie,,,,L,HOOD-L,shopify,2,40.00,\n\
         pin,Pin,,Title,Default Title,PIN,,,5.00,draft\n",
    )
    .unwrap();
    let artist = Driver::start(1280, 900).await;
    sign_in(&artist, &app, "shop@example.com", "/studio/shop/import").await;
    artist.type_into("#file", csv.to_str().unwrap()).await;
    artist.click("form[action^='/studio/shop/import'] button[type=submit]").await;
    artist.wait_until("return document.body.textContent.includes('2 created, 0 updated')", "the import report").await;
    artist.screenshot(&screenshots().join("shop-import.png")).await;

    // The imported hoodie's M: stock set to 3 on its row.
    artist.click("a[href^='/studio/shop/products/']").await;
    artist.wait_until("return document.querySelectorAll('form.variant-row').length === 3", "the variant rows").await;
    artist.clear("form.variant-row input[name=inventory]").await;
    artist.type_into("form.variant-row input[name=inventory]", "3").await;
    artist.click("form.variant-row button[type=submit]").await;
    artist.wait_until("return document.body.textContent.includes('Variant saved.')", "the saved variant").await;
    let stock =
        |sku: &str| crate::bops::count(&app, &format!("SELECT inventory FROM product_variants WHERE sku = '{sku}'"));
    assert_eq!(stock("HOOD-M"), 3);

    // A fan buys two; the artist ships them and refunds one.
    let variant = crate::bops::count_text(&app, "SELECT uid FROM product_variants WHERE sku = 'HOOD-M'");
    let buyer = crate::shop::fan_token(&app, "buyer@example.com").await;
    let body = serde_json::json!({"items": [{"variant_id": variant, "quantity": 2}], "shipping_address": crate::shop::address()});
    let (_, order) = crate::bops::call(&app, Some(&buyer), reqwest::Method::POST, "/api/v1/orders", Some(body)).await;
    crate::bops::call(&app, Some(&buyer), reqwest::Method::POST, order["confirm_url"].as_str().unwrap(), None).await;
    assert_eq!(stock("HOOD-M"), 1);
    artist.goto(&app.url("/studio/shop/orders")).await;
    artist.click("table.orders a").await;
    artist.type_into("#carrier", "USPS").await;
    artist.type_into("#tracking_number", "9400111899223").await;
    artist.click("form[action$='/ship'] button[type=submit]").await;
    artist.wait_until("return document.body.textContent.includes('Marked as shipped')", "the shipped order").await;
    artist.type_into("input[name^='qty_']", "1").await;
    artist.click("form[action$='/refund'] button[type=submit]:not([name])").await;
    artist.wait_until("return document.body.textContent.includes('Refunded.')", "the refund").await;
    artist.screenshot(&screenshots().join("shop-order-refunded.png")).await;
    assert_eq!(stock("HOOD-M"), 2, "the refunded hoodie is back in stock");
    assert_eq!(crate::bops::count_text(&app, "SELECT status FROM orders"), "shipped");
    assert_eq!(crate::bops::count(&app, "SELECT refunded_minor FROM orders"), 4000);
}
