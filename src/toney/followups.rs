//! "Did it work?": a Bop posted as Toney suggested — on the weekday or
//! hour it named as best at that moment, or announcing a new track — is
//! noted when it is published, with the comparison Toney made then. When
//! its 48 hours are over, Toney measures it against that comparison and
//! tells the artist, in a notice and in the conversation.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::insights::{self, LAUNCHES_READ, MIN_GROUP, WEEKDAYS};
use super::repo::{self, LAUNCH_WINDOW_MS, NewMessage};
use crate::app::AppState;
use crate::bops::events::BopPublished;
use crate::core::ids::ArtistId;
use crate::db::Tx;
use crate::error::AppResult;
use crate::notify::{NewNotification, notify};

/// Measured a little after the 48 hours, so views still queued as events
/// when the window closed are counted.
const GRACE_MS: i64 = 5 * 60_000;
/// Follow-ups measured per pass (the rest wait for the next one).
const BATCH: i64 = 200;

/// A suggestion followed.
#[derive(Debug, Clone, PartialEq)]
pub struct Followed {
    pub kind: &'static str,
    /// "Tuesday", "18:00 UTC", or the track's title.
    pub detail: String,
    pub median_views: f64,
    pub samples: usize,
}

/// Which suggestion a new Bop follows, if any, judged by what Toney could
/// see at the moment it was published (launches complete by then).
pub fn followed(conn: &Connection, bop: &BopPublished, at: i64) -> rusqlite::Result<Option<Followed>> {
    let artist = ArtistId(bop.artist_id);
    let earlier: Vec<_> = repo::list_complete_bop_launches(conn, artist, at, LAUNCHES_READ)?
        .into_iter()
        .filter(|l| l.bop_uid != bop.bop_uid)
        .collect();
    let median_views = insights::median(&earlier.iter().map(|l| l.views_48h).collect::<Vec<_>>());
    let make = |kind, detail| Followed { kind, detail, median_views, samples: earlier.len() };
    if let Some(track) = bop.track_uid.as_deref()
        && let Some(launch) = repo::find_track_launch(conn, artist, track)?
        && at - launch.published_at < insights::TRACK_NEWS_MS
    {
        return Ok(Some(make("announce_track", launch.title)));
    }
    let (weekday, hour) = repo::weekday_hour(at);
    if insights::best_weekday(&earlier) == Some(weekday) {
        return Ok(Some(make("best_day", WEEKDAYS[usize::from(weekday)].to_owned())));
    }
    if insights::best_hour_of_day(&earlier) == Some(hour) {
        return Ok(Some(make("best_hour", format!("{hour:02}:00 UTC"))));
    }
    Ok(None)
}

/// The `bop.published` handler: notes a followed suggestion (once).
pub fn on_published(tx: &Tx, bop: &BopPublished, at: i64) -> rusqlite::Result<()> {
    let Some(f) = followed(tx, bop, at)? else { return Ok(()) };
    tx.prepare_cached(
        "INSERT INTO toney_followups (bop_uid, artist_id, kind, detail, published_at, median_views, samples)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (bop_uid) DO NOTHING",
    )?
    .execute(params![bop.bop_uid, bop.artist_id, f.kind, f.detail, at, f.median_views, f.samples as i64])?;
    Ok(())
}

/// A follow-up as measured.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub bop_uid: String,
    pub kind: String,
    pub sentence: String,
    pub views_48h: i64,
    pub lift_pct: Option<i64>,
    pub measured_at: i64,
}

/// The sentence Toney says about a measured follow-up.
pub fn sentence(kind: &str, detail: &str, views: i64, median: f64, samples: usize) -> (String, Option<i64>) {
    let what = match kind {
        "announce_track" => format!("You posted a Bop announcing \"{detail}\""),
        "best_hour" => format!("You posted at {detail}, as I suggested"),
        _ => format!("You posted on {detail}, as I suggested"),
    };
    let plural = if views == 1 { "" } else { "s" };
    if samples < MIN_GROUP || median < 1.0 {
        return (format!("{what}: {views} view{plural} in its first 48 hours."), None);
    }
    let lift = ((views as f64 / median - 1.0) * 100.0).round() as i64;
    let against = match lift {
        0 => "the same as".to_owned(),
        l if l > 0 => format!("{l}% more views than"),
        l => format!("{}% fewer views than", -l),
    };
    let median = insights::number(median);
    (
        format!(
            "{what}: {views} view{plural} in its first 48 hours, {against} your median of {median} ({samples} Bops)."
        ),
        Some(lift),
    )
}

struct Due {
    bop_uid: String,
    artist: ArtistId,
    kind: String,
    detail: String,
    median: f64,
    samples: usize,
}

fn list_due(conn: &Connection, now: i64) -> rusqlite::Result<Vec<Due>> {
    conn.prepare_cached(
        "SELECT bop_uid, artist_id, kind, detail, median_views, samples FROM toney_followups
         WHERE measured_at IS NULL AND published_at <= ?1 ORDER BY published_at LIMIT ?2",
    )?
    .query_map(params![now - LAUNCH_WINDOW_MS - GRACE_MS, BATCH], |r| {
        Ok(Due {
            bop_uid: r.get(0)?,
            artist: r.get(1)?,
            kind: r.get(2)?,
            detail: r.get(3)?,
            median: r.get(4)?,
            samples: r.get::<_, i64>(5)? as usize,
        })
    })?
    .collect()
}

/// Measures one follow-up (once: a second pass finds it measured) and
/// tells the artist.
fn measure(tx: &Tx, due: &Due, now: i64) -> rusqlite::Result<()> {
    let views: i64 = tx
        .prepare_cached("SELECT views_48h FROM toney_bop_launches WHERE bop_uid = ?1")?
        .query_row([&due.bop_uid], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let marked = tx
        .prepare_cached(
            "UPDATE toney_followups SET views_48h = ?2, measured_at = ?3 WHERE bop_uid = ?1 AND measured_at IS NULL",
        )?
        .execute(params![due.bop_uid, views, now])?;
    if marked == 0 || !crate::bops::service::is_live(tx, &due.bop_uid)? {
        return Ok(());
    }
    let (text, _) = sentence(&due.kind, &due.detail, views, due.median, due.samples);
    let user = crate::identity::service::artist_user_id(tx, due.artist)?;
    notify(
        tx,
        &NewNotification {
            user_id: user.0,
            kind: super::events::NOTICE_KIND,
            title: "Did it work?",
            body: &text,
            link: Some("/toney"),
        },
    )?;
    let session = repo::open_session(tx, due.artist, "chat", now)?;
    repo::insert_message(tx, session, &NewMessage { author: "toney", body: &text, action: None }, now)
}

/// Measures every follow-up whose 48 hours are over; reads first, so an
/// idle server does not write. Returns how many were measured.
pub async fn measure_due(state: &AppState, now: i64) -> AppResult<usize> {
    let due = state.db.read(move |c| list_due(c, now)).await?;
    let n = due.len();
    if n > 0 {
        state
            .db
            .write::<_, crate::error::AppError, _>(move |tx| Ok(due.iter().try_for_each(|d| measure(tx, d, now))?))
            .await?;
    }
    Ok(n)
}

pub fn measure_job(state: AppState) -> tokio::task::JoinHandle<()> {
    crate::pillar::every(state, Duration::from_secs(300), "measuring Toney's follow-ups", |state, now| async move {
        measure_due(&state, now).await
    })
}

/// The artist's measured follow-ups, newest first.
pub fn list_outcomes(conn: &Connection, artist: ArtistId, limit: usize) -> rusqlite::Result<Vec<Outcome>> {
    conn.prepare_cached(
        "SELECT bop_uid, kind, detail, views_48h, median_views, samples, measured_at FROM toney_followups
         WHERE artist_id = ?1 AND measured_at IS NOT NULL ORDER BY published_at DESC LIMIT ?2",
    )?
    .query_map(params![artist, limit as i64], |r| {
        let (kind, detail, views): (String, String, i64) = (r.get(1)?, r.get(2)?, r.get(3)?);
        let (sentence, lift_pct) = sentence(&kind, &detail, views, r.get(4)?, r.get::<_, i64>(5)? as usize);
        Ok(Outcome { bop_uid: r.get(0)?, kind, sentence, views_48h: views, lift_pct, measured_at: r.get(6)? })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn the_outcome_is_said_against_the_comparison_made_at_the_time() {
        let (text, lift) = sentence("best_day", "Tuesday", 131, 100.0, 8);
        assert_eq!(
            text,
            "You posted on Tuesday, as I suggested: 131 views in its first 48 hours, 31% more views than your median of 100 (8 Bops)."
        );
        assert_eq!(lift, Some(31));
        let (text, lift) = sentence("best_hour", "18:00 UTC", 5, 10.0, 6);
        assert!(text.contains("50% fewer views than your median of 10 (6 Bops)"), "{text}");
        assert_eq!(lift, Some(-50));
        // Too little to compare with: the views alone.
        let (text, lift) = sentence("announce_track", "Glow", 1, 4.0, 2);
        assert_eq!(text, "You posted a Bop announcing \"Glow\": 1 view in its first 48 hours.");
        assert_eq!(lift, None);
    }
}
