//! The slow paths at scale: the feed from per-fan timelines, the studio's
//! keyset pages, and group commit in the single writer.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use boptone::bops::fanout::FAN_OUT_BATCH;
use boptone::bops::repo::{FEED_SCAN_BUDGET, TIMELINE_CAP};
use boptone::db::{Durability, now_ms};
use boptone::error::AppError;
use boptone::identity::events::FanFollowed;

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, token, upload};
use crate::helpers::{TestApp, eventually, spawn_app};

/// Posts a Bop with `visibility`; returns its id.
async fn post(app: &TestApp, token: &str, caption: &str, visibility: &str) -> String {
    let id = upload(app, token, &crate::bops::fixture("vertical.webm"), 64 * 1024).await;
    let body = json!({"upload_id": id, "caption": caption, "visibility": visibility});
    let (status, bop) = call(app, Some(token), Method::POST, "/api/v1/bops", Some(body)).await;
    assert_eq!(status, 201, "{bop}");
    bop["id"].as_str().unwrap().to_owned()
}

fn artist_uid(app: &TestApp, name: &str) -> String {
    let name = name.to_owned();
    app.state
        .db
        .read_blocking(move |c| {
            c.query_row("SELECT uid FROM artist_profiles WHERE stage_name = ?1", [name], |r| r.get(0))
        })
        .unwrap()
}

async fn follow(app: &TestApp, fan: &str, artist: &str, on: bool) {
    let method = if on { Method::POST } else { Method::DELETE };
    let path = format!("/api/v1/artists/{}/follow", artist_uid(app, artist));
    let (status, body) = call(app, Some(fan), method, &path, None).await;
    assert_eq!(status, 200, "{body}");
    // Identity records the follow; Bops' timeline follows it through the
    // `fan.followed` / `fan.unfollowed` events.
    app.drain_events().await;
}

/// Every Bop id of the fan's feed, page by page of `limit`.
async fn whole_feed(app: &TestApp, fan: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/feed?kind=latest&limit={limit}&cursor={c}"),
            None => format!("/api/v1/feed?kind=latest&limit={limit}"),
        };
        let (status, page) = call(app, Some(fan), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        seen.extend(items.iter().map(|item| item["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn the_feed_reads_the_fans_timeline_and_follows_deletes_and_suspensions_change_it() {
    let app = spawn_app().await;
    let (mut ada_web, ada) = artist(&app, "ada@example.com", "Ada").await;
    let (_bo_web, bo) = artist(&app, "bo@example.com", "Bo").await;
    let (_cy_web, cy) = artist(&app, "cy@example.com", "Cy").await;
    let a1 = post(&app, &ada, "a1", "public").await;
    let a2 = post(&app, &ada, "a2", "followers").await;
    let a3 = post(&app, &ada, "a3", "private").await;
    let b1 = post(&app, &bo, "b1", "public").await;
    let c1 = post(&app, &cy, "c1", "public").await;
    let fan_token = token(&app, &fan(&app, "timeline@example.com"), FAN_PASSWORD).await;
    app.drain_events().await;

    // A follow backfills the timeline at once: followers-only included, private never.
    follow(&app, &fan_token, "Ada", true).await;
    assert_eq!(whole_feed(&app, &fan_token, 2).await, [a2.as_str(), a1.as_str(), c1.as_str(), b1.as_str()]);
    assert!(!whole_feed(&app, &fan_token, 50).await.contains(&a3));

    // A Bop published later reaches the timeline through the fan-out.
    let a4 = post(&app, &ada, "a4", "public").await;
    app.drain_events().await;
    assert_eq!(
        whole_feed(&app, &fan_token, 3).await,
        [a4.as_str(), a2.as_str(), a1.as_str(), c1.as_str(), b1.as_str()]
    );

    // Deleted Bops leave the feed at once (checked when read).
    let deleted = ada_web.post_form(&format!("/studio/bops/{a2}/delete"), &[]).await;
    assert_eq!(deleted.redirect(), "/studio/bops");
    follow(&app, &fan_token, "Bo", true).await;
    assert_eq!(whole_feed(&app, &fan_token, 2).await, [a4.as_str(), b1.as_str(), a1.as_str(), c1.as_str()]);

    // An unfollow takes the artist's Bops out of the timeline; public ones
    // come back with everyone else's.
    follow(&app, &fan_token, "Ada", false).await;
    assert_eq!(whole_feed(&app, &fan_token, 2).await, [b1.as_str(), a4.as_str(), c1.as_str(), a1.as_str()]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_timeline"), 1);

    // A suspended artist's Bops are gone from both segments.
    let cy_uid = artist_uid(&app, "Cy");
    app.state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            boptone::identity::repo::set_artist_suspended(tx, &cy_uid, Some(now_ms()))
        })
        .unwrap();
    assert_eq!(whole_feed(&app, &fan_token, 2).await, [b1.as_str(), a4.as_str(), a1.as_str()]);

    for bad in [
        "/api/v1/feed?kind=latest&cursor=2.1.1",
        "/api/v1/feed?kind=latest&cursor=0.x.1",
        "/api/v1/feed?kind=latest&cursor=0.1.1.1",
    ] {
        let (status, body) = call(&app, Some(&fan_token), Method::GET, bad, None).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["fields"]["cursor"], "This cursor is not one the feed gave out.");
    }
    app.stop().await;
}

/// A follow's backfill runs once. Its `fan.followed` handled again for the
/// same follow (a flood of follows and unfollows settled in one round
/// handles a dozen of one pair while the last follow stands) adds nothing:
/// a probe row taken out after the first stays out. A new follow backfills
/// again, and brings what was published while the fan was away.
#[tokio::test]
async fn a_follow_backfills_the_timeline_once_and_a_new_follow_again() {
    let app = spawn_app().await;
    let (_ada_web, ada) = artist(&app, "ada@example.com", "Ada").await;
    let a1 = post(&app, &ada, "a1", "public").await;
    let fan_token = token(&app, &fan(&app, "once@example.com"), FAN_PASSWORD).await;
    app.drain_events().await;
    follow(&app, &fan_token, "Ada", true).await;
    let timeline = "SELECT COUNT(*) FROM bops_timeline";
    assert_eq!(count(&app, timeline), 1);

    let probe = "DELETE FROM bops_timeline";
    let (fan_id, artist_id, since): (i64, i64, i64) = app
        .state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            tx.execute(probe, [])?;
            let follow = tx.query_row(
                "SELECT fan_user_id, artist_id, followed_at FROM fan_relationships WHERE following = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let again = FanFollowed {
                fan_user_id: follow.0,
                artist_id: follow.1,
                artist_uid: String::new(),
                followed_at: follow.2,
            };
            boptone::events::emit(tx, &again)?;
            Ok::<_, rusqlite::Error>(follow)
        })
        .unwrap();
    app.drain_events().await;
    assert_eq!(count(&app, timeline), 0, "the same follow ({fan_id}, {artist_id}, {since}) backfilled twice");

    // Away: a Bop published meanwhile reaches no timeline of this fan.
    follow(&app, &fan_token, "Ada", false).await;
    let a2 = post(&app, &ada, "a2", "public").await;
    app.drain_events().await;
    assert_eq!(count(&app, timeline), 0);
    follow(&app, &fan_token, "Ada", true).await;
    assert_eq!(count(&app, timeline), 2);
    assert_eq!(whole_feed(&app, &fan_token, 5).await, [a2.as_str(), a1.as_str()]);
    app.stop().await;
}

/// Fans (with follows of `artist_id`) straight into the database: the
/// password hashing of real sign-ups would dominate this test.
fn followers(app: &TestApp, artist_id: i64, n: usize) {
    app.state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            let now = now_ms();
            for i in 0..n {
                tx.execute(
                    "INSERT INTO users (uid, email, password_hash, role, created_at) VALUES (?1, ?2, 'x', 'fan', ?3)",
                    rusqlite::params![format!("bulkfan{i}"), format!("bulk{i}@example.com"), now],
                )?;
                tx.execute(
                    "INSERT INTO fan_relationships (fan_user_id, artist_id, following, followed_at, updated_at)
                     VALUES (?1, ?2, 1, ?3, ?3)",
                    rusqlite::params![tx.last_insert_rowid(), artist_id, now],
                )?;
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
}

fn artist_id(app: &TestApp, name: &str) -> i64 {
    let name = name.to_owned();
    app.state
        .db
        .read_blocking(move |c| {
            c.query_row("SELECT id FROM artist_profiles WHERE stage_name = ?1", [name], |r| r.get(0))
        })
        .unwrap()
}

#[tokio::test]
async fn a_bop_reaches_a_large_following_in_batches() {
    let app = spawn_app().await;
    let (_web, star) = artist(&app, "star@example.com", "Star").await;
    let fans = 2 * FAN_OUT_BATCH + 7;
    followers(&app, artist_id(&app, "Star"), fans);
    let public = post(&app, &star, "for everyone", "public").await;
    let private = post(&app, &star, "for me", "private").await;
    app.drain_events().await;
    let in_timelines = |uid: &str| {
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM bops_timeline t JOIN bops_videos b ON b.id = t.bop_id WHERE b.uid = '{uid}'"
            ),
        )
    };
    assert_eq!(in_timelines(&public), fans as i64);
    assert_eq!(in_timelines(&private), 0);
    // One transaction per batch of followers: two continuations for 2 batches + 7.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'bop.fan_out.continued'"), 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE status != 'done'"), 0);
    app.stop().await;
}

/// `n` more Bops of the artist of `template` (a real one), spread over the
/// past hours, older than it: a long history without n uploads.
fn history(app: &TestApp, template: &str, n: i64) {
    let template = template.to_owned();
    app.state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            tx.execute(
                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?2)
                 INSERT INTO bops_videos (uid, artist_id, caption, hashtags, visibility, video_key, poster_key, width, height,
                     duration_ms, codec, size_bytes, published_at, updated_at)
                 SELECT b.uid || '-' || k.i, b.artist_id, 'old ' || k.i, '[]', 'public', b.video_key, b.poster_key, b.width,
                     b.height, b.duration_ms, b.codec, b.size_bytes, b.published_at - k.i * 1000, b.published_at
                 FROM bops_videos b, k WHERE b.uid = ?1",
                rusqlite::params![template, n],
            )
        })
        .unwrap();
}

#[tokio::test]
async fn a_timeline_keeps_its_newest_rows_and_older_bops_still_appear_once() {
    let app = spawn_app().await;
    let (_web, prolific) = artist(&app, "prolific@example.com", "Prolific").await;
    let (_other_web, other) = artist(&app, "other@example.com", "Other").await;
    let newest = post(&app, &prolific, "newest", "public").await;
    let extra = TIMELINE_CAP + 150;
    history(&app, &newest, extra);
    let elsewhere = post(&app, &other, "elsewhere", "public").await;
    let fan_token = token(&app, &fan(&app, "longfeed@example.com"), FAN_PASSWORD).await;
    follow(&app, &fan_token, "Prolific", true).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_timeline"), TIMELINE_CAP);

    let feed = whole_feed(&app, &fan_token, 50).await;
    assert_eq!(feed.len() as i64, extra + 2, "every Bop once");
    let mut unique = feed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), feed.len(), "no repeats");
    assert_eq!(feed[0], newest, "the timeline first");
    let at = feed.iter().position(|id| *id == elsewhere).unwrap();
    assert_eq!(at as i64, TIMELINE_CAP, "then everyone else, newest first");
    assert!(feed[(at + 1)..].iter().all(|id| id.starts_with(&format!("{newest}-"))));

    // Publishing more trims the timeline back to its cap.
    let fresh_posts = 3;
    for i in 0..fresh_posts {
        post(&app, &prolific, &format!("fresh {i}"), "public").await;
    }
    app.drain_events().await;
    assert!(count(&app, "SELECT COUNT(*) FROM bops_timeline") <= TIMELINE_CAP + fresh_posts);
    assert_eq!(whole_feed(&app, &fan_token, 50).await.len() as i64, extra + 2 + fresh_posts);
    app.stop().await;
}

/// The `(id, published_at)` of an artist's Bops, newest first.
fn bops_of(app: &TestApp, artist: &str) -> Vec<(i64, i64)> {
    let artist = artist.to_owned();
    app.state
        .db
        .read_blocking(move |c| {
            c.prepare(
                "SELECT b.id, b.published_at FROM bops_videos b JOIN artist_profiles a ON a.id = b.artist_id
                 WHERE a.stage_name = ?1 ORDER BY b.published_at DESC, b.id DESC",
            )?
            .query_map([artist], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap()
}

#[tokio::test]
async fn hidden_rows_beyond_the_scan_budget_give_short_pages_and_paging_goes_on() {
    let app = spawn_app().await;
    let hidden = FEED_SCAN_BUDGET as i64 + 50;
    let visible = 30;
    let (_elsewhere_web, elsewhere_token) = artist(&app, "elsewhere@example.com", "Elsewhere").await;
    let elsewhere = post(&app, &elsewhere_token, "elsewhere", "public").await;
    // A followed artist whose newest `hidden` Bops were deleted or made
    // private after they reached the fan's timeline.
    let (_hider_web, hider) = artist(&app, "hider@example.com", "Hider").await;
    let newest = post(&app, &hider, "newest", "public").await;
    history(&app, &newest, hidden + visible - 1);
    // An artist suspended with `hidden` public Bops, in front of the other artist's in everyone else's feed.
    let (_gone_web, gone) = artist(&app, "gone@example.com", "Gone").await;
    let gone_newest = post(&app, &gone, "gone", "public").await;
    history(&app, &gone_newest, hidden - 1);
    let fan_token = token(&app, &fan(&app, "patient@example.com"), FAN_PASSWORD).await;
    follow(&app, &fan_token, "Hider", true).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_timeline"), hidden + visible);

    let hider_bops = bops_of(&app, "Hider");
    let to_hide: Vec<i64> = hider_bops.iter().take(hidden as usize).map(|(id, _)| *id).collect();
    let oldest_gone = bops_of(&app, "Gone").last().unwrap().1;
    let gone_uid = artist_uid(&app, "Gone");
    let elsewhere_uid = elsewhere.clone();
    app.state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            for (i, id) in to_hide.iter().enumerate() {
                let sql = if i % 2 == 0 {
                    "UPDATE bops_videos SET deleted_at = 1 WHERE id = ?1"
                } else {
                    "UPDATE bops_videos SET visibility = 'private' WHERE id = ?1"
                };
                tx.execute(sql, [id])?;
            }
            tx.execute(
                "UPDATE bops_videos SET published_at = ?2 - 60000 WHERE uid = ?1",
                rusqlite::params![elsewhere_uid, oldest_gone],
            )?;
            boptone::identity::repo::set_artist_suspended(tx, &gone_uid, Some(now_ms()))
        })
        .unwrap();

    let limit = 10;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/feed?kind=latest&limit={limit}&cursor={c}"),
            None => format!("/api/v1/feed?kind=latest&limit={limit}"),
        };
        let (status, page) = call(&app, Some(&fan_token), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        seen.extend(items.iter().map(|item| item["id"].as_str().unwrap().to_owned()));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        pages.push((items.len(), cursor.is_some()));
        if cursor.is_none() {
            break;
        }
        assert!(pages.len() < 50, "paging goes on forever: {pages:?}");
    }
    assert_eq!(pages[0], (0, true), "the first page steps over {FEED_SCAN_BUDGET} hidden rows: empty, yet it goes on");
    let short_but_going_on = pages.iter().filter(|(n, more)| *n < limit && *more).count();
    assert_eq!(short_but_going_on, 2, "one short page in each segment: {pages:?}");

    // Every visible Bop, once and in order: the followed artist's, then everyone else's.
    let uids: std::collections::HashMap<i64, String> = app
        .state
        .db
        .read_blocking(|c| {
            c.prepare("SELECT id, uid FROM bops_videos")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .unwrap();
    let mut expected: Vec<String> = hider_bops.iter().skip(hidden as usize).map(|(id, _)| uids[id].clone()).collect();
    assert_eq!(expected.len() as i64, visible);
    expected.push(elsewhere);
    assert_eq!(seen, expected, "{pages:?}");
    app.stop().await;
}

/// The ids on a studio page, and its "Older Bops" link.
fn studio_page(html: &str) -> (Vec<String>, Option<String>) {
    let ids = html
        .split("action=\"/studio/bops/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/caption\"").map(|(id, _)| id.to_owned()))
        .collect();
    let older = html
        .split_once("href=\"/studio/bops?after=")
        .map(|(_, rest)| format!("/studio/bops?after={}", &rest[..rest.find('"').unwrap()]));
    (ids, older)
}

#[tokio::test]
async fn the_studio_lists_an_artists_bops_in_keyset_pages() {
    let app = spawn_app().await;
    let (mut web, token) = artist(&app, "pages@example.com", "Pages").await;
    let (_other_web, other) = artist(&app, "notmine@example.com", "Not Mine").await;
    let newest = post(&app, &token, "newest", "public").await;
    history(&app, &newest, 60);
    let not_mine = post(&app, &other, "theirs", "public").await;

    let mut seen = Vec::new();
    let mut next = Some("/studio/bops".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = web.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let (ids, older) = studio_page(&page.body);
        assert!(ids.len() <= boptone::bops::service::STUDIO_PAGE);
        seen.extend(ids);
        next = older;
        pages += 1;
    }
    let per_page = boptone::bops::service::STUDIO_PAGE;
    assert_eq!(pages, 61_usize.div_ceil(per_page), "61 Bops in pages of {per_page}");
    assert_eq!(seen.len(), 61);
    assert_eq!(seen[0], newest);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 61, "no repeats");
    assert!(!seen.contains(&not_mine));

    // Another artist's Bop, or a made-up one, is no cursor here.
    for bad in [not_mine.as_str(), "made-up"] {
        let page = web.get(&format!("/studio/bops?after={bad}")).await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.body.contains("This page link is out of date"), "{}", page.body);
    }
    app.stop().await;
}

#[tokio::test]
async fn writes_queued_together_commit_together_and_a_failing_one_loses_only_itself() {
    let app = spawn_app().await;
    let db = app.state.db.clone();
    // Hold the writer, so the writes below queue up behind it.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (holding, held) = std::sync::mpsc::channel::<()>();
    let holder = {
        let db = db.clone();
        std::thread::spawn(move || {
            db.write_blocking(Durability::Normal, |_tx| {
                holding.send(()).unwrap();
                released.recv().unwrap();
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap()
        })
    };
    held.recv().unwrap();
    let before = db.write_stats();
    let mut writes = Vec::new();
    for n in 0..10i64 {
        let db = db.clone();
        writes.push(tokio::spawn(async move {
            db.write(move |tx| {
                tx.execute(
                    "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, x'00', 0)",
                    [format!("g{n}")],
                )?;
                match n {
                    3 => Err(AppError::invalid("n", "three fails after writing")),
                    5 => Ok(tx.execute("INSERT INTO bops_likes (bop_id, user_id, created_at) VALUES (-1, -1, 0)", [])?),
                    7 => panic!("seven panics after writing"),
                    _ => Ok(1),
                }
            })
            .await
        }));
    }
    let queued = eventually(Duration::from_secs(10), || db.write_stats().queued == before.queued + 10).await;
    assert!(queued, "the ten writes are queued behind the held writer");
    release.send(()).unwrap();
    let mut results = Vec::new();
    for write in writes {
        results.push(write.await.unwrap());
    }
    holder.join().unwrap();
    let failed: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.is_err()).map(|(i, _)| i).collect();
    assert_eq!(failed, [3, 5, 7]);
    let landed = count(&app, "SELECT COUNT(*) FROM server_secrets WHERE name GLOB 'g[0-9]'");
    assert_eq!(landed, 7, "the others' writes stand, the failing ones' are undone");
    let after = db.write_stats();
    assert_eq!(after.writes - before.writes, 10);
    assert_eq!(after.commits - before.commits, 1, "one transaction for the ten");
    app.stop().await;
}

#[tokio::test]
async fn many_concurrent_likes_all_land() {
    let app = spawn_app().await;
    let (_web, star) = artist(&app, "liked@example.com", "Liked").await;
    let bops = [
        post(&app, &star, "one", "public").await,
        post(&app, &star, "two", "public").await,
        post(&app, &star, "three", "public").await,
    ];
    let fans = 40;
    followers(&app, artist_id(&app, "Liked"), fans);
    let tokens: Vec<String> = (0..fans).map(|i| format!("bulk-token-{i}")).collect();
    let hashes: Vec<String> = tokens.iter().map(|t| boptone::auth::hash_token(t)).collect();
    app.state
        .db
        .write_blocking(Durability::Normal, move |tx| {
            for (i, hash) in hashes.iter().enumerate() {
                tx.execute(
                    "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at)
                     SELECT ?1, id, 0, ?2 FROM users WHERE email = ?3",
                    rusqlite::params![hash, now_ms() + 3_600_000, format!("bulk{i}@example.com")],
                )?;
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
    let mut likes = Vec::new();
    for token in &tokens {
        for bop in &bops {
            let (app_url, token) = (app.url(&format!("/api/v1/bops/{bop}/like")), token.clone());
            likes.push(tokio::spawn(async move {
                crate::helpers::client().post(app_url).bearer_auth(token).send().await.unwrap().status()
            }));
        }
    }
    for like in likes {
        assert_eq!(like.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_likes"), 3 * fans as i64);
    assert_eq!(count(&app, "SELECT SUM(like_count) FROM bops_videos"), 3 * fans as i64);
    let (_, seen) = call(&app, Some(&tokens[0]), Method::GET, &format!("/api/v1/bops/{}", bops[0]), None).await;
    assert_eq!((seen["like_count"].as_i64(), seen["liked_by_me"].as_bool()), (Some(fans as i64), Some(true)));
    app.stop().await;
}

#[tokio::test]
async fn tiny_bodies_are_not_gzipped_and_probes_get_no_csrf_cookie() {
    let app = spawn_app().await;
    let gzip = |path: &str| app.client.get(app.url(path)).header("accept-encoding", "gzip").send();
    let small = gzip("/api/v1/feed").await.unwrap();
    assert_eq!(small.status(), 401);
    assert!(small.headers().get("content-encoding").is_none(), "a short JSON error is sent as is");
    let body = small.text().await.unwrap();
    assert!(body.len() > 32 && body.len() < 1024 && body.contains("unauthorized"), "{body}");
    let large = gzip("/assets/css/boptone.css").await.unwrap();
    assert_eq!(large.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));

    // A probe or an asset carries no forms: no CSRF cookie is minted for it.
    for path in ["/healthz", "/assets/css/boptone.css"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers().get("set-cookie").is_none(), "{path}");
    }
    // A page with forms still gets one.
    assert!(app.get("/login").await.headers().get("set-cookie").is_some());
    app.stop().await;
}

/// Statements compiled again on each use undo the statement cache: SQLite
/// does that for a bound LIMIT (rebound on every use) and, when built with
/// STAT4 and the database was analyzed (the demo loader runs ANALYZE), for
/// any lookup whose bound value might change its plan. The hot lists write
/// their limit into the SQL and the bundled SQLite is built without STAT4
/// (.cargo/config.toml), so a cached lookup stays compiled.
#[tokio::test]
async fn analyzed_lookups_are_not_compiled_again_and_limits_still_hold() {
    let app = spawn_app().await;
    let (_web, star) = artist(&app, "stats@example.com", "Stats").await;
    let bop = post(&app, &star, "analyzed", "public").await;
    post(&app, &star, "another", "public").await;
    let fan_token = token(&app, &fan(&app, "stats-fan@example.com"), FAN_PASSWORD).await;
    let comments = format!("/api/v1/bops/{bop}/comments");
    for body in ["first", "second", "third"] {
        let (status, made) = call(&app, Some(&fan_token), Method::POST, &comments, Some(json!({"body": body}))).await;
        assert_eq!(status, 201, "{made}");
    }
    app.state.db.write_blocking(Durability::Normal, |tx| tx.execute_batch("ANALYZE")).unwrap();
    let recompiled = app
        .state
        .db
        .read_blocking(|c| {
            let mut stmt = c.prepare("SELECT id FROM bops_videos WHERE uid = ?1 AND deleted_at IS NULL")?;
            let mut run = |uid: &str| -> rusqlite::Result<i32> {
                stmt.query_map([uid], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
            };
            // The first run may meet the schema change ANALYZE made.
            let first = run("a")?;
            Ok(run("b")? + run("c")? - 2 * first)
        })
        .unwrap();
    assert_eq!(recompiled, 0, "a lookup was compiled again for new bound values");
    // The limits written into the SQL still cut the pages.
    let (status, page) = call(&app, Some(&fan_token), Method::GET, &format!("{comments}?limit=2"), None).await;
    assert_eq!((status.as_u16(), page["items"].as_array().map(Vec::len)), (200, Some(2)));
    let after = page["next_after"].as_i64().expect("a next page");
    let (_, rest) = call(&app, Some(&fan_token), Method::GET, &format!("{comments}?limit=2&after={after}"), None).await;
    assert_eq!(rest["items"][0]["body"], "third");
    assert_eq!(rest["next_after"], serde_json::Value::Null);
    app.stop().await;
}
