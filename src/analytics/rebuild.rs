//! `boptone analytics rebuild [--artist ID]`: the snapshots recomputed from
//! the source tables, in one transaction, giving exactly what the handlers
//! build. This is the one place analytics reads other pillars' tables, and
//! only to count them; the definitions match the handlers one for one:
//! a count is of rows made that day that still stand, money is the
//! ledger's, items are tips per Bop, royalties per track, sales per product.

use crate::db::CachedSql;
use rusqlite::{Connection, params};

use super::repo::FIGURES;
use super::snapshots::{EVENT_TYPES, SNAPSHOT};
use crate::core::Currency;
use crate::core::ids::ArtistId;

/// Each count: the SQL giving (artist_id, day, n), with `?1` the artist to
/// limit to (NULL: all).
const COUNTS: [(&str, &str); 7] = [
    (
        "views",
        "SELECT b.artist_id, date(v.viewed_at / 1000, 'unixepoch'), count(*)
         FROM bops_views v JOIN bops_videos b ON b.id = v.bop_id WHERE ?1 IS NULL OR b.artist_id = ?1 GROUP BY 1, 2",
    ),
    (
        "likes",
        "SELECT b.artist_id, date(l.created_at / 1000, 'unixepoch'), count(*)
         FROM bops_likes l JOIN bops_videos b ON b.id = l.bop_id WHERE ?1 IS NULL OR b.artist_id = ?1 GROUP BY 1, 2",
    ),
    (
        "comments",
        "SELECT b.artist_id, date(c.created_at / 1000, 'unixepoch'), count(*)
         FROM bops_comments c JOIN bops_videos b ON b.id = c.bop_id WHERE ?1 IS NULL OR b.artist_id = ?1 GROUP BY 1, 2",
    ),
    (
        "new_followers",
        "SELECT artist_id, date(followed_at / 1000, 'unixepoch'), count(*) FROM fan_relationships
         WHERE following = 1 AND followed_at IS NOT NULL AND (?1 IS NULL OR artist_id = ?1) GROUP BY 1, 2",
    ),
    (
        "streams",
        "SELECT r.artist_id, m.day, sum(m.streams) FROM streaming_metrics m
         JOIN music_tracks t ON t.id = m.track_id JOIN music_releases r ON r.id = t.release_id
         WHERE ?1 IS NULL OR r.artist_id = ?1 GROUP BY 1, 2",
    ),
    (
        "orders",
        "SELECT artist_id, date(paid_at / 1000, 'unixepoch'), count(*) FROM orders
         WHERE paid_at IS NOT NULL AND (?1 IS NULL OR artist_id = ?1) GROUP BY 1, 2",
    ),
    (
        "downloads",
        "SELECT o.artist_id, date(d.at / 1000, 'unixepoch'), count(*) FROM download_log d
         JOIN download_grants g ON g.id = d.grant_id JOIN order_items i ON i.id = g.order_item_id
         JOIN orders o ON o.id = i.order_id WHERE ?1 IS NULL OR o.artist_id = ?1 GROUP BY 1, 2",
    ),
];

/// The money of every (artist, day) from the ledger, as
/// `repo::recount_money` sums one: `?1` artist or NULL, `?2` currency.
fn money() -> String {
    format!(
        "INSERT INTO artist_analytics (artist_id, day, tips_micros, royalties_micros, shop_micros,
            refunds_micros, fees_micros, splits_micros, net_micros, payouts_micros)
        SELECT l.artist_id, date(l.occurred_at / 1000, 'unixepoch'), {}
        FROM ledger_entries l JOIN artist_profiles p ON p.id = l.artist_id
        WHERE l.currency = ?2 AND (?1 IS NULL OR l.artist_id = ?1)
        GROUP BY 1, 2
        ON CONFLICT (artist_id, day) DO UPDATE SET tips_micros = excluded.tips_micros,
            royalties_micros = excluded.royalties_micros, shop_micros = excluded.shop_micros,
            refunds_micros = excluded.refunds_micros, fees_micros = excluded.fees_micros,
            splits_micros = excluded.splits_micros, net_micros = excluded.net_micros,
            payouts_micros = excluded.payouts_micros",
        super::repo::money_sums("p.user_id")
    )
}

/// Earnings per item: `?1` artist or NULL, `?2` currency, `?3` micro-units
/// per minor unit of it.
const ITEMS: [&str; 3] = [
    "INSERT INTO artist_item_earnings (artist_id, kind, item, title, gross_micros, sales)
     SELECT t.artist_id, 'bop', b.uid, b.caption, sum(t.amount_minor) * ?3, count(*)
     FROM bops_tips t JOIN bops_videos b ON b.id = t.bop_id
     WHERE t.status = 'succeeded' AND t.currency = ?2 AND (?1 IS NULL OR t.artist_id = ?1) GROUP BY t.artist_id, b.id",
    "INSERT INTO artist_item_earnings (artist_id, kind, item, title, gross_micros, sales)
     SELECT l.artist_id, 'track', t.uid, t.title, sum(l.gross_micros), 0
     FROM ledger_entries l JOIN music_tracks t ON t.id = l.track_id
     WHERE l.source = 'royalty' AND l.currency = ?2 AND (?1 IS NULL OR l.artist_id = ?1) AND ?3 IS NOT NULL
     GROUP BY l.artist_id, t.id",
    "INSERT INTO artist_item_earnings (artist_id, kind, item, title, gross_micros, sales)
     SELECT o.artist_id, 'product', p.uid, min(i.title), sum(i.unit_price_minor * i.quantity) * ?3, sum(i.quantity)
     FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
     WHERE o.paid_at IS NOT NULL AND o.currency = ?2 AND (?1 IS NULL OR o.artist_id = ?1) GROUP BY o.artist_id, p.id",
];

/// What a rebuild wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub days: i64,
    pub items: i64,
    /// Fan–artist pairs whose loyalty was recomputed (by the command).
    pub fans: usize,
}

/// Recomputes the snapshots of `artist` (all artists: None) inside the
/// caller's transaction, and marks the snapshot handler done for events
/// still queued: the rows they announce are already counted here.
pub fn rebuild(conn: &Connection, artist: Option<ArtistId>, currency: Currency) -> rusqlite::Result<Rebuilt> {
    let only = artist.map(|a| a.0);
    conn.execute_cached("DELETE FROM artist_analytics WHERE ?1 IS NULL OR artist_id = ?1", [only])?;
    conn.execute_cached("DELETE FROM artist_analytics_monthly WHERE ?1 IS NULL OR artist_id = ?1", [only])?;
    conn.execute_cached("DELETE FROM artist_item_earnings WHERE ?1 IS NULL OR artist_id = ?1", [only])?;
    for (column, select) in COUNTS {
        conn.execute_cached(
            &format!(
                "INSERT INTO artist_analytics (artist_id, day, {column}) {select}
                 ON CONFLICT (artist_id, day) DO UPDATE SET {column} = excluded.{column}"
            ),
            [only],
        )?;
    }
    conn.execute_cached(&money(), params![only, currency.code()])?;
    let all_zero = super::repo::all_zero();
    conn.execute_cached(
        &format!("DELETE FROM artist_analytics WHERE (?1 IS NULL OR artist_id = ?1) AND {all_zero}"),
        [only],
    )?;
    let sums = FIGURES.split(',').map(|c| format!("sum({})", c.trim())).collect::<Vec<_>>().join(", ");
    conn.execute_cached(
        &format!(
            "INSERT INTO artist_analytics_monthly (artist_id, month, {FIGURES})
             SELECT artist_id, substr(day, 1, 7), {sums} FROM artist_analytics
             WHERE ?1 IS NULL OR artist_id = ?1 GROUP BY 1, 2"
        ),
        [only],
    )?;
    conn.execute_cached(
        &format!("DELETE FROM artist_analytics_monthly WHERE (?1 IS NULL OR artist_id = ?1) AND {all_zero}"),
        [only],
    )?;
    let per_minor = 10_i64.pow(6 - currency.exponent().min(6));
    for select in ITEMS {
        conn.execute_cached(select, params![only, currency.code(), per_minor])?;
    }
    mark_queued_events_counted(conn, only)?;
    let days = conn.query_row_cached(
        "SELECT count(*) FROM artist_analytics WHERE ?1 IS NULL OR artist_id = ?1",
        [only],
        |r| r.get(0),
    )?;
    let items = conn.query_row_cached(
        "SELECT count(*) FROM artist_item_earnings WHERE ?1 IS NULL OR artist_id = ?1",
        [only],
        |r| r.get(0),
    )?;
    Ok(Rebuilt { days, items, fans: 0 })
}

fn mark_queued_events_counted(conn: &Connection, only: Option<i64>) -> rusqlite::Result<()> {
    let types = serde_json::to_string(&EVENT_TYPES).expect("strings serialise");
    conn.execute_cached(
        "INSERT OR IGNORE INTO platform_event_handlers (event_id, handler, completed_at)
         SELECT id, ?2, ?3 FROM platform_events
         WHERE status <> 'done' AND event_type IN (SELECT value FROM json_each(?1))
           AND (?4 IS NULL OR json_extract(payload, '$.artist_id') = ?4)",
        params![types, SNAPSHOT, crate::db::now_ms(), only],
    )?;
    Ok(())
}
