//! Issue 15 items 2 and 6 in the console: invites and applications at
//! `/admin/invites` and `/admin/applications`; people at `/admin/people`
//! with their sign-in history, disabling, data export and erasure. Every
//! change leaves an audit row, and bad input changes nothing.

use boptone::identity::domain::Role;
use serde_json::Value;

use crate::bops::{FAN_PASSWORD, count, count_text};
use crate::browser::{Browser, PASSWORD};
use crate::console_helpers::admin_browser;
use crate::helpers::{TestApp, client, link_in_mail, spawn_app, spawn_app_with};

/// A fan account, signed in on the web.
pub async fn fan(app: &TestApp, email: &str) -> Browser {
    boptone::identity::service::create_named_user_blocking(&app.state.db, email, FAN_PASSWORD, Role::Fan, Some("Ada"))
        .unwrap();
    let mut browser = Browser::new(&app.address);
    browser.get("/login").await;
    let page = browser.post_form("/login", &[("email", email), ("password", FAN_PASSWORD)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    browser
}

fn user_uid(app: &TestApp, email: &str) -> String {
    count_text(app, &format!("SELECT uid FROM users WHERE email = '{email}'"))
}

fn audit_rows(app: &TestApp, action: &str) -> i64 {
    count(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"))
}

/// The invite link emailed to `email` (quoted-printable's `=3D` undone).
pub fn invite_link(app: &TestApp, email: &str) -> String {
    let link = link_in_mail(&app.address, email, "/artist/signup?invite").unwrap();
    link.replace("invite=3D", "invite=")
}

pub async fn sign_up_with_invite(app: &TestApp, email: &str, link: &str) -> (u16, String) {
    let mut artist = Browser::new(&app.address);
    let form = artist.get(link).await;
    if form.status != 200 {
        return (form.status, form.body);
    }
    let token = link.split_once("invite=").unwrap().1;
    let sent = artist
        .post_form("/artist/signup", &[("email", email), ("password", PASSWORD), ("tier", "pro"), ("invite", token)])
        .await;
    assert!(sent.body.contains("Check your email"), "{}", sent.body);
    let confirm = link_in_mail(&app.address, email, "/artist/signup/confirm/").unwrap();
    artist.get(&confirm).await;
    let made = artist.post_form(&confirm, &[("password", PASSWORD)]).await;
    (made.status, made.location.unwrap_or_default())
}

#[tokio::test]
async fn invites_sent_from_the_console_let_an_artist_join_and_revoked_ones_do_not() {
    let app = spawn_app_with(|c| c.set("label.artist_signup", "invite"), None, None).await;
    let mut admin = admin_browser(&app).await;
    let page = admin.get("/admin/invites").await;
    assert!(page.body.contains("by invitation only") && page.body.contains("No invite is waiting"), "{}", page.body);

    let bad = admin.post_form("/admin/invites", &[("email", "not an address")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid"), "{}", bad.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_invites"), 0);

    for email in ["newcomer@example.com", "changed-mind@example.com"] {
        assert_eq!(admin.post_form("/admin/invites", &[("email", email)]).await.redirect(), "/admin/invites?done=sent");
    }
    assert_eq!(audit_rows(&app, "invite.send"), 2);
    let listed = admin.get("/admin/invites").await;
    assert!(listed.body.contains("newcomer@example.com") && listed.body.contains("changed-mind@example.com"));

    let revoked = count_text(&app, "SELECT uid FROM artist_invites WHERE email = 'changed-mind@example.com'");
    let done = admin.post_form(&format!("/admin/invites/{revoked}/revoke"), &[]).await;
    assert_eq!(done.redirect(), "/admin/invites?done=revoked");
    assert_eq!(audit_rows(&app, "invite.revoke"), 1);
    assert_eq!(admin.post_form(&format!("/admin/invites/{revoked}/revoke"), &[]).await.status, 409);
    assert!(!admin.get("/admin/invites").await.body.contains("changed-mind@example.com"));

    let link = invite_link(&app, "newcomer@example.com");
    let (status, location) = sign_up_with_invite(&app, "newcomer@example.com", &link).await;
    assert!(status == 303 && location.starts_with("/sandbox/checkout/"), "{status} {location}");
    let dead = invite_link(&app, "changed-mind@example.com");
    let (status, body) = sign_up_with_invite(&app, "changed-mind@example.com", &dead).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email = 'changed-mind@example.com'"), 0);

    // The CLI's invites are in the audit log too, as the CLI's.
    ::boptone::identity::joining::create_invite(&app.state.db, &app.state.config, "cli@example.com").unwrap();
    assert_eq!(audit_rows(&app, "invite.send"), 3);
    app.stop().await;
}

async fn applicant(app: &TestApp, email: &str) -> String {
    let mut browser = Browser::new(&app.address);
    browser.get("/artist/signup").await;
    let sent = browser.post_form("/artist/signup", &[("email", email), ("password", PASSWORD), ("tier", "pro")]).await;
    assert!(sent.body.contains("Check your email"), "{}", sent.body);
    let confirm = link_in_mail(&app.address, email, "/artist/signup/confirm/").unwrap();
    browser.get(&confirm).await;
    assert_eq!(browser.post_form(&confirm, &[("password", PASSWORD)]).await.redirect(), "/artist/application");
    count_text(
        app,
        &format!("SELECT a.uid FROM artist_profiles a JOIN users u ON u.id = a.user_id WHERE u.email = '{email}'"),
    )
}

#[tokio::test]
async fn applications_are_accepted_or_declined_with_a_message_from_the_console() {
    let app = spawn_app_with(|c| c.set("label.artist_signup", "approval"), None, None).await;
    let mut admin = admin_browser(&app).await;
    assert!(admin.get("/admin/applications").await.body.contains("No application is waiting"));
    let yes = applicant(&app, "yes@example.com").await;
    let no = applicant(&app, "no@example.com").await;
    let list = admin.get("/admin/applications").await;
    assert!(list.body.contains("yes@example.com") && list.body.contains("no@example.com"), "{}", list.body);

    let accepted = admin.post_form(&format!("/admin/applications/{yes}/approve"), &[("message", "Welcome!")]).await;
    assert_eq!(accepted.redirect(), "/admin/applications?done=approved");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE application = 'accepted'"), 1);
    let mail = app.mails().into_iter().rev().find(|m| m.contains("To: yes@example.com")).unwrap();
    assert!(mail.contains("Welcome!"), "{mail}");

    let ask = admin.get(&format!("/admin/applications/{no}/decline")).await;
    assert!(ask.body.contains("name=\"reason\"") && ask.body.contains("Decline the application"), "{}", ask.body);
    let empty = admin.post_form(&format!("/admin/applications/{no}/decline"), &[("reason", "")]).await;
    assert_eq!(empty.status, 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE application = 'declined'"), 0);
    let declined =
        admin.post_form(&format!("/admin/applications/{no}/decline"), &[("reason", "Our roster is full.")]).await;
    assert_eq!(declined.redirect(), "/admin/applications?done=declined");
    let mail = app.mails().into_iter().rev().find(|m| m.contains("To: no@example.com")).unwrap();
    assert!(mail.contains("Our roster is full."), "{mail}");
    assert_eq!(audit_rows(&app, "application.approve"), 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'application.decline' AND reason = 'Our roster is full.'"
        ),
        1
    );
    assert_eq!(admin.post_form(&format!("/admin/applications/{no}/approve"), &[]).await.status, 409, "decided");
    assert!(admin.get("/admin/applications").await.body.contains("No application is waiting"));
    assert_eq!(admin.get("/admin/applications?after=junk").await.status, 400);
    app.stop().await;
}

async fn app_token(app: &TestApp, email: &str, password: &str, agent: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/token"))
        .header("user-agent", agent)
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn people_are_found_with_their_sign_in_history_and_can_be_disabled_and_enabled() {
    let app = spawn_app().await;
    let mut ada = fan(&app, "ada@example.com").await;
    assert_eq!(app_token(&app, "ada@example.com", FAN_PASSWORD, "BoptoneApp/1.0 (iPhone)").await.status(), 200);
    assert_eq!(app_token(&app, "ada@example.com", "wrong password!", "BoptoneApp/1.0 (iPhone)").await.status(), 401);
    assert_eq!(app_token(&app, "nobody@example.com", "wrong password!", "Stranger/1").await.status(), 401);
    let mut admin = admin_browser(&app).await;

    let found = admin.get("/admin/people?q=ada%40example").await;
    assert!(found.body.contains("ada@example.com"), "{}", found.body);
    let fans = admin.get("/admin/people?role=admin").await;
    assert!(!fans.body.contains("ada@example.com"));
    assert_eq!(admin.get("/admin/people?role=wizard").await.status, 400);
    assert_eq!(admin.get("/admin/people?after=junk").await.status, 400);
    assert_eq!(admin.get(&format!("/admin/people/{}", "0".repeat(32))).await.status, 404);

    let uid = user_uid(&app, "ada@example.com");
    let page = admin.get(&format!("/admin/people/{uid}")).await;
    assert!(page.body.contains("BoptoneApp/1.0 (iPhone)"), "{}", page.body);
    assert!(page.body.contains("wrong password") && page.body.contains("signed in"), "{}", page.body);
    assert!(page.body.contains(">web<") && page.body.contains(">app<"), "{}", page.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sign_ins"),
        count(&app, "SELECT COUNT(*) FROM sign_ins WHERE user_id IN (SELECT id FROM users)")
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sign_ins WHERE user_agent = 'Stranger/1'"),
        0,
        "unknown addresses are not kept"
    );
    assert_eq!(admin.get(&format!("/admin/people/{uid}?before=soon")).await.status, 400);

    let empty = admin.post_form(&format!("/admin/people/{uid}/disable"), &[("reason", "")]).await;
    assert_eq!(empty.status, 422);
    assert_eq!(ada.get("/account").await.status, 200, "nothing changed");
    let off = admin.post_form(&format!("/admin/people/{uid}/disable"), &[("reason", "Spam in every comment.")]).await;
    assert_eq!(off.redirect(), format!("/admin/people/{uid}?done=disabled"));
    assert_ne!(ada.get("/account").await.status, 200, "signed out everywhere");
    let again = Browser::new(&app.address)
        .post_form("/login", &[("email", "ada@example.com"), ("password", FAN_PASSWORD)])
        .await;
    assert!(again.body.contains("Spam in every comment."), "{}", again.body);
    assert_eq!(audit_rows(&app, "person.disable"), 1);

    let on = admin.post_form(&format!("/admin/people/{uid}/enable"), &[("reason", "Appeal accepted.")]).await;
    assert_eq!(on.redirect(), format!("/admin/people/{uid}?done=enabled"));
    let back = Browser::new(&app.address)
        .post_form("/login", &[("email", "ada@example.com"), ("password", FAN_PASSWORD)])
        .await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(audit_rows(&app, "person.enable"), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_label_exports_and_erases_a_persons_data_but_never_its_own_or_the_last_admin() {
    let app = spawn_app().await;
    let _ada = fan(&app, "ada@example.com").await;
    let mut admin = admin_browser(&app).await;
    let uid = user_uid(&app, "ada@example.com");

    let export = admin.post_form(&format!("/admin/people/{uid}/export"), &[]).await;
    assert_eq!(export.status, 200);
    let data: Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(data["format"], "boptone-account-export/1");
    assert_eq!(data["account"]["email"], "ada@example.com");
    assert_eq!(audit_rows(&app, "person.export"), 1);

    let ask = admin.get(&format!("/admin/people/{uid}/erase")).await;
    assert!(ask.body.contains("Type ERASE"), "{}", ask.body);
    let unconfirmed = admin.post_form(&format!("/admin/people/{uid}/erase"), &[("reason", "Request of 1 May.")]).await;
    assert_eq!(unconfirmed.status, 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email = 'ada@example.com'"), 1, "nothing changed");
    let erased = admin
        .post_form(&format!("/admin/people/{uid}/erase"), &[("reason", "Request of 1 May."), ("confirm", "ERASE")])
        .await;
    assert_eq!(erased.redirect(), format!("/admin/people/{uid}?done=erased"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email = 'ada@example.com'"), 0);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM users WHERE uid = '{uid}' AND deleted_at IS NOT NULL")), 1);
    let left = format!("SELECT COUNT(*) FROM sign_ins WHERE user_id = (SELECT id FROM users WHERE uid = '{uid}')");
    assert_eq!(count(&app, &left), 0, "sign-ins are personal data");
    assert_eq!(audit_rows(&app, "person.erase"), 1);
    assert!(admin.get(&format!("/admin/people/{uid}")).await.body.contains("erased"));

    // Oneself, and the last admin, are out of reach.
    let me = count_text(&app, "SELECT uid FROM users WHERE role = 'admin'");
    assert_eq!(admin.post_form(&format!("/admin/people/{me}/disable"), &[("reason", "oops")]).await.status, 409);
    assert_eq!(
        admin.post_form(&format!("/admin/people/{me}/erase"), &[("reason", "oops"), ("confirm", "ERASE")]).await.status,
        409
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE reason = 'oops'"), 0);
    app.stop().await;
}
