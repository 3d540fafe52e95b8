//! What the app surface and the studio show of a Bop.

use serde::Serialize;

use super::repo::BopRow;
use crate::media::{Audience, Media, MediaKey};
use crate::music::tagging::TaggedTrack;

#[derive(Debug, Clone, Serialize)]
pub struct ArtistSummary {
    pub id: String,
    pub handle: String,
    pub name: String,
    pub photo_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BopView {
    pub id: String,
    pub artist: ArtistSummary,
    pub caption: String,
    pub hashtags: Vec<String>,
    pub visibility: String,
    pub video_url: String,
    /// A lower-bitrate MP4 of the same video for slow connections, when
    /// one was made (see `bops::rendition`); players fall back to
    /// `video_url` when it fails.
    pub video_low_url: Option<String>,
    /// The artist's WebVTT captions (see `bops::captions`), served by the
    /// video's own rules, and their language (a BCP 47 tag); both `null`
    /// when there are none.
    pub captions_url: Option<String>,
    pub captions_lang: Option<String>,
    pub poster_url: Option<String>,
    pub width: u32,
    pub height: u32,
    pub duration_ms: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub view_count: i64,
    pub tip_count: i64,
    pub tip_total_minor: i64,
    pub published_at: i64,
    pub liked_by_me: bool,
    /// The artist's track this Bop tags, when it is playable.
    pub track: Option<crate::music::tagging::TaggedTrack>,
}

/// Whom a Bop's video and poster are for: the stable URL when public, a
/// short-lived signed link for followers-only and private Bops (whoever got
/// this view passed the Bop's visibility check).
pub fn audience(visibility: &str) -> Audience {
    if visibility == "public" { Audience::Public } else { Audience::Signed }
}

impl BopView {
    pub fn new(row: BopRow, media: &Media) -> BopView {
        let audience = audience(&row.visibility);
        let url = |key: Option<&str>, audience| key.and_then(MediaKey::parse).map(|k| media.link(&k, audience));
        BopView {
            video_url: url(Some(&row.video_key), audience).unwrap_or_default(),
            video_low_url: url(row.low_video_key.as_deref(), audience),
            captions_url: url(row.captions_key.as_deref(), audience),
            captions_lang: row.captions_key.as_ref().and(row.captions_lang),
            poster_url: url(row.poster_key.as_deref(), audience),
            artist: ArtistSummary {
                id: row.artist_uid,
                handle: row.artist_handle,
                name: row.artist_name,
                photo_url: url(row.artist_photo_key.as_deref(), Audience::Public),
            },
            id: row.uid,
            caption: row.caption,
            hashtags: row.hashtags,
            visibility: row.visibility,
            width: row.width,
            height: row.height,
            duration_ms: row.duration_ms,
            like_count: row.like_count,
            comment_count: row.comment_count,
            view_count: row.view_count,
            tip_count: row.tip_count,
            tip_total_minor: row.tip_total_minor,
            published_at: row.published_at,
            liked_by_me: row.liked_by_me,
            track: None,
        }
    }

    /// The view with its tagged track, from the tracks looked up for its page.
    pub fn with_track(row: BopRow, tracks: &Tracks, media: &Media) -> BopView {
        let track = row.track_uid.as_ref().and_then(|uid| tracks.get(uid)).map(|t| TaggedTrack::new(t, media));
        BopView { track, ..BopView::new(row, media) }
    }
}

/// Tagged tracks by id, looked up once per page.
pub type Tracks = crate::music::tagging::Playable;

/// The playable tracks the rows tag (inside the page's read).
pub fn tracks_of(conn: &rusqlite::Connection, rows: &[BopRow]) -> rusqlite::Result<Tracks> {
    let uids: Vec<String> = rows.iter().filter_map(|r| r.track_uid.clone()).collect();
    if uids.is_empty() {
        return Ok(Tracks::new());
    }
    crate::music::tagging::playable(conn, &uids)
}
