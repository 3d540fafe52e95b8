//! Fan loyalty: points per action (weights in `[analytics.loyalty]`) that
//! halve every `half_life_days` without new engagement.
//!
//! Decay without rewriting rows as time passes: a pair stores
//! `loyalty_rank` = log2(Σ points × 2^(t_i)), t in half-lives since
//! [`EPOCH_MS`]. Today's points are 2^(rank − t_now), and ordering by the
//! rank orders by today's points for any today. Adding points is adding
//! `w × 2^t` inside the log, which does not depend on the order events
//! arrive in.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::config::LoyaltyConfig;
use crate::bops::events::{BopCommented, BopLiked, BopViewed};
use crate::bops::tips::BopTipReceived;
use crate::core::ids::{ArtistId, UserId};
use crate::db::Tx;
use crate::events::tally::{Tallied, grouped};
use crate::events::{PlatformEvent, Registry};
use crate::identity::events::FanFollowed;
use crate::music::streams::StreamCounted;
use crate::shop::settle::OrderCompleted;
use std::sync::Arc;

pub use crate::core::decay::EPOCH_MS;
use crate::core::decay::log2_add;

pub const LOYALTY: &str = "analytics.loyalty";

/// What a fan did, and the counter of it on the pair.
#[derive(Debug, Clone, Copy)]
enum Action {
    Follow,
    View,
    Like,
    Comment,
    Tip,
    Purchase,
    Stream,
}

impl Action {
    fn points(self, weights: &LoyaltyConfig) -> u32 {
        match self {
            Action::Follow => weights.follow,
            Action::View => weights.view,
            Action::Like => weights.like,
            Action::Comment => weights.comment,
            Action::Tip => weights.tip,
            Action::Purchase => weights.purchase,
            Action::Stream => weights.stream,
        }
    }

    /// Its counter on the pair, as a place in [`COUNTERS`].
    fn counter(self) -> Option<usize> {
        Some(match self {
            Action::Follow => return None,
            Action::View => 0,
            Action::Like => 1,
            Action::Comment => 2,
            Action::Tip => 3,
            Action::Purchase => 4,
            Action::Stream => 5,
        })
    }
}

pub fn register(registry: &mut Registry, weights: LoyaltyConfig) {
    let done = registry.tally(move |tx, done| write(tx, done, &weights));
    on(registry, &done, BopViewed::TYPE, Action::View, |p| {
        let e: BopViewed = serde_json::from_value(p)?;
        Ok(e.fan_user_id.map(|fan| (fan, e.artist_id, e.at)))
    });
    on(registry, &done, BopLiked::TYPE, Action::Like, |p| {
        let e: BopLiked = serde_json::from_value(p)?;
        Ok(Some((e.fan_user_id, e.artist_id, e.at)))
    });
    on(registry, &done, BopCommented::TYPE, Action::Comment, |p| {
        let e: BopCommented = serde_json::from_value(p)?;
        Ok(Some((e.fan_user_id, e.artist_id, e.at)))
    });
    on(registry, &done, FanFollowed::TYPE, Action::Follow, |p| {
        let e: FanFollowed = serde_json::from_value(p)?;
        Ok(Some((e.fan_user_id, e.artist_id, e.followed_at)))
    });
    on(registry, &done, StreamCounted::TYPE, Action::Stream, |p| {
        let e: StreamCounted = serde_json::from_value(p)?;
        Ok(Some((e.listener_id, e.artist_id, 0)))
    });
    on(registry, &done, OrderCompleted::TYPE, Action::Purchase, |p| {
        let e: OrderCompleted = serde_json::from_value(p)?;
        Ok(Some((e.fan_user_id, e.artist_id, e.paid_at)))
    });
    on(registry, &done, BopTipReceived::TYPE, Action::Tip, |p| {
        let e: BopTipReceived = serde_json::from_value(p)?;
        Ok(Some((e.fan_user_id, e.artist_id, 0)))
    });
}

type Who = fn(serde_json::Value) -> serde_json::Result<Option<(i64, i64, i64)>>;

/// What a fan did for an artist, and when (ms).
struct Done {
    fan: UserId,
    artist: ArtistId,
    action: Action,
    at: i64,
}

fn on(registry: &mut Registry, done: &Arc<Tallied<Done>>, event_type: &'static str, action: Action, who: Who) {
    let done = done.clone();
    registry.on_tallied(event_type, LOYALTY, move |_, event| {
        let Some((fan, artist, at)) = who(event.payload.clone())? else { return Ok(()) };
        let at = if at > 0 { at } else { event.created_at };
        done.add(Done { fan: UserId(fan), artist: ArtistId(artist), action, at });
        Ok(())
    });
}

pub(super) fn half_lives(at_ms: i64, weights: &LoyaltyConfig) -> f64 {
    crate::core::decay::half_lives(at_ms, f64::from(weights.half_life_days) * 86_400_000.0)
}

/// The counters of a pair, in the order [`Action::counter`] numbers them
/// and [`write_pair`] binds them.
const COUNTERS: [&str; 6] = ["views", "likes", "comments", "tips", "purchases", "streams"];

/// A batch's actions: each pair read and written once, with its actions
/// applied in the order they came (artists' own actions count for nothing).
fn write(tx: &Tx, done: Vec<Done>, weights: &LoyaltyConfig) -> rusqlite::Result<()> {
    for ((fan, artist), actions) in grouped(done, |d| (d.fan, d.artist)) {
        if crate::identity::service::artist_user_id(tx, artist)? != fan {
            write_pair(tx, fan, artist, &actions, weights)?;
        }
    }
    Ok(())
}

fn write_pair(
    tx: &Tx,
    fan: UserId,
    artist: ArtistId,
    actions: &[Done],
    weights: &LoyaltyConfig,
) -> rusqlite::Result<()> {
    let before: Option<(Option<f64>, i64)> = tx
        .prepare_cached(
            "SELECT loyalty_rank, loyalty_at FROM fan_relationships WHERE fan_user_id = ?1 AND artist_id = ?2",
        )?
        .query_row(params![fan, artist], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (old_rank, old_at) = before.unwrap_or((None, 0));
    let (mut rank, mut loyalty_at, mut scaled, mut scored) = (old_rank, old_at, 0.0, false);
    let mut counts = [0i64; COUNTERS.len()];
    for done in actions {
        if let Some(counter) = done.action.counter() {
            counts[counter] += 1;
        }
        let points = done.action.points(weights);
        if points == 0 {
            continue;
        }
        let added = f64::from(points).log2() + half_lives(done.at, weights);
        rank = Some(rank.map_or(added, |old| log2_add(old, added)));
        loyalty_at = done.at.max(loyalty_at);
        scaled += added.exp2();
        scored = true;
    }
    let (Some(rank), true) = (rank, scored) else {
        return count_only(tx, fan, artist, actions[0].at, &counts);
    };
    let score = (rank - half_lives(loyalty_at, weights)).exp2().round() as i64;
    ensure_pair(tx, fan, artist, actions[0].at)?;
    let [views, likes, comments, tips, purchases, streams] = counts;
    tx.prepare_cached(
        "UPDATE fan_relationships SET loyalty_rank = ?3, loyalty_at = ?4, loyalty_score = ?5,
           views = views + ?6, likes = likes + ?7, comments = comments + ?8, tips = tips + ?9,
           purchases = purchases + ?10, streams = streams + ?11
         WHERE fan_user_id = ?1 AND artist_id = ?2",
    )?
    .execute(params![fan, artist, rank, loyalty_at, score, views, likes, comments, tips, purchases, streams])?;
    tx.prepare_cached(
        "INSERT INTO artist_loyalty (artist_id, fans, scaled_sum, updated_at) VALUES (?1, 1, ?2, ?3)
         ON CONFLICT (artist_id) DO UPDATE SET fans = fans + ?4, scaled_sum = scaled_sum + ?2, updated_at = ?3",
    )?
    .execute(params![artist, scaled, crate::db::now_ms(), i64::from(old_rank.is_none())])?;
    Ok(())
}

/// Actions worth no points still count (when they have a counter).
fn count_only(tx: &Tx, fan: UserId, artist: ArtistId, at: i64, counts: &[i64; COUNTERS.len()]) -> rusqlite::Result<()> {
    if counts.iter().all(|&n| n == 0) {
        return Ok(());
    }
    ensure_pair(tx, fan, artist, at)?;
    let [views, likes, comments, tips, purchases, streams] = *counts;
    tx.prepare_cached(
        "UPDATE fan_relationships SET views = views + ?3, likes = likes + ?4, comments = comments + ?5,
           tips = tips + ?6, purchases = purchases + ?7, streams = streams + ?8
         WHERE fan_user_id = ?1 AND artist_id = ?2",
    )?
    .execute(params![fan, artist, views, likes, comments, tips, purchases, streams])?;
    Ok(())
}

fn ensure_pair(conn: &Connection, fan: UserId, artist: ArtistId, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO fan_relationships (fan_user_id, artist_id, following, updated_at) VALUES (?1, ?2, 0, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![fan, artist, now])?;
    Ok(())
}

/// A top fan as the artist sees them: display name only.
#[derive(Debug, Clone, Serialize)]
pub struct TopFan {
    pub display_name: String,
    pub points: i64,
    pub following: bool,
    pub views: i64,
    pub likes: i64,
    pub comments: i64,
    pub tips: i64,
    pub purchases: i64,
    pub streams: i64,
}

/// The artist's most loyal fans today, most loyal first.
pub fn top_fans(
    conn: &Connection,
    artist: ArtistId,
    weights: &LoyaltyConfig,
    now: i64,
    limit: usize,
) -> rusqlite::Result<Vec<TopFan>> {
    let t = half_lives(now, weights);
    conn.prepare_cached(
        "SELECT u.display_name, f.loyalty_rank, f.following, f.views, f.likes, f.comments, f.tips, f.purchases, f.streams
         FROM fan_relationships f JOIN users u ON u.id = f.fan_user_id
         WHERE f.artist_id = ?1 AND f.loyalty_rank IS NOT NULL AND u.deleted_at IS NULL
         ORDER BY f.loyalty_rank DESC LIMIT ?2",
    )?
    .query_map(params![artist, limit as i64], |r| {
        let rank: f64 = r.get(1)?;
        Ok(TopFan {
            display_name: r.get(0)?,
            points: (rank - t).exp2().round() as i64,
            following: r.get(2)?,
            views: r.get(3)?,
            likes: r.get(4)?,
            comments: r.get(5)?,
            tips: r.get(6)?,
            purchases: r.get(7)?,
            streams: r.get(8)?,
        })
    })?
    .collect()
}

/// The average loyalty of the artist's engaged fans today (for the
/// discovery ranking): one row, however many fans.
pub fn average_loyalty(
    conn: &Connection,
    artist: ArtistId,
    weights: &LoyaltyConfig,
    now: i64,
) -> rusqlite::Result<f64> {
    let row: Option<(i64, f64)> = conn
        .prepare_cached("SELECT fans, scaled_sum FROM artist_loyalty WHERE artist_id = ?1")?
        .query_row([artist], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((fans, sum)) if fans > 0 => sum * (-half_lives(now, weights)).exp2() / fans as f64,
        _ => 0.0,
    })
}

/// The fan's loyalty points today with each of `artists` that has any
/// (for the discovery ranking): one primary-key probe per artist.
pub fn points_with(
    conn: &Connection,
    fan: UserId,
    artists: &[ArtistId],
    weights: &LoyaltyConfig,
    now: i64,
) -> rusqlite::Result<Vec<(ArtistId, f64)>> {
    let t = half_lives(now, weights);
    let mut stmt = conn.prepare_cached(
        "SELECT loyalty_rank FROM fan_relationships WHERE fan_user_id = ?1 AND artist_id = ?2 AND loyalty_rank IS NOT NULL",
    )?;
    let mut out = Vec::new();
    for &artist in artists {
        if let Some(rank) = stmt.query_row(params![fan, artist], |r| r.get::<_, f64>(0)).optional()? {
            out.push((artist, (rank - t).exp2()));
        }
    }
    Ok(out)
}

/// A fan who was engaged and has done nothing for a while.
#[derive(Debug, Clone, Serialize)]
pub struct DriftedFan {
    pub display_name: String,
    /// Points at their last action, and today.
    pub points_then: i64,
    pub points_now: i64,
    pub last_active_at: i64,
}

/// Fans with no engagement for more than `idle_half_lives` half-lives,
/// those with the most points left first (Toney's "fans who drifted").
pub fn drifted_fans(
    conn: &Connection,
    artist: ArtistId,
    weights: &LoyaltyConfig,
    now: i64,
    idle_half_lives: f64,
    limit: usize,
) -> rusqlite::Result<Vec<DriftedFan>> {
    let t = half_lives(now, weights);
    let cutoff = now - (idle_half_lives * f64::from(weights.half_life_days) * 86_400_000.0) as i64;
    conn.prepare_cached(
        "SELECT u.display_name, f.loyalty_rank, f.loyalty_at
         FROM fan_relationships f JOIN users u ON u.id = f.fan_user_id
         WHERE f.artist_id = ?1 AND f.loyalty_rank IS NOT NULL AND f.loyalty_at < ?2 AND u.deleted_at IS NULL
         ORDER BY f.loyalty_rank DESC LIMIT ?3",
    )?
    .query_map(params![artist, cutoff, limit as i64], |r| {
        let rank: f64 = r.get(1)?;
        let at: i64 = r.get(2)?;
        Ok(DriftedFan {
            display_name: r.get(0)?,
            points_then: (rank - half_lives(at, weights)).exp2().round() as i64,
            points_now: (rank - t).exp2().round() as i64,
            last_active_at: at,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> LoyaltyConfig {
        LoyaltyConfig { half_life_days: 10, follow: 5, view: 1, like: 2, comment: 3, tip: 10, purchase: 10, stream: 1 }
    }

    #[test]
    fn points_halve_every_half_life_and_order_of_arrival_does_not_matter() {
        let w = weights();
        let day = 86_400_000;
        let a = f64::from(10u32).log2() + half_lives(EPOCH_MS, &w);
        let b = f64::from(2u32).log2() + half_lives(EPOCH_MS + 10 * day, &w);
        let forward = log2_add(a, b);
        let backward = log2_add(b, a);
        assert!((forward - backward).abs() < 1e-12);
        // At the second action: 10 halved once, plus 2.
        let now = (forward - half_lives(EPOCH_MS + 10 * day, &w)).exp2();
        assert!((now - 7.0).abs() < 1e-9, "{now}");
        let later = (forward - half_lives(EPOCH_MS + 30 * day, &w)).exp2();
        assert!((later - 7.0 / 4.0).abs() < 1e-9, "{later}");
    }
}
