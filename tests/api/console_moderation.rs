//! Issue 15 item 4: the label's side of fans' reports. The queue groups
//! reports per reported thing with its context; the label dismisses them,
//! hides the content (gone everywhere, the artist cannot undo it) or
//! suspends the author, each with an audit row; the author is told and may
//! appeal once; the label upholds or reverses.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, post_bop, token};
use crate::browser::{Browser, Page};
use crate::console_helpers::{ADMIN_PASSWORD, admin_browser_for, fresh_code};
use crate::helpers::{TestApp, spawn_app};

const ADMIN: &str = "moderator@label.example";

/// An admin signed in with both factors, a while ago: destructive actions
/// ask for a fresh authenticator code.
pub async fn admin(app: &TestApp) -> Browser {
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        boptone::identity::service::create_named_user_blocking(
            &db,
            ADMIN,
            ADMIN_PASSWORD,
            boptone::auth::Role::Admin,
            Some("Mo Derator"),
        )
    })
    .await
    .unwrap()
    .unwrap();
    let browser = admin_browser_for(app, ADMIN, ADMIN_PASSWORD).await;
    app.state.clock.advance(11 * 60_000);
    browser
}

/// The authenticator code a destructive action asks for, now.
pub fn code(app: &TestApp) -> String {
    fresh_code(app, ADMIN)
}

/// A fan signed in on the web.
pub async fn web_fan(app: &TestApp, email: &str) -> Browser {
    let mut browser = Browser::new(&app.address);
    browser.get("/login").await;
    let page = browser.post_form("/login", &[("email", email), ("password", FAN_PASSWORD)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    browser
}

pub async fn report(app: &TestApp, who: &str, kind: &str, id: &str, reason: &str, details: &str) {
    let body = json!({"kind": kind, "id": id, "reason": reason, "details": details});
    let (status, made) = call(app, Some(who), Method::POST, "/api/v1/reports", Some(body)).await;
    assert_eq!(status, 201, "{made}");
}

pub fn audit_rows(app: &TestApp, action: &str) -> i64 {
    count(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"))
}

fn comment_bodies(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap().to_owned()).collect()
}

/// The decision link (with its key) in the newest email to `to` that has one.
pub fn decision_link(app: &TestApp, to: &str) -> String {
    let link = crate::helpers::link_in_mail(&app.address, to, "/moderation/decisions/").expect("a decision link");
    // The email is quoted-printable: `=` is written `=3D`.
    link.replace("=3D", "=")
}

pub async fn act(browser: &mut Browser, item: &str, action: &str, reason: &str, code: &str) -> Page {
    browser.get(&format!("{item}/{action}")).await;
    browser.post_form(&format!("{item}/{action}"), &[("reason", reason), ("code", code)]).await
}

/// Issue 15's Done-when: handle a fan's report by hiding a comment.
#[tokio::test]
async fn the_label_hides_a_reported_comment_and_the_author_appeals_once() {
    let app = spawn_app().await;
    let (mut studio, artist_token) = artist(&app, "stage@example.com", "Stage Name").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    let thread = format!("/api/v1/bops/{bop_id}/comments");
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    let (_, made) = call(&app, Some(&ada), Method::POST, &thread, Some(json!({"body": "you all <b>stink</b>"}))).await;
    let rude = made["uid"].as_str().unwrap().to_owned();
    report(&app, &bob, "comment", &rude, "harassment", "aimed at the other fans").await;

    // The queue shows it with its context: excerpt (escaped), link, author, reason, the fan's words.
    let mut label = admin(&app).await;
    let queue = label.get("/admin/moderation").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    for shown in
        ["you all &lt;b&gt;stink&lt;/b&gt;", "ada@example.com", "Harassment or bullying", "aimed at the other fans"]
    {
        assert!(queue.body.contains(shown), "{shown}: {}", queue.body);
    }
    assert!(queue.body.contains(&format!("/bops/{bop_id}#comment-{rude}")), "the link");
    let item = format!("/admin/moderation/comment/{rude}");
    assert!(queue.body.contains(&item));
    let page = label.get(&item).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("aimed at the other fans") && page.body.contains("Hide it"), "{}", page.body);
    let confirm = label.get(&format!("{item}/hide")).await;
    assert!(confirm.body.contains("Hide this comment?") && confirm.body.contains("name=\"code\""), "{}", confirm.body);

    // A wrong code or an empty reason changes nothing.
    let wrong = label.post_form(&format!("{item}/hide"), &[("reason", "Harassment"), ("code", "000000")]).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("id=\"code-error\""), "{}", wrong.body);
    let empty = label.post_form(&format!("{item}/hide"), &[("reason", "  "), ("code", &code(&app))]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Say why"), "{}", empty.body);
    let (_, page) = call(&app, Some(&bob), Method::GET, &thread, None).await;
    assert_eq!(comment_bodies(&page).len(), 1, "still there");
    assert_eq!(audit_rows(&app, "report.hide"), 0);

    // Hidden with a reason and the code: gone from the thread for everyone.
    let hidden = act(&mut label, &item, "hide", "Insults other fans (rule 2).", &code(&app)).await;
    assert_eq!(hidden.status, 303, "{}", hidden.body);
    for who in [&bob, &ada, &artist_token] {
        let (_, page) = call(&app, Some(who), Method::GET, &thread, None).await;
        assert!(comment_bodies(&page).is_empty(), "{page}");
    }
    assert_eq!(count(&app, &format!("SELECT comment_count FROM bops_videos WHERE uid = '{bop_id}'")), 0);
    assert_eq!(audit_rows(&app, "report.hide"), 1);
    assert_eq!(
        count_text(&app, "SELECT reason FROM audit_log WHERE action = 'report.hide'"),
        "Insults other fans (rule 2)."
    );
    assert_eq!(count_text(&app, "SELECT status FROM moderation_reports"), "actioned");
    // The artist cannot show again what the label hid.
    let studio_page = studio.get(&format!("/studio/bops/{bop_id}/comments")).await;
    assert!(!studio_page.body.contains("stink"), "not in the artist's hidden list");
    studio.post_form(&format!("/studio/bops/{bop_id}/comments/{rude}"), &[("action", "show")]).await;
    let (_, page) = call(&app, Some(&bob), Method::GET, &thread, None).await;
    assert!(comment_bodies(&page).is_empty(), "still hidden");
    // The reporter sees their report handled, not what was done.
    let (_, mine) = call(&app, Some(&bob), Method::GET, "/api/v1/reports", None).await;
    assert_eq!(mine["items"][0]["status"], "actioned");

    // The author is told, in the app and by email, with a link to appeal.
    let (_, notices) = call(&app, Some(&ada), Method::GET, "/api/v1/notifications", None).await;
    assert!(notices.to_string().contains("The label hid your comment"), "{notices}");
    let link = decision_link(&app, "ada@example.com");
    let (path, _) = link.split_once('?').unwrap();
    let mut author = web_fan(&app, "ada@example.com").await;
    let decision = author.get(path).await;
    assert_eq!(decision.status, 200);
    assert!(decision.body.contains("Insults other fans (rule 2).") && decision.body.contains("Send my appeal"));
    // Only the author: another fan gets 404, a stranger signs in first, the email's key opens it.
    assert_eq!(web_fan(&app, "bob@example.com").await.get(path).await.status, 404);
    let stranger = Browser::new(&app.address).get(path).await;
    assert!(stranger.status == 303 && stranger.redirect().starts_with("/login"), "{}", stranger.redirect());
    assert_eq!(Browser::new(&app.address).get(&format!("{path}?key=wrong")).await.status, 404);
    assert_eq!(Browser::new(&app.address).get(&link).await.status, 200);

    let appeal = format!("{path}/appeal");
    let empty = author.post_form(&appeal, &[("appeal", "")]).await;
    assert_eq!(empty.status, 422);
    let sent = author.post_form(&appeal, &[("appeal", "I was quoting a song lyric.")]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Your appeal is sent"));
    let again = author.post_form(&appeal, &[("appeal", "Please!")]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("appealed this decision already"), "{}", again.body);
    assert_eq!(count_text(&app, "SELECT appeal_text FROM moderation_decisions"), "I was quoting a song lyric.");

    // The appeal waits in the queue; the label reverses: the comment is back, the author told.
    let appealed = label.get("/admin/moderation?filter=appealed").await;
    assert!(appealed.body.contains("I was quoting") || appealed.body.contains(&item), "{}", appealed.body);
    let page = label.get(&item).await;
    assert!(page.body.contains("I was quoting a song lyric."), "{}", page.body);
    let uid = path.rsplit('/').next().unwrap();
    let answer = format!("/admin/moderation/decisions/{uid}");
    let missing = label.post_form(&answer, &[("outcome", "reverse"), ("reason", "")]).await;
    assert_eq!(missing.status, 422);
    let reversed = label.post_form(&answer, &[("outcome", "reverse"), ("reason", "Fair: it is a lyric.")]).await;
    assert_eq!(reversed.status, 303, "{}", reversed.body);
    let (_, page) = call(&app, Some(&bob), Method::GET, &thread, None).await;
    assert_eq!(comment_bodies(&page), ["you all <b>stink</b>"]);
    assert_eq!(audit_rows(&app, "appeal.reverse"), 1);
    let twice = label.post_form(&answer, &[("outcome", "uphold"), ("reason", "No.")]).await;
    assert_eq!(twice.status, 422, "answered once");
    let (_, notices) = call(&app, Some(&ada), Method::GET, "/api/v1/notifications", None).await;
    assert!(notices.to_string().contains("the label reversed its decision"), "{notices}");
    assert!(app.mails().iter().any(|m| m.contains("reversed its decision")));
    assert!(label.get("/admin/moderation?filter=appealed").await.body.contains("No appeals are waiting"));
    app.stop().await;
}

#[tokio::test]
async fn dismissing_closes_the_reports_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let (_studio, artist_token) = artist(&app, "calm@example.com", "Calm").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "sunset").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    let bob = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    let eve = token(&app, &fan(&app, "eve@example.com"), FAN_PASSWORD).await;
    report(&app, &bob, "bop", &bop_id, "spam", "").await;
    report(&app, &eve, "bop", &bop_id, "other", "looks fine to me actually").await;

    let mut label = admin(&app).await;
    let queue = label.get("/admin/moderation?sort=most").await;
    assert!(queue.body.contains("2 open reports"), "{}", queue.body);
    let item = format!("/admin/moderation/bop/{bop_id}");

    // Bad input: unknown item, unknown kind, bad cursor, bad filter.
    assert_eq!(label.get("/admin/moderation/bop/nope").await.status, 404);
    assert_eq!(label.get(&format!("/admin/moderation/user/{bop_id}")).await.status, 404);
    let broken = label.get("/admin/moderation?after=zzz").await;
    assert_eq!(broken.status, 400);
    assert!(broken.body.contains("page link is broken"), "{}", broken.body);
    let filter = label.get("/admin/moderation?filter=everything").await;
    assert_eq!(filter.status, 400);
    assert!(filter.body.contains("open, resolved or appealed"));
    let before = label.get(&format!("{item}?before=x")).await;
    assert_eq!(before.status, 400);
    let unknown = label.post_form("/admin/moderation/bop/nope/hide", &[("reason", "x"), ("code", &code(&app))]).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM moderation_reports WHERE status = 'open'"), 2);

    let page = label.post_form(&format!("{item}/dismiss"), &[("reason", "Not against the rules.")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM moderation_reports WHERE status = 'dismissed'"), 2);
    assert_eq!(audit_rows(&app, "report.dismiss"), 1);
    let (status, _) = call(&app, Some(&bob), Method::GET, &format!("/api/v1/bops/{bop_id}"), None).await;
    assert_eq!(status, 200, "nothing happens to the Bop");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'moderation'"), 0, "no one is told");
    let again = label.post_form(&format!("{item}/dismiss"), &[]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("no open reports"), "{}", again.body);
    assert_eq!(audit_rows(&app, "report.dismiss"), 1);

    assert!(label.get("/admin/moderation").await.body.contains("No open reports"));
    let resolved = label.get("/admin/moderation?filter=resolved").await;
    assert!(resolved.body.contains(&item), "{}", resolved.body);
    assert!(label.get(&item).await.body.contains("Not against the rules."), "the history");
    app.stop().await;
}

#[tokio::test]
async fn the_moderation_console_is_for_admins_only() {
    let app = spawn_app().await;
    let (mut studio, _) = artist(&app, "art@example.com", "Art").await;
    fan(&app, "fan@example.com");
    let mut fan_browser = web_fan(&app, "fan@example.com").await;
    for path in ["/admin/moderation", "/admin/moderation/bop/x", "/admin/moderation/bop/x/hide"] {
        assert_eq!(studio.get(path).await.status, 403, "{path}");
        assert_eq!(fan_browser.get(path).await.status, 403, "{path}");
        let anonymous = Browser::new(&app.address).get(path).await;
        assert!(anonymous.status == 303 && anonymous.redirect().starts_with("/login"), "{path}");
    }
    let posted = studio.post_form("/admin/moderation/bop/x/hide", &[("reason", "x")]).await;
    assert_eq!(posted.status, 403);
    app.stop().await;
}

#[tokio::test]
async fn the_queue_pages_by_keyset_newest_or_most_reported_first() {
    let app = spawn_app().await;
    fan(&app, "author@example.com");
    app.state
        .db
        .write_blocking(boptone::db::Durability::Normal, |tx| {
            // 30 reported comments: comment n reported n times, the most reported the oldest.
            for n in 1..=30_i64 {
                tx.execute(
                    "INSERT INTO moderation_items (target_kind, target_uid, author_id, excerpt, link, open_reports,
                         total_reports, last_reported_at, updated_at)
                     SELECT 'comment', ?1, id, ?2, '/', ?3, ?3, (31 - ?3) * 1000, 0 FROM users
                     WHERE email = 'author@example.com'",
                    rusqlite::params![format!("c{n:02}"), format!("excerpt number {n:02}"), n],
                )?;
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
    let mut label = admin(&app).await;
    let newest: Vec<i64> = (1..=30).collect();
    let most: Vec<i64> = (1..=30).rev().collect();
    for (sort, expected) in [("newest", newest), ("most", most)] {
        let mut seen = Vec::new();
        let mut next = Some(format!("/admin/moderation?filter=open&sort={sort}"));
        while let Some(path) = next.take() {
            let page = label.get(&path.replace("&amp;", "&")).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let shown: Vec<i64> = page
                .body
                .match_indices("excerpt number ")
                .map(|(i, _)| page.body[i + 15..i + 17].parse().unwrap())
                .collect();
            seen.extend(shown);
            next = page.body.find("More →").map(|end| {
                let start = page.body[..end].rfind("href=\"").unwrap() + 6;
                page.body[start..].split('"').next().unwrap().to_owned()
            });
        }
        assert_eq!(seen, expected, "{sort}: every item once, in order, over two pages");
    }
    app.stop().await;
}
