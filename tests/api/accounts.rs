//! Account safety (issue 8): bounded password hashing, account rate limits,
//! same-site `next`, resets that revoke everything, lockout by strangers,
//! signup without enumeration, display names, and text without control or
//! direction characters.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use boptone::identity::domain::Role;
use boptone::identity::password::HashTicket;

use crate::bops::{FAN_PASSWORD, artist, call, fan, post_bop, token};
use crate::browser::{Browser, PASSWORD, confirmed_signup, signed_up};
use crate::helpers::{TestApp, boptone, client, link_in_mail, spawn_app, spawn_app_with, stderr};

fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

fn mail_count(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir().join("mail")).map_or(0, |d| d.count())
}

/// Takes every place in the password-hashing queue, as a flood would.
fn fill_hashing_queue(app: &TestApp) -> Vec<HashTicket> {
    std::iter::from_fn(|| boptone::identity::state(&app.state).hashing.ticket().ok()).collect()
}

async fn reset_link(app: &TestApp, browser: &mut Browser, email: &str) -> String {
    let sent = browser.post_form("/forgot-password", &[("email", email)]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    link_in_mail(&app.address, email, "/reset-password/").expect("a reset link")
}

async fn api_token(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_bogus_reset_link_is_refused_before_any_hashing() {
    let app = spawn_app().await;
    let mut owner = Browser::new(&app.address);
    signed_up(&mut owner, "owner@example.com").await;
    let link = reset_link(&app, &mut owner, "owner@example.com").await;

    let held = fill_hashing_queue(&app);
    assert!(!held.is_empty());
    let long = "p".repeat(128);
    let mut attacker = Browser::new(&app.address);
    let bogus = attacker.post_form("/reset-password/not-a-real-token", &[("password", &long)]).await;
    assert_eq!(bogus.status, 400, "checked before hashing, so a full queue does not matter: {}", bogus.body);

    // A real link needs a hash: with the queue full, 503 and the link still works.
    let busy = owner.post_form(&link, &[("password", "a brand new passphrase")]).await;
    assert_eq!(busy.status, 503);
    assert_eq!(owner.get(&link).await.status, 200, "the link was not used up");
    drop(held);
    assert_eq!(owner.post_form(&link, &[("password", "a brand new passphrase")]).await.redirect(), "/login?reset=1");
    app.stop().await;
}

#[tokio::test]
async fn password_hashing_beyond_the_queue_gets_503_with_retry_after() {
    let app = spawn_app_with(|c| c.set("accounts.password_hash_concurrency", 1), None, None).await;
    fan(&app, "fan@example.com");
    let held = fill_hashing_queue(&app);
    assert_eq!(held.len(), 33, "one slot and 32 waiting places");

    let mut browser = Browser::new(&app.address);
    let token = browser.csrf().await;
    let login = browser
        .client
        .post(app.url("/login"))
        .form(&[("email", "fan@example.com"), ("password", FAN_PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 503);
    assert_eq!(login.headers()[header::RETRY_AFTER], "1");

    let api = api_token(&app, "fan@example.com", FAN_PASSWORD).await;
    assert_eq!(api.status(), 503);
    assert!(api.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(api.json::<Value>().await.unwrap()["error"], "unavailable");

    let signup = browser
        .post_form("/artist/signup", &[("email", "new@example.com"), ("password", PASSWORD), ("tier", "pro")])
        .await;
    assert_eq!(signup.status, 503);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 0, "nothing was stored");

    drop(held);
    assert_eq!(api_token(&app, "fan@example.com", FAN_PASSWORD).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn signup_forgot_and_reset_are_rate_limited_per_ip() {
    let app = spawn_app_with(|c| c.set("accounts.account_requests_per_ip_per_hour", 3), None, None).await;
    let mut browser = Browser::new(&app.address);
    browser.get("/artist/signup").await;
    for n in 0..2 {
        let email = format!("a{n}@example.com");
        let page =
            browser.post_form("/artist/signup", &[("email", &email), ("password", PASSWORD), ("tier", "pro")]).await;
        assert_eq!(page.status, 200);
    }
    assert_eq!(browser.post_form("/forgot-password", &[("email", "a0@example.com")]).await.status, 200);
    let limited = browser
        .post_form("/artist/signup", &[("email", "a9@example.com"), ("password", PASSWORD), ("tier", "pro")])
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(browser.post_form("/forgot-password", &[("email", "a1@example.com")]).await.status, 429);
    assert_eq!(browser.post_form("/reset-password/whatever", &[("password", PASSWORD)]).await.status, 429);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 2);
    app.stop().await;
}

#[tokio::test]
async fn account_emails_are_rate_limited_per_address() {
    let app = spawn_app_with(|c| c.set("accounts.account_requests_per_address_per_hour", 2), None, None).await;
    let mut browser = Browser::new(&app.address);
    for _ in 0..2 {
        assert_eq!(browser.post_form("/forgot-password", &[("email", "target@example.com")]).await.status, 200);
    }
    let before = mail_count(&app);
    let limited = browser.post_form("/forgot-password", &[("email", "TARGET@example.com")]).await;
    assert_eq!(limited.status, 429, "the same budget whatever the letter case");
    let signup = browser
        .post_form("/artist/signup", &[("email", "target@example.com"), ("password", PASSWORD), ("tier", "pro")])
        .await;
    assert_eq!(signup.status, 429, "signup shares the address's budget");
    assert_eq!(mail_count(&app), before, "no mail was sent");
    assert_eq!(browser.post_form("/forgot-password", &[("email", "other@example.com")]).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn sign_in_never_leaves_the_site_whatever_next_says() {
    let app = spawn_app_with(|c| c.set("accounts.login_attempts_per_ip_per_minute", 1000), None, None).await;
    fan(&app, "fan@example.com");
    let nasty = [
        "//evil.example",
        "///evil.example/x",
        "/\\evil.example",
        "/\t/evil.example/x",
        "/\n/evil.example",
        "/x\r\nSet-Cookie: hacked=1",
        "%2F%2Fevil.example",
        "/..//evil.example",
        "https://evil.example/x",
        "http:evil.example",
        "javascript:alert(1)",
        "evil.example",
    ];
    for next in nasty {
        let mut browser = Browser::new(&app.address);
        let page = browser.get(&format!("/login?next={}", urlencode(next))).await;
        assert_eq!(page.status, 200, "{next:?}");
        assert!(!page.body.contains("evil.example"), "{next:?} is not carried into the form");
        let signed_in = browser
            .post_form("/login", &[("email", "fan@example.com"), ("password", FAN_PASSWORD), ("next", next)])
            .await;
        assert_eq!(signed_in.status, 303, "{next:?}: {}", signed_in.body);
        assert_eq!(signed_in.redirect(), "/app", "{next:?} falls back to a fan's default page");
    }
    let mut browser = Browser::new(&app.address);
    let fine = browser
        .post_form("/login", &[("email", "fan@example.com"), ("password", FAN_PASSWORD), ("next", "/@nova?tab=bops")])
        .await;
    assert_eq!(fine.redirect(), "/@nova?tab=bops");
    app.stop().await;
}

fn urlencode(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

#[tokio::test]
async fn a_reset_revokes_sessions_api_tokens_and_every_other_link() {
    let app = spawn_app().await;
    let mut owner = Browser::new(&app.address);
    signed_up(&mut owner, "owner@example.com").await;
    let bearer = token(&app, "owner@example.com", PASSWORD).await;
    let (status, _) = call(&app, Some(&bearer), Method::GET, "/api/v1/feed", None).await;
    assert_eq!(status, 200);

    let mut helper = Browser::new(&app.address);
    let first = reset_link(&app, &mut helper, "owner@example.com").await;
    let second = reset_link(&app, &mut helper, "owner@example.com").await;
    assert_ne!(first, second);
    assert_eq!(helper.post_form(&second, &[("password", "a brand new passphrase")]).await.redirect(), "/login?reset=1");

    let (status, _) = call(&app, Some(&bearer), Method::GET, "/api/v1/feed", None).await;
    assert_eq!(status, 401, "old bearer tokens stop working");
    assert_eq!(owner.get("/dashboard").await.status, 303, "sessions are signed out");
    assert_eq!(helper.get(&first).await.status, 410, "the other link is revoked");
    assert_eq!(helper.post_form(&first, &[("password", "attacker passphrase")]).await.status, 400);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens"), 0);
    app.stop().await;
}

#[tokio::test]
async fn forgot_password_while_signed_in_sends_the_link_and_keeps_the_session() {
    let app = spawn_app().await;
    let mut owner = Browser::new(&app.address);
    signed_up(&mut owner, "busy@example.com").await;
    let page = owner.get("/forgot-password").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You are signed in as") && page.body.contains("busy@example.com"), "{}", page.body);
    let sent = owner.post_form("/forgot-password", &[("email", "busy@example.com")]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(link_in_mail(&app.address, "busy@example.com", "/reset-password/").is_some(), "the link was sent");
    assert_eq!(owner.get("/dashboard").await.status, 200, "still signed in");
    app.stop().await;
}

#[tokio::test]
async fn strangers_cannot_lock_the_owner_out() {
    let app = spawn_app_with(
        |c| {
            c.set("accounts.login_attempts_per_account_per_hour", 3);
            c.set("accounts.login_attempts_per_ip_per_minute", 1000);
        },
        None,
        None,
    )
    .await;
    fan(&app, "owner@example.com");
    let mut owner = Browser::new(&app.address);
    let first = owner.post_form("/login", &[("email", "owner@example.com"), ("password", FAN_PASSWORD)]).await;
    assert_eq!(first.redirect(), "/app");
    owner.sign_out().await;

    // The owner's first sign-in took one attempt from the account's budget.
    let mut stranger = Browser::new(&app.address);
    for _ in 0..2 {
        let guess =
            stranger.post_form("/login", &[("email", "owner@example.com"), ("password", "guess guess guess")]).await;
        assert_eq!(guess.status, 422);
    }
    let locked =
        stranger.post_form("/login", &[("email", "owner@example.com"), ("password", "guess guess guess")]).await;
    assert_eq!(locked.status, 429, "the guessing limit still holds");
    let mut fresh = Browser::new(&app.address);
    let other = fresh.post_form("/login", &[("email", "owner@example.com"), ("password", FAN_PASSWORD)]).await;
    assert_eq!(other.status, 429, "an unknown device shares the strangers' budget");

    let back = owner.post_form("/login", &[("email", "owner@example.com"), ("password", FAN_PASSWORD)]).await;
    assert_eq!(back.redirect(), "/app", "the owner's known device has its own budget");

    // A device cookie is bound to its account: it opens no budget for another one.
    fan(&app, "second@example.com");
    for _ in 0..3 {
        owner.post_form("/login", &[("email", "second@example.com"), ("password", "guess guess guess")]).await;
    }
    let spent = owner.post_form("/login", &[("email", "second@example.com"), ("password", "guess guess guess")]).await;
    assert_eq!(spent.status, 429);
    app.stop().await;
}

#[tokio::test]
async fn signup_does_not_reveal_accounts_and_tells_the_owner() {
    let app = spawn_app().await;
    let mut owner = Browser::new(&app.address);
    signed_up(&mut owner, "taken@example.com").await;

    let mut visitor = Browser::new(&app.address);
    visitor.get("/artist/signup").await;
    let form = |email: &'static str| [("email", email), ("password", PASSWORD), ("tier", "pro")];
    let taken = visitor.post_form("/artist/signup", &form("taken@example.com")).await;
    let fresh = visitor.post_form("/artist/signup", &form("fresh@example.com")).await;
    assert_eq!(taken.status, fresh.status);
    let strip = |body: &str, email: &str| {
        let body = body.replace(email, "EMAIL");
        // The page's CSRF token is the only other difference a visitor could see.
        crate::browser::csrf_in(&body).map_or(body.clone(), |t| body.replace(&t, "TOKEN"))
    };
    assert_eq!(strip(&taken.body, "taken@example.com"), strip(&fresh.body, "fresh@example.com"));
    assert!(!taken.body.contains("already"), "{}", taken.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 1);

    let note = link_in_mail(&app.address, "taken@example.com", "/forgot-password");
    assert!(note.is_some(), "the owner is told by email, with a way back in");
    assert!(link_in_mail(&app.address, "fresh@example.com", "/artist/signup/confirm/").is_some());
    // The new address continues to its plan's checkout from the emailed link.
    let mut newcomer = Browser::new(&app.address);
    let checkout = confirmed_signup(&mut newcomer, "newcomer@example.com").await;
    assert!(checkout.starts_with("/sandbox/checkout/"), "{checkout}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 2);
    let link = link_in_mail(&app.address, "newcomer@example.com", "/artist/signup/confirm/").unwrap();
    assert_eq!(newcomer.post_form(&link, &[("password", PASSWORD)]).await.status, 400, "a signup link works once");

    // Expired links are forgotten at the next signup, and no longer work.
    app.state
        .db
        .write::<_, boptone::error::AppError, _>(|tx| Ok(tx.execute("UPDATE signup_requests SET expires_at = 1", [])?))
        .await
        .unwrap();
    assert_eq!(newcomer.get(&link).await.status, 410);
    visitor.post_form("/artist/signup", &form("later@example.com")).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests"), 1, "only the new one is kept");
    app.stop().await;
}

#[tokio::test]
async fn a_signup_started_by_someone_else_cannot_be_completed_by_the_owner() {
    let app = spawn_app().await;
    let mut attacker = Browser::new(&app.address);
    attacker.get("/artist/signup").await;
    let started = attacker
        .post_form(
            "/artist/signup",
            &[("email", "victim@example.com"), ("password", "attacker knows this"), ("tier", "pro")],
        )
        .await;
    assert_eq!(started.status, 200);
    // The victim follows the link they did not ask for, typing their own password.
    let link = link_in_mail(&app.address, "victim@example.com", "/artist/signup/confirm/").unwrap();
    let mut victim = Browser::new(&app.address);
    assert_eq!(victim.get(&link).await.status, 200);
    let refused = victim.post_form(&link, &[("password", "the victims own pass")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("not the password chosen at signup"), "{}", refused.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 0, "no account the attacker could open");
    assert_eq!(victim.get(&link).await.status, 200, "the link is not used up by a wrong password");
    app.stop().await;
}

#[tokio::test]
async fn no_response_a_fan_sees_contains_another_users_email() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "secret-artist@example.com", "Night Bus").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "hello").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    boptone::identity::service::create_named_user_blocking(
        &app.state.db,
        "ada.lovelace@example.com",
        FAN_PASSWORD,
        Role::Fan,
        Some("Ada"),
    )
    .unwrap();
    let ada = token(&app, "ada.lovelace@example.com", FAN_PASSWORD).await;
    let bob = token(&app, &fan(&app, "bob.private@example.com"), FAN_PASSWORD).await;
    let comments = format!("/api/v1/bops/{bop_id}/comments");
    let (status, _) = call(&app, Some(&ada), Method::POST, &comments, Some(json!({"body": "first!"}))).await;
    assert_eq!(status, 201);
    let (_, _) = call(&app, Some(&bob), Method::POST, &comments, Some(json!({"body": "second"}))).await;

    let (status, listed) = call(&app, Some(&bob), Method::GET, &comments, None).await;
    assert_eq!(status, 200);
    let text = listed.to_string();
    assert!(text.contains("\"Ada\""), "{text}");
    for path in [comments.clone(), format!("/api/v1/bops/{bop_id}"), "/api/v1/feed".to_owned()] {
        let (_, body) = call(&app, Some(&bob), Method::GET, &path, None).await;
        let body = body.to_string();
        for secret in ["ada.lovelace", "secret-artist", "@example.com"] {
            assert!(!body.contains(secret), "{path} shows {secret}: {body}");
        }
    }
    let generated: String = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT display_name FROM users WHERE email = 'bob.private@example.com'", [], |r| r.get(0))
        })
        .unwrap();
    assert!(generated.starts_with("Listener "), "{generated}");
    app.stop().await;
}

#[tokio::test]
async fn create_user_takes_a_display_name_and_checks_it() {
    let app = spawn_app().await;
    let data_dir = app.data_dir();
    let create = |email: &str, name: &str| {
        let mut command = boptone();
        command
            .args([
                "admin",
                "create-user",
                "--email",
                email,
                "--role",
                "fan",
                "--password-stdin",
                "--display-name",
                name,
            ])
            .args(["--data-dir", data_dir.to_str().unwrap()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"fan passphrase 123\n").unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = create("named@example.com", "DJ Named");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let bad = create("bidi@example.com", "evil\u{202E}name");
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--display-name"), "{}", stderr(&bad));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE display_name = 'DJ Named'"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users"), 1, "the bad one created nothing");
    app.stop().await;
}

#[tokio::test]
async fn control_and_direction_characters_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (mut studio, artist_token) = artist(&app, "clean@example.com", "Clean Act").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "fine").await;
    let bop_id = bop["id"].as_str().unwrap().to_owned();
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let comments = format!("/api/v1/bops/{bop_id}/comments");

    for body in ["nul\0byte", "esc\u{1b}[2J", "flip \u{202E}txt.exe", "iso\u{2066}x\u{2069}"] {
        let (status, error) = call(&app, Some(&ada), Method::POST, &comments, Some(json!({"body": body}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}");
        assert!(error["fields"]["body"].is_string(), "{error}");
    }
    let (status, _) = call(&app, Some(&ada), Method::POST, &comments, Some(json!({"body": "two\nlines"}))).await;
    assert_eq!(status, 201, "newlines stay in comments");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comments"), 1);

    let (status, error) = post_bop(&app, &artist_token, "vertical.mp4", "caption \u{202E}reversed").await;
    assert_eq!(status, 422);
    assert!(error["fields"]["caption"].as_str().unwrap().contains("text-direction"), "{error}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_videos"), 1);

    let page = studio
        .post_multipart(
            "/artist/setup",
            &[("stage_name", "Clean\u{202E}Act"), ("handle", "clean_act"), ("genres", "Pop"), ("location", "A\0B")],
            None,
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Remove the invisible text-direction characters."), "{}", page.body);
    assert!(page.body.contains("Remove the control characters"), "{}", page.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE stage_name = 'Clean Act'"), 1);

    let mut visitor = Browser::new(&app.address);
    visitor.get("/artist/signup").await;
    let signup = visitor
        .post_form(
            "/artist/signup",
            &[("email", "n@example.com"), ("password", PASSWORD), ("tier", "pro"), ("display_name", "x\u{7}y")],
        )
        .await;
    assert_eq!(signup.status, 422);
    assert!(signup.body.contains("Remove the control characters"), "{}", signup.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signup_requests WHERE email = 'n@example.com'"), 0);
    app.stop().await;
}

/// A form post from `client_ip`, as a trusted proxy on loopback forwards it.
async fn post_forwarded(
    app: &TestApp,
    browser: &mut Browser,
    path: &str,
    fields: &[(&str, &str)],
    client_ip: &str,
) -> u16 {
    let token = browser.csrf().await;
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf_token", &token));
    let request = browser.client.post(app.url(path)).header("x-forwarded-for", client_ip).form(&all);
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn resets_are_limited_per_account_whatever_address_they_come_from() {
    let app = spawn_app_with(|c| c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()], None, None).await;
    let limits = &boptone::identity::state(&app.state).config.accounts;
    let (per_address, per_ip) = (limits.account_requests_per_address_per_hour, limits.account_requests_per_ip_per_hour);
    assert!(per_ip > 1, "each address below stays well inside its own budget");
    fan(&app, "owner@example.com");
    fan(&app, "bystander@example.com");
    let mut owner = Browser::new(&app.address);
    assert_eq!(
        post_forwarded(&app, &mut owner, "/forgot-password", &[("email", "owner@example.com")], "192.0.2.1").await,
        200
    );
    let link = link_in_mail(&app.address, "owner@example.com", "/reset-password/").expect("a reset link");

    // Uses of a real link that do not consume it (here every hashing place
    // is taken, so each gets 503 and the link stays valid) each cost the
    // account one from its budget, from whichever address they come; the
    // link request above took the first.
    let held = fill_hashing_queue(&app);
    let mut attacker = Browser::new(&app.address);
    let fields = [("password", "an attacker passphrase")];
    for i in 1..per_address {
        let status = post_forwarded(&app, &mut attacker, &link, &fields, &format!("198.51.100.{i}")).await;
        assert_eq!(status, 503, "attempt {i} is within the account's budget");
    }
    let fresh_ip = "203.0.113.77";
    let limited = post_forwarded(&app, &mut attacker, &link, &fields, fresh_ip).await;
    assert_eq!(limited, 429, "the account's budget is spent, though this address never tried before");
    drop(held);
    let later = post_forwarded(&app, &mut attacker, &link, &fields, "203.0.113.78").await;
    assert_eq!(later, 429, "still limited once hashing is free again");
    assert_eq!(attacker.get(&link).await.status, 200, "the link was never used");

    // Another account is not touched by the owner's spent budget, even from an address the flood used.
    let mut bystander = Browser::new(&app.address);
    let forgot = [("email", "bystander@example.com")];
    assert_eq!(post_forwarded(&app, &mut bystander, "/forgot-password", &forgot, fresh_ip).await, 200);
    let other = link_in_mail(&app.address, "bystander@example.com", "/reset-password/").expect("a reset link");
    let reset = post_forwarded(&app, &mut bystander, &other, &[("password", "the bystanders new one")], fresh_ip).await;
    assert_eq!(reset, 303, "the other account resets its password");
    let signed_in = api_token(&app, "bystander@example.com", "the bystanders new one").await;
    assert_eq!(signed_in.status(), 200);
    app.stop().await;
}
