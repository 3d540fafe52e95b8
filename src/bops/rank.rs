//! Every public Bop's standing for the For You feed, kept by handlers (not
//! worked out per request), as decaying sums (`core::decay`) that halve
//! every [`HALF_LIFE_MS`]:
//! - a seed at publishing: [`SEED_POINTS`], more for an artist whose fans
//!   are loyal (their average loyalty then);
//! - heat: a point per like, [`COMMENT`] per comment, [`TIP`] per tip and
//!   a view's share of the video watched — engagement per hour, recent
//!   hours counting most.
//!
//! `rank` = log2(seed + heat) as of any today orders the candidates of
//! every fan's feed; what is personal (loyalty, genres, follows, watched)
//! is added per fan over those candidates (`for_you`). Fans' taste by
//! genre comes from follows and streams.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::events::{BopCommented, BopLiked, BopPublished, BopUnliked, BopViewed};
use super::tips::BopTipReceived;
use crate::analytics::config::LoyaltyConfig;
use crate::core::decay::{self, half_lives};
use crate::core::ids::{ArtistId, UserId};
use crate::db::Tx;
use crate::events::tally::{Tallied, grouped};
use crate::events::{PlatformEvent, Registry, StoredEvent, at, on, on_tallied};
use crate::identity::events::{FanFollowed, FanUnfollowed};
use crate::music::streams::StreamCounted;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Heat and seed halve every 12 hours.
pub const HALF_LIFE_MS: f64 = 12.0 * 3_600_000.0;
/// A new Bop's start, before any engagement.
pub const SEED_POINTS: f64 = 4.0;
/// Average fan loyalty that doubles the seed (capped at three times that).
const ARTIST_LOYALTY_SCALE: f64 = 20.0;
pub const LIKE: f64 = 1.0;
pub const COMMENT: f64 = 3.0;
pub const TIP: f64 = 5.0;
/// A view counts this much when watched to the end.
pub const VIEW: f64 = 1.0;
/// Genre points of a followed artist's genre, and of a stream's.
const FOLLOW_GENRE: i64 = 3;
const STREAM_GENRE: i64 = 1;

pub const RANK: &str = "bops.rank";
pub const TASTE: &str = "bops.genre_taste";

fn t(at_ms: i64) -> f64 {
    half_lives(at_ms, HALF_LIFE_MS)
}

/// The seed of a Bop of an artist whose fans' average loyalty is `loyalty`.
pub fn seed_points(loyalty: f64) -> f64 {
    SEED_POINTS * (1.0 + loyalty.clamp(0.0, 2.0 * ARTIST_LOYALTY_SCALE) / ARTIST_LOYALTY_SCALE)
}

pub fn register(registry: &mut Registry, loyalty: LoyaltyConfig) {
    on::<BopPublished>(registry, RANK, move |tx, e, ev| published(tx, &e, at(ev, e.at), &loyalty));
    let heat = registry.tally(write_heat);
    heats::<BopLiked>(registry, &heat, |e, ev| Heat::Add(e.bop_uid, LIKE, at(ev, e.at)));
    heats::<BopUnliked>(registry, &heat, |e, _| Heat::Take(e.bop_uid, LIKE, e.liked_at));
    heats::<BopCommented>(registry, &heat, |e, ev| Heat::Add(e.bop_uid, COMMENT, at(ev, e.at)));
    heats::<BopTipReceived>(registry, &heat, |e, ev| Heat::Add(e.bop_uid, TIP, ev.created_at));
    heats::<BopViewed>(registry, &heat, |e, ev| {
        let points = VIEW * e.completion();
        Heat::Add(e.bop_uid, points, at(ev, e.at))
    });
    on::<FanFollowed>(registry, TASTE, |tx, e, _| follow_taste(tx, &e, FOLLOW_GENRE));
    on::<FanUnfollowed>(registry, TASTE, |tx, e, _| follow_taste(tx, &e.0, -FOLLOW_GENRE));
    on::<StreamCounted>(registry, TASTE, |tx, e, _| {
        let Some(genre) = crate::music::service::track_genre(tx, &e.track_uid)? else { return Ok(()) };
        add_taste(tx, UserId(e.listener_id), &genre, STREAM_GENRE)
    });
}

/// A public Bop enters the ranking with its seed (once).
fn published(tx: &Tx, bop: &BopPublished, at: i64, loyalty: &LoyaltyConfig) -> rusqlite::Result<()> {
    if bop.visibility != "public" {
        return Ok(());
    }
    let artist = ArtistId(bop.artist_id);
    let fans = crate::analytics::loyalty::average_loyalty(tx, artist, loyalty, at)?;
    let genres = crate::identity::service::artist_genres(tx, artist)?.join("|");
    let seed = seed_points(fans).log2() + t(at);
    tx.prepare_cached(
        "INSERT INTO bops_rank (bop_id, artist_id, published_at, seed_rank, rank, artist_loyalty, genres)
         SELECT id, ?2, ?3, ?4, ?4, ?5, ?6 FROM bops_videos WHERE uid = ?1
         ON CONFLICT (bop_id) DO NOTHING",
    )?
    .execute(params![bop.bop_uid, artist, at, seed, fans, genres])?;
    Ok(())
}

fn standing(tx: &Tx, bop_uid: &str) -> rusqlite::Result<Option<(i64, f64, Option<f64>)>> {
    tx.prepare_cached(
        "SELECT r.bop_id, r.seed_rank, r.heat_rank FROM bops_rank r JOIN bops_videos b ON b.id = r.bop_id WHERE b.uid = ?1",
    )?
    .query_row([bop_uid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

fn store(tx: &Tx, bop_id: i64, seed: f64, heat: Option<f64>) -> rusqlite::Result<()> {
    let rank = heat.map_or(seed, |h| decay::log2_add(seed, h));
    tx.prepare_cached("UPDATE bops_rank SET heat_rank = ?2, rank = ?3 WHERE bop_id = ?1")?
        .execute(params![bop_id, heat, rank])?;
    Ok(())
}

/// A change to a Bop's heat: `points` of engagement at a time (ms), added
/// or taken back (an unlike).
enum Heat {
    Add(String, f64, i64),
    Take(String, f64, i64),
}

impl Heat {
    fn bop_uid(&self) -> &str {
        match self {
            Heat::Add(uid, ..) | Heat::Take(uid, ..) => uid,
        }
    }

    /// The heat after this change to `heat`.
    fn apply(&self, heat: Option<f64>) -> Option<f64> {
        match *self {
            Heat::Add(_, points, _) if points <= 0.0 => heat,
            Heat::Add(_, points, at_ms) => Some(decay::add(heat, points, t(at_ms))),
            Heat::Take(_, points, at_ms) => heat.and_then(|h| decay::log2_sub(h, points.log2() + t(at_ms))),
        }
    }
}

/// Registers the [`RANK`] handler of `E`: the heat change `change` makes.
fn heats<E>(registry: &mut Registry, heat: &Arc<Tallied<Heat>>, change: fn(E, &StoredEvent) -> Heat)
where
    E: PlatformEvent + DeserializeOwned + 'static,
{
    let heat = heat.clone();
    on_tallied::<E>(registry, RANK, move |_, e, ev| {
        heat.add(change(e, ev));
        Ok(())
    });
}

/// A batch's heat changes: each Bop's standing read and stored once.
fn write_heat(tx: &Tx, changes: Vec<Heat>) -> rusqlite::Result<()> {
    for (uid, changes) in grouped(changes, |c| c.bop_uid().to_owned()) {
        let Some((bop_id, seed, before)) = standing(tx, &uid)? else { continue };
        let after = changes.iter().fold(before, |heat, change| change.apply(heat));
        if after != before {
            store(tx, bop_id, seed, after)?;
        }
    }
    Ok(())
}

fn add_taste(tx: &Tx, fan: UserId, genre: &str, points: i64) -> rusqlite::Result<()> {
    let genre = genre.trim().to_lowercase();
    if genre.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO fan_genre_affinity (fan_user_id, genre, points) VALUES (?1, ?2, max(?3, 0))
         ON CONFLICT (fan_user_id, genre) DO UPDATE SET points = max(points + ?3, 0)",
    )?
    .execute(params![fan, genre, points])?;
    Ok(())
}

fn follow_taste(tx: &Tx, follow: &FanFollowed, points: i64) -> rusqlite::Result<()> {
    for genre in crate::identity::service::artist_genres(tx, ArtistId(follow.artist_id))? {
        add_taste(tx, UserId(follow.fan_user_id), &genre, points)?;
    }
    Ok(())
}

/// A candidate of the ranking, as stored.
#[derive(Debug, Clone)]
pub struct Standing {
    pub bop_id: i64,
    pub artist_id: ArtistId,
    pub published_at: i64,
    pub seed_rank: f64,
    pub heat_rank: Option<f64>,
    pub artist_loyalty: f64,
    pub genres: Vec<String>,
}

fn standing_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Standing> {
    standing_at(r, 0)?.ok_or(rusqlite::Error::InvalidColumnType(0, "bop_id".into(), rusqlite::types::Type::Null))
}

/// The standing in the [`STANDING`] columns from column `at` on; none when
/// they are NULL (a `LEFT JOIN bops_rank` on a Bop that is not ranked).
pub(super) fn standing_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<Standing>> {
    let Some(bop_id) = r.get(at)? else { return Ok(None) };
    let genres: String = r.get(at + 6)?;
    Ok(Some(Standing {
        bop_id,
        artist_id: r.get(at + 1)?,
        published_at: r.get(at + 2)?,
        seed_rank: r.get(at + 3)?,
        heat_rank: r.get(at + 4)?,
        artist_loyalty: r.get(at + 5)?,
        genres: genres.split('|').filter(|g| !g.is_empty()).map(str::to_owned).collect(),
    }))
}

const STANDING: &str =
    "SELECT r.bop_id, r.artist_id, r.published_at, r.seed_rank, r.heat_rank, r.artist_loyalty, r.genres
    FROM bops_rank r";

/// The best-ranked public Bops, at most `limit` (one walk of the rank
/// index, each checked against the Bop as it is now).
pub fn top(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<Standing>> {
    conn.prepare_cached(&format!(
        "{STANDING} INDEXED BY bops_rank_order JOIN bops_videos b ON b.id = r.bop_id
         WHERE b.deleted_at IS NULL AND b.hidden_at IS NULL AND b.visibility = 'public'
         ORDER BY r.rank DESC LIMIT ?1"
    ))?
    .query_map([limit as i64], standing_row)?
    .collect()
}

/// The standings of some Bops (those not ranked are left out).
///
/// One statement for the lot (For You's followed artists' Bops): a lookup
/// per Bop was a read transaction per Bop, each taking the WAL's
/// shared-memory lock. The studio list joins its standings instead.
pub fn of(conn: &Connection, bop_ids: &[i64]) -> rusqlite::Result<Vec<Standing>> {
    let ids = serde_json::to_string(bop_ids).expect("numbers serialise");
    conn.prepare_cached(&format!("{STANDING} WHERE r.bop_id IN (SELECT value FROM json_each(?1))"))?
        .query_map([ids], standing_row)?
        .collect()
}

/// The fan's genre points, most first.
pub fn taste(conn: &Connection, fan: UserId) -> rusqlite::Result<Vec<(String, i64)>> {
    conn.prepare_cached(
        "SELECT genre, points FROM fan_genre_affinity WHERE fan_user_id = ?1 AND points > 0 ORDER BY points DESC LIMIT 20",
    )?
    .query_map([fan], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// On the first start after the ranking arrived, ranks the Bops already
/// there (once: later Bops are ranked by the handlers).
pub fn rank_existing(db: &crate::db::Db, loyalty: &LoyaltyConfig) -> anyhow::Result<()> {
    let unranked = db.read_blocking(|c| {
        c.query_row_cached(
            "SELECT NOT EXISTS (SELECT 1 FROM bops_rank)
                AND EXISTS (SELECT 1 FROM bops_videos WHERE deleted_at IS NULL AND visibility = 'public')",
            [],
            |r| r.get::<_, bool>(0),
        )
    })?;
    if unranked {
        let loyalty = *loyalty;
        let ranked = db.write_blocking::<_, anyhow::Error, _>(crate::db::Durability::Normal, move |tx| {
            Ok(rebuild(tx, &loyalty)?)
        })?;
        tracing::info!(ranked, "ranked the Bops already published for the For You feed");
    }
    Ok(())
}

/// Recomputes every public Bop's standing from the Bops' own rows (the
/// demo writes rows without events; data from before the ranking), and
/// fans' taste from their follows. Returns the Bops ranked.
pub fn rebuild(conn: &Connection, loyalty: &LoyaltyConfig) -> rusqlite::Result<usize> {
    use std::collections::HashMap;
    conn.execute_cached("DELETE FROM bops_rank", [])?;
    let mut heat: HashMap<i64, f64> = HashMap::new();
    let sources = [
        ("SELECT l.bop_id, l.created_at, 1.0 FROM bops_likes l", LIKE),
        ("SELECT c.bop_id, c.created_at, 1.0 FROM bops_comments c WHERE c.deleted_at IS NULL", COMMENT),
        ("SELECT t.bop_id, coalesce(t.succeeded_at, t.created_at), 1.0 FROM bops_tips t WHERE t.status = 'succeeded'", TIP),
        (
            "SELECT v.bop_id, v.viewed_at, CASE WHEN b.duration_ms > 0 THEN min(1.0, v.watched_ms * 1.0 / b.duration_ms) ELSE 0.5 END
             FROM bops_views v JOIN bops_videos b ON b.id = v.bop_id",
            VIEW,
        ),
    ];
    for (sql, weight) in sources {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (bop, at, share): (i64, i64, f64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if share > 0.0 {
                let entry = heat.get(&bop).copied();
                heat.insert(bop, decay::add(entry, weight * share, t(at)));
            }
        }
    }
    let artists: Vec<(ArtistId, f64, String)> = {
        let mut stmt = conn.prepare_cached("SELECT DISTINCT artist_id FROM bops_videos WHERE deleted_at IS NULL")?;
        let ids: Vec<ArtistId> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let now = crate::db::now_ms();
        ids.into_iter()
            .map(|a| {
                let fans = crate::analytics::loyalty::average_loyalty(conn, a, loyalty, now)?;
                Ok((a, fans, crate::identity::service::artist_genres(conn, a)?.join("|")))
            })
            .collect::<rusqlite::Result<_>>()?
    };
    let by_artist: HashMap<ArtistId, (f64, String)> = artists.into_iter().map(|(a, f, g)| (a, (f, g))).collect();
    let mut insert = conn.prepare_cached(
        "INSERT INTO bops_rank (bop_id, artist_id, published_at, seed_rank, heat_rank, rank, artist_loyalty, genres)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, artist_id, published_at FROM bops_videos WHERE deleted_at IS NULL AND visibility = 'public'",
    )?;
    let mut rows = stmt.query([])?;
    let mut ranked = 0;
    while let Some(r) = rows.next()? {
        let (bop, artist, published_at): (i64, ArtistId, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (fans, genres) = by_artist.get(&artist).cloned().unwrap_or_default();
        let seed = seed_points(fans).log2() + t(published_at);
        let h = heat.get(&bop).copied();
        let rank = h.map_or(seed, |h| decay::log2_add(seed, h));
        insert.execute(params![bop, artist, published_at, seed, h, rank, fans, genres])?;
        ranked += 1;
    }
    conn.execute_cached("DELETE FROM fan_genre_affinity", [])?;
    conn.execute_cached(
        "INSERT INTO fan_genre_affinity (fan_user_id, genre, points)
         SELECT f.fan_user_id, lower(trim(g.value)), count(*) * ?1
         FROM fan_relationships f JOIN artist_profiles a ON a.id = f.artist_id, json_each(a.genres) g
         WHERE f.following = 1 AND trim(g.value) <> '' GROUP BY 1, 2",
        [FOLLOW_GENRE],
    )?;
    Ok(ranked)
}
