//! Issue 8, money and state: the one revenue gate for tips, the plan a
//! checkout charges, hidden comments, durations the headers cannot fake.

use reqwest::Method;
use serde_json::json;

use boptone::bops::probe::{ProbeError, probe_bop};
use boptone::identity::domain::SubscriptionStatus;
use boptone::media::{Media, MediaKey};

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, post_bop, tip, token};
use crate::browser::Browser;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_cancelled_artist_receives_no_tips_through_the_same_gate_as_uploads() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "lapsed@example.com", "Lapsed").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "tip me").await;
    let id = bop["id"].as_str().unwrap();
    let ada = token(&app, &fan(&app, "loyal@example.com"), FAN_PASSWORD).await;
    assert_eq!(tip(&app, &ada, id, 500).await.0, 201, "an artist in good standing is tipped");

    cancel_the_subscription(&app).await;

    let (status, body) =
        call(&app, Some(&artist_token), Method::POST, "/api/v1/uploads", Some(json!({"size": 1000}))).await;
    assert_eq!((status.as_u16(), body["step"].as_str()), (403, Some("subscription")), "uploads refused: {body}");
    let (status, body) = tip(&app, &ada, id, 500).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["message"], "This artist cannot receive tips right now.");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_tips"), 1, "no second tip was started");
    app.stop().await;
}

#[tokio::test]
async fn hidden_comments_cannot_be_replied_to_liked_or_edited() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "mod@example.com", "Moderator").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let comments = format!("/api/v1/bops/{}/comments", bop["id"].as_str().unwrap());
    let troll = token(&app, &fan(&app, "troll@example.com"), FAN_PASSWORD).await;
    let other = token(&app, &fan(&app, "other@example.com"), FAN_PASSWORD).await;
    let (_, rude) = call(&app, Some(&troll), Method::POST, &comments, Some(json!({"body": "rude"}))).await;
    let rude_id = rude["uid"].as_str().unwrap().to_owned();
    let path = format!("{comments}/{rude_id}");
    assert_eq!(call(&app, Some(&artist_token), Method::DELETE, &path, None).await.0, 204, "the artist hides it");

    let (status, body) =
        call(&app, Some(&other), Method::POST, &comments, Some(json!({"body": "+1", "parent_id": rude_id}))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"]["parent_id"], "That comment is gone.");
    assert_eq!(call(&app, Some(&other), Method::POST, &format!("{path}/like"), None).await.0, 404);
    let (status, _) = call(&app, Some(&troll), Method::PATCH, &path, Some(json!({"body": "ruder"}))).await;
    assert_eq!(status, 404, "its author cannot edit it back into view");

    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comments"), 1, "no reply was added");
    assert_eq!(count(&app, "SELECT like_count FROM bops_comments"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comment_likes"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_comments WHERE body = 'rude' AND edited_at IS NULL"), 1);
    app.stop().await;
}

/// What `customer.subscription.deleted` writes, applied to the only subscription.
async fn cancel_the_subscription(app: &crate::helpers::TestApp) {
    let sub: String = app
        .state
        .db
        .read_blocking(|c| c.query_row("SELECT subscription_ref FROM subscriptions", [], |r| r.get(0)))
        .unwrap();
    app.state
        .db
        .write(move |tx| {
            let at = boptone::db::now_ms();
            boptone::identity::service::apply_subscription_status(tx, &sub, SubscriptionStatus::Canceled, at)
        })
        .await
        .unwrap();
}

/// Signs up on `tier` with the sandbox; returns the checkout path.
async fn sign_up_on(browser: &mut Browser, email: &str, tier: &str) -> String {
    crate::browser::confirmed_signup_on(browser, email, tier).await
}

fn plan(app: &crate::helpers::TestApp) -> (String, i64, String) {
    app.state
        .db
        .read_blocking(|c| {
            c.query_row("SELECT tier, amount_minor, status FROM subscriptions", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
        .unwrap()
}

#[tokio::test]
async fn the_plan_chosen_after_a_cancelled_checkout_is_the_plan_charged_and_activated() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let starter = sign_up_on(&mut browser, "mind@example.com", "starter").await;
    assert!(browser.get(&starter).await.body.contains("$9.00"));
    let cancelled = browser.post_form(&format!("{starter}/cancel"), &[]).await;
    assert_eq!(cancelled.redirect(), "/artist/subscription?checkout=cancelled");
    browser.get("/artist/subscription?checkout=cancelled").await;

    // A plan that does not exist: the page again, with the error; nothing changes.
    let bad = browser.post_form("/artist/subscription/checkout", &[("tier", "platinum")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Choose one of the plans below."), "{}", bad.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM subscription_checkouts"), 1);

    let label = browser.post_form("/artist/subscription/checkout", &[("tier", "label")]).await.redirect().to_owned();
    let page = browser.get(&label).await;
    assert!(page.body.contains("Label") && page.body.contains("$99.00"), "the checkout charges Label: {}", page.body);
    assert!(!page.body.contains("$9.00"));
    assert_eq!(browser.post_form(&format!("{label}/complete"), &[]).await.redirect(), "/artist/setup");

    assert_eq!(plan(&app), ("label".to_owned(), 9900, "active".to_owned()));
    let page = browser.get("/artist/subscription").await;
    assert!(page.body.contains("Your <strong>Label</strong> plan is active."), "{}", page.body);
    app.stop().await;
}

#[tokio::test]
async fn an_earlier_checkout_cannot_be_paid_once_another_plan_is_chosen() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let starter = sign_up_on(&mut browser, "tabs@example.com", "starter").await;
    browser.get("/artist/subscription").await;
    let label = browser.post_form("/artist/subscription/checkout", &[("tier", "label")]).await.redirect().to_owned();
    // The Starter checkout, still open in another tab, is closed.
    let page = browser.get(&starter).await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("You chose another plan since"), "{}", page.body);
    browser.get(&label).await;
    assert_eq!(browser.post_form(&format!("{starter}/complete"), &[]).await.status, 409);
    assert_eq!(plan(&app).2, "incomplete", "nothing was paid");
    assert_eq!(browser.post_form(&format!("{label}/complete"), &[]).await.redirect(), "/artist/setup");
    assert_eq!(plan(&app), ("label".to_owned(), 9900, "active".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn a_paid_checkout_cannot_be_completed_again_to_reopen_a_cancelled_plan() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let checkout = sign_up_on(&mut browser, "again@example.com", "pro").await;
    assert_eq!(browser.post_form(&format!("{checkout}/complete"), &[]).await.redirect(), "/artist/setup");
    cancel_the_subscription(&app).await;
    browser.get(&checkout).await;
    browser.post_form(&format!("{checkout}/complete"), &[]).await;
    assert_eq!(plan(&app).2, "canceled", "the old page does not pay twice");
    app.stop().await;
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn probe_bytes(bytes: Vec<u8>) -> Result<boptone::bops::probe::VideoInfo, ProbeError> {
    let media = Media::in_memory();
    let key = MediaKey::parse("probe/patched").unwrap();
    let size = bytes.len() as u64;
    media.put_bytes(&key, bytes.into()).await.unwrap();
    probe_bop(&media, &key, size, 180).await
}

/// Offsets of the payload of every box of `kind` (searched by its type bytes).
fn boxes(data: &[u8], kind: &[u8; 4]) -> Vec<usize> {
    data.windows(4).enumerate().filter(|(_, w)| w == kind).map(|(i, _)| i + 4).collect()
}

fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(data[at..at + 4].try_into().unwrap())
}

/// Rewrites the duration of a version-0 `mvhd`/`mdhd` payload to `secs`.
fn patch_header_duration(data: &mut [u8], at: usize, secs: u32) {
    assert_eq!(data[at], 0, "version 0 header");
    let scale = be32(data, at + 12);
    data[at + 16..at + 20].copy_from_slice(&(scale * secs).to_be_bytes());
}

#[tokio::test]
async fn a_patched_mp4_header_does_not_shorten_a_long_video() {
    let original = fixture("long.mp4");
    assert_eq!(probe_bytes(original.clone()).await, Err(ProbeError::TooLong { secs: 200, max_secs: 180 }));

    // 200 s of samples, every header saying 10 s (edit lists say so too, where present).
    let mut patched = original.clone();
    for at in boxes(&original, b"mvhd").into_iter().chain(boxes(&original, b"mdhd")) {
        patch_header_duration(&mut patched, at, 10);
    }
    for at in boxes(&original, b"elst") {
        let movie_scale = be32(&original, boxes(&original, b"mvhd")[0] + 12);
        assert_eq!(patched[at], 0);
        for entry in 0..be32(&original, at + 4) as usize {
            let field = at + 8 + entry * 12;
            patched[field..field + 4].copy_from_slice(&(movie_scale * 10).to_be_bytes());
        }
    }
    assert_ne!(patched, original);
    assert_eq!(probe_bytes(patched).await, Err(ProbeError::TooLong { secs: 200, max_secs: 180 }));

    // A short video keeps its real length.
    let short = probe_bytes(fixture("vertical.mp4")).await.unwrap();
    assert!((3900..=4100).contains(&short.duration_ms), "{short:?}");
}

/// EBML ids, as bytes.
const SEGMENT: [u8; 4] = [0x18, 0x53, 0x80, 0x67];
const CLUSTER: [u8; 4] = [0x1F, 0x43, 0xB6, 0x75];
const DURATION: [u8; 2] = [0x44, 0x89];

/// Adds `delta` to the EBML size (a variable-size integer) at `at`, keeping its length.
fn grow_size(data: &mut [u8], at: usize, delta: u64) {
    let len = data[at].leading_zeros() as usize + 1;
    let marker = 0x80u8 >> (len - 1);
    let value = data[at + 1..at + len].iter().fold(u64::from(data[at] & !marker), |v, b| (v << 8) | u64::from(*b));
    let grown = (value + delta).to_be_bytes();
    data[at..at + len].copy_from_slice(&grown[8 - len..]);
    data[at] |= marker;
}

#[tokio::test]
async fn a_webm_header_duration_is_checked_against_the_frames() {
    let original = fixture("vertical.webm");
    assert!(probe_bytes(original.clone()).await.is_ok());

    // The frames moved to 200 s by their Cluster's timestamp (3 bytes now,
    // so the Cluster and the Segment grow by 2): the Info's Duration still says 3 s.
    let cluster = *boxes(&original, &CLUSTER).last().unwrap();
    let size_len = original[cluster].leading_zeros() as usize + 1;
    let timestamp = cluster + size_len;
    assert_eq!(original[timestamp..timestamp + 3], [0xE7, 0x81, 0x00], "the Cluster starts at 0 ms");
    let mut late = original[..timestamp].to_vec();
    late.extend_from_slice(&[0xE7, 0x83, 0x03, 0x0D, 0x40]); // 200 000 ms
    late.extend_from_slice(&original[timestamp + 3..]);
    grow_size(&mut late, cluster, 2);
    grow_size(&mut late, boxes(&original, &SEGMENT)[0], 2);
    match probe_bytes(late).await {
        Err(ProbeError::TooLong { secs, max_secs: 180 }) => assert!((200..=204).contains(&secs), "{secs}"),
        other => panic!("a 200 s video passed as {other:?}"),
    }

    // Without a Duration in the header at all (a Void in its place), the frames still tell.
    let mut silent = original.clone();
    let at = original.windows(2).position(|w| w == DURATION).unwrap();
    let value_len = original[at + 2] & 0x7F;
    silent[at..at + 2].copy_from_slice(&[0xEC, 0x80 | (value_len + 1)]);
    let info = probe_bytes(silent).await.unwrap();
    assert!((2500..=3100).contains(&info.duration_ms), "{info:?}");
}

fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(payload.len() + 8).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

/// `(offset, size)` of the top-level `moov` box.
fn top_level_moov(data: &[u8]) -> (usize, usize) {
    let mut at = 0;
    loop {
        let size = be32(data, at) as usize;
        if &data[at + 4..at + 8] == b"moov" {
            return (at, size);
        }
        at += size;
    }
}

#[tokio::test]
async fn a_fragmented_mp4_is_as_long_as_its_fragments() {
    let original = fixture("vertical.mp4");
    let (moov_at, moov_size) = top_level_moov(&original);
    let mut moov = original[moov_at + 8..moov_at + moov_size].to_vec();
    let tkhd = boxes(&moov, b"tkhd")[0];
    let track_id = be32(&moov, tkhd + 12);
    let scale = be32(&moov, boxes(&moov, b"mdhd")[0] + 12);
    for at in boxes(&moov, b"mvhd").into_iter().chain(boxes(&moov, b"mdhd")) {
        patch_header_duration(&mut moov, at, 10);
    }
    // Declared fragmented (`mvex`), then 200 one-second samples in a `moof`.
    let trex = [[0u8; 4], track_id.to_be_bytes(), 1u32.to_be_bytes(), [0; 4], [0; 4], [0; 4]].concat();
    moov.extend_from_slice(&mp4_box(b"mvex", &mp4_box(b"trex", &trex)));
    let tfhd = [[0, 0, 0, 0x08], track_id.to_be_bytes(), scale.to_be_bytes()].concat();
    let tfdt = [[1, 0, 0, 0], [0; 4], [0; 4]].concat();
    let trun = [[0u8; 4], 200u32.to_be_bytes()].concat();
    let traf = [mp4_box(b"tfhd", &tfhd), mp4_box(b"tfdt", &tfdt), mp4_box(b"trun", &trun)].concat();
    let moof = mp4_box(b"moof", &[mp4_box(b"mfhd", &[0, 0, 0, 0, 0, 0, 0, 1]), mp4_box(b"traf", &traf)].concat());

    let mut fragmented = original[..moov_at].to_vec();
    fragmented.extend_from_slice(&mp4_box(b"moov", &moov));
    fragmented.extend_from_slice(&original[moov_at + moov_size..]);
    fragmented.extend_from_slice(&moof);
    fragmented.extend_from_slice(&mp4_box(b"mdat", &[]));
    assert_eq!(probe_bytes(fragmented).await, Err(ProbeError::TooLong { secs: 200, max_secs: 180 }));
}
