//! The For You feed: a fan's candidates — the best-ranked public Bops
//! (`rank`, kept by handlers) and the newest from the artists they follow —
//! scored for that fan and served from a pool fixed when the fan starts
//! scrolling, so pages never repeat or skip a Bop while they scroll.
//!
//! A Bop's score is a sum of parts, each of which "Why am I seeing this?"
//! names with its share:
//! - `engagement`: log2(1 + its heat today) — likes, comments, tips and
//!   watched views, recent hours counting most;
//! - `recency`: up to 2.3 for a brand new Bop, halving every 12 hours;
//! - `artist_fans`: how loyal the artist's fans are on average;
//! - `your_loyalty`: how loyal this fan is to the artist;
//! - `following`: the fan follows the artist;
//! - `genre`: the share of the fan's taste in the artist's genres;
//! - `watched`: minus 4 for a Bop this fan has watched, so it sinks.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::rank::{self, HALF_LIFE_MS, Standing};
use crate::analytics::config::LoyaltyConfig;
use crate::core::decay::half_lives;
use crate::core::ids::{ArtistId, UserId};
use crate::core::memo::Memo;

/// Candidates from the global ranking, and from the fan's timeline.
const FROM_RANKING: usize = 150;
const FROM_TIMELINE: usize = 50;
const WATCHED_PENALTY: f64 = 4.0;
const YOUR_LOYALTY: f64 = 1.5;
const FOLLOWING: f64 = 1.0;
const GENRE: f64 = 1.5;
/// Pools kept (one per fan and minute they started scrolling), and how long.
const POOLS_KEPT: usize = 8192;
const POOL_AGE: Duration = Duration::from_secs(30 * 60);
/// Pools made at once (by different fans; a fan's is made once at a time).
/// More than the read pool's connections, so lanes rarely make fans wait
/// on each other.
pub const POOL_MAKERS: usize = 64;
/// A fan's pool is made again at most once a minute.
pub const POOL_MINUTE_MS: i64 = 60_000;

/// One factor of a Bop's place in the feed and its share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Why {
    pub factor: &'static str,
    pub weight: f64,
}

/// A scored candidate.
#[derive(Debug, Clone)]
pub struct Scored {
    pub bop_id: i64,
    pub score: f64,
    pub why: Vec<Why>,
}

/// A fan's pool, best first.
pub type Pool = Arc<Vec<Scored>>;

/// Pools by (fan, the minute they were made).
pub type Pools = Memo<(UserId, i64), (), Pool>;

pub fn pools() -> Pools {
    Memo::new(POOLS_KEPT, Some(POOL_AGE))
}

/// What is personal about the fan, read once per pool.
pub struct Fan {
    pub loyalty: HashMap<ArtistId, f64>,
    pub following: HashSet<ArtistId>,
    /// Genre → share of the fan's taste (0 to 1).
    pub taste: HashMap<String, f64>,
    pub watched: HashSet<i64>,
}

/// The global parts of a standing today: (engagement, recency, artist_fans).
pub fn global_parts(s: &Standing, now: i64) -> (f64, f64, f64) {
    let t_now = half_lives(now, HALF_LIFE_MS);
    let heat_now = s.heat_rank.map_or(0.0, |h| (h - t_now).exp2());
    let age = half_lives(now, HALF_LIFE_MS) - half_lives(s.published_at, HALF_LIFE_MS);
    let fresh = (-age.max(0.0)).exp2();
    let seed = rank::seed_points(s.artist_loyalty);
    let engagement = (1.0 + heat_now).log2();
    let recency = (1.0 + rank::SEED_POINTS * fresh).log2();
    let artist_fans = (seed / rank::SEED_POINTS).log2();
    (engagement, recency, artist_fans.max(0.0))
}

/// Shares of the positive parts (summing to 1), and penalties as they are;
/// largest first.
pub fn explain(parts: &[(&'static str, f64)]) -> Vec<Why> {
    let total: f64 = parts.iter().map(|(_, v)| v.max(0.0)).sum();
    let mut why: Vec<Why> = parts
        .iter()
        .filter(|(_, v)| v.abs() > 1e-9)
        .map(|(factor, v)| {
            let weight = if *v > 0.0 && total > 0.0 { v / total } else { *v };
            Why { factor, weight: (weight * 100.0).round() / 100.0 }
        })
        .filter(|w| w.weight != 0.0)
        .collect();
    why.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    why
}

/// A candidate scored for the fan.
pub fn score(s: &Standing, fan: &Fan, now: i64) -> Scored {
    let (engagement, recency, artist_fans) = global_parts(s, now);
    let loyalty = fan.loyalty.get(&s.artist_id).map_or(0.0, |p| YOUR_LOYALTY * (1.0 + p / 10.0).log2());
    let following = if fan.following.contains(&s.artist_id) { FOLLOWING } else { 0.0 };
    let genre = GENRE * s.genres.iter().map(|g| fan.taste.get(g).copied().unwrap_or(0.0)).sum::<f64>().min(1.0);
    let watched = if fan.watched.contains(&s.bop_id) { -WATCHED_PENALTY } else { 0.0 };
    let parts = [
        ("engagement", engagement),
        ("recency", recency),
        ("artist_fans", artist_fans),
        ("your_loyalty", loyalty),
        ("following", following),
        ("genre", genre),
        ("watched", watched),
    ];
    Scored { bop_id: s.bop_id, score: parts.iter().map(|(_, v)| v).sum(), why: explain(&parts) }
}

/// The newest Bops of the fan's timeline (followed artists), by id.
fn timeline_ids(conn: &Connection, fan: UserId, limit: usize) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT bop_id FROM bops_timeline WHERE fan_user_id = ?1 ORDER BY published_at DESC, bop_id DESC LIMIT ?2",
    )?
    .query_map(params![fan, limit as i64], |r| r.get(0))?
    .collect()
}

fn read_fan(
    conn: &Connection,
    fan: UserId,
    candidates: &[Standing],
    loyalty: &LoyaltyConfig,
    now: i64,
) -> rusqlite::Result<Fan> {
    let mut artists: Vec<ArtistId> = candidates.iter().map(|c| c.artist_id).collect();
    artists.sort_unstable_by_key(|a| a.0);
    artists.dedup();
    let loyalty: HashMap<ArtistId, f64> =
        crate::analytics::loyalty::points_with(conn, fan, &artists, loyalty, now)?.into_iter().collect();
    let mut following = HashSet::new();
    for &artist in &artists {
        if crate::identity::service::is_following(conn, fan, artist)? {
            following.insert(artist);
        }
    }
    let taste = rank::taste(conn, fan)?;
    let total: i64 = taste.iter().map(|(_, p)| p).sum();
    let taste = taste.into_iter().map(|(g, p)| (g, p as f64 / total.max(1) as f64)).collect();
    let key = format!("u:{}", fan.0);
    let mut seen = conn.prepare_cached("SELECT 1 FROM bops_views WHERE bop_id = ?1 AND viewer_key = ?2 LIMIT 1")?;
    let mut watched = HashSet::new();
    for c in candidates {
        if seen.exists(params![c.bop_id, key])? {
            watched.insert(c.bop_id);
        }
    }
    Ok(Fan { loyalty, following, taste, watched })
}

/// The fan's pool: candidates scored, best first (ties: newest first).
pub fn make_pool(conn: &Connection, fan: UserId, loyalty: &LoyaltyConfig, now: i64) -> rusqlite::Result<Vec<Scored>> {
    let mut candidates = rank::top(conn, FROM_RANKING)?;
    let known: HashSet<i64> = candidates.iter().map(|c| c.bop_id).collect();
    let followed: Vec<i64> =
        timeline_ids(conn, fan, FROM_TIMELINE)?.into_iter().filter(|id| !known.contains(id)).collect();
    candidates.extend(rank::of(conn, &followed)?);
    let who = read_fan(conn, fan, &candidates, loyalty, now)?;
    let mut scored: Vec<(i64, Scored)> = candidates.iter().map(|c| (c.published_at, score(c, &who, now))).collect();
    scored
        .sort_by(|(at_a, a), (at_b, b)| b.score.total_cmp(&a.score).then(at_b.cmp(at_a)).then(b.bop_id.cmp(&a.bop_id)));
    Ok(scored.into_iter().map(|(_, s)| s).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(id: i64, published_at: i64, heat: Option<f64>) -> Standing {
        Standing {
            bop_id: id,
            artist_id: ArtistId(1),
            published_at,
            seed_rank: 0.0,
            heat_rank: heat,
            artist_loyalty: 0.0,
            genres: vec!["jazz".into()],
        }
    }

    fn nobody() -> Fan {
        Fan { loyalty: HashMap::new(), following: HashSet::new(), taste: HashMap::new(), watched: HashSet::new() }
    }

    #[test]
    fn engagement_recency_loyalty_and_taste_lift_a_bop_and_watching_sinks_it() {
        let now = crate::core::decay::EPOCH_MS + 100 * 3_600_000;
        let t_now = half_lives(now, HALF_LIFE_MS);
        let quiet = standing(1, now - 3_600_000, None);
        let busy = standing(2, now - 3_600_000, Some(6.0f64.log2() + t_now));
        let old = standing(3, now - 48 * 3_600_000, None);
        let fan = nobody();
        let (q, b, o) = (score(&quiet, &fan, now), score(&busy, &fan, now), score(&old, &fan, now));
        assert!(b.score > q.score && q.score > o.score, "{b:?} {q:?} {o:?}");
        assert_eq!(b.why[0].factor, "engagement");
        let total: f64 = b.why.iter().map(|w| w.weight).sum();
        assert!((total - 1.0).abs() < 0.02, "shares add up: {:?}", b.why);

        let mut fond = nobody();
        fond.loyalty.insert(ArtistId(1), 40.0);
        fond.following.insert(ArtistId(1));
        fond.taste.insert("jazz".into(), 1.0);
        let liked = score(&quiet, &fond, now);
        assert!(liked.score > b.score, "a loyal, following jazz fan gets the quiet jazz Bop first");
        let factors: Vec<&str> = liked.why.iter().map(|w| w.factor).collect();
        assert!(factors.contains(&"your_loyalty") && factors.contains(&"genre") && factors.contains(&"following"));

        fond.watched.insert(1);
        let seen = score(&quiet, &fond, now);
        assert!(seen.score < liked.score - 3.9);
        assert_eq!(seen.why.last().map(|w| (w.factor, w.weight)), Some(("watched", -4.0)));
    }
}
