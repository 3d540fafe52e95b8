//! Label-wide sums of the ledger: what every artist's rows add up to per
//! month (UTC), currency and source — the label console's money page reads
//! these, never the pillar tables.
//!
//! They come from `ledger_months` (migration V043), the ledger summed per
//! (month, artist, currency, source) by triggers in the same transaction as
//! each ledger row, so it is exactly the sum of `ledger_entries`. Its
//! primary key `(month, artist_id, currency, source)` makes every read here
//! one range of it: a month costs a few rows per artist with money that
//! month, whatever the number of ledger rows behind them.

use rusqlite::{Connection, params};

use crate::core::ids::ArtistId;

/// The sum of the ledger rows of one month, currency and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSum {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub currency: String,
    pub source: String,
    pub entries: i64,
    pub gross_micros: i64,
    pub fee_micros: i64,
    pub net_micros: i64,
}

/// One artist and the sums of its rows.
pub type ArtistSums = (ArtistId, Vec<SourceSum>);

fn source_sum(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceSum> {
    Ok(SourceSum {
        month: r.get(0)?,
        currency: r.get(1)?,
        source: r.get(2)?,
        entries: r.get(3)?,
        gross_micros: r.get(4)?,
        fee_micros: r.get(5)?,
        net_micros: r.get(6)?,
    })
}

const SUMS_BY_MONTH: &str = "SELECT month, currency, source, SUM(entries), SUM(gross_micros), SUM(fee_micros),
         SUM(net_micros)
     FROM ledger_months WHERE month >= ?1 AND month <= ?2
     GROUP BY month, currency, source ORDER BY month, currency, source";

/// Every artist's rows of the months `first..=last` (`YYYY-MM`), summed per
/// month, currency and source, in that order.
pub fn sums_by_month(conn: &Connection, first: &str, last: &str) -> rusqlite::Result<Vec<SourceSum>> {
    conn.prepare_cached(SUMS_BY_MONTH)?.query_map(params![first, last], source_sum)?.collect()
}

const ARTIST_IDS: &str = "SELECT DISTINCT artist_id FROM ledger_months
     WHERE month = ?1 AND artist_id > ?2 ORDER BY artist_id LIMIT ?3";

/// A page of the artists with money in `month`: up to `limit` artists after
/// `after` (by artist id, the keyset), each with its sums per currency and
/// source; and whether more follow.
pub fn artist_page(
    conn: &Connection,
    month: &str,
    after: Option<ArtistId>,
    limit: usize,
) -> rusqlite::Result<(Vec<ArtistSums>, bool)> {
    let after = after.map_or(i64::MIN, |a| a.0);
    let ids: Vec<i64> = conn
        .prepare_cached(ARTIST_IDS)?
        .query_map(params![month, after, limit as i64 + 1], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let more = ids.len() > limit;
    let Some(&last) = ids[..ids.len().min(limit)].last() else { return Ok((Vec::new(), false)) };
    let mut page: Vec<ArtistSums> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT month, currency, source, entries, gross_micros, fee_micros, net_micros, artist_id FROM ledger_months
         WHERE month = ?1 AND artist_id > ?2 AND artist_id <= ?3 ORDER BY artist_id, currency, source",
    )?;
    let mut rows = stmt.query(params![month, after, last])?;
    while let Some(row) = rows.next()? {
        let artist = ArtistId(row.get(7)?);
        let sum = source_sum(row)?;
        match page.last_mut() {
            Some((a, sums)) if *a == artist => sums.push(sum),
            _ => page.push((artist, vec![sum])),
        }
    }
    Ok((page, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ledger's table (as V015 made it), what V043's backfill reads,
    /// and V043 as migrated.
    fn migrated() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE artist_profiles (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
             CREATE TABLE subscription_checkouts (checkout_ref TEXT PRIMARY KEY, artist_id INTEGER NOT NULL,
                 tier TEXT NOT NULL, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, created_at INTEGER NOT NULL,
                 completed_at INTEGER, expired_at INTEGER);
             CREATE TABLE ledger_entries (id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL, source TEXT NOT NULL,
                 reference TEXT NOT NULL, share_key TEXT NOT NULL, collaborator_user_id INTEGER,
                 basis_points INTEGER NOT NULL, description TEXT NOT NULL, gross_micros INTEGER NOT NULL,
                 fee_micros INTEGER NOT NULL DEFAULT 0, net_micros INTEGER NOT NULL, currency TEXT NOT NULL,
                 occurred_at INTEGER NOT NULL, created_at INTEGER NOT NULL, UNIQUE (reference, share_key));
             INSERT INTO artist_profiles VALUES (1, 10), (2, 20);
             INSERT INTO subscription_checkouts VALUES ('cs_paid', 1, 'pro', 2900, 'USD', 1, 1793491200005, NULL),
                 ('cs_yen', 2, 'pro', 900, 'JPY', 1, 1793491200006, NULL),
                 ('cs_open', 1, 'pro', 2900, 'USD', 1, NULL, NULL);",
        )
        .unwrap();
        conn.execute_batch(include_str!("../../migrations/V043__ledger_months.sql")).unwrap();
        conn
    }

    /// An empty ledger with V043's table and triggers.
    fn ledger() -> Connection {
        let conn = migrated();
        conn.execute("DELETE FROM ledger_entries", []).unwrap();
        conn
    }

    fn add(conn: &Connection, artist: i64, source: &str, gross: i64, fee: i64, at: i64) {
        conn.execute(
            "INSERT INTO ledger_entries (artist_id, source, reference, share_key, basis_points, description,
                 gross_micros, fee_micros, net_micros, currency, occurred_at, created_at)
             VALUES (?1, ?2, hex(randomblob(8)), 'artist', 10000, '', ?3, ?4, ?3 - ?4, 'USD', ?5, 0)",
            params![artist, source, gross, fee, at],
        )
        .unwrap();
    }

    #[test]
    fn plans_paid_before_v043_join_the_ledger() {
        let conn = migrated();
        let rows: Vec<(String, i64, i64, i64, String)> = conn
            .prepare_cached(
                "SELECT reference, gross_micros, fee_micros, net_micros, currency FROM ledger_entries
                 WHERE source = 'subscription' ORDER BY reference",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("subscription:cs_paid".into(), 0, 29_000_000, -29_000_000, "USD".into()),
                ("subscription:cs_yen".into(), 0, 900_000_000, -900_000_000, "JPY".into()),
            ]
        );
        let months = sums_by_month(&conn, "2026-11", "2026-11").unwrap();
        assert_eq!(months.iter().map(|s| s.fee_micros).collect::<Vec<_>>(), [900_000_000, 29_000_000]);
    }

    const NOV: i64 = 1_793_491_200_000; // 2026-11-01T00:00:00Z
    const DEC: i64 = 1_796_083_200_000; // 2026-12-01T00:00:00Z

    #[test]
    fn sums_per_month_and_source_over_every_artist() {
        let conn = ledger();
        add(&conn, 1, "tip", 5_000_000, 500_000, NOV + 1);
        add(&conn, 2, "tip", 3_000_000, 300_000, NOV + 2);
        add(&conn, 2, "order", 20_000_000, 1_000_000, DEC + 5);
        add(&conn, 3, "tip", 1_000_000, 100_000, DEC - 1);
        add(&conn, 3, "tip", 9_000_000, 900_000, DEC + 86_400_000 * 40); // January
        let sums = sums_by_month(&conn, "2026-11", "2026-12").unwrap();
        let flat: Vec<_> =
            sums.iter().map(|s| (s.month.as_str(), s.source.as_str(), s.entries, s.fee_micros)).collect();
        assert_eq!(flat, [("2026-11", "tip", 3, 900_000), ("2026-12", "order", 1, 1_000_000)]);
    }

    #[test]
    fn the_monthly_sums_follow_every_change_of_the_ledger() {
        let conn = ledger();
        add(&conn, 1, "tip", 5_000_000, 500_000, NOV + 1);
        add(&conn, 1, "tip", 2_000_000, 200_000, NOV + 2);
        conn.execute("UPDATE ledger_entries SET occurred_at = ?1 WHERE id = 2", [DEC]).unwrap();
        let sums = sums_by_month(&conn, "2026-11", "2026-12").unwrap();
        assert_eq!(
            sums.iter().map(|s| (s.entries, s.gross_micros)).collect::<Vec<_>>(),
            [(1, 5_000_000), (1, 2_000_000)]
        );
        conn.execute("DELETE FROM ledger_entries WHERE id = 1", []).unwrap();
        let sums = sums_by_month(&conn, "2026-11", "2026-12").unwrap();
        assert_eq!(sums.iter().map(|s| s.month.as_str()).collect::<Vec<_>>(), ["2026-12"], "no empty month is kept");
    }

    #[test]
    fn pages_hold_whole_artists_in_id_order() {
        let conn = ledger();
        for artist in 1..=7 {
            let at = if artist % 2 == 0 { NOV } else { DEC };
            add(&conn, artist, "tip", artist * 1_000_000, 0, at);
            add(&conn, artist, "order", artist * 2_000_000, 0, at);
        }
        let (first, more) = artist_page(&conn, "2026-12", None, 2).unwrap();
        assert_eq!(first.iter().map(|(a, s)| (a.0, s.len())).collect::<Vec<_>>(), [(1, 2), (3, 2)]);
        assert!(more);
        let (second, more) = artist_page(&conn, "2026-12", Some(ArtistId(3)), 2).unwrap();
        assert_eq!(second.iter().map(|(a, _)| a.0).collect::<Vec<_>>(), [5, 7]);
        assert!(!more);
        assert_eq!(second[1].1[1].gross_micros, 7_000_000, "artist 7's tips");
        assert_eq!(artist_page(&conn, "2026-10", None, 2).unwrap(), (Vec::new(), false));
    }

    #[test]
    fn every_read_is_a_range_of_the_monthly_key() {
        let conn = ledger();
        for (sql, n) in [(SUMS_BY_MONTH, 2), (ARTIST_IDS, 3)] {
            let all = params!["2026-01", 0, 10];
            let plan: Vec<String> = conn
                .prepare_cached(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(&all[..n], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join("\n");
            assert!(plan.contains("SEARCH ledger_months USING PRIMARY KEY (month"), "{sql}\n{plan}");
        }
    }
}
