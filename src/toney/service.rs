//! Toney's use cases: the insights and conversation of the signed-in
//! artist, a question answered, the conversation cleared. Every read and
//! write takes the artist from the session's scope, never from the request.

use super::chat;
use super::followups::{self, Outcome};
use super::insights::{self, Insight, Setup};
use super::repo::{self, MessageRow, NewMessage};
use super::report;
use crate::app::AppState;
use std::time::Duration;

use crate::core::ids::ArtistId;
use crate::core::memo::Memo;
use crate::error::{AppError, AppResult};
use crate::web::text::{Lines, clean_text};

pub fn setup(state: &AppState) -> Setup {
    let analytics = crate::analytics::state(state);
    Setup { currency: analytics.config.currency(), loyalty: analytics.config.loyalty }
}

/// What `/toney` shows: the insights, the newest messages, the measured
/// follow-ups and the months with a report.
pub struct Overview {
    pub insights: Vec<Insight>,
    pub messages: Vec<MessageRow>,
    pub outcomes: Vec<Outcome>,
    pub reports: Vec<String>,
}

/// Follow-ups shown on `/toney`.
const OUTCOMES_SHOWN: usize = 5;

/// The artist's insights, conversation, follow-ups and reports.
pub async fn overview(state: &AppState, artist: ArtistId) -> AppResult<Overview> {
    let (setup, now) = (setup(state), state.clock.now_ms());
    let limit = super::state(state).config.history_messages as usize;
    let overview = state
        .db
        .read(move |c| {
            Ok::<_, rusqlite::Error>(Overview {
                insights: insights::for_artist(c, artist, &setup, now)?,
                messages: repo::list_messages(c, artist, limit)?,
                outcomes: followups::list_outcomes(c, artist, OUTCOMES_SHOWN)?,
                reports: report::list_months(c, artist)?,
            })
        })
        .await?;
    Ok(overview)
}

/// The insight a studio page shows, of `kind`, when the artist's data
/// supports it (the shop page: the best seller; the music page: a new
/// track's momentum).
pub async fn page_insight(state: &AppState, artist: ArtistId, kind: insights::Kind) -> AppResult<Option<Insight>> {
    let (setup, now) = (setup(state), state.clock.now_ms());
    let found = state.db.read(move |c| insights::for_artist(c, artist, &setup, now)).await?;
    Ok(found.into_iter().find(|i| i.kind == kind))
}

/// A message as typed, checked: trimmed, not empty, not too long, no
/// control characters. Bad input is refused before anything is stored.
pub fn parse_message(raw: &str, max_chars: u32) -> AppResult<String> {
    let text = clean_text(raw, Lines::Multi).map_err(|e| AppError::invalid("message", e))?;
    if text.is_empty() {
        return Err(AppError::invalid("message", "Ask Toney something, like \"when should I post?\"."));
    }
    let n = text.chars().count();
    if n > max_chars as usize {
        return Err(AppError::invalid(
            "message",
            format!("Keep questions to {max_chars} characters (this one has {n})."),
        ));
    }
    Ok(text)
}

/// Answers the artist's question — offline, or phrased by the language
/// model when one is configured (the offline answer when it fails) — and
/// stores both in one transaction.
pub async fn ask(state: &AppState, artist: ArtistId, raw: &str) -> AppResult<()> {
    let toney = super::state(state);
    let message = parse_message(raw, toney.config.max_message_chars)?;
    let (setup, now) = (setup(state), state.clock.now_ms());
    let facts = state.db.read(move |c| insights::load(c, artist, &setup, now)).await?;
    let offline = chat::answer(&message, &facts);
    let answer = match &toney.llm {
        None => offline,
        Some(llm) => llm.answer(&message, &facts, offline.clone()).await.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "Toney's language model failed; answering offline");
            offline
        }),
    };
    state
        .db
        .write(move |tx| {
            let session = repo::open_session(tx, artist, "chat", now)?;
            repo::insert_message(tx, session, &NewMessage { author: "artist", body: &message, action: None }, now)?;
            let action = answer.action.as_ref().map(|(label, link)| (label.as_str(), link.as_str()));
            repo::insert_message(tx, session, &NewMessage { author: "toney", body: &answer.body, action }, now)?;
            Ok(())
        })
        .await
}

/// Soft-deletes the artist's conversation (kept, no longer shown).
pub async fn clear(state: &AppState, artist: ArtistId) -> AppResult<()> {
    let now = state.clock.now_ms();
    state.db.write(move |tx| Ok(repo::soft_delete_session(tx, artist, now).map(|_| ())?)).await
}

/// The dashboard's top insights, per artist, under the figures' version
/// and the day.
pub type TopInsightMemo = Memo<ArtistId, (i64, chrono::NaiveDate), Option<Insight>>;

/// Artists whose top insight is kept; past this the memo starts over.
const TOP_INSIGHTS_KEPT: usize = 4096;
/// How long a top insight is shown before it is worked out again, when
/// the artist's figures have not changed. Its facts — launches over 48
/// hours, monthly sums, loyalty that fades over weeks — move slowly; working
/// it out on every visit made the dashboard the slowest page.
const TOP_INSIGHT_AGE: Duration = Duration::from_secs(60);

pub fn top_insight_memo() -> TopInsightMemo {
    Memo::new(TOP_INSIGHTS_KEPT, Some(TOP_INSIGHT_AGE))
}

/// The top insight, for the dashboard: worked out again when the artist's
/// figures change (`figures_version`) or the day turns, and refreshed in the
/// background once a minute otherwise — the visit that finds it a minute
/// old is answered with it, not made to wait for the work (at a million
/// Bops that wait was the dashboard's slowest moments).
pub async fn top_insight(state: &AppState, artist: ArtistId, figures_version: i64) -> AppResult<Option<Insight>> {
    let now = state.clock.now_ms();
    let stamp = (figures_version, crate::analytics::earnings_day(now));
    let memo = &super::state(state).top_insights;
    match memo.get_or_refresh(&artist, &stamp) {
        Some((insight, false)) => Ok(insight),
        Some((insight, true)) => {
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(error) = work_out_top_insight(&state, artist, stamp).await {
                    tracing::warn!(%error, "refreshing a top insight failed; the next visit tries again");
                }
            });
            Ok(insight)
        }
        None => work_out_top_insight(state, artist, stamp).await,
    }
}

async fn work_out_top_insight(
    state: &AppState,
    artist: ArtistId,
    stamp: (i64, chrono::NaiveDate),
) -> AppResult<Option<Insight>> {
    let (setup, now) = (setup(state), state.clock.now_ms());
    let insight = state.db.read(move |c| Ok(insights::for_artist(c, artist, &setup, now)?.into_iter().next())).await?;
    super::state(state).top_insights.put(artist, stamp, insight.clone());
    Ok(insight)
}
