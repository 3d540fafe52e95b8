//! The in-app feed: keyset pages (a cursor on the notice id, never OFFSET),
//! the unread count (a counter, never a COUNT over the table), marking one,
//! some or all read. Every query carries the owner's id, so another user's
//! notices are never shown or changed.

use serde::{Deserialize, Serialize};

use super::repo::feed::{self as repo, FeedItem};
use crate::app::AppState;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Ids marked read in one request, at most.
pub const MAX_IDS: usize = 100;

/// A page of the feed, newest first.
#[derive(Debug, Serialize)]
pub struct FeedPage {
    pub notifications: Vec<FeedItem>,
    /// The `before` of the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
    pub unread_count: i64,
}

/// The query of a feed page, as sent: checked by [`FeedQuery::parse`].
#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    pub before: Option<String>,
    pub limit: Option<String>,
}

impl FeedQuery {
    /// `(before, limit)`: `before` a notice id, `limit` 1 to [`MAX_LIMIT`].
    pub fn parse(&self) -> AppResult<(Option<i64>, usize)> {
        let before = match self.before.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "before must be a notification id (a positive whole number), not {raw:?}."
                ))
            })?),
        };
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(raw) => raw.parse::<usize>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                AppError::BadRequest(format!("limit must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}."))
            })?,
        };
        Ok((before, limit))
    }
}

/// What to mark read.
#[derive(Debug, Clone)]
pub enum Mark {
    Ids(Vec<i64>),
    All,
}

/// The body of `POST /api/v1/notifications/read`: `{"ids": [..]}` or `{"all": true}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkInput {
    pub ids: Option<Vec<i64>>,
    pub all: Option<bool>,
}

impl MarkInput {
    pub fn parse(self) -> AppResult<Mark> {
        match (self.ids, self.all) {
            (None, Some(true)) => Ok(Mark::All),
            (Some(ids), None) => {
                if ids.is_empty() || ids.len() > MAX_IDS {
                    return Err(AppError::BadRequest(format!("ids must list 1 to {MAX_IDS} notification ids.")));
                }
                if ids.iter().any(|id| *id <= 0) {
                    return Err(AppError::BadRequest("ids must be notification ids (positive whole numbers).".into()));
                }
                Ok(Mark::Ids(ids))
            }
            _ => Err(AppError::BadRequest(
                "Send {\"ids\": [notification ids]} or {\"all\": true}, not both and not neither.".into(),
            )),
        }
    }
}

pub async fn page(state: &AppState, user_id: i64, before: Option<i64>, limit: usize) -> AppResult<FeedPage> {
    let (mut notifications, unread_count) = state
        .db
        .read(move |c| Ok((repo::list_feed_page(c, user_id, before, limit + 1)?, repo::unread_count(c, user_id)?)))
        .await?;
    let more = notifications.len() > limit;
    notifications.truncate(limit);
    let next_before = if more { notifications.last().map(|n| n.id) } else { None };
    Ok(FeedPage { notifications, next_before, unread_count })
}

pub async fn unread_count(state: &AppState, user_id: i64) -> AppResult<i64> {
    Ok(state.db.read(move |c| repo::unread_count(c, user_id)).await?)
}

/// Marks the notices read and returns the unread count after. Ids that are
/// not the user's notices (someone else's, or none at all) answer 404 and
/// nothing is marked.
pub async fn mark_read(state: &AppState, user_id: i64, mark: Mark) -> AppResult<i64> {
    state
        .db
        .write(move |tx| {
            let now = now_ms();
            match &mark {
                Mark::All => {
                    repo::mark_all_read(tx, user_id, now)?;
                }
                Mark::Ids(ids) => {
                    let mut unique = ids.clone();
                    unique.sort_unstable();
                    unique.dedup();
                    if repo::count_owned(tx, user_id, &unique)? != unique.len() {
                        return Err(AppError::NotFound);
                    }
                    for id in unique {
                        repo::mark_read(tx, user_id, id, now)?;
                    }
                }
            }
            Ok(repo::unread_count(tx, user_id)?)
        })
        .await
}

/// Marks one notice read and returns where to go next: its link when that
/// stays on this site. 404 when it is not the user's notice.
pub async fn open(state: &AppState, user_id: i64, id: i64) -> AppResult<Option<String>> {
    state
        .db
        .write(move |tx| {
            let link = repo::find_notice_link(tx, user_id, id)?.ok_or(AppError::NotFound)?;
            repo::mark_read(tx, user_id, id, now_ms())?;
            Ok(link.filter(|l| is_local_link(l)))
        })
        .await
}

/// A path on this site: one leading `/`, not `//` or `/\` (which browsers
/// read as another host), no scheme, no control characters or spaces.
pub fn is_local_link(link: &str) -> bool {
    let mut chars = link.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !link.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::is_local_link;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        for good in ["/", "/app", "/studio/shop/orders/abc", "/app#release=x", "/a?b=c//d"] {
            assert!(is_local_link(good), "{good}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "app",
            "",
            "/a\\b",
            "/\tx",
            "/ x",
        ] {
            assert!(!is_local_link(bad), "{bad}");
        }
    }
}
