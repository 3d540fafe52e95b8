//! Music's event handlers: followers hear of a new release when its tracks
//! go live (in batches, so an artist with many followers never holds the
//! writer long); releases are
//! queued for delivery to the stores; a counted stream adds to the fan's
//! loyalty; artists hear of imported royalties.

use serde::{Deserialize, Serialize};

use super::MusicConfig;
use super::distribution::message::MessageKind;
use super::distribution::queue::queue_for_targets;
use super::repo;
use super::royalties::RoyaltyImported;
use super::service::{ReleasePublished, ReleaseTakenDown};
use super::tracks::TrackPublished;
use crate::core::ids::{ArtistId, UserId};
use crate::events::{PlatformEvent, Registry, emit};
use crate::notify::{NewNotification, notify};

/// Followers told per transaction.
const NOTICE_BATCH: usize = 500;

/// The next batch of a release's follower notices.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseNoticesContinued {
    pub release: ReleasePublished,
    pub after_fan: i64,
}

impl PlatformEvent for ReleaseNoticesContinued {
    const TYPE: &'static str = "music.release.notices_continued";
}

pub fn register(registry: &mut Registry, config: MusicConfig) {
    // Followers hear once per release: its first track announces it.
    registry.on(TrackPublished::TYPE, "music.follower_notices", |tx, event| {
        let track: TrackPublished = serde_json::from_value(event.payload.clone())?;
        if track.position != 1 {
            return Ok(());
        }
        let release =
            ReleasePublished { release_uid: track.release_uid, artist_id: track.artist_id, title: track.release_title };
        tell_followers(tx, release, 0)
    });
    registry.on(RoyaltyImported::TYPE, "music.royalty_notices", |tx, event| {
        let imported: RoyaltyImported = serde_json::from_value(event.payload.clone())?;
        for artist in imported.artist_ids {
            let user = crate::identity::service::artist_user_id(tx, ArtistId(artist))?;
            let notice = NewNotification {
                user_id: user.0,
                kind: "royalties",
                title: "New royalties",
                body: "A statement from your distributor was imported; see what each track earned.",
                link: Some("/studio/music"),
            };
            notify(tx, &notice)?;
        }
        Ok(())
    });
    // Distribution: the rows here, the network after commit (see `distribution::queue`).
    let targets = std::sync::Arc::new(config);
    let published = targets.clone();
    registry.on(ReleasePublished::TYPE, "music.ddex_delivery", move |tx, event| {
        let release: ReleasePublished = serde_json::from_value(event.payload.clone())?;
        queue(tx, &published, &release.release_uid, MessageKind::New)
    });
    registry.on(ReleaseTakenDown::TYPE, "music.ddex_takedown", move |tx, event| {
        let release: ReleaseTakenDown = serde_json::from_value(event.payload.clone())?;
        queue(tx, &targets, &release.release_uid, MessageKind::Takedown)
    });
    registry.on(ReleaseNoticesContinued::TYPE, "music.follower_notices", |tx, event| {
        let next: ReleaseNoticesContinued = serde_json::from_value(event.payload.clone())?;
        tell_followers(tx, next.release, next.after_fan)
    });
}

fn tell_followers(tx: &crate::db::Tx, release: ReleasePublished, after: i64) -> anyhow::Result<()> {
    let artist = ArtistId(release.artist_id);
    let fans = crate::identity::service::list_followers(tx, artist, UserId(after), NOTICE_BATCH)?;
    let title = format!("New music: {}", release.title);
    let link = format!("/app#release={}", release.release_uid);
    for fan in &fans {
        let notice = NewNotification {
            user_id: fan.0,
            kind: "new_release",
            title: &title,
            body: "Listen in the app.",
            link: Some(&link),
        };
        notify(tx, &notice)?;
    }
    if fans.len() == NOTICE_BATCH
        && let Some(last) = fans.last()
    {
        emit(tx, &ReleaseNoticesContinued { release, after_fan: last.0 })?;
    }
    Ok(())
}

fn queue(tx: &crate::db::Tx, config: &MusicConfig, release_uid: &str, kind: MessageKind) -> anyhow::Result<()> {
    if let Some(id) = repo::find_release_id_by_uid(tx, release_uid)? {
        queue_for_targets(tx, config, id, kind, crate::db::now_ms())?;
    }
    Ok(())
}
