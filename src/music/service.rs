//! Music's use cases: one write transaction per command, events inside it.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::artwork::{self, ArtworkError};
use super::domain::{Date, FieldErrors, ReleaseDraft, ReleaseInput, ReleaseStatus};
use super::repo::{self, ArtworkKeys, ReleaseRow};
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::identity::ArtistRow;
use crate::identity::domain::GENRES;
use crate::media::MediaKey;

/// A release was published (by the artist, or by its date coming).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleasePublished {
    pub release_uid: String,
    pub artist_id: i64,
    pub title: String,
}

impl PlatformEvent for ReleasePublished {
    const TYPE: &'static str = "music.release.published";
}

/// A published release was taken down.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseTakenDown {
    pub release_uid: String,
    pub artist_id: i64,
}

impl PlatformEvent for ReleaseTakenDown {
    const TYPE: &'static str = "music.release.taken_down";
}

fn invalid(errors: FieldErrors) -> AppError {
    AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields: errors }
}

/// The form, every field checked; the artist's own UPC must carry a right
/// GS1 check digit.
fn parse_form(input: &ReleaseInput) -> AppResult<(ReleaseDraft, Option<String>)> {
    let upc = match input.upc.trim() {
        "" => Ok(None),
        raw => super::codes::check_icpn(raw).map(Some),
    };
    match (ReleaseDraft::parse(input, GENRES), upc) {
        (Ok(draft), Ok(upc)) => Ok((draft, upc)),
        (draft, upc) => {
            let mut errors = draft.err().unwrap_or_default();
            if let Err(message) = upc {
                errors.insert("upc".into(), message.into());
            }
            Err(invalid(errors))
        }
    }
}

/// Gives the release the artist's own UPC, unless another release has it
/// (assigned codes included: a code is never used twice).
fn set_own_upc(tx: &crate::db::Tx, release: i64, upc: Option<&str>) -> AppResult<()> {
    let Some(upc) = upc else { return Ok(()) };
    let current = repo::find_release_by_id(tx, release)?.and_then(|r| r.upc);
    if current.as_deref() == Some(upc) {
        return Ok(());
    }
    if repo::upc_taken(tx, upc)? {
        return Err(AppError::invalid("upc", "This UPC is already on another release."));
    }
    Ok(repo::set_upc(tx, release, upc, now_ms())?)
}

/// A new draft release of the artist's; returns its id.
pub async fn create_release(state: &AppState, artist: &ArtistRow, input: &ReleaseInput) -> AppResult<String> {
    let (draft, upc) = parse_form(input)?;
    let (artist_id, by) = (artist.id, artist.user_id);
    state
        .db
        .write(move |tx| {
            let uid = repo::insert_release(tx, artist_id, &draft, now_ms())?;
            let id = repo::find_release_id(tx, artist_id, &uid)?.ok_or(AppError::NotFound)?;
            set_own_upc(tx, id, upc.as_deref())?;
            repo::transition(tx, id, &[ReleaseStatus::Draft], ReleaseStatus::Draft, Some(by), "created", now_ms())?;
            Ok(uid)
        })
        .await
}

pub async fn update_release(state: &AppState, artist: &ArtistRow, uid: String, input: &ReleaseInput) -> AppResult<()> {
    let (draft, upc) = parse_form(input)?;
    let artist_id = artist.id;
    state
        .db
        .write(move |tx| {
            if repo::update_draft(tx, artist_id, &uid, &draft, now_ms())? {
                let id = repo::find_release_id(tx, artist_id, &uid)?.ok_or(AppError::NotFound)?;
                return set_own_upc(tx, id, upc.as_deref());
            }
            match repo::find_release_for_artist(tx, artist_id, &uid)? {
                Some(_) => Err(AppError::Conflict("Only drafts can be edited.".into())),
                None => Err(AppError::NotFound),
            }
        })
        .await
}

pub async fn find_own_release(state: &AppState, artist: &ArtistRow, uid: String) -> AppResult<ReleaseRow> {
    let artist_id = artist.id;
    let release = state.db.read(move |c| repo::find_release_for_artist(c, artist_id, &uid)).await?;
    release.ok_or(AppError::NotFound)
}

/// A release fans may see: published, and its artist not suspended.
pub async fn find_public_release(state: &AppState, uid: String) -> AppResult<ReleaseRow> {
    let release = state
        .db
        .read(move |c| {
            let Some(release) = repo::find_published_release(c, &uid)? else { return Ok(None) };
            let visible = crate::identity::service::artist_is_visible(c, release.artist_id)?;
            Ok(visible.then_some(release))
        })
        .await?;
    release.ok_or(AppError::NotFound)
}

/// A public release with its tracks, for the app surface.
pub async fn public_release_detail(state: &AppState, uid: String) -> AppResult<super::views::ReleaseDetail> {
    let release = find_public_release(state, uid).await?;
    let (id, artist) = (release.id, release.artist_id);
    let (tracks, artist_uid) = state
        .db
        .read(move |c| {
            let artist = crate::identity::service::artist_uid(c, artist)?;
            Ok((repo::list_shown_tracks(c, id)?, artist))
        })
        .await?;
    let tracks = tracks.iter().map(|t| super::views::TrackView::new(t, release.status, &state.media)).collect();
    Ok(super::views::ReleaseDetail {
        release: super::views::ReleaseView::new(&release, &state.media),
        artist_id: artist_uid,
        tracks,
    })
}

pub async fn history(state: &AppState, release: &ReleaseRow) -> AppResult<Vec<(String, String, i64)>> {
    let id = release.id;
    Ok(state.db.read(move |c| repo::list_history(c, id)).await?)
}

/// Checks and stores the artwork of a draft: the original untouched, and
/// its web derivatives.
pub async fn set_artwork(state: &AppState, artist: &ArtistRow, uid: String, bytes: Bytes) -> AppResult<()> {
    let release = find_own_release(state, artist, uid).await?;
    if !release.status.is_editable() {
        return Err(AppError::Conflict("Only drafts can be edited.".into()));
    }
    let art = tokio::task::spawn_blocking(move || artwork::process(bytes.to_vec()))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("artwork task failed: {e}")))?
        .map_err(|e: ArtworkError| AppError::invalid("artwork", e.to_string()))?;
    let (original_key, web_key, thumb_key) = (art.original_key(), art.web_key(), art.thumb_key());
    let keys = [
        (original_key, Bytes::from(art.original), art.original_type),
        (web_key, Bytes::from(art.web_jpeg), "image/jpeg"),
        (thumb_key, Bytes::from(art.thumb_jpeg), "image/jpeg"),
    ];
    for (key, bytes, content_type) in &keys {
        let key = MediaKey::parse(key).ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad artwork key")))?;
        state.media.put_bytes_as(&key, bytes.clone(), content_type).await?;
    }
    let (original, web, thumb) = (keys[0].0.clone(), keys[1].0.clone(), keys[2].0.clone());
    let (id, side) = (release.id, art.side);
    state
        .db
        .write(move |tx| {
            let keys = ArtworkKeys { original: &original, web: &web, thumb: &thumb, side };
            Ok(repo::set_artwork(tx, id, &keys, now_ms())?)
        })
        .await
}

/// Publishes a draft: at once when its release date has come, else it is
/// scheduled and publishes itself on that date. Needs artwork and a UPC
/// (assigned from the label's GS1 prefix when the artist has none).
pub async fn publish_release(state: &AppState, artist: &ArtistRow, uid: String) -> AppResult<ReleaseStatus> {
    let release = find_own_release(state, artist, uid).await?;
    if release.status != ReleaseStatus::Draft {
        return Err(AppError::Conflict("This release was already sent.".into()));
    }
    if release.artwork_key.is_none() {
        let side = artwork::MIN_SIDE;
        return Err(AppError::invalid(
            "artwork",
            format!("Add the artwork (a square image of at least {side}×{side}) first."),
        ));
    }
    let today = Date::of_ms(state.clock.now_ms()).as_string();
    let due = release.release_date <= today;
    let to = if due { ReleaseStatus::Published } else { ReleaseStatus::Scheduled };
    let config = &super::state(state).config;
    let (prefix, registrant) = (config.gs1_prefix.clone(), config.isrc_registrant.clone());
    let (by, artist_id, uid) = (artist.user_id, artist.id, release.uid.clone());
    let year = Date::of_ms(state.clock.now_ms()).year();
    state
        .db
        .write(move |tx| {
            // Read again inside the write: of two publishes at once, the
            // second finds no draft and assigns no second code.
            let release = repo::find_release_for_artist(tx, artist_id, &uid)?.ok_or(AppError::NotFound)?;
            super::tracks::check_tracks_ready(tx, release.id, &registrant)?;
            if !repo::transition(tx, release.id, &[ReleaseStatus::Draft], to, Some(by), "", now_ms())? {
                return Err(AppError::Conflict("This release was already sent.".into()));
            }
            if release.upc.is_none() {
                let upc = assign_upc(tx, &prefix)?;
                repo::set_upc(tx, release.id, &upc, now_ms())?;
            }
            // Codes are settled now, so a scheduled release's tracks keep theirs.
            super::tracks::assign_isrcs(tx, &release, &registrant, year)?;
            if to == ReleaseStatus::Published {
                go_live(tx, &release)?;
            }
            Ok(to)
        })
        .await
}

/// A release and its tracks are live: their events go out.
fn go_live(tx: &crate::db::Tx, release: &ReleaseRow) -> AppResult<()> {
    let event = ReleasePublished {
        release_uid: release.uid.clone(),
        artist_id: release.artist_id.0,
        title: release.title.clone(),
    };
    emit(tx, &event)?;
    super::tracks::announce_tracks(tx, release)
}

/// The next UPC/EAN from the label's GS1 prefix; a number once taken is
/// never handed out again, even after a takedown.
fn assign_upc(tx: &crate::db::Tx, prefix: &str) -> AppResult<String> {
    if prefix.is_empty() {
        return Err(AppError::invalid(
            "upc",
            "This label assigns no UPCs (music.gs1_prefix is not set): enter the release's own UPC in the form above.",
        ));
    }
    let series = format!("upc:{prefix}");
    loop {
        let next = repo::take_next_code(tx, &series)?;
        let code = super::codes::assign_icpn(prefix, next).map_err(|e| AppError::Conflict(e.to_string()))?;
        if !repo::upc_taken(tx, &code)? {
            return Ok(code);
        }
    }
}

/// Takes a published (or scheduled) release down; the row and its codes stay.
pub async fn take_down_release(state: &AppState, artist: &ArtistRow, uid: String, by: UserId) -> AppResult<()> {
    let release = find_own_release(state, artist, uid).await?;
    state
        .db
        .write(move |tx| {
            let from = [ReleaseStatus::Published, ReleaseStatus::Scheduled];
            if !repo::transition(tx, release.id, &from, ReleaseStatus::TakenDown, Some(by), "", now_ms())? {
                return Err(AppError::Conflict("Only a published or scheduled release can be taken down.".into()));
            }
            let event = ReleaseTakenDown { release_uid: release.uid.clone(), artist_id: release.artist_id.0 };
            emit(tx, &event)?;
            Ok(())
        })
        .await
}

/// Publishes the scheduled releases whose date has come; returns how many.
pub async fn publish_due_releases(state: &AppState) -> AppResult<usize> {
    let today = Date::of_ms(state.clock.now_ms()).as_string();
    // A read first: on most minutes nothing is due, and the writer is
    // then not taken at all.
    let lookup = today.clone();
    if state.db.read(move |c| repo::list_due_releases(c, &lookup, 1)).await?.is_empty() {
        return Ok(0);
    }
    state
        .db
        .write(move |tx| {
            let due = repo::list_due_releases(tx, &today, 100)?;
            for (id, uid) in &due {
                repo::transition(
                    tx,
                    *id,
                    &[ReleaseStatus::Scheduled],
                    ReleaseStatus::Published,
                    None,
                    "release date",
                    now_ms(),
                )?;
                if let Some(release) = repo::find_published_release(tx, uid)? {
                    go_live(tx, &release)?;
                }
            }
            Ok(due.len())
        })
        .await
}

/// The form fields of a stored release, for editing it.
pub fn input_of(row: &ReleaseRow) -> ReleaseInput {
    ReleaseInput {
        kind: row.kind.as_str().into(),
        title: row.title.clone(),
        version: row.version.clone(),
        featured_artists: row.featured_artists.join("\n"),
        label_name: row.label_name.clone(),
        genre: row.genre.clone(),
        subgenre: row.subgenre.clone(),
        original_release_date: row.original_release_date.clone().unwrap_or_default(),
        release_date: row.release_date.clone(),
        p_line: row.p_line.clone(),
        c_line: row.c_line.clone(),
        parental_advisory: row.parental_advisory.clone(),
        language: row.language.clone(),
        upc: row.upc.clone().unwrap_or_default(),
    }
}

/// A page of the artist's own releases, newest first, after `before` (a
/// release id); returns the rows and the next page's `before`.
pub async fn list_own_releases(
    state: &AppState,
    artist: &ArtistRow,
    before: Option<String>,
    page: usize,
) -> AppResult<(Vec<ReleaseRow>, Option<String>)> {
    list_releases(state, artist.id, false, before, page).await
}

/// A page of an artist's releases, newest first, keyset-paged by release id.
pub async fn list_releases(
    state: &AppState,
    artist: crate::core::ids::ArtistId,
    published_only: bool,
    before: Option<String>,
    page: usize,
) -> AppResult<(Vec<ReleaseRow>, Option<String>)> {
    state
        .db
        .read(move |c| {
            let start = match before.filter(|b| !b.is_empty()) {
                Some(uid) => match repo::find_release_id(c, artist, &uid)? {
                    Some(id) => id,
                    None => return Ok(None),
                },
                None => i64::MAX,
            };
            let mut rows = repo::list_releases_for_artist(c, artist, published_only, start, page + 1)?;
            let more = rows.len() > page;
            rows.truncate(page);
            let next = if more { rows.last().map(|r| r.uid.clone()) } else { None };
            Ok(Some((rows, next)))
        })
        .await?
        .ok_or_else(|| AppError::invalid("cursor", "This page link is out of date. Start from the first page."))
}

/// A track's uid and title, for other pillars' lists (analytics' top tracks).
pub fn track_face(conn: &rusqlite::Connection, track: i64) -> rusqlite::Result<Option<(String, String)>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT uid, title FROM music_tracks WHERE id = ?1")?
        .query_row([track], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// The genre of a published track's release, lowercase (for other
/// pillars' taste of a listener).
pub fn track_genre(conn: &rusqlite::Connection, track_uid: &str) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT lower(r.genre) FROM music_tracks t JOIN music_releases r ON r.id = t.release_id WHERE t.uid = ?1",
    )?
    .query_row([track_uid], |r| r.get(0))
    .optional()
}
