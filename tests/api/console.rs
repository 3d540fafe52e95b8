//! The label console's frame (issue 15 item 7): admins enrol an
//! authenticator (RFC 6238) before the console opens, sign in with a code
//! each time, keep recovery codes, re-confirm destructive actions, and
//! every action lands in the audit log, which the label reads and exports.
//! Suspension with a reason (the primitive the roster, moderation and
//! people pages use) is tried here too.

use ::boptone::auth::Role;
use ::boptone::core::ids::UserId;

use crate::bops::{FAN_PASSWORD, fan, token};
use crate::browser::{Browser, onboarded_artist};
use crate::console_helpers::{ADMIN_PASSWORD, admin_browser, fresh_code, totp_secret};
use crate::helpers::{TestApp, boptone, run, spawn_app, stdout};

const EMAIL: &str = "boss@label.example";

fn make_admin(app: &TestApp) {
    ::boptone::identity::service::create_named_user_blocking(&app.state.db, EMAIL, ADMIN_PASSWORD, Role::Admin, None)
        .unwrap();
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    app.state
        .db
        .read_blocking(|c| {
            c.prepare("SELECT action FROM audit_log ORDER BY id")?.query_map([], |r| r.get(0))?.collect()
        })
        .unwrap()
}

async fn signed_in_with_password(app: &TestApp) -> Browser {
    let mut browser = Browser::new(&app.address);
    let login = browser.post_form("/login", &[("email", EMAIL), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(login.redirect(), "/admin");
    browser
}

#[tokio::test]
async fn the_console_stays_shut_until_the_admin_enrols_an_authenticator() {
    // More code tries than the default five a minute: this test tries many.
    let app = crate::helpers::spawn_app_with(|c| c.set("admin.code_attempts_per_minute", 20), None, None).await;
    make_admin(&app);
    let mut admin = signed_in_with_password(&app).await;
    for path in ["/admin", "/admin/audit", "/admin/audit.csv", "/admin/royalties", "/admin/security"] {
        assert_eq!(admin.get(path).await.redirect(), "/admin/mfa", "{path} without the second factor");
    }
    assert_eq!(admin.post_form("/admin/security/recovery-codes", &[]).await.redirect(), "/admin/mfa");

    let enrol = admin.get("/admin/mfa").await;
    assert!(enrol.body.contains("<svg") && enrol.body.contains("Set up your authenticator"), "{}", enrol.body);
    let secret = totp_secret(&app, EMAIL);
    assert!(enrol.body.contains(&secret), "the key is shown for typing in");
    assert!(admin.get("/admin/mfa").await.body.contains(&secret), "a reload shows the same key");

    let wrong = admin.post_form("/admin/mfa", &[("code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("not right"));
    for bad in ["12345", "abcdef", "1234567"] {
        assert_eq!(admin.post_form("/admin/mfa", &[("code", bad)]).await.status, 422, "{bad:?}");
    }
    assert_eq!(admin.get("/admin").await.redirect(), "/admin/mfa", "still shut after wrong codes");
    assert!(audit_actions(&app).is_empty(), "nothing happened yet");

    let done = admin.post_form("/admin/mfa", &[("code", &fresh_code(&app, EMAIL))]).await;
    assert_eq!(done.status, 200);
    let codes: Vec<&str> = done.body.match_indices("<li><code>").map(|(i, _)| &done.body[i + 10..i + 24]).collect();
    assert_eq!(codes.len(), 10, "{}", done.body);
    assert_eq!(admin.get("/admin").await.status, 200, "the console opens");
    assert_eq!(audit_actions(&app), ["admin.mfa_enrol"]);

    // The next sign-in asks for a code (no QR code), refuses a used one,
    // and takes a recovery code once.
    let mut again = signed_in_with_password(&app).await;
    let ask = again.get("/admin/mfa").await;
    assert!(!ask.body.contains("<svg") && !ask.body.contains(&secret), "the key is not shown again");
    let used: i64 =
        app.state.db.read_blocking(|c| c.query_row("SELECT last_step FROM admin_totp", [], |r| r.get(0))).unwrap();
    let replay = ::boptone::console::totp::code_at(&secret, used as u64 * 30).unwrap();
    assert_eq!(again.post_form("/admin/mfa", &[("code", &replay)]).await.status, 422, "a code counts once");
    let recovery = codes[3].to_uppercase();
    assert_eq!(again.post_form("/admin/mfa", &[("recovery", &recovery)]).await.redirect(), "/admin");
    assert_eq!(again.get("/admin/audit").await.status, 200);
    let mut third = signed_in_with_password(&app).await;
    assert_eq!(
        third.post_form("/admin/mfa", &[("recovery", codes[3])]).await.status,
        422,
        "a recovery code counts once"
    );
    assert_eq!(third.post_form("/admin/mfa", &[("code", &fresh_code(&app, EMAIL))]).await.redirect(), "/admin");
    assert_eq!(audit_actions(&app), ["admin.mfa_enrol", "admin.recovery_code_used", "admin.sign_in"]);

    // Admins' sessions are hours long, artists' days.
    let lifetimes: Vec<(String, i64)> = app
        .state
        .db
        .read_blocking(|c| {
            c.prepare("SELECT u.role, s.expires_at - s.created_at FROM sessions s JOIN users u ON u.id = s.user_id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .unwrap();
    assert!(lifetimes.iter().all(|(role, ms)| role == "admin" && *ms == 8 * 3_600_000), "{lifetimes:?}");
    app.stop().await;
}

#[tokio::test]
async fn code_guesses_are_limited_per_admin() {
    let app = spawn_app().await;
    make_admin(&app);
    let mut admin = signed_in_with_password(&app).await;
    admin.get("/admin/mfa").await;
    for _ in 0..5 {
        assert_eq!(admin.post_form("/admin/mfa", &[("code", "000000")]).await.status, 422);
    }
    let limited = admin.post_form("/admin/mfa", &[("code", &fresh_code(&app, EMAIL))]).await;
    assert_eq!(limited.status, 429, "even the right code waits once the budget is spent");
    assert_eq!(admin.get("/admin").await.redirect(), "/admin/mfa");
    app.stop().await;
}

#[tokio::test]
async fn destructive_actions_ask_for_a_fresh_code_after_a_while() {
    let app = spawn_app().await;
    make_admin(&app);
    let mut admin = crate::console_helpers::admin_browser_for(&app, EMAIL, ADMIN_PASSWORD).await;
    let recent = admin.post_form("/admin/security/recovery-codes", &[]).await;
    assert_eq!(recent.status, 200, "right after the sign-in code, no second one: {}", recent.body);

    app.state.clock.advance(11 * 60_000);
    let page = admin.get("/admin/security").await;
    assert!(page.body.contains("name=\"code\""), "the form asks for a code again");
    let missing = admin.post_form("/admin/security/recovery-codes", &[]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("authenticator"));
    assert_eq!(admin.post_form("/admin/security/recovery-codes", &[("code", "123456")]).await.status, 422);
    let before: i64 =
        app.state.db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))).unwrap();
    let ok = admin.post_form("/admin/security/recovery-codes", &[("code", &fresh_code(&app, EMAIL))]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let actions = audit_actions(&app);
    assert_eq!(actions.len() as i64, before + 1);
    assert_eq!(actions.last().unwrap(), "admin.recovery_codes_new");
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_is_read_filtered_and_exported_by_admins_only() {
    let app = spawn_app().await;
    let mut admin = admin_browser(&app).await;
    let actor = ::boptone::console::audit::Actor { user_id: None, name: "=cmd|' /C calc'!A0".to_owned() };
    app.state
        .db
        .write::<_, ::boptone::error::AppError, _>(move |tx| {
            for (action, uid) in [("artist.suspend", "a1"), ("report.hide", "c1"), ("artist.reinstate", "a1")] {
                let entry = ::boptone::console::audit::Entry {
                    action,
                    target_kind: "thing",
                    target_uid: uid,
                    reason: Some("said, \"so\"\nand more"),
                    detail: serde_json::json!({}),
                };
                ::boptone::console::audit::record(tx, &actor, entry, 1_700_000_000_000)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let page = admin.get("/admin/audit").await;
    assert!(
        page.body.contains("artist.suspend")
            && page.body.contains("report.hide")
            && page.body.contains("admin.mfa_enrol")
    );
    let artists = admin.get("/admin/audit?action=artist").await;
    assert!(
        artists.body.contains("artist.reinstate") && !artists.body.contains("<code>report.hide</code>"),
        "filter by noun"
    );
    let one = admin.get("/admin/audit?action=report.hide").await;
    assert!(one.body.contains("<code>report.hide</code>") && !one.body.contains("<code>artist.suspend</code>"));
    assert!(!admin.get("/admin/audit?target=c1").await.body.contains("<code>artist.suspend</code>"));
    assert_eq!(admin.get("/admin/audit?before=abc").await.status, 422);
    assert_eq!(admin.get("/admin/audit?action=%01").await.status, 422);

    let csv = admin.get("/admin/audit.csv?action=artist").await;
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,at_utc,actor,action,target_kind,target_uid,reason,detail");
    assert_eq!(csv.body.matches("artist.").count(), 2, "{}", csv.body);
    assert!(csv.body.contains("'=cmd|' /C calc'!A0"), "formulas are neutralised: {}", csv.body);
    assert!(csv.body.contains("\"said, \"\"so\"\"\nand more\""), "quoted per RFC 4180");
    assert_eq!(audit_actions(&app).last().unwrap(), "audit.export", "an export is itself recorded");

    let mut artist = onboarded_artist(&app.address, "artist@example.com", "Nova Lights").await;
    assert_eq!(artist.get("/admin/audit").await.status, 403);
    assert_eq!(artist.get("/admin/mfa").await.status, 403);
    assert!(Browser::new(&app.address).get("/admin/audit").await.redirect().starts_with("/login"));
    app.stop().await;
}

#[tokio::test]
async fn the_command_line_resets_a_lost_authenticator_and_says_so_in_the_log() {
    let app = spawn_app().await;
    make_admin(&app);
    let mut admin = crate::console_helpers::admin_browser_for(&app, EMAIL, ADMIN_PASSWORD).await;
    let dir = app.data_dir();
    let output = run(boptone().args(["admin", "reset-mfa", "--email", EMAIL, "--data-dir", dir.to_str().unwrap()]));
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("new authenticator"));
    assert!(admin.get("/admin").await.redirect().starts_with("/login"), "the admin's sessions ended");
    let mut again = signed_in_with_password(&app).await;
    assert!(again.get("/admin/mfa").await.body.contains("<svg"), "enrols again");
    let unknown =
        run(boptone().args(["admin", "reset-mfa", "--email", "nobody@x.example", "--data-dir", dir.to_str().unwrap()]));
    assert!(!unknown.status.success());
    let logged: (String, String) = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT actor_name, action FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .unwrap();
    assert_eq!(logged, ("cli".to_owned(), "admin.mfa_reset".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn a_suspended_fan_is_signed_out_and_told_why_at_sign_in_and_an_artist_reads_why() {
    let app = spawn_app().await;
    fan(&app, "fan@example.com");
    let fan_token = token(&app, "fan@example.com", FAN_PASSWORD).await;
    let mut artist = onboarded_artist(&app.address, "artist@example.com", "Nova Lights").await;
    let ids: Vec<i64> = app
        .state
        .db
        .read_blocking(|c| {
            c.prepare(
                "SELECT id FROM users WHERE email IN ('fan@example.com', 'artist@example.com') ORDER BY email DESC",
            )?
            .query_map([], |r| r.get(0))?
            .collect()
        })
        .unwrap();
    let (fan_id, artist_id) = (UserId(ids[0]), UserId(ids[1]));
    assert!(::boptone::identity::suspension::parse_reason("  ").is_err());
    assert!(::boptone::identity::suspension::parse_reason("bad\u{0}").is_err());
    app.state
        .db
        .write(move |tx| {
            ::boptone::identity::suspension::suspend(tx, fan_id, "Spam in comments <b>", 1)?;
            ::boptone::identity::suspension::suspend(tx, artist_id, "Unpaid samples <i>", 1)
        })
        .await
        .unwrap();
    let me = crate::helpers::client().get(app.url("/api/v1/me")).bearer_auth(&fan_token).send().await.unwrap();
    assert_eq!(me.status(), 401, "the fan's tokens are gone");
    let mut browser = Browser::new(&app.address);
    let refused = browser.post_form("/login", &[("email", "fan@example.com"), ("password", FAN_PASSWORD)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Spam in comments &lt;b&gt;"), "{}", refused.body);
    let wrong = browser.post_form("/login", &[("email", "fan@example.com"), ("password", "not it at all")]).await;
    assert!(!wrong.body.contains("Spam"), "the reason is shown only to the right password");
    let dashboard = artist.get("/dashboard").await;
    assert!(dashboard.body.contains("Unpaid samples &lt;i&gt;"), "{}", dashboard.body);
    assert!(app.mails().iter().filter(|m| m.contains("Your account was suspended")).count() == 2);

    app.state.db.write(move |tx| ::boptone::identity::suspension::reinstate(tx, fan_id, 2).map(|_| ())).await.unwrap();
    let back = browser.post_form("/login", &[("email", "fan@example.com"), ("password", FAN_PASSWORD)]).await;
    assert_eq!(back.status, 303);
    app.stop().await;
}
