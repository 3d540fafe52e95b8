//! The label hides a Bop or a comment (issue 15 item 4), or shows it again.
//! A hidden Bop is gone from feeds, search, its page, the artist's grid and
//! its media; a hidden comment from its thread. The label's hide is kept
//! apart from the artist's own (`hidden_by`), so the artist cannot show
//! again what the label hid.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::events::BopModerated;
use crate::db::Tx;
use crate::error::AppResult;
use crate::events::emit;
use crate::pillar::Moderate;

pub fn moderate(tx: &Tx, request: &Moderate<'_>) -> AppResult<bool> {
    match request.kind {
        "comment" => Ok(moderate_comment(tx, request.uid, request.hidden, request.now)?),
        "bop" => moderate_bop(tx, request),
        _ => Ok(false),
    }
}

/// Hides a comment for the label (taking it over when the artist had hidden
/// it), or shows again one the label hid; the Bop's count follows once.
fn moderate_comment(conn: &Connection, uid: &str, hidden: bool, now: i64) -> rusqlite::Result<bool> {
    let found: Option<(i64, i64, bool, Option<String>)> = conn
        .query_row_cached(
            "SELECT id, bop_id, hidden_at IS NOT NULL, hidden_by FROM bops_comments WHERE uid = ?1 AND deleted_at IS NULL",
            [uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, bop_id, is_hidden, by)) = found else { return Ok(false) };
    let by_label = by.as_deref() == Some("label");
    match (hidden, is_hidden, by_label) {
        (true, false, _) => {
            conn.execute_cached(
                "UPDATE bops_comments SET hidden_at = ?2, hidden_by = 'label', pinned_at = NULL WHERE id = ?1",
                params![id, now],
            )?;
            conn.execute_cached("UPDATE bops_videos SET comment_count = comment_count - 1 WHERE id = ?1", [bop_id])?;
        }
        (true, true, false) => {
            conn.execute_cached("UPDATE bops_comments SET hidden_by = 'label' WHERE id = ?1", [id])?;
        }
        (false, true, true) => {
            conn.execute_cached("UPDATE bops_comments SET hidden_at = NULL, hidden_by = NULL WHERE id = ?1", [id])?;
            conn.execute_cached("UPDATE bops_videos SET comment_count = comment_count + 1 WHERE id = ?1", [bop_id])?;
        }
        // Already as asked, or hidden by the artist (not the label's to show).
        _ => {}
    }
    Ok(true)
}

/// Hides or shows a Bop; search hears of it through `bop.moderated`.
fn moderate_bop(tx: &Tx, request: &Moderate<'_>) -> AppResult<bool> {
    let found = tx
        .query_row_cached(
            "SELECT id, artist_id, visibility, caption, hashtags, poster_key, published_at
             FROM bops_videos WHERE uid = ?1 AND deleted_at IS NULL",
            [request.uid],
            |r| {
                let hashtags: String = r.get(4)?;
                Ok(BopModerated {
                    bop_uid: request.uid.to_owned(),
                    bop_id: r.get(0)?,
                    artist_id: r.get(1)?,
                    hidden: request.hidden,
                    visibility: r.get(2)?,
                    caption: r.get(3)?,
                    hashtags: serde_json::from_str(&hashtags).unwrap_or_default(),
                    poster_key: r.get(5)?,
                    published_at: r.get(6)?,
                })
            },
        )
        .optional()?;
    let Some(event) = found else { return Ok(false) };
    tx.execute_cached(
        "UPDATE bops_videos SET hidden_at = CASE WHEN ?2 THEN COALESCE(hidden_at, ?3) END WHERE id = ?1",
        params![event.bop_id, request.hidden, request.now],
    )?;
    emit(tx, &event)?;
    Ok(true)
}
