//! The delivery queue: publishing (or taking down) a release writes one
//! `ddex_deliveries` row per configured target inside the event handler's
//! transaction; the delivery job sends them after commit — never holding
//! the writer while it talks to the network — and records every attempt.
//! A failed attempt is retried with backoff (30 s, 2 min, 8 min, 32 min,
//! ~2 h), then the delivery is marked failed for the label to look at.

use crate::core::new_uid;
use crate::db::{Db, Tx};
use crate::media::Media;
use crate::music::MusicConfig;
use crate::music::ddex::MessageControl;
use crate::music::ddex::batch::plan_batch;
use crate::music::repo::{self, DeliveryRow};

use super::message::{self, MessageKind, Recipient};
use super::{DeliveryTarget, sink};

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 6;
const FIRST_RETRY_MS: i64 = 30_000;

/// Queues a message of `kind` for a release to every target (from an event
/// handler, inside its transaction).
pub fn queue_for_targets(
    tx: &Tx,
    config: &MusicConfig,
    release_id: i64,
    kind: MessageKind,
    now: i64,
) -> rusqlite::Result<()> {
    for target in &config.delivery {
        repo::insert_delivery(tx, &new_uid(), release_id, &target.name, kind.as_str(), now)?;
    }
    Ok(())
}

/// The batch id: the time, to the millisecond (batches sort in delivery order).
fn batch_id(now_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default().format("%Y%m%d%H%M%S%3f").to_string()
}

/// Builds and sends one delivery; returns the batch folder written.
async fn attempt(
    db: &Db,
    media: &Media,
    config: &MusicConfig,
    delivery: &DeliveryRow,
    now: i64,
) -> Result<String, String> {
    let target = find_target(config, &delivery.target)?;
    let kind = MessageKind::parse(&delivery.kind).ok_or("unknown delivery kind")?;
    let recipient = Recipient {
        party: crate::music::ddex::Party { dpid: target.recipient_dpid.clone(), name: target.recipient_name.clone() },
        control: if target.live { MessageControl::Live } else { MessageControl::Test },
    };
    // Each attempt is a message of its own: a recipient may have seen a
    // half-delivered earlier one.
    let message_id = format!("{}-{}", delivery.uid, delivery.attempts);
    let request = message::Request {
        release_id: delivery.release_id,
        recipient: &recipient,
        kind,
        message_id: &message_id,
        now_ms: now,
    };
    let prepared = message::prepare(db, media, config, request).await?;
    let batch = batch_id(now);
    let plan = plan_batch(&batch, &prepared.icpn, prepared.xml, prepared.resources).map_err(|e| e.to_string())?;
    sink::deliver(media, target, &plan).await?;
    Ok(batch)
}

fn find_target<'a>(config: &'a MusicConfig, name: &str) -> Result<&'a DeliveryTarget, String> {
    config.delivery.iter().find(|t| t.name == name).ok_or_else(|| format!("no delivery target is called {name:?}"))
}

/// Sends every delivery due now; returns how many were attempted.
pub async fn deliver_due(db: &Db, media: &Media, config: &MusicConfig, now: impl Fn() -> i64) -> usize {
    let mut attempted = 0;
    loop {
        let at = now();
        // A read first: on most ticks nothing is due, and the writer is not taken.
        match db.read(repo::next_delivery_due_at).await {
            Ok(Some(due)) if due <= at => {}
            Ok(_) => return attempted,
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the DDEX delivery queue; retrying later");
                return attempted;
            }
        }
        let claimed = db.write::<_, crate::db::DbError, _>(move |tx| Ok(repo::claim_due_delivery(tx, at)?)).await;
        let delivery = match claimed {
            Ok(Some(delivery)) => delivery,
            Ok(None) => return attempted,
            Err(err) => {
                tracing::warn!(error = %err, "cannot claim a DDEX delivery; retrying later");
                return attempted;
            }
        };
        attempted += 1;
        run(db, media, config, delivery, now()).await;
    }
}

async fn run(db: &Db, media: &Media, config: &MusicConfig, delivery: DeliveryRow, started: i64) {
    let outcome = attempt(db, media, config, &delivery, started).await;
    let retry_at = match &outcome {
        Err(why) if delivery.attempts < MAX_ATTEMPTS => {
            tracing::warn!(delivery = %delivery.uid, target = %delivery.target, attempt = delivery.attempts, error = %why, "DDEX delivery failed; will retry");
            Some(started + FIRST_RETRY_MS * 4_i64.pow((delivery.attempts - 1) as u32))
        }
        Err(why) => {
            tracing::error!(delivery = %delivery.uid, target = %delivery.target, error = %why, "DDEX delivery failed for good");
            None
        }
        Ok(batch) => {
            tracing::info!(delivery = %delivery.uid, target = %delivery.target, batch = %batch, "DDEX delivery done");
            None
        }
    };
    let finished = crate::db::now_ms();
    let saved = db
        .write::<_, crate::db::DbError, _>(move |tx| {
            Ok(repo::finish_attempt(tx, &delivery, started, &outcome, retry_at, finished)?)
        })
        .await;
    if let Err(err) = saved {
        tracing::error!(error = %err, "cannot record a DDEX delivery attempt");
    }
}

/// Queues and sends a delivery at once (the admin's `ddex deliver`);
/// returns the batch folder, or why it failed (the attempt is logged and
/// retried by the server's job).
pub async fn deliver_now(
    db: &Db,
    media: &Media,
    config: &MusicConfig,
    release_id: i64,
    target: &str,
    kind: MessageKind,
) -> anyhow::Result<Result<String, String>> {
    find_target(config, target).map_err(anyhow::Error::msg)?;
    let (uid, name, now) = (new_uid(), target.to_owned(), crate::db::now_ms());
    let delivery = db
        .write::<_, crate::db::DbError, _>(move |tx| {
            Ok(repo::insert_claimed_delivery(tx, &uid, release_id, &name, kind.as_str(), now)?)
        })
        .await?;
    let uid = delivery.uid.clone();
    run(db, media, config, delivery, now).await;
    let row = db.read(move |c| repo::find_delivery(c, &uid)).await?;
    Ok(match row {
        Some(d) if d.status == "delivered" => Ok(d.batch_id.unwrap_or_default()),
        Some(d) => Err(d.last_error.unwrap_or_default()),
        None => Err("the delivery vanished".into()),
    })
}
