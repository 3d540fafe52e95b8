//! Issue 14 item 4 (comment threads) and the reports issue 15 builds on:
//! the artist pins one comment on top and hides and shows comments from the
//! studio; each comment says whether the viewer likes it and wrote it; fans
//! report what they can see — once, within a budget, never their own.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, post_bop, token};
use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app};

async fn comment(app: &TestApp, who: &str, thread: &str, body: &str, parent: Option<&str>) -> String {
    let (status, created) =
        call(app, Some(who), Method::POST, thread, Some(json!({"body": body, "parent_id": parent}))).await;
    assert_eq!(status, 201, "{created}");
    created["uid"].as_str().unwrap().to_owned()
}

fn bodies(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_artist_pins_hides_and_shows_comments_and_each_says_whose_it_is() {
    let app = spawn_app().await;
    let (mut studio, artist_token) = artist(&app, "pin@example.com", "Pinner").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let bop_id = bop["id"].as_str().unwrap();
    let thread = format!("/api/v1/bops/{bop_id}/comments");
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    let first = comment(&app, &ada, &thread, "first", None).await;
    let second = comment(&app, &bob, &thread, "second", None).await;
    let reply = comment(&app, &artist_token, &thread, "thanks!", Some(&second)).await;
    assert_eq!(call(&app, Some(&ada), Method::POST, &format!("{thread}/{second}/like"), None).await.0, 204);

    // Only the Bop's artist pins, and only a comment, not a reply.
    let pin = |c: &str| format!("{thread}/{c}/pin");
    assert_eq!(call(&app, Some(&ada), Method::POST, &pin(&second), None).await.0, 403);
    assert_eq!(call(&app, Some(&artist_token), Method::POST, &pin(&reply), None).await.0, 422);
    assert_eq!(call(&app, Some(&artist_token), Method::POST, &pin("nope"), None).await.0, 404);
    let (status, pinned) = call(&app, Some(&artist_token), Method::POST, &pin(&second), None).await;
    assert_eq!((status.as_u16(), pinned["pinned"].as_bool()), (200, Some(true)), "{pinned}");

    let (_, page) = call(&app, Some(&ada), Method::GET, &thread, None).await;
    assert_eq!(bodies(&page), ["second", "first", "thanks!"], "the pinned comment leads");
    let items = page["items"].as_array().unwrap();
    assert_eq!((items[0]["liked"].as_bool(), items[0]["mine"].as_bool()), (Some(true), Some(false)));
    assert_eq!((items[1]["liked"].as_bool(), items[1]["mine"].as_bool()), (Some(false), Some(true)));
    assert_eq!(items[2]["by_artist"].as_bool(), Some(true), "the artist's reply is marked");
    assert_eq!(items[0]["by_artist"].as_bool(), Some(false));

    // Page by page, the pinned comment comes once and nothing is skipped.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let (_, page) = call(&app, Some(&bob), Method::GET, &format!("{thread}?limit=1&after={after}"), None).await;
        seen.extend(bodies(&page));
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(seen, ["second", "first", "thanks!"]);

    // Pinning another moves the pin; the studio hides the pinned one (which
    // unpins it) and shows it again.
    call(&app, Some(&artist_token), Method::POST, &pin(&first), None).await;
    let (_, page) = call(&app, Some(&ada), Method::GET, &thread, None).await;
    assert_eq!(bodies(&page), ["first", "second", "thanks!"]);
    let studio_page = studio.get(&format!("/studio/bops/{bop_id}/comments")).await;
    assert_eq!(studio_page.status, 200);
    assert!(studio_page.body.contains("Pinned") && studio_page.body.contains("second"), "{}", studio_page.body);
    let moderate = format!("/studio/bops/{bop_id}/comments/{first}");
    assert_eq!(studio.post_form(&moderate, &[("action", "hide")]).await.status, 303);
    let (_, page) = call(&app, Some(&ada), Method::GET, &thread, None).await;
    assert_eq!(bodies(&page), ["second", "thanks!"]);
    assert_eq!(count(&app, &format!("SELECT comment_count FROM bops_videos WHERE uid = '{bop_id}'")), 2);
    assert!(studio.get(&format!("/studio/bops/{bop_id}/comments")).await.body.contains("Show again"));
    assert_eq!(studio.post_form(&moderate, &[("action", "show")]).await.status, 303);
    let (_, page) = call(&app, Some(&ada), Method::GET, &thread, None).await;
    assert_eq!(bodies(&page), ["first", "second", "thanks!"], "shown again, no longer pinned");
    assert!(page["items"].as_array().unwrap().iter().all(|c| c["pinned"] == false));
    assert_eq!(count(&app, &format!("SELECT comment_count FROM bops_videos WHERE uid = '{bop_id}'")), 3);

    // Bad input changes nothing; another artist cannot moderate here.
    assert_eq!(studio.post_form(&moderate, &[("action", "explode")]).await.status, 422);
    let (mut other, _) = artist(&app, "other@example.com", "Other").await;
    assert_eq!(other.get(&format!("/studio/bops/{bop_id}/comments")).await.status, 403);
    assert_eq!(other.post_form(&moderate, &[("action", "hide")]).await.status, 403);
    let (_, page) = call(&app, Some(&ada), Method::GET, &thread, None).await;
    assert_eq!(bodies(&page).len(), 3);
    app.stop().await;
}

async fn report(app: &TestApp, who: &str, body: Value) -> (u16, Value) {
    let (status, body) = call(app, Some(who), Method::POST, "/api/v1/reports", Some(body)).await;
    (status.as_u16(), body)
}

#[tokio::test]
async fn fans_report_what_they_can_see_once_and_within_a_budget() {
    let app = spawn_app().await;
    let (_studio, artist_token) = artist(&app, "reported@example.com", "Reported").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "look").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    let thread = format!("/api/v1/bops/{bop_id}/comments");
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    let rude = comment(&app, &bob, &thread, "buy followers at spam.example", None).await;

    let (status, reasons) = call(&app, Some(&ada), Method::GET, "/api/v1/reports/reasons", None).await;
    assert_eq!(status, 200);
    assert!(reasons["items"].as_array().unwrap().iter().any(|r| r["code"] == "spam"));

    let (status, made) =
        report(&app, &ada, json!({"kind": "comment", "id": rude, "reason": "spam", "details": "a link farm"})).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!((made["status"].as_str(), made["kind"].as_str()), (Some("open"), Some("comment")));
    let (status, again) = report(&app, &ada, json!({"kind": "comment", "id": rude, "reason": "hate"})).await;
    assert_eq!((status, &again["id"]), (201, &made["id"]), "a second tap is the same report");
    let stored = count_text(&app, "SELECT target_author || ' ' || excerpt || ' ' || link FROM moderation_reports");
    let bob_id = count(&app, "SELECT id FROM users WHERE email = 'bob@example.com'");
    assert_eq!(stored, format!("{bob_id} buy followers at spam.example /bops/{bop_id}#comment-{rude}"));

    let (status, _) = report(&app, &ada, json!({"kind": "bop", "id": bop_id, "reason": "violence"})).await;
    assert_eq!(status, 201);
    let handle = count_text(&app, "SELECT handle FROM artist_profiles");
    let (status, body) =
        report(&app, &ada, json!({"kind": "profile", "id": format!("@{handle}"), "reason": "other"})).await;
    assert_eq!(status, 201, "{body}");

    // Refused, and nothing stored: unknown kinds, reasons and targets, one's
    // own content, control characters, and what the fan may not see.
    let before = count(&app, "SELECT COUNT(*) FROM moderation_reports");
    for (who, body, field) in [
        (&ada, json!({"kind": "video", "id": bop_id, "reason": "spam"}), "kind"),
        (&ada, json!({"kind": "bop", "id": bop_id, "reason": "meh"}), "reason"),
        (&ada, json!({"kind": "bop", "id": "nope", "reason": "spam"}), "id"),
        (&ada, json!({"kind": "track", "id": "nope", "reason": "spam"}), "id"),
        (&ada, json!({"kind": "product", "id": "nope", "reason": "spam"}), "id"),
        (&bob, json!({"kind": "comment", "id": rude, "reason": "spam"}), "id"),
        (&ada, json!({"kind": "bop", "id": bop_id, "reason": "spam", "details": "a\u{0}b"}), "details"),
    ] {
        let (status, answer) = report(&app, who, body).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer["fields"][field].is_string(), "{field}: {answer}");
    }
    let (status, _) = call(&app, None, Method::POST, "/api/v1/reports", Some(json!({}))).await;
    assert_eq!(status, 401);
    call(&app, Some(&bob), Method::DELETE, &format!("{thread}/{rude}"), None).await;
    let (status, _) = report(&app, &bob, json!({"kind": "bop", "id": "x", "reason": "spam"})).await;
    assert_eq!(status, 422);
    let (status, _) = report(&app, &ada, json!({"kind": "comment", "id": rude, "reason": "hate"})).await;
    assert_eq!(status, 422, "a deleted comment cannot be reported again");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM moderation_reports"), before);

    // The fan sees their own reports, and only theirs.
    let (_, mine) = call(&app, Some(&ada), Method::GET, "/api/v1/reports", None).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
    let one = format!("/api/v1/reports/{}", made["id"].as_str().unwrap());
    assert_eq!(call(&app, Some(&ada), Method::GET, &one, None).await.0, 200);
    assert_eq!(call(&app, Some(&bob), Method::GET, &one, None).await.0, 404);

    // A budget per hour: a script cannot bury the label's queue.
    for n in 0..30 {
        let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", &format!("n{n}")).await;
        let (status, _) = report(&app, &bob, json!({"kind": "bop", "id": bop["id"], "reason": "spam"})).await;
        if status == 429 {
            assert_eq!(n, 20, "the 21st report in an hour is refused");
            break;
        }
        assert_eq!(status, 201);
    }
    app.stop().await;
}

#[tokio::test]
async fn the_report_page_asks_for_a_reason_and_thanks_the_fan() {
    let app = spawn_app().await;
    let (_studio, artist_token) = artist(&app, "webrep@example.com", "Web Reported").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    let mut anonymous = Browser::new(&app.address);
    let page = anonymous.get(&format!("/report?kind=bop&id={bop_id}")).await;
    assert!(page.redirect().starts_with("/login"), "sign in first");

    fan(&app, "webfan@example.com");
    let mut browser = Browser::new(&app.address);
    browser.post_form("/login", &[("email", "webfan@example.com"), ("password", FAN_PASSWORD)]).await;
    let form = browser.get(&format!("/report?kind=bop&id={bop_id}")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Report this Bop") && form.body.contains("Spam or a scam"), "{}", form.body);
    let missing = browser.post_form("/report", &[("kind", "bop"), ("id", &bop_id), ("reason", "")]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("Choose a reason"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM moderation_reports"), 0);
    let sent = browser
        .post_form("/report", &[("kind", "bop"), ("id", &bop_id), ("reason", "copyright"), ("details", "my song")])
        .await;
    assert_eq!(sent.status, 200);
    assert!(sent.body.contains("Thank you"));
    assert_eq!(count_text(&app, "SELECT reason || ':' || details FROM moderation_reports"), "copyright:my song");
    app.stop().await;
}
