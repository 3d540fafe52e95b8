//! What music's pages and the app surface show of a release.

use serde::Serialize;

use super::domain::ReleaseStatus;
use super::repo::ReleaseRow;
use crate::media::{Audience, Media, MediaKey};

/// A release on the app surface (`GET /api/v1/releases/{id}` and lists).
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub version: String,
    pub featured_artists: Vec<String>,
    pub label_name: String,
    pub genre: String,
    pub release_date: String,
    pub parental_advisory: String,
    pub upc: Option<String>,
    pub artwork_url: Option<String>,
    pub artwork_thumb_url: Option<String>,
}

/// The artwork links of a release: public once published, signed (the
/// artist's own studio) before.
fn artwork_link(media: &Media, key: Option<&str>, status: ReleaseStatus) -> Option<String> {
    let audience = if status == ReleaseStatus::Published { Audience::Public } else { Audience::Signed };
    key.and_then(MediaKey::parse).map(|k| media.link(&k, audience))
}

impl ReleaseView {
    pub fn new(row: &ReleaseRow, media: &Media) -> ReleaseView {
        ReleaseView {
            id: row.uid.clone(),
            kind: row.kind.as_str(),
            title: row.title.clone(),
            version: row.version.clone(),
            featured_artists: row.featured_artists.clone(),
            label_name: row.label_name.clone(),
            genre: row.genre.clone(),
            release_date: row.release_date.clone(),
            parental_advisory: row.parental_advisory.clone(),
            upc: row.upc.clone(),
            artwork_url: artwork_link(media, row.artwork_web_key.as_deref(), row.status),
            artwork_thumb_url: artwork_link(media, row.artwork_thumb_key.as_deref(), row.status),
        }
    }
}

/// A release in the artist's studio.
#[derive(Debug, Clone, Serialize)]
pub struct StudioRelease {
    pub release: ReleaseView,
    pub status: &'static str,
    pub status_label: &'static str,
    pub editable: bool,
    pub can_take_down: bool,
}

impl StudioRelease {
    pub fn new(row: &ReleaseRow, media: &Media) -> StudioRelease {
        let status_label = match row.status {
            ReleaseStatus::Draft => "Draft",
            ReleaseStatus::Scheduled => "Scheduled",
            ReleaseStatus::Published => "Published",
            ReleaseStatus::TakenDown => "Taken down",
        };
        StudioRelease {
            release: ReleaseView::new(row, media),
            status: row.status.as_str(),
            status_label,
            editable: row.status.is_editable(),
            can_take_down: matches!(row.status, ReleaseStatus::Published | ReleaseStatus::Scheduled),
        }
    }
}
