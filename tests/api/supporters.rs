//! Issue 14, tips Ko-fi style: a message with the tip, the artist's name in
//! the tip sheet, a receipt and a tip history for the fan, and a supporters
//! wall the artist switches on.

use reqwest::Method;
use serde_json::json;

use boptone::identity::domain::Role;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, post_bop, token};
use crate::helpers::{TestApp, spawn_app};

async fn named_fan(app: &TestApp, email: &str, name: &str) -> String {
    boptone::identity::service::create_named_user_blocking(&app.state.db, email, FAN_PASSWORD, Role::Fan, Some(name))
        .unwrap();
    token(app, email, FAN_PASSWORD).await
}

/// Tips `amount` with `extra` fields and pays it (sandbox); returns the tip's id.
async fn paid_tip(app: &TestApp, fan: &str, bop: &str, amount: i64, extra: serde_json::Value) -> String {
    let mut body = json!({"amount_minor": amount});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (status, started) = call(app, Some(fan), Method::POST, &format!("/api/v1/bops/{bop}/tips"), Some(body)).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(call(app, Some(fan), Method::POST, started["confirm_url"].as_str().unwrap(), None).await.0, 200);
    app.drain_events().await;
    started["tip_id"].as_str().unwrap().to_owned()
}

/// Nova with a Bop, and two named fans (tokens): Ada and Bob.
async fn nova_ada_and_bob() -> (TestApp, crate::browser::Browser, String, String, String) {
    let app = spawn_app().await;
    let (nova, nova_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, bop) = post_bop(&app, &nova_token, "vertical.mp4", "Rooftop take").await;
    let bop = bop["id"].as_str().unwrap().to_owned();
    let ada = named_fan(&app, "ada@example.com", "Ada").await;
    let bob = named_fan(&app, "bob@example.com", "Bob").await;
    (app, nova, bop, ada, bob)
}

#[tokio::test]
async fn a_tip_carries_a_message_and_the_fan_gets_a_receipt_and_a_history() {
    let (app, mut nova, bop, ada, bob) = nova_ada_and_bob().await;

    // Bad messages are refused and nothing is held.
    let path = format!("/api/v1/bops/{bop}/tips");
    for (message, why) in [
        ("x".repeat(281), "Keep the message to 280 characters (this one has 281)."),
        ("hi\u{1b}[31m".to_owned(), "control characters"),
    ] {
        let (status, body) =
            call(&app, Some(&ada), Method::POST, &path, Some(json!({"amount_minor": 500, "message": message}))).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["fields"]["message"].as_str().unwrap().contains(why), "{body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips"), 0);

    // The tip sheet learns whom it is for; the message travels with the tip.
    let (status, started) = call(
        &app,
        Some(&ada),
        Method::POST,
        &path,
        Some(json!({"amount_minor": 500, "message": "  Love the bassline!  "})),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(
        (started["artist_name"].as_str(), started["message"].as_str()),
        (Some("Nova"), Some("Love the bassline!"))
    );
    let id = started["tip_id"].as_str().unwrap().to_owned();
    let (_, receipt) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/tips/{id}"), None).await;
    assert_eq!(receipt["status"], "pending", "not paid yet: {receipt}");
    assert_eq!(call(&app, Some(&ada), Method::POST, started["confirm_url"].as_str().unwrap(), None).await.0, 200);
    app.drain_events().await;

    // The receipt: in the app (the tipper only) and by email.
    let (status, receipt) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/tips/{id}"), None).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["status"], "succeeded");
    assert_eq!(receipt["amount"], "$5.00");
    assert_eq!(receipt["message"], "Love the bassline!");
    assert_eq!(receipt["artist"]["name"], "Nova");
    assert_eq!(receipt["bop"]["id"], bop.as_str());
    assert!(receipt["paid_at"].as_i64().unwrap() > 0);
    assert_eq!(
        call(&app, Some(&bob), Method::GET, &format!("/api/v1/tips/{id}"), None).await.0,
        404,
        "only the tipper"
    );
    assert_eq!(call(&app, Some(&ada), Method::GET, "/api/v1/tips/nope", None).await.0, 404);
    let mails = app.mails();
    let mail = mails
        .iter()
        .find(|m| m.contains("ada@example.com") && m.contains("Your tip to Nova"))
        .expect("a receipt email");
    assert!(mail.contains("Love the bassline!") && mail.contains(&id), "{mail}");

    // The artist hears who tipped, and what they said.
    let notice = count_text(&app, "SELECT title || ' ' || body FROM notifications WHERE kind = 'tip'");
    assert_eq!(notice, "Ada tipped you $5.00 “Love the bassline!”");
    assert!(nova.get("/dashboard").await.body.contains("Ada tipped you $5.00"));

    // The history: newest first, a page at a time, no repeats, nobody else's.
    let ada_id = count(&app, "SELECT id FROM users WHERE email = 'ada@example.com'");
    let bop_id = count(&app, "SELECT id FROM bops_videos");
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            for n in 0..35 {
                tx.execute(
                    "INSERT INTO bops_tips (uid, bop_id, artist_id, fan_user_id, amount_minor, currency, fee_minor, provider,
                         payment_ref, status, created_at, succeeded_at, message)
                     SELECT ?1, ?2, artist_id, ?3, 200, 'USD', 20, 'sandbox', ?1, 'succeeded', ?4, ?4, ''
                     FROM bops_videos WHERE id = ?2",
                    rusqlite::params![format!("old-{n}"), bop_id, ada_id, 1_000 + n],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let (_, first) = call(&app, Some(&ada), Method::GET, "/api/v1/tips", None).await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    assert_eq!(items[0]["id"], "old-34", "newest first (by when it was made)");
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/tips?before={cursor}"), None).await;
    let rest = second["items"].as_array().unwrap();
    assert_eq!(rest.len(), 6);
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    let mut seen: Vec<&str> = items.iter().chain(rest).map(|t| t["id"].as_str().unwrap()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 36, "every tip once");
    let (_, theirs) = call(&app, Some(&bob), Method::GET, "/api/v1/tips", None).await;
    assert_eq!(theirs["items"], json!([]), "Bob has tipped nobody");
}

#[tokio::test]
async fn the_supporters_wall_shows_the_names_and_messages_fans_allowed_once_the_artist_switches_it_on() {
    let (app, mut nova, bop, ada, bob) = nova_ada_and_bob().await;
    paid_tip(&app, &ada, &bop, 500, json!({"message": "<script>alert(1)</script> keep going"})).await;
    paid_tip(&app, &bob, &bop, 1000, json!({"message": "between us", "show_on_wall": false})).await;

    // Off by default: the public page says so and names nobody.
    let mut visitor = crate::browser::Browser::new(&app.address);
    let wall = visitor.get("/@nova/supporters").await;
    assert_eq!(wall.status, 200);
    assert!(wall.body.contains("Nova keeps their supporters private."), "{}", wall.body);
    assert!(!wall.body.contains("Ada"));
    assert_eq!(visitor.get("/@nobody/supporters").await.status, 404);

    // The studio shows every tip with its message and amount, escaped.
    let studio = nova.get("/studio/supporters").await.body;
    assert!(studio.contains("&lt;script&gt;alert(1)&lt;/script&gt; keep going"), "{studio}");
    assert!(
        studio.contains("between us") && studio.contains("$10.00") && studio.contains("no (asked not to be)"),
        "{studio}"
    );
    assert!(!studio.contains("<script>alert(1)"));

    // Bad switches change nothing; a good one turns the wall on.
    assert_eq!(nova.post_form("/studio/supporters", &[("wall", "maybe")]).await.status, 422);
    assert_eq!(nova.post_form_without_token("/studio/supporters", &[("wall", "on")]).await.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_supporter_walls"), 0);
    let switched = nova.post_form("/studio/supporters", &[("wall", "on")]).await;
    assert_eq!((switched.status, switched.redirect()), (303, "/studio/supporters"));
    let wall = visitor.get("/@nova/supporters").await.body;
    assert!(wall.contains("<strong>Ada</strong> sent a tip"), "{wall}");
    assert!(wall.contains("&lt;script&gt;alert(1)&lt;/script&gt; keep going"), "{wall}");
    assert!(!wall.contains("<script>alert(1)"));
    assert!(!wall.contains("Bob") && !wall.contains("between us"), "Bob asked not to be shown");
    assert!(!wall.contains("$5.00") && !wall.contains("$10.00"), "never amounts");
    // Another artist's studio page is their own.
    let (mut zed, _) = artist(&app, "zed@example.com", "Zed").await;
    assert!(!zed.get("/studio/supporters").await.body.contains("Ada"));

    // Off again: private.
    nova.post_form("/studio/supporters", &[("wall", "off")]).await;
    assert!(visitor.get("/@nova/supporters").await.body.contains("keeps their supporters private"));
}
