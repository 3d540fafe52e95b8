//! The feeds of `/api/v1/feed`:
//! - `for_you` (the default): the fan's pool (`for_you`), fixed when they
//!   start scrolling and kept for half an hour, a page at a time; past the
//!   pool, `latest` without the pool's Bops. The cursor names the pool, so
//!   pages neither repeat nor skip a Bop while the fan scrolls;
//! - `following`: the newest Bops of the artists the fan follows (their
//!   timeline, kept by fan-out: the newest 1,000);
//! - `latest`: newest first, the followed artists' before everyone else's.
//!
//! Keyset cursors throughout; a page may come back short when many rows in
//! its way were skipped (see [`repo::FEED_SCAN_BUDGET`]) — `next_cursor`
//! still goes on.
//!
//! Every item says why it is there: `why`, a list of `{factor, weight}`.

use std::collections::HashSet;

use serde::Serialize;

use super::for_you::{self, POOL_MINUTE_MS, Pool, Why};
use super::repo::{self, BopRow, FeedCursor};
use super::views::BopView;
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};

pub const MAX_FEED_PAGE: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    ForYou,
    Following,
    Latest,
}

impl FeedKind {
    pub fn parse(raw: Option<&str>) -> AppResult<FeedKind> {
        match raw.unwrap_or("for_you") {
            "for_you" => Ok(FeedKind::ForYou),
            "following" => Ok(FeedKind::Following),
            "latest" => Ok(FeedKind::Latest),
            _ => Err(AppError::invalid("kind", "Choose for_you, following or latest.")),
        }
    }
}

/// Rows of a feed page, each with why it is there.
type Explained = Vec<(BopRow, Vec<Why>)>;

#[derive(Serialize)]
pub struct FeedItem {
    #[serde(flatten)]
    pub bop: BopView,
    pub why: Vec<Why>,
}

#[derive(Serialize)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub next_cursor: Option<String>,
}

pub async fn feed(
    state: &AppState,
    viewer: UserId,
    kind: FeedKind,
    cursor: Option<&str>,
    limit: usize,
) -> AppResult<FeedPage> {
    if limit == 0 || limit > MAX_FEED_PAGE {
        return Err(AppError::invalid("limit", format!("Ask for 1 to {MAX_FEED_PAGE} items.")));
    }
    let cursor = cursor.filter(|c| !c.is_empty());
    match kind {
        FeedKind::Following => {
            let start = parse_latest(cursor)?;
            if start.segment != 0 {
                return Err(bad_cursor());
            }
            let (rows, next) = latest(state, viewer, start, limit, true).await?;
            page_of(state, rows, next.map(|at| latest_cursor(&at))).await
        }
        FeedKind::Latest => {
            let (rows, next) = latest(state, viewer, parse_latest(cursor)?, limit, false).await?;
            page_of(state, rows, next.map(|at| latest_cursor(&at))).await
        }
        FeedKind::ForYou => for_you(state, viewer, ForYouCursor::parse(cursor)?, limit).await,
    }
}

fn bad_cursor() -> AppError {
    AppError::invalid("cursor", "This cursor is not one the feed gave out.")
}

fn followed_why() -> Vec<Why> {
    vec![Why { factor: "following", weight: 1.0 }]
}

async fn page_of(state: &AppState, rows: Explained, next: Option<String>) -> AppResult<FeedPage> {
    let bare: Vec<BopRow> = rows.iter().map(|(r, _)| r.clone()).collect();
    let tracks = state.db.read_now(move |c| super::views::tracks_of(c, &bare)).await?;
    let items = rows
        .into_iter()
        .map(|(row, why)| FeedItem { bop: BopView::with_track(row, &tracks, &state.media), why })
        .collect();
    Ok(FeedPage { items, next_cursor: next })
}

fn parse_latest(raw: Option<&str>) -> AppResult<FeedCursor> {
    let Some(raw) = raw else { return Ok(FeedCursor::START) };
    let mut parts = raw.split('.');
    let (Some(segment), Some(published_at), Some(id), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_cursor());
    };
    Ok(FeedCursor {
        segment: segment.parse::<u8>().ok().filter(|s| *s <= 1).ok_or_else(bad_cursor)?,
        published_at: published_at.parse().map_err(|_| bad_cursor())?,
        id: id.parse().map_err(|_| bad_cursor())?,
    })
}

fn latest_cursor(at: &FeedCursor) -> String {
    format!("{}.{}.{}", at.segment, at.published_at, at.id)
}

/// Newest first from the fan's timeline, then (unless `followed_only`)
/// everyone else; each row with why it is there.
async fn latest(
    state: &AppState,
    viewer: UserId,
    start: FeedCursor,
    limit: usize,
    followed_only: bool,
) -> AppResult<(Explained, Option<FeedCursor>)> {
    Ok(state.db.read_now(move |c| latest_rows(c, viewer, start, limit, followed_only)).await?)
}

fn latest_rows(
    conn: &rusqlite::Connection,
    viewer: UserId,
    start: FeedCursor,
    limit: usize,
    followed_only: bool,
) -> rusqlite::Result<(Explained, Option<FeedCursor>)> {
    let why = |segment: u8| if segment == 0 { followed_why() } else { vec![Why { factor: "recency", weight: 1.0 }] };
    let first = repo::list_feed_segment(conn, viewer, start, limit)?;
    let mut rows: Explained = first.rows.into_iter().map(|r| (r, why(start.segment))).collect();
    if let Some((published_at, id)) = first.resume {
        return Ok((rows, Some(FeedCursor { segment: start.segment, published_at, id })));
    }
    if start.segment == 1 || followed_only {
        return Ok((rows, None));
    }
    let others = FeedCursor { segment: 1, ..FeedCursor::START };
    if rows.len() == limit {
        return Ok((rows, Some(others)));
    }
    let more = repo::list_feed_segment(conn, viewer, others, limit - rows.len())?;
    rows.extend(more.rows.into_iter().map(|r| (r, why(1))));
    Ok((rows, more.resume.map(|(published_at, id)| FeedCursor { segment: 1, published_at, id })))
}

/// Where a For You page starts: in the pool made at `minute`, at `offset`;
/// or past it, before `(published_at, id)` among everyone's Bops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ForYouCursor {
    Start,
    Pool { minute: i64, offset: usize },
    After { minute: i64, latest: FeedCursor },
}

impl ForYouCursor {
    fn parse(raw: Option<&str>) -> AppResult<ForYouCursor> {
        let Some(raw) = raw else { return Ok(ForYouCursor::Start) };
        let parts: Vec<&str> = raw.split('.').collect();
        let num = |s: &str| s.parse::<i64>().map_err(|_| bad_cursor());
        match parts.as_slice() {
            ["p", minute, offset] => {
                Ok(ForYouCursor::Pool { minute: num(minute)?, offset: offset.parse().map_err(|_| bad_cursor())? })
            }
            ["a", minute, segment, at, id] => Ok(ForYouCursor::After {
                minute: num(minute)?,
                latest: parse_latest(Some(&format!("{segment}.{at}.{id}")))?,
            }),
            _ => Err(bad_cursor()),
        }
    }
}

/// The fan's pool made at `minute` (kept, or made again).
async fn pool(state: &AppState, viewer: UserId, minute: i64) -> AppResult<Pool> {
    let bops = super::state(state);
    let (loyalty, now) = (bops.loyalty, state.clock.now_ms());
    let make = || async move {
        let made = state.db.read(move |c| for_you::make_pool(c, viewer, &loyalty, now)).await?;
        Ok::<_, AppError>(Pool::new(made))
    };
    bops.pool_maker.get_or_make(&bops.pools, (viewer, minute), (), make).await
}

async fn for_you(state: &AppState, viewer: UserId, cursor: ForYouCursor, limit: usize) -> AppResult<FeedPage> {
    let now_minute = state.clock.now_ms() / POOL_MINUTE_MS;
    let (minute, offset) = match cursor {
        ForYouCursor::Start => (now_minute, 0),
        ForYouCursor::Pool { minute, offset } => (minute, offset),
        ForYouCursor::After { minute, latest } => {
            let pool = pool(state, viewer, minute).await?;
            return after_pool(state, viewer, minute, &pool, latest, limit).await;
        }
    };
    let pool = pool(state, viewer, minute).await?;
    let slice: Vec<(i64, Vec<Why>)> = pool.iter().skip(offset).take(limit).map(|s| (s.bop_id, s.why.clone())).collect();
    if slice.is_empty() {
        return after_pool(state, viewer, minute, &pool, FeedCursor::START, limit).await;
    }
    let end = offset + slice.len();
    // One statement for the page; the pool's order restored here.
    let ids: Vec<i64> = slice.iter().map(|(id, _)| *id).collect();
    let found = state.db.read_now(move |c| repo::find_visible_by_ids(c, &ids, Some(viewer))).await?;
    let mut by_id: std::collections::HashMap<i64, BopRow> = found.into_iter().map(|r| (r.id.0, r)).collect();
    let rows: Explained = slice.into_iter().filter_map(|(id, why)| by_id.remove(&id).map(|row| (row, why))).collect();
    let next = if end < pool.len() {
        format!("p.{minute}.{end}")
    } else {
        format!("a.{minute}.{}", latest_cursor(&FeedCursor::START))
    };
    page_of(state, rows, Some(next)).await
}

/// Past the pool: `latest`, without the pool's Bops.
async fn after_pool(
    state: &AppState,
    viewer: UserId,
    minute: i64,
    pool: &Pool,
    start: FeedCursor,
    limit: usize,
) -> AppResult<FeedPage> {
    let pooled: HashSet<i64> = pool.iter().map(|s| s.bop_id).collect();
    let (rows, next) = latest(state, viewer, start, limit, false).await?;
    let rows = rows.into_iter().filter(|(row, _)| !pooled.contains(&row.id.0)).collect();
    page_of(state, rows, next.map(|at| format!("a.{minute}.{}", latest_cursor(&at)))).await
}
