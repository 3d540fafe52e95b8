//! The label console's money page (issue 15 item 5): the month's figures
//! against sums taken here, independently, from the ledger rows; the parts
//! adding up to the whole; the CSV files; bad months; the audit row; who may
//! look; and the label's Stripe balance and payouts from the Stripe peer.

use std::collections::BTreeMap;

use boptone::ledger::Micros;

use crate::browser::Browser;
use crate::console_helpers::admin_browser;
use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app, spawn_demo_app};

/// Sums per currency of the ledger rows of `[from, to)`, as this test reads
/// the ledger: (gross, refunds, fees, net, payouts, platform fees by source).
#[derive(Debug, Default, PartialEq)]
struct Sums {
    gross: i64,
    refunds: i64,
    fees: i64,
    net: i64,
    payouts: i64,
    by_source: BTreeMap<String, i64>,
}

type Row = (String, String, i64, i64, i64);

fn ledger_rows(app: &TestApp, (from, to): (i64, i64)) -> Vec<Row> {
    app.state
        .db
        .read_blocking(move |c| {
            c.prepare(
                "SELECT currency, source, gross_micros, fee_micros, net_micros FROM ledger_entries
                 WHERE occurred_at >= ?1 AND occurred_at < ?2",
            )?
            .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<Vec<Row>, _>>()
        })
        .unwrap()
}

fn independent_sums(rows: &[Row]) -> BTreeMap<String, Sums> {
    let mut out: BTreeMap<String, Sums> = BTreeMap::new();
    for (currency, source, gross, fee, net) in rows {
        let s = out.entry(currency.clone()).or_default();
        match source.as_str() {
            "payout" => s.payouts -= net,
            other => {
                if other == "refund" {
                    s.refunds -= gross;
                } else {
                    s.gross += gross;
                }
                s.fees += fee;
                s.net += net;
                *s.by_source.entry(other.to_owned()).or_default() += fee;
            }
        }
    }
    out
}

fn month_span(month: &str) -> (i64, i64) {
    let (y, m): (i32, u32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
    let start = |y: i32, m: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis()
    };
    let next = if m == 12 { start(y + 1, 1) } else { start(y, m + 1) };
    (start(y, m), next)
}

fn micros(text: &str) -> i64 {
    Micros::parse_decimal(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).0
}

/// The month holding the most ledger rows, and this month.
fn months_to_check(app: &TestApp) -> Vec<String> {
    let busiest: String = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row(
                "SELECT strftime('%Y-%m', occurred_at / 1000, 'unixepoch') m FROM ledger_entries
                 GROUP BY m ORDER BY COUNT(*) DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    let now = chrono::Utc::now().format("%Y-%m").to_string();
    if busiest == now { vec![now] } else { vec![busiest, now] }
}

fn audit_rows(app: &TestApp) -> Vec<(String, String)> {
    app.state
        .db
        .read_blocking(|c| {
            c.prepare("SELECT action, target_uid FROM audit_log WHERE action = 'money.export' ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
}

#[tokio::test]
async fn the_month_matches_the_ledger_and_its_parts_add_up() {
    let app = spawn_demo_app(4, 8, 4, |_| {}).await;
    let hostile = "=HYPERLINK(\"http://evil.test\",\"pay me\")";
    let months = months_to_check(&app);
    // An artist with money in the busiest month takes a formula for a name.
    let (hostile_sql, (from, to)) = (hostile.to_owned(), month_span(&months[0]));
    app.state
        .db
        .write::<_, boptone::error::AppError, _>(move |tx| {
            Ok(tx.execute(
                "UPDATE artist_profiles SET stage_name = ?1 WHERE id =
                     (SELECT artist_id FROM ledger_entries WHERE occurred_at >= ?2 AND occurred_at < ?3 LIMIT 1)",
                rusqlite::params![hostile_sql, from, to],
            )?)
        })
        .await
        .unwrap();
    let mut admin = admin_browser(&app).await;

    for (n, month) in months.iter().enumerate() {
        let expected = independent_sums(&ledger_rows(&app, month_span(month)));
        let page = admin.get(&format!("/admin/money?month={month}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains(hostile), "the name is escaped on the page");
        for (currency, sums) in &expected {
            for figure in [sums.gross, sums.fees, sums.net] {
                assert!(page.body.contains(&Micros(figure).to_string()), "{month} {currency}: {figure} on the page");
            }
        }

        let beyond = admin.get(&format!("/admin/money?month={month}&after=999999")).await;
        assert!(beyond.body.contains("No more artists."), "a page past the last artist says so");

        let csv = admin.get(&format!("/admin/money/{month}.csv")).await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            ["line", "artist", "artist_id", "currency", "gross", "refunds", "platform_fees", "net", "payouts"]
        );
        let mut artists: BTreeMap<String, [i64; 5]> = BTreeMap::new();
        let mut platform: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let mut totals: BTreeMap<String, [i64; 5]> = BTreeMap::new();
        let mut names = Vec::new();
        for record in reader.records() {
            let r = record.unwrap();
            let figures = || [4, 5, 6, 7, 8].map(|i| micros(&r[i]));
            match &r[0] {
                "artist" => {
                    names.push(r[1].to_owned());
                    let f = figures();
                    assert_eq!(f[0] - f[1] - f[2], f[3], "an artist's line adds up: {r:?}");
                    let sum = artists.entry(r[3].to_owned()).or_default();
                    (0..5).for_each(|i| sum[i] += f[i]);
                }
                "platform" => {
                    platform.entry(r[3].to_owned()).or_default().insert(r[2].to_owned(), micros(&r[6]));
                }
                "total" => {
                    totals.insert(r[3].to_owned(), figures());
                }
                other => panic!("unexpected line kind {other:?}"),
            }
        }
        assert_eq!(totals.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "{month}");
        for (currency, sums) in &expected {
            let total = totals[currency];
            assert_eq!(total, [sums.gross, sums.refunds, sums.fees, sums.net, sums.payouts], "{month} {currency}");
            assert_eq!(total[0] - total[1] - total[2], total[3], "the whole adds up");
            assert_eq!(artists[currency], total, "the artists' lines add up to the totals");
            let lines = &platform[currency];
            assert_eq!(lines.values().sum::<i64>(), total[2], "the platform's lines add up to its fees");
            for (source, fee) in &sums.by_source {
                assert_eq!(lines.get(source), Some(fee), "{month} {currency} {source}");
            }
            for always in ["subscription", "tip", "order"] {
                assert!(lines.contains_key(always), "{always} is always listed");
            }
        }
        if expected.is_empty() {
            assert!(artists.is_empty());
        }
        if n == 0 {
            assert!(names.contains(&format!("'{hostile}")), "the formula is defused: {names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with(['=', '+', '-', '@'])), "{names:?}");
    }
    let exported = audit_rows(&app);
    assert_eq!(exported.len(), months.len(), "each export leaves one audit row: {exported:?}");

    let summary = admin.get(&format!("/admin/money/12-months-to-{}.csv", chrono::Utc::now().format("%Y-%m"))).await;
    assert_eq!(summary.status, 200);
    let mut reader = csv::Reader::from_reader(summary.body.as_bytes());
    for record in reader.records() {
        let r = record.unwrap();
        let expected = independent_sums(&ledger_rows(&app, month_span(&r[0])));
        let s = &expected[&r[1]];
        let got: Vec<i64> = (2..7).map(|i| micros(&r[i])).collect();
        assert_eq!(got, [s.gross, s.refunds, s.fees, s.net, s.payouts], "{r:?}");
    }
    assert_eq!(audit_rows(&app).last().unwrap().0, "money.export");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_month_gets_a_message_and_nothing_else() {
    let app = spawn_app().await;
    let mut admin = admin_browser(&app).await;
    for bad in ["2026-13", "March", "2026-1", "1999-12", "3000-01"] {
        let page = admin.get(&format!("/admin/money?month={bad}")).await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.body.contains("role=\"alert\""), "{bad}: {}", page.body);
        assert!(!page.body.contains("The platform&#x27;s income") && !page.body.contains("Platform income"), "{bad}");
    }
    let page = admin.get("/admin/money?month=2026-11&after=abc").await;
    assert_eq!(page.status, 400);
    for bad in ["2026-13.csv", "2026-11.txt", "12-months-to-11.csv", "3000-01.csv"] {
        let file = admin.get(&format!("/admin/money/{bad}")).await;
        assert_eq!(file.status, 400, "{bad}");
        assert!(!file.body.starts_with("line,"), "{bad}");
    }
    assert!(audit_rows(&app).is_empty(), "a refused export leaves no audit row");

    let empty = admin.get("/admin/money").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No money was recorded"), "an empty month says so");
    assert!(empty.body.contains("sandbox mode"), "sandbox mode is explained");
    app.stop().await;
}

#[tokio::test]
async fn only_the_label_may_see_the_money() {
    let app = spawn_demo_app(1, 1, 0, |_| {}).await;
    for who in ["artist1@demo.boptone.test", "fan1@demo.boptone.test"] {
        let mut browser = Browser::new(&app.address);
        let signed_in = browser.post_form("/login", &[("email", who), ("password", DEMO_PASSWORD)]).await;
        assert!((300..400).contains(&signed_in.status), "{who} signs in");
        for path in ["/admin/money", "/admin/money/2026-11.csv", "/admin/money/12-months-to-2026-11.csv"] {
            assert_eq!(browser.get(path).await.status, 403, "{who} {path}");
        }
    }
    // An admin who has not given the second factor is sent to give it.
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        boptone::identity::service::create_named_user_blocking(
            &db,
            "half@label.example",
            crate::console_helpers::ADMIN_PASSWORD,
            boptone::auth::Role::Admin,
            None,
        )
    })
    .await
    .unwrap()
    .unwrap();
    let mut half = Browser::new(&app.address);
    half.post_form("/login", &[("email", "half@label.example"), ("password", crate::console_helpers::ADMIN_PASSWORD)])
        .await;
    for path in ["/admin/money", "/admin/money/2026-11.csv"] {
        assert_eq!(half.get(path).await.redirect(), "/admin/mfa", "{path}");
    }
    let mut anonymous = Browser::new(&app.address);
    for path in ["/admin/money", "/admin/money/2026-11.csv"] {
        let page = anonymous.get(path).await;
        assert!(page.redirect().starts_with("/login"), "{path}");
    }
    assert!(audit_rows(&app).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_labels_stripe_balance_and_payouts_come_from_stripe() {
    let fake = crate::stripe::spawn_fake_stripe().await;
    let app = crate::stripe::stripe_app(&fake).await;
    let mut admin = admin_browser(&app).await;
    let page = admin.get("/admin/money").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Available: 12.34 USD"), "{}", page.body);
    assert!(page.body.contains("Pending: 42.00 USD"));
    assert!(page.body.contains("11.00 USD") && page.body.contains("in transit"), "the payout fixture");
    assert!(page.body.contains("2009-02-13"), "its arrival date");
    assert!(!page.body.contains("sandbox mode"));
    let balance = fake.requests_to("/v1/balance");
    assert_eq!(balance, [""], "the platform's own balance: no Stripe-Account header");
    assert_eq!(fake.requests_to("/v1/payouts"), ["limit=10"]);
    app.stop().await;
}

#[tokio::test]
async fn stripe_that_does_not_answer_gives_a_clear_state() {
    // A peer that takes the connection and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let app = crate::stripe::stripe_app_at(&base).await;
    let mut admin = admin_browser(&app).await;
    let page = admin.get("/admin/money").await;
    assert_eq!(page.status, 200, "never a 500: {}", page.body);
    assert!(page.body.contains("Stripe did not answer"), "{}", page.body);
    assert!(page.body.contains("The platform"), "the ledger's figures are still shown");
    held.abort();
    app.stop().await;
}
