//! Reads of the snapshots for the dashboard, statements and Toney: sums
//! over one artist's day rows (a year is 365 rows, whatever happened in
//! it) and the earnings per item. Never a pillar table.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::core::ids::ArtistId;

/// Money of a period, in micro-units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Money {
    pub tips: i64,
    pub royalties: i64,
    pub shop: i64,
    pub refunds: i64,
    pub fees: i64,
    pub splits: i64,
    pub net: i64,
    pub payouts: i64,
}

impl Money {
    pub fn gross(&self) -> i64 {
        self.tips + self.royalties + self.shop
    }
}

/// Counts of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub views: i64,
    pub likes: i64,
    pub comments: i64,
    pub new_followers: i64,
    pub streams: i64,
    pub orders: i64,
    pub downloads: i64,
}

const SUMS: &str = "coalesce(sum(tips_micros), 0), coalesce(sum(royalties_micros), 0), coalesce(sum(shop_micros), 0),
    coalesce(sum(refunds_micros), 0), coalesce(sum(fees_micros), 0), coalesce(sum(splits_micros), 0),
    coalesce(sum(net_micros), 0), coalesce(sum(payouts_micros), 0), coalesce(sum(views), 0),
    coalesce(sum(likes), 0), coalesce(sum(comments), 0), coalesce(sum(new_followers), 0),
    coalesce(sum(streams), 0), coalesce(sum(orders), 0), coalesce(sum(downloads), 0)";

/// Eight money columns from `at`, in [`Money`]'s order.
fn money_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Money> {
    let g = |i: usize| r.get::<_, i64>(at + i);
    Ok(Money {
        tips: g(0)?,
        royalties: g(1)?,
        shop: g(2)?,
        refunds: g(3)?,
        fees: g(4)?,
        splits: g(5)?,
        net: g(6)?,
        payouts: g(7)?,
    })
}

fn figures_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<(Money, Counts)> {
    let g = |i: usize| r.get::<_, i64>(at + i);
    Ok((
        money_at(r, at)?,
        Counts {
            views: g(8)?,
            likes: g(9)?,
            comments: g(10)?,
            new_followers: g(11)?,
            streams: g(12)?,
            orders: g(13)?,
            downloads: g(14)?,
        },
    ))
}

/// The artist's figures over days `from..=to` (`YYYY-MM-DD`): for short
/// ranges (today, a week).
pub fn sum(conn: &Connection, artist: ArtistId, from: &str, to: &str) -> rusqlite::Result<(Money, Counts)> {
    conn.prepare_cached(&format!(
        "SELECT {SUMS} FROM artist_analytics WHERE artist_id = ?1 AND day >= ?2 AND day <= ?3"
    ))?
    .query_row(params![artist, from, to], |r| figures_row(r, 0))
}

/// The artist's figures over months `from..=to` (`YYYY-MM`; `""` from the
/// beginning): a dozen rows a year.
pub fn sum_months(conn: &Connection, artist: ArtistId, from: &str, to: &str) -> rusqlite::Result<(Money, Counts)> {
    conn.prepare_cached(&format!(
        "SELECT {SUMS} FROM artist_analytics_monthly WHERE artist_id = ?1 AND month >= ?2 AND month <= ?3"
    ))?
    .query_row(params![artist, from, to], |r| figures_row(r, 0))
}

/// Artists with any figure in `month` (`YYYY-MM`): whose month to report.
pub fn artists_with_figures(conn: &Connection, month: &str) -> rusqlite::Result<Vec<ArtistId>> {
    conn.prepare_cached("SELECT artist_id FROM artist_analytics_monthly WHERE month = ?1 ORDER BY artist_id")?
        .query_map([month], |r| r.get(0))?
        .collect()
}

/// How the chart groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl Bucket {
    pub fn parse(raw: Option<&str>) -> Option<Bucket> {
        Some(match raw.unwrap_or("day") {
            "" | "day" => Bucket::Day,
            "week" => Bucket::Week,
            "month" => Bucket::Month,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// The table read and the SQL naming a row's bucket: the day, the
    /// Monday of its week, or the month (from the monthly rows).
    fn source(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Bucket::Day => ("artist_analytics", "day", "day"),
            Bucket::Week => (
                "artist_analytics",
                "day",
                "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
            ),
            Bucket::Month => ("artist_analytics_monthly", "month", "month"),
        }
    }
}

/// The artist's net per bucket from `from` to `to` (days, or months for
/// [`Bucket::Month`]), oldest first: `(label, net micros)`. Buckets without
/// a row are absent (the chart fills them).
pub fn net_series(
    conn: &Connection,
    artist: ArtistId,
    bucket: Bucket,
    from: &str,
    to: &str,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let (table, column, key) = bucket.source();
    conn.prepare_cached(&format!(
        "SELECT {key} AS bucket, sum(net_micros) FROM {table}
         WHERE artist_id = ?1 AND {column} >= ?2 AND {column} <= ?3 GROUP BY bucket ORDER BY bucket"
    ))?
    .query_map(params![artist, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// All-time, this year's and this month's money in one pass over the
/// monthly rows (`year` and `month` as `YYYY-01` and `YYYY-MM`).
pub fn periods(conn: &Connection, artist: ArtistId, year: &str, month: &str) -> rusqlite::Result<[Money; 3]> {
    const COLUMNS: [&str; 8] = [
        "tips_micros",
        "royalties_micros",
        "shop_micros",
        "refunds_micros",
        "fees_micros",
        "splits_micros",
        "net_micros",
        "payouts_micros",
    ];
    let sums = ["1", "month >= ?2", "month = ?3"]
        .iter()
        .flat_map(|when| COLUMNS.iter().map(move |c| format!("coalesce(sum(CASE WHEN {when} THEN {c} END), 0)")))
        .collect::<Vec<_>>()
        .join(", ");
    conn.prepare_cached(&format!("SELECT {sums} FROM artist_analytics_monthly WHERE artist_id = ?1"))?
        .query_row(params![artist, year, month], |r| Ok([money_at(r, 0)?, money_at(r, 8)?, money_at(r, 16)?]))
}

/// A Bop, track or product and what it earned.
#[derive(Debug, Clone, Serialize)]
pub struct TopItem {
    pub item: String,
    pub title: String,
    pub gross_micros: i64,
    pub sales: i64,
}

pub fn top_items(conn: &Connection, artist: ArtistId, kind: &str, limit: usize) -> rusqlite::Result<Vec<TopItem>> {
    conn.prepare_cached(
        "SELECT item, title, gross_micros, sales FROM artist_item_earnings
         WHERE artist_id = ?1 AND kind = ?2 AND gross_micros > 0 ORDER BY gross_micros DESC LIMIT ?3",
    )?
    .query_map(params![artist, kind, limit as i64], |r| {
        Ok(TopItem { item: r.get(0)?, title: r.get(1)?, gross_micros: r.get(2)?, sales: r.get(3)? })
    })?
    .collect()
}
