//! Label-wide sums of the ledger: what every artist's rows add up to in a
//! span of time, per month, currency and source — the label console's money
//! page reads these, never the pillar tables.
//!
//! Bounded by the artist index `ledger_entries_artist (artist_id,
//! occurred_at)`: the artists that have rows are found by a loose index scan
//! (one seek per artist, `MIN(artist_id) > previous`), and each artist's span
//! is an index range. So a request costs one seek per artist plus the rows of
//! the span it sums, never a scan of the whole ledger.

use rusqlite::{Connection, OptionalExtension, params};

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

/// The distinct artists with ledger rows, one index seek each.
const ARTISTS_WITH_ROWS: &str = "WITH RECURSIVE ids(id) AS (
         SELECT (SELECT MIN(artist_id) FROM ledger_entries)
         UNION ALL
         SELECT (SELECT MIN(artist_id) FROM ledger_entries WHERE artist_id > ids.id) FROM ids WHERE ids.id IS NOT NULL
     )";

/// CROSS JOIN keeps the artist list outside, so each artist's span is read
/// through the artist index rather than by scanning the ledger.
fn sums_by_month_sql() -> String {
    format!(
        "{ARTISTS_WITH_ROWS}
         SELECT strftime('%Y-%m', l.occurred_at / 1000, 'unixepoch') AS month, l.currency, l.source, COUNT(*),
                SUM(l.gross_micros), SUM(l.fee_micros), SUM(l.net_micros)
         FROM ids CROSS JOIN ledger_entries l
             ON l.artist_id = ids.id AND l.occurred_at >= ?1 AND l.occurred_at < ?2
         GROUP BY month, l.currency, l.source
         ORDER BY month, l.currency, l.source"
    )
}

/// Every artist's rows with `from <= occurred_at < to`, summed per month
/// (UTC), currency and source, in that order.
pub fn sums_by_month(conn: &Connection, (from, to): (i64, i64)) -> rusqlite::Result<Vec<SourceSum>> {
    conn.prepare_cached(&sums_by_month_sql())?
        .query_map(params![from, to], |r| {
            Ok(SourceSum {
                month: r.get(0)?,
                currency: r.get(1)?,
                source: r.get(2)?,
                entries: r.get(3)?,
                gross_micros: r.get(4)?,
                fee_micros: r.get(5)?,
                net_micros: r.get(6)?,
            })
        })?
        .collect()
}

/// The first artist after `after` (by id) that has any ledger row.
fn next_artist(conn: &Connection, after: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT MIN(artist_id) FROM ledger_entries WHERE artist_id > ?1")?
        .query_row([after], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// One artist's rows in a span, summed per currency and source.
pub fn artist_sums(conn: &Connection, artist: ArtistId, (from, to): (i64, i64)) -> rusqlite::Result<Vec<SourceSum>> {
    conn.prepare_cached(
        "SELECT strftime('%Y-%m', ?2 / 1000, 'unixepoch'), currency, source, COUNT(*), SUM(gross_micros),
                SUM(fee_micros), SUM(net_micros)
         FROM ledger_entries WHERE artist_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3
         GROUP BY currency, source ORDER BY currency, source",
    )?
    .query_map(params![artist, from, to], |r| {
        Ok(SourceSum {
            month: r.get(0)?,
            currency: r.get(1)?,
            source: r.get(2)?,
            entries: r.get(3)?,
            gross_micros: r.get(4)?,
            fee_micros: r.get(5)?,
            net_micros: r.get(6)?,
        })
    })?
    .collect()
}

/// A page of artists with rows in the span: up to `limit` artists after
/// `after` (by artist id, the keyset), each with its sums; and whether
/// more follow. Artists without rows in the span are stepped over by index
/// seeks, so a page costs at most one seek per artist of the label.
pub fn artist_page(
    conn: &Connection,
    span: (i64, i64),
    after: Option<ArtistId>,
    limit: usize,
) -> rusqlite::Result<(Vec<ArtistSums>, bool)> {
    let mut cursor = after.map_or(i64::MIN, |a| a.0);
    let mut page = Vec::new();
    while let Some(id) = next_artist(conn, cursor)? {
        cursor = id;
        let sums = artist_sums(conn, ArtistId(id), span)?;
        if sums.is_empty() {
            continue;
        }
        if page.len() == limit {
            return Ok((page, true));
        }
        page.push((ArtistId(id), sums));
    }
    Ok((page, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE ledger_entries (id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL, source TEXT NOT NULL,
                 gross_micros INTEGER NOT NULL, fee_micros INTEGER NOT NULL, net_micros INTEGER NOT NULL,
                 currency TEXT NOT NULL, occurred_at INTEGER NOT NULL);
             CREATE INDEX ledger_entries_artist ON ledger_entries (artist_id, occurred_at);",
        )
        .unwrap();
        conn
    }

    fn add(conn: &Connection, artist: i64, source: &str, gross: i64, fee: i64, at: i64) {
        conn.execute(
            "INSERT INTO ledger_entries (artist_id, source, gross_micros, fee_micros, net_micros, currency, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?3 - ?4, 'USD', ?5)",
            params![artist, source, gross, fee, at],
        )
        .unwrap();
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
        add(&conn, 3, "tip", 9_000_000, 900_000, DEC + 86_400_000 * 40); // after the span
        let sums = sums_by_month(&conn, (NOV, DEC + 86_400_000 * 31)).unwrap();
        let flat: Vec<_> =
            sums.iter().map(|s| (s.month.as_str(), s.source.as_str(), s.entries, s.fee_micros)).collect();
        assert_eq!(flat, [("2026-11", "tip", 3, 900_000), ("2026-12", "order", 1, 1_000_000)]);
    }

    #[test]
    fn pages_step_over_artists_without_rows_in_the_span() {
        let conn = ledger();
        for artist in 1..=7 {
            let at = if artist % 2 == 0 { NOV } else { DEC };
            add(&conn, artist, "tip", artist * 1_000_000, 0, at);
        }
        let span = (DEC, DEC + 86_400_000);
        let (first, more) = artist_page(&conn, span, None, 2).unwrap();
        assert_eq!(first.iter().map(|(a, _)| a.0).collect::<Vec<_>>(), [1, 3]);
        assert!(more);
        let (second, more) = artist_page(&conn, span, Some(ArtistId(3)), 2).unwrap();
        assert_eq!(second.iter().map(|(a, _)| a.0).collect::<Vec<_>>(), [5, 7]);
        assert!(!more);
        assert_eq!(second[1].1[0].gross_micros, 7_000_000);
    }

    #[test]
    fn the_sums_read_each_artist_through_the_artist_index() {
        let conn = ledger();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sums_by_month_sql()))
            .unwrap()
            .query_map([1, 2], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains(
                "SEARCH l USING INDEX ledger_entries_artist (artist_id=? AND occurred_at>? AND occurred_at<?)"
            ),
            "{plan}"
        );
        assert!(!plan.contains("SCAN l"), "{plan}");
    }
}
