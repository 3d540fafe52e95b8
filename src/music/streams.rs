//! Streams: the player reports where it is in a track, and a stream counts
//! once 30 seconds have been played (the industry rule) — by the position
//! the player reports and by the time since it said it started, so a client
//! cannot claim 30 s after 5 — at most once per listener and track per 30
//! minutes. Counted streams go to `streaming_metrics` and out as an event.

use serde::{Deserialize, Serialize};

use super::domain::{Date, ReleaseStatus};
use super::repo;
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};

/// Played this long, a stream counts.
pub const COUNT_AFTER_MS: i64 = 30_000;
/// One counted stream per listener and track in this window.
pub const REPEAT_WINDOW_MS: i64 = 30 * 60 * 1000;
/// Leeway between the client's clock and ours over 30 seconds.
const CLOCK_LEEWAY_MS: i64 = 1_000;

/// A stream was counted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamCounted {
    pub track_uid: String,
    pub artist_id: i64,
    pub listener_id: i64,
    pub source: String,
    pub day: String,
    /// When it was counted (events from before this field: 0, read as the
    /// event's own time).
    #[serde(default)]
    pub at: i64,
}

impl PlatformEvent for StreamCounted {
    const TYPE: &'static str = "stream.counted";
}

/// Where the listener plays from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    App,
    Web,
    Bop,
}

impl Source {
    pub fn parse(raw: &str) -> Option<Source> {
        Some(match raw {
            "app" => Source::App,
            "web" => Source::Web,
            "bop" => Source::Bop,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::App => "app",
            Source::Web => "web",
            Source::Bop => "bop",
        }
    }
}

/// What the player reports.
#[derive(Debug, Deserialize)]
pub struct PlayReport {
    pub position_ms: i64,
    #[serde(default = "default_source")]
    pub source: String,
}

fn default_source() -> String {
    "app".into()
}

#[derive(Debug, Serialize)]
pub struct PlayOutcome {
    /// This report counted a stream.
    pub counted: bool,
}

/// Takes the player's report for a track the listener may hear.
pub async fn report(
    state: &AppState,
    listener: UserId,
    track_uid: String,
    report: PlayReport,
) -> AppResult<PlayOutcome> {
    let source =
        Source::parse(&report.source).ok_or_else(|| AppError::invalid("source", "The source is app, web or bop."))?;
    if report.position_ms < 0 {
        return Err(AppError::invalid("position_ms", "The position cannot be negative."));
    }
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let (track, status, artist) = repo::find_track(tx, &track_uid)?.ok_or(AppError::NotFound)?;
            if status != ReleaseStatus::Published || !crate::identity::service::artist_is_visible(tx, artist)? {
                return Err(AppError::NotFound);
            }
            let play = repo::find_play(tx, listener, track.id)?;
            let counted_this_play =
                play.as_ref().is_some_and(|(_, started, counted)| counted.is_some_and(|c| c >= *started));
            if report.position_ms < COUNT_AFTER_MS {
                // A new play starts at the top, or after the last one counted.
                if play.is_none() || counted_this_play || report.position_ms < 1_000 {
                    repo::start_play(tx, listener, track.id, source.as_str(), now)?;
                }
                return Ok(PlayOutcome { counted: false });
            }
            let Some((source, started, counted)) = play else { return Ok(PlayOutcome { counted: false }) };
            let played_long_enough = now - started >= COUNT_AFTER_MS - CLOCK_LEEWAY_MS;
            let recently_counted = counted.is_some_and(|at| now - at < REPEAT_WINDOW_MS);
            if counted_this_play || !played_long_enough || recently_counted {
                return Ok(PlayOutcome { counted: false });
            }
            let day = Date::of_ms(now).as_string();
            repo::count_stream(tx, listener, track.id, &source, &day, now)?;
            let event = StreamCounted {
                track_uid: track.uid.clone(),
                artist_id: artist.0,
                listener_id: listener.0,
                source,
                day,
                at: now,
            };
            emit(tx, &event)?;
            Ok(PlayOutcome { counted: true })
        })
        .await
}
