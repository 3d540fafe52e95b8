//! Issue 14, item 5: search and explore. Artists, public Bops (caption and
//! #hashtag), tracks and products, found by prefix with accents folded;
//! nothing hidden is ever found; FTS5's syntax is only ever text; the
//! rebuild equals the handlers; captions link tags and handles, escaped.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count_text, fan, post_bop, token};
use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::music_money::published_album;
use crate::music_tracks::label_app;
use crate::shop::{activate, add_variant, new_product, tee};

/// `GET /api/v1/search?q=…` without a token; the status and body.
async fn search(app: &TestApp, q: &str) -> (u16, Value) {
    let path = format!("/api/v1/search?q={}", urlencoding(q));
    let (status, body) = call(app, None, Method::GET, &path, None).await;
    (status.as_u16(), body)
}

fn urlencoding(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The values of `key` in the results of one kind.
fn found(body: &Value, kind: &str, key: &str) -> Vec<String> {
    body[kind]
        .as_array()
        .unwrap_or_else(|| panic!("no {kind} in {body}"))
        .iter()
        .map(|item| item[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn found_in(app: &TestApp, q: &str, kind: &str, key: &str) -> Vec<String> {
    let (status, body) = search(app, q).await;
    assert_eq!(status, 200, "{q}: {body}");
    found(&body, kind, key)
}

async fn bop(app: &TestApp, token: &str, caption: &str) -> String {
    let (status, bop) = post_bop(app, token, "vertical.mp4", caption).await;
    assert_eq!(status, 201, "{bop}");
    bop["id"].as_str().unwrap().to_owned()
}

pub async fn bop_with(app: &TestApp, token: &str, caption: &str, visibility: &str) -> String {
    let upload = crate::bops::upload(app, token, &crate::bops::fixture("vertical.mp4"), 64 * 1024).await;
    let body = json!({"upload_id": upload, "caption": caption, "visibility": visibility});
    let (status, bop) = call(app, Some(token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{bop}");
    bop["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn search_finds_every_kind_by_prefix_with_accents_folded() {
    let app = label_app().await;
    let (mut browser, nova) = artist(&app, "beyonce@example.com", "Beyoncé Knowles").await;
    let summer = bop(&app, &nova, "Summer nights in Lagos #SummerVibes with @beyonce_knowles").await;
    let (release, _) = published_album(&app, &mut browser).await;
    let (tee, _) = tee(&app, &mut browser, "5").await;
    app.drain_events().await;

    for q in ["beyo", "BEYONCE", "Beyoncé", "knowl", "beyonce know"] {
        assert_eq!(found_in(&app, q, "artists", "handle").await, ["beyonce_knowles"], "{q}");
    }
    let (_, body) = search(&app, "beyo").await;
    assert_eq!(body["artists"][0]["stage_name"], "Beyoncé Knowles");
    assert_eq!(body["artists"][0]["url"], "/@beyonce_knowles");
    assert!(body["artists"][0]["photo_url"].as_str().unwrap().starts_with("/media/"), "{body}");

    for q in ["summ", "lagos", "nights summer", "#summervib", "#SummerVibes"] {
        assert_eq!(found_in(&app, q, "bops", "id").await, [summer.as_str()], "{q}");
    }
    let (_, body) = search(&app, "summer").await;
    assert_eq!(body["bops"][0]["artist"]["handle"], "beyonce_knowles");
    assert_eq!(body["bops"][0]["url"], format!("/bops/{summer}"));
    assert!(found_in(&app, "#lagos", "bops", "id").await.is_empty(), "lagos is in the caption, not a hashtag");
    assert!(found_in(&app, "#summer", "artists", "id").await.is_empty(), "a #tag looks at hashtags only");

    let (_, body) = search(&app, "@beyonce").await;
    assert_eq!(found(&body, "artists", "handle"), ["beyonce_knowles"]);
    assert!(found(&body, "bops", "id").is_empty() && found(&body, "products", "id").is_empty(), "{body}");

    let (_, body) = search(&app, "last bu").await;
    assert_eq!(found(&body, "tracks", "title"), ["Last Bus"]);
    assert_eq!(body["tracks"][0]["release_id"], release.as_str());
    assert_eq!(body["tracks"][0]["artist"]["name"], "Beyoncé Knowles");
    assert_eq!(found_in(&app, "depot", "tracks", "title").await, ["Depot"]);

    let (_, body) = search(&app, "tour te").await;
    assert_eq!(found(&body, "products", "id"), [tee.as_str()]);
    assert_eq!(
        (body["products"][0]["price_minor"].as_i64(), body["products"][0]["currency"].as_str()),
        (Some(2500), Some("USD"))
    );
    assert_eq!(body["products"][0]["url"], format!("/shop/products/{tee}"));

    let (_, body) = call(&app, None, Method::GET, "/api/v1/search?q=beyo&kind=bops", None).await;
    assert!(found(&body, "artists", "id").is_empty(), "kind=bops: {body}");
    assert_eq!(found(&body, "bops", "id"), [summer], "the caption names the handle");
    app.stop().await;
}

#[tokio::test]
async fn hidden_drafts_deleted_and_suspended_things_are_never_found() {
    let app = label_app().await;
    let (mut browser, nova) = artist(&app, "nova@example.com", "Nova Quasar").await;
    let public = bop(&app, &nova, "Zebra crossing #zebra").await;
    bop_with(&app, &nova, "Zebra for followers #zebra", "followers").await;
    bop_with(&app, &nova, "Zebra in private #zebra", "private").await;
    let draft = new_product(&mut browser, "physical", "Zebra scarf", &[]).await;
    add_variant(&mut browser, &draft, &[], "12.00", "").await;
    let (release, _) = published_album(&app, &mut browser).await;
    app.drain_events().await;
    assert_eq!(found_in(&app, "zebra", "bops", "id").await, [public.as_str()], "only the public Bop");
    assert!(found_in(&app, "zebra", "products", "id").await.is_empty(), "a draft product is not found");
    assert_eq!(found_in(&app, "#zebra", "bops", "id").await, [public.as_str()]);

    // Published, then archived and deleted.
    activate(&mut browser, &draft, "physical", "Zebra scarf", &[]).await;
    app.drain_events().await;
    assert_eq!(found_in(&app, "zebra", "products", "id").await, [draft.as_str()]);
    let page = browser
        .post_form(
            &format!("/studio/shop/products/{draft}"),
            &[("kind", "physical"), ("title", "Zebra scarf"), ("status", "archived")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.drain_events().await;
    assert!(found_in(&app, "zebra", "products", "id").await.is_empty(), "archived");
    activate(&mut browser, &draft, "physical", "Zebra scarf", &[]).await;
    assert_eq!(browser.post_form(&format!("/studio/shop/products/{draft}/delete"), &[]).await.status, 303);
    app.drain_events().await;
    assert!(found_in(&app, "zebra", "products", "id").await.is_empty(), "deleted");

    // A new caption replaces the old words; a deleted Bop goes.
    let page = browser.post_form(&format!("/studio/bops/{public}/caption"), &[("caption", "Okapi walk #okapi")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.drain_events().await;
    assert!(found_in(&app, "zebra", "bops", "id").await.is_empty());
    assert_eq!(found_in(&app, "#okapi", "bops", "id").await, [public.as_str()]);

    // Suspension hides the artist and all their work; reinstating brings it back.
    let uid = count_text(&app, "SELECT uid FROM artist_profiles");
    boptone::identity::service::set_suspended(&app.state, uid.clone(), true).await.unwrap();
    app.drain_events().await;
    for (q, kind) in [("nova", "artists"), ("okapi", "bops"), ("depot", "tracks")] {
        assert!(found_in(&app, q, kind, "id").await.is_empty(), "{q} while suspended");
    }
    boptone::identity::service::set_suspended(&app.state, uid, false).await.unwrap();
    app.drain_events().await;
    assert_eq!(found_in(&app, "nova", "artists", "handle").await, ["nova_quasar"]);
    assert_eq!(found_in(&app, "okapi", "bops", "id").await, [public.as_str()]);

    assert_eq!(browser.post_form(&format!("/studio/bops/{public}/delete"), &[]).await.redirect(), "/studio/bops");
    let page = browser.post_form(&format!("/studio/music/{release}/takedown"), &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.drain_events().await;
    assert!(found_in(&app, "okapi", "bops", "id").await.is_empty(), "deleted");
    assert!(found_in(&app, "depot", "tracks", "id").await.is_empty(), "taken down");
    assert_eq!(count_text(&app, "SELECT count(*) || '' FROM search_tag_days"), "0", "no hashtag counts remain");
    app.stop().await;
}

#[tokio::test]
async fn fts_syntax_is_only_text_and_bad_searches_get_a_clear_422() {
    let app = spawn_app().await;
    let (_, nova) = artist(&app, "nova@example.com", "Nova").await;
    bop(&app, &nova, "Say \"hello\" to NEAR(the) -edge: ^caret *star").await;
    app.drain_events().await;
    let hostile = [
        "\"",
        "\"\"",
        "*",
        "**",
        "NEAR(",
        "NEAR(a b",
        "-",
        "-edge",
        ":",
        "a:b",
        "caption:hello",
        "{caption}:x",
        "^",
        "^caret",
        "(",
        ")",
        "a OR",
        "AND",
        "NOT",
        "a AND OR b",
        "'",
        "\\",
        "%",
        "_",
        "say \"hel",
        "hello\"*",
        "*star",
        "+",
        "#",
        "@",
        "#\"",
        "@*",
        "x\u{0}y",
        "\u{202E}abc",
    ];
    for q in hostile {
        let (status, body) = search(&app, q).await;
        assert_eq!(status, 200, "{q:?}: {body}");
        for kind in ["artists", "bops", "tracks", "products"] {
            assert!(body[kind].is_array(), "{q:?}: {body}");
        }
    }
    assert_eq!(found_in(&app, "NEAR(the", "bops", "caption").await.len(), 1, "the words are still found");
    assert_eq!(found_in(&app, "say \"hello\"", "bops", "caption").await.len(), 1);

    let (status, body) = search(&app, "   ").await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_input")), "{body}");
    assert_eq!(body["fields"]["q"], "Type something to search for.");
    let (status, body) = search(&app, &"a".repeat(101)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"]["q"], "Keep searches to 100 characters.");
    let (status, body) = call(&app, None, Method::GET, "/api/v1/search", None).await;
    assert_eq!(status, 422, "no q: {body}");
    for (query, field) in [("limit=0", "limit"), ("limit=21", "limit"), ("limit=x", "limit"), ("kind=users", "kind")] {
        let (status, body) = call(&app, None, Method::GET, &format!("/api/v1/search?q=nova&{query}"), None).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(body["fields"][field].is_string(), "{query}: {body}");
    }
    let (status, body) = call(&app, None, Method::GET, "/api/v1/search?q=nova&limit=1", None).await;
    assert_eq!(status, 200, "{body}");

    let page = Browser::new(&app.address).get(&format!("/search?q={}", "a".repeat(101))).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Keep searches to 100 characters."), "{}", page.body);
    app.stop().await;
}

/// Search's tables as sorted text, ids of other pillars' rows by uid.
fn dump(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT uid, handle, stage_name, photo_key, completed, suspended, followers FROM search_artists ORDER BY uid",
        "SELECT b.uid, b.id, b.artist_id, b.caption, b.tags, b.poster_key, b.published_at FROM search_bops b ORDER BY uid",
        "SELECT uid, release_uid, artist_id, title FROM search_tracks ORDER BY uid",
        "SELECT uid, id, artist_id, title, tags, price_minor, currency FROM search_products ORDER BY uid",
        "SELECT day, tag, bops FROM search_tag_days ORDER BY day, tag",
        "SELECT day, artist_id, follows, likes FROM search_artist_days ORDER BY day, artist_id",
    ];
    app.state
        .db
        .read_blocking(move |c| {
            let mut out = Vec::new();
            for sql in queries {
                let mut stmt = c.prepare(sql)?;
                let columns = stmt.column_count();
                let rows = stmt.query_map([], |r| {
                    let values: Vec<String> = (0..columns)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                        .collect::<rusqlite::Result<_>>()?;
                    Ok(values.join(" | "))
                })?;
                for row in rows {
                    out.push(row?);
                }
                out.push("--".into());
            }
            Ok(out)
        })
        .unwrap()
}

/// FTS5's own check that each index holds exactly its content table.
fn check_indexes(app: &TestApp) {
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            for fts in ["search_artists_fts", "search_bops_fts", "search_tracks_fts", "search_products_fts"] {
                tx.execute(&format!("INSERT INTO {fts} ({fts}, rank) VALUES ('integrity-check', 1)"), [])?;
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn the_rebuild_equals_what_the_handlers_built() {
    let app = label_app().await;
    let (mut browser, nova) = artist(&app, "nova@example.com", "Nova").await;
    let (_, luna) = artist(&app, "luna@example.com", "Luna Éclair").await;
    let fan_token = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let first = bop(&app, &nova, "First light #dawn #city").await;
    let second = bop(&app, &nova, "Second #dawn").await;
    let third = bop(&app, &luna, "Third #city").await;
    bop_with(&app, &luna, "Hidden #city", "private").await;
    browser.post_form(&format!("/studio/bops/{first}/caption"), &[("caption", "First light again #dusk")]).await;
    browser.post_form(&format!("/studio/bops/{second}/delete"), &[]).await;
    for bop in [&first, &third] {
        call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/bops/{bop}/like"), None).await;
    }
    call(&app, Some(&fan_token), Method::DELETE, &format!("/api/v1/bops/{third}/like"), None).await;
    let luna_uid = count_text(&app, "SELECT uid FROM artist_profiles WHERE handle = 'luna_eclair'");
    let nova_uid = count_text(&app, "SELECT uid FROM artist_profiles WHERE handle = 'nova'");
    for artist in [&luna_uid, &nova_uid] {
        call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/artists/{artist}/follow"), None).await;
    }
    call(&app, Some(&fan_token), Method::DELETE, &format!("/api/v1/artists/{nova_uid}/follow"), None).await;
    published_album(&app, &mut browser).await;
    tee(&app, &mut browser, "4").await;
    let draft = new_product(&mut browser, "digital", "Stems pack", &[]).await;
    add_variant(&mut browser, &draft, &[], "9.00", "").await;
    boptone::identity::service::set_suspended(&app.state, luna_uid, true).await.unwrap();
    app.drain_events().await;

    check_indexes(&app);
    let built = dump(&app);
    assert!(built.iter().any(|row| row.contains("First light again")), "{built:#?}");
    assert!(built.iter().any(|row| row.contains("\"dusk\"")), "{built:#?}");
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            boptone::search::rebuild::rebuild(tx, app.state.clock.now_ms()).map(|_| ())
        })
        .unwrap();
    check_indexes(&app);
    assert_eq!(dump(&app), built);
    assert_eq!(found_in(&app, "first", "bops", "id").await, [first]);
    app.stop().await;
}

#[tokio::test]
async fn explore_shows_the_weeks_trending_hashtags_and_artists() {
    let app = spawn_app().await;
    let (_, nova) = artist(&app, "nova@example.com", "Nova").await;
    let (_, luna) = artist(&app, "luna@example.com", "Luna").await;
    let fan_token = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    bop(&app, &nova, "One #rain #city").await;
    bop(&app, &nova, "Two #rain").await;
    let liked = bop(&app, &luna, "Three #sun").await;
    call(&app, Some(&fan_token), Method::POST, &format!("/api/v1/bops/{liked}/like"), None).await;
    app.drain_events().await;

    let (status, explore) = call(&app, None, Method::GET, "/api/v1/explore", None).await;
    assert_eq!(status, 200, "{explore}");
    let tags: Vec<(String, i64)> = explore["hashtags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["tag"].as_str().unwrap().to_owned(), t["bops"].as_i64().unwrap()))
        .collect();
    assert_eq!(tags, [("rain".into(), 2), ("city".into(), 1), ("sun".into(), 1)]);
    assert_eq!(found(&explore, "artists", "handle"), ["luna", "nova"], "liked first, then the rest");

    let page = Browser::new(&app.address).get("/explore").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("href=\"/search?q=%23rain\"") && page.body.contains("href=\"/@luna\""), "{}", page.body);
    let page = Browser::new(&app.address).get("/search").await;
    assert!(page.body.contains("Trending hashtags"), "an empty search shows explore");

    app.state.clock.advance(8 * 86_400_000);
    let (_, explore) = call(&app, None, Method::GET, "/api/v1/explore", None).await;
    assert_eq!(explore["hashtags"], json!([]), "a week later nothing trends");
    assert_eq!(found(&explore, "artists", "handle").len(), 2, "artists still listed");
    app.stop().await;
}

#[tokio::test]
async fn captions_link_hashtags_and_handles_and_escape_everything_else() {
    let app = spawn_app().await;
    let (_, nova) = artist(&app, "nova@example.com", "Nova").await;
    let hostile = "<img src=x onerror=alert(1)> \"quoted\" #Été_2025 ping @Nova and a@b.c <script>x</script>";
    let id = bop(&app, &nova, hostile).await;
    app.drain_events().await;

    let page = Browser::new(&app.address).get(&format!("/bops/{id}")).await;
    assert_eq!(page.status, 200);
    let caption = page.body.split("<p class=\"caption\">").nth(1).unwrap().split("</p>").next().unwrap();
    assert_eq!(
        caption,
        "&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; \
         <a class=\"hashtag\" href=\"/search?q=%23%C3%89t%C3%A9_2025\">#Été_2025</a> ping \
         <a class=\"mention\" href=\"/@nova\">@nova</a> and a@b.c &lt;script&gt;x&lt;/script&gt;"
    );
    assert!(!page.body.contains("<img src=x") && !page.body.contains("<script>x"));

    let page = Browser::new(&app.address).get("/search?q=%23%C3%A9t%C3%A9_2025").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<a class=\"mention\" href=\"/@nova\">@nova</a>"), "{}", page.body);
    assert!(!page.body.contains("<img src=x") && !page.body.contains("<script>x"));
    app.stop().await;
}

#[tokio::test]
async fn one_address_gets_a_budget_of_searches() {
    let app = spawn_app_with(|c| c.set("search.per_ip_per_minute", 3_i64), None, None).await;
    for _ in 0..3 {
        assert_eq!(search(&app, "nova").await.0, 200);
    }
    let response = crate::helpers::client().get(app.url("/api/v1/search?q=nova")).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(Browser::new(&app.address).get("/search?q=nova").await.status, 429, "the page shares the budget");
    assert_eq!(call(&app, None, Method::GET, "/api/v1/explore", None).await.0, 200, "explore is not a search");
    app.stop().await;
}

#[tokio::test]
async fn the_first_start_after_upgrading_indexes_what_was_there() {
    let app = spawn_app().await;
    let (_, nova) = artist(&app, "nova@example.com", "Nova").await;
    let id = bop(&app, &nova, "Before search existed #old").await;
    app.drain_events().await;
    // As a database migrated to V028 looks: empty search tables, never built.
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            tx.execute_batch(
                "UPDATE search_meta SET built_at = NULL; DELETE FROM search_artists; DELETE FROM search_bops;
                 DELETE FROM search_tag_days;",
            )
        })
        .unwrap();
    assert!(found_in(&app, "before", "bops", "id").await.is_empty());
    let app = app.restart_with(|_| {}).await;
    assert_eq!(found_in(&app, "before", "bops", "id").await, [id.as_str()]);
    assert_eq!(found_in(&app, "#old", "bops", "id").await, [id.as_str()]);
    assert_eq!(found_in(&app, "nova", "artists", "handle").await, ["nova"]);
    app.stop().await;
}

/// In headless Chromium: the feed's caption links, the search sheet a
/// hashtag opens, search as you type and explore.
#[cfg(feature = "e2e")]
#[tokio::test]
async fn a_fan_taps_a_hashtag_in_the_app_and_searches_as_they_type() {
    use crate::webdriver::Driver;
    let app = spawn_app().await;
    let (_, nova) = artist(&app, "nova@example.com", "Nova").await;
    let id = bop(&app, &nova, "Late set with @nova #nightowl <b>bold</b>").await;
    fan(&app, "owl@example.com");
    app.drain_events().await;

    let driver = Driver::start(390, 844).await;
    driver.goto(&app.url("/app")).await;
    driver.type_into("#login-email", "owl@example.com").await;
    driver.type_into("#login-password", FAN_PASSWORD).await;
    driver.click("#login-form button[type=submit]").await;
    driver.wait_until("return !!document.querySelector('.bop .meta a.hashtag')", "the caption's links").await;
    let caption = driver
        .execute(
            "const p = document.querySelector('.bop .meta p');
             return {text: p.textContent, bold: p.querySelector('b') !== null,
                     links: [...p.querySelectorAll('a')].map(a => a.getAttribute('href'))};",
        )
        .await;
    assert_eq!(caption["text"], "Late set with @nova #nightowl <b>bold</b>", "{caption}");
    assert_eq!(caption["bold"], false, "markup in a caption stays text");
    assert_eq!(caption["links"], json!(["/@nova", "/search?q=%23nightowl"]));

    driver.click(".bop .meta a.hashtag").await;
    let watch = format!("return !!document.querySelector('#search-results a[href=\"/bops/{id}\"]')");
    driver.wait_until(&watch, "the hashtag's Bops in the search sheet").await;
    assert_eq!(driver.execute("return document.getElementById('search-q').value").await, "#nightowl");

    driver.clear("#search-q").await;
    driver.type_into("#search-q", "nov").await;
    driver
        .wait_until("return !!document.querySelector('#search-results a[href=\"/@nova\"]')", "the artist found")
        .await;
    driver.clear("#search-q").await;
    driver.execute("document.getElementById('search-q').dispatchEvent(new Event('input'))").await;
    driver
        .wait_until(
            "return document.getElementById('search-results').textContent.includes('#nightowl · 1')",
            "explore while the box is empty",
        )
        .await;
    driver
        .screenshot(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/search.png"))
        .await;
    drop(driver);
    app.stop().await;
}
