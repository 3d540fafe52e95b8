//! Issue 15 item 2: who may join. `label.artist_signup` = "invite" admits
//! only holders of a single-use link for their address; "approval" lets
//! anyone apply and holds them until the label answers; `label.fan_signup` =
//! "closed" refuses fan accounts on the web and in the app. Nothing is
//! stored (and no password hashed) for a refused signup.

use reqwest::Method;
use serde_json::json;

use crate::bops::{call, count, count_text};
use crate::browser::{Browser, PASSWORD};
use crate::helpers::{TestApp, boptone, link_in_mail, run, spawn_app_with, stdout};

async fn app_with(mode: &str, fans: &str) -> TestApp {
    let (mode, fans) = (mode.to_owned(), fans.to_owned());
    spawn_app_with(
        move |c| {
            c.set("label.artist_signup", mode.as_str());
            c.set("label.fan_signup", fans.as_str());
        },
        None,
        None,
    )
    .await
}

fn invite(app: &TestApp, email: &str) -> String {
    let link = ::boptone::identity::joining::create_invite(&app.state.db, &app.state.config, email).unwrap();
    let path = link.split_once("/artist/signup").unwrap().1;
    format!("/artist/signup{path}")
}

async fn sign_up(browser: &mut Browser, email: &str, invite: &str) -> crate::browser::Page {
    browser
        .post_form("/artist/signup", &[("email", email), ("password", PASSWORD), ("tier", "pro"), ("invite", invite)])
        .await
}

#[tokio::test]
async fn by_invitation_only_the_invited_address_joins_once() {
    let app = app_with("invite", "open").await;
    let mut stranger = Browser::new(&app.address);
    let page = stranger.get("/artist/signup").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("by invitation"), "{}", page.body);
    assert_eq!(sign_up(&mut stranger, "stranger@example.com", "").await.status, 403);
    assert_eq!(sign_up(&mut stranger, "stranger@example.com", "made-up").await.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 0, "nothing stored for a stranger");

    let link = invite(&app, "Invited@Example.com");
    assert!(link_in_mail(&app.address, "invited@example.com", "/artist/signup?invite=").is_some(), "emailed");
    let token = link.split_once("invite=").unwrap().1.to_owned();
    let mut artist = Browser::new(&app.address);
    let form = artist.get(&link).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("invited@example.com") && form.body.contains("readonly"), "{}", form.body);
    let other = sign_up(&mut artist, "someone-else@example.com", &token).await;
    assert_eq!(other.status, 422, "an invite is for its address");
    let sent = sign_up(&mut artist, "invited@example.com", &token).await;
    assert!(sent.body.contains("Check your email"), "{}", sent.body);
    let confirm = link_in_mail(&app.address, "invited@example.com", "/artist/signup/confirm/").unwrap();
    artist.get(&confirm).await;
    let made = artist.post_form(&confirm, &[("password", PASSWORD)]).await;
    assert!(made.redirect().starts_with("/sandbox/checkout/"), "on to the plan: {:?}", made.location);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_invites WHERE used_at IS NOT NULL"), 1);

    // Used up: the link opens nothing, a second account cannot come from it.
    let mut late = Browser::new(&app.address);
    let again = late.get(&link).await;
    assert_eq!(again.status, 403);
    assert!(again.body.contains("expired or was already used"));
    assert_eq!(sign_up(&mut late, "invited@example.com", &token).await.status, 403);

    // An expired invite is refused too.
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(::boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE artist_invites SET used_at = NULL, expires_at = 1", []).map(drop)
        })
        .unwrap();
    assert_eq!(late.get(&link).await.status, 403);
    app.stop().await;
}

#[tokio::test]
async fn with_approval_a_new_artist_waits_for_the_labels_answer() {
    let app = app_with("approval", "open").await;
    let mut browser = Browser::new(&app.address);
    assert!(browser.get("/artist/signup").await.body.contains("reviews every new artist"));
    let sent = sign_up(&mut browser, "applicant@example.com", "").await;
    assert!(sent.body.contains("Check your email"), "{}", sent.body);
    let confirm = link_in_mail(&app.address, "applicant@example.com", "/artist/signup/confirm/").unwrap();
    browser.get(&confirm).await;
    let made = browser.post_form(&confirm, &[("password", PASSWORD)]).await;
    assert_eq!(made.redirect(), "/artist/application");
    assert!(browser.get("/artist/application").await.body.contains("reviews every new artist"));
    for page in ["/artist/subscription", "/dashboard", "/artist/setup", "/artist/payout"] {
        assert_eq!(browser.get(page).await.redirect(), "/artist/application", "{page} waits");
    }
    let checkout = browser.post_form("/artist/subscription/checkout", &[("tier", "pro")]).await;
    assert_eq!(checkout.redirect(), "/artist/application");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM subscriptions"), 0, "no plan before the label's yes");

    // The label's side: the list, a declined message, and then a yes.
    let data_dir = app.data_dir().display().to_string();
    let listed = run(boptone().args(["admin", "applications", "--data-dir", &data_dir]));
    assert!(stdout(&listed).contains("applicant@example.com"), "{}", stdout(&listed));
    let no_reason = run(boptone().args([
        "admin",
        "decline",
        "--email",
        "applicant@example.com",
        "--message",
        " ",
        "--data-dir",
        &data_dir,
    ]));
    assert!(!no_reason.status.success(), "declining needs a reason");
    ::boptone::identity::joining::decide(&app.state.db, "applicant@example.com", false, "We are full this season.")
        .unwrap();
    let declined = browser.get("/artist/application").await;
    assert!(declined.body.contains("declined") && declined.body.contains("We are full this season."));
    assert!(link_in_mail(&app.address, "applicant@example.com", "").is_some());
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(::boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE artist_profiles SET application = 'pending'", []).map(drop)
        })
        .unwrap();
    let approved =
        run(boptone().args(["admin", "approve", "--email", "applicant@example.com", "--data-dir", &data_dir]));
    assert!(approved.status.success(), "{:?}", approved);
    assert_eq!(count_text(&app, "SELECT application FROM artist_profiles"), "accepted");
    assert_eq!(browser.get("/artist/subscription").await.status, 200, "now the plan");
    let twice = run(boptone().args(["admin", "approve", "--email", "applicant@example.com", "--data-dir", &data_dir]));
    assert!(!twice.status.success(), "nothing pending any more");
    app.stop().await;
}

#[tokio::test]
async fn a_label_may_close_fan_signups_on_the_web_and_in_the_app() {
    let app = app_with("open", "closed").await;
    let mut browser = Browser::new(&app.address);
    browser.get("/signup").await;
    let page = browser
        .post_form("/signup", &[("email", "fan@example.com"), ("password", PASSWORD), ("display_name", "Fan")])
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("not taking new fan accounts"), "{}", page.body);
    let body = json!({"email": "fan@example.com", "password": PASSWORD, "display_name": "Fan"});
    let (status, answer) = call(&app, None, Method::POST, "/api/v1/accounts", Some(body)).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 0);
    app.stop().await;
}

#[test]
fn the_cli_prints_an_invite_and_a_bad_mode_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().display().to_string();
    let output = run(boptone().args(["admin", "invite", "--email", "new@example.com", "--data-dir", &data_dir]));
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).trim().contains("/artist/signup?invite="), "{}", stdout(&output));
    let bad = run(boptone().args(["admin", "invite", "--email", "not an email", "--data-dir", &data_dir]));
    assert!(!bad.status.success());
    let check =
        run(boptone().arg("check").args(["--data-dir", &data_dir]).env("BOPTONE_LABEL__ARTIST_SIGNUP", "maybe"));
    assert!(!check.status.success());
    assert!(crate::helpers::stderr(&check).contains("label.artist_signup"), "{}", crate::helpers::stderr(&check));
}
