//! Issue 14, sharing: a Bop's public page, link cards (Open Graph,
//! Twitter) on it and on the artist's page, and oEmbed — with nothing of a
//! followers-only Bop in any preview.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, fan, fixture, token, upload};
use crate::helpers::{client, spawn_app};

async fn bop(app: &crate::helpers::TestApp, artist_token: &str, caption: &str, visibility: &str) -> String {
    let id = upload(app, artist_token, &fixture("vertical.mp4"), 64 * 1024).await;
    let body = json!({"upload_id": id, "caption": caption, "visibility": visibility});
    let (status, made) = call(app, Some(artist_token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{made}");
    made["id"].as_str().unwrap().to_owned()
}

fn meta<'a>(page: &'a str, property: &str) -> Option<&'a str> {
    let pattern = format!("property=\"{property}\" content=\"");
    let at = page.find(&pattern)?;
    page[at + pattern.len()..].split('"').next()
}

#[tokio::test]
async fn a_public_bop_has_its_own_page_with_cards_and_oembed_and_a_followers_only_one_leaks_nothing() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let public = bop(&app, &artist_token, "Night drive <b>live</b>", "public").await;
    let hidden = bop(&app, &artist_token, "for my followers", "followers").await;
    let base = app.state.views.globals().public_url.clone();

    let page = client().get(app.url(&format!("/bops/{public}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert_eq!(meta(&page, "og:title"), Some("Nova: Night drive &lt;b&gt;live&lt;/b&gt;"), "escaped: {page}");
    assert_eq!(meta(&page, "og:url"), Some(format!("{base}/bops/{public}").as_str()));
    // Posted without a poster frame: no frame is made up; the card shows the label's image.
    let image = meta(&page, "og:image").unwrap();
    assert!(image.starts_with(&format!("{base}/assets/icons/app-512.png")), "{image}");
    assert!(meta(&page, "og:video").is_some_and(|u| u.starts_with(&format!("{base}/media/"))));
    assert!(page.contains("application/json+oembed"));
    assert!(!page.contains("<b>live</b>"), "the caption is text");

    // oEmbed: JSON for a public Bop; 404 for anything else; 501 for XML.
    let oembed = |url: String, format: &str| {
        let query = format!(
            "/oembed?url={}&format={format}",
            form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
        );
        client().get(app.url(&query)).send()
    };
    let answer = oembed(format!("{base}/bops/{public}"), "json").await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!((answer["version"].as_str(), answer["type"].as_str()), (Some("1.0"), Some("link")));
    assert_eq!(answer["author_name"], "Nova");
    assert_eq!(answer["provider_url"], base.as_str());
    assert_eq!(oembed(format!("{base}/bops/{public}"), "xml").await.unwrap().status(), 501);
    for url in
        [format!("{base}/bops/{hidden}"), format!("{base}/bops/nope"), format!("https://evil.example/bops/{public}")]
    {
        assert_eq!(oembed(url.clone(), "json").await.unwrap().status(), 404, "{url}");
    }

    // A followers-only Bop: not to strangers; to a follower without media in its cards.
    assert_eq!(client().get(app.url(&format!("/bops/{hidden}"))).send().await.unwrap().status(), 404);
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let artist_uid: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT uid FROM artist_profiles", [], |r| r.get(0))).unwrap();
    call(&app, Some(&ada), Method::POST, &format!("/api/v1/artists/{artist_uid}/follow"), None).await;
    let mut follower = crate::browser::Browser::new(&app.address);
    follower.post_form("/login", &[("email", "ada@example.com"), ("password", FAN_PASSWORD)]).await;
    let seen = follower.get(&format!("/bops/{hidden}")).await;
    assert_eq!(seen.status, 200);
    assert!(
        meta(&seen.body, "og:image").is_none_or(|i| !i.contains("/media/")) && meta(&seen.body, "og:video").is_none(),
        "no signed link in a card (only the label's own image)"
    );

    // The artist's page carries its own card.
    let profile = client().get(app.url("/@nova")).send().await.unwrap().text().await.unwrap();
    assert_eq!(meta(&profile, "og:title"), Some("Nova on Boptone"), "{profile}");
    assert_eq!(meta(&profile, "og:url"), Some(format!("{base}/@nova").as_str()));
    app.stop().await;
}

#[tokio::test]
async fn a_published_release_and_a_product_have_public_pages_with_cards_and_drafts_do_not() {
    let app = crate::music_tracks::label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (release, _) = crate::music_money::published_album(&app, &mut browser).await;
    let page = client().get(app.url(&format!("/releases/{release}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert_eq!(meta(&page, "og:title"), Some("Night Buses by Nova"), "{page}");
    assert!(meta(&page, "og:image").is_some_and(|i| i.starts_with("http")), "an absolute artwork link");
    assert_eq!(meta(&page, "og:url"), Some(app.url(&format!("/releases/{release}")).as_str()));
    assert!(page.contains("Last Bus") && page.contains("Depot"), "the track list");
    assert!(page.contains("href=\"/app/@nova\""));
    assert!(page.contains("application/json+oembed"));

    // oEmbed for the release and for each track's link (which leads to its line).
    let base = app.state.views.globals().public_url.clone();
    let oembed = |url: String, extra: &'static str| {
        let url: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
        client().get(app.url(&format!("/oembed?format=json&url={url}{extra}"))).send()
    };
    let answer: Value = oembed(format!("{base}/releases/{release}"), "").await.unwrap().json().await.unwrap();
    assert_eq!((answer["type"].as_str(), answer["title"].as_str()), (Some("link"), Some("Night Buses by Nova")));
    assert_eq!((answer["thumbnail_width"].as_u64(), answer["author_name"].as_str()), (Some(1400), Some("Nova")));
    let track: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT uid FROM music_tracks WHERE title = 'Depot'", [], |r| r.get(0)))
        .unwrap();
    let answer: Value = oembed(format!("{base}/tracks/{track}"), "&maxwidth=500").await.unwrap().json().await.unwrap();
    assert_eq!(answer["title"], "Depot by Nova");
    assert_eq!(answer["thumbnail_width"], 300, "the small artwork under maxwidth");
    assert!(answer["thumbnail_url"].as_str().unwrap().starts_with(&format!("{base}/media/")));
    let line = client().get(app.url(&format!("/tracks/{track}"))).send().await.unwrap();
    let location = line.headers()["location"].to_str().unwrap();
    assert_eq!(location, format!("/releases/{release}#track-{track}"), "the track link leads to its line");
    for url in [format!("{base}/tracks/nope"), format!("{base}/releases/nope"), format!("{base}/releases/{release}/x")]
    {
        assert_eq!(oembed(url.clone(), "").await.unwrap().status(), 404, "{url}");
    }

    // A draft, an unknown id and a suspended artist's release are not found.
    let draft = crate::music_tracks::album_with_artwork(&mut browser, "Unfinished").await;
    for id in [draft.as_str(), "nope"] {
        assert_eq!(client().get(app.url(&format!("/releases/{id}"))).send().await.unwrap().status(), 404, "{id}");
    }

    // A product's public page answers at /products/{id} as at /shop/products/{id}.
    let (product, _) = crate::shop::tee(&app, &mut browser, "10").await;
    let a = client().get(app.url(&format!("/products/{product}"))).send().await.unwrap();
    assert_eq!(a.status(), 200);
    let b = client().get(app.url(&format!("/shop/products/{product}"))).send().await.unwrap().text().await.unwrap();
    let a = a.text().await.unwrap();
    assert_eq!(meta(&a, "og:title"), meta(&b, "og:title"));

    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE artist_profiles SET suspended_at = 1", [])
        })
        .unwrap();
    assert_eq!(client().get(app.url(&format!("/releases/{release}"))).send().await.unwrap().status(), 404);
    assert_eq!(client().get(app.url(&format!("/tracks/{track}"))).send().await.unwrap().status(), 404);
    assert_eq!(oembed(format!("{base}/tracks/{track}"), "").await.unwrap().status(), 404);
}
