//! Phase 1: signup with a tier, profile setup, payouts, dashboard, the
//! revenue gate, sessions, CSRF, password reset, admin.

use reqwest::header;

use crate::browser::{Browser, PASSWORD, connect_payouts, onboarded_artist, pay, png, set_up_profile, signed_up};
use crate::helpers::{TestApp, boptone, run, spawn_app, spawn_app_with, stderr};

fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

fn mails(app: &TestApp) -> Vec<String> {
    app.mails()
}

#[tokio::test]
async fn a_new_artist_gets_from_nothing_to_ready_to_earn() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);

    let signup = browser.get("/artist/signup").await;
    assert!(signup.body.contains("Starter") && signup.body.contains("$29.00") && signup.body.contains("Label"));
    let checkout = signed_up(&mut browser, "nova@example.com").await;
    let checkout_page = browser.get(&checkout).await;
    assert!(
        checkout_page.body.contains("TEST MONEY") && checkout_page.body.contains("$29.00"),
        "{}",
        checkout_page.body
    );

    // Before paying, the dashboard shows what is left.
    let dashboard = browser.get("/dashboard").await;
    assert!(dashboard.body.contains("Finish payment"));
    pay(&mut browser, &checkout).await;
    let setup = browser.get("/artist/setup").await;
    assert_eq!(setup.status, 200);
    set_up_profile(&mut browser, "Nova Lee").await;
    connect_payouts(&mut browser).await;

    let dashboard = browser.get("/dashboard").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.body.contains("Earned today"), "{}", dashboard.body);
    assert!(!dashboard.body.contains("Finish setting up"), "the checklist gives way to today's figures");
    assert!(dashboard.body.contains("<svg"), "the QR code is drawn");
    let profile_url = format!("{}/@nova_lee", app.state.views.globals().public_url);
    assert!(dashboard.body.contains(&profile_url), "{}", dashboard.body);

    let profile = browser.get("/@nova_lee").await;
    assert_eq!(profile.status, 200);
    assert!(profile.body.contains("Nova Lee") && profile.body.contains("Songs for night buses."));
    let start = profile.body.find("/media/profiles/").unwrap();
    let photo_path = &profile.body[start..start + profile.body[start..].find('"').unwrap()];
    let photo = app.get(photo_path).await.bytes().await.unwrap();
    let decoded = image::load_from_memory(&photo).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (512, 512), "the served photo is exactly 512×512");

    // artist.profile.completed → welcome email and welcome notification.
    app.drain_events().await;
    let mail = mails(&app).join("\n");
    assert!(mail.contains("To: nova@example.com") && mail.contains("Your artist profile is live"), "{mail}");
    assert!(browser.get("/dashboard").await.body.contains("Your profile is live"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'artist.profile.completed'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn signup_errors_keep_input_and_create_nothing() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let page =
        browser.post_form("/artist/signup", &[("email", "not-an-email"), ("password", "short"), ("tier", "")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Enter an email address like name@example.com."));
    assert!(page.body.contains("Use at least 10 characters."));
    assert!(page.body.contains("Choose a plan."));
    assert!(page.body.contains(r#"value="not-an-email""#), "input is kept");
    assert!(!page.body.contains("short"), "passwords are never echoed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0);

    signed_up(&mut browser, "taken@example.com").await;
    let mut other = Browser::new(&app.address);
    let again = other
        .post_form("/artist/signup", &[("email", "Taken@Example.com"), ("password", PASSWORD), ("tier", "starter")])
        .await;
    assert_eq!(again.status, 200, "a taken address is not revealed (see accounts::signup_does_not_reveal_accounts)");
    assert!(!again.body.contains("already exists"), "{}", again.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM subscriptions"), 1);
    app.stop().await;
}

#[tokio::test]
async fn state_changing_forms_need_a_valid_csrf_token() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    browser.get("/artist/signup").await;
    let fields = [("email", "csrf@example.com"), ("password", PASSWORD), ("tier", "pro")];
    let page = browser.post_form_without_token("/artist/signup", &fields).await;
    assert_eq!(page.status, 403);

    // A token from another visitor does not fit this visitor's cookie.
    let mut other = Browser::new(&app.address);
    let foreign = other.csrf().await;
    let mut with_foreign: Vec<(&str, &str)> = fields.to_vec();
    with_foreign.push(("csrf_token", &foreign));
    assert_eq!(browser.post_form_without_token("/artist/signup", &with_foreign).await.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0, "nothing was created");

    // Every state-changing browser route is protected.
    for path in [
        "/login",
        "/logout",
        "/forgot-password",
        "/artist/subscription/checkout",
        "/artist/setup",
        "/artist/payout/start",
        "/admin/artists/x/suspend",
        "/sandbox/checkout/x/complete",
        "/sandbox/connect/x",
    ] {
        let page = browser.post_form_without_token(path, &[("csrf_token", "forged")]).await;
        assert_eq!(page.status, 403, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn sign_in_sessions_and_sign_out() {
    let app = spawn_app().await;
    let mut artist = Browser::new(&app.address);
    signed_up(&mut artist, "ada@example.com").await;

    let mut browser = Browser::new(&app.address);
    assert_eq!(browser.get("/dashboard").await.redirect(), "/login?next=%2Fdashboard");
    let wrong = browser.post_form("/login", &[("email", "ada@example.com"), ("password", "wrong password!")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("do not match"));

    let token = browser.csrf().await;
    let response = browser
        .client
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", "ADA@example.com"),
            ("password", PASSWORD),
            ("next", "/artist/setup"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/artist/setup");
    let cookies: Vec<_> =
        response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let session = cookies.iter().find(|c| c.starts_with("boptone_session=")).expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain-http public URL: no Secure flag");
    assert!(cookies.iter().any(|c| c.starts_with("boptone_csrf=")), "the CSRF cookie is rotated at sign-in");

    browser.get("/dashboard").await;
    assert_eq!(browser.get("/dashboard").await.status, 200);
    assert_eq!(browser.sign_out().await.redirect(), "/");
    assert_eq!(browser.get("/dashboard").await.status, 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions"), 1, "only the other browser's session is left");
    app.stop().await;
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = spawn_app_with(|c| c.set("accounts.login_attempts_per_ip_per_minute", 3), None, None).await;
    let mut browser = Browser::new(&app.address);
    for _ in 0..3 {
        let page =
            browser.post_form("/login", &[("email", "who@example.com"), ("password", "guess guess guess")]).await;
        assert_eq!(page.status, 422);
    }
    let token = browser.csrf().await;
    let limited = browser
        .client
        .post(format!("{}/login", app.address))
        .form(&[("email", "who@example.com"), ("password", "guess guess guess"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));
    app.stop().await;
}

#[tokio::test]
async fn password_reset_by_single_use_emailed_link() {
    let app = spawn_app().await;
    let mut artist = Browser::new(&app.address);
    signed_up(&mut artist, "forgetful@example.com").await;

    let mut browser = Browser::new(&app.address);
    let before = mails(&app).len();
    let unknown = browser.post_form("/forgot-password", &[("email", "nobody@example.com")]).await;
    assert!(unknown.body.contains("If an account uses that address"), "no account enumeration");
    assert_eq!(mails(&app).len(), before);
    let sent = browser.post_form("/forgot-password", &[("email", "forgetful@example.com")]).await;
    assert!(sent.body.contains("If an account uses that address"));
    let mail = mails(&app).pop().expect("a reset email");
    let start = mail.find("/reset-password/").unwrap();
    let path: String = mail[start..].chars().take_while(|c| !c.is_whitespace()).collect();

    assert_eq!(browser.get(&path).await.status, 200);
    let weak = browser.post_form(&path, &[("password", "tiny")]).await;
    assert_eq!(weak.status, 422);
    assert_eq!(browser.post_form(&path, &[("password", "a brand new passphrase")]).await.redirect(), "/login?reset=1");
    assert_eq!(browser.get(&path).await.status, 410, "the link works once");
    assert_eq!(browser.post_form(&path, &[("password", "yet another passphrase")]).await.status, 400);

    assert_eq!(artist.get("/dashboard").await.status, 303, "every session was signed out");
    let old = browser.post_form("/login", &[("email", "forgetful@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(old.status, 422);
    let new = browser
        .post_form("/login", &[("email", "forgetful@example.com"), ("password", "a brand new passphrase")])
        .await;
    assert_eq!(new.redirect(), "/dashboard");
    app.stop().await;
}

#[tokio::test]
async fn profile_setup_rejects_bad_input_and_changes_nothing() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = signed_up(&mut browser, "photo@example.com").await;
    pay(&mut browser, &checkout).await;

    let not_image = browser
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Pix"), ("genres", "Pop")],
            Some(("photo", b"%PDF-1.7 fake".to_vec(), "image/png")),
        )
        .await;
    assert_eq!(not_image.status, 422);
    assert!(not_image.body.contains("Upload a JPEG, PNG or WebP image."), "{}", not_image.body);
    assert!(not_image.body.contains(r#"value="Pix""#), "input is kept");

    let bad_fields = browser
        .post_multipart(
            "/artist/setup",
            &[
                ("stage_name", ""),
                ("handle", "admin"),
                ("genres", "Polka-Step"),
                ("social_instagram", "https://evil.example/me"),
            ],
            Some(("photo", png(300, 300), "image/png")),
        )
        .await;
    assert_eq!(bad_fields.status, 422);
    for message in [
        "Enter the name fans know you by.",
        "That handle is reserved",
        "Polka-Step is not in the list.",
        "That is not a Instagram address.",
    ] {
        assert!(bad_fields.body.contains(message), "{message}");
    }
    let no_photo = browser.post_multipart("/artist/setup", &[("stage_name", "Pix"), ("genres", "Pop")], None).await;
    assert_eq!(no_photo.status, 422);
    assert!(no_photo.body.contains("Add a profile photo"));

    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE onboarding_completed = 1 OR photo_key IS NOT NULL"),
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'artist.profile.completed'"), 0);

    // A taken handle is refused too.
    let mut first = onboarded_artist(&app.address, "first@example.com", "Same Name").await;
    drop(first.get("/dashboard").await);
    let clash = browser
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Same Name"), ("genres", "Pop")],
            Some(("photo", png(64, 64), "image/png")),
        )
        .await;
    assert_eq!(clash.status, 422);
    assert!(clash.body.contains("That handle is taken"), "{}", clash.body);
    app.stop().await;
}

/// A revenue action on both surfaces: the studio's upload page (cookie)
/// and starting an upload on the app surface (bearer token).
pub(crate) async fn earn(
    app: &TestApp,
    browser: &mut Browser,
    token: &str,
) -> ((u16, Option<String>), (u16, serde_json::Value)) {
    let page = browser.get("/studio/bops/new").await;
    let response = crate::helpers::client()
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(token)
        .json(&serde_json::json!({"size": 10}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    ((page.status, page.location), (status, response.json().await.unwrap()))
}

pub(crate) async fn api_token(app: &TestApp, email: &str, password: &str) -> String {
    let response = crate::helpers::client()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    response.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn expect_step(app: &TestApp, browser: &mut Browser, token: &str, step: &str, url: &str) {
    let ((web_status, location), (api_status, json)) = earn(app, browser, token).await;
    assert_eq!((web_status, location.as_deref()), (303, Some(url)), "web request before {step}");
    assert_eq!(api_status, 403, "API request before {step}");
    assert_eq!(json["error"], "onboarding_incomplete");
    assert_eq!(json["step"], step);
}

#[tokio::test]
async fn the_gate_sends_each_incomplete_artist_to_the_right_step() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    assert_eq!(browser.get("/studio/bops/new").await.redirect(), "/login?next=%2Fstudio%2Fbops%2Fnew", "signed out");

    let checkout = signed_up(&mut browser, "gate@example.com").await;
    let token = api_token(&app, "gate@example.com", PASSWORD).await;
    expect_step(&app, &mut browser, &token, "subscription", "/artist/subscription").await;
    pay(&mut browser, &checkout).await;
    expect_step(&app, &mut browser, &token, "profile", "/artist/setup").await;
    set_up_profile(&mut browser, "Gate Keeper").await;
    expect_step(&app, &mut browser, &token, "payout", "/artist/payout").await;
    connect_payouts(&mut browser).await;
    let ((web, _), (api, body)) = earn(&app, &mut browser, &token).await;
    assert_eq!((web, api), (200, 201), "a ready artist passes: {body}");

    // A subscription that lapses closes the gate again.
    app.state
        .db
        .write::<_, boptone::error::AppError, _>(|tx| {
            Ok(tx.execute("UPDATE subscriptions SET status = 'past_due'", [])?)
        })
        .await
        .unwrap();
    expect_step(&app, &mut browser, &token, "subscription", "/artist/subscription").await;
    app.stop().await;
}

#[tokio::test]
async fn one_artist_cannot_touch_another_artists_checkout_or_payouts() {
    let app = spawn_app().await;
    let mut victim = Browser::new(&app.address);
    let victim_checkout = signed_up(&mut victim, "victim@example.com").await;
    let mut attacker = onboarded_artist(&app.address, "attacker@example.com", "Attacker").await;

    assert_eq!(attacker.get(&victim_checkout).await.status, 404);
    assert_eq!(attacker.post_form(&format!("{victim_checkout}/complete"), &[]).await.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM subscriptions WHERE status = 'active'"), 1, "only the attacker's own");

    pay(&mut victim, &victim_checkout).await;
    set_up_profile(&mut victim, "Victim").await;
    let start = victim.post_form("/artist/payout/start", &[]).await;
    let victim_connect = start.redirect().to_owned();
    assert_eq!(attacker.get(&victim_connect).await.status, 404);
    let forged = attacker
        .post_form(&victim_connect, &[("legal_name", "Attacker"), ("country", "US"), ("account_number", "999999999")])
        .await;
    assert_eq!(forged.status, 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM stripe_connect_accounts WHERE payouts_enabled = 1"), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_label_admin_lists_suspends_and_reinstates_artists() {
    let app = spawn_app().await;
    let mut artist = onboarded_artist(&app.address, "roster@example.com", "Roster Star").await;

    let mut create = boptone();
    create
        .args(["admin", "create-user", "--email", "boss@label.example", "--role", "admin", "--password-stdin"])
        .args(["--data-dir", app.data_dir().to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = create.spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"label admin passphrase\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let again = run(boptone()
        .args(["admin", "create-user", "--email", "boss@label.example", "--role", "admin", "--password-stdin"])
        .args(["--data-dir", app.data_dir().to_str().unwrap()]));
    assert!(!again.status.success(), "a duplicate is refused");
    assert!(stderr(&again).contains("already exists") || stderr(&again).contains("password"), "{}", stderr(&again));

    let mut admin =
        crate::console_helpers::admin_browser_for(&app, "boss@label.example", "label admin passphrase").await;
    let list = admin.get("/admin").await;
    assert_eq!(list.status, 200, "the console opens on the roster");
    assert!(list.body.contains("Roster Star") && list.body.contains("roster@example.com"), "{}", list.body);
    assert!(list.body.contains("Ready to earn") && list.body.contains("Pro (active)") && list.body.contains("Enabled"));
    assert_eq!(artist.get("/admin").await.status, 403, "artists are not admins");

    // Suspending takes a confirmation with a reason (the old one-click form is refused).
    let uid: String =
        app.state.db.read_blocking(|c| c.query_row("SELECT uid FROM artist_profiles", [], |r| r.get(0))).unwrap();
    assert_eq!(admin.post_form(&format!("/admin/artists/{uid}/suspend"), &[]).await.status, 422);
    assert!(!artist.get("/dashboard").await.body.contains("suspended"));
    let suspend = admin.post_form(&format!("/admin/artists/{uid}/suspend"), &[("reason", "Copyright claims.")]).await;
    assert_eq!(suspend.redirect(), "/admin/artists?done=suspended");
    assert!(artist.get("/dashboard").await.body.contains("Copyright claims."));
    let token = api_token(&app, "roster@example.com", PASSWORD).await;
    let ((web, _), (api, body)) = earn(&app, &mut artist, &token).await;
    assert_eq!((web, api), (403, 403), "{body}");
    assert_eq!(body["error"], "forbidden");
    assert_eq!(artist.get("/@roster_star").await.status, 404, "a suspended artist's profile is hidden");

    admin.post_form(&format!("/admin/artists/{uid}/reinstate"), &[("reason", "Claims withdrawn.")]).await;
    assert_eq!(earn(&app, &mut artist, &token).await.0.0, 200);
    assert_eq!(admin.post_form("/admin/artists/nope/suspend", &[("reason", "x")]).await.status, 404);
    app.stop().await;
}

#[tokio::test]
async fn sessions_are_secure_cookies_behind_https() {
    let app = spawn_app_with(|c| c.server.public_url = "https://label.example".parse().unwrap(), None, None).await;
    let mut browser = Browser::new(&app.address);
    browser.get("/artist/signup").await;
    let sent = browser
        .post_form("/artist/signup", &[("email", "secure@example.com"), ("password", PASSWORD), ("tier", "pro")])
        .await;
    assert_eq!(sent.status, 200);
    let link = crate::helpers::link_in_mail(&app.address, "secure@example.com", "/artist/signup/confirm/").unwrap();
    let token = browser.csrf().await;
    let form = [("csrf_token", token.as_str()), ("password", PASSWORD)];
    let response = browser.client.post(app.url(&link)).form(&form).send().await.unwrap();
    let session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("boptone_session="))
        .expect("a session cookie");
    assert!(session.contains("Secure") && session.contains("HttpOnly"), "{session}");
    app.stop().await;
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account_too() {
    let app = spawn_app_with(|c| c.set("accounts.login_attempts_per_account_per_hour", 2), None, None).await;
    let mut browser = Browser::new(&app.address);
    for _ in 0..2 {
        let page =
            browser.post_form("/login", &[("email", "target@example.com"), ("password", "guess guess guess")]).await;
        assert_eq!(page.status, 422);
    }
    let limited =
        browser.post_form("/login", &[("email", "TARGET@example.com"), ("password", "guess guess guess")]).await;
    assert_eq!(limited.status, 429, "the account's budget is spent, whatever the letter case");
    let other =
        browser.post_form("/login", &[("email", "someone@example.com"), ("password", "guess guess guess")]).await;
    assert_eq!(other.status, 422, "other accounts are unaffected");
    app.stop().await;
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = spawn_app().await;
    let mut artist = Browser::new(&app.address);
    signed_up(&mut artist, "late@example.com").await;
    let mut browser = Browser::new(&app.address);
    browser.post_form("/forgot-password", &[("email", "late@example.com")]).await;
    let mail = mails(&app).pop().unwrap();
    let start = mail.find("/reset-password/").unwrap();
    let path: String = mail[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    app.state
        .db
        .write::<_, boptone::error::AppError, _>(|tx| Ok(tx.execute("UPDATE password_resets SET expires_at = 0", [])?))
        .await
        .unwrap();
    assert_eq!(browser.get(&path).await.status, 410);
    assert_eq!(browser.post_form(&path, &[("password", "too late passphrase")]).await.status, 400);
    let old = browser.post_form("/login", &[("email", "late@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(old.redirect(), "/dashboard", "the password did not change");
    app.stop().await;
}
