//! All SQL of the Bops pillar. Counters change in the same transaction as
//! the rows they count, so they never drift.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::core::ids::{ArtistId, BopId, CommentId, UserId};

#[derive(Debug, Clone, Serialize)]
pub struct BopRow {
    #[serde(skip)]
    pub id: BopId,
    pub uid: String,
    #[serde(skip)]
    pub artist_id: ArtistId,
    pub artist_uid: String,
    pub artist_handle: String,
    pub artist_name: String,
    pub artist_photo_key: Option<String>,
    pub caption: String,
    pub hashtags: Vec<String>,
    pub visibility: String,
    pub video_key: String,
    pub poster_key: Option<String>,
    pub width: u32,
    pub height: u32,
    pub duration_ms: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub view_count: i64,
    pub tip_count: i64,
    pub tip_total_minor: i64,
    pub published_at: i64,
    pub liked_by_me: bool,
    /// The tagged track (music's id), if any.
    pub track_uid: Option<String>,
    /// The low rendition of the video, once made.
    pub low_video_key: Option<String>,
    /// The artist's WebVTT captions and their language, when attached.
    pub captions_key: Option<String>,
    pub captions_lang: Option<String>,
}

const BOP_SELECT: &str =
    "SELECT b.id, b.uid, b.artist_id, a.uid, COALESCE(a.handle, ''), COALESCE(a.stage_name, ''), a.photo_key,
        b.caption, b.hashtags, b.visibility, b.video_key, b.poster_key, b.width, b.height, b.duration_ms,
        b.like_count, b.comment_count, b.view_count, b.tip_count, b.tip_total_minor, b.published_at,
        EXISTS (SELECT 1 FROM bops_likes l WHERE l.bop_id = b.id AND l.user_id = ?1), b.track_uid, b.low_video_key,
        b.captions_key, b.captions_lang
     FROM bops_videos b JOIN artist_profiles a ON a.id = b.artist_id";

fn bop_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BopRow> {
    let hashtags: String = r.get(8)?;
    Ok(BopRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        artist_id: r.get(2)?,
        artist_uid: r.get(3)?,
        artist_handle: r.get(4)?,
        artist_name: r.get(5)?,
        artist_photo_key: r.get(6)?,
        caption: r.get(7)?,
        hashtags: serde_json::from_str(&hashtags).unwrap_or_default(),
        visibility: r.get(9)?,
        video_key: r.get(10)?,
        poster_key: r.get(11)?,
        width: r.get(12)?,
        height: r.get(13)?,
        duration_ms: r.get(14)?,
        like_count: r.get(15)?,
        comment_count: r.get(16)?,
        view_count: r.get(17)?,
        tip_count: r.get(18)?,
        tip_total_minor: r.get(19)?,
        published_at: r.get(20)?,
        liked_by_me: r.get(21)?,
        track_uid: r.get(22)?,
        low_video_key: r.get(23)?,
        captions_key: r.get(24)?,
        captions_lang: r.get(25)?,
    })
}

pub struct NewBop<'a> {
    pub artist: ArtistId,
    pub caption: &'a str,
    pub hashtags: &'a [String],
    pub visibility: &'a str,
    pub video_key: &'a str,
    pub poster_key: Option<&'a str>,
    pub width: u32,
    pub height: u32,
    pub duration_ms: u64,
    pub codec: &'a str,
    pub video_type: &'a str,
    pub size_bytes: u64,
    pub track_uid: Option<&'a str>,
}

pub fn insert_bop(conn: &Connection, new: &NewBop<'_>, now: i64) -> rusqlite::Result<String> {
    let uid = crate::core::new_uid();
    conn.execute_cached(
        "INSERT INTO bops_videos (uid, artist_id, caption, hashtags, visibility, video_key, poster_key, width, height,
             duration_ms, codec, size_bytes, published_at, updated_at, video_type, track_uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15)",
        params![
            uid,
            new.artist.0,
            new.caption,
            serde_json::to_string(new.hashtags).unwrap_or_else(|_| "[]".into()),
            new.visibility,
            new.video_key,
            new.poster_key,
            new.width,
            new.height,
            new.duration_ms as i64,
            new.codec,
            new.size_bytes as i64,
            now,
            new.video_type,
            new.track_uid
        ],
    )?;
    Ok(uid)
}

/// A Bop anyone may see (public, not deleted, not hidden by the label, its
/// artist not suspended).
pub fn find_visible_bop(conn: &Connection, uid: &str, viewer: Option<UserId>) -> rusqlite::Result<Option<BopRow>> {
    let sql = format!("{BOP_SELECT} WHERE b.uid = ?2 AND {VISIBLE_TO_VIEWER}");
    conn.prepare_cached(&sql)?.query_row(params![viewer, uid], bop_row).optional()
}

/// Whether a Bop (`b`, its artist `a`) is one the viewer `?1` may see.
const VISIBLE_TO_VIEWER: &str = "b.deleted_at IS NULL AND b.hidden_at IS NULL AND a.suspended_at IS NULL
    AND (b.visibility = 'public'
         OR a.user_id = ?1
         OR (b.visibility = 'followers' AND EXISTS (SELECT 1 FROM fan_relationships f
                 WHERE f.fan_user_id = ?1 AND f.artist_id = b.artist_id AND f.following = 1)))";

/// What a like, comment or view needs of the Bop it is about.
#[derive(Debug, Clone)]
pub struct BopRef {
    pub id: BopId,
    pub uid: String,
    pub artist_id: ArtistId,
    pub artist_user_id: UserId,
    pub duration_ms: i64,
}

/// [`find_visible_bop`] for writes: the few columns they need, without the
/// card's text and counters (a like flood's writer spent a fifth of its
/// time in the full lookup).
pub fn find_visible_ref(conn: &Connection, uid: &str, viewer: Option<UserId>) -> rusqlite::Result<Option<BopRef>> {
    let sql = format!(
        "SELECT b.id, b.artist_id, a.user_id, b.duration_ms FROM bops_videos b JOIN artist_profiles a ON a.id = b.artist_id
         WHERE b.uid = ?2 AND {VISIBLE_TO_VIEWER}"
    );
    let found = |r: &rusqlite::Row<'_>| {
        Ok(BopRef {
            id: r.get(0)?,
            uid: uid.to_owned(),
            artist_id: r.get(1)?,
            artist_user_id: r.get(2)?,
            duration_ms: r.get(3)?,
        })
    };
    conn.prepare_cached(&sql)?.query_row(params![viewer, uid], found).optional()
}

/// The Bops of `ids` (row ids) the viewer may see (as
/// [`find_visible_bop`]), in one statement, in no particular order.
pub fn find_visible_by_ids(conn: &Connection, ids: &[i64], viewer: Option<UserId>) -> rusqlite::Result<Vec<BopRow>> {
    let sql = format!("{BOP_SELECT} WHERE b.id IN (SELECT value FROM json_each(?2)) AND {VISIBLE_TO_VIEWER}");
    let ids = serde_json::to_string(ids).expect("numbers serialise");
    conn.prepare_cached(&sql)?.query_map(params![viewer, ids], bop_row)?.collect()
}

/// Where a feed page starts: after `(published_at, id)` in `segment`
/// (0: the fan's timeline, 1: everyone else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedCursor {
    pub segment: u8,
    pub published_at: i64,
    pub id: i64,
}

impl FeedCursor {
    pub const START: FeedCursor = FeedCursor { segment: 0, published_at: i64::MAX, id: i64::MAX };
}

/// One segment's rows for a page, and where the next page resumes in that
/// segment (`None`: the segment is exhausted).
pub struct FeedSlice {
    pub rows: Vec<BopRow>,
    pub resume: Option<(i64, i64)>,
}

/// Most rows one feed request steps over, shown or skipped. Rows are
/// skipped when they were deleted, made private or their artist suspended
/// after the timeline was written, or (everyone else's) belong to a followed
/// artist; stopping here keeps a request's cost bounded however many there
/// are, and the cursor resumes after the last row looked at.
pub const FEED_SCAN_BUDGET: usize = 400;

/// The columns of [`BOP_SELECT`] plus `shown` (column 26): may the viewer see
/// this row in this segment?
const FEED_TIMELINE: &str =
    "SELECT b.id, b.uid, b.artist_id, a.uid, COALESCE(a.handle, ''), COALESCE(a.stage_name, ''), a.photo_key,
        b.caption, b.hashtags, b.visibility, b.video_key, b.poster_key, b.width, b.height, b.duration_ms,
        b.like_count, b.comment_count, b.view_count, b.tip_count, b.tip_total_minor, b.published_at,
        EXISTS (SELECT 1 FROM bops_likes l WHERE l.bop_id = b.id AND l.user_id = ?1), b.track_uid, b.low_video_key,
        b.captions_key, b.captions_lang,
        b.deleted_at IS NULL AND b.hidden_at IS NULL AND a.suspended_at IS NULL
          AND b.visibility IN ('public', 'followers')
     FROM bops_timeline t JOIN bops_videos b ON b.id = t.bop_id JOIN artist_profiles a ON a.id = b.artist_id
     WHERE t.fan_user_id = ?1 AND (t.published_at, t.bop_id) < (?2, ?3)
     ORDER BY t.published_at DESC, t.bop_id DESC";

/// Everyone else: public Bops newest first, minus the followed artists' Bops
/// that the timeline holds (those newer than its floor).
const FEED_OTHERS: &str =
    "SELECT b.id, b.uid, b.artist_id, a.uid, COALESCE(a.handle, ''), COALESCE(a.stage_name, ''), a.photo_key,
        b.caption, b.hashtags, b.visibility, b.video_key, b.poster_key, b.width, b.height, b.duration_ms,
        b.like_count, b.comment_count, b.view_count, b.tip_count, b.tip_total_minor, b.published_at,
        EXISTS (SELECT 1 FROM bops_likes l WHERE l.bop_id = b.id AND l.user_id = ?1), b.track_uid, b.low_video_key,
        b.captions_key, b.captions_lang,
        a.suspended_at IS NULL AND b.hidden_at IS NULL
          AND ((b.published_at, b.id) <= (?4, ?5)
               OR NOT EXISTS (SELECT 1 FROM fan_relationships f
                              WHERE f.fan_user_id = ?1 AND f.artist_id = b.artist_id AND f.following = 1))
     FROM bops_videos b INDEXED BY bops_feed JOIN artist_profiles a ON a.id = b.artist_id
     WHERE b.deleted_at IS NULL AND b.visibility = 'public' AND (b.published_at, b.id) < (?2, ?3)
     ORDER BY b.published_at DESC, b.id DESC";

/// One segment's next rows, newest first, strictly after the cursor: up to
/// `want` rows, stepping over at most [`FEED_SCAN_BUDGET`] rows. Both
/// segments are ordered index walks (the fan's timeline; `bops_feed`), so
/// the cost does not depend on how many artists the fan follows.
pub fn list_feed_segment(
    conn: &Connection,
    viewer: UserId,
    cursor: FeedCursor,
    want: usize,
) -> rusqlite::Result<FeedSlice> {
    let mut rows: Vec<BopRow> = Vec::with_capacity(want);
    let mut stmt;
    let mut walk = if cursor.segment == 0 {
        stmt = conn.prepare_cached(FEED_TIMELINE)?;
        stmt.query(params![viewer, cursor.published_at, cursor.id])?
    } else {
        let floor = timeline_floor(conn, viewer)?;
        stmt = conn.prepare_cached(FEED_OTHERS)?;
        stmt.query(params![viewer, cursor.published_at, cursor.id, floor.0, floor.1])?
    };
    let mut stepped = 0;
    while let Some(r) = walk.next()? {
        stepped += 1;
        let position = (r.get::<_, i64>(20)?, r.get::<_, i64>(0)?);
        if r.get::<_, bool>(26)? {
            if rows.len() == want {
                // One more row to show: the segment goes on after the last one shown.
                let resume = rows.last().map(|last| (last.published_at, last.id.0));
                return Ok(FeedSlice { rows, resume });
            }
            rows.push(bop_row(r)?);
        }
        if stepped >= FEED_SCAN_BUDGET {
            return Ok(FeedSlice { rows, resume: Some(position) });
        }
    }
    Ok(FeedSlice { rows, resume: None })
}

/// Timelines keep their newest `TIMELINE_CAP` rows; they are trimmed back
/// to it once they pass it by `TIMELINE_SLACK`, so trimming is amortised.
pub const TIMELINE_CAP: i64 = 1000;
const TIMELINE_SLACK: i64 = 100;

/// `(published_at, bop_id)` at or below which the fan's timeline is not
/// complete; `(-1, -1)` when it never was trimmed.
pub fn timeline_floor(conn: &Connection, fan: UserId) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached("SELECT floor_published_at, floor_bop_id FROM bops_timeline_state WHERE fan_user_id = ?1")?
        .query_row([fan], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map(|floor| floor.unwrap_or((-1, -1)))
}

/// Adds `added` (possibly negative) to the fan's timeline length and trims
/// the oldest rows once it is over the cap, raising the floor past them.
fn timeline_grew(conn: &Connection, fan: UserId, added: i64) -> rusqlite::Result<()> {
    let len: i64 = conn
        .prepare_cached(
            "INSERT INTO bops_timeline_state (fan_user_id, len) VALUES (?1, max(?2, 0))
             ON CONFLICT (fan_user_id) DO UPDATE SET len = max(len + ?2, 0) RETURNING len",
        )?
        .query_row(params![fan, added], |r| r.get(0))?;
    if len <= TIMELINE_CAP + TIMELINE_SLACK {
        return Ok(());
    }
    // The newest of the `len - cap` oldest rows: everything up to it goes.
    let cut: (i64, i64) = conn
        .prepare_cached(
            "SELECT published_at, bop_id FROM (SELECT published_at, bop_id FROM bops_timeline WHERE fan_user_id = ?1
                 ORDER BY published_at, bop_id LIMIT ?2) ORDER BY published_at DESC, bop_id DESC LIMIT 1",
        )?
        .query_row(params![fan, len - TIMELINE_CAP], |r| Ok((r.get(0)?, r.get(1)?)))?;
    raise_floor(conn, fan, cut)
}

/// From now on the fan's timeline only vouches for followed Bops newer than
/// `floor`: rows at or below it leave (the feed's second segment serves
/// those), and the floor never moves down.
fn raise_floor(conn: &Connection, fan: UserId, floor: (i64, i64)) -> rusqlite::Result<()> {
    let floor = timeline_floor(conn, fan)?.max(floor);
    let removed = conn
        .prepare_cached("DELETE FROM bops_timeline WHERE fan_user_id = ?1 AND (published_at, bop_id) <= (?2, ?3)")?
        .execute(params![fan, floor.0, floor.1])?;
    conn.prepare_cached(
        "INSERT INTO bops_timeline_state (fan_user_id, len, floor_published_at, floor_bop_id) VALUES (?1, 0, ?2, ?3)
         ON CONFLICT (fan_user_id) DO UPDATE SET len = max(len - ?4, 0), floor_published_at = ?2, floor_bop_id = ?3",
    )?
    .execute(params![fan, floor.0, floor.1, removed as i64])?;
    Ok(())
}

/// Puts one Bop into one fan's timeline (if newer than its floor).
fn insert_timeline_row(conn: &Connection, fan: UserId, bop_id: BopId) -> rusqlite::Result<()> {
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO bops_timeline (fan_user_id, published_at, bop_id, artist_id)
             SELECT ?1, b.published_at, b.id, b.artist_id FROM bops_videos b
             WHERE b.id = ?2 AND b.deleted_at IS NULL AND b.visibility IN ('public', 'followers')
               AND (b.published_at, b.id) > (SELECT COALESCE(MAX(floor_published_at), -1), COALESCE(MAX(floor_bop_id), -1)
                                             FROM bops_timeline_state WHERE fan_user_id = ?1)",
        )?
        .execute(params![fan, bop_id])?;
    if added > 0 { timeline_grew(conn, fan, added as i64) } else { Ok(()) }
}

/// Writes a Bop into the timelines of the next `batch` followers of its
/// artist after follower `after` (fan ids ascending). Returns the last
/// follower written when there may be more, `None` when this was the last batch.
/// One batch of a fan-out: the followers written, and where the next
/// batch starts when there may be more.
pub struct FanOutBatch {
    pub followers: Vec<UserId>,
    pub next_after: Option<UserId>,
}

pub fn fan_out_bop(conn: &Connection, bop_uid: &str, after: UserId, batch: usize) -> rusqlite::Result<FanOutBatch> {
    let Some((bop_id, artist_id)) = conn
        .prepare_cached("SELECT id, artist_id FROM bops_videos WHERE uid = ?1")?
        .query_row([bop_uid], |r| Ok((r.get::<_, BopId>(0)?, r.get::<_, ArtistId>(1)?)))
        .optional()?
    else {
        return Ok(FanOutBatch { followers: Vec::new(), next_after: None });
    };
    let followers: Vec<UserId> = conn
        .prepare_cached(
            "SELECT fan_user_id FROM fan_relationships INDEXED BY fan_relationships_artist
             WHERE artist_id = ?1 AND following = 1 AND fan_user_id > ?2 ORDER BY fan_user_id LIMIT ?3",
        )?
        .query_map(params![artist_id, after, batch as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &fan in &followers {
        insert_timeline_row(conn, fan, bop_id)?;
    }
    let next_after = if followers.len() == batch { followers.last().copied() } else { None };
    Ok(FanOutBatch { followers, next_after })
}

/// A new follow (standing since `followed_at`): the artist's newest Bops
/// (as many as a timeline holds, and only those newer than its floor) go
/// into the fan's timeline, once per follow. When the artist has older Bops
/// still, the floor rises to the newest of those, so they are served with
/// everyone else's instead of being lost.
pub fn backfill_timeline(
    conn: &Connection,
    fan: UserId,
    artist_id: ArtistId,
    followed_at: i64,
) -> rusqlite::Result<()> {
    // This follow has backfilled already: what came after, fan-out brought.
    let done = conn
        .prepare_cached(
            "INSERT INTO bops_timeline_backfills (fan_user_id, artist_id, followed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (fan_user_id, artist_id) DO UPDATE SET followed_at = excluded.followed_at
             WHERE followed_at <> excluded.followed_at",
        )?
        .execute(params![fan, artist_id, followed_at])?;
    if done == 0 {
        return Ok(());
    }
    let floor = timeline_floor(conn, fan)?;
    let newest: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT b.published_at, b.id FROM bops_videos b INDEXED BY bops_by_artist
             WHERE b.artist_id = ?1 AND b.deleted_at IS NULL AND b.visibility IN ('public', 'followers')
               AND (b.published_at, b.id) > (?2, ?3)
             ORDER BY b.published_at DESC, b.id DESC LIMIT ?4",
        )?
        .query_map(params![artist_id, floor.0, floor.1, TIMELINE_CAP + 1], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO bops_timeline (fan_user_id, published_at, bop_id, artist_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut added = 0;
    for &(published_at, id) in newest.iter().take(TIMELINE_CAP as usize) {
        added += insert.execute(params![fan, published_at, id, artist_id])?;
    }
    timeline_grew(conn, fan, added as i64)?;
    match newest.get(TIMELINE_CAP as usize) {
        Some(&older) => raise_floor(conn, fan, older),
        None => Ok(()),
    }
}

/// An unfollow: the artist's Bops leave the fan's timeline.
pub fn remove_from_timeline(conn: &Connection, fan: UserId, artist_id: ArtistId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM bops_timeline_backfills WHERE fan_user_id = ?1 AND artist_id = ?2")?
        .execute(params![fan, artist_id])?;
    let removed = conn
        .prepare_cached("DELETE FROM bops_timeline WHERE fan_user_id = ?1 AND artist_id = ?2")?
        .execute(params![fan, artist_id])?;
    if removed > 0 { timeline_grew(conn, fan, -(removed as i64)) } else { Ok(()) }
}

/// A Bop as the studio lists it: what the artist manages, without the
/// artist (it is theirs) or a fan's like.
#[derive(Debug, Clone)]
pub struct StudioRow {
    pub id: i64,
    pub uid: String,
    pub caption: String,
    pub visibility: String,
    pub poster_key: Option<String>,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub tip_count: i64,
    pub tip_total_minor: i64,
    /// The language of its captions, when it has some.
    pub captions_lang: Option<String>,
    /// The label hid it (fans no longer see it; the artist cannot undo it).
    pub hidden_by_label: bool,
    /// Its standing in the For You ranking, when it is ranked (public).
    pub standing: Option<super::rank::Standing>,
}

/// A page of the artist's own Bops, newest first, before `(published_at,
/// id)`: one walk of `bops_by_artist` and the rows it names, each with its
/// ranking standing (a primary-key seek per row in the same statement,
/// rather than a second statement over a JSON list of the page's ids).
pub fn list_bops_for_artist(
    conn: &Connection,
    artist: ArtistId,
    before: Option<(i64, i64)>,
    limit: usize,
) -> rusqlite::Result<Vec<StudioRow>> {
    let (published_at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    conn.prepare_cached(
        "SELECT b.uid, b.caption, b.visibility, b.poster_key, b.view_count, b.like_count, b.comment_count, b.tip_count,
                b.tip_total_minor, b.id, CASE WHEN b.captions_key IS NOT NULL THEN b.captions_lang END,
                b.hidden_at IS NOT NULL,
                r.bop_id, r.artist_id, r.published_at, r.seed_rank, r.heat_rank, r.artist_loyalty, r.genres
         FROM bops_videos b LEFT JOIN bops_rank r ON r.bop_id = b.id
         WHERE b.artist_id = ?1 AND b.deleted_at IS NULL AND (b.published_at, b.id) < (?2, ?3)
         ORDER BY b.published_at DESC, b.id DESC LIMIT ?4",
    )?
    .query_map(params![artist.0, published_at, id, limit as i64], |r| {
        Ok(StudioRow {
            uid: r.get(0)?,
            caption: r.get(1)?,
            visibility: r.get(2)?,
            poster_key: r.get(3)?,
            view_count: r.get(4)?,
            like_count: r.get(5)?,
            comment_count: r.get(6)?,
            tip_count: r.get(7)?,
            tip_total_minor: r.get(8)?,
            id: r.get(9)?,
            captions_lang: r.get(10)?,
            hidden_by_label: r.get(11)?,
            standing: super::rank::standing_at(r, 12)?,
        })
    })?
    .collect()
}

/// Where the artist's own (not deleted) Bop `uid` sits in their list.
pub fn find_bop_position(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT published_at, id FROM bops_videos WHERE uid = ?2 AND artist_id = ?1 AND deleted_at IS NULL",
    )?
    .query_row(params![artist.0, uid], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Changes a caption of the artist's own Bop; false when it is not theirs.
pub fn update_caption(
    conn: &Connection,
    artist: ArtistId,
    uid: &str,
    caption: &str,
    hashtags: &[String],
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE bops_videos SET caption = ?3, hashtags = ?4, updated_at = ?5
         WHERE uid = ?2 AND artist_id = ?1 AND deleted_at IS NULL",
        params![artist.0, uid, caption, serde_json::to_string(hashtags).unwrap_or_else(|_| "[]".into()), now],
    )?;
    Ok(changed == 1)
}

pub fn soft_delete_bop(conn: &Connection, artist: ArtistId, uid: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE bops_videos SET deleted_at = ?3 WHERE uid = ?2 AND artist_id = ?1 AND deleted_at IS NULL",
        params![artist.0, uid, now],
    )?;
    Ok(changed == 1)
}

/// The visibility and type of the live Bop whose video, the video's low
/// rendition (always MP4) or its captions (WebVTT) is `key`; `None` when it
/// is deleted, hidden by the label, its artist suspended, or no Bop has it.
pub fn find_video_access(conn: &Connection, key: &str) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached(
        "SELECT b.visibility, CASE WHEN b.video_key = ?1 THEN b.video_type
                                   WHEN b.captions_key = ?1 THEN 'text/vtt; charset=utf-8' ELSE 'video/mp4' END
         FROM bops_videos b JOIN artist_profiles a ON a.id = b.artist_id
         WHERE (b.video_key = ?1 OR b.low_video_key = ?1 OR b.captions_key = ?1)
           AND b.deleted_at IS NULL AND b.hidden_at IS NULL AND a.suspended_at IS NULL
         LIMIT 1",
    )?
    .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// The widest visibility among the live Bops that show poster `key`
/// (posters are content-addressed, so two Bops may share one).
pub fn find_poster_visibility(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT b.visibility FROM bops_videos b JOIN artist_profiles a ON a.id = b.artist_id
         WHERE b.poster_key = ?1 AND b.deleted_at IS NULL AND b.hidden_at IS NULL AND a.suspended_at IS NULL
         ORDER BY b.visibility = 'public' DESC LIMIT 1",
    )?
    .query_row([key], |r| r.get(0))
    .optional()
}

/// A soft-deleted Bop whose files are still in the store.
#[derive(Debug, Clone)]
pub struct PurgeableBop {
    pub id: BopId,
    pub video_key: String,
    pub poster_key: Option<String>,
    pub low_video_key: Option<String>,
    pub captions_key: Option<String>,
}

/// Bops deleted before `deleted_before` whose files are not purged yet, oldest first.
pub fn list_purgeable_bops(
    conn: &Connection,
    deleted_before: i64,
    limit: usize,
) -> rusqlite::Result<Vec<PurgeableBop>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, video_key, poster_key, low_video_key, captions_key FROM bops_videos
         WHERE deleted_at IS NOT NULL AND media_purged_at IS NULL AND deleted_at <= ?1
         ORDER BY deleted_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![deleted_before, limit as i64], |r| {
        Ok(PurgeableBop {
            id: r.get(0)?,
            video_key: r.get(1)?,
            poster_key: r.get(2)?,
            low_video_key: r.get(3)?,
            captions_key: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Does any Bop but `except` still need poster `key` (live, or deleted but not yet purged)?
pub fn poster_in_use(conn: &Connection, key: &str, except: BopId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM bops_videos WHERE poster_key = ?1 AND id != ?2 AND media_purged_at IS NULL")?
        .exists(params![key, except])
}

/// Marks the Bop's files purged; returns its low rendition's key as it is
/// now (one made while the purge ran is recorded before this or sees the
/// mark: the single writer orders the two).
pub fn mark_media_purged(conn: &Connection, id: BopId, now: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("UPDATE bops_videos SET media_purged_at = ?2 WHERE id = ?1 RETURNING low_video_key")?
        .query_row(params![id, now], |r| r.get(0))
}

/// Queues the making of a Bop's low rendition (once per Bop).
pub fn insert_rendition_job(conn: &Connection, bop: BopId, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO bops_renditions (bop_id, state, next_attempt_at, created_at, updated_at)
         VALUES (?1, 'pending', ?2, ?2, ?2) ON CONFLICT (bop_id) DO NOTHING",
    )?
    .execute(params![bop, now])?;
    Ok(())
}

/// A rendition to make, with what its Bop's video is.
#[derive(Debug, Clone)]
pub struct RenditionJob {
    pub bop_id: BopId,
    pub bop_uid: String,
    pub attempts: i64,
    pub video_key: String,
    pub width: u32,
    pub height: u32,
    pub duration_ms: i64,
    pub size_bytes: i64,
    pub deleted: bool,
}

/// The pending rendition whose time came last: a new Bop's goes before a
/// backlog (the Bops published before renditions, or while ffmpeg was missing).
pub fn next_due_rendition(conn: &Connection, now: i64) -> rusqlite::Result<Option<RenditionJob>> {
    conn.prepare_cached(
        "SELECT r.bop_id, b.uid, r.attempts, b.video_key, b.width, b.height, b.duration_ms, b.size_bytes,
                b.deleted_at IS NOT NULL
         FROM bops_renditions r JOIN bops_videos b ON b.id = r.bop_id
         WHERE r.state = 'pending' AND r.next_attempt_at <= ?1
         ORDER BY r.next_attempt_at DESC, r.bop_id DESC LIMIT 1",
    )?
    .query_row([now], |r| {
        Ok(RenditionJob {
            bop_id: r.get(0)?,
            bop_uid: r.get(1)?,
            attempts: r.get(2)?,
            video_key: r.get(3)?,
            width: r.get(4)?,
            height: r.get(5)?,
            duration_ms: r.get(6)?,
            size_bytes: r.get(7)?,
            deleted: r.get(8)?,
        })
    })
    .optional()
}

/// When the next pending rendition is due, if any is.
pub fn next_rendition_due_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT MIN(next_attempt_at) FROM bops_renditions WHERE state = 'pending'")?
        .query_row([], |r| r.get(0))
}

/// Records a made rendition on its job and its Bop. Returns whether the
/// Bop's files were purged meanwhile (then the caller deletes this one too).
pub fn rendition_made(
    conn: &Connection,
    bop: BopId,
    key: &str,
    made: (u32, u32, u64),
    now: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "UPDATE bops_renditions SET state = 'done', attempts = attempts + 1, last_error = '', width = ?2,
                height = ?3, size_bytes = ?4, updated_at = ?5
         WHERE bop_id = ?1",
    )?
    .execute(params![bop, made.0, made.1, made.2 as i64, now])?;
    conn.prepare_cached("UPDATE bops_videos SET low_video_key = ?2 WHERE id = ?1")?.execute(params![bop, key])?;
    conn.prepare_cached("SELECT media_purged_at IS NOT NULL FROM bops_videos WHERE id = ?1")?
        .query_row([bop], |r| r.get(0))
}

/// A rendition not made, with why: `skipped` (not worth it), or a failed
/// attempt, retried at `retry_at` or given up (`None`).
pub fn rendition_not_made(
    conn: &Connection,
    bop: BopId,
    outcome: RenditionOutcome,
    why: &str,
    now: i64,
) -> rusqlite::Result<()> {
    let (state, attempted, retry_at) = match outcome {
        RenditionOutcome::Skipped => ("skipped", 0, None),
        RenditionOutcome::Failed { retry_at: Some(at) } => ("pending", 1, Some(at)),
        RenditionOutcome::Failed { retry_at: None } => ("failed", 1, None),
    };
    conn.prepare_cached(
        "UPDATE bops_renditions SET state = ?2, attempts = attempts + ?3, last_error = ?4,
                next_attempt_at = COALESCE(?5, next_attempt_at), updated_at = ?6
         WHERE bop_id = ?1",
    )?
    .execute(params![bop, state, attempted, why, retry_at, now])?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionOutcome {
    Skipped,
    Failed { retry_at: Option<i64> },
}

/// Adds a like; false when it was already there (likes are idempotent).
pub fn insert_like(conn: &Connection, bop_id: BopId, user: UserId, now: i64) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO bops_likes (bop_id, user_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )?
        .execute(params![bop_id, user, now])?;
    if inserted == 1 {
        conn.prepare_cached("UPDATE bops_videos SET like_count = like_count + 1 WHERE id = ?1")?.execute([bop_id])?;
    }
    Ok(inserted == 1)
}

/// Takes a like back; returns when it was made, if there was one.
pub fn delete_like(conn: &Connection, bop_id: BopId, user: UserId) -> rusqlite::Result<Option<i64>> {
    let liked_at: Option<i64> = conn
        .prepare_cached("DELETE FROM bops_likes WHERE bop_id = ?1 AND user_id = ?2 RETURNING created_at")?
        .query_row(params![bop_id, user], |r| r.get(0))
        .optional()?;
    if liked_at.is_some() {
        conn.prepare_cached("UPDATE bops_videos SET like_count = like_count - 1 WHERE id = ?1")?.execute([bop_id])?;
    }
    Ok(liked_at)
}

pub fn like_count(conn: &Connection, bop_id: BopId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT like_count FROM bops_videos WHERE id = ?1")?.query_row([bop_id], |r| r.get(0))
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentRow {
    #[serde(skip)]
    pub id: CommentId,
    pub uid: String,
    #[serde(skip)]
    pub user_id: UserId,
    pub author: String,
    /// The author's photo (an artist's profile photo, a fan's avatar).
    pub author_avatar_url: Option<String>,
    /// The Bop's own artist wrote it (the app marks it "Artist").
    pub by_artist: bool,
    #[serde(skip)]
    pub parent_id: Option<CommentId>,
    pub parent_uid: Option<String>,
    pub body: String,
    pub like_count: i64,
    /// The viewer likes it.
    pub liked: bool,
    /// The viewer wrote it (may edit and delete it).
    pub mine: bool,
    /// The artist pinned it on top of the thread.
    pub pinned: bool,
    pub edited: bool,
    pub created_at: i64,
}

/// `?1` is the viewer in every statement that uses it.
const COMMENT_SELECT: &str = "SELECT c.id, c.uid, c.user_id,
        COALESCE(a.stage_name, u.display_name), c.parent_id, p.uid, c.body, c.like_count,
        c.edited_at IS NOT NULL, c.created_at, a.id IS NOT NULL AND a.id = v.artist_id,
        l.user_id IS NOT NULL, c.user_id = ?1, c.pinned_at IS NOT NULL, COALESCE(a.photo_key, u.avatar_key)
     FROM bops_comments c JOIN users u ON u.id = c.user_id
     JOIN bops_videos v ON v.id = c.bop_id
     LEFT JOIN artist_profiles a ON a.user_id = u.id
     LEFT JOIN bops_comments p ON p.id = c.parent_id
     LEFT JOIN bops_comment_likes l ON l.comment_id = c.id AND l.user_id = ?1";

fn comment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CommentRow> {
    Ok(CommentRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        user_id: r.get(2)?,
        author: r.get(3)?,
        parent_id: r.get(4)?,
        parent_uid: r.get(5)?,
        body: r.get(6)?,
        like_count: r.get(7)?,
        edited: r.get(8)?,
        created_at: r.get(9)?,
        by_artist: r.get(10)?,
        liked: r.get(11)?,
        mine: r.get(12)?,
        pinned: r.get(13)?,
        author_avatar_url: r
            .get::<_, Option<String>>(14)?
            .as_deref()
            .and_then(crate::media::MediaKey::parse)
            .map(|k| k.url_path()),
    })
}

const VISIBLE_COMMENT: &str = "c.deleted_at IS NULL AND c.hidden_at IS NULL";

/// Visible comments of a Bop, oldest first, after comment id `after`; the
/// first page (`after` 0) starts with the pinned comment, which the
/// id-ordered pages then leave out.
pub fn list_comments(
    conn: &Connection,
    viewer: UserId,
    bop_id: BopId,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<CommentRow>> {
    let mut rows = Vec::with_capacity(limit);
    if after == 0 {
        rows.extend(
            conn.prepare_cached(&pinned_comment_sql())?.query_row(params![viewer, bop_id], comment_row).optional()?,
        );
    }
    // A literal limit, as in `list_bops_for_artist`: a bound one makes
    // SQLite compile the statement again on each use.
    let sql = format!(
        "{COMMENT_SELECT} WHERE c.bop_id = ?2 AND c.id > ?3 AND c.pinned_at IS NULL AND {VISIBLE_COMMENT}
         ORDER BY c.id LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    for row in stmt.query_map(params![viewer, bop_id, after], comment_row)? {
        rows.push(row?);
    }
    Ok(rows)
}

/// The Bop's pinned comment (`?2`), by the partial index of pinned ones —
/// named, because statistics gathered before the index existed (the demo's
/// `ANALYZE`) make the planner prefer walking the Bop's comments.
fn pinned_comment_sql() -> String {
    let select = COMMENT_SELECT.replacen(
        "FROM bops_comments c JOIN",
        "FROM bops_comments c INDEXED BY bops_comments_pinned JOIN",
        1,
    );
    format!("{select} WHERE c.bop_id = ?2 AND c.pinned_at IS NOT NULL AND {VISIBLE_COMMENT}")
}

/// A visible comment: a deleted or hidden one is gone for every purpose
/// (reply, like, edit, remove, pin), as it is from the list.
pub fn find_comment(
    conn: &Connection,
    viewer: UserId,
    bop_id: BopId,
    uid: &str,
) -> rusqlite::Result<Option<CommentRow>> {
    let sql = format!("{COMMENT_SELECT} WHERE c.bop_id = ?2 AND c.uid = ?3 AND {VISIBLE_COMMENT}");
    conn.prepare_cached(&sql)?.query_row(params![viewer, bop_id, uid], comment_row).optional()
}

/// A visible comment by its own id, with its Bop's uid (for reports).
pub fn find_comment_by_uid(
    conn: &Connection,
    viewer: UserId,
    uid: &str,
) -> rusqlite::Result<Option<(CommentRow, String)>> {
    let sql = format!("{COMMENT_SELECT} WHERE c.uid = ?2 AND {VISIBLE_COMMENT}");
    let Some(comment) = conn.query_row_cached(&sql, params![viewer, uid], comment_row).optional()? else {
        return Ok(None);
    };
    let bop: String = conn.query_row_cached(
        "SELECT v.uid FROM bops_comments c JOIN bops_videos v ON v.id = c.bop_id WHERE c.id = ?1",
        [comment.id],
        |r| r.get(0),
    )?;
    Ok(Some((comment, bop)))
}

/// The comments an artist hid on a Bop, newest first (the studio's
/// "Hidden" list, from which they can be shown again); what the label hid
/// is not theirs to show.
pub fn list_hidden_comments(conn: &Connection, viewer: UserId, bop_id: BopId) -> rusqlite::Result<Vec<CommentRow>> {
    let sql = format!(
        "{COMMENT_SELECT} WHERE c.bop_id = ?2 AND c.hidden_at IS NOT NULL AND c.deleted_at IS NULL
           AND COALESCE(c.hidden_by, 'artist') = 'artist'
         ORDER BY c.hidden_at DESC LIMIT 100"
    );
    conn.prepare_cached(&sql)?.query_map(params![viewer, bop_id], comment_row)?.collect()
}

/// Pins a top-level comment (unpinning any other), or unpins it.
pub fn set_comment_pin(
    conn: &Connection,
    bop_id: BopId,
    comment_id: CommentId,
    pinned: bool,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE bops_comments SET pinned_at = NULL WHERE bop_id = ?1 AND pinned_at IS NOT NULL",
        [bop_id],
    )?;
    if pinned {
        conn.execute_cached("UPDATE bops_comments SET pinned_at = ?2 WHERE id = ?1", params![comment_id, now])?;
    }
    Ok(())
}

/// Shows a comment the artist hid again (never one the label hid); the
/// count rises once.
pub fn unhide_comment(conn: &Connection, bop_id: BopId, uid: &str) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE bops_comments SET hidden_at = NULL, hidden_by = NULL
          WHERE bop_id = ?1 AND uid = ?2 AND hidden_at IS NOT NULL AND deleted_at IS NULL
            AND COALESCE(hidden_by, 'artist') = 'artist'",
        params![bop_id, uid],
    )?;
    if changed == 1 {
        conn.execute_cached("UPDATE bops_videos SET comment_count = comment_count + 1 WHERE id = ?1", [bop_id])?;
    }
    Ok(changed == 1)
}

pub fn insert_comment(
    conn: &Connection,
    bop_id: BopId,
    user: UserId,
    parent: Option<CommentId>,
    body: &str,
    now: i64,
) -> rusqlite::Result<String> {
    let uid = crate::core::new_uid();
    conn.prepare_cached(
        "INSERT INTO bops_comments (uid, bop_id, user_id, parent_id, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![uid, bop_id, user, parent, body, now])?;
    conn.prepare_cached("UPDATE bops_videos SET comment_count = comment_count + 1 WHERE id = ?1")?.execute([bop_id])?;
    Ok(uid)
}

pub fn update_comment(conn: &Connection, comment_id: CommentId, body: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE bops_comments SET body = ?2, edited_at = ?3 WHERE id = ?1",
        params![comment_id, body, now],
    )?;
    Ok(())
}

/// Soft-deletes or hides a comment; the count drops once either way.
pub fn remove_comment(
    conn: &Connection,
    bop_id: BopId,
    comment_id: CommentId,
    hide: bool,
    now: i64,
) -> rusqlite::Result<()> {
    let column = if hide { "hidden_at = ?2, hidden_by = 'artist'" } else { "deleted_at = ?2" };
    let changed = conn.execute_cached(
        &format!(
            "UPDATE bops_comments SET {column}, pinned_at = NULL
              WHERE id = ?1 AND deleted_at IS NULL AND hidden_at IS NULL"
        ),
        params![comment_id, now],
    )?;
    if changed == 1 {
        conn.execute_cached("UPDATE bops_videos SET comment_count = comment_count - 1 WHERE id = ?1", [bop_id])?;
    }
    Ok(())
}

pub fn set_comment_like(
    conn: &Connection,
    comment_id: CommentId,
    user: UserId,
    liked: bool,
    now: i64,
) -> rusqlite::Result<()> {
    let changed = if liked {
        conn.execute_cached(
            "INSERT INTO bops_comment_likes (comment_id, user_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![comment_id, user, now],
        )?
    } else {
        conn.execute_cached(
            "DELETE FROM bops_comment_likes WHERE comment_id = ?1 AND user_id = ?2",
            params![comment_id, user],
        )?
    };
    if changed == 1 {
        let delta = if liked { 1 } else { -1 };
        conn.execute_cached(
            "UPDATE bops_comments SET like_count = like_count + ?2 WHERE id = ?1",
            params![comment_id, delta],
        )?;
    }
    Ok(())
}

/// Counts a view unless this viewer was counted for this Bop since `since`.
pub fn record_view(
    conn: &Connection,
    bop_id: BopId,
    viewer_key: &str,
    watched_ms: i64,
    now: i64,
    since: i64,
) -> rusqlite::Result<bool> {
    let recent = conn
        .prepare_cached("SELECT 1 FROM bops_views WHERE bop_id = ?1 AND viewer_key = ?2 AND viewed_at > ?3")?
        .exists(params![bop_id, viewer_key, since])?;
    if recent {
        return Ok(false);
    }
    conn.prepare_cached("INSERT INTO bops_views (bop_id, viewer_key, watched_ms, viewed_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![bop_id, viewer_key, watched_ms, now])?;
    conn.prepare_cached("UPDATE bops_videos SET view_count = view_count + 1 WHERE id = ?1")?.execute([bop_id])?;
    Ok(true)
}

/// A tip as it starts: pending until the provider says it is paid.
pub struct NewTip<'a> {
    pub uid: &'a str,
    pub bop: BopId,
    pub artist: ArtistId,
    pub fan: UserId,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub fee_minor: i64,
    pub provider: &'a str,
    pub payment_ref: &'a str,
    pub message: &'a str,
    pub on_wall: bool,
}

pub fn insert_tip(conn: &Connection, tip: &NewTip<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO bops_tips (uid, bop_id, artist_id, fan_user_id, amount_minor, currency, fee_minor, provider,
                                payment_ref, status, created_at, message, on_wall)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?11, ?12)",
    )?
    .execute(params![
        tip.uid,
        tip.bop,
        tip.artist,
        tip.fan,
        tip.amount_minor,
        tip.currency,
        tip.fee_minor,
        tip.provider,
        tip.payment_ref,
        now,
        tip.message,
        tip.on_wall
    ])?;
    Ok(())
}

/// A tip that has just been settled.
pub struct SettledTip {
    pub uid: String,
    pub bop: BopId,
    pub artist: ArtistId,
    pub fan: UserId,
    pub amount_minor: i64,
    pub fee_minor: i64,
    pub currency: String,
}

/// Marks the pending tip paid by `payment_ref` as succeeded and counts it
/// on its Bop; `None` when there is no such pending tip.
/// A tip's message (empty when none), for the artist's notice.
pub fn tip_message(conn: &Connection, tip_uid: &str) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT message FROM bops_tips WHERE uid = ?1")?
        .query_row([tip_uid], |r| r.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

pub fn settle_tip(conn: &Connection, payment_ref: &str, now: i64) -> rusqlite::Result<Option<SettledTip>> {
    let settled = conn
        .prepare_cached(
            "UPDATE bops_tips SET status = 'succeeded', succeeded_at = ?2 WHERE payment_ref = ?1 AND status = 'pending'
             RETURNING uid, bop_id, artist_id, fan_user_id, amount_minor, currency, fee_minor",
        )?
        .query_row(params![payment_ref, now], |r| {
            Ok(SettledTip {
                uid: r.get(0)?,
                bop: r.get(1)?,
                artist: r.get(2)?,
                fan: r.get(3)?,
                amount_minor: r.get(4)?,
                currency: r.get(5)?,
                fee_minor: r.get(6)?,
            })
        })
        .optional()?;
    if let Some(tip) = &settled {
        conn.prepare_cached(
            "UPDATE bops_videos SET tip_count = tip_count + 1, tip_total_minor = tip_total_minor + ?2 WHERE id = ?1",
        )?
        .execute(params![tip.bop, tip.amount_minor])?;
    }
    Ok(settled)
}

pub fn find_bop_uid(conn: &Connection, bop: BopId) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT uid FROM bops_videos WHERE id = ?1")?.query_row([bop], |r| r.get(0))
}

/// The payment of the fan's own tip `tip_uid`.
pub fn find_tip_payment_ref(conn: &Connection, tip_uid: &str, fan: UserId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT payment_ref FROM bops_tips WHERE uid = ?1 AND fan_user_id = ?2")?
        .query_row(params![tip_uid, fan], |r| r.get(0))
        .optional()
}

/// An upload in progress (`bops_uploads`).
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub uid: String,
    pub artist_id: i64,
    pub media_key: String,
    pub size: u64,
    pub received: u64,
    pub mode: String,
    pub content_type: Option<String>,
    pub part_size: Option<u64>,
    pub multipart_id: Option<String>,
    /// "bop" or "master" (see `uploads::UploadPurpose`).
    pub purpose: String,
    pub touched_at: i64,
}

const UPLOAD_COLUMNS: &str =
    "uid, artist_id, media_key, size, received, mode, content_type, part_size, multipart_id, touched_at, purpose";

fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        uid: r.get(0)?,
        artist_id: r.get(1)?,
        media_key: r.get(2)?,
        size: r.get(3)?,
        received: r.get(4)?,
        mode: r.get(5)?,
        content_type: r.get(6)?,
        part_size: r.get(7)?,
        multipart_id: r.get(8)?,
        touched_at: r.get(9)?,
        purpose: r.get(10)?,
    })
}

pub fn insert_upload(conn: &Connection, row: &UploadRow, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO bops_uploads (uid, artist_id, media_key, size, received, mode, content_type, part_size,
             multipart_id, created_at, touched_at, purpose)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
    )?
    .execute(params![
        row.uid,
        row.artist_id,
        row.media_key,
        row.size,
        row.received,
        row.mode,
        row.content_type,
        row.part_size,
        row.multipart_id,
        now,
        row.purpose
    ])?;
    Ok(())
}

/// The artist's upload `uid`; another artist's is as good as missing.
pub fn find_upload(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<Option<UploadRow>> {
    conn.prepare_cached(&format!("SELECT {UPLOAD_COLUMNS} FROM bops_uploads WHERE uid = ?1 AND artist_id = ?2"))?
        .query_row(params![uid, artist.0], upload_row)
        .optional()
}

pub fn find_upload_by_uid(conn: &Connection, uid: &str) -> rusqlite::Result<Option<UploadRow>> {
    conn.prepare_cached(&format!("SELECT {UPLOAD_COLUMNS} FROM bops_uploads WHERE uid = ?1"))?
        .query_row([uid], upload_row)
        .optional()
}

/// The artist's uploads touched at or after `since`: those still in progress.
pub fn count_live_uploads_for_artist(conn: &Connection, artist: ArtistId, since: i64) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM bops_uploads WHERE artist_id = ?1 AND touched_at >= ?2")?
        .query_row(params![artist.0, since], |r| r.get(0))
}

pub fn count_uploads(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM bops_uploads")?.query_row([], |r| r.get(0))
}

/// Uploads untouched since before `touched_before`, longest idle first.
pub fn list_stale_uploads(conn: &Connection, touched_before: i64, limit: usize) -> rusqlite::Result<Vec<UploadRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM bops_uploads WHERE touched_at < ?1 ORDER BY touched_at LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![touched_before, limit as i64], upload_row)?;
    rows.collect()
}

pub fn set_upload_received(conn: &Connection, uid: &str, received: u64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE bops_uploads SET received = ?2, touched_at = ?3 WHERE uid = ?1")?
        .execute(params![uid, received, now])?;
    Ok(())
}

/// Records the store's multipart upload of `uid`, and the key and type it writes to.
pub fn set_upload_multipart(
    conn: &Connection,
    uid: &str,
    media_key: &str,
    content_type: &str,
    multipart_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE bops_uploads SET media_key = ?2, content_type = ?3, multipart_id = ?4, touched_at = ?5 WHERE uid = ?1",
    )?
    .execute(params![uid, media_key, content_type, multipart_id, now])?;
    Ok(())
}

/// Records a part the store accepted (a retried part replaces its ETag)
/// together with the bytes now received.
pub fn record_upload_part(
    conn: &Connection,
    uid: &str,
    index: u64,
    etag: &str,
    received: u64,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO bops_upload_parts (upload_uid, part_index, etag) VALUES (?1, ?2, ?3)
         ON CONFLICT (upload_uid, part_index) DO UPDATE SET etag = excluded.etag",
    )?
    .execute(params![uid, index, etag])?;
    set_upload_received(conn, uid, received, now)
}

/// The ETags of the upload's parts, in part order.
pub fn list_upload_parts(conn: &Connection, uid: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT etag FROM bops_upload_parts WHERE upload_uid = ?1 ORDER BY part_index")?;
    let rows = stmt.query_map([uid], |r| r.get(0))?;
    rows.collect()
}

/// Forgets an upload and its parts.
pub fn delete_upload(conn: &Connection, uid: &str) -> rusqlite::Result<bool> {
    Ok(conn.prepare_cached("DELETE FROM bops_uploads WHERE uid = ?1")?.execute([uid])? == 1)
}

/// What the captions page needs of the artist's own live Bop.
#[derive(Debug, Clone)]
pub struct CaptionsTarget {
    pub id: BopId,
    pub uid: String,
    pub caption: String,
    pub video_key: String,
    pub poster_key: Option<String>,
    pub visibility: String,
    pub captions_key: Option<String>,
    pub captions_lang: Option<String>,
}

/// The artist's own live Bop `uid`, for its captions.
pub fn find_captions_target(
    conn: &Connection,
    artist: ArtistId,
    uid: &str,
) -> rusqlite::Result<Option<CaptionsTarget>> {
    conn.prepare_cached(
        "SELECT id, uid, caption, video_key, poster_key, visibility, captions_key, captions_lang FROM bops_videos
         WHERE uid = ?2 AND artist_id = ?1 AND deleted_at IS NULL",
    )?
    .query_row(params![artist.0, uid], |r| {
        Ok(CaptionsTarget {
            id: r.get(0)?,
            uid: r.get(1)?,
            caption: r.get(2)?,
            video_key: r.get(3)?,
            poster_key: r.get(4)?,
            visibility: r.get(5)?,
            captions_key: r.get(6)?,
            captions_lang: r.get(7)?,
        })
    })
    .optional()
}

/// Sets (or, with `None`, removes) the captions of the artist's own live
/// Bop `uid`. Returns the key it replaced as `Ok(Some(old))`, `Ok(None)`
/// when the Bop is not theirs or is gone.
pub fn set_captions(
    conn: &Connection,
    artist: ArtistId,
    uid: &str,
    captions: Option<(&str, &str)>,
) -> rusqlite::Result<Option<Option<String>>> {
    let old: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT captions_key FROM bops_videos WHERE uid = ?2 AND artist_id = ?1 AND deleted_at IS NULL",
        )?
        .query_row(params![artist.0, uid], |r| r.get(0))
        .optional()?;
    if old.is_some() {
        let (key, lang) = captions.unzip();
        conn.prepare_cached(
            "UPDATE bops_videos SET captions_key = ?3, captions_lang = ?4 WHERE uid = ?2 AND artist_id = ?1",
        )?
        .execute(params![artist.0, uid, key, lang])?;
    }
    Ok(old)
}

/// When the artist last made one (the label's roster); `None` if never.
pub fn last_created_at(conn: &Connection, artist: crate::core::ids::ArtistId) -> rusqlite::Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT published_at FROM bops_videos WHERE artist_id = ?1 AND deleted_at IS NULL ORDER BY published_at DESC, id DESC LIMIT 1")?
        .query_row([artist], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}

#[cfg(test)]
mod tests {
    /// The comment list's first page finds the pinned comment by its index,
    /// whatever the number of the Bop's comments.
    #[test]
    fn the_pinned_comment_is_found_by_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open_migrated(&dir.path().join("t.db")).unwrap();
        let plan = db
            .read_blocking(|c| {
                c.prepare_cached(&format!("EXPLAIN QUERY PLAN {}", super::pinned_comment_sql()))?
                    .query_map(rusqlite::params![1, 1], |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap()
            .join("\n");
        assert!(plan.contains("SEARCH c USING INDEX bops_comments_pinned (bop_id=?)"), "{plan}");
        assert!(super::pinned_comment_sql().contains("INDEXED BY"), "whatever the statistics say");
    }
}
