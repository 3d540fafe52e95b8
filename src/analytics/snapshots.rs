//! The handlers that keep the daily snapshots and the earnings per item.
//! Counts move by one per event; money is recounted from the ledger for
//! the day an entry fell on. Each handler's writes commit with its
//! completion record, so an event replayed changes nothing.

use serde::de::DeserializeOwned;

use super::repo::{self, Count, ItemEarning};
use crate::bops::events::{BopCommented, BopLiked, BopUnliked, BopViewed};
use crate::bops::tips::BopTipReceived;
use crate::core::ids::ArtistId;
use crate::core::{Currency, Money};
use crate::db::Tx;
use crate::events::tally::{Tallied, grouped};
use crate::events::{PlatformEvent, Registry, StoredEvent, on_tallied};
use crate::identity::events::{FanFollowed, FanUnfollowed};
use crate::ledger::LedgerRecorded;
use crate::music::streams::StreamCounted;
use crate::shop::downloads::DownloadCounted;
use crate::shop::settle::OrderCompleted;
use std::sync::Arc;

/// The handler's name, recorded per event: `analytics rebuild` marks it
/// done for events still queued, whose rows the rebuild already counted.
pub const SNAPSHOT: &str = "analytics.snapshot";

/// The event types [`SNAPSHOT`] handles.
pub const EVENT_TYPES: [&str; 11] = [
    BopViewed::TYPE,
    BopLiked::TYPE,
    BopUnliked::TYPE,
    BopCommented::TYPE,
    FanFollowed::TYPE,
    FanUnfollowed::TYPE,
    StreamCounted::TYPE,
    OrderCompleted::TYPE,
    DownloadCounted::TYPE,
    BopTipReceived::TYPE,
    LedgerRecorded::TYPE,
];

pub fn register(registry: &mut Registry, currency: Currency) {
    let counts = registry.tally(write_counts);
    counted::<BopViewed>(registry, &counts, |e| (e.artist_id, e.at, Count::Views, 1));
    counted::<BopLiked>(registry, &counts, |e| (e.artist_id, e.at, Count::Likes, 1));
    counted::<BopUnliked>(registry, &counts, |e| (e.artist_id, e.liked_at, Count::Likes, -1));
    counted::<BopCommented>(registry, &counts, |e| (e.artist_id, e.at, Count::Comments, 1));
    counted::<FanFollowed>(registry, &counts, |e| (e.artist_id, e.followed_at, Count::NewFollowers, 1));
    counted::<FanUnfollowed>(registry, &counts, |e| (e.0.artist_id, e.0.followed_at, Count::NewFollowers, -1));
    counted::<DownloadCounted>(registry, &counts, |e| (e.artist_id, e.at, Count::Downloads, 1));
    on_tallied::<StreamCounted>(registry, SNAPSHOT, move |_, e, _| {
        counts.add(Counted { artist: ArtistId(e.artist_id), day: e.day, count: Count::Streams, delta: 1 });
        Ok(())
    });
    on::<OrderCompleted>(registry, move |tx, e, ev| {
        count(tx, e.artist_id, at(ev, e.paid_at), Count::Orders, 1)?;
        order_items(tx, &e, currency)
    });
    on::<BopTipReceived>(registry, move |tx, e, _| tip_item(tx, &e, currency));
    on::<LedgerRecorded>(registry, move |tx, e, _| ledger_entry(tx, &e, currency));
}

/// Registers `run` as the snapshot handler of `E`.
fn on<E>(registry: &mut Registry, run: impl Fn(&Tx, E, &StoredEvent) -> rusqlite::Result<()> + Send + Sync + 'static)
where
    E: PlatformEvent + DeserializeOwned + 'static,
{
    crate::events::on::<E>(registry, SNAPSHOT, run);
}

/// One count of an artist's day moved by an event.
struct Counted {
    artist: ArtistId,
    day: String,
    count: Count,
    delta: i64,
}

/// Registers the snapshot handler of `E`, which moves the count `which`
/// names: (artist, when in ms, count, by how much).
fn counted<E>(registry: &mut Registry, counts: &Arc<Tallied<Counted>>, which: fn(&E) -> (i64, i64, Count, i64))
where
    E: PlatformEvent + DeserializeOwned + 'static,
{
    let counts = counts.clone();
    on_tallied::<E>(registry, SNAPSHOT, move |tx, payload, event| {
        let (artist, at_ms, count, delta) = which(&payload);
        let day = repo::day_of(tx, at(event, at_ms))?;
        counts.add(Counted { artist: ArtistId(artist), day, count, delta });
        Ok(())
    });
}

/// A batch's counts: one write per artist, day and count, by their sum.
fn write_counts(tx: &Tx, counts: Vec<Counted>) -> rusqlite::Result<()> {
    for ((artist, day, count), moves) in grouped(counts, |c| (c.artist, c.day.clone(), c.count)) {
        let delta = moves.iter().map(|c| c.delta).sum();
        if delta != 0 {
            repo::bump(tx, artist, &day, count, delta)?;
        }
    }
    Ok(())
}

/// The fact's own time; events written before it was carried give theirs.
fn at(event: &StoredEvent, at: i64) -> i64 {
    if at > 0 { at } else { event.created_at }
}

fn count(tx: &Tx, artist: i64, at_ms: i64, count: Count, delta: i64) -> rusqlite::Result<()> {
    let day = repo::day_of(tx, at_ms)?;
    repo::bump(tx, ArtistId(artist), &day, count, delta)
}

fn micros(minor: i64, currency: Currency) -> i64 {
    Money::new(minor, currency).to_micros()
}

fn ledger_entry(tx: &Tx, entry: &LedgerRecorded, currency: Currency) -> rusqlite::Result<()> {
    if entry.currency != currency.code() {
        return Ok(());
    }
    let artist = ArtistId(entry.artist_id);
    repo::recount_money(tx, artist, currency.code(), entry.occurred_at)?;
    let Some(track) = entry.track_id.filter(|_| entry.source == "royalty") else { return Ok(()) };
    let Some((uid, title)) = crate::music::service::track_face(tx, track)? else { return Ok(()) };
    let earning =
        ItemEarning { artist, kind: "track", item: &uid, title: &title, gross_micros: entry.gross_micros, sales: 0 };
    repo::add_item_earning(tx, &earning)
}

fn tip_item(tx: &Tx, tip: &BopTipReceived, currency: Currency) -> rusqlite::Result<()> {
    if tip.currency != currency.code() {
        return Ok(());
    }
    let caption = crate::bops::service::caption_of(tx, &tip.bop_uid)?.unwrap_or_default();
    let earning = ItemEarning {
        artist: ArtistId(tip.artist_id),
        kind: "bop",
        item: &tip.bop_uid,
        title: &caption,
        gross_micros: micros(tip.amount_minor, currency),
        sales: 1,
    };
    repo::add_item_earning(tx, &earning)
}

fn order_items(tx: &Tx, order: &OrderCompleted, currency: Currency) -> rusqlite::Result<()> {
    if order.currency != currency.code() {
        return Ok(());
    }
    for (uid, title, amount, quantity) in crate::shop::public::sold_lines(tx, order.order_id)? {
        let earning = ItemEarning {
            artist: ArtistId(order.artist_id),
            kind: "product",
            item: &uid,
            title: &title,
            gross_micros: micros(amount, currency),
            sales: quantity,
        };
        repo::add_item_earning(tx, &earning)?;
    }
    Ok(())
}
