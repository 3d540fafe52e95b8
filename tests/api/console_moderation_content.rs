//! Issue 15 item 4, each pillar's part: a Bop, a track and a product the
//! label hides are gone wherever fans would meet them (feeds, search, their
//! pages, their media) until the label shows them again; suspending an
//! author, or hiding an artist's page, suspends the account; each leaves
//! its audit row, and the suspended author can still read and appeal.

use reqwest::Method;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, post_bop, token};
use crate::browser::Browser;
use crate::console_moderation::{act, admin, audit_rows, code, decision_link, report};
use crate::helpers::TestApp;
use crate::music_money::published_album;
use crate::music_tracks::label_app;
use crate::shop::tee;

async fn search(app: &TestApp, q: &str) -> String {
    let (status, body) = call(app, None, Method::GET, &format!("/api/v1/search?q={q}"), None).await;
    assert_eq!(status, 200);
    body.to_string()
}

#[tokio::test]
async fn hidden_bops_tracks_and_products_are_gone_everywhere_until_shown_again() {
    let app = label_app().await;
    let (mut studio, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "Moonlight #glow").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    let video = bop["video_url"].as_str().unwrap().to_owned();
    let (release, _) = published_album(&app, &mut studio).await;
    let track = count_text(&app, "SELECT uid FROM music_tracks WHERE title = 'Depot'");
    let (product, _) = tee(&app, &mut studio, "5").await;
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    report(&app, &bob, "bop", &bop_id, "violence", "").await;
    report(&app, &bob, "track", &track, "copyright", "my song").await;
    report(&app, &bob, "product", &product, "spam", "").await;
    app.drain_events().await;
    assert!(search(&app, "moonl").await.contains(&bop_id));
    assert!(search(&app, "depot").await.contains(&track));
    assert!(search(&app, "tour").await.contains(&product));
    assert_eq!(app.get(&video).await.status(), 200);

    let mut label = admin(&app).await;
    let queue = label.get("/admin/moderation").await;
    for shown in ["Moonlight #glow", "Depot", "Tour tee", "my song"] {
        assert!(queue.body.contains(shown), "{shown}: {}", queue.body);
    }
    for (kind, uid) in [("bop", &bop_id), ("track", &track), ("product", &product)] {
        let page =
            act(&mut label, &format!("/admin/moderation/{kind}/{uid}"), "hide", "Against the rules.", &code(&app))
                .await;
        assert_eq!(page.status, 303, "{kind}: {}", page.body);
    }
    app.drain_events().await;
    assert_eq!(audit_rows(&app, "report.hide"), 3);

    // The Bop: not in the feed, search, its page, the app, its media.
    let (_, feed) = call(&app, Some(&bob), Method::GET, "/api/v1/feed", None).await;
    assert!(!feed.to_string().contains(&bop_id), "{feed}");
    assert!(!search(&app, "moonl").await.contains(&bop_id));
    assert_eq!(app.get(&format!("/bops/{bop_id}")).await.status(), 404);
    assert_eq!(call(&app, Some(&bob), Method::GET, &format!("/api/v1/bops/{bop_id}"), None).await.0, 404);
    assert_eq!(call(&app, Some(&artist_token), Method::GET, &format!("/api/v1/bops/{bop_id}"), None).await.0, 404);
    assert!(app.get(&video).await.status().is_client_error(), "the video is refused");
    let own = studio.get("/studio/bops").await;
    assert!(own.body.contains("hidden by the label"), "the artist sees why: {}", own.body);
    // The track: not in search, its link, its release's page.
    assert!(!search(&app, "depot").await.contains(&track));
    assert_eq!(app.get(&format!("/tracks/{track}")).await.status(), 404);
    let release_page = app.get(&format!("/releases/{release}")).await.text().await.unwrap();
    assert!(release_page.contains("Last Bus") && !release_page.contains("Depot"), "{release_page}");
    // The product: off sale, out of search and the shop, even if the artist lists it again.
    assert!(!search(&app, "tour").await.contains(&product));
    assert_eq!(app.get(&format!("/shop/products/{product}")).await.status(), 404);
    let handle = count_text(&app, "SELECT handle FROM artist_profiles");
    let shop = app.get(&format!("/@{handle}/shop")).await.text().await.unwrap();
    assert!(!shop.contains("Tour tee"), "{shop}");
    let status = call(&app, Some(&bob), Method::GET, &format!("/api/v1/products/{product}"), None).await.0;
    assert_eq!(status, 404);

    // Shown again by the label (a reason, no code): back where it was.
    let item = format!("/admin/moderation/bop/{bop_id}");
    let missing = label.post_form(&format!("{item}/unhide"), &[("reason", "")]).await;
    assert_eq!(missing.status, 422);
    let shown = label.post_form(&format!("{item}/unhide"), &[("reason", "Context: a film scene.")]).await;
    assert_eq!(shown.status, 303, "{}", shown.body);
    app.drain_events().await;
    assert_eq!(app.get(&format!("/bops/{bop_id}")).await.status(), 200);
    assert!(search(&app, "moonl").await.contains(&bop_id));
    assert_eq!(app.get(&video).await.status(), 200);
    assert_eq!(audit_rows(&app, "report.unhide"), 1);
    let notices = count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'moderation'");
    assert_eq!(notices, 4, "three hides and a restore, each told to the artist");
    app.stop().await;
}

#[tokio::test]
async fn suspending_the_author_is_audited_and_the_author_can_still_appeal_with_the_emailed_key() {
    let app = label_app().await;
    let (_studio, artist_token) = artist(&app, "host@example.com", "Host").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let thread = format!("/api/v1/bops/{}/comments", bop["id"].as_str().unwrap());
    let spammer = token(&app, &fan(&app, "spam@example.com"), FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    let (_, made) =
        call(&app, Some(&spammer), Method::POST, &thread, Some(serde_json::json!({"body": "cheap pills"}))).await;
    let comment = made["uid"].as_str().unwrap().to_owned();
    report(&app, &bob, "comment", &comment, "spam", "").await;

    let mut label = admin(&app).await;
    let item = format!("/admin/moderation/comment/{comment}");
    let confirm = label.get(&format!("{item}/suspend")).await;
    assert!(confirm.body.contains("Suspend the author?"), "{}", confirm.body);
    let wrong = label.post_form(&format!("{item}/suspend"), &[("reason", "Spam"), ("code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    assert_eq!(audit_rows(&app, "report.suspend_author"), 0);
    let done = act(&mut label, &item, "suspend", "Selling pills in comments.", &code(&app)).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(audit_rows(&app, "report.suspend_author"), 1);
    assert_eq!(count_text(&app, "SELECT action FROM moderation_decisions"), "suspend_author");
    assert_eq!(count_text(&app, "SELECT status FROM moderation_reports"), "actioned");

    // The author's email carries the decision and its key: no sign-in needed.
    let link = decision_link(&app, "spam@example.com");
    let mut author = Browser::new(&app.address);
    let page = author.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Selling pills in comments.") && page.body.contains("suspended your account"));
    let (path, key) = link.split_once("?key=").unwrap();
    let sent = author.post_form(&format!("{path}/appeal"), &[("appeal", "It was a joke."), ("key", key)]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let forged =
        Browser::new(&app.address).post_form(&format!("{path}/appeal"), &[("appeal", "x"), ("key", "nope")]).await;
    assert_eq!(forged.status, 404);

    let uid = path.rsplit('/').next().unwrap();
    let upheld = label
        .post_form(&format!("/admin/moderation/decisions/{uid}"), &[("outcome", "uphold"), ("reason", "Not a joke.")])
        .await;
    assert_eq!(upheld.status, 303, "{}", upheld.body);
    assert_eq!(audit_rows(&app, "appeal.uphold"), 1);
    assert!(app.mails().iter().any(|m| m.contains("upheld its decision") && m.contains("Not a joke.")));
    // The reporter learns nothing of the suspension.
    let (_, mine) = call(&app, Some(&bob), Method::GET, "/api/v1/reports", None).await;
    assert!(!mine.to_string().contains("suspend"), "{mine}");

    // Hiding an artist's page suspends the artist; showing it again reinstates.
    let handle = count_text(&app, "SELECT handle FROM artist_profiles");
    report(&app, &bob, "profile", &format!("@{handle}"), "hate", "the bio").await;
    let item = format!("/admin/moderation/profile/@{handle}");
    let hidden = act(&mut label, &item, "hide", "Hate speech in the bio.", &code(&app)).await;
    assert_eq!(hidden.status, 303, "{}", hidden.body);
    assert_eq!(app.get(&format!("/@{handle}")).await.status(), 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE suspended_at IS NOT NULL"), 1);
    let shown = label.post_form(&format!("{item}/unhide"), &[("reason", "The bio is fixed.")]).await;
    assert_eq!(shown.status, 303, "{}", shown.body);
    assert_eq!(app.get(&format!("/@{handle}")).await.status(), 200);
    assert_eq!((audit_rows(&app, "report.hide"), audit_rows(&app, "report.unhide")), (1, 1));
    app.stop().await;
}
