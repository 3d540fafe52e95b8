//! The janitor: what one pass deletes and what it must keep, in the server
//! and through `boptone prune`.

use std::time::Duration;

use reqwest::Method;
use rusqlite::{Connection, params};

use boptone::auth::repo::{TokenTable, prune_expired_tokens};
use boptone::db::{Db, Durability, now_ms};
use boptone::identity::domain::Role;
use boptone::janitor::{self, BATCH, PruneReport};

use crate::browser::{Browser, signed_up};
use crate::helpers::{TestApp, boptone, eventually, run, spawn_app, spawn_app_with, stderr, stdout};

const DAY: i64 = 86_400_000;
const FAR_FUTURE: i64 = i64::MAX / 2;

/// Rows on both sides of every retention line, named so a test can say
/// which ones went. Old pending/dead rows are not due (`FAR_FUTURE`) so the
/// event worker and the mail sender leave them alone.
fn seed(db: &Db, user_id: i64, now: i64) {
    db.write_blocking(Durability::Normal, |tx| -> rusqlite::Result<()> {
        for (hash, expires_at) in [("session-old", now - DAY), ("session-just-expired", now), ("session-live", now + DAY)]
        {
            tx.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)", params![hash, user_id, now - 40 * DAY, expires_at])?;
        }
        for (hash, expires_at) in [("token-old", now - 1), ("token-live", now + DAY)] {
            tx.execute("INSERT INTO api_tokens VALUES (?1, ?2, ?3, ?4)", params![hash, user_id, now - 40 * DAY, expires_at])?;
        }
        for (hash, expires_at, used) in [("reset-old", now - DAY, Some(now - 2 * DAY)), ("reset-live", now + 60_000, None)] {
            tx.execute(
                "INSERT INTO password_resets VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hash, user_id, now - 3 * DAY, expires_at, used],
            )?;
        }
        for (uid, status, completed_at) in [
            ("event-done-old", "done", Some(now - 15 * DAY)),
            ("event-done-recent", "done", Some(now - 13 * DAY)),
            ("event-pending-old", "pending", None),
            ("event-dead-old", "dead", None),
        ] {
            tx.execute(
                "INSERT INTO platform_events (event_uid, event_type, payload, status, attempts, next_attempt_at, created_at, completed_at)
                 VALUES (?1, 'bop.liked', '{}', ?2, 1, ?3, ?4, ?5)",
                params![uid, status, FAR_FUTURE, now - 100 * DAY, completed_at],
            )?;
            tx.execute(
                "INSERT INTO platform_event_handlers SELECT id, 'notify', ?2 FROM platform_events WHERE event_uid = ?1",
                params![uid, now - 15 * DAY],
            )?;
        }
        for (id, received_at) in [("evt_old", now - 31 * DAY), ("evt_recent", now - 29 * DAY)] {
            tx.execute("INSERT INTO processed_webhooks VALUES (?1, 'account.updated', ?2)", params![id, received_at])?;
        }
        for (to, status, sent_at) in [
            ("sent-old@example.com", "sent", Some(now - 31 * DAY)),
            ("sent-recent@example.com", "sent", Some(now - DAY)),
            ("pending-old@example.com", "pending", None),
            ("dead-old@example.com", "dead", None),
        ] {
            tx.execute(
                "INSERT INTO mail_outbox (to_address, subject, body, status, next_attempt_at, created_at, sent_at)
                 VALUES (?1, 's', 'b', ?2, ?3, ?4, ?5)",
                params![to, status, FAR_FUTURE, now - 100 * DAY, sent_at],
            )?;
        }
        for (agent, at) in [("seed-old", now - 91 * DAY), ("seed-recent", now - 89 * DAY)] {
            tx.execute(
                "INSERT INTO sign_ins (user_id, at, ip, user_agent, surface, ok) VALUES (?1, ?2, '127.0.0.1', ?3, 'web', 1)",
                params![user_id, at, agent],
            )?;
        }
        Ok(())
    })
    .unwrap();
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let mut rows: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    rows.sort();
    rows
}

/// The seeded rows still present (rows made by real sign-ins are left out).
fn seeded_left(db: &Db) -> Vec<Vec<String>> {
    db.read_blocking(|c| {
        Ok(vec![
            strings(c, "SELECT token_hash FROM sessions WHERE token_hash LIKE 'session-%'"),
            strings(c, "SELECT token_hash FROM api_tokens WHERE token_hash LIKE 'token-%'"),
            strings(c, "SELECT token_hash FROM password_resets"),
            strings(c, "SELECT event_uid FROM platform_events WHERE event_uid LIKE 'event-%'"),
            strings(
                c,
                "SELECT e.event_uid FROM platform_event_handlers h JOIN platform_events e ON e.id = h.event_id
                 WHERE e.event_uid LIKE 'event-%'",
            ),
            strings(c, "SELECT event_id FROM processed_webhooks"),
            strings(c, "SELECT to_address FROM mail_outbox WHERE subject = 's'"),
            strings(c, "SELECT user_agent FROM sign_ins WHERE user_agent LIKE 'seed-%'"),
        ])
    })
    .unwrap()
}

fn all_seeded() -> Vec<Vec<String>> {
    expected(&[
        &["session-just-expired", "session-live", "session-old"],
        &["token-live", "token-old"],
        &["reset-live", "reset-old"],
        &["event-dead-old", "event-done-old", "event-done-recent", "event-pending-old"],
        &["event-dead-old", "event-done-old", "event-done-recent", "event-pending-old"],
        &["evt_old", "evt_recent"],
        &["dead-old@example.com", "pending-old@example.com", "sent-old@example.com", "sent-recent@example.com"],
        &["seed-old", "seed-recent"],
    ])
}

/// What a pass with the default retention leaves of the seeded rows.
fn kept_by_default() -> Vec<Vec<String>> {
    expected(&[
        &["session-live"],
        &["token-live"],
        &["reset-live"],
        &["event-dead-old", "event-done-recent", "event-pending-old"],
        &["event-dead-old", "event-done-recent", "event-pending-old"],
        &["evt_recent"],
        &["dead-old@example.com", "pending-old@example.com", "sent-recent@example.com"],
        &["seed-recent"],
    ])
}

fn expected(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|s| (*s).to_owned()).collect()).collect()
}

const DEFAULT_REPORT: PruneReport = PruneReport {
    done_events: 1,
    sessions: 2,
    api_tokens: 1,
    reset_links: 1,
    webhook_ids: 1,
    sent_mail: 1,
    sign_ins: 1,
};

fn user_id(db: &Db, email: &str) -> i64 {
    let email = email.to_owned();
    db.read_blocking(move |c| c.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| r.get(0))).unwrap()
}

async fn prune_now(app: &TestApp) -> PruneReport {
    let (db, retention) = (app.state.db.clone(), app.state.config.retention.clone());
    tokio::task::spawn_blocking(move || janitor::prune_once(&db, &retention, now_ms())).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_pass_removes_only_what_is_expired_or_past_retention() {
    let app = spawn_app().await;
    let mut artist = Browser::new(&app.address);
    signed_up(&mut artist, "ada@example.com").await;
    let fan = crate::bops::fan(&app, "fan@example.com");
    let token = crate::bops::token(&app, &fan, crate::bops::FAN_PASSWORD).await;
    seed(&app.state.db, user_id(&app.state.db, &fan), now_ms());
    assert_eq!(seeded_left(&app.state.db), all_seeded());

    assert_eq!(prune_now(&app).await, DEFAULT_REPORT);
    assert_eq!(seeded_left(&app.state.db), kept_by_default());

    // The real sign-ins were valid and still are.
    assert_eq!(artist.get("/artist/subscription").await.status, 200, "the artist's session still signs in");
    let (status, _) = crate::bops::call(&app, Some(&token), Method::GET, "/api/v1/tips/options", None).await;
    assert_eq!(status, 200, "the fan's API token still works");
    // A second pass finds nothing more.
    assert_eq!(prune_now(&app).await, PruneReport::default());
    assert_eq!(seeded_left(&app.state.db), kept_by_default());
    app.stop().await;
}

#[tokio::test]
async fn large_backlogs_go_in_bounded_batches() {
    let app = spawn_app().await;
    let fan = crate::bops::fan(&app, "fan@example.com");
    let user = user_id(&app.state.db, &fan);
    let now = now_ms();
    let expired = 2 * BATCH + 500;
    app.state
        .db
        .write_blocking(Durability::Normal, |tx| -> rusqlite::Result<()> {
            let mut insert = tx.prepare(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?3)",
            )?;
            for i in 0..expired {
                insert.execute(params![format!("expired-{i}"), user, now - DAY])?;
            }
            Ok(())
        })
        .unwrap();
    let one_statement = app
        .state
        .db
        .write_blocking(Durability::Normal, |tx| prune_expired_tokens(tx, TokenTable::Sessions, now, BATCH))
        .unwrap();
    assert_eq!(one_statement, BATCH, "one statement deletes one batch, no more");
    let report = prune_now(&app).await;
    assert_eq!(report.sessions, expired - BATCH, "the pass loops until the backlog is gone");
    let left: i64 =
        app.state.db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))).unwrap();
    assert_eq!(left, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_server_prunes_on_its_own_and_stops_cleanly() {
    let app = spawn_app_with(|config| config.retention.interval_secs = 1, None, None).await;
    let fan = crate::bops::fan(&app, "fan@example.com");
    seed(&app.state.db, user_id(&app.state.db, &fan), now_ms());
    let db = app.state.db.clone();
    let pruned = eventually(Duration::from_secs(30), || seeded_left(&db) == kept_by_default()).await;
    assert!(pruned, "left: {:?}", seeded_left(&db));
    app.stop().await;
}

/// A migrated data directory holding the seeded rows.
fn seeded_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_migrated(&dir.path().join("boptone.db")).unwrap();
    boptone::identity::service::create_user_blocking(&db, "fan@example.com", "fan passphrase 123", Role::Fan).unwrap();
    seed(&db, user_id(&db, "fan@example.com"), now_ms());
    dir
}

fn open(dir: &tempfile::TempDir) -> Db {
    Db::open(&dir.path().join("boptone.db")).unwrap()
}

#[test]
fn prune_command_runs_one_pass_and_says_what_went() {
    let dir = seeded_data_dir();
    let output = run(boptone().arg("prune").arg("--data-dir").arg(dir.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    for line in [
        "       1  delivered events older than 14 days",
        "       2  expired sessions",
        "       1  expired API tokens",
        "       1  expired password-reset links",
        "       1  processed webhook ids older than 30 days",
        "       1  sent emails older than 30 days",
        "       1  sign-ins older than 90 days",
        "removed 8 rows from",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
    assert_eq!(seeded_left(&open(&dir)), kept_by_default());
}

#[test]
fn prune_command_follows_the_config_file() {
    let dir = seeded_data_dir();
    let config = dir.path().join("boptone.toml");
    std::fs::write(&config, "[retention]\ndone_events_days = 12\nwebhook_ids_days = 28\nsent_mail_days = 2\n").unwrap();
    let output = run(boptone().arg("prune").arg("--config").arg(&config).arg("--data-dir").arg(dir.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("       2  delivered events older than 12 days"), "{out}");
    assert!(out.contains("       2  processed webhook ids older than 28 days"), "{out}");
    assert!(out.contains("       1  sent emails older than 2 days"), "{out}");
    let left = seeded_left(&open(&dir));
    assert_eq!(left[3], ["event-dead-old", "event-pending-old"], "pending and dead events always stay");
    assert!(left[5].is_empty());
    assert_eq!(left[6], ["dead-old@example.com", "pending-old@example.com", "sent-recent@example.com"]);
}

#[test]
fn prune_command_refuses_bad_retention_and_changes_nothing() {
    let dir = seeded_data_dir();
    for (var, value, key) in [
        ("BOPTONE_RETENTION__DONE_EVENTS_DAYS", "0", "`retention.done_events_days` = \"0\""),
        ("BOPTONE_RETENTION__WEBHOOK_IDS_DAYS", "1", "`retention.webhook_ids_days` = \"1\""),
        ("BOPTONE_RETENTION__SENT_MAIL_DAYS", "soon", "`retention.sent_mail_days`"),
        ("BOPTONE_RETENTION__INTERVAL_SECS", "0", "`retention.interval_secs` = \"0\""),
    ] {
        let output = run(boptone().arg("prune").arg("--data-dir").arg(dir.path()).env(var, value));
        assert!(!output.status.success(), "{var}={value} was accepted");
        assert!(stderr(&output).contains(key), "{key} in {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    }
    assert_eq!(seeded_left(&open(&dir)), all_seeded());
}

#[test]
fn prune_command_does_not_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(boptone().arg("prune").arg("--data-dir").arg(dir.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("nothing to prune"), "{}", stdout(&output));
    assert!(!dir.path().join("boptone.db").exists());
}
