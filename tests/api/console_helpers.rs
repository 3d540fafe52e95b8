//! Signing in to the label console as an admin: password, then the
//! authenticator code (enrolling on first sign-in), as a person would.

use crate::browser::Browser;
use crate::helpers::TestApp;

/// The password of the admins [`admin_browser`] makes.
pub const ADMIN_PASSWORD: &str = "label admin passphrase";

/// A new admin account, signed in to the console with both factors.
pub async fn admin_browser(app: &TestApp) -> Browser {
    let email = format!("admin{}@label.example", rand::random::<u32>());
    let db = app.state.db.clone();
    let created = email.clone();
    tokio::task::spawn_blocking(move || {
        ::boptone::identity::service::create_named_user_blocking(
            &db,
            &created,
            ADMIN_PASSWORD,
            ::boptone::auth::Role::Admin,
            Some("Label Admin"),
        )
    })
    .await
    .unwrap()
    .unwrap();
    admin_browser_for(app, &email, ADMIN_PASSWORD).await
}

/// An existing admin (the demo's `label@demo.boptone.test`), signed in
/// with both factors; enrols the authenticator if this is the first time.
pub async fn admin_browser_for(app: &TestApp, email: &str, password: &str) -> Browser {
    let mut browser = Browser::new(&app.address);
    let login = browser.post_form("/login", &[("email", email), ("password", password)]).await;
    assert_eq!(login.redirect(), "/admin", "{}", login.body);
    let gate = browser.get("/admin").await;
    assert_eq!(gate.redirect(), "/admin/mfa", "the console asks for the second factor first");
    let page = browser.get("/admin/mfa").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let code = fresh_code(app, email);
    let done = browser.post_form("/admin/mfa", &[("code", &code)]).await;
    assert!(done.status == 200 || done.redirect() == "/admin", "{} {}", done.status, done.body);
    browser
}

/// The authenticator secret of an admin, as their app holds it.
pub fn totp_secret(app: &TestApp, email: &str) -> String {
    let email = email.to_owned();
    app.state
        .db
        .read_blocking(move |c| {
            c.query_row(
                "SELECT t.secret FROM admin_totp t JOIN users u ON u.id = t.user_id WHERE u.email = ?1",
                [&email],
                |r| r.get(0),
            )
        })
        .unwrap()
}

/// A code the server has not seen yet: this step's, or the next one's
/// (accepted for clock drift) when this step's was used already.
pub fn fresh_code(app: &TestApp, email: &str) -> String {
    let secret = totp_secret(app, email);
    let lookup = email.to_owned();
    let last_step: i64 = app
        .state
        .db
        .read_blocking(move |c| {
            c.query_row(
                "SELECT t.last_step FROM admin_totp t JOIN users u ON u.id = t.user_id WHERE u.email = ?1",
                [&lookup],
                |r| r.get(0),
            )
        })
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let step = (now / 30).max(last_step as u64 + 1);
    ::boptone::console::totp::code_at(&secret, step * 30).unwrap()
}
