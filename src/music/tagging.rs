//! What music offers other pillars about tracks: a Bop may tag one of its
//! artist's published tracks, and the feed shows it, playable.

use std::collections::HashMap;

use serde::Serialize;

use super::repo;
use crate::core::ids::ArtistId;
use crate::media::{Audience, Media, MediaKey};

/// A track as a Bop shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TaggedTrack {
    pub id: String,
    pub title: String,
    pub artwork_url: Option<String>,
    pub stream_url: Option<String>,
}

/// Playable tracks by id, as [`playable`] finds them.
pub type Playable = HashMap<String, repo::TaggedTrackRow>;

/// The playable ones of `uids`, by id (one read; call inside a read).
pub fn playable(conn: &rusqlite::Connection, uids: &[String]) -> rusqlite::Result<Playable> {
    Ok(repo::list_playable_tracks(conn, uids)?.into_iter().map(|t| (t.uid.clone(), t)).collect())
}

impl TaggedTrack {
    pub fn new(row: &repo::TaggedTrackRow, media: &Media) -> TaggedTrack {
        let link = |key: Option<&str>| key.and_then(MediaKey::parse).map(|k| media.link(&k, Audience::Public));
        TaggedTrack {
            id: row.uid.clone(),
            title: row.title.clone(),
            artwork_url: link(row.artwork_key.as_deref()),
            stream_url: link(row.stream_key.as_deref()),
        }
    }
}

/// May the artist tag this track (one of their own, published)?
pub fn may_tag(conn: &rusqlite::Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<bool> {
    repo::is_published_track_of(conn, artist, uid)
}

/// The tracks the artist may tag: (id, "Title — Release").
pub fn taggable(conn: &rusqlite::Connection, artist: ArtistId) -> rusqlite::Result<Vec<(String, String)>> {
    Ok(repo::list_published_tracks_of(conn, artist, 200)?
        .into_iter()
        .map(|(uid, title, release)| (uid, format!("{title} — {release}")))
        .collect())
}
