//! Issue 15's "Done when", tried as a new label would on a fresh instance
//! (artists by invitation, the default): sign in to the console with an
//! authenticator, set the name and logo, invite an artist who joins through
//! the link while a stranger cannot sign up as an artist, handle a fan's
//! report by hiding a comment, and read the month's label-wide earnings.

use reqwest::Method;
use serde_json::json;

use crate::bops::{FAN_PASSWORD, call, fan, post_bop, token};
use crate::browser::{Browser, PASSWORD, connect_payouts, pay, png, set_up_profile};
use crate::console_moderation::{act, code, report};
use crate::console_people::{invite_link, sign_up_with_invite};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_new_label_brands_invites_moderates_and_reads_its_month() {
    let app = spawn_app_with(|c| c.set("label.artist_signup", "invite"), None, None).await;
    let mut label = crate::console_moderation::admin(&app).await;

    // The name and the logo, at once on every page.
    let fields = crate::branding::label_form(&mut label, &[("name", "Night Bus Records")]).await;
    let saved = crate::branding::save(&mut label, &fields, Some(("logo", png(300, 300), "image/png"))).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let home = Browser::new(&app.address).get("/").await;
    assert!(home.body.contains("Night Bus Records"), "{}", home.body);

    // A stranger cannot sign up as an artist; the invited artist can.
    let mut stranger = Browser::new(&app.address);
    assert_eq!(stranger.get("/artist/signup").await.status, 403);
    let tried = stranger
        .post_form("/artist/signup", &[("email", "stranger@example.com"), ("password", PASSWORD), ("tier", "pro")])
        .await;
    assert_eq!(tried.status, 403);
    assert_eq!(
        label.post_form("/admin/invites", &[("email", "nova@example.com")]).await.redirect(),
        "/admin/invites?done=sent"
    );
    let (status, checkout) =
        sign_up_with_invite(&app, "nova@example.com", &invite_link(&app, "nova@example.com")).await;
    assert_eq!(status, 303);
    let mut nova = Browser::new(&app.address);
    nova.post_form("/login", &[("email", "nova@example.com"), ("password", PASSWORD)]).await;
    pay(&mut nova, &checkout).await;
    set_up_profile(&mut nova, "Nova Lights").await;
    connect_payouts(&mut nova).await;
    let users: i64 = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT COUNT(*) FROM users WHERE role = 'artist'", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(users, 1, "only the invited artist");

    // A fan's report of a comment, handled by hiding it.
    let artist_token = token(&app, "nova@example.com", PASSWORD).await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "first night").await;
    let thread = format!("/api/v1/bops/{}/comments", bop["id"].as_str().unwrap());
    let rude = token(&app, &fan(&app, "rude@example.com"), FAN_PASSWORD).await;
    let kind = token(&app, &fan(&app, "kind@example.com"), FAN_PASSWORD).await;
    let (_, made) =
        call(&app, Some(&rude), Method::POST, &thread, Some(json!({"body": "worst band ever, quit"}))).await;
    let comment = made["uid"].as_str().unwrap().to_owned();
    report(&app, &kind, "comment", &comment, "harassment", "mean to the artist").await;
    let queue = label.get("/admin/moderation").await;
    assert!(queue.body.contains("worst band ever"), "{}", queue.body);
    let hidden =
        act(&mut label, &format!("/admin/moderation/comment/{comment}"), "hide", "Harassment (rule 2).", &code(&app))
            .await;
    assert_eq!(hidden.status, 303, "{}", hidden.body);
    let (_, page) = call(&app, Some(&kind), Method::GET, &thread, None).await;
    assert!(!page.to_string().contains("worst band ever"), "{page}");

    // The month's label-wide earnings: the artist's plan is the platform's income.
    let money = label.get("/admin/money").await;
    assert_eq!(money.status, 200);
    assert!(money.body.contains("Nova Lights") && money.body.contains("29.00"), "{}", money.body);

    // Every step the label took is in the audit log.
    let actions: Vec<String> = app
        .state
        .db
        .read_blocking(|c| {
            c.prepare("SELECT action FROM audit_log ORDER BY id")?.query_map([], |r| r.get(0))?.collect()
        })
        .unwrap();
    for action in ["admin.mfa_enrol", "label.update", "invite.send", "report.hide"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    app.stop().await;
}
