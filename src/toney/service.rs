//! Toney's use cases: the insights and conversation of the signed-in
//! artist, a question answered, the conversation cleared. Every read and
//! write takes the artist from the session's scope, never from the request.

use super::chat;
use super::followups::{self, Outcome};
use super::insights::{self, Insight, Setup};
use super::repo::{self, MessageRow, NewMessage};
use super::report;
use crate::app::AppState;

use crate::core::ids::ArtistId;
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
