//! Search's tables recomputed from the pillars' own tables: at the first
//! start after V028 (data from before search), for the demo (which writes
//! rows directly, without events) and by `boptone search rebuild`. Like
//! `analytics rebuild`, this is the one place search reads other pillars'
//! tables, and it keeps their rules: public, not deleted Bops; tracks of
//! published releases; active products; artists with a finished profile,
//! suspension kept. The result equals what the handlers build.

use crate::db::CachedSql;
use rusqlite::{Connection, params};

use super::events::{TRENDING, TRENDING_EVENTS};
use super::repo::DAY_MS;

/// Days of follows and likes recounted (the days the prune keeps).
pub const KEPT_DAYS: i64 = 15;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub artists: usize,
    pub bops: usize,
    pub tracks: usize,
    pub products: usize,
}

/// Refills every search table in the caller's transaction; `now` decides
/// which days of follows and likes are counted.
pub fn rebuild(conn: &Connection, now: i64) -> rusqlite::Result<Rebuilt> {
    super::events::changed();
    conn.execute_cached("UPDATE search_meta SET rebuilding = 1 WHERE id = 1", [])?;
    conn.execute_batch(
        "DELETE FROM search_artists; DELETE FROM search_bops; DELETE FROM search_tracks; DELETE FROM search_products;
         DELETE FROM search_tag_days; DELETE FROM search_artist_days;",
    )?;
    let rebuilt = Rebuilt {
        artists: fill_artists(conn)?,
        bops: fill_bops(conn)?,
        tracks: fill_tracks(conn)?,
        products: fill_products(conn)?,
    };
    for fts in ["search_artists_fts", "search_bops_fts", "search_tracks_fts", "search_products_fts"] {
        // One bulk pass over the content, merged into one segment: what
        // the searches read fastest.
        conn.execute_batch(&format!(
            "INSERT INTO {fts} ({fts}) VALUES ('rebuild'); INSERT INTO {fts} ({fts}) VALUES ('optimize');"
        ))?;
    }
    count_tags(conn)?;
    count_engagement(conn, now)?;
    mark_queued_events_counted(conn, now)?;
    conn.execute_cached("UPDATE search_meta SET rebuilding = 0, built_at = ?1 WHERE id = 1", [now])?;
    Ok(rebuilt)
}

fn fill_artists(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "INSERT INTO search_artists (id, uid, handle, stage_name, photo_key, completed, suspended, followers)
         SELECT a.id, a.uid, COALESCE(a.handle, ''), COALESCE(a.stage_name, ''), a.photo_key, a.onboarding_completed,
                a.suspended_at IS NOT NULL,
                (SELECT count(*) FROM fan_relationships f WHERE f.artist_id = a.id AND f.following = 1)
         FROM artist_profiles a
         WHERE a.deleted_at IS NULL AND (a.onboarding_completed = 1 OR a.suspended_at IS NOT NULL)",
        [],
    )
}

fn fill_bops(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "INSERT INTO search_bops (id, uid, artist_id, caption, tags, poster_key, published_at)
         SELECT b.id, b.uid, b.artist_id, b.caption,
                COALESCE((SELECT group_concat(value, ' ') FROM json_each(b.hashtags)), ''), b.poster_key, b.published_at
         FROM bops_videos b
         WHERE b.deleted_at IS NULL AND b.hidden_at IS NULL AND b.visibility = 'public'",
        [],
    )
}

fn fill_tracks(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "INSERT INTO search_tracks (uid, release_uid, artist_id, title)
         SELECT t.uid, r.uid, r.artist_id, t.title
         FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
         WHERE r.status = 'published' AND r.deleted_at IS NULL AND t.deleted_at IS NULL AND t.hidden_at IS NULL
         ORDER BY r.published_at, t.position",
        [],
    )
}

/// The cheapest variant gives the price, first by position on a tie (as
/// the shop's own event picks it).
fn fill_products(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "INSERT INTO search_products (id, uid, artist_id, title, tags, price_minor, currency)
         SELECT p.id, p.uid, p.artist_id, p.title,
                COALESCE((SELECT group_concat(value, ' ') FROM json_each(p.tags)), ''), v.price_minor, v.currency
         FROM products p
         LEFT JOIN product_variants v ON v.id = (
             SELECT id FROM product_variants w WHERE w.product_id = p.id AND w.deleted_at IS NULL
             ORDER BY w.price_minor, w.position, w.id LIMIT 1)
         WHERE p.status = 'active' AND p.deleted_at IS NULL AND p.hidden_at IS NULL",
        [],
    )
}

/// What the triggers on `search_bops` count row by row.
fn count_tags(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO search_tag_days (day, tag, bops)
         SELECT b.published_at / ?1, t.value, count(*)
         FROM search_bops b, json_each('[\"' || replace(b.tags, ' ', '\",\"') || '\"]') t
         WHERE t.value <> ''
         GROUP BY 1, 2",
        [DAY_MS],
    )?;
    Ok(())
}

/// Follows standing and likes made in the kept days, by the day they
/// were made (as `search.trending` counts them).
fn count_engagement(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    let from = (now.div_euclid(DAY_MS) - KEPT_DAYS) * DAY_MS;
    conn.execute_cached(
        "INSERT INTO search_artist_days (day, artist_id, follows)
         SELECT followed_at / ?1, artist_id, count(*) FROM fan_relationships
         WHERE following = 1 AND followed_at >= ?2 GROUP BY 1, 2",
        params![DAY_MS, from],
    )?;
    conn.execute_cached(
        "INSERT INTO search_artist_days (day, artist_id, likes)
         SELECT l.created_at / ?1, b.artist_id, count(*) FROM bops_likes l JOIN bops_videos b ON b.id = l.bop_id
         WHERE l.created_at >= ?2 GROUP BY 1, 2
         ON CONFLICT (day, artist_id) DO UPDATE SET likes = excluded.likes",
        params![DAY_MS, from],
    )?;
    Ok(())
}

/// Follows and likes still queued are already counted above: their
/// handler must not count them again.
fn mark_queued_events_counted(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    let types = serde_json::to_string(TRENDING_EVENTS).expect("strings serialise");
    conn.execute_cached(
        "INSERT OR IGNORE INTO platform_event_handlers (event_id, handler, completed_at)
         SELECT id, ?2, ?3 FROM platform_events
         WHERE status <> 'done' AND event_type IN (SELECT value FROM json_each(?1))",
        params![types, TRENDING, now],
    )?;
    Ok(())
}
