//! SQL of the daily snapshots and earnings per item. Days are UTC,
//! `YYYY-MM-DD`, computed by SQLite's `date()` here and in the rebuild
//! alike, so the two can never disagree about a boundary.

use rusqlite::{Connection, params};

use crate::core::ids::ArtistId;

/// A count kept per artist per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Views,
    Likes,
    Comments,
    NewFollowers,
    Streams,
    Orders,
    Downloads,
}

impl Count {
    pub fn column(self) -> &'static str {
        match self {
            Count::Views => "views",
            Count::Likes => "likes",
            Count::Comments => "comments",
            Count::NewFollowers => "new_followers",
            Count::Streams => "streams",
            Count::Orders => "orders",
            Count::Downloads => "downloads",
        }
    }

    pub const ALL: [Count; 7] = [
        Count::Views,
        Count::Likes,
        Count::Comments,
        Count::NewFollowers,
        Count::Streams,
        Count::Orders,
        Count::Downloads,
    ];
}

/// Every column of a snapshot row but the key.
pub const FIGURES: &str = "views, likes, comments, new_followers, streams, orders, downloads, tips_micros,
    royalties_micros, shop_micros, refunds_micros, fees_micros, splits_micros, net_micros, payouts_micros";

/// Every figure is zero (a row that the rebuild would not make).
pub fn all_zero() -> String {
    FIGURES.split(',').map(|c| format!("{} = 0", c.trim())).collect::<Vec<_>>().join(" AND ")
}

/// A day or month whose figures are all zero is removed: the rebuild makes
/// no row where nothing stands, so the handlers leave none.
fn drop_if_empty(conn: &Connection, artist: ArtistId, day: &str) -> rusqlite::Result<()> {
    let zero = all_zero();
    conn.prepare_cached(&format!("DELETE FROM artist_analytics WHERE artist_id = ?1 AND day = ?2 AND {zero}"))?
        .execute(params![artist, day])?;
    conn.prepare_cached(&format!(
        "DELETE FROM artist_analytics_monthly WHERE artist_id = ?1 AND month = substr(?2, 1, 7) AND {zero}"
    ))?
    .execute(params![artist, day])?;
    Ok(())
}

/// The UTC day of a unix-millisecond instant.
pub fn day_of(conn: &Connection, at_ms: i64) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT date(?1 / 1000, 'unixepoch')")?.query_row([at_ms], |r| r.get(0))
}

/// Adds `delta` to one count of the artist's `day`.
pub fn bump(conn: &Connection, artist: ArtistId, day: &str, count: Count, delta: i64) -> rusqlite::Result<()> {
    let column = count.column();
    conn.prepare_cached(&format!(
        "INSERT INTO artist_analytics (artist_id, day, {column}) VALUES (?1, ?2, ?3)
         ON CONFLICT (artist_id, day) DO UPDATE SET {column} = {column} + excluded.{column}"
    ))?
    .execute(params![artist, day, delta])?;
    conn.prepare_cached(&format!(
        "INSERT INTO artist_analytics_monthly (artist_id, month, {column}) VALUES (?1, substr(?2, 1, 7), ?3)
         ON CONFLICT (artist_id, month) DO UPDATE SET {column} = {column} + excluded.{column}"
    ))?
    .execute(params![artist, day, delta])?;
    if delta < 0 {
        drop_if_empty(conn, artist, day)?;
    }
    Ok(())
}

/// The money columns of a day, in order, summed from ledger rows `l`
/// (what the artist paid for their plan is not earnings: left out),
/// where `{owner}` is the artist's user id: the artist's own part is the
/// rows held by the artist's account (`share_key` 'artist' for unsplit
/// income, or a split share of the artist's own user). The handlers' recount
/// and the rebuild both use it, so they cannot disagree.
pub fn money_sums(owner: &str) -> String {
    let mine = format!("(l.share_key = 'artist' OR l.collaborator_user_id IS {owner})");
    format!(
        "coalesce(sum(CASE WHEN l.source = 'tip' THEN l.gross_micros END), 0),
        coalesce(sum(CASE WHEN l.source = 'royalty' THEN l.gross_micros END), 0),
        coalesce(sum(CASE WHEN l.source = 'order' THEN l.gross_micros END), 0),
        coalesce(-sum(CASE WHEN l.source = 'refund' THEN l.gross_micros END), 0),
        coalesce(sum(CASE WHEN l.source NOT IN ('payout', 'subscription') THEN l.fee_micros END), 0),
        coalesce(sum(CASE WHEN l.source NOT IN ('payout', 'subscription') AND NOT {mine} THEN l.net_micros END), 0),
        coalesce(sum(CASE WHEN l.source NOT IN ('payout', 'subscription') AND {mine} THEN l.net_micros END), 0),
        coalesce(-sum(CASE WHEN l.source = 'payout' THEN l.net_micros END), 0)"
    )
}

/// The money of one artist's day from the ledger rows of `currency`:
/// `?1` artist, `?2` currency, between `?3` and `?4` (ms).
fn money_of_day() -> String {
    format!(
        "SELECT {} FROM ledger_entries l
         WHERE l.artist_id = ?1 AND l.currency = ?2 AND l.occurred_at >= ?3 AND l.occurred_at < ?4",
        money_sums("(SELECT user_id FROM artist_profiles WHERE id = ?1)")
    )
}

const MS_PER_DAY: i64 = 86_400_000;

/// Sets the money of the artist's day holding `at_ms` to what the ledger
/// holds for it: a recount, so running it twice changes nothing.
pub fn recount_money(conn: &Connection, artist: ArtistId, currency: &str, at_ms: i64) -> rusqlite::Result<()> {
    let start = at_ms - at_ms.rem_euclid(MS_PER_DAY);
    let day = day_of(conn, start)?;
    let money: [i64; 8] =
        conn.prepare_cached(&money_of_day())?.query_row(params![artist, currency, start, start + MS_PER_DAY], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?])
        })?;
    conn.prepare_cached(
        "INSERT INTO artist_analytics (artist_id, day, tips_micros, royalties_micros, shop_micros, refunds_micros,
             fees_micros, splits_micros, net_micros, payouts_micros)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (artist_id, day) DO UPDATE SET tips_micros = excluded.tips_micros,
             royalties_micros = excluded.royalties_micros, shop_micros = excluded.shop_micros,
             refunds_micros = excluded.refunds_micros, fees_micros = excluded.fees_micros,
             splits_micros = excluded.splits_micros, net_micros = excluded.net_micros,
             payouts_micros = excluded.payouts_micros",
    )?
    .execute(params![artist, day, money[0], money[1], money[2], money[3], money[4], money[5], money[6], money[7]])?;
    recount_month_money(conn, artist, &day)?;
    drop_if_empty(conn, artist, &day)
}

/// The money of the month holding `day`, summed from its days.
fn recount_month_money(conn: &Connection, artist: ArtistId, day: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO artist_analytics_monthly (artist_id, month, tips_micros, royalties_micros, shop_micros,
             refunds_micros, fees_micros, splits_micros, net_micros, payouts_micros)
         SELECT ?1, substr(?2, 1, 7), coalesce(sum(tips_micros), 0), coalesce(sum(royalties_micros), 0),
             coalesce(sum(shop_micros), 0), coalesce(sum(refunds_micros), 0), coalesce(sum(fees_micros), 0),
             coalesce(sum(splits_micros), 0), coalesce(sum(net_micros), 0), coalesce(sum(payouts_micros), 0)
         FROM artist_analytics
         WHERE artist_id = ?1 AND day >= substr(?2, 1, 7) || '-01' AND day <= substr(?2, 1, 7) || '-31'
         ON CONFLICT (artist_id, month) DO UPDATE SET tips_micros = excluded.tips_micros,
             royalties_micros = excluded.royalties_micros, shop_micros = excluded.shop_micros,
             refunds_micros = excluded.refunds_micros, fees_micros = excluded.fees_micros,
             splits_micros = excluded.splits_micros, net_micros = excluded.net_micros,
             payouts_micros = excluded.payouts_micros",
    )?
    .execute(params![artist, day])?;
    Ok(())
}

/// What one Bop, track or product earned, added to its running total.
pub struct ItemEarning<'a> {
    pub artist: ArtistId,
    pub kind: &'static str,
    pub item: &'a str,
    pub title: &'a str,
    pub gross_micros: i64,
    pub sales: i64,
}

pub fn add_item_earning(conn: &Connection, earning: &ItemEarning<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO artist_item_earnings (artist_id, kind, item, title, gross_micros, sales)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (artist_id, kind, item) DO UPDATE SET title = excluded.title,
             gross_micros = gross_micros + excluded.gross_micros, sales = sales + excluded.sales",
    )?
    .execute(params![
        earning.artist,
        earning.kind,
        earning.item,
        earning.title,
        earning.gross_micros,
        earning.sales
    ])?;
    Ok(())
}
