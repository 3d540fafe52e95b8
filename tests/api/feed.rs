//! Issue 14: the For You feed — ranked by engagement, recency, the artist's
//! fans' loyalty and the fan's own loyalty, follows and taste; explained
//! item by item; stable while the fan scrolls — and the Following feed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, post_bop, token};
use crate::helpers::TestApp;

async fn bop(app: &TestApp, artist: &str, caption: &str) -> String {
    let (status, bop) = post_bop(app, artist, "vertical.mp4", caption).await;
    assert_eq!(status, 201, "{bop}");
    bop["id"].as_str().unwrap().to_owned()
}

async fn fan_token(app: &TestApp, email: &str) -> String {
    token(app, &fan(app, email), FAN_PASSWORD).await
}

async fn page(app: &TestApp, who: &str, query: &str) -> Value {
    let (status, page) = call(app, Some(who), Method::GET, &format!("/api/v1/feed?{query}"), None).await;
    assert_eq!(status, 200, "{query}: {page}");
    page
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

fn factors(item: &Value) -> Vec<String> {
    item["why"].as_array().unwrap().iter().map(|w| w["factor"].as_str().unwrap().to_owned()).collect()
}

/// Every id of a feed, `limit` at a time, running `between` after each page.
async fn scroll(
    app: &TestApp,
    who: &str,
    kind: &str,
    limit: usize,
    mut between: impl AsyncFnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for n in 0..100 {
        let query = match &cursor {
            Some(c) => format!("kind={kind}&limit={limit}&cursor={c}"),
            None => format!("kind={kind}&limit={limit}"),
        };
        let p = page(app, who, &query).await;
        seen.extend(ids(&p));
        between(n).await;
        match p["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("the feed never ends");
}

#[tokio::test]
async fn for_you_ranks_by_engagement_and_by_what_the_fan_loves_and_says_why() {
    let app = crate::helpers::spawn_app().await;
    let (mut alpha_web, alpha) = artist(&app, "alpha@example.com", "Alpha").await;
    let (_, beta) = artist(&app, "beta@example.com", "Beta").await;
    app.state
        .db
        .write_blocking::<_, rusqlite::Error, _>(boptone::db::Durability::Normal, |tx| {
            tx.execute("UPDATE artist_profiles SET genres = '[\"Jazz\"]' WHERE stage_name = 'Beta'", [])?;
            tx.execute("UPDATE artist_profiles SET genres = '[\"Rock\"]' WHERE stage_name = 'Alpha'", [])
        })
        .unwrap();
    let a = [bop(&app, &alpha, "a0").await, bop(&app, &alpha, "a1").await, bop(&app, &alpha, "a2").await];
    let b = [bop(&app, &beta, "b0").await, bop(&app, &beta, "b1").await, bop(&app, &beta, "b2").await];
    // Four fans like a1; Ada follows Beta; Zed does nothing yet.
    for n in 0..4 {
        let f = fan_token(&app, &format!("liker{n}@example.com")).await;
        call(&app, Some(&f), Method::POST, &format!("/api/v1/bops/{}/like", a[1]), None).await;
    }
    let ada = fan_token(&app, "ada@example.com").await;
    let beta_id = count_text(&app, "SELECT uid FROM artist_profiles WHERE stage_name = 'Beta'");
    call(&app, Some(&ada), Method::POST, &format!("/api/v1/artists/{beta_id}/follow"), None).await;
    let zed = fan_token(&app, "zed@example.com").await;
    app.drain_events().await;

    // A fan who follows nobody: the most engaging Bop first, and why.
    let first = page(&app, &zed, "limit=3").await;
    assert_eq!(ids(&first)[0], a[1], "{first}");
    let top = &first["items"][0];
    assert_eq!(factors(top)[0], "engagement", "{top}");
    let shares: f64 = top["why"].as_array().unwrap().iter().map(|w| w["weight"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 0.03, "the shares add up: {top}");

    // Ada follows Beta, likes jazz: Beta's newest comes first for her, for those reasons.
    let hers = page(&app, &ada, "limit=3").await;
    assert_eq!(ids(&hers)[0], b[2], "{hers}");
    let why = factors(&hers["items"][0]);
    for factor in ["following", "genre", "your_loyalty"] {
        assert!(why.contains(&factor.to_owned()), "{factor} in {why:?}");
    }
    // Her Following feed is Beta's Bops only, newest first.
    assert_eq!(scroll(&app, &ada, "following", 2, async |_| {}).await, [b[2].clone(), b[1].clone(), b[0].clone()]);

    // The artist sees the same (fan-independent) breakdown in the studio.
    let studio = alpha_web.get("/studio/bops").await.body;
    assert!(studio.contains("Why fans see it in For You: engagement"), "{studio}");

    // Watched Bops sink: once Zed has watched a1, a new pool puts it lower.
    let (_, viewed) = call(
        &app,
        Some(&zed),
        Method::POST,
        &format!("/api/v1/bops/{}/views", a[1]),
        Some(json!({"watched_ms": 5000})),
    )
    .await;
    assert_eq!(viewed["counted"], true);
    app.drain_events().await;
    app.state.clock.advance(61_000);
    let again = page(&app, &zed, "limit=6").await;
    let order = ids(&again);
    assert_ne!(order[0], a[1], "{again}");
    let watched = again["items"].as_array().unwrap().iter().find(|i| i["id"] == a[1].as_str()).unwrap();
    assert!(factors(watched).contains(&"watched".to_owned()), "{watched}");
    let _ = (&a[0], &a[2], &b[0]);

    // Bad requests say what is wrong.
    for bad in ["kind=popular", "cursor=p.x.1", "cursor=a.1.2.3", "limit=0", "limit=51", "kind=following&cursor=1.2.3"]
    {
        let (status, body) = call(&app, Some(&zed), Method::GET, &format!("/api/v1/feed?{bad}"), None).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}

#[tokio::test]
async fn for_you_pages_never_repeat_or_skip_while_likes_and_new_bops_arrive() {
    let app = crate::helpers::spawn_app().await;
    let (_, alpha) = artist(&app, "alpha@example.com", "Alpha").await;
    let (_, beta) = artist(&app, "beta@example.com", "Beta").await;
    let mut all = Vec::new();
    for n in 0..7 {
        all.push(bop(&app, &alpha, &format!("a{n}")).await);
        all.push(bop(&app, &beta, &format!("b{n}")).await);
    }
    let zed = fan_token(&app, "zed@example.com").await;
    let likers: Vec<String> = {
        let mut v = Vec::new();
        for n in 0..4 {
            v.push(fan_token(&app, &format!("liker{n}@example.com")).await);
        }
        v
    };
    app.drain_events().await;
    // While Zed scrolls 3 at a time, the Bops at the bottom get liked and a new one is posted.
    let mut posted = None;
    let seen = scroll(&app, &zed, "for_you", 3, async |n| {
        if n < 4 {
            for liker in &likers {
                let target = &all[n];
                call(&app, Some(liker), Method::POST, &format!("/api/v1/bops/{target}/like"), None).await;
            }
            app.drain_events().await;
        }
        if n == 1 {
            posted = Some(bop(&app, &alpha, "mid-scroll").await);
            app.drain_events().await;
        }
    })
    .await;
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "no repeats: {seen:?}");
    for id in &all {
        assert!(seen.contains(id), "nothing skipped: {id} missing from {seen:?}");
    }
    assert!(seen.contains(&posted.unwrap()), "the new Bop comes after the pool");
    assert_eq!(seen.len(), all.len() + 1);

    // A followers-only Bop is not in a non-follower's For You.
    let hidden = {
        let id = crate::bops::upload(&app, &alpha, &crate::bops::fixture("vertical.mp4"), 64 * 1024).await;
        let body = json!({"upload_id": id, "caption": "for fans", "visibility": "followers"});
        call(&app, Some(&alpha), Method::POST, "/api/v1/bops", Some(body)).await.1["id"].as_str().unwrap().to_owned()
    };
    app.drain_events().await;
    app.state.clock.advance(61_000);
    assert!(!scroll(&app, &zed, "for_you", 10, async |_| {}).await.contains(&hidden));

    // The ranking rebuilt from the Bops' own rows has the handlers' heat.
    let heat = "SELECT group_concat(bop_id || ':' || round(coalesce(heat_rank, 0), 6), ',') FROM (SELECT * FROM bops_rank ORDER BY bop_id)";
    let built = count_text(&app, heat);
    app.state
        .db
        .write_blocking::<_, anyhow::Error, _>(boptone::db::Durability::Normal, |tx| {
            let loyalty =
                boptone::analytics::AnalyticsConfig::from_config(&boptone::config::Config::defaults())?.loyalty;
            Ok(boptone::bops::rank::rebuild(tx, &loyalty)?)
        })
        .unwrap();
    assert_eq!(count_text(&app, heat), built);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bops_rank"), 15, "public Bops only");
}

fn count_text(app: &TestApp, sql: &str) -> String {
    crate::bops::count_text(app, sql)
}
