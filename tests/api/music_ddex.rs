//! DDEX ERN 4.3: a published release exported by the admin's command
//! validates against DDEX's schema; publishing delivers it as a batch to
//! every configured target (a directory here; S3 and SFTP in the end-to-end
//! tier), the completion marker last, every attempt in the delivery log;
//! a takedown is delivered the same way; a failing target is retried.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bops::{artist, count, count_text};
use crate::helpers::{TestApp, boptone, run, spawn_app_with, stderr};
use crate::music_money::published_album;

pub const LABEL_DPID: &str = "PADPIDA2026120601B";
const STORE_DPID: &str = "PADPIDA2014120301J";

/// A delivery target as a TOML table.
pub fn target(name: &str, kind: &str, fields: &[(&str, toml::Value)]) -> toml::Value {
    let mut table = toml::Table::new();
    table.insert("name".into(), name.into());
    table.insert("recipient_dpid".into(), STORE_DPID.into());
    table.insert("recipient_name".into(), "Test Store".into());
    table.insert("kind".into(), kind.into());
    for (key, value) in fields {
        table.insert((*key).into(), value.clone());
    }
    toml::Value::Table(table)
}

pub async fn ddex_app(targets: Vec<toml::Value>) -> TestApp {
    spawn_app_with(
        |c| {
            c.set("music.gs1_prefix", "0614141");
            c.set("music.isrc_registrant", crate::music_tracks::REGISTRANT);
            c.set("music.ddex_dpid", LABEL_DPID);
            c.set("music.delivery", toml::Value::Array(targets));
        },
        None,
        None,
    )
    .await
}

/// Runs the delivery job once, at the application's clock; how many it sent.
pub async fn deliver_due(app: &TestApp) -> usize {
    let music = &boptone::music::state(&app.state).config;
    let clock = app.state.clock.clone();
    boptone::music::distribution::deliver_due(&app.state.db, &app.state.media, music, || clock.now_ms()).await
}

/// An app delivering to `target`, with a published two-track album whose
/// deliveries have been sent.
#[cfg_attr(not(feature = "e2e"), allow(dead_code))]
pub async fn published_and_delivered(target: toml::Value) -> TestApp {
    let app = ddex_app(vec![target]).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    published_album(&app, &mut browser).await;
    app.drain_events().await;
    deliver_due(&app).await;
    app
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/ddex/ern43/release-notification.xsd")
}

/// Validates `file` against the ERN 4.3 XSD with xmllint.
pub fn assert_valid_ern(file: &Path) {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .arg(file)
        .output()
        .expect("xmllint runs (Debian package libxml2-utils; scripts/test installs it)");
    assert!(
        output.status.success(),
        "{} does not validate: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                walk(root, &entry.path(), out);
            } else {
                out.push(entry.path().strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Checks a delivered batch: one batch folder with the message, the cover
/// and both masters, and the marker; returns the message's path.
pub fn check_batch(drop: &Path, upc: &str) -> PathBuf {
    let files = files_under(drop);
    let batch = files[0].split('/').next().unwrap().to_owned();
    let expected = [format!("{batch}/BatchComplete_{batch}.xml"), format!("{batch}/{upc}/{upc}.xml")];
    for file in &expected {
        assert!(files.contains(file), "{file} in {files:?}");
    }
    assert_eq!(files.iter().filter(|f| f.contains("/resources/")).count(), 3, "cover and two masters: {files:?}");
    assert!(!files.iter().any(|f| f.ends_with(".part")), "no partial files: {files:?}");
    drop.join(&expected[1])
}

#[tokio::test]
async fn an_exported_release_validates_against_the_ern_schema() {
    let app = ddex_app(Vec::new()).await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (release, isrcs) = published_album(&app, &mut browser).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("boptone.toml");
    std::fs::write(&config, format!("[music]\nddex_dpid = \"{LABEL_DPID}\"\nlabel_name = \"Night Bus Records\"\n"))
        .unwrap();
    let out = dir.path().join("release.xml");
    let export = |release: &str, extra: &[&str]| {
        run(boptone()
            .args(["ddex", "export", "--release", release, "--out"])
            .arg(&out)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(app.data_dir())
            .args(extra))
    };
    let output = export(&release, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_valid_ern(&out);
    let xml = std::fs::read_to_string(&out).unwrap();
    let summary = boptone::music::ddex::read_summary(&xml).unwrap();
    assert_eq!(summary.icpn, count_text(&app, "SELECT upc FROM music_releases"));
    assert_eq!(summary.title, "Night Buses");
    assert_eq!(summary.display_artist, "Nova");
    let seen: Vec<&str> = summary.tracks.iter().map(|t| t.isrc.as_str()).collect();
    assert_eq!(seen, isrcs.iter().map(String::as_str).collect::<Vec<_>>());
    assert!((1900..=2100).contains(&summary.tracks[0].duration_ms), "{:?}", summary.tracks[0]);
    assert!(xml.contains("TestMessage"));

    let output = export(&release, &["--takedown"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_valid_ern(&out);

    // Bad input: an unknown release, an unknown target.
    let output = export("nosuchrelease", &[]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no release has the id"), "{}", stderr(&output));
    let output = export(&release, &["--target", "nowhere"]);
    assert!(stderr(&output).contains("no delivery target is called"), "{}", stderr(&output));
}

#[tokio::test]
async fn publishing_delivers_a_batch_to_each_target_and_a_failing_one_is_retried() {
    let drop = tempfile::tempdir().unwrap();
    let blocked = tempfile::tempdir().unwrap();
    // A target whose folder is a file: every attempt fails.
    let not_a_dir = blocked.path().join("file");
    std::fs::write(&not_a_dir, "in the way").unwrap();
    let app = ddex_app(vec![
        target("store", "directory", &[("path", drop.path().display().to_string().into())]),
        target("broken", "directory", &[("path", not_a_dir.display().to_string().into())]),
    ])
    .await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (release, _) = published_album(&app, &mut browser).await;
    app.drain_events().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ddex_deliveries WHERE status = 'pending'"), 2);

    let sent = deliver_due(&app).await;
    assert_eq!(sent, 2);
    let upc = count_text(&app, "SELECT upc FROM music_releases");
    let message = check_batch(drop.path(), &upc);
    assert_valid_ern(&message);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ddex_deliveries WHERE status = 'delivered'"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ddex_deliveries WHERE status = 'pending' AND attempts = 1"), 1);
    let error = count_text(&app, "SELECT last_error FROM ddex_deliveries WHERE target = 'broken'");
    assert!(error.contains("cannot write"), "{error}");

    // Not due yet: nothing is sent; after the backoff, the retry is.
    assert_eq!(deliver_due(&app).await, 0);
    app.state.clock.advance(31_000);
    assert_eq!(deliver_due(&app).await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ddex_delivery_attempts"), 3);

    // The artist sees the log on the release page.
    let page = browser.get(&format!("/studio/music/{release}")).await;
    assert!(page.body.contains("Delivered") && page.body.contains("store"), "{}", page.body);
    assert!(page.body.contains("broken") && page.body.contains("retrying"), "{}", page.body);

    // A takedown goes out the same way.
    browser.post_form(&format!("/studio/music/{release}/takedown"), &[]).await;
    app.drain_events().await;
    deliver_due(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ddex_deliveries WHERE kind = 'takedown' AND status = 'delivered'"), 1);
    let messages: Vec<String> =
        files_under(drop.path()).into_iter().filter(|f| f.ends_with(&format!("{upc}.xml"))).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    for message in messages {
        assert_valid_ern(&drop.path().join(message));
    }
}
