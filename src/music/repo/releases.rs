//! Music's SQL for releases, their history and the code sequences.

use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::{ArtistId, UserId};
use crate::music::domain::{ReleaseDraft, ReleaseKind, ReleaseStatus};

/// A release as stored.
#[derive(Debug, Clone)]
pub struct ReleaseRow {
    pub id: i64,
    pub uid: String,
    pub artist_id: ArtistId,
    pub kind: ReleaseKind,
    pub title: String,
    pub version: String,
    pub featured_artists: Vec<String>,
    pub label_name: String,
    pub genre: String,
    pub subgenre: String,
    pub original_release_date: Option<String>,
    pub release_date: String,
    pub p_line: String,
    pub c_line: String,
    pub parental_advisory: String,
    pub language: String,
    pub upc: Option<String>,
    pub artwork_key: Option<String>,
    pub artwork_web_key: Option<String>,
    pub artwork_thumb_key: Option<String>,
    pub status: ReleaseStatus,
    pub published_at: Option<i64>,
    pub created_at: i64,
}

const RELEASE_COLUMNS: &str = "id, uid, artist_id, kind, title, version, featured_artists, label_name, genre, subgenre,
    original_release_date, release_date, p_line, c_line, parental_advisory, language, upc, artwork_key,
    artwork_web_key, artwork_thumb_key, status, published_at, created_at";

fn release_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReleaseRow> {
    let featured: String = r.get(6)?;
    Ok(ReleaseRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        artist_id: r.get(2)?,
        kind: r.get(3)?,
        title: r.get(4)?,
        version: r.get(5)?,
        featured_artists: serde_json::from_str(&featured)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?,
        label_name: r.get(7)?,
        genre: r.get(8)?,
        subgenre: r.get(9)?,
        original_release_date: r.get(10)?,
        release_date: r.get(11)?,
        p_line: r.get(12)?,
        c_line: r.get(13)?,
        parental_advisory: r.get(14)?,
        language: r.get(15)?,
        upc: r.get(16)?,
        artwork_key: r.get(17)?,
        artwork_web_key: r.get(18)?,
        artwork_thumb_key: r.get(19)?,
        status: r.get(20)?,
        published_at: r.get(21)?,
        created_at: r.get(22)?,
    })
}

fn featured_json(draft: &ReleaseDraft) -> String {
    serde_json::to_string(&draft.featured_artists).unwrap_or_else(|_| "[]".into())
}

/// Runs `statement` with a release's fields in the one order both the
/// insert and the update number them: `?1` uid, `?2` artist, `?3`–`?16` the
/// draft (`?12` the ℗/© year), `?17` now.
fn execute_with_draft(
    conn: &Connection,
    statement: &str,
    uid: &str,
    artist: ArtistId,
    draft: &ReleaseDraft,
    now: i64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(statement)?.execute(params![
        uid,
        artist,
        draft.kind.as_str(),
        draft.title,
        draft.version,
        featured_json(draft),
        draft.label_name,
        draft.genre,
        draft.subgenre,
        draft.original_release_date.map(|d| d.as_string()),
        draft.release_date.as_string(),
        draft.release_date.year(),
        draft.p_line,
        draft.c_line,
        draft.parental_advisory.as_str(),
        draft.language,
        now
    ])
}

pub fn insert_release(conn: &Connection, artist: ArtistId, draft: &ReleaseDraft, now: i64) -> rusqlite::Result<String> {
    let uid = crate::core::new_uid();
    execute_with_draft(
        conn,
        "INSERT INTO music_releases (uid, artist_id, kind, title, version, featured_artists, label_name, genre, subgenre,
             original_release_date, release_date, p_line_year, p_line, c_line_year, c_line, parental_advisory, language,
             status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?14, ?15, ?16, 'draft', ?17, ?17)",
        &uid,
        artist,
        draft,
        now,
    )?;
    Ok(uid)
}

/// Updates a draft's metadata; false when there is no such draft of the artist's.
pub fn update_draft(
    conn: &Connection,
    artist: ArtistId,
    uid: &str,
    draft: &ReleaseDraft,
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = execute_with_draft(
        conn,
        "UPDATE music_releases SET kind = ?3, title = ?4, version = ?5, featured_artists = ?6, label_name = ?7,
             genre = ?8, subgenre = ?9, original_release_date = ?10, release_date = ?11, p_line_year = ?12,
             p_line = ?13, c_line_year = ?12, c_line = ?14, parental_advisory = ?15, language = ?16, updated_at = ?17
         WHERE uid = ?1 AND artist_id = ?2 AND status = 'draft' AND deleted_at IS NULL",
        uid,
        artist,
        draft,
        now,
    )?;
    Ok(changed == 1)
}

/// One of the artist's releases (any state but deleted).
pub fn find_release_for_artist(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<Option<ReleaseRow>> {
    let sql = format!(
        "SELECT {RELEASE_COLUMNS} FROM music_releases WHERE artist_id = ?1 AND uid = ?2 AND deleted_at IS NULL"
    );
    conn.prepare_cached(&sql)?.query_row(params![artist, uid], release_row).optional()
}

pub fn find_release_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<ReleaseRow>> {
    let sql = format!("SELECT {RELEASE_COLUMNS} FROM music_releases WHERE id = ?1 AND deleted_at IS NULL");
    conn.prepare_cached(&sql)?.query_row([id], release_row).optional()
}

/// A published release (whether its artist may be seen is identity's to say).
pub fn find_published_release(conn: &Connection, uid: &str) -> rusqlite::Result<Option<ReleaseRow>> {
    let sql = format!(
        "SELECT {RELEASE_COLUMNS} FROM music_releases WHERE uid = ?1 AND status = 'published' AND deleted_at IS NULL"
    );
    conn.prepare_cached(&sql)?.query_row([uid], release_row).optional()
}

/// The artist's releases, newest first, after the release with id `before`.
pub fn list_releases_for_artist(
    conn: &Connection,
    artist: ArtistId,
    published_only: bool,
    before: i64,
    limit: usize,
) -> rusqlite::Result<Vec<ReleaseRow>> {
    let status = if published_only { "AND status = 'published'" } else { "" };
    let sql = format!(
        "SELECT {RELEASE_COLUMNS} FROM music_releases
         WHERE artist_id = ?1 AND deleted_at IS NULL AND id < ?2 {status} ORDER BY id DESC LIMIT {limit}"
    );
    conn.prepare_cached(&sql)?.query_map(params![artist, before], release_row)?.collect()
}

pub fn find_release_id(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM music_releases WHERE artist_id = ?1 AND uid = ?2 AND deleted_at IS NULL")?
        .query_row(params![artist, uid], |r| r.get(0))
        .optional()
}

pub struct ArtworkKeys<'a> {
    pub original: &'a str,
    pub web: &'a str,
    pub thumb: &'a str,
    pub side: u32,
}

pub fn set_artwork(conn: &Connection, release: i64, keys: &ArtworkKeys<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE music_releases SET artwork_key = ?2, artwork_web_key = ?3, artwork_thumb_key = ?4, artwork_width = ?5,
             updated_at = ?6 WHERE id = ?1",
    )?
    .execute(params![release, keys.original, keys.web, keys.thumb, keys.side, now])?;
    Ok(())
}

pub fn set_upc(conn: &Connection, release: i64, upc: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE music_releases SET upc = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![release, upc, now])?;
    Ok(())
}

/// Moves a release to `status` if it is in one of `from`; records the step.
pub fn transition(
    conn: &Connection,
    release: i64,
    from: &[ReleaseStatus],
    to: ReleaseStatus,
    by: Option<UserId>,
    note: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let current: ReleaseStatus =
        conn.prepare_cached("SELECT status FROM music_releases WHERE id = ?1")?.query_row([release], |r| r.get(0))?;
    if !from.contains(&current) {
        return Ok(false);
    }
    let published_at = (to == ReleaseStatus::Published).then_some(now);
    conn.prepare_cached(
        "UPDATE music_releases SET status = ?2, published_at = COALESCE(?3, published_at), updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![release, to.as_str(), published_at, now])?;
    conn.prepare_cached(
        "INSERT INTO music_release_history (release_id, status, note, by_user_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![release, to.as_str(), note, by, now])?;
    Ok(true)
}

/// A release's steps, oldest first.
pub fn list_history(conn: &Connection, release: i64) -> rusqlite::Result<Vec<(String, String, i64)>> {
    conn.prepare_cached("SELECT status, note, at FROM music_release_history WHERE release_id = ?1 ORDER BY id")?
        .query_map([release], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

/// Scheduled releases whose date (`YYYY-MM-DD`, UTC) has come.
pub fn list_due_releases(conn: &Connection, today: &str, limit: usize) -> rusqlite::Result<Vec<(i64, String)>> {
    let sql = format!(
        "SELECT id, uid FROM music_releases WHERE status = 'scheduled' AND release_date <= ?1 AND deleted_at IS NULL
         ORDER BY release_date LIMIT {limit}"
    );
    conn.prepare_cached(&sql)?.query_map([today], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
}

/// Takes the next number of `series`; a number taken is never given again.
pub fn take_next_code(conn: &Connection, series: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO music_code_sequences (series, next_value) VALUES (?1, 2)
         ON CONFLICT (series) DO UPDATE SET next_value = next_value + 1
         RETURNING next_value - 1",
    )?
    .query_row([series], |r| r.get(0))
}

/// Is this UPC/EAN used by any release, even a deleted or taken-down one?
pub fn upc_taken(conn: &Connection, upc: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM music_releases WHERE upc = ?1")?.exists([upc])
}

/// The status of the release whose artwork (original or derivative) is `key`.
pub fn find_artwork_release(conn: &Connection, key: &str) -> rusqlite::Result<Option<(ReleaseStatus, ArtistId)>> {
    conn.prepare_cached(
        // Artwork is stored by its content, so two releases may share it:
        // a published one decides.
        "SELECT status, artist_id FROM music_releases
         WHERE (artwork_key = ?1 OR artwork_web_key = ?1 OR artwork_thumb_key = ?1) AND deleted_at IS NULL
         ORDER BY status = 'published' DESC LIMIT 1",
    )?
    .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// The side of a release's (square) artwork in pixels.
pub fn find_artwork_side(conn: &Connection, release: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT artwork_width FROM music_releases WHERE id = ?1")?.query_row([release], |r| r.get(0))
}

pub fn find_release_id_by_uid(conn: &Connection, uid: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM music_releases WHERE uid = ?1")?.query_row([uid], |r| r.get(0)).optional()
}

/// When the artist last made one (the label's roster); `None` if never.
pub fn last_created_at(conn: &Connection, artist: crate::core::ids::ArtistId) -> rusqlite::Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT created_at FROM music_releases WHERE artist_id = ?1 AND deleted_at IS NULL ORDER BY id DESC LIMIT 1")?
        .query_row([artist], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}
