//! The dashboard's top insight: kept per artist, worked out beside the
//! visits that show it. The dashboard never waits long for Toney: at a
//! million Bops working an insight out read tens of milliseconds of rows
//! (hundreds on a cold disk), which made the dashboard the slowest page.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use super::insights::{self, Insight};
use crate::app::AppState;
use crate::core::ids::ArtistId;
use crate::core::memo::Memo;
use crate::error::AppResult;

/// Artists whose top insight is kept; past this the memo starts over.
const KEPT: usize = 4096;
/// How long a top insight is shown before it is worked out again, when
/// the artist's figures have not changed. Its facts — launches over 48
/// hours, monthly sums, loyalty that fades over weeks — move slowly.
const AGE: Duration = Duration::from_secs(60);

/// The top insights, per artist, under the figures' version and the day;
/// and the artists whose first one is being worked out.
pub struct TopInsights {
    memo: Memo<ArtistId, Stamp, Option<Insight>>,
    first: Mutex<HashSet<ArtistId>>,
}

type Stamp = (i64, chrono::NaiveDate);

impl Default for TopInsights {
    fn default() -> Self {
        TopInsights { memo: Memo::new(KEPT, Some(AGE)), first: Mutex::new(HashSet::new()) }
    }
}

/// What the dashboard can show.
#[derive(Debug, Clone)]
pub enum TopInsight {
    /// Toney's most useful insight, or none worth saying.
    Ready(Option<Insight>),
    /// The first one is still being worked out.
    Pending,
}

impl TopInsight {
    /// The insight, if one is ready.
    pub fn ready(self) -> Option<Insight> {
        match self {
            TopInsight::Ready(insight) => insight,
            TopInsight::Pending => None,
        }
    }
}

/// The top insight for the dashboard. One kept for the artist is shown at
/// once, even when their figures have changed (`figures_version`), the day
/// has turned or it is a minute old: the first visit to find it so starts
/// working out the next in the background. With none kept yet, the visit
/// waits `toney.dashboard_wait_ms` for it and is otherwise told it is
/// pending (the page says Toney is still reading and fetches the card).
pub async fn top_insight(state: &AppState, artist: ArtistId, figures_version: i64) -> AppResult<TopInsight> {
    let stamp = (figures_version, crate::analytics::earnings_day(state.clock.now_ms()));
    let kept = &super::state(state).top_insights;
    if let Some((insight, stale)) = kept.memo.get_or_refresh(&artist, &stamp) {
        if stale {
            spawn_work(state, artist, stamp);
        }
        return Ok(TopInsight::Ready(insight));
    }
    if !kept.first.lock().unwrap_or_else(|e| e.into_inner()).insert(artist) {
        return Ok(TopInsight::Pending);
    }
    let work = spawn_work(state, artist, stamp);
    let wait = Duration::from_millis(super::state(state).config.dashboard_wait_ms.into());
    if wait.is_zero() {
        return Ok(TopInsight::Pending);
    }
    match tokio::time::timeout(wait, work).await {
        Ok(Ok(insight)) => Ok(TopInsight::Ready(insight)),
        Ok(Err(_)) | Err(_) => Ok(TopInsight::Pending),
    }
}

/// Works the insight out on a task of its own (it finishes even when the
/// visit that started it has gone) and keeps it.
fn spawn_work(state: &AppState, artist: ArtistId, stamp: Stamp) -> tokio::task::JoinHandle<Option<Insight>> {
    let state = state.clone();
    tokio::spawn(async move {
        let worked = work_out(&state, artist, stamp).await;
        super::state(&state).top_insights.first.lock().unwrap_or_else(|e| e.into_inner()).remove(&artist);
        worked.unwrap_or_else(|error| {
            tracing::warn!(%error, "working out a top insight failed; the next visit tries again");
            None
        })
    })
}

async fn work_out(state: &AppState, artist: ArtistId, stamp: Stamp) -> AppResult<Option<Insight>> {
    let (setup, now) = (super::service::setup(state), state.clock.now_ms());
    let insight = state.db.read(move |c| Ok(insights::for_artist(c, artist, &setup, now)?.into_iter().next())).await?;
    super::state(state).top_insights.memo.put(artist, stamp, insight.clone());
    Ok(insight)
}
