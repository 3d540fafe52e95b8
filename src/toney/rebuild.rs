//! The launch snapshots recomputed from the Bops' own tables, for the demo
//! (which writes rows directly, without events) and for data from before
//! Toney. Like `analytics rebuild`, this is the one place Toney reads
//! another pillar's tables, and only to count them, as the handlers do:
//! views within 48 hours of publishing.

use rusqlite::Connection;

use super::repo::LAUNCH_WINDOW_MS;

/// Recomputes every Bop launch (suggestions already made stay made);
/// returns how many launches there are.
pub fn rebuild_bop_launches(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
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
    conn.query_row("SELECT count(*) FROM toney_bop_launches", [], |r| r.get::<_, i64>(0)).map(|n| n as usize)
}
