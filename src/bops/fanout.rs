//! Fan-out on write: a published Bop goes into its followers' timelines, in
//! batches of [`FAN_OUT_BATCH`] followers per transaction, each batch
//! emitting the event for the next one. The feed then reads one index walk
//! per page, whatever the number of artists a fan follows.

use super::events::{BopFanOutContinued, BopPublished};
use super::repo;
use crate::events::{PlatformEvent, Registry, emit};

/// Followers written per transaction. At tens of microseconds per follower,
/// a batch holds the writer for milliseconds, not seconds.
pub const FAN_OUT_BATCH: usize = 500;

pub fn register(registry: &mut Registry) {
    registry.on(BopPublished::TYPE, "bops.timeline_fan_out", |tx, event| {
        let published: BopPublished = serde_json::from_value(event.payload.clone())?;
        if published.visibility == "private" {
            return Ok(());
        }
        fan_out(tx, published.bop_uid, 0)
    });
    registry.on(BopFanOutContinued::TYPE, "bops.timeline_fan_out", |tx, event| {
        let next: BopFanOutContinued = serde_json::from_value(event.payload.clone())?;
        fan_out(tx, next.bop_uid, next.after_fan)
    });
}

fn fan_out(tx: &crate::db::Tx, bop_uid: String, after_fan: i64) -> anyhow::Result<()> {
    if let Some(last) = repo::fan_out_bop(tx, &bop_uid, after_fan, FAN_OUT_BATCH)? {
        emit(tx, &BopFanOutContinued { bop_uid, after_fan: last })?;
    }
    Ok(())
}
