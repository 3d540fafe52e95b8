//! Toney's event handlers: the launch snapshots (`bop.published`,
//! `bop.viewed`, `track.published`, `stream.counted`) and the suggestions
//! (a Bop announcing a new track, "more like this" for a Bop far above the
//! artist's median, the onboarding greeting). Each handler's writes commit
//! with its completion record, so one increment per event is exact.

use super::config::ToneyConfig;
use super::insights::{self, MIN_GROUP};
use super::repo::{self, NewMessage};
use super::{followups, report};
use crate::bops::events::{BopPublished, BopViewed};
use crate::bops::tips::BopTipReceived;
use crate::core::Currency;
use crate::core::ids::ArtistId;
use crate::db::Tx;
use crate::events::{Registry, at, on};
use crate::identity::events::ArtistProfileCompleted;
use crate::music::streams::StreamCounted;
use crate::music::tracks::TrackPublished;
use crate::notify::{NewNotification, notify};
use crate::shop::settle::OrderCompleted;

pub const LAUNCHES: &str = "toney.launches";
pub const SUGGEST: &str = "toney.suggest";
pub const ONBOARDING: &str = "toney.onboarding";
pub const MONTH_LOG: &str = "toney.month_log";
pub const FOLLOWUPS: &str = "toney.followups";

/// The kind of Toney's notices (not in the notification settings' list:
/// pushed, never emailed).
pub const NOTICE_KIND: &str = "toney";

pub fn register(registry: &mut Registry, config: &ToneyConfig, currency: Currency) {
    let factor = config.more_like_this_factor;
    on::<BopPublished>(registry, LAUNCHES, |tx, e, ev| {
        repo::insert_bop_launch(tx, &e.bop_uid, ArtistId(e.artist_id), at(ev, e.at))
    });
    on::<BopViewed>(registry, LAUNCHES, move |tx, e, ev| {
        let Some((artist, views)) = repo::count_bop_view(tx, &e.bop_uid, at(ev, e.at))? else { return Ok(()) };
        more_like_this(tx, &e.bop_uid, artist, views, factor, at(ev, e.at))
    });
    on::<TrackPublished>(registry, LAUNCHES, |tx, e, ev| {
        let launch = repo::TrackLaunch {
            track_uid: e.track_uid,
            release_uid: e.release_uid,
            position: e.position,
            title: e.title,
            published_at: ev.created_at,
            streams_48h: 0,
        };
        repo::insert_track_launch(tx, ArtistId(e.artist_id), &launch)
    });
    on::<StreamCounted>(registry, LAUNCHES, |tx, e, ev| repo::count_track_stream(tx, &e.track_uid, at(ev, e.at)));
    on::<TrackPublished>(registry, SUGGEST, |tx, e, _| announce_track(tx, &e));
    on::<ArtistProfileCompleted>(registry, ONBOARDING, |tx, e, ev| onboarding(tx, &e, ev.created_at));
    on::<BopPublished>(registry, FOLLOWUPS, |tx, e, ev| followups::on_published(tx, &e, at(ev, e.at)));
    register_month_log(registry, currency);
}

/// The month tally the monthly report reads: tips per Bop, units per
/// product, streams per track.
fn register_month_log(registry: &mut Registry, currency: Currency) {
    on::<BopTipReceived>(registry, MONTH_LOG, move |tx, e, ev| {
        let Some(micros) = report::micros(e.amount_minor, &e.currency, currency) else { return Ok(()) };
        let caption = crate::bops::service::caption_of(tx, &e.bop_uid)?.unwrap_or_default();
        report::tally(tx, ArtistId(e.artist_id), ev.created_at, "bop", (&e.bop_uid, &caption), (micros, 1))
    });
    on::<OrderCompleted>(registry, MONTH_LOG, move |tx, e, ev| {
        for (uid, title, minor, units) in crate::shop::public::sold_lines(tx, e.order_id)? {
            let Some(micros) = report::micros(minor, &e.currency, currency) else { return Ok(()) };
            report::tally(tx, ArtistId(e.artist_id), at(ev, e.paid_at), "product", (&uid, &title), (micros, units))?;
        }
        Ok(())
    });
    on::<StreamCounted>(registry, MONTH_LOG, |tx, e, ev| {
        let title = repo::track_title(tx, &e.track_uid)?.unwrap_or_default();
        report::tally(tx, ArtistId(e.artist_id), at(ev, e.at), "track", (&e.track_uid, &title), (0, 1))
    });
}

/// "Post a Bop announcing <title>": once per release, for its first track
/// (an album is one announcement), linking to the upload page with the
/// caption written and the track tagged.
fn announce_track(tx: &Tx, track: &TrackPublished) -> rusqlite::Result<()> {
    if track.position != 1 {
        return Ok(());
    }
    let user = crate::identity::service::artist_user_id(tx, ArtistId(track.artist_id))?;
    let title = format!("Post a Bop announcing {}", track.title);
    let link = insights::announce_link(&track.track_uid, &insights::announce_caption(&track.title));
    let notice = NewNotification {
        user_id: user.0,
        kind: NOTICE_KIND,
        title: &title,
        body: "Toney: a Bop in its first days brings listeners to a new track. The caption is written and the track tagged.",
        link: Some(&link),
    };
    notify(tx, &notice)
}

/// A Bop whose first-48-hour views pass `more_like_this_factor` times the
/// artist's median launch (over at least [`MIN_GROUP`] finished launches)
/// brings one "more like this" suggestion.
fn more_like_this(tx: &Tx, bop_uid: &str, artist: ArtistId, views: i64, factor: u32, now: i64) -> rusqlite::Result<()> {
    let factor = i64::from(factor);
    if views < factor {
        return Ok(());
    }
    let earlier: Vec<i64> = repo::list_complete_bop_launches(tx, artist, now, 60)?
        .into_iter()
        .filter(|l| l.bop_uid != bop_uid)
        .map(|l| l.views_48h)
        .collect();
    if earlier.len() < MIN_GROUP {
        return Ok(());
    }
    let median = insights::median(&earlier);
    if median < 1.0 || (views as f64) <= median * factor as f64 || !repo::mark_suggested(tx, bop_uid, now)? {
        return Ok(());
    }
    let caption = crate::bops::service::caption_of(tx, bop_uid)?.unwrap_or_default();
    let what = if caption.trim().is_empty() { "Your latest Bop".to_owned() } else { format!("\"{}\"", caption.trim()) };
    let title = format!("{what} is taking off — post more like it");
    let body = format!(
        "Toney: {views} views in its first 48 hours, over {factor}× your median launch of {} ({} Bops).",
        insights::number(median),
        earlier.len()
    );
    let user = crate::identity::service::artist_user_id(tx, artist)?;
    notify(
        tx,
        &NewNotification {
            user_id: user.0,
            kind: NOTICE_KIND,
            title: &title,
            body: &body,
            link: Some("/studio/bops/new"),
        },
    )
}

/// The onboarding conversation: Toney says hello in `/toney`.
fn onboarding(tx: &Tx, completed: &ArtistProfileCompleted, now: i64) -> rusqlite::Result<()> {
    let Some(artist) = crate::identity::service::artist_by_uid(tx, &completed.artist_uid)? else { return Ok(()) };
    let session = repo::open_session(tx, artist.id, "onboarding", now)?;
    let name = completed.stage_name.trim();
    let body = format!(
        "Hi {}! I'm Toney. I read your numbers — Bops, music, shop, tips and fans — and tell you one useful thing to do next, with the evidence. \
         Once payouts are connected, post your first Bop: after a few, I can tell you which day and hour your fans watch most.",
        if name.is_empty() { "there" } else { name }
    );
    repo::insert_message(
        tx,
        session,
        &NewMessage { author: "toney", body: &body, action: Some(("Post your first Bop", "/studio/bops/new")) },
        now,
    )
}
