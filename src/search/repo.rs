//! All of search's SQL: the documents its handlers keep (the FTS tables
//! follow them by triggers, see V028), the searches, and explore's counts.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

pub const DAY_MS: i64 = 86_400_000;

// ---- documents -----------------------------------------------------------

pub struct ArtistDoc<'a> {
    pub id: i64,
    pub uid: &'a str,
    pub handle: &'a str,
    pub stage_name: &'a str,
    pub photo_key: Option<&'a str>,
    pub completed: bool,
}

pub fn upsert_artist(conn: &Connection, doc: &ArtistDoc<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_artists (id, uid, handle, stage_name, photo_key, completed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, stage_name = excluded.stage_name,
             photo_key = excluded.photo_key, completed = excluded.completed",
    )?
    .execute(params![doc.id, doc.uid, doc.handle, doc.stage_name, doc.photo_key, doc.completed])?;
    Ok(())
}

/// Suspends or reinstates; an artist not seen yet gets a row (unlisted
/// until their profile arrives) so a later profile save keeps the flag.
pub fn set_artist_suspended(conn: &Connection, artist: i64, uid: &str, suspended: bool) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_artists (id, uid, suspended) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET suspended = excluded.suspended",
    )?
    .execute(params![artist, uid, suspended])?;
    Ok(())
}

/// A follow begun (`delta` 1) or ended (-1): the artist's followers and,
/// when `day` is given, that day's follows.
pub fn count_follow(conn: &Connection, artist: i64, day: i64, delta: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE search_artists SET followers = max(followers + ?2, 0) WHERE id = ?1")?
        .execute(params![artist, delta])?;
    add_artist_day(conn, artist, day, delta, 0)
}

pub fn count_like(conn: &Connection, artist: i64, day: i64, delta: i64) -> rusqlite::Result<()> {
    add_artist_day(conn, artist, day, 0, delta)
}

fn add_artist_day(conn: &Connection, artist: i64, day: i64, follows: i64, likes: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_artist_days (day, artist_id, follows, likes) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (day, artist_id) DO UPDATE SET follows = follows + excluded.follows, likes = likes + excluded.likes",
    )?
    .execute(params![day, artist, follows, likes])?;
    conn.prepare_cached(
        "DELETE FROM search_artist_days WHERE day = ?1 AND artist_id = ?2 AND follows <= 0 AND likes <= 0",
    )?
    .execute(params![day, artist])?;
    Ok(())
}

pub struct BopDoc<'a> {
    pub id: i64,
    pub uid: &'a str,
    pub artist_id: i64,
    pub caption: &'a str,
    pub hashtags: &'a [String],
    pub poster_key: Option<&'a str>,
    pub published_at: i64,
}

pub fn insert_bop(conn: &Connection, doc: &BopDoc<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_bops (id, uid, artist_id, caption, tags, poster_key, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        doc.id,
        doc.uid,
        doc.artist_id,
        doc.caption,
        doc.hashtags.join(" "),
        doc.poster_key,
        doc.published_at
    ])?;
    Ok(())
}

/// A new caption for an indexed Bop (one that is not indexed stays out).
pub fn update_bop_caption(conn: &Connection, uid: &str, caption: &str, hashtags: &[String]) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE search_bops SET caption = ?2, tags = ?3 WHERE uid = ?1")?.execute(params![
        uid,
        caption,
        hashtags.join(" ")
    ])?;
    Ok(())
}

pub fn delete_bop(conn: &Connection, uid: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM search_bops WHERE uid = ?1")?.execute([uid])?;
    Ok(())
}

pub fn upsert_track(
    conn: &Connection,
    uid: &str,
    release_uid: &str,
    artist_id: i64,
    title: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_tracks (uid, release_uid, artist_id, title) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (uid) DO UPDATE SET title = excluded.title, release_uid = excluded.release_uid",
    )?
    .execute(params![uid, release_uid, artist_id, title])?;
    Ok(())
}

/// A track the label hid leaves the index.
pub fn delete_track(conn: &Connection, uid: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM search_tracks WHERE uid = ?1")?.execute([uid])?;
    Ok(())
}

pub fn delete_release_tracks(conn: &Connection, release_uid: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM search_tracks WHERE release_uid = ?1")?.execute([release_uid])?;
    Ok(())
}

pub struct ProductDoc<'a> {
    pub id: i64,
    pub uid: &'a str,
    pub artist_id: i64,
    pub title: &'a str,
    pub tags: &'a [String],
    pub price_minor: Option<i64>,
    pub currency: Option<&'a str>,
}

pub fn upsert_product(conn: &Connection, doc: &ProductDoc<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO search_products (id, uid, artist_id, title, tags, price_minor, currency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, tags = excluded.tags,
             price_minor = excluded.price_minor, currency = excluded.currency",
    )?
    .execute(params![
        doc.id,
        doc.uid,
        doc.artist_id,
        doc.title,
        product_tags(doc.tags),
        doc.price_minor,
        doc.currency
    ])?;
    Ok(())
}

/// Product tags are free text ("tour 2025"): each becomes words of the
/// `tags` column (the tokenizer folds case).
fn product_tags(tags: &[String]) -> String {
    tags.join(" ")
}

pub fn delete_product(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM search_products WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// Forgets per-day counts older than `before_day`.
pub fn prune_days(conn: &Connection, before_day: i64) -> rusqlite::Result<usize> {
    let tags = conn.execute_cached("DELETE FROM search_tag_days WHERE day < ?1", [before_day])?;
    let artists = conn.execute_cached("DELETE FROM search_artist_days WHERE day < ?1", [before_day])?;
    Ok(tags + artists)
}

pub fn is_built(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row_cached("SELECT built_at IS NOT NULL FROM search_meta WHERE id = 1", [], |r| r.get(0))
}

// ---- searches ------------------------------------------------------------

/// An artist as results show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistHit {
    pub uid: String,
    pub handle: String,
    pub stage_name: String,
    pub photo_key: Option<String>,
}

fn artist_hit(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ArtistHit> {
    Ok(ArtistHit { uid: r.get(at)?, handle: r.get(at + 1)?, stage_name: r.get(at + 2)?, photo_key: r.get(at + 3)? })
}

/// Who may be found: a finished profile, not suspended.
const LISTED: &str = "a.completed = 1 AND a.suspended = 0";

/// Best match first (bm25, handle weighted over name, rounded so near
/// ties go to the artist with more followers).
pub fn search_artists(conn: &Connection, expression: &str, limit: usize) -> rusqlite::Result<Vec<ArtistHit>> {
    let sql = format!(
        "SELECT a.uid, a.handle, a.stage_name, a.photo_key FROM search_artists_fts f
         JOIN search_artists a ON a.id = f.rowid
         WHERE search_artists_fts MATCH ?1 AND {LISTED}
         ORDER BY round(bm25(search_artists_fts, 2.0, 1.0), 1), a.followers DESC, a.id LIMIT ?2"
    );
    conn.prepare_cached(&sql)?.query_map(params![expression, limit as i64], |r| artist_hit(r, 0))?.collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BopHit {
    pub uid: String,
    pub caption: String,
    pub poster_key: Option<String>,
    pub published_at: i64,
    pub artist: ArtistHit,
}

/// Newest matches first. One word: FTS5 walks its postings down the
/// rowids and stops at the limit, so a word in every fifth of a million
/// Bops costs `limit` rows, not two hundred thousand (not bm25: its
/// statistics read every match first). Several words: intersected with a
/// bound on the work (`bounded`). A suspended artist's Bops are left out.
pub fn search_bops(conn: &Connection, words: &[String], limit: usize) -> rusqlite::Result<Vec<BopHit>> {
    let sql = format!(
        "SELECT b.uid, b.caption, b.poster_key, b.published_at, a.uid, a.handle, a.stage_name, a.photo_key
         FROM search_bops_fts f
         JOIN search_bops b ON b.id = f.rowid
         JOIN search_artists a ON a.id = b.artist_id
         WHERE search_bops_fts MATCH ?1 AND {LISTED}
         ORDER BY f.rowid DESC LIMIT ?2"
    );
    match words {
        [] => Ok(Vec::new()),
        [word] => conn.prepare_cached(&sql)?.query_map(params![word, limit as i64], bop_hit)?.collect(),
        _ => {
            let ids = super::bounded::matching(conn, words, limit)?;
            let by_id = format!(
                "SELECT b.uid, b.caption, b.poster_key, b.published_at, a.uid, a.handle, a.stage_name, a.photo_key
                 FROM search_bops b JOIN search_artists a ON a.id = b.artist_id WHERE b.id = ?1 AND {LISTED}"
            );
            let mut one = conn.prepare_cached(&by_id)?;
            let mut hits = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(hit) = one.query_row([id], bop_hit).optional()? {
                    hits.push(hit);
                }
            }
            Ok(hits)
        }
    }
}

fn bop_hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<BopHit> {
    Ok(BopHit {
        uid: r.get(0)?,
        caption: r.get(1)?,
        poster_key: r.get(2)?,
        published_at: r.get(3)?,
        artist: artist_hit(r, 4)?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackHit {
    pub uid: String,
    pub title: String,
    pub release_uid: String,
    pub artist: ArtistHit,
}

pub fn search_tracks(conn: &Connection, expression: &str, limit: usize) -> rusqlite::Result<Vec<TrackHit>> {
    let sql = format!(
        "SELECT t.uid, t.title, t.release_uid, a.uid, a.handle, a.stage_name, a.photo_key FROM search_tracks_fts f
         JOIN search_tracks t ON t.id = f.rowid
         JOIN search_artists a ON a.id = t.artist_id
         WHERE search_tracks_fts MATCH ?1 AND {LISTED}
         ORDER BY round(bm25(search_tracks_fts), 1), a.followers DESC, t.id DESC LIMIT ?2"
    );
    conn.prepare_cached(&sql)?
        .query_map(params![expression, limit as i64], |r| {
            Ok(TrackHit { uid: r.get(0)?, title: r.get(1)?, release_uid: r.get(2)?, artist: artist_hit(r, 3)? })
        })?
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductHit {
    pub uid: String,
    pub title: String,
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub artist: ArtistHit,
}

pub fn search_products(conn: &Connection, expression: &str, limit: usize) -> rusqlite::Result<Vec<ProductHit>> {
    let sql = format!(
        "SELECT p.uid, p.title, p.price_minor, p.currency, a.uid, a.handle, a.stage_name, a.photo_key
         FROM search_products_fts f
         JOIN search_products p ON p.id = f.rowid
         JOIN search_artists a ON a.id = p.artist_id
         WHERE search_products_fts MATCH ?1 AND {LISTED}
         ORDER BY round(bm25(search_products_fts, 2.0, 1.0), 1), a.followers DESC, p.id DESC LIMIT ?2"
    );
    conn.prepare_cached(&sql)?
        .query_map(params![expression, limit as i64], |r| {
            Ok(ProductHit {
                uid: r.get(0)?,
                title: r.get(1)?,
                price_minor: r.get(2)?,
                currency: r.get(3)?,
                artist: artist_hit(r, 4)?,
            })
        })?
        .collect()
}

// ---- explore -------------------------------------------------------------

/// Hashtags by public Bops published since `from_day`, most first.
pub fn trending_tags(conn: &Connection, from_day: i64, limit: usize) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached(
        "SELECT tag, sum(bops) AS n FROM search_tag_days WHERE day >= ?1 GROUP BY tag ORDER BY n DESC, tag LIMIT ?2",
    )?
    .query_map(params![from_day, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Findable artists with follows (three points each) and likes since
/// `from_day`, most first.
pub fn trending_artists(conn: &Connection, from_day: i64, limit: usize) -> rusqlite::Result<Vec<ArtistHit>> {
    let sql = format!(
        "SELECT a.uid, a.handle, a.stage_name, a.photo_key
         FROM (SELECT artist_id, sum(follows * 3 + likes) AS score FROM search_artist_days
               WHERE day >= ?1 GROUP BY artist_id) d
         JOIN search_artists a ON a.id = d.artist_id
         WHERE {LISTED} AND d.score > 0
         ORDER BY d.score DESC, a.followers DESC, a.id LIMIT ?2"
    );
    conn.prepare_cached(&sql)?.query_map(params![from_day, limit as i64], |r| artist_hit(r, 0))?.collect()
}

/// Findable artists with the most followers (an index walk): what fills
/// explore on a quiet week.
pub fn most_followed_artists(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<ArtistHit>> {
    let sql = format!(
        "SELECT a.uid, a.handle, a.stage_name, a.photo_key FROM search_artists a
         WHERE {LISTED} ORDER BY a.followers DESC LIMIT ?1"
    );
    conn.prepare_cached(&sql)?.query_map([limit as i64], |r| artist_hit(r, 0))?.collect()
}
