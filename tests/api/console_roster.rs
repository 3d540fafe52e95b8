//! Issue 15 item 3: the roster at `/admin/artists` — every artist with the
//! gate's onboarding step, plan, payouts, followers, this month's earnings
//! and last activity; search, filters and pages; suspend and reinstate
//! with a reason and the authenticator code, an email and the reason on
//! the artist's dashboard; and who may see any of it.

use crate::bops::{count, count_text};
use crate::browser::{Browser, PASSWORD, onboarded_artist, signed_up};
use boptone::identity::domain::Role;

use crate::console_helpers::{ADMIN_PASSWORD, admin_browser_for, fresh_code};
use crate::helpers::{TestApp, spawn_app, spawn_demo_app};
use crate::identity::{api_token, earn};

const ADMIN: &str = "boss@label.example";

fn artist_uid(app: &TestApp, email: &str) -> String {
    count_text(
        app,
        &format!("SELECT a.uid FROM artist_profiles a JOIN users u ON u.id = a.user_id WHERE u.email = '{email}'"),
    )
}

/// Bare artists straight into the database (no plan, no profile): enough
/// rows to need a second page.
fn add_bare_artists(app: &TestApp, n: usize) {
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(::boptone::db::Durability::Normal, |tx| {
            for i in 0..n {
                tx.execute(
                    "INSERT INTO users (uid, email, password_hash, role, display_name, created_at)
                     VALUES (lower(hex(randomblob(16))), ?1, 'x', 'artist', ?2, 1)",
                    rusqlite::params![format!("bare{i}@example.com"), format!("Bare {i}")],
                )?;
                tx.execute(
                    "INSERT INTO artist_profiles (uid, user_id, created_at, updated_at)
                     VALUES (lower(hex(randomblob(16))), last_insert_rowid(), 1, 1)",
                    [],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn the_roster_shows_each_artists_figures_and_searches_filters_and_pages() {
    let app = spawn_demo_app(3, 6, 6, |_| {}).await;
    let mut admin = crate::console_helpers::admin_browser(&app).await;
    let roster = admin.get("/admin/artists").await;
    assert_eq!(roster.status, 200, "{}", roster.body);
    for column in ["Onboarding", "Plan", "Payouts", "Followers", "This month", "Last activity"] {
        assert!(roster.body.contains(column), "{column}");
    }
    assert!(roster.body.contains("artist1@demo.boptone.test"), "{}", roster.body);
    assert!(roster.body.contains("Ready to earn") && roster.body.contains("Enabled"), "{}", roster.body);
    // The month's net is analytics' figure for the artist, shown as money.
    assert!(roster.body.contains('$') || roster.body.contains('€') || roster.body.contains('£'), "{}", roster.body);
    // Every demo artist posted Bops and made releases: each has a last activity.
    assert!(!roster.body.contains("<td>—</td>"), "demo artists were active: {}", roster.body);

    let one = admin.get("/admin/artists?q=artist1%40demo").await;
    assert!(one.body.contains("artist1@demo.boptone.test") && !one.body.contains("artist2@demo.boptone.test"));
    let ready = admin.get("/admin/artists?step=ready").await;
    assert!(ready.body.contains("artist2@demo.boptone.test"));
    let none = admin.get("/admin/artists?step=subscription").await;
    assert!(none.body.contains("No artist matches"), "{}", none.body);
    assert!(admin.get("/admin/artists?suspended=yes").await.body.contains("No artist matches"));

    add_bare_artists(&app, 55);
    let plain = admin.get("/admin/artists?plan=none").await;
    assert!(plain.body.contains("bare54@example.com") && !plain.body.contains("artist1@demo"));
    assert!(plain.body.contains("Choosing a plan"));
    let next = plain.body.split("href=\"").find(|s| s.starts_with("/admin/artists?plan=none&amp;after=")).unwrap();
    let next = next[..next.find('"').unwrap()].replace("&amp;", "&");
    let second = admin.get(&next).await;
    assert!(second.body.contains("bare0@example.com") && !second.body.contains("bare54@example.com"));
    assert!(!second.body.contains("Older artists"), "the last page");

    for bad in [
        "/admin/artists?step=famous",
        "/admin/artists?plan=gold",
        "/admin/artists?suspended=maybe",
        "/admin/artists?after=zzz",
    ] {
        let page = admin.get(bad).await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.body.contains("notice danger"), "{bad}: {}", page.body);
    }
    let gone = admin.get(&format!("/admin/artists?after={}", "0".repeat(32))).await;
    assert!(gone.status == 400 && gone.body.contains("not valid any more"), "{}", gone.body);
    app.stop().await;
}

#[tokio::test]
async fn suspending_needs_a_reason_and_the_code_tells_the_artist_and_stops_revenue() {
    let app = spawn_app().await;
    let mut artist = onboarded_artist(&app.address, "roster@example.com", "Roster Star").await;
    ::boptone::identity::service::create_user_blocking(&app.state.db, ADMIN, ADMIN_PASSWORD, Role::Admin).unwrap();
    let mut admin = admin_browser_for(&app, ADMIN, ADMIN_PASSWORD).await;
    let uid = artist_uid(&app, "roster@example.com");
    // Long after the sign-in code: the action asks for a fresh one.
    app.state.clock.advance(11 * 60_000);

    let ask = admin.get(&format!("/admin/artists/{uid}/suspend")).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("name=\"reason\"") && ask.body.contains("name=\"code\""), "{}", ask.body);
    let empty = admin.post_form(&format!("/admin/artists/{uid}/suspend"), &[("reason", "  ")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Say why"), "{}", empty.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE suspended_at IS NOT NULL"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'artist.suspend'"), 0);

    let reason = ("reason", "Unpaid samples in three Bops.");
    let no_code = admin.post_form(&format!("/admin/artists/{uid}/suspend"), &[reason]).await;
    assert_eq!(no_code.status, 422);
    assert!(no_code.body.contains("authenticator"), "{}", no_code.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE suspended_at IS NOT NULL"), 0);
    let code = fresh_code(&app, ADMIN);
    let done = admin.post_form(&format!("/admin/artists/{uid}/suspend"), &[reason, ("code", &code)]).await;
    assert_eq!(done.redirect(), "/admin/artists?done=suspended");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'artist.suspend' AND reason = 'Unpaid samples in three Bops.'"
        ),
        1
    );
    let mail = app.mails().into_iter().rev().find(|m| m.contains("To: roster@example.com")).unwrap();
    assert!(mail.contains("Unpaid samples in three Bops."), "{mail}");
    let dashboard = artist.get("/dashboard").await;
    assert!(dashboard.body.contains("Unpaid samples in three Bops."), "{}", dashboard.body);
    let token = api_token(&app, "roster@example.com", PASSWORD).await;
    let ((web, _), (api, _)) = earn(&app, &mut artist, &token).await;
    assert_eq!((web, api), (403, 403), "no revenue while suspended");
    assert!(admin.get("/admin/artists?suspended=yes").await.body.contains("roster@example.com"));

    let back = admin.post_form(&format!("/admin/artists/{uid}/reinstate"), &[("reason", "Samples cleared.")]).await;
    assert_eq!(back.redirect(), "/admin/artists?done=reinstated");
    assert_eq!(earn(&app, &mut artist, &token).await.0.0, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'artist.reinstate'"), 1);

    // Unknown artists, and the old one-click form without a reason.
    assert_eq!(admin.get("/admin/artists/nope/suspend").await.status, 404);
    assert_eq!(
        admin.post_form(&format!("/admin/artists/{}/suspend", "0".repeat(32)), &[("reason", "x")]).await.status,
        404
    );
    assert_eq!(admin.post_form(&format!("/admin/artists/{uid}/suspend"), &[]).await.status, 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_profiles WHERE suspended_at IS NOT NULL"), 0);
    app.stop().await;
}

#[tokio::test]
async fn only_admins_reach_the_roster_invites_applications_and_people() {
    let app = spawn_app().await;
    let mut artist = Browser::new(&app.address);
    signed_up(&mut artist, "someone@example.com").await;
    let mut fan = crate::console_people::fan(&app, "fan@example.com").await;
    let mut anonymous = Browser::new(&app.address);
    let uid = artist_uid(&app, "someone@example.com");
    let user = count_text(&app, "SELECT uid FROM users WHERE email = 'someone@example.com'");
    let pages = [
        "/admin/artists".to_owned(),
        format!("/admin/artists/{uid}/suspend"),
        "/admin/invites".to_owned(),
        "/admin/applications".to_owned(),
        "/admin/people".to_owned(),
        format!("/admin/people/{user}"),
        format!("/admin/people/{user}/erase"),
    ];
    for page in &pages {
        assert_eq!(artist.get(page).await.status, 403, "{page}");
        assert_eq!(fan.get(page).await.status, 403, "{page}");
        assert!(anonymous.get(page).await.redirect().starts_with("/login"), "{page}");
    }
    let posts = [
        format!("/admin/artists/{uid}/suspend"),
        "/admin/invites".to_owned(),
        format!("/admin/people/{user}/export"),
        format!("/admin/people/{user}/erase"),
    ];
    for page in &posts {
        let fields = [("reason", "because"), ("email", "x@example.com"), ("confirm", "ERASE")];
        assert_eq!(artist.post_form(page, &fields).await.status, 403, "{page}");
        assert_eq!(fan.post_form(page, &fields).await.status, 403, "{page}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artist_invites"), 0);
    app.stop().await;
}
