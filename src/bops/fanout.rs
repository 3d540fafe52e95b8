//! Fan-out on write: a published Bop goes into its followers' timelines, and
//! each of them gets a notice, in batches of [`FAN_OUT_BATCH`] followers per
//! transaction, each batch emitting the event for the next one. The feed then
//! reads one index walk per page, whatever the number of artists a fan
//! follows, and an artist with many followers never holds the writer long.

use super::events::{BopFanOutContinued, BopPublished};
use super::repo;
use super::tips::BopTipReceived;
use crate::core::ids::{ArtistId, UserId};
use crate::events::{PlatformEvent, Registry, emit};
use crate::identity::events::{FanFollowed, FanUnfollowed};
use crate::notify::{NewNotification, notify};
use crate::web::money::format_money;

/// Followers written per transaction. At tens of microseconds per follower,
/// a batch holds the writer for milliseconds, not seconds.
pub const FAN_OUT_BATCH: usize = 500;

pub fn register(registry: &mut Registry) {
    registry.on(BopPublished::TYPE, "bops.timeline_fan_out", |tx, event| {
        let published: BopPublished = serde_json::from_value(event.payload.clone())?;
        if published.visibility == "private" {
            return Ok(());
        }
        fan_out(tx, published.bop_uid, published.artist_name, 0)
    });
    registry.on(BopFanOutContinued::TYPE, "bops.timeline_fan_out", |tx, event| {
        let next: BopFanOutContinued = serde_json::from_value(event.payload.clone())?;
        fan_out(tx, next.bop_uid, next.artist_name, next.after_fan)
    });
    // A follow backfills the fan's timeline with the artist's recent Bops,
    // an unfollow takes them out; each checks the follow as it is now, so
    // a quick unfollow-and-follow ends as the fan left it.
    registry.on(FanFollowed::TYPE, "bops.timeline_backfill", |tx, event| {
        let followed: FanFollowed = serde_json::from_value(event.payload.clone())?;
        let (fan, artist) = (UserId(followed.fan_user_id), ArtistId(followed.artist_id));
        if let Some(since) = crate::identity::service::followed_since(tx, fan, artist)? {
            repo::backfill_timeline(tx, fan, artist, since)?;
        }
        Ok(())
    });
    registry.on(FanUnfollowed::TYPE, "bops.timeline_removal", |tx, event| {
        let FanUnfollowed(followed) = serde_json::from_value(event.payload.clone())?;
        let (fan, artist) = (UserId(followed.fan_user_id), ArtistId(followed.artist_id));
        if !crate::identity::service::is_following(tx, fan, artist)? {
            repo::remove_from_timeline(tx, fan, artist)?;
        }
        Ok(())
    });
    registry.on(BopTipReceived::TYPE, "notify.tip_notification", |tx, event| {
        let tip: BopTipReceived = serde_json::from_value(event.payload.clone())?;
        let fan = crate::identity::service::user_contact(tx, UserId(tip.fan_user_id))?
            .map(|(_, name)| name)
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "A fan".to_owned());
        let title = format!("{fan} tipped you {}", format_money(tip.amount_minor, &tip.currency));
        let message = repo::tip_message(tx, &tip.tip_uid)?;
        let body = if message.is_empty() { "On one of your Bops.".to_owned() } else { format!("“{message}”") };
        let notice = NewNotification {
            user_id: tip.artist_user_id,
            kind: "tip",
            title: &title,
            body: &body,
            link: Some("/studio/supporters"),
        };
        notify(tx, &notice)?;
        Ok(())
    });
}

fn fan_out(tx: &crate::db::Tx, bop_uid: String, artist_name: String, after_fan: i64) -> anyhow::Result<()> {
    let batch = repo::fan_out_bop(tx, &bop_uid, UserId(after_fan), FAN_OUT_BATCH)?;
    let name = if artist_name.is_empty() { "an artist you follow" } else { artist_name.as_str() };
    let title = format!("New Bop from {name}");
    for &fan in &batch.followers {
        let notice = NewNotification {
            user_id: fan.0,
            kind: "new_bop",
            title: &title,
            body: "Watch it in the app.",
            link: Some("/app"),
        };
        notify(tx, &notice)?;
    }
    if let Some(last) = batch.next_after {
        emit(tx, &BopFanOutContinued { bop_uid, artist_name, after_fan: last.0 })?;
    }
    Ok(())
}
