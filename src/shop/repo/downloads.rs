//! Files of digital products and the buyers' rights to download them.

use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::{ArtistId, OrderId, ProductId, UserId};

#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: i64,
    pub uid: String,
    pub product_id: ProductId,
    pub name: String,
    pub media_key: String,
    pub bytes: i64,
    pub content_type: String,
}

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        product_id: r.get(2)?,
        name: r.get(3)?,
        media_key: r.get(4)?,
        bytes: r.get(5)?,
        content_type: r.get(6)?,
    })
}

pub fn files_of(conn: &Connection, product: ProductId) -> rusqlite::Result<Vec<FileRow>> {
    conn.prepare_cached(
        "SELECT id, uid, product_id, name, media_key, bytes, content_type FROM product_files
         WHERE product_id = ?1 AND deleted_at IS NULL ORDER BY id",
    )?
    .query_map([product], file_row)?
    .collect()
}

pub struct NewFile<'a> {
    pub uid: &'a str,
    pub product: ProductId,
    pub name: &'a str,
    pub media_key: &'a str,
    pub bytes: i64,
    pub content_type: &'a str,
}

pub fn insert_file(conn: &Connection, file: &NewFile<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO product_files (uid, product_id, name, media_key, bytes, content_type, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![file.uid, file.product, file.name, file.media_key, file.bytes, file.content_type, now])?;
    Ok(())
}

/// Removes a file from sale; returns its key when the caller may delete
/// the media (no purchase refers to it).
pub fn delete_file(conn: &Connection, product: ProductId, uid: &str, now: i64) -> rusqlite::Result<Option<String>> {
    let key: Option<(i64, String)> = conn
        .prepare_cached(
            "UPDATE product_files SET deleted_at = ?3 WHERE uid = ?1 AND product_id = ?2 AND deleted_at IS NULL
             RETURNING id, media_key",
        )?
        .query_row(params![uid, product, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, key)) = key else { return Ok(None) };
    let bought = conn.prepare_cached("SELECT 1 FROM download_grants WHERE file_id = ?1")?.exists([id])?;
    Ok((!bought).then_some(key))
}

/// Whether `key` is a product file (never public: only through grants).
pub fn is_product_file(conn: &Connection, key: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM product_files WHERE media_key = ?1")?.exists([key])
}

pub struct NewGrant<'a> {
    pub token: &'a str,
    pub item: i64,
    pub file: i64,
    pub fan: UserId,
    pub max_downloads: i64,
    pub expires_at: i64,
}

pub fn insert_grant(conn: &Connection, grant: &NewGrant<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO download_grants (token, order_item_id, file_id, fan_user_id, max_downloads, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![grant.token, grant.item, grant.file, grant.fan, grant.max_downloads, grant.expires_at, now])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: i64,
    pub token: String,
    pub fan_user_id: UserId,
    pub item_title: String,
    pub file_name: String,
    pub media_key: String,
    pub bytes: i64,
    pub content_type: String,
    pub max_downloads: i64,
    pub downloads: i64,
    pub expires_at: i64,
    pub revoked: bool,
    pub artist_id: ArtistId,
    pub order_uid: String,
}

const GRANT_SELECT: &str = "SELECT g.id, g.token, g.fan_user_id, i.title, f.name, f.media_key, f.bytes,
        f.content_type, g.max_downloads, g.downloads, g.expires_at, g.revoked_at IS NOT NULL, o.artist_id, o.uid
     FROM download_grants g JOIN order_items i ON i.id = g.order_item_id JOIN product_files f ON f.id = g.file_id
     JOIN orders o ON o.id = i.order_id";

fn grant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        id: r.get(0)?,
        token: r.get(1)?,
        fan_user_id: r.get(2)?,
        item_title: r.get(3)?,
        file_name: r.get(4)?,
        media_key: r.get(5)?,
        bytes: r.get(6)?,
        content_type: r.get(7)?,
        max_downloads: r.get(8)?,
        downloads: r.get(9)?,
        expires_at: r.get(10)?,
        revoked: r.get(11)?,
        artist_id: r.get(12)?,
        order_uid: r.get(13)?,
    })
}

pub fn grants_of_order(conn: &Connection, order: OrderId) -> rusqlite::Result<Vec<GrantRow>> {
    conn.prepare_cached(&format!("{GRANT_SELECT} WHERE i.order_id = ?1 ORDER BY g.id"))?
        .query_map([order], grant_row)?
        .collect()
}

pub fn find_grant(conn: &Connection, token: &str) -> rusqlite::Result<Option<GrantRow>> {
    conn.prepare_cached(&format!("{GRANT_SELECT} WHERE g.token = ?1"))?.query_row([token], grant_row).optional()
}

/// Counts one download if the grant still allows one; false otherwise.
pub fn use_grant(conn: &Connection, grant: i64, now: i64, ip: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE download_grants SET downloads = downloads + 1
             WHERE id = ?1 AND downloads < max_downloads AND expires_at > ?2 AND revoked_at IS NULL",
        )?
        .execute(params![grant, now])?;
    if changed == 1 {
        conn.prepare_cached("INSERT INTO download_log (grant_id, at, ip) VALUES (?1, ?2, ?3)")?
            .execute(params![grant, now, ip])?;
    }
    Ok(changed == 1)
}

/// Ends the grants of a refunded item.
pub fn revoke_grants_of_item(conn: &Connection, item: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE download_grants SET revoked_at = ?2 WHERE order_item_id = ?1 AND revoked_at IS NULL")?
        .execute(params![item, now])?;
    Ok(())
}
