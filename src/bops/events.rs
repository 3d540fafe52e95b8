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
}

impl PlatformEvent for BopPublished {
    const TYPE: &'static str = "bop.published";
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BopLiked {
    pub bop_uid: String,
    pub artist_id: i64,
    pub fan_user_id: i64,
}

impl PlatformEvent for BopLiked {
    const TYPE: &'static str = "bop.liked";
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
