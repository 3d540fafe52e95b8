//! Captions on a Bop: an artist attaches a WebVTT file in the studio; a bad
//! one is refused with the reason and nothing is stored; it is served as
//! text/vtt to whoever may see the Bop (a signed link when the Bop is not
//! public), to nobody else, to nobody once the Bop is deleted, and purged
//! with the video.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, fixture, token, upload};
use crate::browser::Browser;
use crate::helpers::{TestApp, client, spawn_app, spawn_app_with};

pub const VTT: &str =
    "WEBVTT\n\n00:00.000 --> 00:02.000\nHello from the studio\n\n00:02.000 --> 00:04.000\nTurn it up\n";

async fn post(app: &TestApp, token: &str, visibility: &str) -> Value {
    let id = upload(app, token, &fixture("vertical.mp4"), 64 * 1024).await;
    let body = json!({"upload_id": id, "caption": "Captioned", "visibility": visibility});
    let (status, bop) = call(app, Some(token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{bop}");
    bop
}

/// Sends the captions form: `lang` and a file (`None`: no file chosen).
pub async fn send(browser: &mut Browser, bop: &str, lang: &str, file: Option<Vec<u8>>) -> crate::browser::Page {
    let file = file.map(|bytes| ("file", bytes, "text/vtt"));
    browser.post_multipart(&format!("/studio/bops/{bop}/captions"), &[("lang", lang)], file).await
}

/// Captions files in the local store.
fn stored_captions(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().unwrap().to_string_lossy().starts_with("captions-") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.data_dir().join("media"), &mut out);
    out
}

async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    client().get(app.url(url)).send().await.unwrap()
}

#[tokio::test]
async fn an_artist_attaches_webvtt_captions_and_a_bad_file_is_refused_with_its_reason_and_nothing_stored() {
    let app = spawn_app().await;
    let (mut studio, artist_token) = artist(&app, "captions@example.com", "Cee Cee").await;
    let bop = post(&app, &artist_token, "public").await;
    let id = bop["id"].as_str().unwrap();
    assert_eq!(bop["captions_url"], Value::Null);
    assert_eq!(bop["captions_lang"], Value::Null);

    let list = studio.get("/studio/bops").await;
    assert!(
        list.body.contains(&format!("href=\"/studio/bops/{id}/captions\">Captions: add a WebVTT file")),
        "{}",
        list.body
    );
    let page = studio.get(&format!("/studio/bops/{id}/captions")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Add captions") && page.body.contains("value=\"en\""), "{}", page.body);

    let mut latin1 = b"WEBVTT\n\n00:00.000 --> 00:01.000\nCaf".to_vec();
    latin1.push(0xe9);
    let mut big = VTT.as_bytes().to_vec();
    big.resize(512 * 1024 + 1, b'\n');
    let srt = b"1\n00:00:01,000 --> 00:00:02,000\nHello\n".to_vec();
    let refused: [(&str, Option<Vec<u8>>, &str); 6] = [
        ("en", Some(srt), "its first line must be “WEBVTT”"),
        ("en", Some(latin1), "Save the captions as UTF-8 text"),
        ("en", Some(big), "Captions files are at most 512 KiB."),
        ("en", Some(b"WEBVTT\n\nNOTE no cues\n".to_vec()), "No captions in that file"),
        ("en", None, "Choose a WebVTT file (.vtt) to upload."),
        (
            "english",
            Some(VTT.as_bytes().to_vec()),
            "Give the language of the captions as a tag such as en, es or pt-BR.",
        ),
    ];
    for (lang, file, reason) in refused {
        let page = send(&mut studio, id, lang, file).await;
        assert_eq!(page.status, 422, "{reason}");
        assert!(page.body.contains(reason), "{reason}: {}", page.body);
        assert!(page.body.contains("aria-invalid=\"true\""), "the field is marked: {}", page.body);
        assert!(stored_captions(&app).is_empty(), "nothing stored for a refused file ({reason})");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos WHERE captions_key IS NOT NULL"), 0);
    }

    // A good file: stored beside the video, given on the app surface, served as WebVTT.
    let page = send(&mut studio, id, "en", Some(VTT.as_bytes().to_vec())).await;
    assert_eq!(page.redirect(), format!("/studio/bops/{id}/captions?done=saved"));
    let stored = stored_captions(&app);
    assert_eq!(stored.len(), 1);
    let video_key = count_text(&app, &format!("SELECT video_key FROM bops_videos WHERE uid = '{id}'"));
    let key = count_text(&app, &format!("SELECT captions_key FROM bops_videos WHERE uid = '{id}'"));
    let (video_dir, _) = video_key.rsplit_once('/').unwrap();
    assert!(key.starts_with(&format!("{video_dir}/captions-")) && key.ends_with(".vtt"), "{key} beside {video_key}");
    let (status, shown) = call(&app, Some(&artist_token), Method::GET, &format!("/api/v1/bops/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["captions_lang"], "en");
    let url = shown["captions_url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/media/{key}"), "a public Bop's captions have a stable link");
    let response = fetch(&app, &url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/vtt; charset=utf-8");
    assert_eq!(response.text().await.unwrap(), VTT);
    let page = studio.get(&format!("/studio/bops/{id}/captions?done=saved")).await;
    assert!(page.body.contains("Captions saved") && page.body.contains("<track kind=\"captions\""), "{}", page.body);
    let public = fetch(&app, &format!("/bops/{id}")).await.text().await.unwrap();
    assert!(
        public.contains(&format!(
            "<track kind=\"captions\" src=\"{url}\" srclang=\"en\" label=\"Captions (en)\" default>"
        )),
        "{public}"
    );

    // Replaced: a new file under a new key, the old one gone.
    let page = send(&mut studio, id, "pt-br", Some(VTT.replace("Hello", "Olá").into_bytes())).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (_, shown) = call(&app, Some(&artist_token), Method::GET, &format!("/api/v1/bops/{id}"), None).await;
    assert_eq!(shown["captions_lang"], "pt-BR");
    let replaced = shown["captions_url"].as_str().unwrap();
    assert_ne!(replaced, url);
    assert!(fetch(&app, replaced).await.text().await.unwrap().contains("Olá"));
    assert_eq!(fetch(&app, &url).await.status(), 404, "the replaced file is gone");
    assert_eq!(stored_captions(&app).len(), 1);
    assert!(studio.get("/studio/bops").await.body.contains("Captions (pt-BR): replace or remove"));

    // Another artist can neither see nor change them.
    let (mut other, _) = artist(&app, "other@example.com", "Other One").await;
    assert_eq!(other.get(&format!("/studio/bops/{id}/captions")).await.status, 404);
    assert_eq!(send(&mut other, id, "en", Some(VTT.as_bytes().to_vec())).await.status, 404);
    assert_eq!(other.post_form(&format!("/studio/bops/{id}/captions/delete"), &[]).await.status, 404);
    assert!(fetch(&app, replaced).await.text().await.unwrap().contains("Olá"));

    // Removed: gone from the Bop, the store and the link.
    let page = studio.post_form(&format!("/studio/bops/{id}/captions/delete"), &[]).await;
    assert_eq!(page.redirect(), format!("/studio/bops/{id}/captions?done=removed"));
    assert_eq!(fetch(&app, replaced).await.status(), 404);
    assert!(stored_captions(&app).is_empty());
    let (_, shown) = call(&app, Some(&artist_token), Method::GET, &format!("/api/v1/bops/{id}"), None).await;
    assert_eq!((shown["captions_url"].clone(), shown["captions_lang"].clone()), (Value::Null, Value::Null));
    app.stop().await;
}

#[tokio::test]
async fn captions_are_served_to_those_who_may_see_the_bop_and_to_nobody_once_it_is_deleted() {
    let app = spawn_app_with(|c| c.media.deleted_retention_days = 0, None, None).await;
    let (mut studio, artist_token) = artist(&app, "followers@example.com", "Close Circle").await;
    let bop = post(&app, &artist_token, "followers").await;
    let id = bop["id"].as_str().unwrap();
    assert_eq!(send(&mut studio, id, "en", Some(VTT.as_bytes().to_vec())).await.status, 303);

    // A fan who does not follow gets neither the Bop nor its captions.
    let fan_token = token(&app, &fan(&app, "outsider@example.com"), FAN_PASSWORD).await;
    let path = format!("/api/v1/bops/{id}");
    assert_eq!(call(&app, Some(&fan_token), Method::GET, &path, None).await.0, 404);
    let key = count_text(&app, &format!("SELECT captions_key FROM bops_videos WHERE uid = '{id}'"));
    assert_eq!(fetch(&app, &format!("/media/{key}")).await.status(), 404, "no link without the signature");

    // A follower gets a signed link that works and is not kept by caches.
    let follow = format!("/api/v1/artists/{}/follow", bop["artist"]["id"].as_str().unwrap());
    call(&app, Some(&fan_token), Method::POST, &follow, None).await;
    let (status, seen) = call(&app, Some(&fan_token), Method::GET, &path, None).await;
    assert_eq!(status, 200, "{seen}");
    let signed = seen["captions_url"].as_str().unwrap().to_owned();
    assert!(signed.starts_with(&format!("/media/{key}?exp=")) && signed.contains("&sig="), "{signed}");
    let response = fetch(&app, &signed).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/vtt; charset=utf-8");
    // The video's signature does not open the captions.
    let (_, video_query) = seen["video_url"].as_str().unwrap().split_once('?').unwrap();
    assert_eq!(fetch(&app, &format!("/media/{key}?{video_query}")).await.status(), 404);

    // Deleted: the link is dead at once, the file goes with the video's purge.
    let page = studio.post_form(&format!("/studio/bops/{id}/delete"), &[]).await;
    assert_eq!(page.redirect(), "/studio/bops");
    assert_eq!(fetch(&app, &signed).await.status(), 404);
    assert_eq!(studio.get(&format!("/studio/bops/{id}/captions")).await.status, 404);
    assert_eq!(stored_captions(&app).len(), 1, "kept until the purge");
    assert_eq!(boptone::bops::access::purge_deleted_media(&app.state).await.unwrap(), 1);
    assert!(stored_captions(&app).is_empty(), "purged with the video");
    app.stop().await;
}
