//! The launch snapshots recomputed from the Bops' own tables, for the demo
//! (which writes rows directly, without events) and for data from before
//! Toney. Like `analytics rebuild`, this is the one place Toney reads
//! another pillar's tables, and only to count them, as the handlers do:
//! views within 48 hours of publishing.

use crate::db::CachedSql;
use rusqlite::Connection;

use super::repo::LAUNCH_WINDOW_MS;

/// Recomputes every Bop launch (suggestions already made stay made);
/// returns how many launches there are.
pub fn rebuild_bop_launches(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "INSERT INTO toney_bop_launches (bop_uid, artist_id, published_at, weekday, hour, views_48h)
         SELECT b.uid, b.artist_id, b.published_at,
                (CAST(strftime('%w', b.published_at / 1000, 'unixepoch') AS INTEGER) + 6) % 7,
                CAST(strftime('%H', b.published_at / 1000, 'unixepoch') AS INTEGER),
                (SELECT count(*) FROM bops_views v
                 WHERE v.bop_id = b.id AND v.viewed_at >= b.published_at AND v.viewed_at < b.published_at + ?1)
         FROM bops_videos b WHERE true
         ON CONFLICT (bop_uid) DO UPDATE SET views_48h = excluded.views_48h",
        [LAUNCH_WINDOW_MS],
    )?;
    conn.query_row_cached("SELECT count(*) FROM toney_bop_launches", [], |r| r.get::<_, i64>(0)).map(|n| n as usize)
}

/// The month tally recomputed from the tips, paid orders and daily stream
/// counts, in `currency` (`micros_per_minor` micro-units per minor unit);
/// returns how many item-months there are.
pub fn rebuild_month_items(conn: &Connection, currency: &str, micros_per_minor: i64) -> rusqlite::Result<usize> {
    conn.execute_cached("DELETE FROM toney_month_items", [])?;
    let month = |ms: &str| format!("strftime('%Y-%m', {ms} / 1000, 'unixepoch')");
    conn.execute_cached(
        &format!(
            "INSERT INTO toney_month_items (artist_id, month, kind, item, title, amount_micros, count)
             SELECT t.artist_id, {}, 'bop', b.uid, b.caption, sum(t.amount_minor) * ?2, count(*)
             FROM bops_tips t JOIN bops_videos b ON b.id = t.bop_id
             WHERE t.status = 'succeeded' AND t.currency = ?1 GROUP BY 1, 2, 4",
            month("coalesce(t.succeeded_at, t.created_at)")
        ),
        rusqlite::params![currency, micros_per_minor],
    )?;
    conn.execute_cached(
        &format!(
            "INSERT INTO toney_month_items (artist_id, month, kind, item, title, amount_micros, count)
             SELECT o.artist_id, {}, 'product', p.uid, min(i.title), sum(i.unit_price_minor * i.quantity) * ?2, sum(i.quantity)
             FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
             WHERE o.paid_at IS NOT NULL AND o.currency = ?1 GROUP BY 1, 2, 4",
            month("o.paid_at")
        ),
        rusqlite::params![currency, micros_per_minor],
    )?;
    conn.execute_cached(
        "INSERT INTO toney_month_items (artist_id, month, kind, item, title, amount_micros, count)
         SELECT r.artist_id, substr(m.day, 1, 7), 'track', t.uid, t.title, 0, sum(m.streams)
         FROM streaming_metrics m JOIN music_tracks t ON t.id = m.track_id JOIN music_releases r ON r.id = t.release_id
         WHERE true GROUP BY 1, 2, 4",
        [],
    )?;
    conn.query_row_cached("SELECT count(*) FROM toney_month_items", [], |r| r.get::<_, i64>(0)).map(|n| n as usize)
}
