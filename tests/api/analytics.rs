//! Issue 12: the daily snapshots the handlers keep and `analytics rebuild`
//! reproduces, the earnings dashboard against a direct sum over the
//! pillars' own tables, the CSV export, loyalty, sandbox payouts, monthly
//! statements and the dashboard home.

use chrono::Datelike;
use reqwest::Method;
use serde_json::json;

use crate::bops::{FAN_PASSWORD, artist, call, count, count_text, fan, post_bop, tip, token};
use crate::browser::Browser;
use crate::helpers::{TestApp, boptone, run, stderr, stdout};
use crate::music_money::published_album;
use crate::music_tracks::label_app;
use crate::shop::{address, fan_token, tee};

/// Every snapshot row and earning item, in key order, as text.
fn snapshots(app: &TestApp) -> (Vec<String>, Vec<String>) {
    app.state
        .db
        .read_blocking(|c| {
            let rows = |sql: &str| -> rusqlite::Result<Vec<String>> {
                let mut stmt = c.prepare(sql)?;
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| v.join("|"))
                })?
                .collect()
            };
            let mut days = rows("SELECT * FROM artist_analytics ORDER BY artist_id, day")?;
            days.extend(rows("SELECT * FROM artist_analytics_monthly ORDER BY artist_id, month")?);
            Ok((
                days,
                rows("SELECT artist_id, kind, item, gross_micros, sales FROM artist_item_earnings ORDER BY 1, 2, 3")?,
            ))
        })
        .unwrap()
}

fn snapshot_sum(app: &TestApp, column: &str) -> i64 {
    count(app, &format!("SELECT COALESCE(SUM({column}), 0) FROM artist_analytics"))
}

/// The "All time" card's figure `name` (gross, fees, refunds, net …) as cents.
fn card_cents(page: &str, period: &str, name: &str) -> i64 {
    let card = page.split(&format!("data-period=\"{period}\"")).nth(1).unwrap();
    let cell = card.split(&format!("data-figure=\"{name}\">")).nth(1).unwrap();
    let text: String = cell.split('<').next().unwrap().chars().filter(|c| c.is_ascii_digit()).collect();
    text.parse().unwrap()
}

/// A fan who streams `track` once (30 s, with the clock moved past it).
async fn stream_once(app: &TestApp, token: &str, track: &str) {
    let path = format!("/api/v1/tracks/{track}/plays");
    call(app, Some(token), Method::POST, &path, Some(json!({"position_ms": 0, "source": "app"}))).await;
    app.state.clock.advance(31_000);
    let (_, outcome) =
        call(app, Some(token), Method::POST, &path, Some(json!({"position_ms": 30_500, "source": "app"}))).await;
    assert_eq!(outcome["counted"], true, "{outcome}");
}

/// Everything an artist can earn from, and everything fans do, once each
/// (and some taken back). Returns the artist's browser and the fans' tokens.
async fn a_busy_artist(app: &TestApp) -> (Browser, String, String) {
    let (mut browser, artist_token) = artist(app, "nova@example.com", "Nova").await;
    let artist_uid = count_text(app, "SELECT uid FROM artist_profiles");
    let (_, bop) = post_bop(app, &artist_token, "vertical.mp4", "Night drive").await;
    let bop = bop["id"].as_str().unwrap().to_owned();
    let ada = fan_token(app, "ada@example.com").await;
    let bob = fan_token(app, "bob@example.com").await;

    // Follows (Bob's taken back), likes (Bob's taken back), views, a comment.
    for fan in [&ada, &bob] {
        assert!(
            call(app, Some(fan), Method::POST, &format!("/api/v1/artists/{artist_uid}/follow"), None)
                .await
                .0
                .is_success()
        );
        assert!(call(app, Some(fan), Method::POST, &format!("/api/v1/bops/{bop}/like"), None).await.0.is_success());
        let (_, viewed) =
            call(app, Some(fan), Method::POST, &format!("/api/v1/bops/{bop}/views"), Some(json!({"watched_ms": 5000})))
                .await;
        assert_eq!(viewed["counted"], true);
    }
    call(app, Some(&bob), Method::DELETE, &format!("/api/v1/artists/{artist_uid}/follow"), None).await;
    call(app, Some(&bob), Method::DELETE, &format!("/api/v1/bops/{bop}/like"), None).await;
    let (status, _) =
        call(app, Some(&ada), Method::POST, &format!("/api/v1/bops/{bop}/comments"), Some(json!({"body": "Love it"})))
            .await;
    assert_eq!(status, 201);

    // A $5 tip, paid.
    let (status, started) = tip(app, &ada, &bop, 500).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(call(app, Some(&ada), Method::POST, started["confirm_url"].as_str().unwrap(), None).await.0, 200);

    // Two tees bought and paid; one refunded later by the caller.
    let (_, variant) = tee(app, &mut browser, "5").await;
    let body = json!({"items": [{"variant_id": variant, "quantity": 2}], "shipping_address": address()});
    let (status, order) = call(app, Some(&ada), Method::POST, "/api/v1/orders", Some(body)).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(call(app, Some(&ada), Method::POST, order["confirm_url"].as_str().unwrap(), None).await.0, 200);

    // Music: an album, a counted stream, and royalties split 70/30.
    let (_, isrcs) = published_album(app, &mut browser).await;
    let track = count_text(app, "SELECT uid FROM music_tracks WHERE position = 1");
    stream_once(app, &ada, &track).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("statement.tsv");
    let header = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)";
    let lines = [
        header.to_owned(),
        format!("2026-11-05\t2026-10\tSpotify\tNova\tLast Bus\t{}\t\t1000\t100\tSong\tUS\t0\t3.141592", isrcs[0]),
        format!("2026-11-05\t2026-10\tApple\tNova\tDepot\t{}\t\t10\t100\tSong\tUS\t0\t1.00", isrcs[1]),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let output = run(boptone().args(["royalties", "import"]).arg(&file).arg("--data-dir").arg(app.data_dir()));
    assert!(output.status.success(), "{}", stderr(&output));
    app.drain_events().await;
    (browser, ada, bob)
}

#[tokio::test]
async fn the_dashboard_equals_a_direct_sum_and_rebuild_reproduces_the_handlers_exactly() {
    let app = label_app().await;
    let (mut browser, ada, _bob) = a_busy_artist(&app).await;

    // What the handlers built: each kind of fact, counted as it stands.
    assert_eq!(snapshot_sum(&app, "views"), 2);
    assert_eq!(snapshot_sum(&app, "likes"), 1, "Bob's like was taken back");
    assert_eq!(snapshot_sum(&app, "new_followers"), 1, "Bob's follow was taken back");
    assert_eq!(snapshot_sum(&app, "comments"), 1);
    assert_eq!(snapshot_sum(&app, "streams"), 1);
    assert_eq!(snapshot_sum(&app, "orders"), 1);

    // The direct sum over the pillars' own tables, in micro-units.
    let tips = count(&app, "SELECT SUM(amount_minor) FROM bops_tips WHERE status = 'succeeded'") * 10_000;
    let shop = count(&app, "SELECT SUM(total_minor) FROM orders WHERE paid_at IS NOT NULL") * 10_000;
    let royalties = count(&app, "SELECT SUM(amount_micros) FROM royalty_payments");
    let fees = count(&app, "SELECT SUM(fee_minor) FROM bops_tips WHERE status = 'succeeded'") * 10_000
        + count(&app, "SELECT SUM(fee_minor) FROM orders WHERE paid_at IS NOT NULL") * 10_000;
    assert_eq!(tips, 5_000_000);
    assert_eq!(royalties, 4_141_592);
    assert_eq!(snapshot_sum(&app, "tips_micros"), tips);
    assert_eq!(snapshot_sum(&app, "shop_micros"), shop);
    assert_eq!(snapshot_sum(&app, "royalties_micros"), royalties);
    assert_eq!(snapshot_sum(&app, "fees_micros"), fees);
    let splits = snapshot_sum(&app, "splits_micros");
    assert_eq!(splits, count(&app, "SELECT SUM(net_micros) FROM ledger_entries WHERE share_key = 'ada@example.com'"));
    assert!(splits > 0, "Ada holds 30% of the first track");
    assert_eq!(snapshot_sum(&app, "net_micros"), tips + shop + royalties - fees - splits);

    // The page shows the same, rounded to cents.
    let page = browser.get("/dashboard/earnings").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let round = |micros: i64| (micros + 5_000) / 10_000;
    assert_eq!(card_cents(&page.body, "All time", "gross"), round(tips + shop + royalties));
    assert_eq!(card_cents(&page.body, "All time", "fees"), round(fees));
    assert_eq!(card_cents(&page.body, "All time", "splits"), round(splits));
    let net_before = card_cents(&page.body, "All time", "net");
    assert_eq!(net_before, round(tips + shop + royalties - fees - splits));
    for text in [
        "Bops tips",
        "Music royalties",
        "BopShop",
        "Fan subscriptions",
        "coming",
        "Night drive",
        "Tour tee",
        "Last Bus",
    ] {
        assert!(page.body.contains(text), "{text} missing");
    }
    assert!(page.body.contains("<svg class=\"chart\""));
    for by in ["week", "month"] {
        assert_eq!(browser.get(&format!("/dashboard/earnings?by={by}")).await.status, 200);
    }
    assert_eq!(browser.get("/dashboard/earnings?by=decade").await.status, 400);

    // A refund lowers the net, in the handlers and on the page.
    let order = count_text(&app, "SELECT uid FROM orders");
    let item = count(&app, "SELECT id FROM order_items");
    let refunded =
        browser.post_form(&format!("/studio/shop/orders/{order}/refund"), &[(&format!("qty_{item}"), "1")]).await;
    assert_eq!(refunded.status, 303, "{}", refunded.body);
    app.drain_events().await;
    let page = browser.get("/dashboard/earnings").await;
    assert_eq!(card_cents(&page.body, "All time", "refunds"), 2500);
    assert_eq!(card_cents(&page.body, "All time", "net"), net_before - 2500 + 250, "the fee on it comes back");

    // Replaying every event changes nothing.
    let built = snapshots(&app);
    assert!(!built.0.is_empty() && built.1.len() >= 3, "{built:?}");
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE platform_events SET status = 'pending', next_attempt_at = 0", [])
        })
        .unwrap();
    app.drain_events().await;
    assert_eq!(snapshots(&app), built, "replayed events are not counted twice");

    // The rebuild, from the source tables, gives exactly the same.
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE artist_analytics SET views = 99", [])?;
            tx.execute("UPDATE artist_analytics_monthly SET net_micros = 0", [])?;
            tx.execute("DELETE FROM artist_item_earnings", [])
        })
        .unwrap();
    // The page drawn before is not served again: any write to the figures
    // (here a plain UPDATE, below the rebuild in another process) moves the
    // version the drawn page was kept under.
    let broken = browser.get("/dashboard/earnings").await;
    assert_eq!(card_cents(&broken.body, "All time", "net"), 0);
    assert!(!broken.body.contains("Night drive"), "the earnings per item were deleted");
    let output = run(boptone().args(["analytics", "rebuild"]).arg("--data-dir").arg(app.data_dir()));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("rebuilt"), "{}", stdout(&output));
    assert_eq!(snapshots(&app), built);
    let rebuilt = browser.get("/dashboard/earnings").await;
    assert_eq!(card_cents(&rebuilt.body, "All time", "net"), net_before - 2500 + 250);
    assert!(rebuilt.body.contains("Night drive"));
    let artist_uid = count_text(&app, "SELECT uid FROM artist_profiles");
    let one =
        run(boptone().args(["analytics", "rebuild", "--artist", &artist_uid]).arg("--data-dir").arg(app.data_dir()));
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(snapshots(&app), built);
    let nobody =
        run(boptone().args(["analytics", "rebuild", "--artist", "nobody"]).arg("--data-dir").arg(app.data_dir()));
    assert!(!nobody.status.success());
    assert!(stderr(&nobody).contains("no artist has the id or email"), "{}", stderr(&nobody));
    assert_eq!(snapshots(&app), built, "a failed rebuild changes nothing");
    let _ = ada;
    app.stop().await;
}

/// The CSV's rows as (source, gross, fee, net) in micro-units.
fn csv_rows(text: &str) -> Vec<(String, i64, i64, i64)> {
    let micros = |s: &str| boptone::ledger::Micros::parse_decimal(s).unwrap().0;
    let mut reader = csv_reader(text);
    reader.remove(0);
    reader.into_iter().map(|f| (f[1].clone(), micros(&f[3]), micros(&f[4]), micros(&f[5]))).collect()
}

/// A small RFC 4180 reader for the export's own output.
fn csv_reader(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn the_csv_export_has_one_row_per_ledger_entry_and_refuses_bad_ranges() {
    let app = label_app().await;
    let (mut browser, _, _) = a_busy_artist(&app).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let response = browser.get(&format!("/dashboard/earnings.csv?from=2020-01-01&to={today}")).await;
    assert_eq!(response.status, 200);
    assert!(response.body.starts_with("occurred_at,source,description,gross,fee,net,currency\n"), "{}", response.body);
    let rows = csv_rows(&response.body);
    // What the artist paid for their plan is the platform's income, not earnings.
    let earnings = "FROM ledger_entries WHERE source <> 'subscription'";
    assert_eq!(rows.len() as i64, count(&app, &format!("SELECT COUNT(*) {earnings}")));
    let sum = |f: fn(&(String, i64, i64, i64)) -> i64| rows.iter().map(f).sum::<i64>();
    assert_eq!(sum(|r| r.3), count(&app, &format!("SELECT SUM(net_micros) {earnings}")));
    assert_eq!(sum(|r| r.1), count(&app, &format!("SELECT SUM(gross_micros) {earnings}")));
    assert!(rows.iter().any(|r| r.0 == "royalty" && r.1 % 10_000 != 0), "fractions of a cent are kept exactly");
    assert!(response.body.contains("(share of Ada Obi)"), "{}", response.body);

    // A range before anything happened: the header only.
    let empty = browser.get("/dashboard/earnings.csv?from=2020-01-01&to=2020-01-31").await;
    assert_eq!(empty.body, "occurred_at,source,description,gross,fee,net,currency\n");
    for bad in ["from=2026-13-01", "from=yesterday", "from=2026-12-02&to=2026-12-01", "to=01/12/2026"] {
        let page = browser.get(&format!("/dashboard/earnings.csv?{bad}")).await;
        assert_eq!(page.status, 422, "{bad}: {}", page.body);
        assert!(page.body.contains("from") || page.body.contains("to"), "{bad}: {}", page.body);
    }
    // Only artists, only their own ledger.
    let anonymous = crate::helpers::client().get(app.url("/dashboard/earnings.csv")).send().await.unwrap();
    assert_ne!(anonymous.status(), 200);
    assert!(!anonymous.text().await.unwrap().contains("occurred_at"));
    let (mut other, _) = artist(&app, "other@example.com", "Other").await;
    let theirs = other.get(&format!("/dashboard/earnings.csv?from=2020-01-01&to={today}")).await;
    assert_eq!(theirs.body.lines().count(), 1, "another artist sees none of Nova's rows");
    app.stop().await;
}

#[tokio::test]
async fn loyalty_ranks_the_fans_who_do_most_and_fades_with_time() {
    let app = label_app().await;
    let (mut browser, _, _) = a_busy_artist(&app).await;
    let ada = count(&app, "SELECT id FROM users WHERE email = 'ada@example.com'");
    let bob = count(&app, "SELECT id FROM users WHERE email = 'bob@example.com'");
    let score =
        |fan: i64| count(&app, &format!("SELECT loyalty_score FROM fan_relationships WHERE fan_user_id = {fan}"));
    // Ada: follow 5 + like 2 + view 1 + comment 3 + tip 10 + purchase 10 + stream 1.
    assert_eq!(score(ada), 32);
    // Bob: follow 5 + like 2 + view 1; taking them back does not erase what he did.
    assert_eq!(score(bob), 8);
    let page = browser.get("/dashboard/fans").await;
    assert_eq!(page.status, 200);
    let ada_name = count_text(&app, &format!("SELECT display_name FROM users WHERE id = {ada}"));
    let bob_name = count_text(&app, &format!("SELECT display_name FROM users WHERE id = {bob}"));
    let (a, b) = (page.body.find(&ada_name).unwrap(), page.body.find(&bob_name).unwrap());
    assert!(a < b, "the most loyal fan comes first");
    assert!(!page.body.contains("ada@example.com"), "display names only");

    // Three weeks on (one half-life), the points have halved.
    app.state.clock.advance(21 * 86_400_000);
    let weights = boptone::analytics::state(&app.state).config.loyalty;
    let now = app.state.clock.now_ms();
    let top = app
        .state
        .db
        .read_blocking(move |c| {
            boptone::analytics::loyalty::top_fans(c, boptone::core::ids::ArtistId(1), &weights, now, 5)
        })
        .unwrap();
    assert_eq!(top.iter().map(|f| f.points).collect::<Vec<_>>(), vec![16, 4]);
    let average = app
        .state
        .db
        .read_blocking(move |c| {
            boptone::analytics::loyalty::average_loyalty(c, boptone::core::ids::ArtistId(1), &weights, now)
        })
        .unwrap();
    assert!((average - 10.0).abs() < 0.01, "{average}");

    // The rebuild recomputes loyalty from what still stands in the pillars'
    // tables (Bob's follow and like were taken back; streams are counted by
    // the handlers only).
    let output = run(boptone().args(["analytics", "rebuild"]).arg("--data-dir").arg(app.data_dir()));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("loyalty of 2 fan-artist pairs"), "{}", stdout(&output));
    assert_eq!(score(ada), 32 - 1);
    assert_eq!(score(bob), 1);
    assert_eq!(
        count(
            &app,
            &format!("SELECT likes + comments + tips + purchases FROM fan_relationships WHERE fan_user_id = {ada}")
        ),
        4
    );
    app.stop().await;
}

#[tokio::test]
async fn the_sandbox_pays_the_balance_out_once_a_period_and_the_artist_hears_of_it() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let (_, started) = tip(&app, &ada, bop["id"].as_str().unwrap(), 1000).await;
    call(&app, Some(&ada), Method::POST, started["confirm_url"].as_str().unwrap(), None).await;
    app.drain_events().await;
    let page = browser.get("/dashboard/earnings").await;
    assert!(page.body.contains("No payouts yet"), "{}", page.body);
    assert!(page.body.contains("data-figure=\"balance\">$9.00"), "tip less the platform's fee: {}", page.body);

    let now = app.state.clock.now_ms();
    let paid = boptone::analytics::payouts::run_sandbox_payouts(&app.state, now).await.unwrap();
    assert_eq!(paid, 1);
    assert_eq!(boptone::analytics::payouts::run_sandbox_payouts(&app.state, now).await.unwrap(), 0, "once a period");
    assert_eq!(count(&app, "SELECT amount_minor FROM payouts WHERE status = 'paid'"), 900);
    assert_eq!(count(&app, "SELECT net_micros FROM ledger_entries WHERE source = 'payout'"), -9_000_000);
    app.drain_events().await;
    assert_eq!(snapshot_sum(&app, "payouts_micros"), 9_000_000);
    let page = browser.get("/dashboard/earnings").await;
    assert!(page.body.contains("data-figure=\"balance\">$0.00"), "{}", page.body);
    assert!(page.body.contains("$9.00") && page.body.contains("paid"), "history: {}", page.body);
    assert!(browser.get("/dashboard").await.body.contains("Payout sent"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'stripe.payout.paid'"), 1);

    // Next week: nothing left to pay, nothing written.
    app.state.clock.advance(7 * 86_400_000);
    let later = app.state.clock.now_ms();
    assert_eq!(boptone::analytics::payouts::run_sandbox_payouts(&app.state, later).await.unwrap(), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payouts"), 1);
    app.stop().await;
}

#[tokio::test]
async fn monthly_statements_are_issued_once_kept_and_emailed() {
    let app = crate::helpers::spawn_app().await;
    let (mut browser, artist_token) = artist(&app, "nova@example.com", "Nova").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let ada = token(&app, &fan(&app, "ada@example.com"), FAN_PASSWORD).await;
    let (_, started) = tip(&app, &ada, bop["id"].as_str().unwrap(), 500).await;
    call(&app, Some(&ada), Method::POST, started["confirm_url"].as_str().unwrap(), None).await;
    app.drain_events().await;
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();

    // This month has not ended; bad months are refused; nothing is made.
    for bad in [this_month.as_str(), "2026-13", "last month", ""] {
        let page = browser.post_form("/dashboard/statements", &[("month", bad)]).await;
        assert_eq!(page.status, 422, "{bad}: {}", page.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM monthly_statements"), 0);
    // A month with nothing in it: no statement, no email.
    let empty = browser.post_form("/dashboard/statements", &[("month", "2020-01")]).await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(empty.body.contains("Nothing was earned or recorded in January 2020"), "{}", empty.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM monthly_statements"), 0);

    // Into next month, the job issues last month's statement, once.
    let today = chrono::Utc::now().date_naive();
    let next = (today.with_day(1).unwrap() + chrono::Months::new(1)) + chrono::Days::new(1);
    app.state.clock.advance((next - today).num_milliseconds());
    let now = app.state.clock.now_ms();
    assert_eq!(boptone::analytics::statements::issue_due(&app.state, now).await.unwrap(), 1);
    assert_eq!(boptone::analytics::statements::issue_due(&app.state, now).await.unwrap(), 0);
    let page = browser.get(&format!("/dashboard/statements/{this_month}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Bops tips") && page.body.contains("$5.00"), "{}", page.body);
    let csv = browser.get(&format!("/dashboard/statements/{this_month}.csv")).await;
    assert!(csv.body.starts_with("line,amount,currency\nBops tips,5.00,USD\n"), "{}", csv.body);
    assert!(browser.get("/dashboard/statements").await.body.contains(&this_month));
    // On demand, a month that has its statement gets that one, not another.
    let again = browser.post_form("/dashboard/statements", &[("month", &this_month)]).await;
    assert_eq!((again.status, again.redirect()), (303, format!("/dashboard/statements/{this_month}").as_str()));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM monthly_statements"), 1);
    let mails = app.mails();
    assert!(mails.iter().any(|m| m.contains("Your statement for") && m.contains("$5.00")), "{mails:?}");
    // Frozen: later money does not change an issued statement.
    assert_eq!(browser.get("/dashboard/statements/2020-01").await.status, 404);
    let (mut other, _) = artist(&app, "other@example.com", "Other").await;
    assert_eq!(other.get(&format!("/dashboard/statements/{this_month}")).await.status, 404, "one's own only");
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_home_shows_todays_figures_once_the_artist_is_ready() {
    let app = label_app().await;
    let (mut browser, _, _) = a_busy_artist(&app).await;
    let page = browser.get("/dashboard").await;
    assert!(page.body.contains("Earned today"), "{}", page.body);
    let figure = |name: &str| {
        let cell = page.body.split(&format!("data-figure=\"{name}\">")).nth(1).unwrap();
        cell.split('<').next().unwrap().to_owned()
    };
    assert_eq!(figure("views"), "2");
    assert_eq!(figure("new-followers"), "1");
    assert_eq!(figure("streams"), "1");
    assert!(!page.body.contains("Finish setting up"));
    app.stop().await;
}
