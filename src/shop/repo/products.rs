//! Products, variants, photos and files.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::core::ids::{ArtistId, ProductId, VariantId};
use crate::shop::domain::{ProductDraft, ProductKind, ProductStatus, VariantDraft};

#[derive(Debug, Clone)]
pub struct ProductRow {
    pub id: ProductId,
    pub uid: String,
    pub artist_id: ArtistId,
    pub kind: ProductKind,
    pub title: String,
    pub description_html: String,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub option_names: Vec<String>,
    pub handle: Option<String>,
    pub release_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Hidden by the label (issue 15 item 4): off sale whatever its status.
    pub hidden: bool,
}

impl ProductRow {
    /// Fans may see and buy it: active, and not hidden by the label.
    pub fn on_sale(&self) -> bool {
        self.status == ProductStatus::Active && !self.hidden
    }
}

const PRODUCT_SELECT: &str = "SELECT id, uid, artist_id, kind, title, description_html, status, tags, option_names,
        handle, release_id, created_at, updated_at, hidden_at IS NOT NULL FROM products";

fn json_list(raw: String) -> Vec<String> {
    serde_json::from_str(&raw).unwrap_or_default()
}

fn product_row(r: &Row<'_>) -> rusqlite::Result<ProductRow> {
    Ok(ProductRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        artist_id: r.get(2)?,
        kind: r.get(3)?,
        title: r.get(4)?,
        description_html: r.get(5)?,
        status: r.get(6)?,
        tags: json_list(r.get(7)?),
        option_names: json_list(r.get(8)?),
        handle: r.get(9)?,
        release_id: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        hidden: r.get(13)?,
    })
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).expect("a list of strings serialises")
}

pub fn insert_product(
    conn: &Connection,
    artist: ArtistId,
    uid: &str,
    draft: &ProductDraft,
    handle: Option<&str>,
    now: i64,
) -> rusqlite::Result<ProductId> {
    conn.prepare_cached(
        "INSERT INTO products (uid, artist_id, kind, title, description_html, status, tags, option_names, handle,
                               created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) RETURNING id",
    )?
    .query_row(
        params![
            uid,
            artist,
            draft.kind,
            draft.title,
            draft.description_html,
            draft.status,
            json(&draft.tags),
            json(&draft.option_names),
            handle,
            now
        ],
        |r| r.get(0),
    )
}

pub fn update_product(conn: &Connection, id: ProductId, draft: &ProductDraft, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE products SET kind = ?2, title = ?3, description_html = ?4, status = ?5, tags = ?6, option_names = ?7,
                updated_at = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        draft.kind,
        draft.title,
        draft.description_html,
        draft.status,
        json(&draft.tags),
        json(&draft.option_names),
        now
    ])?;
    Ok(())
}

pub fn set_product_release(conn: &Connection, id: ProductId, release_id: Option<i64>) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE products SET release_id = ?2 WHERE id = ?1", params![id, release_id])?;
    Ok(())
}

pub fn delete_product(conn: &Connection, id: ProductId, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE products SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(())
}

/// One of the artist's own products, whatever its status.
pub fn find_product_for_artist(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<Option<ProductRow>> {
    conn.prepare_cached(&format!("{PRODUCT_SELECT} WHERE uid = ?1 AND artist_id = ?2 AND deleted_at IS NULL"))?
        .query_row(params![uid, artist], product_row)
        .optional()
}

pub fn find_product_by_id(conn: &Connection, id: ProductId) -> rusqlite::Result<Option<ProductRow>> {
    conn.prepare_cached(&format!("{PRODUCT_SELECT} WHERE id = ?1 AND deleted_at IS NULL"))?
        .query_row([id], product_row)
        .optional()
}

pub fn find_product(conn: &Connection, uid: &str) -> rusqlite::Result<Option<ProductRow>> {
    conn.prepare_cached(&format!("{PRODUCT_SELECT} WHERE uid = ?1 AND deleted_at IS NULL"))?
        .query_row([uid], product_row)
        .optional()
}

pub fn find_product_by_handle(
    conn: &Connection,
    artist: ArtistId,
    handle: &str,
) -> rusqlite::Result<Option<ProductRow>> {
    conn.prepare_cached(&format!("{PRODUCT_SELECT} WHERE artist_id = ?1 AND handle = ?2 AND deleted_at IS NULL"))?
        .query_row(params![artist, handle], product_row)
        .optional()
}

/// The artist's products, newest first, before the product with row id
/// `before` (keyset); archived ones only when asked.
pub fn list_products_for_artist(
    conn: &Connection,
    artist: ArtistId,
    status: Option<ProductStatus>,
    before: Option<ProductId>,
    limit: usize,
) -> rusqlite::Result<Vec<ProductRow>> {
    conn.prepare_cached(&format!(
        "{PRODUCT_SELECT} WHERE artist_id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR status = ?2)
           AND id < ?3 ORDER BY id DESC LIMIT ?4"
    ))?
    .query_map(params![artist, status, before.map_or(i64::MAX, |b| b.0), limit as i64], product_row)?
    .collect()
}

/// Draft and active products: what the tier's product limit counts.
pub fn count_live_products(conn: &Connection, artist: ArtistId) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM products WHERE artist_id = ?1 AND deleted_at IS NULL AND status <> 'archived'",
    )?
    .query_row([artist], |r| r.get(0))
}

/// The artist of a product, deleted or not.
pub fn product_artist(conn: &Connection, id: ProductId) -> rusqlite::Result<Option<ArtistId>> {
    conn.prepare_cached("SELECT artist_id FROM products WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()
}

pub fn row_id_of(conn: &Connection, uid: &str) -> rusqlite::Result<Option<ProductId>> {
    conn.prepare_cached("SELECT id FROM products WHERE uid = ?1")?.query_row([uid], |r| r.get(0)).optional()
}

#[derive(Debug, Clone)]
pub struct VariantRow {
    pub id: VariantId,
    pub uid: String,
    pub product_id: ProductId,
    pub options: Vec<String>,
    pub sku: String,
    pub price_minor: i64,
    pub currency: String,
    pub compare_at_minor: Option<i64>,
    pub weight_grams: Option<i64>,
    pub inventory: Option<i64>,
    pub barcode: String,
    pub pod_variant_id: Option<i64>,
}

const VARIANT_SELECT: &str = "SELECT id, uid, product_id, options, sku, price_minor, currency, compare_at_minor,
        weight_grams, inventory, barcode, pod_variant_id FROM product_variants";

fn variant_row(r: &Row<'_>) -> rusqlite::Result<VariantRow> {
    Ok(VariantRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        product_id: r.get(2)?,
        options: json_list(r.get(3)?),
        sku: r.get(4)?,
        price_minor: r.get(5)?,
        currency: r.get(6)?,
        compare_at_minor: r.get(7)?,
        weight_grams: r.get(8)?,
        inventory: r.get(9)?,
        barcode: r.get(10)?,
        pod_variant_id: r.get(11)?,
    })
}

pub fn variants_of(conn: &Connection, product: ProductId) -> rusqlite::Result<Vec<VariantRow>> {
    conn.prepare_cached(&format!(
        "{VARIANT_SELECT} WHERE product_id = ?1 AND deleted_at IS NULL ORDER BY position, id"
    ))?
    .query_map([product], variant_row)?
    .collect()
}

pub fn find_variant(conn: &Connection, uid: &str) -> rusqlite::Result<Option<VariantRow>> {
    conn.prepare_cached(&format!("{VARIANT_SELECT} WHERE uid = ?1 AND deleted_at IS NULL"))?
        .query_row([uid], variant_row)
        .optional()
}

pub fn insert_variant(
    conn: &Connection,
    product: ProductId,
    uid: &str,
    draft: &VariantDraft,
    currency: &str,
    now: i64,
) -> rusqlite::Result<VariantId> {
    conn.prepare_cached(
        "INSERT INTO product_variants (uid, product_id, position, options, sku, price_minor, currency, compare_at_minor,
             weight_grams, inventory, barcode, pod_variant_id, created_at, updated_at)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(position) + 1, 0) FROM product_variants WHERE product_id = ?2),
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
         RETURNING id",
    )?
    .query_row(
        params![
            uid,
            product,
            json(&draft.options),
            draft.sku,
            draft.price_minor,
            currency,
            draft.compare_at_minor,
            draft.weight_grams,
            draft.inventory,
            draft.barcode,
            draft.pod_variant_id,
            now
        ],
        |r| r.get(0),
    )
}

pub fn update_variant(conn: &Connection, id: VariantId, draft: &VariantDraft, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_variants SET options = ?2, sku = ?3, price_minor = ?4, compare_at_minor = ?5,
                weight_grams = ?6, inventory = ?7, barcode = ?8, pod_variant_id = ?9, updated_at = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        json(&draft.options),
        draft.sku,
        draft.price_minor,
        draft.compare_at_minor,
        draft.weight_grams,
        draft.inventory,
        draft.barcode,
        draft.pod_variant_id,
        now
    ])?;
    Ok(())
}

pub fn delete_variant(conn: &Connection, id: VariantId, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE product_variants SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Takes `quantity` units off a tracked variant, only if that many are
/// there: the single writer runs these one at a time, so no two checkouts
/// can both take the last unit. True for an untracked variant.
pub fn take_stock(conn: &Connection, variant: VariantId, quantity: i64) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE product_variants SET inventory = inventory - ?2
             WHERE id = ?1 AND (inventory IS NULL OR inventory >= ?2)",
        )?
        .execute(params![variant, quantity])?;
    Ok(changed == 1)
}

/// Puts units back on a tracked variant (a hold that ended, a refund).
pub fn give_back_stock(conn: &Connection, variant: VariantId, quantity: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE product_variants SET inventory = inventory + ?2 WHERE id = ?1 AND inventory IS NOT NULL",
    )?
    .execute(params![variant, quantity])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub id: i64,
    pub product_id: ProductId,
    pub position: i64,
    pub media_key: String,
    pub thumb_key: String,
}

fn photo_row(r: &Row<'_>) -> rusqlite::Result<PhotoRow> {
    Ok(PhotoRow {
        id: r.get(0)?,
        product_id: r.get(1)?,
        position: r.get(2)?,
        media_key: r.get(3)?,
        thumb_key: r.get(4)?,
    })
}

pub fn photos_of(conn: &Connection, product: ProductId) -> rusqlite::Result<Vec<PhotoRow>> {
    conn.prepare_cached(
        "SELECT id, product_id, position, media_key, thumb_key FROM product_photos WHERE product_id = ?1
         ORDER BY position, id",
    )?
    .query_map([product], photo_row)?
    .collect()
}

/// The cover photos (position 0) of several products.
pub fn covers_of(conn: &Connection, products: &[ProductId]) -> rusqlite::Result<Vec<PhotoRow>> {
    let mut covers = Vec::with_capacity(products.len());
    let mut statement = conn.prepare_cached(
        "SELECT id, product_id, position, media_key, thumb_key FROM product_photos WHERE product_id = ?1
         ORDER BY position, id LIMIT 1",
    )?;
    for product in products {
        if let Some(cover) = statement.query_row([product], photo_row).optional()? {
            covers.push(cover);
        }
    }
    Ok(covers)
}

pub fn insert_photo(
    conn: &Connection,
    product: ProductId,
    media_key: &str,
    thumb_key: &str,
    source_url: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO product_photos (product_id, position, media_key, thumb_key, source_url, created_at)
         VALUES (?1, (SELECT COALESCE(MAX(position) + 1, 0) FROM product_photos WHERE product_id = ?1), ?2, ?3, ?4, ?5)
         ON CONFLICT (media_key) DO NOTHING",
    )?
    .execute(params![product, media_key, thumb_key, source_url, now])?;
    Ok(())
}

pub fn photo_sources(conn: &Connection, product: ProductId) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT source_url FROM product_photos WHERE product_id = ?1 AND source_url <> ''")?
        .query_map([product], |r| r.get(0))?
        .collect()
}

/// Removes a photo; returns its keys so the caller deletes the media.
pub fn delete_photo(conn: &Connection, product: ProductId, photo: i64) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached("DELETE FROM product_photos WHERE id = ?1 AND product_id = ?2 RETURNING media_key, thumb_key")?
        .query_row(params![photo, product], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Makes `photo` the cover: position 0, the others after it in their order.
pub fn make_cover(conn: &Connection, product: ProductId, photo: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE product_photos SET position = position + 1 WHERE product_id = ?1 AND id <> ?2",
        params![product, photo],
    )?;
    conn.execute_cached(
        "UPDATE product_photos SET position = 0 WHERE product_id = ?1 AND id = ?2",
        params![product, photo],
    )?;
    Ok(())
}

/// Who may see the media under `key`: (product status, artist), when it is
/// a product photo.
pub fn find_photo_owner(conn: &Connection, key: &str) -> rusqlite::Result<Option<(ProductStatus, ArtistId)>> {
    conn.prepare_cached(
        // A product the label hid shows its photos only as an archived one's.
        "SELECT CASE WHEN p.hidden_at IS NULL THEN p.status ELSE 'archived' END, p.artist_id
         FROM product_photos ph JOIN products p ON p.id = ph.product_id
         WHERE (ph.media_key = ?1 OR ph.thumb_key = ?1) AND p.deleted_at IS NULL",
    )?
    .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// When the artist last made one (the label's roster); `None` if never.
pub fn last_created_at(conn: &Connection, artist: crate::core::ids::ArtistId) -> rusqlite::Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT max(created_at) FROM products WHERE artist_id = ?1 AND deleted_at IS NULL")?
        .query_row([artist], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}
