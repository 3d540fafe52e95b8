//! Track use cases: adding a track with its master to a draft release,
//! editing and removing it, its collaborators' splits, and the codes a
//! release's tracks get when it is published.

use serde::{Deserialize, Serialize};

use super::codes::Isrc;
use super::domain::{FieldErrors, ReleaseStatus};
use super::masters;
use super::repo::{self, SplitRow, TrackRow};
use super::track::{TrackDraft, TrackInput};
use crate::app::AppState;
use crate::bops::uploads::UploadPurpose;
use crate::core::new_uid;
use crate::db::{Tx, now_ms};
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::identity::ArtistRow;
use crate::identity::domain::GENRES;
use crate::ledger::splits::{Share, Shares};

/// A release's track went live (the release was published).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrackPublished {
    pub track_uid: String,
    pub release_uid: String,
    pub release_title: String,
    /// 1 for the release's first track.
    pub position: i64,
    pub artist_id: i64,
    pub title: String,
    pub isrc: String,
}

impl PlatformEvent for TrackPublished {
    const TYPE: &'static str = "track.published";
}

fn invalid(errors: FieldErrors) -> AppError {
    AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields: errors }
}

fn only_drafts() -> AppError {
    AppError::Conflict("Only a draft's tracks can be changed.".into())
}

/// Most tracks a release holds (a long album; stores cap similarly).
pub const MAX_TRACKS: usize = 60;

/// Adds a track to a draft from a finished master upload; returns its id
/// and the master's loudness warnings.
pub async fn add_track(
    state: &AppState,
    artist: &ArtistRow,
    release_uid: String,
    input: &TrackInput,
    upload_id: &str,
) -> AppResult<(String, Vec<String>)> {
    let draft = TrackDraft::parse(input, GENRES).map_err(invalid)?;
    let release = super::service::find_own_release(state, artist, release_uid).await?;
    if !release.status.is_editable() {
        return Err(only_drafts());
    }
    let release_id = release.id;
    let count = state.db.read(move |c| repo::list_tracks(c, release_id)).await?.len();
    if count >= MAX_TRACKS {
        return Err(AppError::Conflict(format!("A release holds at most {MAX_TRACKS} tracks.")));
    }
    let turn = masters::Turn::take().ok_or(AppError::Unavailable)?;
    let finished = crate::bops::state(state).uploads.finish(artist.id, upload_id, UploadPurpose::Master).await?;
    let uid = new_uid();
    let processed = masters::process(state, turn, &finished, &uid).await?;
    let warnings = super::audio::warnings(&processed.info);
    let (track_uid, artist_id) = (uid.clone(), artist.id);
    let stored = state
        .db
        .write(move |tx| {
            let release = repo::find_release_for_artist(tx, artist_id, &release.uid)?.ok_or(AppError::NotFound)?;
            if !release.status.is_editable() {
                return Err(only_drafts());
            }
            check_isrc_free(tx, &draft, None)?;
            let stream = (processed.stream_key.as_str(), processed.stream_bytes);
            repo::insert_track(tx, release.id, &track_uid, &draft, &processed.facts, stream, now_ms())?;
            Ok(())
        })
        .await;
    if let Err(err) = stored {
        state.media.delete(&finished.key).await?;
        state.media.delete(&masters::stream_key(&uid)).await?;
        return Err(err);
    }
    Ok((uid, warnings))
}

fn check_isrc_free(tx: &Tx, draft: &TrackDraft, except: Option<i64>) -> AppResult<()> {
    if let Some(isrc) = &draft.isrc
        && repo::isrc_taken(tx, isrc.as_str(), except)?
    {
        return Err(AppError::invalid("isrc", "This ISRC is already on another track."));
    }
    Ok(())
}

pub async fn find_own_track(state: &AppState, artist: &ArtistRow, uid: String) -> AppResult<(TrackRow, ReleaseStatus)> {
    let artist_id = artist.id;
    state.db.read(move |c| repo::find_track_for_artist(c, artist_id, &uid)).await?.ok_or(AppError::NotFound)
}

pub async fn update_track(state: &AppState, artist: &ArtistRow, uid: String, input: &TrackInput) -> AppResult<()> {
    let draft = TrackDraft::parse(input, GENRES).map_err(invalid)?;
    let artist_id = artist.id;
    state
        .db
        .write(move |tx| {
            let (track, status) = repo::find_track_for_artist(tx, artist_id, &uid)?.ok_or(AppError::NotFound)?;
            if !status.is_editable() {
                return Err(only_drafts());
            }
            check_isrc_free(tx, &draft, Some(track.id))?;
            Ok(repo::update_track(tx, track.id, &draft, now_ms())?)
        })
        .await
}

/// Removes a track from a draft, and its files.
pub async fn delete_track(state: &AppState, artist: &ArtistRow, uid: String) -> AppResult<()> {
    let artist_id = artist.id;
    let track = state
        .db
        .write(move |tx| {
            let (track, status) = repo::find_track_for_artist(tx, artist_id, &uid)?.ok_or(AppError::NotFound)?;
            if !status.is_editable() {
                return Err(only_drafts());
            }
            repo::delete_track(tx, &track, now_ms())?;
            Ok(track)
        })
        .await?;
    let keys = [track.master.map(|m| m.key), track.stream_key];
    for key in keys.iter().flatten().filter_map(|k| crate::media::MediaKey::parse(k)) {
        state.media.delete(&key).await?;
    }
    Ok(())
}

/// What the split form sends: one collaborator per line, `Name, email, percent`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SplitsInput {
    pub splits: String,
}

/// A collaborator as typed, before accounts are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collaborator {
    pub name: String,
    pub email: String,
    pub basis_points: u32,
}

/// Parses the split lines; shares must add up to exactly 100%.
pub fn parse_splits(raw: &str) -> Result<Vec<Collaborator>, String> {
    let mut people = Vec::new();
    for (n, text) in raw.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let at = |message: &str| format!("Line {}: {message}", n + 1);
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let [name, email, percent] = parts[..] else {
            return Err(at("write each collaborator as \"Name, email, percent\"."));
        };
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(at("give the collaborator's name (at most 100 characters)."));
        }
        let Ok(email) = crate::identity::domain::Email::parse(email) else {
            return Err(at("the email address does not look right."));
        };
        let email = email.as_str().to_owned();
        let basis_points =
            parse_percent(percent).ok_or_else(|| at("write the share as a percent, like 30 or 12.5."))?;
        people.push(Collaborator { name: name.to_owned(), email, basis_points });
    }
    if people.is_empty() {
        return Err("Name at least one collaborator.".into());
    }
    if people.len() > 20 {
        return Err("At most 20 collaborators per track.".into());
    }
    let shares = people.iter().map(|p| Share { key: p.email.clone(), basis_points: p.basis_points }).collect();
    Shares::parse(shares).map_err(|e| e.to_string())?;
    Ok(people)
}

/// `"12.5"` → 1250 basis points; at most two decimals, above 0, at most 100.
fn parse_percent(raw: &str) -> Option<u32> {
    let raw = raw.trim().trim_end_matches('%').trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || fraction.len() > 2 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok().filter(|w| *w <= 100)?;
    let fraction: u32 = format!("{fraction:0<2}").parse().ok()?;
    Some(whole * 100 + fraction).filter(|bp| (1..=10_000).contains(bp))
}

/// Sets a track's collaborators and shares (drafts and live tracks alike:
/// a split governs money recorded from then on). Collaborators without an
/// account get an invitation by email.
pub async fn set_splits(state: &AppState, artist: &ArtistRow, uid: String, input: &SplitsInput) -> AppResult<()> {
    let people = parse_splits(&input.splits).map_err(|e| AppError::invalid("splits", e))?;
    let artist_id = artist.id;
    let artist_name = artist.stage_name.clone().unwrap_or_default();
    let base = state.config.server.public_url.as_str().trim_end_matches('/').to_owned() + "/";
    state
        .db
        .write(move |tx| {
            let (track, _) = repo::find_track_for_artist(tx, artist_id, &uid)?.ok_or(AppError::NotFound)?;
            let old = repo::list_splits(tx, track.id)?;
            let mut rows = Vec::with_capacity(people.len());
            for person in &people {
                let user_id = crate::identity::service::user_id_by_email(tx, &person.email)?.map(|u| u.0);
                let known = old.iter().any(|o| o.email == person.email);
                if user_id.is_none() && !known {
                    invite(tx, &artist_name, &track.title, person, &base)?;
                }
                rows.push(SplitRow {
                    id: 0,
                    name: person.name.clone(),
                    email: person.email.clone(),
                    user_id,
                    basis_points: i64::from(person.basis_points),
                });
            }
            Ok(repo::replace_splits(tx, track.id, &rows, now_ms())?)
        })
        .await
}

fn invite(tx: &Tx, artist: &str, title: &str, person: &Collaborator, base: &str) -> rusqlite::Result<()> {
    let percent = format!("{}.{:02}%", person.basis_points / 100, person.basis_points % 100);
    let body = format!(
        "Hello {},\n\n{artist} has named you a collaborator on \"{title}\" with a {percent} share of what it earns \
         here.\n\nCreate your account with this email address to see your earnings: {base}signup\n",
        person.name
    );
    crate::notify::outbox::queue_mail(tx, &person.email, &format!("You have a share in \"{title}\""), &body)
}

pub async fn list_splits(state: &AppState, track: i64) -> AppResult<Vec<SplitRow>> {
    Ok(state.db.read(move |c| repo::list_splits(c, track)).await?)
}

/// On publishing: every track without an ISRC gets one, assigned from the
/// label's registrant.
pub fn assign_isrcs(tx: &Tx, release: &super::repo::ReleaseRow, registrant: &str, year: i32) -> AppResult<()> {
    for track in repo::list_tracks(tx, release.id)?.iter().filter(|t| t.isrc.is_none()) {
        let isrc = assign_isrc(tx, registrant, year)?;
        repo::set_isrc(tx, track.id, isrc.as_str(), now_ms())?;
    }
    Ok(())
}

/// When the release goes live: a `track.published` event per track.
pub fn announce_tracks(tx: &Tx, release: &super::repo::ReleaseRow) -> AppResult<()> {
    for track in repo::list_tracks(tx, release.id)? {
        let event = TrackPublished {
            track_uid: track.uid.clone(),
            release_uid: release.uid.clone(),
            release_title: release.title.clone(),
            position: track.position,
            artist_id: release.artist_id.0,
            title: track.title.clone(),
            isrc: track.isrc.clone().unwrap_or_default(),
        };
        emit(tx, &event)?;
    }
    Ok(())
}

/// Checks a draft can be published: at least one track, each with its master.
pub fn check_tracks_ready(tx: &Tx, release: i64, registrant: &str) -> AppResult<()> {
    let tracks = repo::list_tracks(tx, release)?;
    if tracks.is_empty() {
        return Err(AppError::invalid("tracks", "Add at least one track before publishing."));
    }
    if registrant.is_empty() && tracks.iter().any(|t| t.isrc.is_none()) {
        return Err(AppError::invalid(
            "tracks",
            "This label assigns no ISRCs (music.isrc_registrant is not set): enter each track's own ISRC.",
        ));
    }
    Ok(())
}

/// The next ISRC of the label's registrant for `year`; a designation once
/// taken is never handed out again, even after a takedown.
fn assign_isrc(tx: &Tx, registrant: &str, year: i32) -> AppResult<Isrc> {
    let parts = super::codes::parse_registrant(registrant)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad music.isrc_registrant {registrant:?}")))?;
    let series = format!("isrc:{}{}:{year}", parts.0, parts.1);
    loop {
        let next = repo::take_next_code(tx, &series)?;
        let isrc = Isrc::assign(&parts, year, next).map_err(|e| AppError::Conflict(e.to_string()))?;
        if !repo::isrc_taken(tx, isrc.as_str(), None)? {
            return Ok(isrc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_parse_and_must_add_up_to_the_whole() {
        let people = parse_splits("Nova Lee, NOVA@example.com, 70\nAda Obi, ada@example.com, 30%").unwrap();
        assert_eq!(people[0].email, "nova@example.com");
        assert_eq!((people[0].basis_points, people[1].basis_points), (7000, 3000));
        assert_eq!(parse_splits("A, a@example.com, 33.33\nB, b@example.com, 66.67").unwrap()[0].basis_points, 3333);
        let short = parse_splits("A, a@example.com, 60\nB, b@example.com, 35").unwrap_err();
        assert!(short.contains("95"), "{short}");
        assert!(parse_splits("A, a@example.com").unwrap_err().contains("Line 1"));
        assert!(parse_splits("A, not-an-email, 100").unwrap_err().contains("email"));
        assert!(parse_splits("A, a@example.com, 12.345").is_err());
        assert!(parse_splits("A, a@example.com, 0\nB, b@example.com, 100").is_err());
        assert!(parse_splits("").is_err());
        assert!(parse_splits("A, a@example.com, 50\nB, a@example.com, 50").is_err(), "one person twice");
    }
}
