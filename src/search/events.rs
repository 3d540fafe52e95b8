//! Search's event handlers. `search.index` keeps the documents: each
//! write sets a row to what the event says (replays change nothing).
//! `search.trending` counts follows and likes per artist and day; its
//! increments commit with its completion record, so each counts once
//! (and `rebuild` marks the queued ones counted).

use std::sync::atomic::{AtomicU64, Ordering};

use super::repo::{self, ArtistDoc, BopDoc, DAY_MS, ProductDoc};
use crate::bops::events::{BopDeleted, BopEdited, BopLiked, BopModerated, BopPublished, BopUnliked};
use crate::db::Tx;
use crate::events::tally::grouped;
use crate::events::{PlatformEvent, Registry, StoredEvent, at, on, on_tallied};
use crate::identity::events::{ArtistProfileUpdated, ArtistSuspensionChanged, FanFollowed, FanUnfollowed};
use crate::music::moderation::TrackModerated;
use crate::music::service::ReleaseTakenDown;
use crate::music::tracks::TrackPublished;
use crate::shop::events::ProductUpdated;

pub const INDEX: &str = "search.index";
pub const TRENDING: &str = "search.trending";

/// The events `search.trending` counts (the rebuild marks queued ones).
pub const TRENDING_EVENTS: &[&str] = &[FanFollowed::TYPE, FanUnfollowed::TYPE, BopLiked::TYPE, BopUnliked::TYPE];

pub fn register(registry: &mut Registry) {
    index::<ArtistProfileUpdated>(registry, |tx, e, _| {
        let doc = ArtistDoc {
            id: e.artist_id,
            uid: &e.artist_uid,
            handle: &e.handle,
            stage_name: &e.stage_name,
            photo_key: e.photo_key.as_deref(),
            completed: e.completed,
        };
        repo::upsert_artist(tx, &doc)
    });
    index::<ArtistSuspensionChanged>(registry, |tx, e, _| {
        repo::set_artist_suspended(tx, e.artist_id, &e.artist_uid, e.suspended)
    });
    index::<BopPublished>(registry, |tx, e, ev| index_bop(tx, &e, ev));
    index::<BopEdited>(registry, |tx, e, _| repo::update_bop_caption(tx, &e.bop_uid, &e.caption, &e.hashtags));
    index::<BopDeleted>(registry, |tx, e, _| repo::delete_bop(tx, &e.bop_uid));
    index::<TrackPublished>(registry, |tx, e, _| {
        repo::upsert_track(tx, &e.track_uid, &e.release_uid, e.artist_id, &e.title)
    });
    // The label hides a Bop or a track (it leaves the index) or shows it
    // again (it comes back if fans may find it).
    index::<BopModerated>(registry, |tx, e, _| match e.hidden || e.visibility != "public" {
        true => repo::delete_bop(tx, &e.bop_uid),
        false => repo::insert_bop(
            tx,
            &BopDoc {
                id: e.bop_id,
                uid: &e.bop_uid,
                artist_id: e.artist_id,
                caption: &e.caption,
                hashtags: &e.hashtags,
                poster_key: e.poster_key.as_deref(),
                published_at: e.published_at,
            },
        ),
    });
    index::<TrackModerated>(registry, |tx, e, _| match e.hidden || !e.release_published {
        true => repo::delete_track(tx, &e.track_uid),
        false => repo::upsert_track(tx, &e.track_uid, &e.release_uid, e.artist_id, &e.title),
    });
    index::<ReleaseTakenDown>(registry, |tx, e, _| repo::delete_release_tracks(tx, &e.release_uid));
    index::<ProductUpdated>(registry, |tx, e, _| index_product(tx, &e));

    on::<FanFollowed>(registry, TRENDING, |tx, e, ev| {
        repo::count_follow(tx, e.artist_id, day(at(ev, e.followed_at)), 1)
    });
    on::<FanUnfollowed>(registry, TRENDING, |tx, e, ev| {
        repo::count_follow(tx, e.0.artist_id, day(at(ev, e.0.followed_at)), -1)
    });
    // Likes come in floods: a batch's are summed per artist and day.
    let likes = registry.tally(write_likes);
    let l = likes.clone();
    on_tallied::<BopLiked>(registry, TRENDING, move |_, e, ev| {
        l.add((e.artist_id, day(at(ev, e.at)), 1));
        Ok(())
    });
    on_tallied::<BopUnliked>(registry, TRENDING, move |_, e, ev| {
        likes.add((e.artist_id, day(at(ev, e.liked_at)), -1));
        Ok(())
    });
}

/// A batch's likes and unlikes as (artist, day, ±1): one write per artist and day.
fn write_likes(tx: &Tx, likes: Vec<(i64, i64, i64)>) -> rusqlite::Result<()> {
    for ((artist, day), moves) in grouped(likes, |&(artist, day, _)| (artist, day)) {
        let delta = moves.iter().map(|&(.., delta)| delta).sum();
        if delta != 0 {
            repo::count_like(tx, artist, day, delta)?;
        }
    }
    Ok(())
}

/// Bumped by every change to the index, so results kept by
/// [`super::service`] are not served past a change (one counter for the
/// process: an unrelated app's change only makes a kept result go early).
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The index's generation: results kept under an older one are stale.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Counts a change to the index made outside its handlers (a rebuild).
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Registers `run` as the `search.index` handler of `E`; each run counts as
/// a change to the index.
fn index<E>(registry: &mut Registry, run: impl Fn(&Tx, E, &StoredEvent) -> rusqlite::Result<()> + Send + Sync + 'static)
where
    E: PlatformEvent + serde::de::DeserializeOwned + 'static,
{
    on::<E>(registry, INDEX, move |tx, event, stored| {
        changed();
        run(tx, event, stored)
    });
}

pub fn day(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

/// A public Bop becomes findable. Events from before the caption was
/// carried are skipped: the rebuild at upgrade indexed those Bops.
fn index_bop(tx: &Tx, bop: &BopPublished, event: &StoredEvent) -> rusqlite::Result<()> {
    let Some(caption) = bop.caption.as_deref() else { return Ok(()) };
    if bop.visibility != "public" || bop.bop_id <= 0 {
        return Ok(());
    }
    let doc = BopDoc {
        id: bop.bop_id,
        uid: &bop.bop_uid,
        artist_id: bop.artist_id,
        caption,
        hashtags: &bop.hashtags,
        poster_key: bop.poster_key.as_deref(),
        published_at: at(event, bop.at),
    };
    repo::insert_bop(tx, &doc)
}

fn index_product(tx: &Tx, product: &ProductUpdated) -> rusqlite::Result<()> {
    if !product.listed {
        return repo::delete_product(tx, product.product_id);
    }
    let doc = ProductDoc {
        id: product.product_id,
        uid: &product.product_uid,
        artist_id: product.artist_id,
        title: &product.title,
        tags: &product.tags,
        price_minor: product.price_minor,
        currency: product.currency.as_deref(),
    };
    repo::upsert_product(tx, &doc)
}
