//! What other pillars may read of music: a published release's masters,
//! for the shop to sell as a download (read-only; the shop keeps its own
//! record of what it sells).

use rusqlite::Connection;

use super::domain::ReleaseStatus;
use super::repo;
use crate::core::ids::ArtistId;

/// A master of a release, as a file to download.
#[derive(Debug, Clone)]
pub struct MasterFile {
    /// "01 Last Bus.flac".
    pub name: String,
    pub media_key: String,
    pub bytes: i64,
    pub content_type: &'static str,
}

/// A published release of the artist, with the masters of its tracks.
#[derive(Debug, Clone)]
pub struct ReleaseDownload {
    pub id: i64,
    pub title: String,
    pub masters: Vec<MasterFile>,
}

/// The artist's published releases: (id, title), newest first.
pub fn published_releases(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Vec<(String, String)>> {
    Ok(repo::list_releases_for_artist(conn, artist, true, i64::MAX, 100)?
        .into_iter()
        .map(|r| (r.uid, r.title))
        .collect())
}

/// One of the artist's published releases and its masters.
pub fn release_download(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<Option<ReleaseDownload>> {
    let Some(release) = repo::find_release_for_artist(conn, artist, uid)? else { return Ok(None) };
    if release.status != ReleaseStatus::Published {
        return Ok(None);
    }
    let masters = repo::list_tracks(conn, release.id)?
        .into_iter()
        .filter_map(|track| {
            let master = track.master?;
            let (extension, content_type) =
                if master.format == "flac" { ("flac", "audio/flac") } else { ("wav", "audio/wav") };
            let title: String =
                track.title.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).collect();
            Some(MasterFile {
                name: format!("{:02} {title}.{extension}", track.position),
                media_key: master.key,
                bytes: master.bytes,
                content_type,
            })
        })
        .collect();
    Ok(Some(ReleaseDownload { id: release.id, title: release.title, masters }))
}
