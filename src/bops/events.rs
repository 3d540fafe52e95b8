//! Events the Bops pillar emits.

use serde::{Deserialize, Serialize};

use crate::events::PlatformEvent;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopPublished {
    pub bop_uid: String,
    pub artist_id: i64,
    pub visibility: String,
    /// The stage name at publishing, for followers' notices.
    #[serde(default)]
    pub artist_name: String,
    /// When it was published (events from before this field: 0, read as
    /// the event's own time).
    #[serde(default)]
    pub at: i64,
    /// The Bop's row id and what search indexes of it (events from before
    /// these fields carry no caption: `search rebuild` indexed those Bops).
    #[serde(default)]
    pub bop_id: i64,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub hashtags: Vec<String>,
    #[serde(default)]
    pub poster_key: Option<String>,
    /// The tagged track (music's id), if any.
    #[serde(default)]
    pub track_uid: Option<String>,
}

impl PlatformEvent for BopPublished {
    const TYPE: &'static str = "bop.published";
}

/// The artist changed a Bop's caption (and so its hashtags).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopEdited {
    pub bop_uid: String,
    pub artist_id: i64,
    pub caption: String,
    pub hashtags: Vec<String>,
    pub at: i64,
}

impl PlatformEvent for BopEdited {
    const TYPE: &'static str = "bop.edited";
}

/// The artist deleted a Bop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopDeleted {
    pub bop_uid: String,
    pub artist_id: i64,
    pub at: i64,
}

impl PlatformEvent for BopDeleted {
    const TYPE: &'static str = "bop.deleted";
}

/// The label hid a Bop, or showed it again: what search needs to drop it
/// or index it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopModerated {
    pub bop_uid: String,
    pub bop_id: i64,
    pub artist_id: i64,
    pub hidden: bool,
    pub visibility: String,
    pub caption: String,
    pub hashtags: Vec<String>,
    pub poster_key: Option<String>,
    pub published_at: i64,
}

impl PlatformEvent for BopModerated {
    const TYPE: &'static str = "bop.moderated";
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopLiked {
    pub bop_uid: String,
    pub artist_id: i64,
    pub fan_user_id: i64,
    /// When the like was made (events from before this field: 0, read as
    /// the event's own time).
    #[serde(default)]
    pub at: i64,
}

impl PlatformEvent for BopLiked {
    const TYPE: &'static str = "bop.liked";
}

/// A like was taken back: the day it was made loses it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopUnliked {
    pub bop_uid: String,
    pub artist_id: i64,
    pub fan_user_id: i64,
    pub liked_at: i64,
}

impl PlatformEvent for BopUnliked {
    const TYPE: &'static str = "bop.unliked";
}

/// A view was counted (once per viewer per Bop per 30 minutes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopViewed {
    pub bop_uid: String,
    pub artist_id: i64,
    /// The signed-in viewer, if any (loyalty needs one).
    pub fan_user_id: Option<i64>,
    pub at: i64,
    /// How long it played and how long it is (events from before these
    /// fields: 0, read as half watched).
    #[serde(default)]
    pub watched_ms: i64,
    #[serde(default)]
    pub duration_ms: i64,
}

impl BopViewed {
    /// How much of the Bop was watched, 0 to 1.
    pub fn completion(&self) -> f64 {
        if self.duration_ms <= 0 || self.watched_ms <= 0 {
            return 0.5;
        }
        (self.watched_ms as f64 / self.duration_ms as f64).min(1.0)
    }
}

impl PlatformEvent for BopViewed {
    const TYPE: &'static str = "bop.viewed";
}

/// A comment (or reply) was written on a Bop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopCommented {
    pub bop_uid: String,
    pub comment_uid: String,
    pub artist_id: i64,
    pub fan_user_id: i64,
    pub at: i64,
}

impl PlatformEvent for BopCommented {
    const TYPE: &'static str = "bop.commented";
}

/// The rest of a Bop's fan-out: its followers after `after_fan` still need
/// it in their timelines. Each batch is its own event, so its own short
/// transaction: a big following never holds the single writer for long.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopFanOutContinued {
    pub bop_uid: String,
    #[serde(default)]
    pub artist_name: String,
    pub after_fan: i64,
}

impl PlatformEvent for BopFanOutContinued {
    const TYPE: &'static str = "bop.fan_out.continued";
}
