//! Loyalty recomputed from the history the pillars keep (for `analytics
//! rebuild`, an upgrade, and the demo): every follow, view by a signed-in
//! fan, like, comment, tip and purchase at its own time, with today's
//! weights. Streams are not in it: a listener's plays are kept as one row
//! per track, not one per stream, so only the handlers count them.

use crate::db::CachedSql;
use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::config::LoyaltyConfig;
use super::loyalty::{LOYALTY, half_lives};
use crate::core::ids::ArtistId;

#[derive(Default)]
struct Pair {
    scaled: f64,
    last: i64,
    counts: [i64; 6],
}

/// Which counter an action adds to: views, likes, comments, tips,
/// purchases (follows have none).
const HISTORY: [(&str, Option<usize>); 6] = [
    (
        "SELECT fan_user_id, artist_id, followed_at FROM fan_relationships
         WHERE following = 1 AND followed_at IS NOT NULL AND (?1 IS NULL OR artist_id = ?1)",
        None,
    ),
    (
        "SELECT CAST(substr(v.viewer_key, 3) AS INTEGER), b.artist_id, v.viewed_at FROM bops_views v
         JOIN bops_videos b ON b.id = v.bop_id WHERE v.viewer_key LIKE 'u:%' AND (?1 IS NULL OR b.artist_id = ?1)",
        Some(0),
    ),
    (
        "SELECT l.user_id, b.artist_id, l.created_at FROM bops_likes l JOIN bops_videos b ON b.id = l.bop_id
         WHERE ?1 IS NULL OR b.artist_id = ?1",
        Some(1),
    ),
    (
        "SELECT c.user_id, b.artist_id, c.created_at FROM bops_comments c JOIN bops_videos b ON b.id = c.bop_id
         WHERE ?1 IS NULL OR b.artist_id = ?1",
        Some(2),
    ),
    (
        "SELECT fan_user_id, artist_id, COALESCE(succeeded_at, created_at) FROM bops_tips
         WHERE status = 'succeeded' AND (?1 IS NULL OR artist_id = ?1)",
        Some(3),
    ),
    (
        "SELECT fan_user_id, artist_id, paid_at FROM orders WHERE paid_at IS NOT NULL AND (?1 IS NULL OR artist_id = ?1)",
        Some(4),
    ),
];

fn points(weights: &LoyaltyConfig, counter: Option<usize>) -> u32 {
    match counter {
        None => weights.follow,
        Some(0) => weights.view,
        Some(1) => weights.like,
        Some(2) => weights.comment,
        Some(3) => weights.tip,
        _ => weights.purchase,
    }
}

/// Recomputes every fan's loyalty to `artist` (all artists: None) inside
/// the caller's transaction; returns the pairs written.
pub fn rebuild_loyalty(
    conn: &Connection,
    artist: Option<ArtistId>,
    weights: &LoyaltyConfig,
) -> rusqlite::Result<usize> {
    let only = artist.map(|a| a.0);
    let owners: HashMap<i64, i64> = conn
        .prepare_cached("SELECT id, user_id FROM artist_profiles")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut pairs: HashMap<(i64, i64), Pair> = HashMap::new();
    for (sql, counter) in HISTORY {
        let w = f64::from(points(weights, counter));
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([only])?;
        while let Some(row) = rows.next()? {
            let (fan, artist, at): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if owners.get(&artist) == Some(&fan) {
                continue;
            }
            let pair = pairs.entry((fan, artist)).or_default();
            pair.scaled += w * half_lives(at, weights).exp2();
            pair.last = pair.last.max(at);
            if let Some(i) = counter {
                pair.counts[i] += 1;
            }
        }
    }
    reset(conn, only)?;
    let mut write = conn.prepare_cached(
        "INSERT INTO fan_relationships (fan_user_id, artist_id, following, updated_at, loyalty_score, loyalty_at,
             loyalty_rank, views, likes, comments, tips, purchases)
         VALUES (?1, ?2, 0, ?4, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (fan_user_id, artist_id) DO UPDATE SET loyalty_score = ?3, loyalty_at = ?4, loyalty_rank = ?5,
             views = ?6, likes = ?7, comments = ?8, tips = ?9, purchases = ?10",
    )?;
    let mut sums: HashMap<i64, (i64, f64)> = HashMap::new();
    for ((fan, artist), pair) in &pairs {
        if pair.scaled <= 0.0 {
            continue;
        }
        let rank = pair.scaled.log2();
        let score = (rank - half_lives(pair.last, weights)).exp2().round() as i64;
        let c = pair.counts;
        write.execute(params![fan, artist, score, pair.last, rank, c[0], c[1], c[2], c[3], c[4]])?;
        let sum = sums.entry(*artist).or_default();
        sum.0 += 1;
        sum.1 += pair.scaled;
    }
    let now = crate::db::now_ms();
    for (artist, (fans, scaled)) in sums {
        conn.execute_cached(
            "INSERT INTO artist_loyalty (artist_id, fans, scaled_sum, updated_at) VALUES (?1, ?2, ?3, ?4)",
            params![artist, fans, scaled, now],
        )?;
    }
    mark_queued_events_counted(conn, only)?;
    Ok(pairs.len())
}

/// Clears what the rebuild recomputes (streams stay: only handlers count them).
fn reset(conn: &Connection, only: Option<i64>) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE fan_relationships SET loyalty_score = 0, loyalty_at = 0, loyalty_rank = NULL, views = 0, likes = 0,
             comments = 0, tips = 0, purchases = 0 WHERE ?1 IS NULL OR artist_id = ?1",
        [only],
    )?;
    conn.execute_cached("DELETE FROM artist_loyalty WHERE ?1 IS NULL OR artist_id = ?1", [only])?;
    Ok(())
}

/// Queued events' loyalty is in the history just read.
fn mark_queued_events_counted(conn: &Connection, only: Option<i64>) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT OR IGNORE INTO platform_event_handlers (event_id, handler, completed_at)
         SELECT id, ?1, ?2 FROM platform_events
         WHERE status <> 'done' AND event_type IN ('bop.viewed', 'bop.liked', 'bop.commented', 'fan.followed',
               'order.completed', 'bop.tip.received')
           AND (?3 IS NULL OR json_extract(payload, '$.artist_id') = ?3)",
        params![LOYALTY, crate::db::now_ms(), only],
    )?;
    Ok(())
}
