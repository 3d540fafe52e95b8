//! The `boptone` binary as an admin uses it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use boptone::db::{Db, Durability};
use rusqlite::Connection;

use crate::helpers::{boptone, client, eventually, pattern, run, spawn_app, stderr, stdout};

fn data_arg(dir: &Path) -> [String; 2] {
    ["--data-dir".to_owned(), dir.display().to_string()]
}

#[test]
fn default_config_prints_the_repository_file() {
    let output = run(boptone().arg("default-config"));
    assert!(output.status.success());
    let repo_file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/boptone.toml")).unwrap();
    assert_eq!(stdout(&output), repo_file);
}

#[test]
fn check_names_a_misspelled_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("boptone.toml");
    std::fs::write(&path, "[server]\nlistn = \"127.0.0.1:9999\"\n").unwrap();
    let output = run(boptone().arg("check").arg("--config").arg(&path));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("unknown key `server.listn`"), "{err}");
    assert!(err.contains("did you mean `server.listen`?"), "{err}");
}

/// `boptone check` with `variable` set to `value`: it must fail; its stderr.
fn check_refusing(variable: &str, value: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = run(boptone().arg("check").args(data_arg(dir.path())).env(variable, value));
    assert!(!output.status.success(), "{variable}={value} was accepted");
    stderr(&output)
}

#[test]
fn check_names_a_bad_environment_value_and_fails() {
    let err = check_refusing("BOPTONE_SERVER__LISTEN", "not-an-address");
    assert!(err.contains("`server.listen`") && err.contains("not-an-address"), "{err}");
}

#[test]
fn check_refuses_a_zero_budget_of_anonymous_view_reports() {
    let err = check_refusing("BOPTONE_BOPS__ANONYMOUS_VIEWS_PER_IP_PER_MINUTE", "0");
    assert!(err.contains("`bops.anonymous_views_per_ip_per_minute`") && err.contains("greater than 0"), "{err}");
}

#[test]
fn check_summarises_a_good_setup_without_showing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(boptone()
        .arg("check")
        .args(data_arg(dir.path()))
        .env("BOPTONE_PAYMENTS__PROVIDER", "stripe")
        .env("BOPTONE_PAYMENTS__STRIPE__SECRET_KEY", "sk_test_verysecret")
        .env("BOPTONE_PAYMENTS__STRIPE__WEBHOOK_SECRET", "whsec_verysecret")
        .env("BOPTONE_PAYMENTS__STRIPE__PUBLISHABLE_KEY", "pk_test_visible")
        .env("BOPTONE_TIERS__STARTER__STRIPE_PRICE_ID", "price_starter")
        .env("BOPTONE_TIERS__PRO__STRIPE_PRICE_ID", "price_pro")
        .env("BOPTONE_TIERS__LABEL__STRIPE_PRICE_ID", "price_label"));
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("configuration ok"), "{out}");
    assert!(out.contains("reachable and writable"), "{out}");
    assert!(out.contains("secret key set, webhook secret set"), "{out}");
    assert!(!out.contains("verysecret") && !stderr(&output).contains("verysecret"));
}

#[test]
fn migrate_applies_once_and_refuses_a_newer_database() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(boptone().arg("migrate").args(data_arg(dir.path())));
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("applied V001__foundation"), "{}", stdout(&first));
    let second = run(boptone().arg("migrate").args(data_arg(dir.path())));
    assert!(second.status.success());
    assert!(!stdout(&second).contains("applied"), "{}", stdout(&second));

    let conn = Connection::open(dir.path().join("boptone.db")).unwrap();
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x', 0)", []).unwrap();
    drop(conn);
    for command in ["migrate", "serve", "check"] {
        let refused = run(boptone()
            .arg(command)
            .args(data_arg(dir.path()))
            .args(["--listen", "127.0.0.1:0"].iter().take(if command == "serve" { 2 } else { 0 })));
        assert!(!refused.status.success(), "{command} accepted a newer database");
        assert!(stderr(&refused).contains("newer than this"), "{command}: {}", stderr(&refused));
    }
}

/// Starts `boptone serve` on port 0 and returns it with its base URL.
fn start_server(data_dir: &Path) -> (Child, String) {
    let mut child = boptone()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(data_arg(data_dir))
        .env("BOPTONE_LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        let log: serde_json::Value = serde_json::from_str(&line).expect("json log lines");
        if let Some(url) = log["url"].as_str() {
            break url.to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap()
}

#[tokio::test]
async fn serve_creates_the_data_directory_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let (mut child, url) = start_server(&data);
    let health = client().get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(data.join("boptone.db").exists());
    assert!(data.join("media").is_dir());

    let second = run(boptone().args(["serve", "--listen", "127.0.0.1:0"]).args(data_arg(&data)));
    assert!(!second.status.success());
    assert!(stderr(&second).contains("in use by another boptone process"), "{}", stderr(&second));

    let status = terminate(&mut child);
    assert!(status.success(), "{status:?}");
    let wal = data.join("boptone.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0, "the WAL was checkpointed");
}

/// The JSON log lines `boptone serve` writes up to and including the one
/// that gives its address, and that address; the server is stopped once it
/// answers (its signal handler is in place by then).
async fn startup_log(data_dir: &Path, public_url: Option<&str>) -> (Vec<serde_json::Value>, String) {
    let mut command = boptone();
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(data_arg(data_dir))
        .env("BOPTONE_LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = public_url {
        command.env("BOPTONE_SERVER__PUBLIC_URL", url);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut logged = Vec::new();
    let url = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        let log: serde_json::Value = serde_json::from_str(&line).expect("json log lines");
        let url = log["url"].as_str().map(str::to_owned);
        logged.push(log);
        if let Some(url) = url {
            break url;
        }
    };
    std::thread::spawn(move || for _ in lines {});
    assert_eq!(client().get(format!("{url}/healthz")).send().await.unwrap().status(), 200);
    assert!(terminate(&mut child).success());
    (logged, url)
}

#[tokio::test]
async fn serve_warns_when_links_are_derived_from_the_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    let (logged, url) = startup_log(&dir.path().join("derived"), None).await;
    let warnings: Vec<&serde_json::Value> = logged
        .iter()
        .filter(|l| l["level"] == "WARN" && l["message"].as_str().is_some_and(|m| m.contains("server.public_url")))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning at startup: {logged:#?}");
    let warning = warnings[0];
    assert!(warning["message"].as_str().unwrap().contains("is not set"), "{warning}");
    assert_eq!(
        warning["public_url"].as_str().map(|u| u.trim_end_matches('/')),
        Some(url.as_str()),
        "the warning names the address links will use: the port actually bound, not 0"
    );
    assert!(!url.ends_with(":0"), "{url}");

    // Set: no warning.
    let (logged, _) = startup_log(&dir.path().join("set"), Some("https://label.example")).await;
    assert!(
        !logged.iter().any(|l| l["message"].as_str().is_some_and(|m| m.contains("server.public_url"))),
        "{logged:#?}"
    );
    // `check` says the same before anything is served.
    let checked = tempfile::tempdir().unwrap();
    let check = run(boptone().arg("check").args(data_arg(checked.path())));
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).contains("derived from server.listen: set server.public_url"), "{}", stdout(&check));
}

#[tokio::test]
async fn backup_while_writing_restores_every_committed_row() {
    let app = spawn_app().await;
    let db = app.state.db.clone();
    db.write::<_, boptone::error::AppError, _>(|tx| {
        Ok(tx.execute_batch("CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT")?)
    })
    .await
    .unwrap();
    let media_key = boptone::media::MediaKey::parse("backup/clip.bin").unwrap();
    app.state.media.put_bytes(&media_key, pattern(100_000).into()).await.unwrap();

    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = tokio::spawn({
        let (db, writing) = (db.clone(), writing.clone());
        async move {
            while writing.load(std::sync::atomic::Ordering::SeqCst) {
                db.write::<_, boptone::error::AppError, _>(|tx| {
                    Ok(tx.execute("INSERT INTO probe (body) VALUES (hex(randomblob(64)))", [])?)
                })
                .await
                .unwrap();
            }
        }
    });
    let count =
        |db: &Db| db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM probe", [], |r| r.get::<_, i64>(0))).unwrap();
    assert!(eventually(Duration::from_secs(5), || count(&db) > 200).await);

    let archive = app.dir.path().join("backup.tar.gz");
    let committed_before = count(&db);
    let backup = tokio::task::spawn_blocking({
        let (archive, data) = (archive.clone(), app.data_dir());
        move || run(boptone().arg("backup").arg("--out").arg(&archive).args(data_arg(&data)))
    })
    .await
    .unwrap();
    let committed_after_backup = count(&db);
    writing.store(false, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    assert!(backup.status.success(), "{}", stderr(&backup));
    assert!(stdout(&backup).contains("media: 1 files"), "{}", stdout(&backup));
    assert!(committed_after_backup > committed_before, "the writer kept writing during the backup");

    let restored = app.dir.path().join("restored");
    let output = run(boptone().arg("restore").arg(&archive).args(data_arg(&restored)));
    assert!(output.status.success(), "{}", stderr(&output));

    let conn = Connection::open(restored.join("boptone.db")).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let (rows, max_id): (i64, i64) =
        conn.query_row("SELECT COUNT(*), MAX(id) FROM probe", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(rows >= committed_before, "restored {rows} rows, {committed_before} were committed before the backup");
    assert_eq!(rows, max_id, "a consistent snapshot has no holes");
    assert_eq!(std::fs::read(restored.join("media/backup/clip.bin")).unwrap(), pattern(100_000));
    app.stop().await;
}

#[tokio::test]
async fn restore_refuses_to_overwrite_or_to_touch_a_served_directory() {
    let app = spawn_app().await;
    let archive = app.dir.path().join("b.tar.gz");
    let backup = run(boptone().arg("backup").arg("--out").arg(&archive).args(data_arg(&app.data_dir())));
    assert!(backup.status.success(), "{}", stderr(&backup));

    let served = run(boptone().arg("restore").arg(&archive).args(data_arg(&app.data_dir())).arg("--force"));
    assert!(!served.status.success());
    assert!(stderr(&served).contains("in use by a running boptone server"), "{}", stderr(&served));

    let occupied = app.dir.path().join("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("keep.txt"), "mine").unwrap();
    let refused = run(boptone().arg("restore").arg(&archive).args(data_arg(&occupied)));
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(std::fs::read_to_string(occupied.join("keep.txt")).unwrap(), "mine", "nothing changed");

    let forced = run(boptone().arg("restore").arg(&archive).args(data_arg(&occupied)).arg("--force"));
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(occupied.join("boptone.db").exists());
    assert!(!occupied.join("keep.txt").exists());
    app.stop().await;
}

#[test]
fn restore_rejects_a_file_that_is_not_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"definitely not a backup").unwrap();
    let target = dir.path().join("target");
    let output = run(boptone().arg("restore").arg(&junk).args(data_arg(&target)));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("not a readable boptone backup"), "{}", stderr(&output));
    assert!(!target.exists(), "nothing was created");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no staging directory left behind: {leftovers:?}");
}

/// A backup archive with a manifest, a database and one hard link
/// `media/profiles/linked.jpg` → `target`.
fn archive_with_hard_link(path: &Path, target: &str) {
    let file = std::fs::File::create(path).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    let manifest = br#"{"format":1,"boptone_version":"0.1.0","created_at_ms":0,"schema_version":1,"media":{"backend":"local","files":1}}"#;
    let db_dir = tempfile::tempdir().unwrap();
    let db = db_dir.path().join("boptone.db");
    drop(Db::open_migrated(&db).unwrap());
    // Everything into the main file, which alone goes into the archive.
    Connection::open(&db).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    for (name, bytes) in [("manifest.json", manifest.to_vec()), ("boptone.db", std::fs::read(&db).unwrap())] {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes.as_slice()).unwrap();
    }
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Link);
    link.set_size(0);
    link.set_mode(0o644);
    tar.append_link(&mut link, "media/profiles/linked.jpg", target).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn restore_refuses_an_archive_holding_a_hard_link() {
    // A hard link to a file of the archive itself (which unpacking alone
    // would happily create), and one to a host file.
    for target in ["boptone.db", "/etc/passwd"] {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("crafted.tar.gz");
        archive_with_hard_link(&archive, target);
        let restored = dir.path().join("restored");
        let output = run(boptone().arg("restore").arg(&archive).args(data_arg(&restored)));
        assert!(!output.status.success(), "{target}: restored: {}", stdout(&output));
        let err = stderr(&output);
        assert!(err.contains("media/profiles/linked.jpg") && err.contains("not a plain file"), "{target}: {err}");
        assert!(err.contains("Link"), "the kind is named: {err}");
        assert!(!restored.exists(), "{target}: nothing was restored");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{target}: no staging directory left behind: {leftovers:?}");
    }
}

#[test]
fn events_commands_list_and_retry_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_migrated(&dir.path().join("boptone.db")).unwrap();
    db.write_blocking(Durability::Normal, |tx| {
        tx.execute(
            "INSERT INTO platform_events (event_uid, event_type, payload, status, attempts, next_attempt_at, last_error, created_at)
             VALUES ('u1', 'bop.published', '{}', 'dead', 8, 0, 'boom: handler exploded', 0)",
            [],
        )
    })
    .unwrap();
    drop(db);

    let empty = run(boptone().args(["events", "list"]).args(data_arg(&dir.path().join("other"))));
    assert!(stdout(&empty).contains("no undelivered events"), "{}", stdout(&empty));

    let list = run(boptone().args(["events", "list", "--dead"]).args(data_arg(dir.path())));
    assert!(list.status.success(), "{}", stderr(&list));
    let out = stdout(&list);
    assert!(out.contains("bop.published") && out.contains("dead") && out.contains("boom: handler exploded"), "{out}");

    let missing = run(boptone().args(["events", "retry", "42"]).args(data_arg(dir.path())));
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no event with ID 42"), "{}", stderr(&missing));

    let neither = run(boptone().args(["events", "retry"]).args(data_arg(dir.path())));
    assert!(!neither.status.success(), "retry needs an ID or --all-dead");

    let retry = run(boptone().args(["events", "retry", "1"]).args(data_arg(dir.path())));
    assert!(retry.status.success(), "{}", stderr(&retry));
    assert!(stdout(&retry).contains("1 event(s) queued"));
    let after = run(boptone().args(["events", "list", "--dead"]).args(data_arg(dir.path())));
    assert!(stdout(&after).contains("no dead-lettered events"), "{}", stdout(&after));
}

#[tokio::test]
async fn demo_data_is_a_working_first_look() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let output = run(boptone()
        .args(["demo", "--artists", "3", "--fans", "12", "--bops", "40", "--heavy-follows", "5"])
        .args(data_arg(&data)));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("40 Bops"), "{}", stdout(&output));
    assert!(stdout(&output).contains("heavy@demo.boptone.test follows 3 artists"), "{}", stdout(&output));
    let wal = std::fs::metadata(data.join("boptone.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the demo's writes are folded into the database file, not left in the WAL");

    let conn = Connection::open(data.join("boptone.db")).unwrap();
    let check = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(check("SELECT COUNT(*) FROM bops_videos"), 40);
    assert_eq!(
        check("SELECT SUM(like_count) FROM bops_videos"),
        check("SELECT COUNT(*) FROM bops_likes"),
        "counters match rows"
    );
    assert_eq!(check("SELECT SUM(view_count) FROM bops_videos"), check("SELECT COUNT(*) FROM bops_views"));
    assert_eq!(check("SELECT SUM(comment_count) FROM bops_videos"), check("SELECT COUNT(*) FROM bops_comments"));
    // Fans have names as people choose them, artists answer comments, and some Bops catch on.
    let name: String = conn
        .query_row("SELECT display_name FROM users WHERE email = 'fan1@demo.boptone.test'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "Maya A.");
    assert!(check("SELECT COUNT(*) FROM bops_comments WHERE parent_id IS NOT NULL") > 0, "replies");
    assert_eq!(check("SELECT MAX(like_count) FROM bops_videos"), 12, "every seventh Bop: all 12 fans like it");
    assert_eq!(check("SELECT MIN(like_count) FROM bops_videos"), 5);
    assert_eq!(check("SELECT COUNT(*) FROM fan_relationships WHERE following = 1"), 36 + 3);
    // The heavy fan follows every artist (fewer than asked for): their timeline holds every Bop.
    let heavy_timeline = "SELECT COUNT(*) FROM bops_timeline t JOIN users u ON u.id = t.fan_user_id
                          WHERE u.email = 'heavy@demo.boptone.test'";
    assert_eq!(check(heavy_timeline), 40);
    // Music: an EP per artist, codes assigned, a split, streams, royalties split exactly.
    assert_eq!(check("SELECT COUNT(*) FROM music_releases WHERE status = 'published' AND upc IS NOT NULL"), 3);
    assert_eq!(check("SELECT COUNT(DISTINCT isrc) FROM music_tracks"), 9);
    assert_eq!(check("SELECT COUNT(*) FROM music_track_splits"), 6);
    assert!(check("SELECT SUM(streams) FROM streaming_metrics") > 0);
    assert_eq!(check("SELECT COUNT(*) FROM royalty_payments"), 9);
    assert_eq!(
        check("SELECT SUM(amount_micros) FROM royalty_payments"),
        check("SELECT SUM(net_micros) FROM ledger_entries WHERE source = 'royalty'"),
        "the ledger holds every micro of the statement"
    );
    // The shop: a tee, a poster and an EP download per artist, and orders
    // (shipped, paid, refunded) in the ledger.
    assert_eq!(check("SELECT COUNT(*) FROM products WHERE status = 'active'"), 9);
    assert_eq!(check("SELECT COUNT(*) FROM products WHERE kind = 'digital' AND release_id IS NOT NULL"), 3);
    assert_eq!(check("SELECT COUNT(*) FROM product_files"), 9, "each EP's three masters");
    assert_eq!(check("SELECT COUNT(*) FROM orders"), 12);
    assert_eq!(check("SELECT COUNT(*) FROM orders WHERE status = 'shipped'"), 3);
    assert_eq!(check("SELECT COUNT(*) FROM orders WHERE status = 'refunded'"), 3);
    assert_eq!(
        check("SELECT SUM(total_minor - refunded_minor) * 10000 FROM orders"),
        check("SELECT SUM(gross_micros) FROM ledger_entries WHERE source IN ('order', 'refund')")
    );
    assert!(check("SELECT MIN(inventory) FROM product_variants WHERE inventory IS NOT NULL") >= 0);
    // Every tip is in the ledger, less the fee.
    assert!(check("SELECT COUNT(*) FROM bops_tips WHERE status = 'succeeded'") > 0);
    assert_eq!(
        check("SELECT COALESCE(SUM(amount_minor - fee_minor), 0) * 10000 FROM bops_tips WHERE status = 'succeeded'"),
        check("SELECT COALESCE(SUM(net_micros), 0) FROM ledger_entries WHERE source = 'tip'")
    );
    drop(conn);

    let again = run(boptone().args(["demo"]).args(data_arg(&data)));
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already holds 16 accounts"), "{}", stderr(&again));

    let bad = run(boptone().args(["demo", "--artists", "0"]).args(data_arg(&dir.path().join("bad"))));
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--artists must be at least 1"), "{}", stderr(&bad));

    // The demo fans sign in with the demo password and get a playable feed.
    let mut config = crate::helpers::test_config(&data);
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    let app = boptone::startup::Application::build(config).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = rx.await;
    }));
    let token: serde_json::Value = client()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "fan1@demo.boptone.test", "password": "boptone-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed: serde_json::Value = client()
        .get(format!("{base}/api/v1/feed?limit=5"))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &feed["items"][0];
    assert!(first["like_count"].as_i64().unwrap() > 0, "{feed}");
    let video = client()
        .get(format!("{base}{}", first["video_url"].as_str().unwrap()))
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(video.status(), 206);
    let poster = client().get(format!("{base}{}", first["poster_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    // A newcomer presses play: the demo EP streams.
    let get = |path: String| {
        let request = client().get(format!("{base}/api/v1{path}")).bearer_auth(token["token"].as_str().unwrap());
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let artist = first["artist"]["id"].as_str().unwrap();
    let releases = get(format!("/artists/{artist}/releases")).await;
    let detail = get(format!("/releases/{}", releases["items"][0]["id"].as_str().unwrap())).await;
    let stream =
        client().get(format!("{base}{}", detail["tracks"][0]["stream_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "audio/flac");
    assert_eq!(&stream.bytes().await.unwrap()[..4], b"fLaC");

    // The first demo artist's earnings dashboard equals a direct sum over the
    // demo's own tips, orders and royalties (tips and orders less their fees
    // and refunds; royalties less the collaborators' shares).
    let conn = Connection::open(data.join("boptone.db")).unwrap();
    let check = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let artist1 = "(SELECT p.id FROM artist_profiles p JOIN users u ON u.id = p.user_id WHERE u.email = 'artist1@demo.boptone.test')";
    let tips = check(&format!(
        "SELECT COALESCE(SUM(amount_minor), 0) * 10000 FROM bops_tips WHERE status = 'succeeded' AND artist_id = {artist1}"
    ));
    let tip_fees = check(&format!(
        "SELECT COALESCE(SUM(fee_minor), 0) * 10000 FROM bops_tips WHERE status = 'succeeded' AND artist_id = {artist1}"
    ));
    let orders = check(&format!(
        "SELECT SUM(total_minor) * 10000 FROM orders WHERE paid_at IS NOT NULL AND artist_id = {artist1}"
    ));
    let refunds = check(&format!(
        "SELECT COALESCE(SUM(r.amount_minor), 0) * 10000 FROM order_refunds r JOIN orders o ON o.id = r.order_id WHERE o.artist_id = {artist1}"
    ));
    let order_fees = check(&format!(
        "SELECT (SELECT SUM(fee_minor) FROM orders WHERE paid_at IS NOT NULL AND artist_id = {artist1})
              - COALESCE((SELECT SUM(r.fee_refunded_minor) FROM order_refunds r JOIN orders o ON o.id = r.order_id WHERE o.artist_id = {artist1}), 0)"
    )) * 10000;
    let royalties = check(&format!(
        "SELECT SUM(p.amount_micros) FROM royalty_payments p JOIN music_tracks t ON t.id = p.track_id
         JOIN music_releases r ON r.id = t.release_id WHERE r.artist_id = {artist1}"
    ));
    let shares = check(&format!(
        "SELECT COALESCE(SUM(l.net_micros), 0) FROM ledger_entries l JOIN artist_profiles p ON p.id = l.artist_id
         WHERE l.artist_id = {artist1} AND l.source = 'royalty' AND l.collaborator_user_id IS NOT p.user_id AND l.share_key <> 'artist'"
    ));
    drop(conn);
    assert!(tips > 0 && orders > 0 && refunds > 0 && royalties > 0 && shares > 0);
    let mut studio = crate::browser::Browser::new(&base);
    let signed_in =
        studio.post_form("/login", &[("email", "artist1@demo.boptone.test"), ("password", "boptone-demo")]).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let page = studio.get("/dashboard/earnings").await.body;
    let cents = |name: &str| -> i64 {
        let card = page.split("data-period=\"All time\"").nth(1).unwrap();
        let cell = card.split(&format!("data-figure=\"{name}\">")).nth(1).unwrap();
        cell.split('<').next().unwrap().chars().filter(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap()
    };
    let round = |micros: i64| (micros + 5_000) / 10_000;
    assert_eq!(cents("gross"), round(tips + orders + royalties), "{page}");
    assert_eq!(cents("refunds"), round(refunds));
    assert_eq!(cents("fees"), round(tip_fees + order_fees));
    assert_eq!(cents("splits"), round(shares));
    assert_eq!(cents("net"), round(tips + orders + royalties - refunds - tip_fees - order_fees - shares));
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}
