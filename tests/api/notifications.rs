//! Notifications: the in-app feed (keyset pages, unread count, marking
//! read) on both surfaces, per-kind email and push choices, one-click
//! unsubscribe links from real emails, and the follower notice.

use boptone::db::Durability;
use boptone::identity::domain::Role;
use boptone::notify::{NewNotification, notify};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, call, count, count_text, fan, token};
use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app};

fn user_id(app: &TestApp, email: &str) -> i64 {
    count(app, &format!("SELECT id FROM users WHERE email = '{email}'"))
}

/// A notice as a pillar's handler writes it; returns its id.
fn notice(app: &TestApp, user: i64, kind: &str, title: &str, link: Option<&str>) -> i64 {
    let notice = NewNotification { user_id: user, kind, title, body: "details", link };
    app.state.db.write_blocking(Durability::Normal, |tx| notify(tx, &notice)).unwrap();
    count(app, &format!("SELECT MAX(id) FROM notifications WHERE user_id = {user}"))
}

fn unread(app: &TestApp, user: i64) -> i64 {
    count(app, &format!("SELECT COUNT(*) FROM notifications WHERE user_id = {user} AND read_at IS NULL"))
}

async fn signed_in_fan(app: &TestApp, email: &str) -> Browser {
    let mut browser = Browser::new(&app.address);
    let page = browser.post_form("/login", &[("email", email), ("password", FAN_PASSWORD)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    browser
}

fn ids(page: &Value) -> Vec<i64> {
    page["notifications"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn the_feed_pages_by_cursor_and_marks_read_one_some_or_all() {
    let app = spawn_app().await;
    let ada_token = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    fan(&app, "bob@example.com");
    let (ada, bob) = (user_id(&app, "ada@example.com"), user_id(&app, "bob@example.com"));
    let mine: Vec<i64> = (0..5).map(|n| notice(&app, ada, "new_bop", &format!("Bop {n}"), Some("/app"))).collect();
    notice(&app, bob, "new_bop", "Bob's own", None);

    let (status, first) = call(&app, Some(&ada_token), Method::GET, "/api/v1/notifications?limit=2", None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(ids(&first), [mine[4], mine[3]], "newest first");
    assert_eq!(first["unread_count"], 5);
    let item = &first["notifications"][0];
    assert_eq!(
        (item["kind"].as_str(), item["title"].as_str(), item["body"].as_str(), item["link"].as_str()),
        (Some("new_bop"), Some("Bop 4"), Some("details"), Some("/app"))
    );
    assert!(item["created_at"].as_i64().unwrap() > 0 && item["unread"] == true);
    let mut seen = ids(&first);
    let mut before = first["next_before"].as_i64().expect("a next page");
    loop {
        let path = format!("/api/v1/notifications?limit=2&before={before}");
        let (status, page) = call(&app, Some(&ada_token), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        match page["next_before"].as_i64() {
            Some(next) => before = next,
            None => break,
        }
    }
    assert_eq!(seen, mine.iter().rev().copied().collect::<Vec<_>>(), "every notice once, none of Bob's");

    let (status, marked) = call(
        &app,
        Some(&ada_token),
        Method::POST,
        "/api/v1/notifications/read",
        Some(json!({"ids": [mine[0], mine[1], mine[1]]})),
    )
    .await;
    assert_eq!(status, 200, "{marked}");
    assert_eq!(marked, json!({"unread_count": 3}));
    assert_eq!(unread(&app, ada), 3);
    let (_, count_now) = call(&app, Some(&ada_token), Method::GET, "/api/v1/notifications/unread_count", None).await;
    assert_eq!(count_now, json!({"unread_count": 3}));
    // Marking a read notice again changes nothing.
    let (_, again) =
        call(&app, Some(&ada_token), Method::POST, "/api/v1/notifications/read", Some(json!({"ids": [mine[0]]}))).await;
    assert_eq!(again["unread_count"], 3);

    let (status, all) =
        call(&app, Some(&ada_token), Method::POST, "/api/v1/notifications/read", Some(json!({"all": true}))).await;
    assert_eq!((status, all), (StatusCode::OK, json!({"unread_count": 0})));
    let (_, page) = call(&app, Some(&ada_token), Method::GET, "/api/v1/notifications", None).await;
    assert!(page["notifications"].as_array().unwrap().iter().all(|n| n["unread"] == false), "{page}");
    assert_eq!(page["unread_count"], 0);
    assert_eq!(page["next_before"], Value::Null);
    assert_eq!(unread(&app, bob), 1, "Bob's notice is untouched");
    // The counter agrees with the rows, and a new notice counts.
    notice(&app, ada, "new_bop", "Fresh", None);
    let (_, count_now) = call(&app, Some(&ada_token), Method::GET, "/api/v1/notifications/unread_count", None).await;
    assert_eq!(count_now["unread_count"], 1);
    assert_eq!(count(&app, &format!("SELECT unread FROM notification_unread WHERE user_id = {bob}")), 1);
}

#[tokio::test]
async fn no_one_sees_or_marks_another_users_notices() {
    let app = spawn_app().await;
    fan(&app, "ada@example.com");
    let bob_token = token(&app, &fan(&app, "bob@example.com"), FAN_PASSWORD).await;
    let (ada, bob) = (user_id(&app, "ada@example.com"), user_id(&app, "bob@example.com"));
    let adas = notice(&app, ada, "new_bop", "For Ada only", Some("/app"));
    let bobs = notice(&app, bob, "new_bop", "For Bob", None);

    let (_, page) = call(&app, Some(&bob_token), Method::GET, "/api/v1/notifications", None).await;
    assert_eq!(ids(&page), [bobs]);
    assert!(!page.to_string().contains("For Ada only"));
    // Ada's id alone, or beside one of Bob's: 404, and nothing is marked.
    for body in [json!({"ids": [adas]}), json!({"ids": [bobs, adas]}), json!({"ids": [adas + 1000]})] {
        let (status, answer) =
            call(&app, Some(&bob_token), Method::POST, "/api/v1/notifications/read", Some(body.clone())).await;
        assert_eq!(status, 404, "{body}: {answer}");
        assert_eq!(answer["error"], "not_found");
    }
    assert_eq!((unread(&app, ada), unread(&app, bob)), (1, 1));

    // The web page and its buttons: the same.
    let mut browser = signed_in_fan(&app, "bob@example.com").await;
    let feed = browser.get("/notifications").await;
    assert_eq!(feed.status, 200);
    assert!(feed.body.contains("For Bob") && !feed.body.contains("For Ada only"));
    let page = browser.post_form(&format!("/notifications/{adas}/read"), &[]).await;
    assert_eq!(page.status, 404);
    assert_eq!(browser.post_form("/notifications/not-a-number/read", &[]).await.status, 404);
    browser.post_form("/notifications/read-all", &[]).await;
    assert_eq!((unread(&app, ada), unread(&app, bob)), (1, 0), "Bob's mark-all marks Bob's");
}

#[tokio::test]
async fn bad_feed_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ada_token = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let ada = user_id(&app, "ada@example.com");
    let id = notice(&app, ada, "new_bop", "Keep me unread", None);

    for (query, names) in [
        ("before=abc", "before"),
        ("before=-4", "before"),
        ("before=0", "before"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
    ] {
        let (status, body) =
            call(&app, Some(&ada_token), Method::GET, &format!("/api/v1/notifications?{query}"), None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"], "bad_request");
        assert!(body["message"].as_str().unwrap().contains(names), "{query}: {body}");
    }
    let bodies = [
        json!({}),
        json!({"ids": []}),
        json!({"all": false}),
        json!({"ids": [id], "all": true}),
        json!({"ids": ["one"]}),
        json!({"ids": [0]}),
        json!({"ids": (1..=101).collect::<Vec<i64>>()}),
        json!({"everything": true}),
        json!([id]),
    ];
    for body in bodies {
        let (status, answer) =
            call(&app, Some(&ada_token), Method::POST, "/api/v1/notifications/read", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
    }
    // No body at all.
    let (status, _) = call(&app, Some(&ada_token), Method::POST, "/api/v1/notifications/read", None).await;
    assert_eq!(status, 400);
    assert_eq!(unread(&app, ada), 1, "nothing was marked");
    // Without a token there is no feed.
    for path in ["/api/v1/notifications", "/api/v1/notifications/unread_count"] {
        assert_eq!(call(&app, None, Method::GET, path, None).await.0, 401);
    }
    assert_eq!(call(&app, None, Method::POST, "/api/v1/notifications/read", Some(json!({"all": true}))).await.0, 401);
    assert_eq!(unread(&app, ada), 1);
}

#[tokio::test]
async fn the_notifications_page_pages_opens_links_on_this_site_and_marks_all_read() {
    let app = spawn_app().await;
    fan(&app, "ada@example.com");
    let ada = user_id(&app, "ada@example.com");
    for n in 0..22 {
        notice(&app, ada, "new_bop", &format!("Old notice {n:02}"), None);
    }
    let inside = notice(&app, ada, "new_release", "New music", Some("/app#release=abc"));
    let outside = notice(&app, ada, "new_release", "Sneaky", Some("//evil.example/steal"));
    let scheme = notice(&app, ada, "new_release", "Sneakier", Some("https://evil.example/"));
    let mut browser = signed_in_fan(&app, "ada@example.com").await;

    let page = browser.get("/notifications").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("New music") && page.body.contains("Old notice 05"));
    assert!(!page.body.contains("Old notice 04"), "20 a page");
    assert!(page.body.contains("class=\"unread\""));
    assert!(page.body.contains(">25</span>"), "the header shows the unread count: {}", page.body);
    assert!(!page.body.contains("evil.example"), "a link off this site is never shown");
    let older = count(
        &app,
        &format!("SELECT MIN(id) FROM (SELECT id FROM notifications WHERE user_id = {ada} ORDER BY id DESC LIMIT 20)"),
    );
    assert!(page.body.contains(&format!("/notifications?before={older}")), "Load older");
    let page = browser.get(&format!("/notifications?before={older}")).await;
    assert!(page.body.contains("Old notice 04") && page.body.contains("Old notice 00"));
    assert!(!page.body.contains("Old notice 05") && !page.body.contains("Load older"));
    assert_eq!(browser.get("/notifications?before=xyz").await.status, 400);

    let opened = browser.post_form(&format!("/notifications/{inside}/read"), &[]).await;
    assert_eq!(opened.redirect(), "/app#release=abc");
    for id in [outside, scheme] {
        let opened = browser.post_form(&format!("/notifications/{id}/read"), &[]).await;
        assert_eq!(opened.redirect(), "/notifications", "a link off this site is not followed");
    }
    assert_eq!(unread(&app, ada), 22);

    // Without the form's token nothing happens.
    let stranger = browser.post_form_without_token("/notifications/read-all", &[]).await;
    assert_eq!(stranger.status, 403);
    assert_eq!(unread(&app, ada), 22);
    let done = browser.post_form("/notifications/read-all", &[]).await;
    assert_eq!(done.redirect(), "/notifications");
    assert_eq!(unread(&app, ada), 0);
    let page = browser.get("/notifications").await;
    assert!(!page.body.contains("class=\"unread\"") && page.body.contains("all caught up"));
    // Signed out, the page sends you to sign in.
    assert!(Browser::new(&app.address).get("/notifications").await.redirect().starts_with("/login"));
}

/// Every email to `to` so far.
fn mails_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mails().into_iter().filter(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))).collect()
}

/// The one-click link of `mail`, from its `List-Unsubscribe` header, as a path.
fn unsubscribe_path(app: &TestApp, mail: &str) -> String {
    let header = mail.lines().find(|l| l.starts_with("List-Unsubscribe: ")).expect("a List-Unsubscribe header");
    let url = header.trim_start_matches("List-Unsubscribe: <").trim_end_matches('>');
    assert!(mail.contains(&format!("Unsubscribe from these emails: {url}")), "the body ends with the link too: {mail}");
    assert!(mail.lines().any(|l| l == "List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{mail}");
    url.strip_prefix(&app.address).expect("an absolute link to this site").to_owned()
}

fn email_pref(app: &TestApp, user: i64, kind: &str) -> Option<i64> {
    app.state
        .db
        .read_blocking(|c| {
            use rusqlite::OptionalExtension;
            c.query_row(
                "SELECT email FROM notification_prefs WHERE user_id = ?1 AND kind = ?2",
                rusqlite::params![user, kind],
                |r| r.get(0),
            )
            .optional()
        })
        .unwrap()
}

#[tokio::test]
async fn a_one_click_link_from_a_real_email_turns_off_that_kind_only() {
    let app = spawn_app().await;
    boptone::identity::service::create_user_blocking(&app.state.db, "nova@example.com", FAN_PASSWORD, Role::Artist)
        .unwrap();
    let nova = user_id(&app, "nova@example.com");
    notice(&app, nova, "tip", "You got a $5.00 tip", Some("/studio/bops"));
    let mails = mails_to(&app, "nova@example.com");
    assert_eq!(mails.len(), 1, "tips are emailed by default");
    let mail = &mails[0];
    assert!(mail.contains("Subject: You got a $5.00 tip") && mail.contains("details"), "{mail}");
    assert!(mail.contains(&format!("Open it on Boptone: {}/studio/bops", app.address)), "{mail}");
    let path = unsubscribe_path(&app, mail);
    let token = path.strip_prefix("/unsubscribe/").unwrap();
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM unsubscribe_tokens WHERE token_hash LIKE '%{token}%'")),
        0,
        "stored hashed"
    );

    // A bad token: a clear page, nothing changed.
    for bad in ["/unsubscribe/not-a-token", &format!("{path}x")] {
        let response = app.client.get(app.url(bad)).send().await.unwrap();
        assert_eq!(response.status(), 404);
        assert!(response.text().await.unwrap().contains("not valid"));
        let response = app.client.post(app.url(bad)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notification_prefs"), 0);

    // The link asks first …
    let page = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("Tips you receive") && body.contains("<form method=\"post\">"), "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notification_prefs"), 0, "looking changes nothing");
    // … and a mail client's one-click POST does it: no session, no CSRF token.
    let done = app.client.post(app.url(&path)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("no longer get emails about “Tips you receive”"));
    assert_eq!(email_pref(&app, nova, "tip"), Some(0));
    assert_eq!(
        count(&app, &format!("SELECT push FROM notification_prefs WHERE user_id = {nova} AND kind = 'tip'")),
        1,
        "push stays on"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notification_prefs"), 1, "nothing else changed");

    // Tips are no longer emailed; orders still are, with a link of their own.
    notice(&app, nova, "tip", "You got a $2.00 tip", None);
    notice(&app, nova, "order", "New order", Some("/studio/shop/orders/x"));
    let mails = mails_to(&app, "nova@example.com");
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails[1].contains("Subject: New order") && !mails.iter().any(|m| m.contains("$2.00")));
    assert_ne!(unsubscribe_path(&app, &mails[1]), path);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM notifications WHERE user_id = {nova}")),
        3,
        "every notice is in the app"
    );
    // The same link again: still off, still only that kind.
    let again = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(email_pref(&app, nova, "order"), None);
}

#[tokio::test]
async fn a_real_tip_is_emailed_while_the_artist_wants_it_and_not_after() {
    let app = spawn_app().await;
    let (mut studio, artist_token) = crate::bops::artist(&app, "tipped@example.com", "Tipped").await;
    let (_, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "tip jar").await;
    let bop = bop["id"].as_str().unwrap().to_owned();
    let ada = token(&app, &fan(&app, "generous@example.com"), FAN_PASSWORD).await;
    let pay = |amount: i64| {
        let (app, ada, bop) = (&app, ada.clone(), bop.clone());
        async move {
            let (status, started) = crate::bops::tip(app, &ada, &bop, amount).await;
            assert_eq!(status, 201, "{started}");
            let confirm = started["confirm_url"].as_str().unwrap();
            assert_eq!(call(app, Some(&ada), Method::POST, confirm, None).await.0, 200);
            app.drain_events().await;
        }
    };
    app.drain_events().await;
    let before = mails_to(&app, "tipped@example.com").len();
    pay(500).await;
    let mails = mails_to(&app, "tipped@example.com");
    assert_eq!(mails.len(), before + 1);
    assert!(mails.last().unwrap().contains("tipped you $5.00"), "{mails:?}");

    // The artist turns tip emails off in the settings, keeping order emails.
    let settings = studio.get("/account/notifications").await;
    assert_eq!(settings.status, 200);
    assert!(settings.body.contains("name=\"email.tip\"") && settings.body.contains("name=\"email.order\""));
    assert!(!settings.body.contains("email.new_bop"), "an artist sees the artists' kinds");
    let saved = studio.post_form("/account/notifications", &[("email.order", "on"), ("push.tip", "on")]).await;
    assert_eq!(saved.redirect(), "/account/notifications?saved=1");
    pay(700).await;
    assert_eq!(mails_to(&app, "tipped@example.com").len(), before + 1, "no email for the second tip");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'tip' AND title LIKE '%$7.00%'"), 1);
    assert!(
        studio
            .get("/account/notifications")
            .await
            .body
            .contains("name=\"email.order\" aria-label=\"Email: New orders in your shop\" checked")
    );
}

/// A push subscription straight into the database (the sender will fail to
/// reach it, so what is queued for it stays to be counted).
fn fake_subscription(app: &TestApp, user: i64) {
    app.state
        .db
        .write_blocking(Durability::Normal, |tx| {
            tx.execute(
                "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES (?1, 'http://127.0.0.1:9/push', ?2, ?3, 0)",
                rusqlite::params![user, vec![4u8; 65], vec![1u8; 16]],
            )
        })
        .unwrap();
}

fn pushes(app: &TestApp, title: &str) -> i64 {
    count(app, &format!("SELECT COUNT(*) FROM push_outbox WHERE payload LIKE '%{title}%'"))
}

#[tokio::test]
async fn fans_choose_email_and_push_per_kind_through_the_api() {
    let app = spawn_app().await;
    let ada_token = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let ada = user_id(&app, "ada@example.com");
    fake_subscription(&app, ada);

    let (status, prefs) = call(&app, Some(&ada_token), Method::GET, "/api/v1/notifications/preferences", None).await;
    assert_eq!(status, 200, "{prefs}");
    let kinds: Vec<&str> =
        prefs["preferences"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["new_bop", "new_release", "order_shipped", "order_refunded"], "a fan's kinds");
    assert_eq!(
        prefs["preferences"][0],
        json!({"kind": "new_bop", "label": "New Bops from artists you follow", "email": false, "push": true})
    );
    assert_eq!(prefs["preferences"][3]["email"], true, "money is emailed by default");

    // By default a new Bop is pushed, not emailed.
    notice(&app, ada, "new_bop", "Bop one", None);
    assert_eq!((pushes(&app, "Bop one"), mails_to(&app, "ada@example.com").len()), (1, 0));

    let change = json!({"preferences": [{"kind": "new_bop", "email": true, "push": false}, {"kind": "order_refunded", "push": false}]});
    let (status, saved) =
        call(&app, Some(&ada_token), Method::PUT, "/api/v1/notifications/preferences", Some(change)).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["preferences"][0],
        json!({"kind": "new_bop", "label": "New Bops from artists you follow", "email": true, "push": false})
    );
    assert_eq!(saved["preferences"][3]["email"], true, "a field left out keeps its value");
    assert_eq!(saved["preferences"][3]["push"], false);
    notice(&app, ada, "new_bop", "Bop two", None);
    assert_eq!(pushes(&app, "Bop two"), 0, "push is off for new Bops");
    let mails = mails_to(&app, "ada@example.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Subject: Bop two"));

    // Bad input: 400, naming what is wrong, and nothing changes.
    let bad = [
        (json!({"preferences": [{"kind": "new_bop", "email": false}, {"kind": "spam", "email": false}]}), "spam"),
        (json!({"preferences": []}), "at least one"),
        (json!({"preferences": [{"kind": "new_bop", "email": "no"}]}), "email"),
        (json!({"preferences": [{"email": false}]}), "kind"),
        (json!({"new_bop": {"email": false}}), "preferences"),
    ];
    for (body, named) in bad {
        let (status, answer) =
            call(&app, Some(&ada_token), Method::PUT, "/api/v1/notifications/preferences", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains(named), "{body}: {answer}");
    }
    assert_eq!(call(&app, Some(&ada_token), Method::PUT, "/api/v1/notifications/preferences", None).await.0, 400);
    let (_, after) = call(&app, Some(&ada_token), Method::GET, "/api/v1/notifications/preferences", None).await;
    assert_eq!(after, saved, "nothing changed");
    assert_eq!(call(&app, None, Method::GET, "/api/v1/notifications/preferences", None).await.0, 401);
}

#[tokio::test]
async fn the_settings_page_saves_what_is_ticked_and_refuses_the_rest() {
    let app = spawn_app().await;
    fan(&app, "ada@example.com");
    let ada = user_id(&app, "ada@example.com");
    fake_subscription(&app, ada);
    let mut browser = signed_in_fan(&app, "ada@example.com").await;
    let page = browser.get("/account/notifications").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"email.new_bop\"") && !page.body.contains("email.tip"), "a fan's kinds");

    // Unknown settings, or no CSRF token: refused, nothing saved.
    let refused = browser.post_form("/account/notifications", &[("email.spam", "on")]).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("email.spam"), "{}", refused.body);
    let forged = browser.post_form_without_token("/account/notifications", &[("email.new_bop", "on")]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notification_prefs"), 0);

    // Only "email for new music" ticked: everything else off, push included.
    let saved = browser.post_form("/account/notifications", &[("email.new_release", "on")]).await;
    assert_eq!(saved.redirect(), "/account/notifications?saved=1");
    assert!(browser.get("/account/notifications?saved=1").await.body.contains("Saved."));
    notice(&app, ada, "new_release", "Album out", None);
    notice(&app, ada, "new_bop", "Quiet Bop", None);
    assert_eq!((pushes(&app, "Album out"), pushes(&app, "Quiet Bop")), (0, 0));
    let mails = mails_to(&app, "ada@example.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Subject: Album out"));
    assert_eq!(
        count_text(
            &app,
            &format!(
                "SELECT group_concat(kind || email || push) FROM (SELECT * FROM notification_prefs WHERE user_id = {ada} ORDER BY kind)"
            )
        ),
        "new_bop00,new_release10,order_refunded00,order_shipped00"
    );
}

#[tokio::test]
async fn an_artist_hears_of_a_new_follower_by_display_name() {
    let app = spawn_app().await;
    let (mut studio, _) = crate::bops::artist(&app, "nova@example.com", "Nova").await;
    boptone::identity::service::create_named_user_blocking(
        &app.state.db,
        "ada.secret@example.com",
        FAN_PASSWORD,
        Role::Fan,
        Some("Ada L."),
    )
    .unwrap();
    let ada = token(&app, "ada.secret@example.com", FAN_PASSWORD).await;
    let artist_uid = count_text(&app, "SELECT uid FROM artist_profiles");
    let nova = user_id(&app, "nova@example.com");
    app.drain_events().await;
    let mails_before = mails_to(&app, "nova@example.com").len();

    let follow = format!("/api/v1/artists/{artist_uid}/follow");
    assert_eq!(call(&app, Some(&ada), Method::POST, &follow, None).await.0, 200);
    app.drain_events().await;
    let followers = format!("SELECT COUNT(*) FROM notifications WHERE user_id = {nova} AND kind = 'follower'");
    assert_eq!(count(&app, &followers), 1);
    let title = count_text(&app, "SELECT title FROM notifications WHERE kind = 'follower'");
    assert_eq!(title, "Ada L. followed you");
    assert!(studio.get("/notifications").await.body.contains("Ada L. followed you"));
    // The dashboard shows it too; opening it there marks it read.
    let notice_id = count(&app, "SELECT id FROM notifications WHERE kind = 'follower'");
    let dashboard = studio.get("/dashboard").await.body;
    assert!(
        dashboard.contains("Ada L. followed you")
            && dashboard.contains(&format!("action=\"/notifications/{notice_id}/read\""))
    );
    assert!(dashboard.contains("href=\"/notifications\""), "{dashboard}");
    assert_eq!(studio.post_form(&format!("/notifications/{notice_id}/read"), &[]).await.redirect(), "/dashboard");
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM notifications WHERE id = {notice_id} AND read_at IS NOT NULL")),
        1
    );
    assert_eq!(mails_to(&app, "nova@example.com").len(), mails_before, "followers are not emailed by default");

    // Following again after unfollowing is a new follow, told again; nobody
    // else hears of it.
    assert_eq!(call(&app, Some(&ada), Method::DELETE, &follow, None).await.0, 200);
    assert_eq!(call(&app, Some(&ada), Method::POST, &follow, None).await.0, 200);
    app.drain_events().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'follower'"), 2);
    assert_eq!(count(&app, &followers), 2);
}
