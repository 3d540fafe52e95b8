//! The label hides a product (issue 15 item 4), or shows it again: a hidden
//! product is off sale (its page, the shop tab, checkout, search, public
//! photos) whatever its status, and the artist cannot list it again.

use crate::db::CachedSql;
use rusqlite::params;

use crate::db::Tx;
use crate::error::AppResult;
use crate::pillar::Moderate;

pub fn moderate(tx: &Tx, request: &Moderate<'_>) -> AppResult<bool> {
    if request.kind != "product" {
        return Ok(false);
    }
    let Some(product) = super::repo::find_product(tx, request.uid)? else { return Ok(false) };
    tx.execute_cached(
        "UPDATE products SET hidden_at = CASE WHEN ?2 THEN COALESCE(hidden_at, ?3) END WHERE id = ?1",
        params![product.id, request.hidden, request.now],
    )?;
    // Search and the listing follow the product as it stands now.
    super::events::announce_product(tx, product.id)?;
    Ok(true)
}
