//! What music earns: royalty statements imported (by the admin's command
//! and in the studio), matched to tracks, split among collaborators into
//! ledger rows that add up to the whole; and releases exported as DDEX
//! ERN 4.3 and delivered in batches.

use std::path::Path;

use crate::bops::{artist, count, count_text};
use crate::browser::Browser;
use crate::helpers::{TestApp, boptone, run, stderr, stdout};
use crate::music_tracks::{add_track, album_with_artwork, cd_wav, label_app};

const HEADER: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)";

fn row(month: &str, store: &str, title: &str, isrc: &str, upc: &str, quantity: u32, earnings: &str) -> String {
    format!("2026-11-05\t{month}\t{store}\tNova\t{title}\t{isrc}\t{upc}\t{quantity}\t100\tSong\tUS\t0\t{earnings}")
}

/// A published album of two tracks; the first split 70/30. Returns the
/// release id and the tracks' ISRCs.
pub async fn published_album(app: &TestApp, browser: &mut Browser) -> (String, Vec<String>) {
    let release = album_with_artwork(browser, "Night Buses").await;
    add_track(browser, &release, "Last Bus", cd_wav(), &[]).await;
    add_track(browser, &release, "Depot", cd_wav(), &[]).await;
    let first = count_text(app, "SELECT uid FROM music_tracks ORDER BY position LIMIT 1");
    browser.get(&format!("/studio/music/tracks/{first}")).await;
    let splits = "Nova, nova@example.com, 70\nAda Obi, ada@example.com, 30";
    let page = browser.post_form(&format!("/studio/music/tracks/{first}/splits"), &[("splits", splits)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser.post_form(&format!("/studio/music/{release}/publish"), &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let isrcs = (1..=2)
        .map(|p| count_text(app, &format!("SELECT isrc FROM music_tracks WHERE position = {p} AND deleted_at IS NULL")))
        .collect();
    (release, isrcs)
}

fn import(app: &TestApp, file: &Path) -> std::process::Output {
    run(boptone().args(["royalties", "import"]).arg(file).arg("--data-dir").arg(app.data_dir()))
}

#[tokio::test]
async fn a_distrokid_statement_is_imported_once_and_split_to_the_micro() {
    let app = label_app().await;
    let (mut browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, isrcs) = published_album(&app, &mut browser).await;
    let upc = count_text(&app, "SELECT upc FROM music_releases");
    let dir = tempfile::tempdir().unwrap();

    // A malformed file says where, and changes nothing.
    let bad = dir.path().join("bad.tsv");
    let lines = [
        HEADER.to_owned(),
        row("2026-10", "Spotify", "Last Bus", &isrcs[0], "", 10, "0.05"),
        row("2026-10", "Apple", "Last Bus", &isrcs[0], "", 1, "12,50"),
    ];
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let output = import(&app, &bad);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("line 3") && err.contains("Earnings (USD)"), "{err}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM royalty_imports"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries"), 0);

    // Rows by ISRC (dashed or not), one by UPC and title, one for nobody.
    let dashed = format!("{}-{}-{}-{}", &isrcs[1][..2], &isrcs[1][2..5], &isrcs[1][5..7], &isrcs[1][7..]);
    let lines = [
        HEADER.to_owned(),
        row("2026-10", "Spotify", "Last Bus", &isrcs[0], "", 1000, "3.141592653589"),
        row("2026-10", "Apple Music", "Last Bus", &isrcs[0], "", 10, "0.000001"),
        row("2026-10", "Spotify", "Depot", &dashed, "", 7, "0.021"),
        row("2026-10", "Tidal", "Depot", "", &upc, 2, "0.5"),
        row("2026-11", "Spotify", "Last Bus", &isrcs[0], "", 5, "1"),
        row("2026-10", "Deezer", "Somebody Else's Song", "USAT29900609", "", 3, "0.75"),
    ];
    let file = dir.path().join("distrokid.tsv");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let output = import(&app, &file);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("5 matched") && out.contains("1 unmatched"), "{out}");

    // Per track and period: the sums, exactly.
    let track = |p: i64| count(&app, &format!("SELECT id FROM music_tracks WHERE position = {p}"));
    let sum = |sql: String| count(&app, &sql);
    assert_eq!(
        sum(format!("SELECT amount_micros FROM royalty_payments WHERE track_id = {} AND period = '2026-10'", track(1))),
        3_141_594
    );
    assert_eq!(
        sum(format!("SELECT amount_micros FROM royalty_payments WHERE track_id = {} AND period = '2026-10'", track(2))),
        521_000
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM royalty_payments"), 3);
    // Split 70/30 into ledger rows that add up to each payment.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries WHERE share_key = 'ada@example.com'"), 2);
    let mismatched = count(
        &app,
        "SELECT COUNT(*) FROM royalty_payments p WHERE p.amount_micros !=
             (SELECT SUM(net_micros) FROM ledger_entries WHERE reference = 'royalty:' || p.id)",
    );
    assert_eq!(mismatched, 0, "every split adds up to its whole");
    let ada = count(&app, "SELECT SUM(net_micros) FROM ledger_entries WHERE share_key = 'ada@example.com'");
    assert_eq!(ada, 942_478 + 300_000, "30% of 3.141594 (rounded by largest remainder) and of 1.00");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries WHERE share_key = 'artist'"), 1, "Depot is unsplit");
    assert_eq!(count_text(&app, "SELECT title FROM royalty_unmatched"), "Somebody Else's Song");
    assert_eq!(count(&app, "SELECT line FROM royalty_unmatched"), 7, "held with its line number");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'royalty.imported'"), 1);
    app.drain_events().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'royalties'"), 1, "the artist hears");

    // The same file again changes nothing.
    let output = import(&app, &file);
    assert!(output.status.success());
    assert!(stdout(&output).contains("nothing changed"), "{}", stdout(&output));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM royalty_imports"), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries"), 5);

    // The artist sees what each track earned, per collaborator.
    let first = count_text(&app, "SELECT uid FROM music_tracks WHERE position = 1");
    let page = browser.get(&format!("/studio/music/tracks/{first}")).await;
    assert!(page.body.contains("Ada Obi") && page.body.contains("1.24"), "{}", page.body);
}

#[tokio::test]
async fn the_label_imports_a_mapped_csv_in_the_studio_and_reviews_unmatched_rows() {
    let app = label_app().await;
    let (mut artist_browser, _) = artist(&app, "nova@example.com", "Nova").await;
    let (_, isrcs) = published_album(&app, &mut artist_browser).await;
    boptone::identity::service::create_named_user_blocking(
        &app.state.db,
        "boss@label.example",
        "label admin passphrase",
        boptone::auth::Role::Admin,
        None,
    )
    .unwrap();
    let mut admin =
        crate::console_helpers::admin_browser_for(&app, "boss@label.example", "label admin passphrase").await;
    let page = admin.get("/admin/royalties").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No statements imported yet"), "{}", page.body);
    assert_eq!(artist_browser.get("/admin/royalties").await.status, 403, "artists do not import statements");

    // A mapping without its money column is refused with the field named.
    let mut mapping = vec![
        ("name", "cdbaby"),
        ("delimiter", ";"),
        ("isrc", "Recording ISRC"),
        ("title", "Track"),
        ("store", "Partner"),
        ("period", "Month"),
        ("quantity", "Units"),
        ("amount", ""),
        ("fixed_currency", "EUR"),
    ];
    let page = admin.post_form("/admin/royalties/mappings", &mapping).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("amount-error"), "{}", page.body);
    mapping[7] = ("amount", "Net");
    assert_eq!(admin.post_form("/admin/royalties/mappings", &mapping).await.redirect(), "/admin/royalties");

    let csv = format!(
        "Month;Partner;Track;Recording ISRC;Units;Net\n2026-10;Bandcamp;\"Last Bus; live\";{};3;2.50\n2026-10;Bandcamp;Unknown;USAT29900609;1;0.10\n",
        isrcs[0]
    );
    let form = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("format", "cdbaby")
            .part("statement", reqwest::multipart::Part::bytes(bytes).file_name("cdbaby.csv"))
    };
    let token = admin.csrf().await;
    let url = app.url(&format!("/admin/royalties?csrf_token={token}"));
    let response = admin.client.post(&url).multipart(form(csv.clone().into_bytes())).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let import = response.headers()["location"].to_str().unwrap().to_owned();
    let page = admin.get(&import).await;
    assert!(page.body.contains("USAT29900609") && page.body.contains("Unknown"), "{}", page.body);
    assert!(page.body.contains("<td>3</td>"), "the unmatched row's line: {}", page.body);
    assert_eq!(count(&app, "SELECT SUM(net_micros) FROM ledger_entries WHERE currency = 'EUR'"), 2_500_000);

    // Again: the same import, nothing new.
    let response = admin.client.post(&url).multipart(form(csv.into_bytes())).send().await.unwrap();
    assert_eq!(response.headers()["location"].to_str().unwrap(), import);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries"), 2);

    // A broken file names its line and column and changes nothing.
    let bad = "Month;Partner;Track;Recording ISRC;Units;Net\n2026-10;Bandcamp;X;NOT-AN-ISRC;1;1\n";
    let response = admin.client.post(&url).multipart(form(bad.as_bytes().to_vec())).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("line 2") && body.contains("Recording ISRC"), "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM royalty_imports"), 1);
}
