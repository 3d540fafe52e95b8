//! The ledger's SQL.

use rusqlite::{Connection, params};

use super::{Holder, Income, Micros};
use crate::core::ids::ArtistId;

pub struct NewEntry<'a> {
    pub income: &'a Income<'a>,
    pub holder: &'a Holder,
    pub basis_points: u32,
    pub gross: Micros,
    pub net: Micros,
}

pub fn insert_entry(conn: &Connection, row: &NewEntry<'_>, now: i64) -> rusqlite::Result<()> {
    let income = row.income;
    conn.prepare_cached(
        "INSERT INTO ledger_entries (artist_id, source, reference, share_key, collaborator_name, collaborator_email,
             collaborator_user_id, basis_points, track_id, description, gross_micros, fee_micros, net_micros,
             currency, occurred_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        income.artist,
        income.source,
        income.reference,
        row.holder.key,
        row.holder.name,
        row.holder.email,
        row.holder.user_id,
        row.basis_points,
        income.track_id,
        income.description,
        row.gross.0,
        row.gross.0 - row.net.0,
        row.net.0,
        income.currency,
        income.occurred_at,
        now
    ])?;
    Ok(())
}

pub fn reference_recorded(conn: &Connection, reference: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM ledger_entries WHERE reference = ?1")?.exists([reference])
}

/// A ledger row as the earnings views read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub source: String,
    pub reference: String,
    pub share_key: String,
    pub collaborator_name: String,
    pub basis_points: i64,
    pub track_id: Option<i64>,
    pub description: String,
    pub gross_micros: i64,
    pub net_micros: i64,
    pub currency: String,
    pub occurred_at: i64,
}

/// An artist's ledger rows, newest first.
pub fn list_entries(conn: &Connection, artist: ArtistId, limit: usize) -> rusqlite::Result<Vec<EntryRow>> {
    conn.prepare_cached(
        "SELECT source, reference, share_key, collaborator_name, basis_points, track_id, description, gross_micros,
             net_micros, currency, occurred_at
         FROM ledger_entries WHERE artist_id = ?1 ORDER BY occurred_at DESC, id DESC LIMIT ?2",
    )?
    .query_map(params![artist, limit as i64], |r| {
        Ok(EntryRow {
            source: r.get(0)?,
            reference: r.get(1)?,
            share_key: r.get(2)?,
            collaborator_name: r.get(3)?,
            basis_points: r.get(4)?,
            track_id: r.get(5)?,
            description: r.get(6)?,
            gross_micros: r.get(7)?,
            net_micros: r.get(8)?,
            currency: r.get(9)?,
            occurred_at: r.get(10)?,
        })
    })?
    .collect()
}

/// What a track earned per holder and currency: (share key, collaborator
/// name, currency, net micros), largest first.
pub fn sum_for_track(conn: &Connection, track: i64) -> rusqlite::Result<Vec<(String, String, String, i64)>> {
    conn.prepare_cached(
        "SELECT share_key, MAX(collaborator_name), currency, SUM(net_micros) FROM ledger_entries
         WHERE track_id = ?1 GROUP BY share_key, currency ORDER BY SUM(net_micros) DESC",
    )?
    .query_map([track], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
    .collect()
}

/// A ledger row as the CSV export writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub id: i64,
    pub source: String,
    pub description: String,
    pub collaborator_name: String,
    pub share_key: String,
    pub gross_micros: i64,
    pub fee_micros: i64,
    pub net_micros: i64,
    pub currency: String,
    pub occurred_at: i64,
}

/// An artist's earnings rows (their plan's payments left out: those are the
/// platform's income) with `from <= occurred_at < to`, oldest first, after
/// the (occurred_at, id) cursor: pages by the artist's index, never OFFSET.
pub fn list_range(
    conn: &Connection,
    artist: ArtistId,
    (from, to): (i64, i64),
    after: Option<(i64, i64)>,
    limit: usize,
) -> rusqlite::Result<Vec<ExportRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, i64::MIN));
    conn.prepare_cached(
        "SELECT id, source, description, collaborator_name, share_key, gross_micros, fee_micros, net_micros, currency,
             occurred_at
         FROM ledger_entries
         WHERE artist_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 AND (occurred_at, id) > (?4, ?5)
             AND source <> 'subscription'
         ORDER BY occurred_at, id LIMIT ?6",
    )?
    .query_map(params![artist, from, to, after_at, after_id, limit as i64], |r| {
        Ok(ExportRow {
            id: r.get(0)?,
            source: r.get(1)?,
            description: r.get(2)?,
            collaborator_name: r.get(3)?,
            share_key: r.get(4)?,
            gross_micros: r.get(5)?,
            fee_micros: r.get(6)?,
            net_micros: r.get(7)?,
            currency: r.get(8)?,
            occurred_at: r.get(9)?,
        })
    })?
    .collect()
}
