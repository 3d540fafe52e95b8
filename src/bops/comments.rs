//! Comment threads under a Bop: comments and one level of replies, likes,
//! edits and deletes by their authors; the Bop's artist hides, shows again
//! and pins one on top (from the app or the studio).

use super::domain::parse_comment;
use super::events::BopCommented;
use super::repo::{self, CommentRow};
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::events::emit;
use crate::pillar::ReportTarget;

/// A Bop's visible comments; the Bop and its comments in one read.
pub async fn list_comments(
    state: &AppState,
    viewer: UserId,
    bop_uid: &str,
    after: i64,
    limit: usize,
) -> AppResult<Vec<CommentRow>> {
    let uid = bop_uid.to_owned();
    let limit = limit.clamp(1, 100);
    state
        .db
        .read_now(move |c| match repo::find_visible_bop(c, &uid, Some(viewer))? {
            Some(bop) => repo::list_comments(c, viewer, bop.id, after, limit).map(Some),
            None => Ok(None),
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// A comment, or a reply to a top-level comment (one level of replies).
pub async fn add_comment(
    state: &AppState,
    user: UserId,
    bop_uid: &str,
    parent_uid: Option<String>,
    body: &str,
) -> AppResult<CommentRow> {
    let body = parse_comment(body).map_err(|e| AppError::invalid("body", e))?;
    let bop_uid = bop_uid.to_owned();
    state
        .db
        .write(move |tx| {
            let bop = visible_bop(tx, user, &bop_uid)?;
            let parent = match parent_uid.filter(|p| !p.is_empty()) {
                Some(uid) => {
                    let parent = repo::find_comment(tx, user, bop.id, &uid)?
                        .ok_or_else(|| AppError::invalid("parent_id", "That comment is gone."))?;
                    if parent.parent_id.is_some() {
                        return Err(AppError::invalid(
                            "parent_id",
                            "Reply to the original comment; replies have no replies.",
                        ));
                    }
                    Some(parent.id)
                }
                None => None,
            };
            let at = now_ms();
            let uid = repo::insert_comment(tx, bop.id, user, parent, &body, at)?;
            let event = BopCommented {
                bop_uid: bop.uid.clone(),
                comment_uid: uid.clone(),
                artist_id: bop.artist_id.0,
                fan_user_id: user.0,
                at,
            };
            emit(tx, &event)?;
            visible(tx, user, bop.id, &uid)
        })
        .await
}

/// Edits one's own comment.
pub async fn edit_comment(
    state: &AppState,
    user: UserId,
    bop_uid: &str,
    comment_uid: String,
    body: &str,
) -> AppResult<CommentRow> {
    let body = parse_comment(body).map_err(|e| AppError::invalid("body", e))?;
    let bop_uid = bop_uid.to_owned();
    state
        .db
        .write(move |tx| {
            let bop = visible_bop(tx, user, &bop_uid)?;
            let comment = visible(tx, user, bop.id, &comment_uid)?;
            if comment.user_id != user {
                return Err(AppError::Forbidden("You can only edit your own comments.".into()));
            }
            repo::update_comment(tx, comment.id, &body, now_ms())?;
            visible(tx, user, bop.id, &comment_uid)
        })
        .await
}

/// Removes a comment: its author deletes it; the Bop's artist hides it.
pub async fn remove_comment(state: &AppState, user: UserId, bop_uid: &str, comment_uid: String) -> AppResult<()> {
    let bop_uid = bop_uid.to_owned();
    state
        .db
        .write(move |tx| {
            let bop = visible_bop(tx, user, &bop_uid)?;
            let artist_user = bop.artist_user_id;
            let comment = visible(tx, user, bop.id, &comment_uid)?;
            let hide = match (comment.user_id == user, artist_user == user) {
                (true, _) => false,
                (false, true) => true,
                (false, false) => return Err(AppError::Forbidden("You can only remove your own comments.".into())),
            };
            Ok(repo::remove_comment(tx, bop.id, comment.id, hide, now_ms())?)
        })
        .await
}

pub async fn set_comment_like(
    state: &AppState,
    user: UserId,
    bop_uid: &str,
    comment_uid: String,
    liked: bool,
) -> AppResult<()> {
    let bop_uid = bop_uid.to_owned();
    state
        .db
        .write(move |tx| {
            let bop = visible_bop(tx, user, &bop_uid)?;
            let comment = visible(tx, user, bop.id, &comment_uid)?;
            Ok(repo::set_comment_like(tx, comment.id, user, liked, now_ms())?)
        })
        .await
}

/// The Bop `user` may see, or 404. Writes look it up in their own
/// transaction: checked atomically with the write, and from the writer's
/// page cache, which other commits do not empty as they do a reader's (under
/// a flood of comments the reader's lookup was an eighth of the time, nearly
/// all of it reading the same pages back from the file).
fn visible_bop(conn: &rusqlite::Connection, user: UserId, uid: &str) -> AppResult<repo::BopRef> {
    repo::find_visible_ref(conn, uid, Some(user))?.ok_or(AppError::NotFound)
}

/// A comment `user` may act on (visible, of this Bop), or 404.
fn visible(
    conn: &rusqlite::Connection,
    user: UserId,
    bop: crate::core::ids::BopId,
    uid: &str,
) -> AppResult<CommentRow> {
    repo::find_comment(conn, user, bop, uid)?.ok_or(AppError::NotFound)
}

/// The Bop's own artist (for moderation of its thread), or 403.
async fn own_bop(state: &AppState, user: UserId, bop_uid: &str) -> AppResult<repo::BopRow> {
    let bop = super::service::find_bop(state, bop_uid, Some(user)).await?;
    if artist_user(state, &bop).await? != user {
        return Err(AppError::Forbidden("Only the Bop's artist can do that.".into()));
    }
    Ok(bop)
}

async fn artist_user(state: &AppState, bop: &repo::BopRow) -> AppResult<UserId> {
    let artist_uid = bop.artist_uid.clone();
    let artist = state.db.read_now(move |c| crate::identity::artist_by_uid(c, &artist_uid)).await?;
    Ok(artist.ok_or(AppError::NotFound)?.user_id)
}

/// Pins a top-level comment on top of the thread (one per Bop), or unpins.
pub async fn set_comment_pin(
    state: &AppState,
    user: UserId,
    bop_uid: &str,
    comment_uid: String,
    pinned: bool,
) -> AppResult<CommentRow> {
    let bop = own_bop(state, user, bop_uid).await?;
    state
        .db
        .write(move |tx| {
            let comment = visible(tx, user, bop.id, &comment_uid)?;
            if pinned && comment.parent_id.is_some() {
                return Err(AppError::invalid("comment", "Pin a comment, not a reply."));
            }
            repo::set_comment_pin(tx, bop.id, comment.id, pinned, now_ms())?;
            visible(tx, user, bop.id, &comment_uid)
        })
        .await
}

/// The thread as the artist moderates it: what fans see, and what was hidden.
pub async fn thread_for_artist(
    state: &AppState,
    user: UserId,
    bop_uid: &str,
) -> AppResult<(repo::BopRow, Vec<CommentRow>, Vec<CommentRow>)> {
    let bop = own_bop(state, user, bop_uid).await?;
    let id = bop.id;
    let (shown, hidden) = state
        .db
        .read(move |c| {
            Ok::<_, rusqlite::Error>((
                repo::list_comments(c, user, id, 0, 100)?,
                repo::list_hidden_comments(c, user, id)?,
            ))
        })
        .await?;
    Ok((bop, shown, hidden))
}

/// Shows a comment the artist hid.
pub async fn unhide_comment(state: &AppState, user: UserId, bop_uid: &str, comment_uid: String) -> AppResult<()> {
    let bop = own_bop(state, user, bop_uid).await?;
    let shown = state.db.write(move |tx| Ok::<_, AppError>(repo::unhide_comment(tx, bop.id, &comment_uid)?)).await?;
    if shown { Ok(()) } else { Err(AppError::NotFound) }
}

/// A Bop or a comment as a report describes it, when `viewer` may see it.
pub async fn report_target(state: &AppState, viewer: UserId, kind: &str, uid: &str) -> AppResult<Option<ReportTarget>> {
    match kind {
        "bop" => {
            let bop = match super::service::find_bop(state, uid, Some(viewer)).await {
                Ok(bop) => bop,
                Err(AppError::NotFound) => return Ok(None),
                Err(err) => return Err(err),
            };
            let author = artist_user(state, &bop).await?;
            Ok(Some(ReportTarget::new(author, &bop.caption, format!("/bops/{}", bop.uid))))
        }
        "comment" => {
            let uid = uid.to_owned();
            let found = state.db.read_now(move |c| repo::find_comment_by_uid(c, viewer, &uid)).await?;
            let Some((comment, bop_uid)) = found else { return Ok(None) };
            // The comment is only as visible as its Bop.
            match super::service::find_bop(state, &bop_uid, Some(viewer)).await {
                Ok(_) => {}
                Err(AppError::NotFound) => return Ok(None),
                Err(err) => return Err(err),
            }
            let link = format!("/bops/{bop_uid}#comment-{}", comment.uid);
            Ok(Some(ReportTarget::new(comment.user_id, &comment.body, link)))
        }
        _ => Ok(None),
    }
}
