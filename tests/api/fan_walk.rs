//! Issue 14's Done-when, walked as a new fan would, in headless Chromium on
//! a phone-sized and on a desktop window: sign up on the web, find an artist
//! by search, follow, watch For You, see why a Bop is shown, reply to a
//! comment, play a track, buy a product, tip with a message, share a Bop's
//! link (its page carries the card tags), install the app (manifest,
//! service worker, offline) and sign out.
//!
//! The artist's side is made first through the real app (studio forms and
//! the app surface); after that everything happens in the browser, by
//! clicking and typing, and each step is checked in the page and, where it
//! matters, in the database.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use boptone::identity::domain::Role;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, post_bop, token};
use crate::helpers::{TestApp, client, eventually, link_in_mail};
use crate::webdriver::Driver;

const EMAIL: &str = "walker@example.com";
const PASSWORD: &str = "a new fan's passphrase";

/// What the artist's side made: Nova's two public Bops (the first with
/// comments by Ada and Bob), an album and a tee.
struct World {
    commented: String,
    ada_comment: String,
    product: String,
}

/// Nova, onboarded, with two public Bops, two comments by other fans on the
/// first, a published album (a 20 s track first) and an active tee that
/// ships to the US.
async fn world(app: &TestApp) -> World {
    let (mut studio, nova) = artist(app, "nova@example.com", "Nova").await;
    let mut bops = Vec::new();
    for caption in ["Rooftop take #live", "Night drive with the band"] {
        let (status, bop) = post_bop(app, &nova, "vertical.mp4", caption).await;
        assert_eq!(status, 201, "{bop}");
        assert_eq!(bop["visibility"], "public");
        bops.push(bop["id"].as_str().unwrap().to_owned());
    }
    let thread = format!("/api/v1/bops/{}/comments", bops[0]);
    let mut comments = Vec::new();
    for (email, name, body) in
        [("ada@example.com", "Ada", "That bassline!"), ("bob@example.com", "Bob", "Play this one in Lisbon please")]
    {
        boptone::identity::service::create_named_user_blocking(
            &app.state.db,
            email,
            FAN_PASSWORD,
            Role::Fan,
            Some(name),
        )
        .unwrap();
        let other = token(app, email, FAN_PASSWORD).await;
        let (status, made) = call(app, Some(&other), Method::POST, &thread, Some(json!({"body": body}))).await;
        assert_eq!(status, 201, "{made}");
        comments.push(made["uid"].as_str().unwrap().to_owned());
    }

    let release = crate::music_tracks::album_with_artwork(&mut studio, "Night Buses").await;
    let long = crate::music_tracks::master(boptone::music::audio::synth::WavSpec::CD, 20.0, false);
    for (title, master) in [("Long Ride", long), ("Short Stop", crate::music_tracks::cd_wav())] {
        let page = crate::music_tracks::add_track(&mut studio, &release, title, master, &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let page = studio.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(count_text(app, "SELECT status FROM music_releases"), "published");

    let (product, _) = crate::shop::tee(app, &mut studio, "5").await;
    let zone = [("name", "Domestic"), ("countries", "US"), ("first_item", "5"), ("additional_item", "2.50")];
    assert_eq!(studio.post_form("/studio/shop/shipping", &zone).await.status, 303);
    app.drain_events().await;
    World { commented: bops.swap_remove(0), ada_comment: comments.swap_remove(0), product }
}

fn shot(window: &str, step: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/screenshots/fan-walk-{window}-{step}.png"))
}

/// The text of the element `id` ("" when there is none).
async fn text(driver: &Driver, id: &str) -> String {
    let script = format!("return document.getElementById('{id}')?.textContent ?? ''");
    driver.execute(&script).await.as_str().unwrap_or_default().to_owned()
}

/// The id of the walking fan's row in `users`.
fn fan_user_id(app: &TestApp) -> i64 {
    count(app, &format!("SELECT id FROM users WHERE email = '{EMAIL}'"))
}

/// `content` of the first `<meta {attribute}="{name}">` on a page.
fn meta<'a>(page: &'a str, attribute: &str, name: &str) -> Option<&'a str> {
    let pattern = format!("{attribute}=\"{name}\" content=\"");
    let at = page.find(&pattern)?;
    page[at + pattern.len()..].split('"').next()
}

/// Requests the server has answered on `route` so far (its `/metrics`).
async fn served(app: &TestApp, route: &str) -> u64 {
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let label = format!("route=\"{route}\"");
    metrics
        .lines()
        .filter(|l| l.starts_with("http_requests_total{") && l.contains(&label))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap() as u64)
        .sum()
}

/// What hides a control a fan needs: the app's fixed buttons, the music
/// player's and those of the Bop on screen, each whole on screen, on top
/// at its centre and clear of every other.
const HIDDEN_CONTROLS: &str = "
    // Skip links stay a clipped pixel until focused (the visually-hidden pattern).
    const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1; };
    const bop = [...document.querySelectorAll('#feed .bop')].find((b) => Math.abs(b.getBoundingClientRect().top) < 2);
    const controls = [...document.querySelectorAll('.app-nav, #feed-tabs button, #player button, #player input')]
      .concat(bop ? [...bop.querySelectorAll('button, input, a')] : []).filter(visible);
    const name = (e) => e.id || e.className || e.tagName;
    const problems = [];
    controls.forEach((a, i) => {
      const r = a.getBoundingClientRect();
      if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) problems.push(`${name(a)} is off screen`);
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || !a.contains(hit)) problems.push(`${name(a)} is under ${hit ? name(hit) : 'nothing'}`);
      for (const b of controls.slice(i + 1)) {
        if (a.contains(b) || b.contains(a)) continue;
        const s = b.getBoundingClientRect();
        if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 && s.top < r.bottom - 1) problems.push(`${name(a)} overlaps ${name(b)}`);
      }
    });
    return problems;";

async fn assert_controls_clear(driver: &Driver, when: &str) {
    let problems = driver.execute(HIDDEN_CONTROLS).await;
    assert_eq!(problems, json!([]), "{when}: controls are hidden");
}

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The whole walk in a `width`×`height` window; screenshots are named after `window`.
async fn walk(width: u32, height: u32, window: &str) {
    let app = crate::music_tracks::label_app().await;
    let world = world(&app).await;
    let d = Driver::start(width, height).await;
    let phone = window == "phone";
    if phone {
        // Headless Chromium keeps windows at least 500 px wide: the phone's
        // viewport is set as a phone's (390×844 CSS pixels, mobile).
        let metrics = json!({"width": width, "height": height, "deviceScaleFactor": 2, "mobile": true});
        d.cdp("Emulation.setDeviceMetricsOverride", metrics).await;
    }

    // 1. Sign up on the web: the home page's invitation, the form, the
    //    emailed link, and the app, signed in.
    d.goto(&app.url("/")).await;
    let viewport = d.execute("return [innerWidth, innerHeight]").await;
    let (w, h) = (viewport[0].as_u64().unwrap(), viewport[1].as_u64().unwrap());
    if phone {
        assert_eq!((w, h), (390, 844), "a phone's viewport");
    } else {
        assert!(w == 1280 && h >= 600, "a desktop window's viewport: {viewport}");
    }
    d.click("a[href='/signup']").await;
    d.wait_for_path("/signup").await;
    d.type_into("#email", EMAIL).await;
    d.type_into("#password", PASSWORD).await;
    d.type_into("#display_name", "Walker").await;
    d.screenshot(&shot(window, "01-signup")).await;
    d.click("form[action='/signup'] button[type=submit]").await;
    d.wait_until("return document.body.innerText.includes('Check your email')", "the signup to be sent").await;
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM users WHERE email = '{EMAIL}'")), 0, "not before the link");
    let link = link_in_mail(&app.address, EMAIL, "/signup/confirm/").expect("the confirmation link");
    d.goto(&app.url(&link)).await;
    let confirm = d.execute("return document.querySelector('main').innerText").await;
    let confirm = confirm.as_str().unwrap();
    assert!(!confirm.to_lowercase().contains("payment"), "a fan has no plan to pay for: {confirm}");
    d.type_into("#password", PASSWORD).await;
    d.click("main form[method=post] button[type=submit]").await;
    d.wait_for_path("/app").await;
    d.wait_until(
        "return document.getElementById('login').hidden && !document.getElementById('sign-out').hidden
           && document.querySelectorAll('#feed .bop').length === 2",
        "the app, signed in, with the feed",
    )
    .await;
    let verified = format!(
        "SELECT COUNT(*) FROM users WHERE email = '{EMAIL}' AND role = 'fan' AND display_name = 'Walker' \
         AND email_verified_at IS NOT NULL"
    );
    assert_eq!(count(&app, &verified), 1, "the account, its name, its confirmed address");
    let api_token = d.execute("return localStorage.getItem('boptone_token')").await;
    let api_token = api_token.as_str().expect("the app holds a token").to_owned();
    let (status, me) = call(&app, Some(&api_token), Method::GET, "/api/v1/me", None).await;
    assert_eq!((status.as_u16(), me["display_name"].as_str()), (200, Some("Walker")), "{me}");
    d.screenshot(&shot(window, "01-app")).await;
    assert_controls_clear(&d, "the feed").await;

    // 2. Find the artist with the search sheet and open their page.
    d.click("#search-open").await;
    d.wait_until("return document.getElementById('search-dialog').open", "the search sheet").await;
    d.type_into("#search-q", "nov").await;
    d.wait_until(
        "const h = document.querySelector('#search-results h3');
         return !!h && h.textContent === 'Artists' && h.nextElementSibling.textContent.includes('Nova')",
        "Nova among the artists found",
    )
    .await;
    d.screenshot(&shot(window, "02-search")).await;
    d.click("#search-results h3 + ul.search-list a").await;
    d.wait_until(
        "return document.getElementById('artist-dialog').open
           && document.getElementById('artist-name').textContent === 'Nova'
           && document.querySelectorAll('#artist-bops li').length === 2",
        "Nova's page with their two Bops",
    )
    .await;
    assert_eq!(d.execute("return location.pathname").await, "/app/@nova");

    // 3. Follow: the button and the count change, and the server knows.
    assert_eq!(text(&d, "artist-followers").await, "0 followers");
    assert_eq!(text(&d, "artist-follow").await, "Follow");
    d.click("#artist-follow").await;
    d.wait_until(
        "const b = document.getElementById('artist-follow');
         return b.getAttribute('aria-pressed') === 'true' && b.textContent === 'Following'
           && document.getElementById('artist-followers').textContent === '1 follower'",
        "the follow",
    )
    .await;
    d.screenshot(&shot(window, "03-followed")).await;
    let fan = fan_user_id(&app);
    let following = format!("SELECT following FROM fan_relationships WHERE fan_user_id = {fan}");
    assert!(eventually(Duration::from_secs(5), || count(&app, &following) == 1).await, "the follow is stored");
    assert_eq!(count(&app, "SELECT followers FROM artist_follower_counts"), 1);
    d.click("#artist-dialog .dialog-close button").await;
    d.click("#search-dialog .dialog-close button").await;
    d.wait_until("return !document.querySelector('dialog[open]')", "the sheets to close").await;

    // 4. For You: the tab is on and the Bop on screen plays (muted is fine).
    let for_you =
        d.execute("return document.querySelector('#feed-tabs [data-kind=for_you]').getAttribute('aria-pressed')");
    assert_eq!(for_you.await, "true");
    let playing = "const v = document.querySelector('#feed .bop video');
        return !!v && !v.paused && v.currentTime > 0.3";
    d.wait_until(playing, "the first Bop to play").await;
    let at = d.execute("return document.querySelector('#feed .bop video').currentTime").await.as_f64().unwrap();
    d.wait_until(
        &format!(
            "const v = document.querySelector('#feed .bop video'); return !v.paused && v.currentTime > {at} + 0.5"
        ),
        "the Bop to go on playing",
    )
    .await;
    let viewed = || count(&app, "SELECT COUNT(*) FROM bops_views") >= 1;
    assert!(eventually(Duration::from_secs(15), viewed).await, "the app reported the view");
    d.screenshot(&shot(window, "04-for-you")).await;

    // 5. "Why am I seeing this?" names its factors in words.
    d.click("#feed .bop .why").await;
    d.wait_until(
        "return document.getElementById('why-dialog').open && document.querySelectorAll('#why-list li').length > 0",
        "the reasons",
    )
    .await;
    let reasons = d.execute("return [...document.querySelectorAll('#why-list li')].map(li => li.textContent)").await;
    let named = [
        "Fans are liking, commenting, tipping and watching it",
        "It is new",
        "The artist's fans are loyal",
        "You often watch and support this artist",
        "You follow this artist",
        "It is in genres you like",
        "You have watched it already",
    ];
    for reason in reasons.as_array().unwrap() {
        let reason = reason.as_str().unwrap();
        assert!(named.iter().any(|n| reason.starts_with(n)), "a named factor: {reason} (all: {reasons})");
    }
    d.screenshot(&shot(window, "05-why")).await;
    d.click("#why-dialog .dialog-close button").await;

    // 6. The comments of the Bop that has some: reply to Ada's, and the
    //    reply shows indented under it (Bob's came after hers).
    let bop = format!("#feed .bop[data-id='{}']", world.commented);
    d.click(&format!("{bop} .comment")).await;
    d.wait_until("return document.querySelectorAll('#comments-list li[id^=comment-]').length === 2", "the thread")
        .await;
    let ada = format!("comment-{}", world.ada_comment);
    d.click(&format!("#{ada} .comment-reply")).await;
    d.wait_until(
        "return !document.getElementById('comment-mode').hidden
           && document.getElementById('comment-mode-text').textContent === 'Replying to Ada'",
        "the reply mode",
    )
    .await;
    d.type_into("#comment-body", "Same here, on repeat all week").await;
    d.click("#comment-submit").await;
    d.wait_until(
        "return [...document.querySelectorAll('#comments-list li.reply')].some(li => li.textContent.includes('on repeat all week'))",
        "the reply in the thread",
    )
    .await;
    let placed = d
        .execute(&format!(
            "const parent = document.getElementById('{ada}'), reply = parent.nextElementSibling;
             const left = (li) => li.querySelector('.comment-body').getBoundingClientRect().left;
             return {{ under: !!reply && reply.classList.contains('reply') && reply.textContent.includes('on repeat all week'),
                      indent: reply ? left(reply) - left(parent) : 0,
                      count: document.querySelector(\"{bop} .comment .count\").textContent }};"
        ))
        .await;
    d.screenshot(&shot(window, "06-reply")).await;
    assert_eq!(placed["under"], true, "the reply comes right under Ada's comment: {placed}");
    assert!(placed["indent"].as_f64().unwrap() >= 10.0, "and is indented: {placed}");
    assert_eq!(placed["count"], "3", "the Bop counts the reply: {placed}");
    let parent = count_text(
        &app,
        &format!(
            "SELECT p.uid FROM bops_comments c JOIN bops_comments p ON p.id = c.parent_id \
             WHERE c.user_id = {fan} AND c.body = 'Same here, on repeat all week'"
        ),
    );
    assert_eq!(parent, world.ada_comment, "stored as a reply to Ada's comment");
    d.click("#comments-dialog .dialog-close button").await;

    // 7. Play a track from the artist's music: the player bar shows and plays.
    d.click("#feed .bop .artist-link").await;
    d.wait_until(
        "return document.getElementById('artist-name').textContent === 'Nova'
           && document.getElementById('artist-follow').textContent === 'Following'",
        "Nova's page, followed",
    )
    .await;
    d.click("#artist-music").await;
    d.wait_until("return document.querySelectorAll('#music-list .release').length === 1", "the album").await;
    d.click("#music-list .release").await;
    d.wait_until("return document.querySelectorAll('#music-list .track').length === 2", "its tracks").await;
    d.click("#music-list .track").await;
    d.wait_until(
        "const a = document.getElementById('player-audio');
         return !document.getElementById('player').hidden && !a.paused && a.currentTime > 1",
        "the track to play",
    )
    .await;
    assert_eq!(text(&d, "player-title").await, "Long Ride");
    assert_eq!(text(&d, "player-artist").await, "Nova");
    let started = format!(
        "SELECT COUNT(*) FROM music_plays p JOIN music_tracks t ON t.id = p.track_id \
         WHERE p.listener_id = {fan} AND t.title = 'Long Ride'"
    );
    assert!(eventually(Duration::from_secs(5), || count(&app, &started) == 1).await, "the play is recorded");
    d.click("#music-dialog .dialog-close button").await;
    d.click("#artist-dialog .dialog-close button").await;
    d.screenshot(&shot(window, "07-player")).await;
    assert_controls_clear(&d, "the feed with the music player").await;

    // 8. Buy the tee from the Bop's Shop: cart, address, total, test money, receipt.
    d.click("#feed .bop .shop").await;
    d.wait_until("return document.getElementById('shop-title').textContent === 'Nova · Shop'", "the shop").await;
    d.click("#shop-products .shop-tile").await;
    d.wait_until("return document.getElementById('shop-title').textContent === 'Tour tee'", "the tee").await;
    d.click("#shop-option-0 option[value='Black']").await;
    d.click("#shop-option-1 option[value='M']").await;
    d.wait_until("return document.getElementById('shop-price').textContent.includes('25.00')", "the price").await;
    d.click("#shop-add").await;
    d.wait_until("return !document.getElementById('shop-to-cart').hidden", "the tee in the cart").await;
    d.click("#shop-to-cart").await;
    d.wait_until("return !document.getElementById('shop-checkout').disabled", "checkout to open").await;
    assert!(text(&d, "shop-subtotal").await.contains("25.00"));
    d.click("#shop-checkout").await;
    for (field, value) in [("name", "Walker"), ("line1", "1 Main St"), ("city", "Springfield"), ("country", "US")] {
        d.type_into(&format!("#ship-{field}"), value).await;
    }
    d.click("#shop-review").await;
    d.wait_until("return !document.getElementById('shop-summary').hidden", "the total").await;
    assert!(text(&d, "sum-total").await.contains("30.00"), "$25 and $5 shipping");
    d.click("#shop-pay").await;
    d.wait_until("return !document.getElementById('shop-sandbox').hidden", "the test-money step").await;
    assert!(text(&d, "shop-sandbox").await.contains("TEST MONEY"));
    d.screenshot(&shot(window, "08-pay")).await;
    d.click("#shop-confirm").await;
    d.wait_until("return !document.getElementById('shop-view-receipt').hidden", "the receipt").await;
    let receipt = text(&d, "shop-view-receipt").await;
    assert!(receipt.contains("Paid") && receipt.contains("Tour tee") && receipt.contains("From Nova"), "{receipt}");
    d.screenshot(&shot(window, "08-receipt")).await;
    let order = format!(
        "SELECT COUNT(*) FROM orders o JOIN order_items i ON i.order_id = o.id \
         JOIN product_variants v ON v.id = i.variant_id JOIN products p ON p.id = v.product_id \
         WHERE o.status = 'paid' AND o.fan_user_id = {fan} AND p.uid = '{}' AND i.quantity = 1",
        world.product
    );
    assert_eq!(count(&app, &order), 1, "the paid order is stored");
    d.click("#shop-dialog .dialog-close button").await;

    // 9. Tip with a message: the sheet, test money, thanks, and "My tips".
    d.click("#feed .bop .tip").await;
    d.wait_until("return document.getElementById('tip-title').textContent === 'Tip Nova'", "the tip sheet").await;
    d.type_into("#tip-message", "Saw you live, still buzzing").await;
    d.click("#tip-presets button").await;
    d.wait_until("return !document.getElementById('tip-confirm').hidden", "the test-money step").await;
    assert!(text(&d, "tip-confirm").await.contains("TEST MONEY"));
    // The connection drops as the fan pays: no thanks for a tip that did not go through.
    d.cdp("Network.enable", json!({})).await;
    let offline = json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
    d.cdp("Network.emulateNetworkConditions", offline.clone()).await;
    d.click("#tip-pay").await;
    d.wait_until("return document.getElementById('tip-status').textContent.includes('offline')", "the failed payment")
        .await;
    assert!(!text(&d, "tip-status").await.contains("Thank you"));
    assert_eq!(count_text(&app, "SELECT status FROM bops_tips"), "pending");
    let online = json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
    d.cdp("Network.emulateNetworkConditions", online.clone()).await;
    d.click("#tip-pay").await;
    d.wait_until("return document.getElementById('tip-status').textContent.includes('Thank you')", "the thanks").await;
    d.screenshot(&shot(window, "09-tipped")).await;
    d.click("#tip-dialog .dialog-close button").await;
    d.click("#tips-open").await;
    d.wait_until(
        "return document.getElementById('tips-list').textContent.includes('Saw you live, still buzzing')",
        "the tip in My tips",
    )
    .await;
    let listed = text(&d, "tips-list").await;
    assert!(listed.contains("to Nova") && listed.contains("paid"), "{listed}");
    let tip = format!("SELECT status || ' ' || message FROM bops_tips WHERE fan_user_id = {fan}");
    assert_eq!(count_text(&app, &tip), "succeeded Saw you live, still buzzing");
    d.click("#tips-dialog .dialog-close button").await;
    let music = d.execute("const a = document.getElementById('player-audio'); return [a.paused, a.currentTime]").await;
    assert_eq!(music[0], false, "the music played on through the shop and the tip: {music}");

    // 10. Share the Bop: the app hands out its public page, which carries the cards.
    let first = d.execute("return document.querySelector('#feed .bop').dataset.id").await;
    let first = first.as_str().unwrap().to_owned();
    let expected = app.url(&format!("/bops/{first}"));
    let shared = if phone {
        // A phone's share sheet: what the app hands it is kept.
        d.execute(
            "window.shared = null; navigator.share = (data) => { window.shared = data; return Promise.resolve(); };",
        )
        .await;
        d.click("#feed .bop .share").await;
        d.wait_until("return !!window.shared", "the share sheet").await;
        let data = d.execute("return window.shared").await;
        assert!(data["title"].as_str().unwrap().contains("Nova"), "{data}");
        data["url"].as_str().unwrap().to_owned()
    } else {
        // A desktop without a share sheet: the link goes to the clipboard.
        d.execute("delete Navigator.prototype.share; delete navigator.share;").await;
        let origin = app.url("");
        d.cdp(
            "Browser.grantPermissions",
            json!({"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
        )
        .await;
        d.click("#feed .bop .share").await;
        d.wait_until(
            "return document.getElementById('share-status').textContent.startsWith('Link copied')",
            "the copy",
        )
        .await;
        d.execute("window.clip = null; navigator.clipboard.readText().then((t) => (window.clip = t), (e) => (window.clip = 'error ' + e));")
            .await;
        d.wait_until("return window.clip !== null", "the clipboard").await;
        let clip = d.execute("return window.clip").await;
        assert!(text(&d, "share-status").await.ends_with(&expected));
        clip.as_str().unwrap().to_owned()
    };
    d.screenshot(&shot(window, "10-shared")).await;
    assert_eq!(shared, expected, "the Bop's public page");
    let page = client().get(&shared).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(meta(&page, "property", "og:title").is_some_and(|t| t.starts_with("Nova")), "{page}");
    assert_eq!(meta(&page, "property", "og:url"), Some(expected.as_str()));
    let media = meta(&page, "property", "og:image").or(meta(&page, "property", "og:video"));
    assert!(media.is_some_and(|m| m.starts_with("http")), "an absolute image or video: {page}");
    assert!(meta(&page, "name", "twitter:card").is_some(), "{page}");
    let link = "type=\"application/json+oembed\" href=\"";
    let oembed = page.find(link).expect("the oEmbed link") + link.len();
    let oembed = page[oembed..].split('"').next().unwrap().replace("&amp;", "&").replace("&#x2f;", "/");
    let answer: Value = client().get(&oembed).send().await.unwrap().json().await.unwrap();
    assert_eq!((answer["type"].as_str(), answer["author_name"].as_str()), (Some("link"), Some("Nova")), "{answer}");
    let video = meta(&page, "property", "og:video").unwrap().replace("&#x2f;", "/");
    assert_eq!(client().get(&video).send().await.unwrap().status(), 200, "the card's video opens for anyone");
    // Whoever follows the link (here, the fan) gets from the page into the app on that Bop.
    d.goto(&shared).await;
    d.wait_until(
        "const v = document.querySelector('video.bop-player'); return !!v && v.readyState >= 1",
        "the page's video",
    )
    .await;
    d.screenshot(&shot(window, "10-shared-page")).await;
    d.click("a.button[href^='/app']").await;
    d.wait_for_path(&format!("/app/bops/{first}")).await;
    d.wait_until(
        &format!(
            "const b = document.querySelector('#feed .bop');
             return !!b && b.dataset.id === '{first}' && Math.abs(b.getBoundingClientRect().top) < 2"
        ),
        "the shared Bop on top of the feed",
    )
    .await;

    // 11. Install: the manifest, its icons, the service worker in control,
    //     and /app opening with the network off.
    let href = d.execute("return document.querySelector('link[rel=manifest]').href").await;
    let manifest = client().get(href.as_str().unwrap()).send().await.unwrap();
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json");
    let manifest: Value = manifest.json().await.unwrap();
    assert_eq!(
        (manifest["name"].as_str(), manifest["start_url"].as_str(), manifest["display"].as_str()),
        (Some("Boptone"), Some("/app"), Some("standalone"))
    );
    let icons = manifest["icons"].as_array().unwrap();
    assert!(icons.iter().any(|i| i["sizes"] == "192x192") && icons.iter().any(|i| i["sizes"] == "512x512"));
    for icon in icons {
        let response = app.get(icon["src"].as_str().unwrap()).await;
        assert_eq!(response.status(), 200, "{icon}");
        let side: u32 = icon["sizes"].as_str().unwrap().split('x').next().unwrap().parse().unwrap();
        assert_eq!(png_size(&response.bytes().await.unwrap()), (side, side), "{icon}");
    }
    d.goto(&app.url("/app")).await;
    d.wait_until(
        "return !!navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL.endsWith('/sw.js')",
        "the service worker in control after a reload",
    )
    .await;
    d.wait_until("return document.querySelectorAll('#feed .bop').length === 2", "the feed").await;
    let errors = d.cdp("Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(errors["installabilityErrors"], json!([]), "Chromium would install it: {errors}");
    let before = served(&app, "/app").await;
    d.cdp("Network.emulateNetworkConditions", offline).await;
    d.goto(&app.url("/app")).await;
    d.wait_until("return !document.getElementById('offline').hidden", "the offline notice").await;
    assert!(text(&d, "offline").await.starts_with("You are offline."));
    d.wait_until("return !document.getElementById('feed-empty').hidden", "the feed's own word").await;
    let empty = d
        .execute("const r = document.getElementById('feed-empty').getBoundingClientRect(); return [r.top, r.bottom, innerHeight]")
        .await;
    let empty: Vec<f64> = empty.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(empty[0] >= 0.0 && empty[1] <= empty[2], "the empty feed says so on screen: {empty:?}");
    assert_eq!(text(&d, "feed-empty").await, "You are offline.");
    assert_eq!(d.execute("return document.title").await, "Boptone", "the app's own page, kept");
    d.screenshot(&shot(window, "11-offline")).await;
    assert_eq!(served(&app, "/app").await, before, "the page came from the service worker, not the server");
    d.cdp("Network.emulateNetworkConditions", online).await;
    d.goto(&app.url("/app")).await;
    d.wait_until(
        "return document.getElementById('offline').hidden && document.querySelectorAll('#feed .bop').length === 2",
        "the feed back online",
    )
    .await;

    // 12. Sign out: the token is refused and /app asks to sign in.
    d.click("#sign-out").await;
    d.wait_until(
        "return !document.getElementById('login').hidden && document.getElementById('sign-out').hidden
           && localStorage.getItem('boptone_token') === null",
        "the sign-in form",
    )
    .await;
    assert_eq!(call(&app, Some(&api_token), Method::GET, "/api/v1/me", None).await.0, 401);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM api_tokens WHERE user_id = {fan}")), 0);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM sessions WHERE user_id = {fan}")), 0, "the web session too");
    d.goto(&app.url("/app")).await;
    d.wait_until("return !document.getElementById('login').hidden", "the sign-in form after a reload").await;
    assert_eq!(d.execute("return document.getElementById('app').dataset.session ?? null").await, Value::Null);
    assert_eq!(d.execute("return document.getElementById('feed').hidden").await, true);
    d.screenshot(&shot(window, "12-signed-out")).await;
    drop(d);
    app.stop().await;
}

#[tokio::test]
async fn a_new_fan_walks_the_whole_app_on_a_phone() {
    walk(390, 844, "phone").await;
}

#[tokio::test]
async fn a_new_fan_walks_the_whole_app_on_a_desktop() {
    walk(1280, 800, "desktop").await;
}
