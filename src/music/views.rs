//! What music's pages and the app surface show of a release.

use serde::Serialize;

use super::domain::ReleaseStatus;
use super::repo::{ReleaseRow, SplitRow, TrackRow};
use super::track::{credits_text, format_position};
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

/// The media links of a release (artwork, streams): public once published,
/// signed (the artist's own studio) before.
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

/// A track on the app surface.
#[derive(Debug, Clone, Serialize)]
pub struct TrackView {
    pub id: String,
    pub position: i64,
    pub isrc: Option<String>,
    pub title: String,
    pub version: String,
    pub explicit: bool,
    pub duration_ms: i64,
    pub preview_start_ms: i64,
    pub stream_url: Option<String>,
}

impl TrackView {
    pub fn new(row: &TrackRow, status: ReleaseStatus, media: &Media) -> TrackView {
        TrackView {
            id: row.uid.clone(),
            position: row.position,
            isrc: row.isrc.clone(),
            title: row.title.clone(),
            version: row.version.clone(),
            explicit: row.explicit,
            duration_ms: row.master.as_ref().map_or(0, |m| m.duration_ms),
            preview_start_ms: row.preview_start_ms,
            stream_url: artwork_link(media, row.stream_key.as_deref(), status),
        }
    }
}

/// A release with its tracks (`GET /api/v1/releases/{id}`).
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseDetail {
    #[serde(flatten)]
    pub release: ReleaseView,
    pub artist_id: String,
    pub tracks: Vec<TrackView>,
}

/// A track in the artist's studio: what the probe found, and warnings.
#[derive(Debug, Clone, Serialize)]
pub struct StudioTrack {
    pub track: TrackView,
    pub duration: String,
    pub format: String,
    pub loudness: String,
    pub true_peak: String,
    pub warnings: Vec<String>,
    pub credits: String,
    pub moods: String,
    pub genre: String,
    pub preview_start: String,
    pub master_url: Option<String>,
    pub streams: i64,
    pub splits: Vec<SplitView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SplitView {
    pub name: String,
    pub email: String,
    pub percent: String,
    pub has_account: bool,
}

impl SplitView {
    pub fn new(row: &SplitRow) -> SplitView {
        SplitView {
            name: row.name.clone(),
            email: row.email.clone(),
            percent: format!("{}.{:02}", row.basis_points / 100, row.basis_points % 100)
                .trim_end_matches(".00")
                .to_owned(),
            has_account: row.user_id.is_some(),
        }
    }
}

impl StudioTrack {
    pub fn new(row: &TrackRow, status: ReleaseStatus, media: &Media, extra: TrackExtras) -> StudioTrack {
        let master = row.master.as_ref();
        let warnings =
            master.map(|m| super::audio::loudness_warnings(m.loudness_lufs, m.true_peak_dbtp)).unwrap_or_default();
        StudioTrack {
            track: TrackView::new(row, status, media),
            duration: format_position(master.map_or(0, |m| m.duration_ms)),
            format: master.map_or_else(String::new, |m| {
                format!(
                    "{} · {}-bit · {:.1} kHz",
                    m.format.to_uppercase(),
                    m.bits_per_sample,
                    m.sample_rate as f64 / 1000.0
                )
            }),
            loudness: master.and_then(|m| m.loudness_lufs).map_or_else(|| "silent".into(), |l| format!("{l:.1} LUFS")),
            true_peak: master.map_or_else(String::new, |m| format!("{:.1} dBTP", m.true_peak_dbtp)),
            warnings,
            credits: credits_text(&extra.credits),
            moods: row.moods.join(", "),
            genre: row.genre.clone(),
            preview_start: format_position(row.preview_start_ms),
            master_url: master.and_then(|m| MediaKey::parse(&m.key)).map(|k| media.link(&k, Audience::Signed)),
            streams: extra.streams,
            splits: extra.splits.iter().map(SplitView::new).collect(),
        }
    }
}

/// What the studio shows of a track beyond its row.
#[derive(Debug, Clone, Default)]
pub struct TrackExtras {
    pub credits: Vec<super::track::Credit>,
    pub splits: Vec<SplitRow>,
    pub streams: i64,
}
