//! Issue 8, money and state: the one revenue gate for tips, the plan a
//! checkout charges, hidden comments, durations the headers cannot fake.

use reqwest::Method;
use serde_json::json;

use boptone::identity::domain::SubscriptionStatus;

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, post_bop, tip, token};
use crate::browser::{Browser, PASSWORD};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_cancelled_artist_receives_no_tips_through_the_same_gate_as_uploads() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "lapsed@example.com", "Lapsed").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "tip me").await;
    let id = bop["id"].as_str().unwrap();
    let ada = token(&app, &fan(&app, "loyal@example.com"), FAN_PASSWORD).await;
    assert_eq!(tip(&app, &ada, id, 500).await.0, 201, "an artist in good standing is tipped");

    // What `customer.subscription.deleted` writes.
    let sub: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT subscription_ref FROM subscriptions", [], |r| r.get(0)))
        .unwrap();
    app.state
        .db
        .write(move |tx| {
            let at = boptone::db::now_ms();
            boptone::identity::service::apply_subscription_status(tx, &sub, SubscriptionStatus::Canceled, at)
        })
        .await
        .unwrap();

    let (status, body) =
        call(&app, Some(&artist_token), Method::POST, "/api/v1/uploads", Some(json!({"size": 1000}))).await;
    assert_eq!((status.as_u16(), body["step"].as_str()), (403, Some("subscription")), "uploads refused: {body}");
    let (status, body) = tip(&app, &ada, id, 500).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["message"], "This artist cannot receive tips right now.");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips"), 1, "no second tip was started");
    app.stop().await;
}

#[tokio::test]
async fn hidden_comments_cannot_be_replied_to_liked_or_edited() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "mod@example.com", "Moderator").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let comments = format!("/api/v1/bops/{}/comments", bop["id"].as_str().unwrap());
    let troll = token(&app, &fan(&app, "troll@example.com"), FAN_PASSWORD).await;
    let other = token(&app, &fan(&app, "other@example.com"), FAN_PASSWORD).await;
    let (_, rude) = call(&app, Some(&troll), Method::POST, &comments, Some(json!({"body": "rude"}))).await;
    let rude_id = rude["uid"].as_str().unwrap().to_owned();
    let path = format!("{comments}/{rude_id}");
    assert_eq!(call(&app, Some(&artist_token), Method::DELETE, &path, None).await.0, 204, "the artist hides it");

    let (status, body) =
        call(&app, Some(&other), Method::POST, &comments, Some(json!({"body": "+1", "parent_id": rude_id}))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"]["parent"], "That comment is gone.");
    assert_eq!(call(&app, Some(&other), Method::POST, &format!("{path}/like"), None).await.0, 404);
    let (status, _) = call(&app, Some(&troll), Method::PATCH, &path, Some(json!({"body": "ruder"}))).await;
    assert_eq!(status, 404, "its author cannot edit it back into view");

    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comments"), 1, "no reply was added");
    assert_eq!(count(&app, "SELECT like_count FROM bops_comments"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comment_likes"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comments WHERE body = 'rude' AND edited_at IS NULL"), 1);
    app.stop().await;
}

/// Signs up on `tier` with the sandbox; returns the checkout path.
async fn sign_up_on(browser: &mut Browser, email: &str, tier: &str) -> String {
    browser.get("/artist/signup").await;
    let page = browser.post_form("/artist/signup", &[("email", email), ("password", PASSWORD), ("tier", tier)]).await;
    page.redirect().to_owned()
}

fn plan(app: &crate::helpers::TestApp) -> (String, i64, String) {
    app.state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT tier, amount_minor, status FROM subscriptions", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
        .unwrap()
}

#[tokio::test]
async fn the_plan_chosen_after_a_cancelled_checkout_is_the_plan_charged_and_activated() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let starter = sign_up_on(&mut browser, "mind@example.com", "starter").await;
    assert!(browser.get(&starter).await.body.contains("$9.00"));
    let cancelled = browser.post_form(&format!("{starter}/cancel"), &[]).await;
    assert_eq!(cancelled.redirect(), "/artist/subscription?checkout=cancelled");
    browser.get("/artist/subscription?checkout=cancelled").await;

    // A plan that does not exist: the page again, with the error; nothing changes.
    let bad = browser.post_form("/artist/subscription/checkout", &[("tier", "platinum")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Choose one of the plans below."), "{}", bad.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM subscription_checkouts"), 1);

    let label = browser.post_form("/artist/subscription/checkout", &[("tier", "label")]).await.redirect().to_owned();
    let page = browser.get(&label).await;
    assert!(page.body.contains("Label") && page.body.contains("$99.00"), "the checkout charges Label: {}", page.body);
    assert!(!page.body.contains("$9.00"));
    assert_eq!(browser.post_form(&format!("{label}/complete"), &[]).await.redirect(), "/artist/setup");

    assert_eq!(plan(&app), ("label".to_owned(), 9900, "active".to_owned()));
    let page = browser.get("/artist/subscription").await;
    assert!(page.body.contains("Your <strong>Label</strong> plan is active."), "{}", page.body);
    app.stop().await;
}

#[tokio::test]
async fn the_plan_activated_is_the_one_paid_for_even_from_an_older_checkout() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let starter = sign_up_on(&mut browser, "tabs@example.com", "starter").await;
    browser.get("/artist/subscription").await;
    browser.post_form("/artist/subscription/checkout", &[("tier", "label")]).await;
    // The artist pays the Starter checkout still open in another tab.
    browser.get(&starter).await;
    assert_eq!(browser.post_form(&format!("{starter}/complete"), &[]).await.redirect(), "/artist/setup");
    assert_eq!(plan(&app), ("starter".to_owned(), 900, "active".to_owned()));
    app.stop().await;
}
