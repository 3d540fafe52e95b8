//! Music's SQL for royalty imports, their payments and unmatched rows.

use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::{ArtistId, UserId};

/// Every track that can earn: its ISRC, its release's UPC, title and artist.
pub struct EarningTrack {
    pub id: i64,
    pub artist: ArtistId,
    pub title: String,
    pub isrc: Option<String>,
    pub upc: Option<String>,
}

pub fn list_earning_tracks(conn: &Connection) -> rusqlite::Result<Vec<EarningTrack>> {
    conn.prepare_cached(
        "SELECT t.id, r.artist_id, t.title, t.isrc, r.upc FROM music_tracks t
         JOIN music_releases r ON r.id = t.release_id
         WHERE t.deleted_at IS NULL AND r.deleted_at IS NULL AND r.status != 'draft'",
    )?
    .query_map([], |r| {
        Ok(EarningTrack { id: r.get(0)?, artist: r.get(1)?, title: r.get(2)?, isrc: r.get(3)?, upc: r.get(4)? })
    })?
    .collect()
}

/// The import of this file, if it was imported before: (uid, created_at).
pub fn find_import_by_hash(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<(String, i64)>> {
    conn.prepare_cached("SELECT uid, created_at FROM royalty_imports WHERE sha256 = ?1")?
        .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

pub struct NewImport<'a> {
    pub uid: &'a str,
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub format: &'a str,
    pub rows: usize,
    pub matched: usize,
    pub unmatched: usize,
    pub by: Option<UserId>,
}

pub fn insert_import(conn: &Connection, new: &NewImport<'_>, now: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO royalty_imports (uid, sha256, file_name, format, row_count, matched_rows, unmatched_rows,
             imported_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        new.uid,
        new.sha256,
        new.file_name,
        new.format,
        new.rows as i64,
        new.matched as i64,
        new.unmatched as i64,
        new.by,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

pub struct NewPayment<'a> {
    pub import: i64,
    pub track: i64,
    pub period: &'a str,
    pub currency: &'a str,
    pub quantity: i64,
    pub amount_micros: i64,
    pub rows: i64,
}

pub fn insert_payment(conn: &Connection, new: &NewPayment<'_>) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO royalty_payments (import_id, track_id, period, currency, quantity, amount_micros, row_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        new.import,
        new.track,
        new.period,
        new.currency,
        new.quantity,
        new.amount_micros,
        new.rows
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A statement row that matched no track, held for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRow {
    pub line: i64,
    pub isrc: Option<String>,
    pub upc: Option<String>,
    pub title: String,
    pub store: String,
    pub period: String,
    pub quantity: i64,
    pub amount_micros: i64,
    pub currency: String,
}

pub fn insert_unmatched(conn: &Connection, import: i64, row: &UnmatchedRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO royalty_unmatched (import_id, line, isrc, upc, title, store, period, quantity, amount_micros,
             currency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        import,
        row.line,
        row.isrc,
        row.upc,
        row.title,
        row.store,
        row.period,
        row.quantity,
        row.amount_micros,
        row.currency
    ])?;
    Ok(())
}

pub fn list_unmatched(conn: &Connection, import_uid: &str, limit: usize) -> rusqlite::Result<Vec<UnmatchedRow>> {
    conn.prepare_cached(
        "SELECT u.line, u.isrc, u.upc, u.title, u.store, u.period, u.quantity, u.amount_micros, u.currency
         FROM royalty_unmatched u JOIN royalty_imports i ON i.id = u.import_id
         WHERE i.uid = ?1 ORDER BY u.line LIMIT ?2",
    )?
    .query_map(params![import_uid, limit as i64], |r| {
        Ok(UnmatchedRow {
            line: r.get(0)?,
            isrc: r.get(1)?,
            upc: r.get(2)?,
            title: r.get(3)?,
            store: r.get(4)?,
            period: r.get(5)?,
            quantity: r.get(6)?,
            amount_micros: r.get(7)?,
            currency: r.get(8)?,
        })
    })?
    .collect()
}

/// An import as the admin's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub uid: String,
    pub file_name: String,
    pub format: String,
    pub rows: i64,
    pub matched: i64,
    pub unmatched: i64,
    pub created_at: i64,
}

fn import_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ImportRow> {
    Ok(ImportRow {
        uid: r.get(0)?,
        file_name: r.get(1)?,
        format: r.get(2)?,
        rows: r.get(3)?,
        matched: r.get(4)?,
        unmatched: r.get(5)?,
        created_at: r.get(6)?,
    })
}

pub fn list_imports(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<ImportRow>> {
    conn.prepare_cached(
        "SELECT uid, file_name, format, row_count, matched_rows, unmatched_rows, created_at
         FROM royalty_imports ORDER BY id DESC LIMIT ?1",
    )?
    .query_map([limit as i64], import_row)?
    .collect()
}

pub fn find_import(conn: &Connection, uid: &str) -> rusqlite::Result<Option<ImportRow>> {
    conn.prepare_cached(
        "SELECT uid, file_name, format, row_count, matched_rows, unmatched_rows, created_at
         FROM royalty_imports WHERE uid = ?1",
    )?
    .query_row([uid], import_row)
    .optional()
}

pub fn save_mapping(conn: &Connection, name: &str, json: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO royalty_mappings (name, mapping, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
    )?
    .execute(params![name, json, now])?;
    Ok(())
}

pub fn find_mapping(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT mapping FROM royalty_mappings WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()
}

pub fn list_mapping_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT name FROM royalty_mappings ORDER BY name")?.query_map([], |r| r.get(0))?.collect()
}
